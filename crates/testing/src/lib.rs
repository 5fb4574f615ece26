//! [`FakeBackend`]: the facade's `pacsys::Backend` in memory, over the simulated device world
//! of [`pacsys_sim`], so code generic over a backend can be tested without sockets.
//!
//! It applies the same request plans as the real backends (`pacsys_types::plan`): a refused
//! request gets the same error kind from it as from DPM or gRPC, with the transport
//! `Transport::InMemory`.
//!
//! This crate is test support: it depends on the facade and the simulator, and nothing
//! published depends on it. The fake protocol servers live in `pacsys-sim`.
//!
//! ```
//! use pacsys::Backend;
//! use pacsys_testing::FakeBackend;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), pacsys::Error> {
//! let fake = FakeBackend::new();
//! let value = fake.read("M:OUTTMP", None).await?;
//! assert!(matches!(value, pacsys::Value::Scalar(_)));
//! assert!(fake.was_read("M:OUTTMP"));
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod fake_backend;

pub use fake_backend::{FakeBackend, FakeBackendBuilder};
