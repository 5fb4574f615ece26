//! `FakeDpmServer`: the tokio driver around [`FakeList`]. It owns the sockets, feeds the list
//! requests and the time, writes its replies (applying any [`Faults`]) and keeps counters.

use std::collections::VecDeque;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::{BufMut, BytesMut};
use futures::{FutureExt, StreamExt};
use pacsys_dpm_proto::{FrameError, Reply, Request, ServerCodec, Status, StatusReply};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep, sleep_until, timeout};
use tokio_util::codec::{Encoder, FramedRead};
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use super::faults::{FaultPlan, Faults, every_connection};
use super::list::{FakeList, ListConfig};
use super::stats::{Stats, StatsSnapshot};
use crate::world::SimWorld;

/// Largest frame the production server writes (its buffers are 128 KiB); a larger reply is
/// replaced by DPM_REPLY_OVERFLOW for its ref.
pub const MAX_REPLY_FRAME: usize = 128 * 1024;

/// Largest request frame accepted (the same 128 KiB buffer).
const MAX_REQUEST_FRAME: usize = 128 * 1024;

/// Longest handshake header accepted, and how long each read of it may take.
const MAX_HEADER: usize = 16 * 1024;
const HEADER_READ_TIMEOUT: Duration = Duration::from_millis(500);

/// The production server's accept queue length.
const ACCEPT_QUEUE: u32 = 16;

const REPLY_OVERFLOW: Status = Status::new(17, -44);
const OUT_OF_MEMORY: Status = Status::new(17, -9);

/// Configures and starts a [`FakeDpmServer`].
#[derive(Clone)]
pub struct FakeDpmServerBuilder {
    world: Option<SimWorld>,
    port: u16,
    list_ids: std::ops::RangeInclusive<i32>,
    list: ListConfig,
    faults: FaultPlan,
    log_requests: bool,
    restart_every: Option<Duration>,
}

impl std::fmt::Debug for FakeDpmServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeDpmServerBuilder")
            .field("port", &self.port)
            .field("list", &self.list)
            .field("log_requests", &self.log_requests)
            .finish_non_exhaustive()
    }
}

impl Default for FakeDpmServerBuilder {
    fn default() -> Self {
        FakeDpmServerBuilder {
            world: None,
            port: 0,
            list_ids: 4096..=6143,
            list: ListConfig::default(),
            faults: every_connection(Faults::default()),
            log_requests: true,
            restart_every: None,
        }
    }
}

impl FakeDpmServerBuilder {
    /// The device world to serve (default: [`SimWorld::default_table`]).
    pub fn world(mut self, world: SimWorld) -> Self {
        self.world = Some(world);
        self
    }

    /// The port on 127.0.0.1 (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The pool list ids are taken from (default 4096..=6143, 2048 ids, as production).
    /// When it is empty a new connection gets a DPM_OUTOMEM status and is closed.
    pub fn list_ids(mut self, ids: std::ops::RangeInclusive<i32>) -> Self {
        self.list_ids = ids;
        self
    }

    /// The idle heartbeat interval (default 2 s, as production).
    pub fn heartbeat(mut self, every: Duration) -> Self {
        self.list.heartbeat = every;
        self
    }

    /// Benchmark mode: periodic and clock requests send a sample every turn, as fast as the
    /// client reads (see [`ListConfig::flood`](super::list::ListConfig::flood)). Off by
    /// default.
    pub fn flood(mut self, on: bool) -> Self {
        self.list.flood = on;
        self
    }

    /// End histories that have data with a DPM_PEND Status reply instead of the empty
    /// end-of-data chunk (default off), as production sometimes does.
    pub fn history_ends_with_pend(mut self, on: bool) -> Self {
        self.list.history_ends_with_pend = on;
        self
    }

    /// Answer unknown devices with DPM_PEND after `delay`, as production does, instead of
    /// DPM_NO_SUCH_DEVICE right after StartList (the default, which keeps tests fast).
    pub fn pend_unknown_after(mut self, delay: Duration) -> Self {
        self.list.pend_unknown_after = Some(delay);
        self
    }

    /// Accept ApplySettings from lists that never authenticated. Off by default; for tests
    /// that do not concern authentication only. The server logs a warning when it is on.
    pub fn insecure_settings(mut self, on: bool) -> Self {
        self.list.insecure_settings = on;
        self
    }

    /// Whether ApplySettings is answered (default `true`). With `false` the settings are
    /// applied but no reply is sent, as when the reply is lost after the front end took the
    /// setting: the client must report the outcome as unknown, never retry.
    pub fn answer_settings(mut self, on: bool) -> Self {
        self.list.answer_settings = on;
        self
    }

    /// The Kerberos service name an empty Authenticate is answered with (default
    /// `daeset/bd@dce01.fnal.gov`, production's form `service/instance@host`).
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.list.service_name = name.into();
        self
    }

    /// Who may set what (principals -> roles -> devices). Applies to lists that
    /// authenticated; without a policy an authenticated list may set anything.
    pub fn settings_policy(mut self, policy: super::auth::SettingsPolicy) -> Self {
        self.list.policy = Some(Arc::new(policy));
        self
    }

    /// Authenticates lists with the real GSS-API acceptor: Authenticate tokens go to
    /// `gss_accept_sec_context` with the keytab named by `KRB5_KTNAME` (process-wide, as
    /// MIT Kerberos reads it), EnableSettings MICs are verified with the context. Give the
    /// service name the keytab holds with [`FakeDpmServerBuilder::service_name`].
    #[cfg(feature = "kerberos")]
    pub fn kerberos(mut self, on: bool) -> Self {
        self.list.kerberos = on;
        self
    }

    /// The same faults on every connection.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = every_connection(faults);
        self
    }

    /// Faults chosen per connection by its index (0 for the first accepted).
    ///
    /// ```
    /// use pacsys_sim::{FakeDpmServer, Faults};
    ///
    /// // The first three connections are closed after 5 samples; later ones behave.
    /// let builder = FakeDpmServer::builder().fault_plan(|n| Faults {
    ///     close_after_data: (n < 3).then_some(5),
    ///     ..Faults::default()
    /// });
    /// # drop(builder);
    /// ```
    pub fn fault_plan(mut self, plan: impl Fn(u64) -> Faults + Send + Sync + 'static) -> Self {
        self.faults = Arc::new(plan);
        self
    }

    /// Keep every request each connection sends, for [`FakeDpmServer::requests`] (default
    /// on, for tests). A long-running simulator turns it off: the log grows with every
    /// request and costs a copy of each on the hot path.
    pub fn log_requests(mut self, on: bool) -> Self {
        self.log_requests = on;
        self
    }

    /// Fault mode "restart": every `period`, drop every list at once (as a restarting DPM
    /// does: [`FakeDpmServer::close_connections`]) and keep accepting. Off by default.
    pub fn restart_every(mut self, period: Duration) -> Self {
        self.restart_every = Some(period.max(Duration::from_millis(1)));
        self
    }

    /// Binds 127.0.0.1 and starts serving in the background of the current tokio runtime.
    pub async fn start(self) -> io::Result<FakeDpmServer> {
        // As production: SO_KEEPALIVE (accepted sockets inherit it from the listener) and a
        // small accept queue of 16.
        let socket = TcpSocket::new_v4()?;
        socket.set_keepalive(true)?;
        // A server restarted on its port binds again while the old connections linger in
        // TIME_WAIT (as tokio's TcpListener::bind and production servers do).
        socket.set_reuseaddr(true)?;
        socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, self.port)))?;
        let listener = socket.listen(ACCEPT_QUEUE)?;
        let addr = listener.local_addr()?;
        if self.list.insecure_settings {
            warn!(%addr, "fake DPM server accepts settings WITHOUT authentication (insecure_settings)");
        }
        let world = self.world.unwrap_or_else(SimWorld::default_table);
        let shared = Arc::new(Shared {
            world: world.clone(),
            list: self.list,
            faults: self.faults,
            stats: Stats::default(),
            log_requests: self.log_requests,
            ids: Mutex::new(self.list_ids.collect()),
            kick: tokio::sync::Notify::new(),
        });
        let shutdown = CancellationToken::new();
        if let Some(period) = self.restart_every {
            let (shared, stop) = (Arc::clone(&shared), shutdown.clone());
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = sleep(period) => shared.kick.notify_waiters(),
                    }
                }
            });
        }
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared), shutdown.clone()));
        Ok(FakeDpmServer {
            addr,
            shared,
            shutdown,
            task: Some(task),
        })
    }
}

/// State shared by the accept loop and every connection.
struct Shared {
    world: SimWorld,
    list: ListConfig,
    faults: FaultPlan,
    stats: Stats,
    log_requests: bool,
    ids: Mutex<VecDeque<i32>>,
    /// Wakes every connection to close it ([`FakeDpmServer::close_connections`]).
    kick: tokio::sync::Notify,
}

/// A fake DPM server on 127.0.0.1 speaking the real DPM/HTTP protocol (spec sections 5, 6),
/// with fault injection. Stopped by [`FakeDpmServer::shutdown`] or when dropped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use pacsys_sim::FakeDpmServer;
///
/// let server = FakeDpmServer::builder().start().await?;
/// assert!(server.addr().ip().is_loopback());
/// assert_eq!(server.stats().connections, 0);
/// server.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub struct FakeDpmServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for FakeDpmServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeDpmServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl FakeDpmServer {
    /// A builder with production-like defaults.
    pub fn builder() -> FakeDpmServerBuilder {
        FakeDpmServerBuilder::default()
    }

    /// Starts a server with the default world and no faults.
    pub async fn start() -> io::Result<FakeDpmServer> {
        FakeDpmServer::builder().start().await
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The device world it serves (changes are visible to every connection).
    pub fn world(&self) -> &SimWorld {
        &self.shared.world
    }

    /// The counters so far.
    pub fn stats(&self) -> StatsSnapshot {
        self.shared.stats.snapshot()
    }

    /// Every request connection `index` (0 = first accepted) sent, in order (empty when
    /// the server was built with [`FakeDpmServerBuilder::log_requests`] off).
    pub fn requests(&self, index: u64) -> Vec<pacsys_dpm_proto::Request> {
        self.shared.stats.requests(index)
    }

    /// The client address of connection `index`: its `X-Forwarded-For` header when it sent
    /// one (as production honours it), else the TCP peer; `None` before its handshake.
    pub fn client_address(&self, index: u64) -> Option<String> {
        self.shared.stats.client(index)
    }

    /// Closes every open connection (as a restarting server or a proxy dropping idle
    /// sockets would) and keeps accepting new ones. Connections waiting for a request are
    /// closed at once; one busy writing closes at its next wait.
    pub fn close_connections(&self) {
        self.shared.kick.notify_waiters();
    }

    /// Stops accepting, closes every connection and waits until all tasks have ended.
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for FakeDpmServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, shutdown: CancellationToken) {
    let mut connections = JoinSet::new();
    let mut index = 0u64;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                Stats::add(&shared.stats.connections, 1);
                let faults = (shared.faults)(index);
                let shared = Arc::clone(&shared);
                let stop = shutdown.clone();
                let this = index;
                index += 1;
                connections.spawn(async move {
                    Stats::add(&shared.stats.open_connections, 1);
                    if let Err(e) = serve(stream, this, &shared, faults, stop).await {
                        debug!(%peer, connection = this, error = %e, "connection ended");
                    }
                    shared.stats.open_connections.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

/// The list id taken from the pool, returned when the connection ends.
struct ListId<'a> {
    id: i32,
    pool: &'a Mutex<VecDeque<i32>>,
}

impl Drop for ListId<'_> {
    fn drop(&mut self) {
        self.pool
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(self.id);
    }
}

/// Outcome of reading the HTTP-style handshake.
enum Handshake {
    /// Binary protocol selected; the bytes after the header belong to the first frames.
    /// The second field is the `X-Forwarded-For` header, if any.
    Binary(BytesMut, Option<String>),
    /// Refused with this HTTP status line.
    Refused(&'static str),
}

async fn read_handshake(stream: &mut TcpStream) -> io::Result<Handshake> {
    let mut buf = BytesMut::with_capacity(256);
    let end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if buf.len() > MAX_HEADER {
            return Ok(Handshake::Refused("431 Request Header Fields Too Large"));
        }
        let n = timeout(HEADER_READ_TIMEOUT, stream.read_buf(&mut buf))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "handshake timed out"))??;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    };
    let header = buf.split_to(end + 4);
    let text = String::from_utf8_lossy(&header);
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (method, path) = (parts.next(), parts.next());
    if method != Some("GET") || path != Some("/dpm") {
        return Ok(Handshake::Refused("404 Not Found"));
    }
    let mut forwarded_for = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("content-type")
            && !value.eq_ignore_ascii_case("application/pc")
        {
            // Production would pick another protocol; the fake speaks only PC.
            return Ok(Handshake::Refused("415 Unsupported Media Type"));
        }
        if name.eq_ignore_ascii_case("x-forwarded-for") {
            forwarded_for = Some(value.to_owned());
        }
    }
    Ok(Handshake::Binary(buf, forwarded_for))
}

fn wall_clock_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Serves one connection until the peer leaves, a fault ends it, or shutdown.
async fn serve(
    mut stream: TcpStream,
    index: u64,
    shared: &Shared,
    faults: Faults,
    shutdown: CancellationToken,
) -> io::Result<()> {
    if faults.accept_then_close {
        return Ok(());
    }
    stream.set_nodelay(true)?;
    let leftover = match read_handshake(&mut stream).await? {
        Handshake::Binary(rest, forwarded_for) => {
            // Production honours X-Forwarded-For as the client's address.
            let peer = stream
                .peer_addr()
                .map(|a| a.to_string())
                .unwrap_or_default();
            shared
                .stats
                .set_client(index, forwarded_for.unwrap_or(peer));
            rest
        }
        Handshake::Refused(line) => {
            stream
                .write_all(format!("HTTP/1.1 {line}\r\nContent-Length: 0\r\n\r\n").as_bytes())
                .await?;
            return Ok(());
        }
    };
    if let Some(code) = faults.http_error {
        let line = format!("HTTP/1.1 {code} Injected Fault\r\nContent-Length: 0\r\n\r\n");
        stream.write_all(line.as_bytes()).await?;
        return Ok(());
    }
    let (read, write) = stream.into_split();
    let mut writer = Writer {
        socket: write,
        buf: BytesMut::with_capacity(64 * 1024),
        codec: ServerCodec::with_max_frame_len(MAX_REPLY_FRAME),
        faults,
        data_sent: 0,
        stalled: false,
        rng: fastrand::Rng::with_seed(index),
        stats: &shared.stats,
    };
    let id = shared
        .ids
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .pop_front();
    let Some(id) = id else {
        writer
            .send(&mut vec![Reply::Status(StatusReply {
                ref_id: 0,
                timestamp: wall_clock_ms(),
                cycle: 0,
                status: OUT_OF_MEMORY,
            })])
            .await?;
        return Ok(());
    };
    let _id = ListId {
        id,
        pool: &shared.ids,
    };
    Stats::add(&shared.stats.lists, 1);
    let mut list = FakeList::new(
        id,
        shared.world.clone(),
        shared.list.clone(),
        Instant::now().into_std(),
        wall_clock_ms(),
    );
    let mut reader = FramedRead::new(read, ServerCodec::with_max_frame_len(MAX_REQUEST_FRAME));
    reader.read_buffer_mut().extend_from_slice(&leftover);
    let mut out = vec![list.open_reply()];
    // Created once: `notify_waiters` wakes every `Notified` created before it.
    let kicked = shared.kick.notified();
    tokio::pin!(kicked);
    loop {
        if !out.is_empty() {
            match writer.send(&mut out).await? {
                Flow::Continue => list.note_sent(Instant::now().into_std()),
                Flow::Close => return Ok(()),
            }
        }
        let wake = Instant::from_std(list.next_wakeup());
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => return Ok(()),
            _ = &mut kicked => return Ok(()),
            frame = reader.next() => {
                // Handle this frame and the AddToList frames already received behind it
                // (a client's 10,000 arrive together) in one turn. Any other request ends
                // the turn, so what it starts is polled before the next request is seen.
                let mut frame = frame;
                let mut taken = 0;
                let now = Instant::now().into_std();
                loop {
                    let more = match frame {
                        Some(Ok(request)) => {
                            Stats::add(&shared.stats.frames_in, 1);
                            if shared.log_requests {
                                shared.stats.log(index, &request);
                            }
                            let more = matches!(request, Request::AddToList(_));
                            list.handle(request, now, &mut out);
                            more
                        }
                        // EOF, an invalid length or an undecodable frame: the stream
                        // position is lost, so the connection closes (spec 5.4, 9.12).
                        Some(Err(e)) => {
                            return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string()));
                        }
                        None => return Ok(()),
                    };
                    taken += 1;
                    if !more || taken == FRAMES_PER_TURN {
                        break;
                    }
                    match reader.next().now_or_never() {
                        Some(next) => frame = next,
                        None => break,
                    }
                }
            }
            _ = sleep_until(wake), if !writer.stalled => {}
        }
        // A StartList of many entries: send the DeviceInfos a chunk at a time while the
        // rest are planned.
        while !writer.stalled && list.plan_pending(&mut out, PLAN_CHUNK) {
            match writer.send(&mut out).await? {
                Flow::Continue => list.note_sent(Instant::now().into_std()),
                Flow::Close => return Ok(()),
            }
        }
        if !writer.stalled {
            list.poll(Instant::now().into_std(), &mut out);
        } else {
            out.clear();
        }
    }
}

/// Entries of a StartList planned between two writes.
const PLAN_CHUNK: usize = 1024;

/// Bytes of encoded replies written at once when a batch is large.
const WRITE_CHUNK: usize = 64 * 1024;

/// The most request frames handled in one turn before the replies go out.
const FRAMES_PER_TURN: usize = 4096;

/// What the connection does after a write.
enum Flow {
    Continue,
    Close,
}

/// The write side of a connection: encodes replies into one buffer, writes it at once
/// (or in small pieces when faulty), and applies the data-count faults.
struct Writer<'a> {
    socket: OwnedWriteHalf,
    buf: BytesMut,
    codec: ServerCodec,
    faults: Faults,
    data_sent: u64,
    stalled: bool,
    rng: fastrand::Rng,
    stats: &'a Stats,
}

impl Writer<'_> {
    /// Encodes and writes one batch of replies, leaving `replies` empty (its capacity kept).
    async fn send(&mut self, replies: &mut Vec<Reply>) -> io::Result<Flow> {
        if self.stalled {
            replies.clear();
            return Ok(Flow::Continue);
        }
        if self.faults.reorder {
            // Reverse ref order, keeping each ref's own order: a stable sort on the ref.
            replies.sort_by_key(|r| std::cmp::Reverse(r.ref_id().unwrap_or(i64::MAX)));
        }
        let mut after = None;
        let mut frames = 0u64;
        let mut data = 0u64;
        // Without write-shaping faults, a large batch goes out in pieces as it is encoded,
        // so the client decodes the first replies while the rest are being encoded.
        let chunked = self.faults.reply_delay.is_none() && !self.faults.split_writes;
        for reply in replies.drain(..) {
            let is_data = reply.is_data();
            self.encode(&reply)?;
            if chunked && self.buf.len() >= WRITE_CHUNK {
                self.flush().await?;
            }
            frames += 1;
            if is_data {
                data += 1;
                self.data_sent += 1;
                if let Some(action) = self.due_action() {
                    after = Some(action);
                    break;
                }
            }
        }
        Stats::add(&self.stats.frames_out, frames);
        Stats::add(&self.stats.data_replies, data);
        self.flush().await?;
        match after {
            None => Ok(Flow::Continue),
            Some(Action::Close) => Ok(Flow::Close),
            Some(Action::Stall) => {
                self.stalled = true;
                Ok(Flow::Continue)
            }
            Some(Action::Garbage) => {
                self.buf.put_u32(16);
                self.buf.put_slice(b"this is no frame");
                self.flush().await?;
                Ok(Flow::Continue)
            }
            Some(Action::Oversize) => {
                self.buf.put_u32(0x7fff_fff0);
                self.flush().await?;
                Ok(Flow::Continue)
            }
        }
    }

    fn due_action(&self) -> Option<Action> {
        let at = |limit: Option<u64>| limit == Some(self.data_sent);
        if at(self.faults.close_after_data) {
            Some(Action::Close)
        } else if at(self.faults.stall_after_data) {
            Some(Action::Stall)
        } else if at(self.faults.garbage_after_data) {
            Some(Action::Garbage)
        } else if at(self.faults.oversize_after_data) {
            Some(Action::Oversize)
        } else {
            None
        }
    }

    /// Encodes one reply as a frame; a frame above the 128 KiB limit is replaced by a
    /// DPM_REPLY_OVERFLOW status for its ref, as production does.
    fn encode(&mut self, reply: &Reply) -> io::Result<()> {
        match self.codec.encode(reply, &mut self.buf) {
            Ok(()) => Ok(()),
            Err(FrameError::TooLong { .. }) => {
                Stats::add(&self.stats.overflows, 1);
                let overflow = Reply::Status(StatusReply {
                    ref_id: reply.ref_id().unwrap_or(0),
                    timestamp: wall_clock_ms(),
                    cycle: 0,
                    status: REPLY_OVERFLOW,
                });
                self.codec
                    .encode(&overflow, &mut self.buf)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
            }
            Err(e) => Err(io::Error::new(io::ErrorKind::InvalidData, e)),
        }
    }

    async fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        if let Some(delay) = self.faults.reply_delay {
            sleep(delay).await;
        }
        if self.faults.split_writes {
            while !self.buf.is_empty() {
                let n = self.rng.usize(1..=7).min(self.buf.len());
                let piece = self.buf.split_to(n);
                self.socket.write_all(&piece).await?;
                self.socket.flush().await?;
            }
        } else {
            self.socket.write_all(&self.buf).await?;
            self.buf.clear();
        }
        Ok(())
    }
}

enum Action {
    Close,
    Stall,
    Garbage,
    Oversize,
}
