//! Fakes that every pacsys-rs crate tests against: a simulated device world, a fake DPM
//! server that speaks the real DPM/HTTP protocol over real TCP sockets, and a fake DAQ gRPC
//! server ([`FakeDaqServer`]) over the same world, with fault injection.
//!
//! This crate depends only on the parser (`pacsys-drf`), the wire codec (`pacsys-dpm-proto`),
//! the generated DAQ protobuf types of `pacsys-grpc-core` (not its client) and the shared
//! types, never on the client crates, so it stays an independent peer: a client passing
//! against it has implemented the protocol, not agreed with itself.
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
pub mod kdc;
#[cfg(feature = "sim")]
pub mod sim;
pub mod world;

pub use daq::{DaqFaults, DaqStats, FakeDaqServer, FakeDaqServerBuilder};
pub use dpm::auth::SettingsPolicy;
pub use dpm::faults::{FaultPlan, Faults};
pub use dpm::server::{FakeDpmServer, FakeDpmServerBuilder};
pub use dpm::stats::StatsSnapshot;
pub use world::{DeviceState, Signal, SimDevice, SimWorld};
