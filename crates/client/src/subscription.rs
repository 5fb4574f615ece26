//! [`Subscription`]: a stream of [`Event`]s, whichever backend produced it.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream;
use futures::stream::BoxStream;
use futures::task::AtomicWaker;
use pacsys_types::Event;

use crate::Error;
use crate::observe::Observer;

/// A running subscription: a [`futures::Stream`] of [`Event`]s (readings, per-request
/// errors, disconnections, reconnections with the gap, drops) that ends after
/// [`Subscription::stop`] or when the backend gives up.
///
/// Dropping it stops it too, and so does closing its backend
/// ([`Backend::close`](crate::Backend::close)): a consumer waiting on the stream is woken
/// and sees it end, and the connection is released at that poll (or when the subscription
/// is dropped, whichever comes first). Drops are never silent: the stream carries
/// [`Event::Dropped`] markers and [`Subscription::dropped`] counts them.
///
/// ```
/// use futures::StreamExt;
/// use pacsys::{Backend, DpmBackend, Event};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = pacsys_sim::FakeDpmServer::builder().start().await?;
/// # // SAFETY: single-threaded here; nothing else reads the environment.
/// # unsafe {
/// #     std::env::set_var("PACSYS_DPM_HOST", "127.0.0.1");
/// #     std::env::set_var("PACSYS_DPM_PORT", server.port().to_string());
/// # }
/// let backend = DpmBackend::builder().build()?;
/// let mut sub = backend.subscribe(&["M:OUTTMP@p,1000"]).await?;
/// while let Some(event) = sub.next().await {
///     match event {
///         Event::Reading(r) => println!("{} = {:?}", r.drf, r.value),
///         Event::Reconnected { gap } => println!("no data for {gap:?}"),
///         other => println!("{other}"),
///     }
/// #   break; // the stream would run for ever
/// }
/// # assert_eq!(sub.drfs(), ["M:OUTTMP@p,1000"]);
/// # drop((sub, backend));
/// # server.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Subscription {
    /// `None` once the backend was closed (dropping the core subscription stops it).
    inner: Option<Inner>,
    /// Set by the backend's close.
    signal: Arc<CloseSignal>,
    /// What [`Subscription::dropped`] and [`Subscription::drfs`] report after close.
    at_close: (u64, Vec<String>),
    /// The backend's observer, with the DRFs it reports.
    observer: Option<(Observer, Arc<[String]>)>,
    /// The last device error the stream delivered (what a list that ends on its own
    /// failed with).
    last_error: Option<(Arc<str>, pacsys_types::Status)>,
    /// Staleness reporting ([`Subscription::stale_after`]).
    stale: Option<crate::stale::StaleWatch>,
}

/// Tells one subscription that its backend was closed, waking it if it is waiting.
/// Ends a [`Subscription`] from another task or thread (see [`Subscription::stopper`]).
/// Cheap to clone; stopping is idempotent.
#[derive(Debug, Clone)]
pub struct Stopper(Arc<CloseSignal>);

impl Stopper {
    /// Ends the subscription: its stream yields `None` at the next poll (a pending
    /// `next()` is woken now) and its connection is released.
    pub fn stop(&self) {
        self.0.stop();
    }

    /// Whether the subscription was ended (by this handle, its backend's `close` or
    /// `stop_streaming`).
    pub fn is_stopped(&self) -> bool {
        self.0.is_over()
    }

    /// Why the stream ended on its own (see [`Subscription::end_reason`]).
    pub fn end_reason(&self) -> Option<Error> {
        self.0.ended()
    }
}

#[derive(Debug, Default)]
pub(crate) struct CloseSignal {
    /// The backend was closed.
    closed: AtomicBool,
    /// The subscription was stopped (its handle, a `Stopper`, `stop_streaming`).
    stopped: AtomicBool,
    waker: AtomicWaker,
    /// Why the stream ended on its own (set once, when it ended without being closed).
    ended: Mutex<Option<Error>>,
}

impl CloseSignal {
    fn ended(&self) -> Option<Error> {
        self.ended.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set_ended(&self, e: Error) {
        let mut slot = self.ended.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some(e);
        }
    }
}

/// Where the producer of a stream subscription (see
/// [`Registry::register_stream_with_end`]) says why the stream is about to end: the error
/// is what [`Subscription::end_reason`] reports once the stream has ended.
#[derive(Debug, Clone, Default)]
pub struct EndReason(Arc<Mutex<Option<Error>>>);

impl EndReason {
    /// A slot with no reason yet.
    pub fn new() -> EndReason {
        EndReason::default()
    }

    /// Records `e` as the reason (the first one set is kept); end the stream after it.
    pub fn set(&self, e: Error) {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some(e);
        }
    }

    fn get(&self) -> Option<Error> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl CloseSignal {
    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.waker.wake();
    }

    fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        self.waker.wake();
    }

    /// Closed or stopped: the stream ends at its next poll.
    fn is_over(&self) -> bool {
        self.closed.load(Ordering::Acquire) || self.stopped.load(Ordering::Acquire)
    }
}

/// The subscriptions of one backend, so closing the backend ends them.
///
/// Backends outside this crate (fakes, adapters) use it to give their subscriptions the
/// same close semantics as the built-in ones:
///
/// ```
/// use futures::StreamExt;
/// use pacsys::subscription::Registry;
/// use pacsys::{Event, Reading, Status, Value};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let registry = Registry::new();
/// let reading = Reading::new("Z:A".into(), Status::OK).with_value(Value::Scalar(1.0));
/// // A stream that never ends by itself: only the registry's close ends it.
/// let events = futures::stream::iter([Event::Reading(reading)]).chain(futures::stream::pending());
/// let mut sub = registry.register_stream(["Z:A"], events, Default::default());
/// assert!(matches!(sub.next().await, Some(Event::Reading(_))));
/// registry.close(); // ends every registered subscription
/// assert!(sub.next().await.is_none());
/// assert!(sub.is_closed());
/// # }
/// ```
#[derive(Debug, Default)]
pub struct Registry {
    closed: AtomicBool,
    signals: Mutex<Vec<Weak<CloseSignal>>>,
    observer: Option<Observer>,
}

impl Registry {
    /// An empty registry.
    ///
    /// ```
    /// use pacsys::subscription::Registry;
    ///
    /// let registry = Registry::new();
    /// assert!(!registry.is_closed());
    /// ```
    pub fn new() -> Registry {
        Registry::default()
    }

    /// An empty registry whose subscriptions report disconnections, reconnections and
    /// drops to `observer` (as their consumer takes them from the stream).
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pacsys::observe::{Observation, Observer};
    /// use pacsys::subscription::Registry;
    /// use pacsys::Event;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (observer, mut rx) = Observer::channel(8);
    /// let registry = Registry::with_observer(Some(observer));
    /// let events = futures::stream::iter([Event::Dropped { count: 3 }]);
    /// let mut sub = registry.register_stream(["Z:A@p,100"], events, Default::default());
    /// assert_eq!(sub.next().await, Some(Event::Dropped { count: 3 }));
    /// assert!(matches!(rx.try_recv(), Some(Observation::Subscription { .. })));
    /// # }
    /// ```
    pub fn with_observer(observer: Option<Observer>) -> Registry {
        Registry {
            observer,
            ..Registry::default()
        }
    }

    /// Whether [`Registry::close`] was called.
    ///
    /// ```
    /// let registry = pacsys::subscription::Registry::new();
    /// registry.close();
    /// assert!(registry.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Ends every registered subscription; later ones are ended as they register.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pacsys::subscription::Registry;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let registry = Registry::new();
    /// let mut sub = registry.register_stream(["Z:A"], futures::stream::pending(), Default::default());
    /// registry.close();
    /// assert!(sub.is_closed());
    /// assert!(sub.next().await.is_none()); // the stream ends
    /// # }
    /// ```
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        let signals = std::mem::take(&mut *self.lock());
        for signal in signals.iter().filter_map(Weak::upgrade) {
            signal.close();
        }
    }

    /// Ends every live subscription (each stream ends at its next poll, releasing its
    /// connection) but, unlike [`Registry::close`], keeps accepting new ones: what a
    /// backend's [`stop_streaming`](crate::Backend::stop_streaming) does.
    pub fn end_all(&self) {
        let signals = std::mem::take(&mut *self.lock());
        for signal in signals.iter().filter_map(Weak::upgrade) {
            signal.stop();
        }
    }

    /// Wraps a core subscription and registers it (ending it at once if the backend was
    /// closed meanwhile).
    fn register(&self, inner: Inner) -> Subscription {
        let signal = Arc::new(CloseSignal::default());
        {
            let mut signals = self.lock();
            signals.retain(|w| w.strong_count() > 0);
            signals.push(Arc::downgrade(&signal));
        }
        if self.is_closed() {
            signal.close();
        }
        let mut sub = Subscription {
            inner: Some(inner),
            signal,
            at_close: (0, Vec::new()),
            observer: None,
            last_error: None,
            stale: None,
        };
        if let Some(o) = &self.observer {
            sub.observer = Some((o.clone(), sub.drfs().into()));
        }
        sub
    }

    /// Wraps any stream of events as a [`Subscription`] ended by [`Registry::close`]
    /// (see [`Subscription::from_stream`] for the arguments).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// use pacsys::subscription::Registry;
    ///
    /// let registry = Registry::new();
    /// let dropped = Arc::new(AtomicU64::new(0));
    /// let sub = registry.register_stream(["Z:A@p,100"], futures::stream::pending(), Arc::clone(&dropped));
    /// dropped.fetch_add(2, Ordering::Relaxed); // the producer counts what it drops
    /// assert_eq!(sub.dropped(), 2);
    /// assert_eq!(sub.drfs(), ["Z:A@p,100"]);
    /// ```
    pub fn register_stream<D, S>(&self, drfs: D, events: S, dropped: Arc<AtomicU64>) -> Subscription
    where
        D: IntoIterator,
        D::Item: Into<String>,
        S: Stream<Item = Event> + Send + 'static,
    {
        self.register(Inner::Stream(StreamSub::new(drfs, events, dropped)))
    }

    /// [`Registry::register_stream`], with a slot where the producer records why it ends
    /// the stream (an error a test double injects, a source that gave up): reported by
    /// [`Subscription::end_reason`].
    pub fn register_stream_with_end<D, S>(
        &self,
        drfs: D,
        events: S,
        dropped: Arc<AtomicU64>,
        end: EndReason,
    ) -> Subscription
    where
        D: IntoIterator,
        D::Item: Into<String>,
        S: Stream<Item = Event> + Send + 'static,
    {
        let mut sub = StreamSub::new(drfs, events, dropped);
        sub.end = end;
        self.register(Inner::Stream(sub))
    }

    pub(crate) fn dpm(&self, sub: pacsys_dpm_core::Subscription) -> Subscription {
        self.register(Inner::Dpm(sub))
    }

    pub(crate) fn grpc(&self, sub: pacsys_grpc_core::Subscription) -> Subscription {
        self.register(Inner::Grpc(sub))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Weak<CloseSignal>>> {
        self.signals.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Debug)]
enum Inner {
    Dpm(pacsys_dpm_core::Subscription),
    Grpc(pacsys_grpc_core::Subscription),
    Stream(StreamSub),
}

/// A subscription over a stream made outside this crate.
struct StreamSub {
    drfs: Vec<String>,
    /// `None` once stopped.
    events: Option<BoxStream<'static, Event>>,
    dropped: Arc<AtomicU64>,
    /// Why the producer ended the stream, when it says.
    end: EndReason,
}

impl StreamSub {
    fn new<D, S>(drfs: D, events: S, dropped: Arc<AtomicU64>) -> StreamSub
    where
        D: IntoIterator,
        D::Item: Into<String>,
        S: Stream<Item = Event> + Send + 'static,
    {
        StreamSub {
            drfs: drfs.into_iter().map(Into::into).collect(),
            events: Some(Box::pin(events)),
            dropped,
            end: EndReason::default(),
        }
    }
}

impl std::fmt::Debug for StreamSub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamSub")
            .field("drfs", &self.drfs)
            .field("running", &self.events.is_some())
            .field("dropped", &self.dropped.load(Ordering::Relaxed))
            .finish()
    }
}

impl Subscription {
    /// A subscription over any stream of events: for fakes, adapters and tests.
    ///
    /// `drfs` is what [`Subscription::drfs`] reports; `dropped` is the counter
    /// [`Subscription::dropped`] reads (the producer increments it when it drops readings).
    /// [`Subscription::stop`] drops the stream; live [`add`](Subscription::add) and
    /// [`remove`](Subscription::remove) give an [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported)
    /// error. Nothing closes it but
    /// `stop` and the end of the stream: use [`Registry::register_stream`] to tie it to a
    /// backend's close.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pacsys::{Event, Reading, Status, Subscription, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let events = futures::stream::iter((0..3).map(|i| {
    ///     let r = Reading::new("Z:A@p,100".into(), Status::OK);
    ///     Event::Reading(r.with_value(Value::Scalar(f64::from(i))))
    /// }));
    /// let sub = Subscription::from_stream(["Z:A@p,100"], events, Default::default());
    /// assert_eq!(sub.drfs(), ["Z:A@p,100"]);
    /// assert_eq!(sub.count().await, 3);
    /// # }
    /// ```
    pub fn from_stream<D, S>(drfs: D, events: S, dropped: Arc<AtomicU64>) -> Subscription
    where
        D: IntoIterator,
        D::Item: Into<String>,
        S: Stream<Item = Event> + Send + 'static,
    {
        Subscription {
            inner: Some(Inner::Stream(StreamSub::new(drfs, events, dropped))),
            signal: Arc::new(CloseSignal::default()),
            at_close: (0, Vec::new()),
            observer: None,
            last_error: None,
            stale: None,
        }
    }

    /// Reports requests that go silent: one that delivers nothing for `window` while the
    /// connection lives gets an [`Event::Stale`]; its next reading is preceded by an
    /// [`Event::Fresh`]. Nothing is flagged while disconnected (the clocks restart at the
    /// reconnection), and a request the server rejected is not watched. The backends apply
    /// [`SubscriptionOptions::stale_after`](crate::SubscriptionOptions::stale_after) this
    /// way; call it on any subscription for a window of its own.
    ///
    /// ```
    /// use std::time::Duration;
    /// use futures::StreamExt;
    /// use pacsys::{Event, Reading, Status, Subscription};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // One reading of Z:A, then silence.
    /// let events = futures::stream::iter([Event::Reading(Reading::new("Z:A".into(), Status::OK))])
    ///     .chain(futures::stream::pending());
    /// let mut sub = Subscription::from_stream(["Z:A"], events, Default::default())
    ///     .stale_after(Duration::from_millis(50));
    /// assert!(matches!(sub.next().await, Some(Event::Reading(_))));
    /// match sub.next().await {
    ///     Some(Event::Stale { drf, silent_for }) => {
    ///         assert_eq!(&*drf, "Z:A");
    ///         assert!(silent_for >= Duration::from_millis(50));
    ///     }
    ///     other => panic!("{other:?}"),
    /// }
    /// # }
    /// ```
    pub fn stale_after(mut self, window: Duration) -> Subscription {
        let drfs: Vec<Arc<str>> = self.drfs().into_iter().map(Arc::from).collect();
        self.stale = Some(crate::stale::StaleWatch::new(drfs, window));
        self
    }

    /// Why the stream ended on its own, once it has: the error its producer gave, else the
    /// status of the list failure it ended with (a DPM list the server could not start),
    /// else a lost connection. `None` while it runs and when it was stopped or its backend
    /// closed.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pacsys::{ErrorKind, Event, Subscription};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // A source that gives up after one reading.
    /// let events = futures::stream::iter([Event::Reading(pacsys::Reading::new("Z:A".into(), pacsys::Status::OK))]);
    /// let mut sub = Subscription::from_stream(["Z:A@p,100"], events, Default::default());
    /// assert!(sub.next().await.is_some());
    /// assert!(sub.end_reason().is_none()); // still running as far as anyone knows
    /// assert!(sub.next().await.is_none());
    /// assert_eq!(sub.end_reason().map(|e| e.kind()), Some(ErrorKind::ConnectionLost));
    /// # }
    /// ```
    pub fn end_reason(&self) -> Option<Error> {
        self.signal.ended()
    }

    /// What ends a stream that ended on its own (see [`Subscription::end_reason`]).
    fn ending(&self) -> Error {
        if let Some(Inner::Stream(s)) = &self.inner
            && let Some(e) = s.end.get()
        {
            return e;
        }
        match &self.last_error {
            Some((drf, status)) => Error::list_failed(*status).with_drf(&**drf),
            None => Error::connection_lost("the subscription's stream ended"),
        }
    }

    /// A handle that ends this subscription from anywhere, without access to the
    /// subscription itself: a task blocked in `next()` wakes at once and gets `None`, and
    /// the connection is released. For a consumer that waits in one task while another
    /// decides to stop (a GUI, a callback thread, a binding that holds the subscription
    /// behind a lock).
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pacsys::{Event, Subscription};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // A stream that never delivers anything.
    /// let mut sub = Subscription::from_stream(["Z:A@p,60000"], futures::stream::pending::<Event>(), Default::default());
    /// let stopper = sub.stopper();
    /// let waiter = tokio::spawn(async move { sub.next().await });
    /// stopper.stop();
    /// assert!(waiter.await.unwrap().is_none());
    /// assert!(stopper.is_stopped());
    /// # }
    /// ```
    pub fn stopper(&self) -> Stopper {
        Stopper(Arc::clone(&self.signal))
    }

    /// Stops the subscription: the connection is released and the stream ends at once
    /// (events still buffered are discarded). Idempotent.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pacsys::Backend;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().start().await?;
    /// # let backend = pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?;
    /// let mut sub = backend.subscribe(&["M:OUTTMP@p,100"]).await?;
    /// assert!(sub.next().await.is_some());
    /// sub.stop().await;
    /// assert!(sub.next().await.is_none());
    /// # drop(backend);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn stop(&mut self) {
        self.signal.stop();
        match &mut self.inner {
            Some(Inner::Dpm(s)) => s.stop().await,
            Some(Inner::Grpc(s)) => s.stop().await,
            Some(Inner::Stream(s)) => s.events = None,
            None => {}
        }
    }

    /// How many readings were dropped so far because the consumer fell behind.
    ///
    /// ```
    /// use pacsys::Backend;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().start().await?;
    /// # let backend = pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?;
    /// let sub = backend.subscribe(&["M:OUTTMP@p,100"]).await?;
    /// assert_eq!(sub.dropped(), 0); // nothing dropped while the consumer keeps up
    /// # drop(backend);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub fn dropped(&self) -> u64 {
        match &self.inner {
            Some(Inner::Dpm(s)) => s.dropped(),
            Some(Inner::Grpc(s)) => s.dropped(),
            Some(Inner::Stream(s)) => s.dropped.load(Ordering::Relaxed),
            None => self.at_close.0,
        }
    }

    /// The subscribed DRFs, as given.
    ///
    /// ```
    /// use pacsys::Backend;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().start().await?;
    /// # let backend = pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?;
    /// let sub = backend.subscribe(&["M:OUTTMP@p,1000", "G:AMANDA@p,1000"]).await?;
    /// assert_eq!(sub.drfs(), ["M:OUTTMP@p,1000", "G:AMANDA@p,1000"]);
    /// # drop(backend);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub fn drfs(&self) -> Vec<String> {
        match &self.inner {
            Some(Inner::Dpm(s)) => s.drfs().iter().map(|d| d.to_string()).collect(),
            Some(Inner::Grpc(s)) => s.drfs().iter().map(|d| d.to_string()).collect(),
            Some(Inner::Stream(s)) => s.drfs.clone(),
            None => self.at_close.1.clone(),
        }
    }

    /// Whether the backend was closed (the stream has ended or will end at the next poll).
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pacsys::Backend;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().start().await?;
    /// # let backend = pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?;
    /// let mut sub = backend.subscribe(&["M:OUTTMP@p,100"]).await?;
    /// assert!(!sub.is_closed());
    /// backend.close().await;
    /// assert!(sub.is_closed());
    /// assert!(sub.next().await.is_none());
    /// # drop(backend);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub fn is_closed(&self) -> bool {
        self.signal.closed.load(Ordering::Acquire)
    }

    /// Adds DRFs to the running subscription (DPM only; every DRF is checked first and an
    /// invalid one changes nothing). gRPC subscriptions give an
    /// [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) error.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pacsys::{Backend, Event};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().start().await?;
    /// # let backend = pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?;
    /// let mut sub = backend.subscribe(&["M:OUTTMP@p,100"]).await?;
    /// sub.add(&["G:AMANDA@p,100"]).await?;
    /// assert!(sub.add(&["G:AMANDA@@"]).await.is_err()); // checked first
    /// let amanda = sub.filter_map(|e| async move { match e {
    ///     Event::Reading(r) if r.drf.starts_with("G:AMANDA") => Some(r),
    ///     _ => None,
    /// } });
    /// assert!(Box::pin(amanda).next().await.is_some());
    /// # drop(backend);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn add<S: AsRef<str>>(&self, drfs: &[S]) -> Result<(), Error> {
        match &self.inner {
            _ if self.is_closed() => Err(Error::closed()),
            Some(Inner::Dpm(s)) => s.add(drfs).await,
            Some(Inner::Grpc(_)) => Err(live_edit_unsupported("a gRPC subscription")),
            Some(Inner::Stream(_)) => Err(live_edit_unsupported("this subscription")),
            None => Err(Error::closed()),
        }
    }

    /// Removes DRFs from the running subscription (DPM only). gRPC subscriptions give an
    /// [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) error.
    ///
    /// ```
    /// use pacsys::Backend;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().start().await?;
    /// # let backend = pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?;
    /// let sub = backend.subscribe(&["M:OUTTMP@p,100", "G:AMANDA@p,100"]).await?;
    /// sub.remove(&["G:AMANDA@p,100"]).await?;
    /// assert_eq!(sub.drfs(), ["M:OUTTMP@p,100"]);
    /// # drop(backend);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn remove<S: AsRef<str>>(&self, drfs: &[S]) -> Result<(), Error> {
        match &self.inner {
            _ if self.is_closed() => Err(Error::closed()),
            Some(Inner::Dpm(s)) => s.remove(drfs).await,
            Some(Inner::Grpc(_)) => Err(live_edit_unsupported("a gRPC subscription")),
            Some(Inner::Stream(_)) => Err(live_edit_unsupported("this subscription")),
            None => Err(Error::closed()),
        }
    }
}

fn live_edit_unsupported(what: &str) -> Error {
    Error::unsupported(
        "",
        format!("{what} cannot be edited while it runs; start a new one"),
    )
}

impl Stream for Subscription {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        let this = &mut *self;
        if this.inner.is_some() {
            this.signal.waker.register(cx.waker());
            if this.signal.is_over() {
                // Remember what the accessors report, then drop the core subscription:
                // that aborts its task and releases the connection.
                this.at_close = (this.dropped(), this.drfs());
                this.inner = None;
            }
        }
        if let Some(event) = this.stale.as_mut().and_then(|w| w.take_pending()) {
            return Poll::Ready(Some(event));
        }
        let polled = match &mut this.inner {
            Some(Inner::Dpm(s)) => Pin::new(s).poll_next(cx),
            Some(Inner::Grpc(s)) => Pin::new(s).poll_next(cx),
            Some(Inner::Stream(s)) => match &mut s.events {
                Some(events) => events.as_mut().poll_next(cx),
                None => Poll::Ready(None),
            },
            None => Poll::Ready(None),
        };
        match &polled {
            Poll::Ready(Some(Event::Error { drf, status })) => {
                this.last_error = Some((Arc::clone(drf), *status));
            }
            Poll::Ready(None) if this.inner.is_some() && !this.signal.is_over() => {
                this.signal.set_ended(this.ending());
            }
            _ => {}
        }
        let polled = match (polled, &mut this.stale) {
            (Poll::Ready(Some(event)), Some(watch)) => Poll::Ready(Some(watch.see(event))),
            (Poll::Pending, Some(watch)) => watch.poll_stale(cx).map(Some),
            (polled, _) => polled,
        };
        if let (Poll::Ready(Some(event)), Some((observer, drfs))) = (&polled, &this.observer) {
            observer.event(drfs, event);
        }
        polled
    }
}

impl Subscription {
    /// Hands every event to `callback` on a task of the current tokio runtime, until the
    /// stream ends or the returned handle is stopped. The callback runs on that task: keep
    /// it short (send heavy work elsewhere).
    ///
    /// Fails with an [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) error
    /// outside a tokio runtime.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use pacsys::{Event, Reading, Status, Subscription, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), pacsys::Error> {
    /// let events = futures::stream::iter((0..3).map(|i| {
    ///     let r = Reading::new("Z:A".into(), Status::OK);
    ///     Event::Reading(r.with_value(Value::Scalar(f64::from(i))))
    /// }));
    /// let sub = Subscription::from_stream(["Z:A"], events, Default::default());
    /// let seen = Arc::new(Mutex::new(0));
    /// let count = Arc::clone(&seen);
    /// let handle = sub.on_event(move |_event| *count.lock().unwrap() += 1)?;
    /// let sub = handle.join().await; // the stream ended after three events
    /// assert_eq!(*seen.lock().unwrap(), 3);
    /// assert_eq!(sub.drfs(), ["Z:A"]);
    /// # Ok(()) }
    /// ```
    pub fn on_event<F>(mut self, mut callback: F) -> Result<CallbackHandle, Error>
    where
        F: FnMut(Event) + Send + 'static,
    {
        let handle = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::unsupported("", "on_event needs a tokio runtime to run the callback on")
        })?;
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        let task = handle.spawn(async move {
            use futures::StreamExt;
            loop {
                tokio::select! {
                    biased;
                    _ = &mut stop_rx => {
                        self.stop().await;
                        break;
                    }
                    event = self.next() => match event {
                        Some(event) => callback(event),
                        None => break,
                    },
                }
            }
            self
        });
        Ok(CallbackHandle {
            stop: Some(stop_tx),
            task,
        })
    }
}

/// The running callback of [`Subscription::on_event`].
#[derive(Debug)]
pub struct CallbackHandle {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Subscription>,
}

impl CallbackHandle {
    /// Stops the subscription and waits for the callback task to finish; returns the
    /// stopped subscription (for [`Subscription::dropped`]).
    ///
    /// ```
    /// use pacsys::Subscription;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), pacsys::Error> {
    /// let sub = Subscription::from_stream(["Z:A"], futures::stream::pending(), Default::default());
    /// let handle = sub.on_event(|event| println!("{event}"))?;
    /// let sub = handle.stop().await; // the stream never ends by itself
    /// assert_eq!(sub.map(|s| s.drfs()), Some(vec!["Z:A".to_owned()]));
    /// # Ok(()) }
    /// ```
    pub async fn stop(mut self) -> Option<Subscription> {
        if let Some(tx) = self.stop.take() {
            // The task may have finished already; then there is nobody to tell.
            let _ = tx.send(());
        }
        self.task.await.ok()
    }

    /// Waits until the stream ends by itself (backend closed, subscription over) and
    /// returns the subscription.
    ///
    /// # Panics
    ///
    /// Resumes the callback's panic, if it panicked.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use pacsys::{Event, Subscription};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), pacsys::Error> {
    /// let events = futures::stream::iter([Event::Dropped { count: 1 }, Event::Dropped { count: 2 }]);
    /// let sub = Subscription::from_stream(["Z:A"], events, Default::default());
    /// let total = Arc::new(Mutex::new(0));
    /// let sum = Arc::clone(&total);
    /// let handle = sub.on_event(move |e| if let Event::Dropped { count } = e { *sum.lock().unwrap() += count })?;
    /// handle.join().await; // the stream ended after two events
    /// assert_eq!(*total.lock().unwrap(), 3);
    /// # Ok(()) }
    /// ```
    pub async fn join(self) -> Subscription {
        match self.task.await {
            Ok(sub) => sub,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    /// Whether the callback task has finished.
    ///
    /// ```
    /// use pacsys::Subscription;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), pacsys::Error> {
    /// let sub = Subscription::from_stream(["Z:A"], futures::stream::empty(), Default::default());
    /// let handle = sub.on_event(|_| {})?;
    /// while !handle.is_finished() {
    ///     tokio::task::yield_now().await; // the empty stream ends at the first poll
    /// }
    /// assert!(handle.join().await.drfs() == ["Z:A"]);
    /// # Ok(()) }
    /// ```
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

/// Several subscriptions as one stream of events; made by [`merge`].
///
/// Events of one subscription keep their order; between subscriptions they interleave as
/// they arrive (each poll starts with the next subscription, so none starves the others).
/// The merged stream ends when every subscription has ended.
#[derive(Debug)]
pub struct Merged {
    subs: Vec<Subscription>,
    next: usize,
}

/// Merges several subscriptions into one stream of events.
///
/// ```
/// use futures::StreamExt;
/// use pacsys::subscription::merge;
/// use pacsys::{Event, Reading, Status, Subscription, Value};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let sub = |drf: &'static str, n: u32| {
///     let events = futures::stream::iter((0..n).map(move |i| {
///         let r = Reading::new(drf.into(), Status::OK);
///         Event::Reading(r.with_value(Value::Scalar(f64::from(i))))
///     }));
///     Subscription::from_stream([drf], events, Default::default())
/// };
/// let merged = merge([sub("Z:A", 2), sub("Z:B", 3)]);
/// assert_eq!(merged.drfs(), ["Z:A", "Z:B"]);
/// assert_eq!(merged.count().await, 5);
/// # }
/// ```
pub fn merge(subs: impl IntoIterator<Item = Subscription>) -> Merged {
    Merged {
        subs: subs.into_iter().collect(),
        next: 0,
    }
}

impl Merged {
    /// Readings dropped so far, over every subscription still running.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::AtomicU64;
    /// use pacsys::subscription::merge;
    /// use pacsys::Subscription;
    ///
    /// let sub = |drf: &str, dropped: u64| {
    ///     Subscription::from_stream([drf], futures::stream::pending(), Arc::new(AtomicU64::new(dropped)))
    /// };
    /// assert_eq!(merge([sub("Z:A", 1), sub("Z:B", 2)]).dropped(), 3);
    /// ```
    pub fn dropped(&self) -> u64 {
        self.subs.iter().map(Subscription::dropped).sum()
    }

    /// The DRFs of every subscription still running, in merge order.
    ///
    /// ```
    /// use pacsys::subscription::merge;
    /// use pacsys::Subscription;
    ///
    /// let sub = |drfs: &[&str]| Subscription::from_stream(drfs.to_vec(), futures::stream::pending(), Default::default());
    /// let merged = merge([sub(&["Z:A", "Z:B"]), sub(&["Z:C"])]);
    /// assert_eq!(merged.drfs(), ["Z:A", "Z:B", "Z:C"]);
    /// ```
    pub fn drfs(&self) -> Vec<String> {
        self.subs.iter().flat_map(Subscription::drfs).collect()
    }

    /// How many subscriptions are still running.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pacsys::subscription::merge;
    /// use pacsys::{Event, Subscription};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let once = Subscription::from_stream(["Z:A"], futures::stream::iter([Event::Dropped { count: 1 }]), Default::default());
    /// let never = Subscription::from_stream(["Z:B"], futures::stream::pending(), Default::default());
    /// let mut merged = merge([once, never]);
    /// assert_eq!(merged.len(), 2);
    /// assert!(merged.next().await.is_some());
    /// let _ = tokio::time::timeout(std::time::Duration::from_millis(10), merged.next()).await;
    /// assert_eq!(merged.len(), 1); // "Z:A" ended
    /// # }
    /// ```
    pub fn len(&self) -> usize {
        self.subs.len()
    }

    /// Whether every subscription has ended.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pacsys::subscription::merge;
    /// use pacsys::{Event, Subscription};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let events = futures::stream::iter([Event::Dropped { count: 1 }]);
    /// let mut merged = merge([Subscription::from_stream(["Z:A"], events, Default::default())]);
    /// assert!(!merged.is_empty());
    /// assert_eq!(merged.by_ref().count().await, 1);
    /// assert!(merged.is_empty()); // every subscription has ended
    /// # }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.subs.is_empty()
    }

    /// Stops every subscription.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pacsys::subscription::merge;
    /// use pacsys::Subscription;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sub = |drf: &str| Subscription::from_stream([drf], futures::stream::pending(), Default::default());
    /// let mut merged = merge([sub("Z:A"), sub("Z:B")]);
    /// merged.stop().await;
    /// assert!(merged.is_empty());
    /// assert!(merged.next().await.is_none());
    /// # }
    /// ```
    pub async fn stop(&mut self) {
        for s in &mut self.subs {
            s.stop().await;
        }
        self.subs.clear();
    }

    /// Adds another subscription to the merge.
    ///
    /// ```
    /// use pacsys::subscription::merge;
    /// use pacsys::Subscription;
    ///
    /// let sub = |drf: &str| Subscription::from_stream([drf], futures::stream::pending(), Default::default());
    /// let mut merged = merge([sub("Z:A")]);
    /// merged.push(sub("Z:B"));
    /// assert_eq!(merged.len(), 2);
    /// assert_eq!(merged.drfs(), ["Z:A", "Z:B"]);
    /// ```
    pub fn push(&mut self, sub: Subscription) {
        self.subs.push(sub);
    }
}

impl Stream for Merged {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        let this = &mut *self;
        let n = this.subs.len();
        let start = this.next;
        let mut ended = Vec::new();
        let mut found = None;
        for k in 0..n {
            let i = (start + k) % n;
            match Pin::new(&mut this.subs[i]).poll_next(cx) {
                Poll::Ready(Some(event)) => {
                    this.next = (i + 1) % n;
                    found = Some(event);
                    break;
                }
                Poll::Ready(None) => ended.push(i),
                Poll::Pending => {}
            }
        }
        // Remove ended subscriptions (highest index first keeps the others' places).
        for i in ended.into_iter().rev() {
            this.subs.remove(i);
        }
        if this.subs.is_empty() {
            this.next = 0;
        } else {
            this.next %= this.subs.len();
        }
        match found {
            Some(event) => Poll::Ready(Some(event)),
            None if this.subs.is_empty() => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}
