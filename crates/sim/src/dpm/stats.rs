//! Counters and the request log of a fake DPM server, for tests to assert on.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use pacsys_dpm_proto::Request;

/// A snapshot of a server's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// TCP connections accepted.
    pub connections: u64,
    /// Lists opened (connections that completed the handshake).
    pub lists: u64,
    /// Connections currently open.
    pub open_connections: u64,
    /// Request frames received.
    pub frames_in: u64,
    /// Reply frames sent.
    pub frames_out: u64,
    /// Data replies (samples) sent.
    pub data_replies: u64,
    /// Replies replaced by DPM_REPLY_OVERFLOW because they exceed the frame limit.
    pub overflows: u64,
}

/// Live counters, shared by the accept loop and every connection.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub connections: AtomicU64,
    pub lists: AtomicU64,
    pub open_connections: AtomicU64,
    pub frames_in: AtomicU64,
    pub frames_out: AtomicU64,
    pub data_replies: AtomicU64,
    pub overflows: AtomicU64,
    log: Mutex<BTreeMap<u64, Vec<Request>>>,
    clients: Mutex<BTreeMap<u64, String>>,
}

impl Stats {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            connections: get(&self.connections),
            lists: get(&self.lists),
            open_connections: get(&self.open_connections),
            frames_in: get(&self.frames_in),
            frames_out: get(&self.frames_out),
            data_replies: get(&self.data_replies),
            overflows: get(&self.overflows),
        }
    }

    pub fn log(&self, connection: u64, request: &Request) {
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(connection)
            .or_default()
            .push(request.clone());
    }

    pub fn set_client(&self, connection: u64, address: String) {
        self.clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(connection, address);
    }

    pub fn client(&self, connection: u64) -> Option<String> {
        self.clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&connection)
            .cloned()
    }

    pub fn requests(&self, connection: u64) -> Vec<Request> {
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&connection)
            .cloned()
            .unwrap_or_default()
    }
}
