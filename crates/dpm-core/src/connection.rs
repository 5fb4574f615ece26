//! Connecting to DPM (spec 5: TCP, handshake, HTTP-error detection, OpenList) and the tokio
//! task that owns one pooled read connection and feeds its [`Session`].
//!
//! The task owns the `Framed` socket; handles talk to it over a bounded channel. Outgoing
//! requests are fed into the codec's buffer and flushed once per batch (one write for all
//! AddToList requests and the StartList of a read); incoming frames are decoded in bursts.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::BytesMut;
use futures::{FutureExt, SinkExt, StreamExt};
use pacsys_dpm_proto::handshake::{
    HANDSHAKE_REQUEST, HTTP_HEAD_LIMIT, HttpStatusLine, ResponseStart, http_head_len,
};
use pacsys_dpm_proto::{AddToListRequest, ClientCodec, FrameError, Reply, Request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep_until, timeout, timeout_at};
use tokio_util::codec::{Framed, FramedParts};
use tracing::{Instrument, debug, info_span, trace, warn};

use std::sync::{Arc, Mutex};

use crate::session::{ReadDone, ReadPlan, Session, SessionEvent};
use crate::stats::Tally;
use crate::{Error, ErrorKind, Transport as Wire};

/// The framed socket of one connection.
pub(crate) type Socket = Framed<TcpStream, ClientCodec>;

/// Most frames decoded in one burst before the task looks at its other inputs.
const BURST: usize = 4096;

/// How long to keep reading an HTTP error head after its first bytes.
const HTTP_HEAD_WAIT: Duration = Duration::from_millis(500);

/// The DPM hosts a client may use, in order of preference, and the one in use: every
/// connection of a client starts at the host in use and moves on to the next when it
/// refuses or fails the handshake (the one that answered becomes the host in use).
#[derive(Debug)]
pub(crate) struct Hosts {
    list: Vec<(String, u16)>,
    current: std::sync::atomic::AtomicUsize,
}

impl Hosts {
    pub fn new(list: Vec<(String, u16)>) -> Hosts {
        Hosts {
            list,
            current: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    fn current(&self) -> usize {
        self.current.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// `host:port` of host `i` (IPv6 literals bracketed).
    fn addr(&self, i: usize) -> String {
        let Some((host, port)) = self.list.get(i).or_else(|| self.list.first()) else {
            return String::new();
        };
        if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        }
    }
}

/// Where and how to connect.
#[derive(Debug, Clone)]
pub(crate) struct ConnectConfig {
    /// Shared by every connection of one client.
    pub hosts: Arc<Hosts>,
    pub connect_timeout: Duration,
    pub max_frame_len: usize,
    /// Watchdog window of pooled read connections (`None`: off).
    pub liveness: Option<Duration>,
    /// The list properties (`#USER:…`) sent right after the list opens.
    pub properties: Arc<[String]>,
}

impl ConnectConfig {
    /// `host:port` of the host in use.
    pub fn addr(&self) -> String {
        self.hosts.addr(self.hosts.current())
    }
}

/// Maps a framing error on an established connection to the caller's view: a reset or
/// an EOF inside a frame is a lost connection, anything the codec could not decode a
/// protocol error naming what was wrong and where; the codec's error is the source.
pub(crate) fn frame_error(e: FrameError) -> Error {
    let lost = matches!(e, FrameError::Io(_) | FrameError::UnexpectedEof { .. });
    let detail = e.to_string();
    let error = if lost {
        Error::connection_lost(detail)
    } else {
        Error::protocol(detail)
    };
    error.with_transport(Wire::Dpm).with_source(e)
}

fn io_lost(e: io::Error, during: &str) -> Error {
    Error::connection_lost(format!("{e} during {during}"))
        .with_transport(Wire::Dpm)
        .with_source(e)
}

/// Connects: TCP (TCP_NODELAY), the handshake, HTTP-error detection, and the first frame,
/// which must be OpenList. Returns the framed socket and the list id. The whole exchange is
/// bounded by `connect_timeout`.
///
/// With several hosts, the host in use is tried first, then the others in order; the first
/// that completes the handshake becomes the host in use. When none does, the error is the
/// first host's, with the others' failures appended to its message.
pub(crate) async fn connect(cfg: &ConnectConfig, counters: &Tally) -> Result<(Socket, i32), Error> {
    let n = cfg.hosts.list.len().max(1);
    let start = cfg.hosts.current();
    let mut failures: Vec<Error> = Vec::new();
    for k in 0..n {
        let i = (start + k) % n;
        let addr = cfg.hosts.addr(i);
        match connect_to(cfg, &addr, counters).await {
            Ok(conn) => {
                if k > 0 {
                    cfg.hosts
                        .current
                        .store(i, std::sync::atomic::Ordering::Relaxed);
                    warn!(%addr, "failed over to another DPM host");
                }
                return Ok(conn);
            }
            Err(e) => failures.push(e),
        }
    }
    let mut failures = failures.into_iter();
    let first = failures
        .next()
        .unwrap_or_else(|| Error::refused("", "no DPM host is configured"));
    let others: Vec<String> = failures.map(|e| e.to_string()).collect();
    if others.is_empty() {
        Err(first)
    } else {
        Err(first.with_note(format!("other hosts: {}", others.join("; "))))
    }
}

/// One connection attempt to `addr`.
async fn connect_to(
    cfg: &ConnectConfig,
    addr: &str,
    counters: &Tally,
) -> Result<(Socket, i32), Error> {
    let addr = addr.to_owned();
    let span = info_span!("dpm.connect", %addr);
    let result = match timeout(cfg.connect_timeout, connect_inner(cfg, &addr))
        .instrument(span.clone())
        .await
    {
        Ok(r) => r,
        Err(_) => Err(Error::timeout(format!("connecting to DPM at {addr}"))
            .with_elapsed(cfg.connect_timeout)),
    };
    let result = result.map_err(|e| e.or_transport(Wire::Dpm).or_server(&addr));
    let _enter = span.enter();
    match &result {
        Ok((_, list)) => {
            counters.add(|c| &c.connects, 1);
            debug!(list, "connected");
        }
        Err(e) => debug!(error = %e, "connect failed"),
    }
    result
}

async fn connect_inner(cfg: &ConnectConfig, addr: &str) -> Result<(Socket, i32), Error> {
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(|e| Error::refused(addr, e.to_string()).with_source(e))?;
    stream.set_nodelay(true).map_err(|e| io_lost(e, "setup"))?;
    stream
        .write_all(HANDSHAKE_REQUEST)
        .await
        .map_err(|e| io_lost(e, "the handshake"))?;
    let mut buf = BytesMut::with_capacity(8 * 1024);
    while buf.len() < 4 {
        let n = stream
            .read_buf(&mut buf)
            .await
            .map_err(|e| io_lost(e, "the handshake"))?;
        if n == 0 {
            return Err(Error::connection_lost(
                "the server closed the connection during the handshake (it may be overloaded; retry)",
            ));
        }
    }
    if let Some(ResponseStart::Http) = ResponseStart::classify(&buf) {
        // Read the rest of the head: until the blank line, the limit, EOF or a short wait.
        let until = Instant::now() + HTTP_HEAD_WAIT;
        while http_head_len(&buf).is_none() && buf.len() < HTTP_HEAD_LIMIT {
            match timeout_at(until, stream.read_buf(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => break,
            }
        }
        return Err(Error::new(
            ErrorKind::Http,
            HttpStatusLine::parse(&buf).line,
        ));
    }
    let mut parts =
        FramedParts::new::<Request>(stream, ClientCodec::with_max_frame_len(cfg.max_frame_len));
    // Room for large bursts (a 10,000-device read's replies are about a megabyte): fewer,
    // larger reads and writes than the codec's 8 KiB default.
    buf.reserve(IO_BUFFER);
    parts.read_buf = buf;
    let mut framed = Framed::from_parts(parts);
    framed.set_backpressure_boundary(IO_BUFFER);
    match framed.next().await {
        Some(Ok(Reply::OpenList(open))) => {
            // The list names its owner before any operation (spec 6.1; no reply comes).
            for text in cfg.properties.iter() {
                let property = Request::AddToList(AddToListRequest {
                    list_id: open.list_id,
                    ref_id: 0,
                    drf_request: text.clone(),
                });
                framed.feed(property).await.map_err(frame_error)?;
            }
            if !cfg.properties.is_empty() {
                SinkExt::<Request>::flush(&mut framed)
                    .await
                    .map_err(frame_error)?;
            }
            Ok((framed, open.list_id))
        }
        Some(Ok(Reply::Status(s))) if s.ref_id == 0 && !s.status.is_ok() => {
            Err(Error::list_failed(s.status))
        }
        Some(Ok(other)) => Err(Error::protocol(format!(
            "the first frame was {} instead of OpenList",
            other.name()
        ))),
        Some(Err(e)) => Err(frame_error(e)),
        None => Err(Error::connection_lost(
            "the server closed the connection before sending OpenList",
        )),
    }
}

/// The peer's address of a transport, for logs.
pub(crate) fn peer(t: &Socket) -> Option<SocketAddr> {
    t.get_ref().peer_addr().ok()
}

/// Sends every queued request of `session` with one flush.
pub(crate) async fn flush_session(
    framed: &mut Socket,
    session: &mut Session,
    counters: &Tally,
) -> Result<(), Error> {
    if !session.has_transmit() {
        return Ok(());
    }
    let mut n = 0u64;
    while let Some(req) = session.poll_transmit() {
        framed.feed(req).await.map_err(frame_error)?;
        n += 1;
    }
    SinkExt::<Request>::flush(framed)
        .await
        .map_err(frame_error)?;
    counters.add(|c| &c.frames_out, n);
    Ok(())
}

/// Bytes the connection reads, and buffers before writing, at once.
const IO_BUFFER: usize = 64 * 1024;

/// What one burst of input did.
pub(crate) enum Input {
    /// Frames were handled.
    Frames,
    /// The stream failed or ended.
    Failed(Error),
}

/// Feeds `first` and every further frame that is already decodable (up to [`BURST`]) to the
/// session.
pub(crate) fn feed_burst(
    framed: &mut Socket,
    session: &mut Session,
    first: Option<Result<Reply, FrameError>>,
    counters: &Tally,
) -> Input {
    let now = Instant::now().into_std();
    let mut frames = 0u64;
    let mut data = 0u64;
    let mut next = first;
    let outcome = loop {
        match next {
            Some(Ok(reply)) => {
                frames += 1;
                data += u64::from(reply.is_data());
                session.handle_reply(reply, now);
            }
            Some(Err(e)) => break Input::Failed(frame_error(e)),
            None => {
                break Input::Failed(
                    Error::connection_lost("the server closed the connection")
                        .with_transport(Wire::Dpm),
                );
            }
        }
        if frames >= BURST as u64 {
            break Input::Frames;
        }
        match framed.next().now_or_never() {
            Some(item) => next = item,
            None => break Input::Frames,
        }
    };
    counters.add(|c| &c.frames_in, frames);
    counters.add(|c| &c.readings, data);
    outcome
}

/// A request to a pooled connection's task.
pub(crate) struct ReadCommand {
    pub requests: Vec<Result<ReadPlan, Error>>,
    pub deadline: Instant,
    pub reply: oneshot::Sender<ReadReply>,
}

/// A pooled connection's answer to a [`ReadCommand`].
pub(crate) enum ReadReply {
    /// The read ran.
    Done(ReadDone),
    /// The connection ended before it took the command (it died while idle, or its
    /// watchdog fired first): nothing was sent, the requests come back for another
    /// connection.
    NotSent(Vec<Result<ReadPlan, Error>>),
}

/// Why a connection's task ended, kept for the operations that come after it (the codec's
/// protocol error, a reset, the watchdog), so no caller sees a generic "connection lost".
pub(crate) type Fatal = Arc<Mutex<Option<Error>>>;

fn fatal_error(fatal: &Fatal) -> Option<Error> {
    fatal.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

fn set_fatal(fatal: &Fatal, e: &Error) {
    let mut slot = fatal.lock().unwrap_or_else(|e| e.into_inner());
    slot.get_or_insert_with(|| e.clone());
}

/// What became of a read given to a pooled connection.
pub(crate) enum ReadOutcome {
    /// The read ran (its results may be errors).
    Done(ReadDone),
    /// The connection had died while idle: nothing was sent, the requests come back with
    /// the reason the connection died (if it is known).
    NotSent(Vec<Result<ReadPlan, Error>>, Option<Error>),
    /// The connection's task ended during the read, with this reason.
    Ended(Error),
}

/// A handle on a pooled read connection; dropping it closes the connection.
#[derive(Debug)]
pub(crate) struct ReadConnection {
    tx: mpsc::Sender<ReadCommand>,
    list_id: i32,
    fatal: Fatal,
}

impl ReadConnection {
    /// Connects and starts the connection's task.
    pub async fn open(cfg: &ConnectConfig, counters: Tally) -> Result<Self, Error> {
        let (framed, list_id) = connect(cfg, &counters).await?;
        let (tx, rx) = mpsc::channel(1);
        let fatal = Fatal::default();
        let span = info_span!("dpm.read_connection", list = list_id, peer = ?peer(&framed));
        tokio::spawn(
            read_task(
                framed,
                list_id,
                cfg.liveness,
                rx,
                counters,
                Arc::clone(&fatal),
            )
            .instrument(span),
        );
        Ok(ReadConnection { tx, list_id, fatal })
    }

    /// Whether the task is gone (the server closed the connection while it was idle).
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// The list id.
    #[allow(dead_code)]
    pub fn list_id(&self) -> i32 {
        self.list_id
    }

    /// Runs one read.
    pub async fn read(
        &self,
        requests: Vec<Result<ReadPlan, Error>>,
        deadline: Instant,
    ) -> ReadOutcome {
        let (reply, rx) = oneshot::channel();
        let cmd = ReadCommand {
            requests,
            deadline,
            reply,
        };
        if let Err(e) = self.tx.send(cmd).await {
            return ReadOutcome::NotSent(e.0.requests, fatal_error(&self.fatal));
        }
        match rx.await {
            Ok(ReadReply::Done(done)) => ReadOutcome::Done(done),
            Ok(ReadReply::NotSent(requests)) => {
                ReadOutcome::NotSent(requests, fatal_error(&self.fatal))
            }
            // The task ended without answering (the session always reports ReadDone, so
            // this is not expected): report why the connection ended, never hang or panic.
            Err(_) => ReadOutcome::Ended(fatal_error(&self.fatal).unwrap_or_else(|| {
                Error::connection_lost("the connection's task ended during the read")
                    .with_transport(Wire::Dpm)
            })),
        }
    }
}

/// Hands the commands still queued when a connection's task ends back unsent, so the pool
/// retries them on another connection (nothing of theirs reached the server).
fn refuse_queued(rx: &mut mpsc::Receiver<ReadCommand>) {
    rx.close();
    while let Ok(cmd) = rx.try_recv() {
        let _ = cmd.reply.send(ReadReply::NotSent(cmd.requests));
    }
}

/// The task owning one pooled connection: serves reads one at a time, consumes whatever
/// arrives while idle (heartbeats, late replies), and exits when the handle is dropped, the
/// connection fails, or a read leaves it unusable (spec 6.3 step 7).
///
/// What arrived is always handled before a new command and before the watchdog: a task
/// that was not polled for a while (its runtime is driven only during blocking calls, as
/// `pacsys_rs`'s direct reads are) first sees the heartbeats, or the close, that came
/// meanwhile. A command queued when the task ends is handed back unsent.
async fn read_task(
    framed: Socket,
    list_id: i32,
    liveness: Option<Duration>,
    mut rx: mpsc::Receiver<ReadCommand>,
    counters: Tally,
    fatal: Fatal,
) {
    serve_reads(framed, list_id, liveness, &mut rx, counters, fatal).await;
    refuse_queued(&mut rx);
}

/// The loop of [`read_task`]; returns when the connection is to close.
async fn serve_reads(
    mut framed: Socket,
    list_id: i32,
    liveness: Option<Duration>,
    rx: &mut mpsc::Receiver<ReadCommand>,
    counters: Tally,
    fatal: Fatal,
) {
    let mut session = Session::new(list_id, Instant::now().into_std());
    // DPM sends a heartbeat every 2 s: a silent connection is dead, whether a read is in
    // progress or it is idle in the pool.
    session.set_liveness(liveness);
    // One timer for the connection's life, moved to each new deadline (never one per frame).
    let timer = sleep_until(Instant::now());
    tokio::pin!(timer);
    let mut pending: Option<oneshot::Sender<ReadReply>> = None;
    loop {
        let wake = session.poll_timeout().map(Instant::from_std);
        if let Some(at) = wake
            && timer.deadline() != at
        {
            timer.as_mut().reset(at);
        }
        let mut failed = None;
        tokio::select! {
            biased;
            item = framed.next() => {
                if let Input::Failed(e) = feed_burst(&mut framed, &mut session, item, &counters) {
                    failed = Some(e);
                }
            }
            cmd = rx.recv(), if pending.is_none() => match cmd {
                Some(cmd) => {
                    trace!(n = cmd.requests.len(), "read");
                    session.start_read(cmd.requests, cmd.deadline.into_std());
                    pending = Some(cmd.reply);
                }
                None => return,
            },
            _ = timer.as_mut(), if wake.is_some() => {
                session.handle_timeout(Instant::now().into_std());
            }
        }
        if let Some(e) = &failed {
            fail(&fatal, &mut session, e);
        }
        // Answers first: a finished read's caller is woken before the stop and clear that
        // follow it are written.
        let mut close = failed.is_some() | deliver(&mut session, &mut pending, &fatal);
        if failed.is_none()
            && let Err(e) = flush_session(&mut framed, &mut session, &counters).await
        {
            fail(&fatal, &mut session, &e);
            close = true;
            deliver(&mut session, &mut pending, &fatal);
        }
        if close && pending.is_none() {
            // Late replies could be taken for the next read's: close (spec 6.3 step 7).
            return;
        }
    }
}

/// Records why the connection failed and ends the read in progress with it.
fn fail(fatal: &Fatal, session: &mut Session, e: &Error) {
    debug!(error = %e, "read connection failed");
    set_fatal(fatal, e);
    session.transport_failed(e);
}

/// Hands the session's events to the read's caller; true when the connection is to close
/// (a read left it unusable, or the watchdog found it silent).
fn deliver(
    session: &mut Session,
    pending: &mut Option<oneshot::Sender<ReadReply>>,
    fatal: &Fatal,
) -> bool {
    let mut close = false;
    while let Some(event) = session.poll_event() {
        match event {
            SessionEvent::ReadDone(done) => {
                close |= !done.reusable;
                if let Some(tx) = pending.take() {
                    let _ = tx.send(ReadReply::Done(done));
                }
            }
            SessionEvent::Dead { silent_for } => {
                debug!(?silent_for, "pooled connection silent; closing");
                close = true;
                // Ends a read in progress; its ReadDone follows in this loop.
                let e = Error::connection_lost(format!(
                    "no frame for {} (watchdog)",
                    pacsys_types::error::human_duration(silent_for)
                ))
                .with_transport(Wire::Dpm);
                set_fatal(fatal, &e);
                session.transport_failed(&e);
            }
            _ => {}
        }
    }
    close
}
