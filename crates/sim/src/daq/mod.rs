//! The fake DAQ gRPC server: the `services.daq.DAQ` service over the same [`SimWorld`]
//! (and the same [`answer`](crate::answer) rules) as the fake DPM server, so one device table
//! serves both protocols.
//!
//! * [`server`]: [`FakeDaqServer`], its builder, token checking and counters.
//! * [`read`]: one `Read` call's reply stream (one-shot, periodic, clock and logger
//!   requests), as plain state polled by tonic.
//! * [`faults`]: [`DaqFaults`], fault injection (drop the stream after N replies, delay,
//!   `UNAVAILABLE`).
//! * [`stats`]: the counters and their [`DaqStats`] snapshot.
//! * [`codes`]: the server's own statuses (malformed DRF, state events, data sources), for
//!   reads and settings alike.
//!
//! Imports run one way: `server` uses `read`; both use `faults`, `stats` and `codes`.
//!
//! [`SimWorld`]: crate::SimWorld

pub mod codes;
pub mod faults;
pub mod read;
pub mod server;
pub mod stats;

pub use faults::DaqFaults;
pub use server::{FakeDaqServer, FakeDaqServerBuilder};
pub use stats::DaqStats;
