//! The fake DPM server: protocol state ([`list`]), the tokio driver ([`server`]), fault
//! injection ([`faults`]), counters ([`stats`]) and settings authorisation ([`auth`]).

pub mod auth;
pub mod faults;
pub mod list;
pub mod server;
pub mod stats;
