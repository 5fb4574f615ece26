//! The DPM/HTTP connection core of pacsys-rs: batch reads, streaming subscriptions,
//! connection pooling and reconnect.
//!
//! Layers, each in its own module:
//!
//! * [`session`]: the list protocol as plain state (no sockets, no clock): ref ids, the reply
//!   handling table, one-shot completion, history chunks, the watchdog, the reuse rule.
//! * `connection`: connecting (TCP, handshake, HTTP-error detection, OpenList) and the
//!   tokio task that owns one socket and feeds its session.
//! * `pool`: pooled connections for one-shot reads.
//! * [`Subscription`]: a subscription on its own connection, as a `futures::Stream` of
//!   [`Event`]s, with reconnect, backoff and a bounded, counted buffer.
//! * [`write`](mod@write): settings (spec 6.6.3, 6.7) as plain state; `write_conn` drives them on the
//!   kept, authenticated write connection (`kerberos` feature: spec 6.6.1-6.6.2).
//! * [`DpmClient`]: the entry point tying them together.
//!
//! ```no_run
//! use std::time::Duration;
//! use futures::StreamExt;
//! use pacsys_dpm_core::{DpmClient, Event};
//!
//! # async fn demo() -> Result<(), pacsys_dpm_core::Error> {
//! let client = DpmClient::builder().host("acsys-proxy.fnal.gov").port(6802).build();
//! for result in client.read_many(&["M:OUTTMP", "G:AMANDA"], Duration::from_secs(5)).await {
//!     match result {
//!         Ok(reading) => println!("{} = {:?}", reading.drf, reading.value),
//!         Err(e) => println!("{e}"),
//!     }
//! }
//! let mut sub = client.subscribe(&["M:OUTTMP@p,1000"]).await?;
//! while let Some(event) = sub.next().await {
//!     if let Event::Reading(r) = event { println!("{:?}", r.value); }
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod client;
mod connection;
mod error;
mod identity;
#[cfg(feature = "kerberos")]
mod kerberos;
mod pool;
pub mod session;
mod stats;
mod streams;
mod subscription;
pub mod write;
mod write_conn;

/// Compiles the README example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use client::{DpmClient, DpmClientBuilder};
pub use error::{AuthError, Error, ErrorKind, Transport, auth_error};
pub use identity::ListIdentity;
#[cfg(feature = "kerberos")]
pub use kerberos::KerberosConfig;
pub use pacsys_types::plan::WriteValue;
pub use pacsys_types::{Backoff, DropPolicy};
pub use pacsys_types::{Event, Reading, Status, Value};
pub use pacsys_types::{SubscriptionOptions, WriteResult};
pub use stats::Stats;
pub use subscription::Subscription;
pub use write::{ControlCommand, SettingValue};
