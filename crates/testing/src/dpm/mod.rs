//! The fake DPM server: protocol state ([`list`]), the tokio driver ([`server`]), fault
//! injection ([`faults`]) and counters ([`stats`]).

pub mod faults;
pub mod list;
pub mod server;
pub mod stats;
