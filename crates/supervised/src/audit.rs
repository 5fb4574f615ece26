//! The audit log: one JSON line per decision and per outcome, written by a dedicated
//! thread behind a bounded queue.
//!
//! **Back-pressure, never a silent loss.** A request handler waits for room in the queue
//! (`send().await`), so a slow disk slows the proxy down instead of losing records. A
//! setting is written to the backend only after its decision record has been written and
//! flushed (the writer acknowledges it); if the log cannot be written the setting is
//! refused with `INTERNAL` "Audit log failed; write blocked". The only records that can be
//! lost are those submitted after [`AuditLog::close`], and they are counted
//! ([`AuditStats::dropped`]), as are write failures ([`AuditStats::failed`]).
//!
//! Every RPC has an `id`; its `"event": "decision"` record and its `"event": "result"`
//! record carry the same id. `seq` numbers the lines of the file.

use std::fs::OpenOptions;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pacsys_types::Value;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

/// Default queue capacity (records waiting for the writer).
pub const DEFAULT_QUEUE: usize = 4096;

/// One audit record. Serialised as one JSON line; absent optional fields are left out.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct AuditRecord {
    /// The RPC's id (shared by its decision and result records).
    pub id: u64,
    /// `"decision"` or `"result"`.
    pub event: &'static str,
    /// `"Read"` or `"Set"`.
    pub rpc: &'static str,
    /// The peer address (`ip:port`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    /// The bearer token's `sub` claim (decoded without verification).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Whether the token matched the configured one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_verified: Option<bool>,
    /// The DRFs as sent (decision records).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub drfs: Vec<String>,
    /// The setting values, in request order (decision records of `Set`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<serde_json::Value>,
    /// `"allowed"`, `"partial"`, `"denied"`, `"unauthenticated"` or `"invalid"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<&'static str>,
    /// Why the request was refused (whole-request denials).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Per-slot denials: `{"index", "policy", "reason"}`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub denied: Vec<serde_json::Value>,
    /// The outcome (result records): the gRPC code name (`"OK"`, `"UNAVAILABLE"`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// Per-setting statuses `{"index", "facility", "error", "message"}` (results of `Set`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub statuses: Vec<serde_json::Value>,
    /// Replies sent (results of `Read`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replies: Option<u64>,
    /// Readings forwarded (results of `Read`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readings: Option<u64>,
    /// How long the RPC took, in milliseconds (result records).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed_ms: Option<f64>,
}

/// A value as JSON: numbers (non-finite ones in the one JSON form of
/// [`pacsys_types::json`]: `"NaN"`, `"Infinity"`, `"-Infinity"`),
/// arrays, text, raw bytes as hex, and the kind name for structured values.
///
/// ```
/// use pacsys_supervised::audit::value_json;
/// use pacsys_types::Value;
///
/// assert_eq!(value_json(&Value::Scalar(1.5)), serde_json::json!(1.5));
/// assert_eq!(value_json(&Value::Scalar(f64::NAN)), serde_json::json!("NaN"));
/// assert_eq!(value_json(&Value::Raw(vec![0xde, 0xad])), serde_json::json!({"raw": "dead"}));
/// ```
pub fn value_json(v: &Value) -> serde_json::Value {
    fn num(x: f64) -> serde_json::Value {
        match pacsys_types::json::non_finite_name(x) {
            Some(name) => name.into(),
            None => x.into(),
        }
    }
    match v {
        Value::Scalar(x) => num(*x),
        Value::Array(xs) => serde_json::Value::Array(xs.iter().map(|x| num(*x)).collect()),
        Value::Text(s) => s.as_str().into(),
        Value::TextArray(xs) => xs.as_slice().into(),
        Value::Raw(b) => {
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            serde_json::json!({ "raw": hex })
        }
        other => serde_json::json!({ "kind": other.kind_name() }),
    }
}

/// ISO-8601 UTC with microseconds (`2026-11-23T06:01:02.123456Z`).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use pacsys_supervised::audit::iso8601;
///
/// assert_eq!(iso8601(UNIX_EPOCH + Duration::from_micros(951_782_400_000_001)), "2000-02-29T00:00:00.000001Z");
/// ```
pub fn iso8601(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let secs = d.as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        d.subsec_micros()
    )
}

/// Counters of the audit log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditStats {
    /// Records submitted.
    pub submitted: u64,
    /// Records written.
    pub written: u64,
    /// Records that could not be written (I/O errors).
    pub failed: u64,
    /// Records refused because the log was closed.
    pub dropped: u64,
}

#[derive(Debug, Default)]
struct Shared {
    submitted: AtomicU64,
    written: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
    next_id: AtomicU64,
    broken: AtomicBool,
}

enum Msg {
    Record(Box<AuditRecord>, SystemTime, Option<oneshot::Sender<bool>>),
    Close(oneshot::Sender<()>),
}

/// Why a record could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The log was closed.
    #[error("the audit log is closed")]
    Closed,
    /// Writing the record failed (disk full, file removed, ...).
    #[error("the audit record could not be written")]
    WriteFailed,
}

/// The audit log: a handle to the writer thread (cheap to share behind an `Arc`).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use pacsys_supervised::audit::{AuditLog, AuditRecord};
///
/// let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
/// let log = AuditLog::to_writer(SharedBuf(buf.clone()), 16);
/// let id = log.next_id();
/// log.record_durable(AuditRecord { id, event: "decision", rpc: "Set", ..Default::default() })
///     .await
///     .unwrap();
/// log.close().await;
/// let text = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
/// assert!(text.contains("\"rpc\":\"Set\""));
/// assert_eq!(log.stats().written, 1);
/// # }
/// # struct SharedBuf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
/// # impl std::io::Write for SharedBuf {
/// #     fn write(&mut self, b: &[u8]) -> std::io::Result<usize> { self.0.lock().unwrap().write(b) }
/// #     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
/// # }
/// ```
#[derive(Debug)]
pub struct AuditLog {
    tx: mpsc::Sender<Msg>,
    shared: Arc<Shared>,
}

impl AuditLog {
    /// Appends to the file at `path` (created if missing) with a queue of `capacity`
    /// records (at least 1).
    pub fn open(path: &Path, capacity: usize) -> std::io::Result<AuditLog> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(AuditLog::to_writer(file, capacity))
    }

    /// Writes to any writer (tests, pipes) with a queue of `capacity` records.
    pub fn to_writer<W: Write + Send + 'static>(writer: W, capacity: usize) -> AuditLog {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let shared = Arc::new(Shared::default());
        let thread_shared = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("pacsys-audit".into())
            .spawn(move || writer_loop(BufWriter::new(writer), rx, &thread_shared));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the audit writer thread");
            shared.broken.store(true, Ordering::Relaxed);
        }
        AuditLog { tx, shared }
    }

    /// A fresh RPC id.
    pub fn next_id(&self) -> u64 {
        self.shared.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Queues a record, waiting for room (back-pressure). Does not wait for the write.
    pub async fn record(&self, record: AuditRecord) -> Result<(), AuditError> {
        self.shared.submitted.fetch_add(1, Ordering::Relaxed);
        let msg = Msg::Record(Box::new(record), SystemTime::now(), None);
        if self.tx.send(msg).await.is_err() {
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            return Err(AuditError::Closed);
        }
        Ok(())
    }

    /// Queues a record without waiting; if the queue is full the record is handed to a
    /// task that waits for room (used where waiting is impossible, e.g. when a stream is
    /// dropped). Counted as dropped only without a tokio runtime or after close.
    pub fn record_detached(self: &Arc<Self>, record: AuditRecord) {
        self.shared.submitted.fetch_add(1, Ordering::Relaxed);
        let msg = Msg::Record(Box::new(record), SystemTime::now(), None);
        match self.tx.try_send(msg) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(msg)) => {
                match tokio::runtime::Handle::try_current() {
                    Ok(handle) => {
                        let log = Arc::clone(self);
                        handle.spawn(async move {
                            if log.tx.send(msg).await.is_err() {
                                log.shared.dropped.fetch_add(1, Ordering::Relaxed);
                            }
                        });
                    }
                    Err(_) => {
                        self.shared.dropped.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Queues a record and waits until it was written and flushed.
    pub async fn record_durable(&self, record: AuditRecord) -> Result<(), AuditError> {
        self.shared.submitted.fetch_add(1, Ordering::Relaxed);
        let (ack, done) = oneshot::channel();
        let msg = Msg::Record(Box::new(record), SystemTime::now(), Some(ack));
        if self.tx.send(msg).await.is_err() {
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            return Err(AuditError::Closed);
        }
        match done.await {
            Ok(true) => Ok(()),
            Ok(false) => Err(AuditError::WriteFailed),
            Err(_) => Err(AuditError::Closed),
        }
    }

    /// Writes everything queued so far, flushes and stops the writer. Later records are
    /// counted as dropped. Idempotent.
    pub async fn close(&self) {
        let (ack, done) = oneshot::channel();
        if self.tx.send(Msg::Close(ack)).await.is_ok() {
            let _ = done.await;
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> AuditStats {
        let s = &self.shared;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        AuditStats {
            submitted: get(&s.submitted),
            written: get(&s.written),
            failed: get(&s.failed),
            dropped: get(&s.dropped),
        }
    }

    /// Whether a write has failed (settings are refused until a write succeeds again).
    pub fn is_broken(&self) -> bool {
        self.shared.broken.load(Ordering::Relaxed)
    }
}

fn writer_loop<W: Write>(mut out: BufWriter<W>, mut rx: mpsc::Receiver<Msg>, shared: &Shared) {
    let mut seq: u64 = 0;
    let mut line = Vec::with_capacity(512);
    let mut acks: Vec<oneshot::Sender<bool>> = Vec::new();
    loop {
        let Some(first) = rx.blocking_recv() else {
            let _ = out.flush();
            return;
        };
        let mut next = Some(first);
        let mut buffered = 0u64;
        let mut ok = true;
        let mut closing: Option<oneshot::Sender<()>> = None;
        // Drain what is queued, then flush once.
        while let Some(msg) = next.take() {
            match msg {
                Msg::Record(record, at, ack) => {
                    seq += 1;
                    line.clear();
                    if encode(&mut line, seq, at, &record).is_ok() && out.write_all(&line).is_ok() {
                        buffered += 1;
                    } else {
                        shared.failed.fetch_add(1, Ordering::Relaxed);
                        ok = false;
                    }
                    if let Some(ack) = ack {
                        acks.push(ack);
                    }
                }
                Msg::Close(done) => {
                    // Whatever was queued before close is still written.
                    rx.close();
                    closing = Some(done);
                }
            }
            next = rx.try_recv().ok();
        }
        let flushed = out.flush().is_ok();
        let counter = if flushed {
            &shared.written
        } else {
            &shared.failed
        };
        counter.fetch_add(buffered, Ordering::Relaxed);
        let ok = ok && flushed;
        shared.broken.store(!ok, Ordering::Relaxed);
        if !ok {
            tracing::error!("audit log write failed; settings are refused until it recovers");
        }
        for ack in acks.drain(..) {
            let _ = ack.send(ok);
        }
        if let Some(done) = closing {
            let _ = done.send(());
            return;
        }
    }
}

fn encode(
    line: &mut Vec<u8>,
    seq: u64,
    at: SystemTime,
    record: &AuditRecord,
) -> serde_json::Result<()> {
    #[derive(Serialize)]
    struct Line<'a> {
        ts: String,
        seq: u64,
        #[serde(flatten)]
        record: &'a AuditRecord,
    }
    serde_json::to_writer(
        &mut *line,
        &Line {
            ts: iso8601(at),
            seq,
            record,
        },
    )?;
    line.push(b'\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    struct Failing;
    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::Error::other("disk full"))
        }
    }

    fn rec(id: u64) -> AuditRecord {
        AuditRecord {
            id,
            event: "decision",
            rpc: "Read",
            drfs: vec!["M:OUTTMP".into()],
            ..Default::default()
        }
    }

    #[test]
    fn dates() {
        assert_eq!(iso8601(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        assert_eq!(iso8601(t), "2026-11-18T11:06:40.000000Z");
        let t = UNIX_EPOCH + Duration::from_secs(4_107_542_399);
        assert_eq!(iso8601(t), "2100-02-28T23:59:59.000000Z");
    }

    #[tokio::test]
    async fn a_tiny_queue_applies_back_pressure_and_loses_nothing() {
        let buf = Buf::default();
        let log = Arc::new(AuditLog::to_writer(buf.clone(), 1));
        let mut tasks = Vec::new();
        for t in 0..8 {
            let log = Arc::clone(&log);
            tasks.push(tokio::spawn(async move {
                for i in 0..250 {
                    log.record(rec(t * 1000 + i)).await.unwrap();
                }
            }));
        }
        for t in tasks {
            tokio::time::timeout(Duration::from_secs(20), t)
                .await
                .unwrap()
                .unwrap();
        }
        log.close().await;
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2000);
        let seqs: Vec<u64> = lines.iter().map(|l| l["seq"].as_u64().unwrap()).collect();
        assert_eq!(seqs, (1..=2000).collect::<Vec<_>>());
        let stats = log.stats();
        assert_eq!(
            (stats.submitted, stats.written, stats.failed, stats.dropped),
            (2000, 2000, 0, 0)
        );
        // After close: refused and counted.
        assert_eq!(log.record(rec(1)).await, Err(AuditError::Closed));
        assert_eq!(log.stats().dropped, 1);
    }

    #[tokio::test]
    async fn a_failing_writer_is_reported() {
        let log = AuditLog::to_writer(Failing, 4);
        assert_eq!(
            log.record_durable(rec(1)).await,
            Err(AuditError::WriteFailed)
        );
        assert!(log.is_broken());
        assert_eq!(log.stats().failed, 1);
        log.close().await;
    }

    #[test]
    fn values() {
        assert_eq!(
            value_json(&Value::Array(vec![1.0, f64::INFINITY])),
            serde_json::json!([1.0, "Infinity"])
        );
        assert_eq!(
            value_json(&Value::Array(vec![f64::NAN, f64::NEG_INFINITY, 0.5])),
            serde_json::json!(["NaN", "-Infinity", 0.5])
        );
        assert_eq!(value_json(&Value::Text("x".into())), serde_json::json!("x"));
    }
}
