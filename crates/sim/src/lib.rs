//! The pacsys-rs simulator: a simulated ACNET device world ([`SimWorld`]), a fake DPM server
//! ([`FakeDpmServer`]) that speaks the real DPM/HTTP protocol over real TCP sockets and a
//! fake DAQ gRPC server ([`FakeDaqServer`]) over the same world, with fault injection, the
//! `pacsys-sim` binary, and (feature `kdc`) a throwaway MIT Kerberos realm for tests.
//!
//! The servers are built only on the parser (`pacsys-drf`), the wire codec
//! (`pacsys-dpm-proto`), the generated DAQ protobuf types of `pacsys-grpc-core` (not its
//! client) and the shared types (`pacsys-types`: the same request plans every client uses),
//! and never on a client crate, so they stay independent peers: a client passing against them
//! has implemented the protocol, not agreed with itself. The in-memory `FakeBackend` (which
//! implements the facade's `Backend` trait) lives in `pacsys-testing`, so this crate never
//! builds the facade.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use pacsys_sim::{FakeDpmServer, Faults};
//!
//! // A server on a free loopback port that splits every frame into tiny writes.
//! let server = FakeDpmServer::builder()
//!     .faults(Faults { split_writes: true, ..Faults::default() })
//!     .start()
//!     .await?;
//! println!("fake DPM on {}", server.addr());
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! The default device table is listed in the crate README. [`replay`] plays a recording
//! (`pacsys-record`) through the world: [`Replay::install`] overlays its devices, and both
//! servers then serve the recorded data with the recorded timing.
//!
//! # Feature flags
//!
//! * `sim` (default): the `pacsys-sim` binary and [`sim::SimOptions`] (clap).
//! * `kerberos`: the fake DPM server's real GSS-API acceptor (needs libkrb5-dev).
//! * `kdc`: `kdc::TestRealm`, a throwaway MIT realm on loopback, for Kerberos tests.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod answer;
pub mod bench;
pub mod daq;
pub mod dpm;
#[cfg(feature = "kdc")]
pub mod kdc;
pub mod replay;
#[cfg(feature = "sim")]
pub mod sim;
pub mod world;

pub use daq::{DaqFaults, DaqStats, FakeDaqServer, FakeDaqServerBuilder};
pub use dpm::auth::SettingsPolicy;
pub use dpm::faults::{FaultPlan, Faults};
pub use dpm::server::{FakeDpmServer, FakeDpmServerBuilder};
pub use dpm::stats::StatsSnapshot;
pub use replay::{Replay, ReplayError, ReplayOptions};
pub use world::{DeviceState, Signal, SimDevice, SimWorld};
