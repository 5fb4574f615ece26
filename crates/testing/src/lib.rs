//! Fakes that every pacsys-rs crate tests against: a simulated device world, a fake DPM
//! server that speaks the real DPM/HTTP protocol over real TCP sockets, a fake DAQ gRPC
//! server ([`FakeDaqServer`]) over the same world, with fault injection, and
//! [`FakeBackend`], the client's `pacsys::Backend` in memory over that world.
//!
//! The fake servers are built only on the parser (`pacsys-drf`), the wire codec
//! (`pacsys-dpm-proto`), the generated DAQ protobuf types of `pacsys-grpc-core` (not its
//! client) and the shared types, and never use a client crate, so they stay independent
//! peers: a client passing against them has implemented the protocol, not agreed with
//! itself. Only [`FakeBackend`] uses the client facade `pacsys`, because it implements the
//! facade's `Backend` trait (so code generic over a backend can be tested without sockets).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use pacsys_testing::{FakeDpmServer, Faults};
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
//! The default device table is listed in the crate README.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod answer;
pub mod daq;
pub mod dpm;
pub mod fake_backend;
pub mod kdc;
#[cfg(feature = "sim")]
pub mod sim;
pub mod world;

pub use daq::{DaqFaults, DaqStats, FakeDaqServer, FakeDaqServerBuilder};
pub use dpm::auth::SettingsPolicy;
pub use dpm::faults::{FaultPlan, Faults};
pub use dpm::server::{FakeDpmServer, FakeDpmServerBuilder};
pub use dpm::stats::StatsSnapshot;
pub use fake_backend::{FakeBackend, FakeBackendBuilder};
pub use world::{DeviceState, Signal, SimDevice, SimWorld};
