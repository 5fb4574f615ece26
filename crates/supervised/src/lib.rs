//! A supervised DAQ gRPC proxy: serves `services.daq.DAQ` (spec `daq-grpc.md`) in front of
//! any [`pacsys::Backend`] (the in-memory fake, DPM, or another DAQ gRPC server) and
//! passes every call through a gate, a chain of [policies](policy), an
//! [audit log](audit) and [metrics](Metrics).
//!
//! The gatekeeper labs put between scripts and the machine: expose a fake as a real gRPC
//! server for integration tests, serve a digital twin, restrict who may set what, limit
//! rates and value ranges, and keep an audit trail. Safe by default: loopback only, reads
//! allowed and writes denied unless a policy approves them, device names matched in their
//! parsed canonical form, and the canonical DRF (never the client's spelling) forwarded.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use pacsys_supervised::{ProxyConfig, SupervisedServer};
//! use pacsys_testing::FakeBackend;
//!
//! let config = ProxyConfig::from_toml(r#"
//!     bind = "127.0.0.1:0"
//!     token = "secret"
//!     [[policy]]
//!     type = "device_access"
//!     mode = "allow"
//!     action = "set"
//!     patterns = ["G:AMANDA", "Z:ACL*"]
//!     [[policy]]
//!     type = "value_range"
//!     limits = [{ pattern = "G:AMANDA", min = 0.0, max = 100.0 }]
//! "#)?;
//! let server = config.apply(SupervisedServer::new(FakeBackend::new()))?.start().await?;
//! println!("DAQ proxy on {}", server.addr());
//! server.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Feature flags
//!
//! * `sim` (default): the `fake` backend of the `pacsys-proxy` binary (the simulated
//!   device world of `pacsys-sim`, served by its fake DPM server in-process on loopback and
//!   reached through a `DpmBackend`).
//! * `jwt` (default): bearer JWTs checked by the server ([`SupervisedServer::jwt`], the
//!   configuration's `[jwt]`); without it a `[jwt]` table is a configuration error.
//! * `proxy` (default): the `pacsys-proxy` binary's command line and log output.
//! * `tls`: TLS for the server (rustls with ring, through tonic's `tls-ring`).
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

/// Compiles the README example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub mod audit;
pub mod config;
pub mod context;
pub mod decision;
mod error;
#[cfg(feature = "jwt")]
pub mod jwt;
#[cfg(not(feature = "jwt"))]
#[path = "jwt_off.rs"]
mod jwt;
mod limits;
mod metrics;
pub mod pattern;
pub mod policy;
#[cfg(test)]
mod policy_tests;
pub mod prometheus;
mod server;
mod service;

pub use audit::{AuditLog, AuditStats};
pub use config::{JwtConfig, ProxyConfig};
pub use decision::DENIED_STATUS;
pub use error::{ConfigError, ProxyError};
pub use metrics::{Metrics, MetricsSnapshot};
pub use server::{
    DEFAULT_BIND, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS_PER_CLIENT, DEFAULT_MAX_DRFS,
    DEFAULT_MAX_STREAMS_PER_CLIENT, RunningServer, SupervisedServer,
};
pub use service::ReplyStream;
