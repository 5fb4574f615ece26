//! [`Subscription`]: a stream of [`Event`]s, whichever backend produced it.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};

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
/// ```no_run
/// use futures::StreamExt;
/// use pacsys::{Backend, DpmBackend, Event};
///
/// # async fn demo() -> Result<(), pacsys::Error> {
/// let backend = DpmBackend::builder().build()?;
/// let mut sub = backend.subscribe(&["M:OUTTMP@p,1000"]).await?;
/// while let Some(event) = sub.next().await {
///     match event {
///         Event::Reading(r) => println!("{} = {:?}", r.drf, r.value),
///         Event::Reconnected { gap } => println!("no data for {gap:?}"),
///         other => println!("{other}"),
///     }
/// }
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
}

/// Tells one subscription that its backend was closed, waking it if it is waiting.
#[derive(Debug, Default)]
pub(crate) struct CloseSignal {
    closed: AtomicBool,
    waker: AtomicWaker,
}

impl CloseSignal {
    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.waker.wake();
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
    pub fn new() -> Registry {
        Registry::default()
    }

    /// An empty registry whose subscriptions report disconnections, reconnections and
    /// drops to `observer` (as their consumer takes them from the stream).
    pub fn with_observer(observer: Option<Observer>) -> Registry {
        Registry {
            observer,
            ..Registry::default()
        }
    }

    /// Whether [`Registry::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Ends every registered subscription; later ones are ended as they register.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        let signals = std::mem::take(&mut *self.lock());
        for signal in signals.iter().filter_map(Weak::upgrade) {
            signal.close();
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
        };
        if let Some(o) = &self.observer {
            sub.observer = Some((o.clone(), sub.drfs().into()));
        }
        sub
    }

    /// Wraps any stream of events as a [`Subscription`] ended by [`Registry::close`]
    /// (see [`Subscription::from_stream`] for the arguments).
    pub fn register_stream<D, S>(&self, drfs: D, events: S, dropped: Arc<AtomicU64>) -> Subscription
    where
        D: IntoIterator,
        D::Item: Into<String>,
        S: Stream<Item = Event> + Send + 'static,
    {
        self.register(Inner::Stream(StreamSub::new(drfs, events, dropped)))
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
    /// [`remove`](Subscription::remove) give [`Error::Unsupported`]. Nothing closes it but
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
        }
    }

    /// Stops the subscription: the connection is released and the stream ends at once
    /// (events still buffered are discarded). Idempotent.
    pub async fn stop(&mut self) {
        match &mut self.inner {
            Some(Inner::Dpm(s)) => s.stop().await,
            Some(Inner::Grpc(s)) => s.stop().await,
            Some(Inner::Stream(s)) => s.events = None,
            None => {}
        }
    }

    /// How many readings were dropped so far because the consumer fell behind.
    pub fn dropped(&self) -> u64 {
        match &self.inner {
            Some(Inner::Dpm(s)) => s.dropped(),
            Some(Inner::Grpc(s)) => s.dropped(),
            Some(Inner::Stream(s)) => s.dropped.load(Ordering::Relaxed),
            None => self.at_close.0,
        }
    }

    /// The subscribed DRFs, as given.
    pub fn drfs(&self) -> Vec<String> {
        match &self.inner {
            Some(Inner::Dpm(s)) => s.drfs().iter().map(|d| d.to_string()).collect(),
            Some(Inner::Grpc(s)) => s.drfs().iter().map(|d| d.to_string()).collect(),
            Some(Inner::Stream(s)) => s.drfs.clone(),
            None => self.at_close.1.clone(),
        }
    }

    /// Whether the backend was closed (the stream has ended or will end at the next poll).
    pub fn is_closed(&self) -> bool {
        self.signal.closed.load(Ordering::Acquire)
    }

    /// Adds DRFs to the running subscription (DPM only; every DRF is checked first and an
    /// invalid one changes nothing). gRPC subscriptions give [`Error::Unsupported`].
    pub async fn add<S: AsRef<str>>(&self, drfs: &[S]) -> Result<(), Error> {
        match &self.inner {
            _ if self.is_closed() => Err(Error::Closed),
            Some(Inner::Dpm(s)) => s.add(drfs).await.map_err(Error::from),
            Some(Inner::Grpc(_)) => Err(live_edit_unsupported("a gRPC subscription")),
            Some(Inner::Stream(_)) => Err(live_edit_unsupported("this subscription")),
            None => Err(Error::Closed),
        }
    }

    /// Removes DRFs from the running subscription (DPM only). gRPC subscriptions give
    /// [`Error::Unsupported`].
    pub async fn remove<S: AsRef<str>>(&self, drfs: &[S]) -> Result<(), Error> {
        match &self.inner {
            _ if self.is_closed() => Err(Error::Closed),
            Some(Inner::Dpm(s)) => s.remove(drfs).await.map_err(Error::from),
            Some(Inner::Grpc(_)) => Err(live_edit_unsupported("a gRPC subscription")),
            Some(Inner::Stream(_)) => Err(live_edit_unsupported("this subscription")),
            None => Err(Error::Closed),
        }
    }
}

fn live_edit_unsupported(what: &str) -> Error {
    Error::Unsupported {
        drf: String::new(),
        reason: format!("{what} cannot be edited while it runs; start a new one"),
    }
}

impl Stream for Subscription {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        let this = &mut *self;
        if this.inner.is_some() {
            this.signal.waker.register(cx.waker());
            if this.is_closed() {
                // Remember what the accessors report, then drop the core subscription:
                // that aborts its task and releases the connection.
                this.at_close = (this.dropped(), this.drfs());
                this.inner = None;
            }
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
    /// Fails with [`Error::Unsupported`] outside a tokio runtime.
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
        let handle = tokio::runtime::Handle::try_current().map_err(|_| Error::Unsupported {
            drf: String::new(),
            reason: "on_event needs a tokio runtime to run the callback on".into(),
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
    pub async fn join(self) -> Subscription {
        match self.task.await {
            Ok(sub) => sub,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    /// Whether the callback task has finished.
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
    pub fn dropped(&self) -> u64 {
        self.subs.iter().map(Subscription::dropped).sum()
    }

    /// The DRFs of every subscription still running, in merge order.
    pub fn drfs(&self) -> Vec<String> {
        self.subs.iter().flat_map(Subscription::drfs).collect()
    }

    /// How many subscriptions are still running.
    pub fn len(&self) -> usize {
        self.subs.len()
    }

    /// Whether every subscription has ended.
    pub fn is_empty(&self) -> bool {
        self.subs.is_empty()
    }

    /// Stops every subscription.
    pub async fn stop(&mut self) {
        for s in &mut self.subs {
            s.stop().await;
        }
        self.subs.clear();
    }

    /// Adds another subscription to the merge.
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
