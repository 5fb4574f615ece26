//! pacsys: a client library for Fermilab's ACNET control system.
//!
//! One async API, the [`Backend`] trait, over two transports:
//!
//! * [`DpmBackend`]: DPM over the binary DPM/HTTP protocol (`pacsys-dpm-core`), default
//!   `acsys-proxy.fnal.gov:6802`;
//! * [`GrpcBackend`]: the DAQ gRPC service (`pacsys-grpc-core`), default
//!   `dce08.fnal.gov:50051`.
//!
//! Both speak the shared vocabulary of `pacsys-types` (re-exported here: [`Reading`],
//! [`Value`], [`Status`], [`Event`], ...) and report failures as one [`Error`] type, the
//! cores' own, classified by [`ErrorKind`] (see [`error`]).
//! Batch calls return one `Result` per request, in input order; one device failing never
//! fails the batch. Subscriptions are [`futures::Stream`]s of [`Event`]s that report
//! disconnections, reconnections with the gap, and drops.
//!
//! ```
//! use std::time::Duration;
//! use futures::StreamExt;
//! use pacsys::{Backend, DpmBackend, Event, Value};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
//! # // SAFETY: single-threaded here; nothing else reads the environment.
//! # unsafe {
//! #     std::env::set_var("PACSYS_DPM_HOST", "127.0.0.1");
//! #     std::env::set_var("PACSYS_DPM_PORT", server.port().to_string());
//! # }
//! let backend = DpmBackend::builder().build()?; // PACSYS_DPM_HOST etc. apply
//!
//! // One value.
//! let temperature = backend.read("M:OUTTMP", None).await?;
//! println!("{temperature:?}");
//! # assert_eq!(temperature, Value::Scalar(72.5));
//!
//! // A batch: one result per DRF, in order.
//! for r in backend.get_many(&["M:OUTTMP", "Z:ACLTST[0:3]", "Z:NOSUCH"], None).await {
//!     match r {
//!         Ok(reading) => println!("{} = {:?}", reading.drf, reading.value),
//!         Err(e) => println!("{e}"),
//!     }
//! }
//!
//! // A setting.
//! backend.write("G:AMANDA", Value::Scalar(12.5), Some(Duration::from_secs(2))).await?;
//! # assert_eq!(backend.read("G:AMANDA", None).await?, Value::Scalar(12.5));
//!
//! // A stream.
//! let mut sub = backend.subscribe(&["M:OUTTMP@p,1000"]).await?;
//! while let Some(event) = sub.next().await {
//!     if let Event::Reading(r) = event {
//!         println!("{:?}", r.value);
//! #       assert_eq!(r.value, Some(Value::Scalar(72.5)));
//!     }
//! #   break; // the stream would run for ever
//! }
//! # drop((sub, backend));
//! # server.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Scripts without async use [`blocking::Client`], the same API over a private runtime.
//!
//! # Configuration
//!
//! Builders take explicit values first, then the `PACSYS_*` environment variables (see
//! [`env::EnvConfig`]), then the reference defaults. Construction does no I/O.
//!
//! # Feature flags
//!
//! * `kerberos`: Kerberos-authenticated DPM settings (needs the system GSS-API library).
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

/// Compiles the README example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

mod any;
mod backend;
pub mod blocking;
mod capabilities;
pub mod default_event;
mod device;
pub mod dpm;
pub mod env;
pub mod error;
pub mod exp;
mod global;
pub mod grpc;
pub mod history;
pub mod jwt;
pub mod observe;
mod runtime;
mod stale;
pub mod subscription;
mod verify;
mod write;

pub use any::AnyBackend;
pub use backend::Backend;
pub use capabilities::Capabilities;
pub use device::{ArrayDevice, Device, ScalarDevice, TextDevice};
pub use dpm::{DpmBackend, DpmBackendBuilder};
pub use error::{Error, ErrorKind, Transport};
pub use global::{
    configure, default_backend, get, get_many, read, run, shutdown, subscribe, write, write_many,
};
pub use grpc::{GrpcBackend, GrpcBackendBuilder};
pub use pacsys_dpm_core::ListIdentity;
pub use pacsys_drf as drf;
pub use pacsys_drf::{Field, Property};
pub use pacsys_types::{
    AnalogAlarm, BasicStatus, Control, DeviceMeta, DigitalAlarm, DropPolicy, Event, Reading,
    Status, SubscriptionOptions, TimedArray, Value,
};
pub use subscription::{EndReason, Stopper, Subscription};
pub use verify::{Verify, control, values_match, write_verified};
pub use write::{WriteResult, write_alarm_fields, write_with_alarm_blocks};
