//! [`DaqClient`]: one-shot reads, streaming reads and settings over one tonic channel.

use std::sync::Arc;
use std::time::Duration;

use pacsys_drf::{Event as DrfEvent, ExtraKind};
use pacsys_types::{Reading, Status, Value};
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::{Channel, Endpoint};

use crate::Error;
use crate::convert::{self, Sample};
use crate::proto::services::daq::{self as pdaq, daq_client::DaqClient as RawClient};
use crate::subscription::{Subscription, SubscriptionOptions};

/// The default per-call deadline of one-shot reads and settings (as pacsys).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The HTTP/2 keepalive ping interval: 300 s, the server's default minimum ping interval,
/// so quiet streams are not killed with GOAWAY "too many pings".
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(300);

/// Configures a [`DaqClient`].
///
/// ```
/// use std::time::Duration;
/// use pacsys_grpc_core::DaqClient;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), pacsys_grpc_core::Error> {
/// let client = DaqClient::builder()
///     .host("127.0.0.1")
///     .port(50051)
///     .token("eyJ...")
///     .timeout(Duration::from_secs(2))
///     .build()?;
/// assert_eq!(client.addr(), "127.0.0.1:50051");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct DaqClientBuilder {
    host: String,
    port: u16,
    tls: bool,
    token: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    keepalive: Duration,
    subscription: SubscriptionOptions,
}

impl Default for DaqClientBuilder {
    fn default() -> Self {
        DaqClientBuilder {
            host: "dce08.fnal.gov".to_owned(),
            port: 50051,
            tls: false,
            token: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: Duration::from_secs(5),
            keepalive: KEEPALIVE_INTERVAL,
            subscription: SubscriptionOptions::default(),
        }
    }
}

impl DaqClientBuilder {
    /// The server host (default `dce08.fnal.gov`).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }

    /// The server port (default 50051).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// A JWT sent as `authorization: Bearer <token>` on every call (required for
    /// settings).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The default deadline of one-shot reads and settings (default 5 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long establishing the HTTP/2 connection may take (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The HTTP/2 keepalive ping interval (default [`KEEPALIVE_INTERVAL`], 300 s).
    pub fn keepalive_interval(mut self, every: Duration) -> Self {
        self.keepalive = every;
        self
    }

    /// TLS with the webpki root certificates (feature `tls`).
    #[cfg(feature = "tls")]
    pub fn tls(mut self, on: bool) -> Self {
        self.tls = on;
        self
    }

    /// Options of every subscription of this client.
    pub fn subscription_options(mut self, opts: SubscriptionOptions) -> Self {
        self.subscription = opts;
        self
    }

    /// Builds the client. The channel is lazy (as pacsys): nothing is connected until the
    /// first call, so a server that is down shows as [`Error::ConnectionLost`] then. Must
    /// be called inside a tokio runtime ([`Error::Refused`] otherwise).
    pub fn build(self) -> Result<DaqClient, Error> {
        let addr = format!("{}:{}", self.host, self.port);
        let refused = |reason: String| Error::Refused {
            addr: addr.clone(),
            reason,
        };
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(refused(
                "no tokio runtime: build the client inside one".to_owned(),
            ));
        }
        let scheme = if self.tls { "https" } else { "http" };
        let endpoint = Endpoint::from_shared(format!("{scheme}://{addr}"))
            .map_err(|e| refused(e.to_string()))?
            .connect_timeout(self.connect_timeout)
            .http2_keep_alive_interval(self.keepalive)
            .keep_alive_timeout(Duration::from_secs(10))
            .keep_alive_while_idle(false)
            .tcp_nodelay(true);
        #[cfg(feature = "tls")]
        let endpoint = if self.tls {
            endpoint
                .tls_config(
                    tonic::transport::ClientTlsConfig::new()
                        .with_webpki_roots()
                        .domain_name(self.host.clone()),
                )
                .map_err(|e| refused(e.to_string()))?
        } else {
            endpoint
        };
        let token =
            match &self.token {
                Some(t) => Some(MetadataValue::try_from(format!("Bearer {t}")).map_err(|_| {
                    Error::Auth {
                        detail: "the token holds characters not allowed in a header".into(),
                    }
                })?),
                None => None,
            };
        let channel = endpoint.connect_lazy();
        Ok(DaqClient {
            inner: Arc::new(Inner {
                raw: RawClient::new(channel),
                addr,
                token,
                timeout: self.timeout,
                subscription: self.subscription,
            }),
        })
    }
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) raw: RawClient<Channel>,
    pub(crate) addr: String,
    pub(crate) token: Option<MetadataValue<Ascii>>,
    timeout: Duration,
    subscription: SubscriptionOptions,
}

impl Inner {
    /// A request with the bearer token attached (when configured).
    pub(crate) fn request<T>(&self, message: T, timeout: Option<Duration>) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        if let Some(token) = &self.token {
            request
                .metadata_mut()
                .insert("authorization", token.clone());
        }
        if let Some(t) = timeout {
            request.set_timeout(t);
        }
        request
    }
}

/// A client of the DAQ gRPC service (`services.daq.DAQ`): cheap to clone, one HTTP/2
/// channel shared by every call and subscription.
///
/// ```no_run
/// use std::time::Duration;
/// use futures::StreamExt;
/// use pacsys_grpc_core::{DaqClient, Event, Value};
///
/// # async fn demo() -> Result<(), pacsys_grpc_core::Error> {
/// let client = DaqClient::builder().host("localhost").port(50051).token("jwt").build()?;
/// for r in client.read_many(&["M:OUTTMP", "G:AMANDA"], Duration::from_secs(5)).await {
///     println!("{r:?}");
/// }
/// let mut sub = client.subscribe(&["M:OUTTMP@p,1000"])?;
/// if let Some(Event::Reading(r)) = sub.next().await {
///     println!("{:?}", r.value);
/// }
/// let statuses = client.set_many(&[("G:AMANDA", Value::Scalar(1.0))]).await;
/// assert_eq!(statuses.len(), 1);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct DaqClient {
    inner: Arc<Inner>,
}

/// One request of a one-shot read, parsed once.
struct Slot {
    drf: Arc<str>,
    chunked: bool,
    samples: Vec<pdaq::Reading>,
    result: Option<Result<Reading, Error>>,
}

impl DaqClient {
    /// A builder with pacsys' defaults.
    pub fn builder() -> DaqClientBuilder {
        DaqClientBuilder::default()
    }

    /// `host:port` of the server.
    pub fn addr(&self) -> &str {
        &self.inner.addr
    }

    /// Reads each DRF once, with the client's default timeout as the deadline (see
    /// [`DaqClient::read_many`]).
    pub async fn read_many_default<S: AsRef<str>>(
        &self,
        drfs: &[S],
    ) -> Vec<Result<Reading, Error>> {
        self.read_many(drfs, self.inner.timeout).await
    }

    /// Reads each DRF once; one result per DRF, in order.
    ///
    /// * A DRF without an explicit event (or with `@U`) is sent with `@I`, so a bare DRF
    ///   never becomes a subscription on the server; explicit events and logger sources
    ///   are sent as written. A DRF that does not parse gets [`Error::InvalidRequest`]
    ///   and is not sent.
    /// * The first reply per request wins; a reply with several samples becomes one
    ///   [`Value::TimedArray`]; `<-LOGGER` / `<-LOGGERDURATION` chunks are gathered until
    ///   the empty terminator.
    /// * A status reply gives [`Error::Device`]; a gRPC failure gives the mapped error for
    ///   every unanswered request; a stream that ends early gives [`Error::Protocol`].
    pub async fn read_many<S: AsRef<str>>(
        &self,
        drfs: &[S],
        timeout: Duration,
    ) -> Vec<Result<Reading, Error>> {
        let mut slots: Vec<Slot> = Vec::with_capacity(drfs.len());
        let mut wire: Vec<String> = Vec::with_capacity(drfs.len());
        let mut wire_index: Vec<usize> = Vec::with_capacity(drfs.len());
        for (i, d) in drfs.iter().enumerate() {
            let d = d.as_ref();
            let mut slot = Slot {
                drf: Arc::from(d),
                chunked: false,
                samples: Vec::new(),
                result: None,
            };
            match prepare_read(d) {
                Ok((text, chunked)) => {
                    slot.chunked = chunked;
                    wire.push(text);
                    wire_index.push(i);
                }
                Err(e) => slot.result = Some(Err(e)),
            }
            slots.push(slot);
        }
        if !wire.is_empty() {
            let work = self.collect(&mut slots, &wire_index, wire, timeout);
            let outcome = match tokio::time::timeout(timeout, work).await {
                Ok(outcome) => outcome,
                Err(_) => Err(Error::Timeout {
                    context: format!("reading from {}", self.inner.addr),
                }),
            };
            let unanswered = match outcome {
                Ok(()) => Error::Protocol {
                    detail: "the read stream ended without a reply for this request".into(),
                },
                Err(e) => e,
            };
            for slot in &mut slots {
                if slot.result.is_none() {
                    slot.result = Some(if slot.chunked && !slot.samples.is_empty() {
                        finish_chunked(slot)
                    } else {
                        Err(unanswered.clone())
                    });
                }
            }
        }
        slots
            .into_iter()
            .map(|s| s.result.unwrap_or(Err(Error::Closed)))
            .collect()
    }

    /// Runs one Read call until every slot has a result or the stream ends.
    async fn collect(
        &self,
        slots: &mut [Slot],
        wire_index: &[usize],
        wire: Vec<String>,
        timeout: Duration,
    ) -> Result<(), Error> {
        let addr = &self.inner.addr;
        let mut pending = wire_index.len();
        let request = self
            .inner
            .request(pdaq::ReadingList { drf: wire }, Some(timeout));
        let mut raw = self.inner.raw.clone();
        let mut stream = raw
            .read(request)
            .await
            .map_err(|s| Error::from_grpc(addr, &s))?
            .into_inner();
        while pending > 0 {
            let reply = match stream.message().await {
                Ok(Some(reply)) => reply,
                Ok(None) => return Ok(()),
                Err(s) => return Err(Error::from_grpc(addr, &s)),
            };
            let Some(&at) = usize::try_from(reply.index)
                .ok()
                .and_then(|i| wire_index.get(i))
            else {
                continue;
            };
            let Some(slot) = slots.get_mut(at) else {
                continue;
            };
            if slot.result.is_some() {
                continue;
            }
            match reply.value {
                Some(pdaq::reading_reply::Value::Status(s)) => {
                    let status = convert::terminal_status(&s);
                    slot.result = Some(
                        if slot.chunked && !slot.samples.is_empty() && !status.is_error() {
                            finish_chunked(slot)
                        } else {
                            Err(Error::Device {
                                drf: slot.drf.to_string(),
                                status,
                            })
                        },
                    );
                }
                Some(pdaq::reading_reply::Value::Readings(r)) => {
                    if slot.chunked {
                        if r.reading.is_empty() {
                            slot.result = Some(finish_chunked(slot));
                        } else {
                            slot.samples.extend(r.reading);
                            continue;
                        }
                    } else {
                        slot.result = Some(one_shot(&slot.drf, r.reading));
                    }
                }
                None => {
                    slot.result = Some(Err(Error::Protocol {
                        detail: "a reply with neither readings nor a status".into(),
                    }));
                }
            }
            pending -= 1;
        }
        Ok(())
    }

    /// Reads one DRF (see [`DaqClient::read_many`]).
    pub async fn read(&self, drf: &str, timeout: Duration) -> Result<Reading, Error> {
        self.read_many(&[drf], timeout)
            .await
            .pop()
            .unwrap_or(Err(Error::Closed))
    }

    /// Subscribes to `drfs` (sent exactly as written: give them a repeating event such as
    /// `@p,1000`) with the client's default [`SubscriptionOptions`]. Every DRF is checked
    /// first (an invalid one fails the call). Must be called inside a tokio runtime
    /// ([`Error::Refused`] otherwise).
    pub fn subscribe<S: AsRef<str>>(&self, drfs: &[S]) -> Result<Subscription, Error> {
        self.subscribe_with(drfs, self.inner.subscription.clone())
    }

    /// [`DaqClient::subscribe`] with explicit options.
    pub fn subscribe_with<S: AsRef<str>>(
        &self,
        drfs: &[S],
        opts: SubscriptionOptions,
    ) -> Result<Subscription, Error> {
        let drfs = drfs
            .iter()
            .map(|d| {
                let d = d.as_ref();
                pacsys_drf::Request::parse(d)
                    .map(|_| Arc::from(d))
                    .map_err(|source| Error::InvalidRequest {
                        drf: d.to_owned(),
                        source,
                    })
            })
            .collect::<Result<Vec<Arc<str>>, Error>>()?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::Refused {
                addr: self.inner.addr.clone(),
                reason: "no tokio runtime: subscribe inside one".to_owned(),
            });
        }
        Ok(Subscription::start(Arc::clone(&self.inner), drfs, opts))
    }

    /// Writes one setting (see [`DaqClient::set_many`]).
    pub async fn set(&self, drf: &str, value: Value) -> Result<Status, Error> {
        self.set_many(&[(drf, value)])
            .await
            .pop()
            .unwrap_or(Err(Error::Closed))
    }

    /// Writes settings in one `Set` call; one result per setting, in order.
    ///
    /// * Each DRF is rewritten for writing (READING→SETTING, STATUS→CONTROL, event `@N`).
    /// * Scalars, arrays (an empty one too), raw bytes, texts and text arrays are sent;
    ///   alarm blocks, basic status and timed arrays are refused with
    ///   [`Error::Unsupported`], and a DRF that does not parse gets
    ///   [`Error::InvalidRequest`]; those slots are not sent, the others are.
    /// * Without a token nothing is sent and every slot gets [`Error::Auth`].
    /// * `Ok(status)` is a success or a warning; a negative status is [`Error::Device`];
    ///   a missing status [`Error::Protocol`]; a gRPC failure the mapped error.
    pub async fn set_many<S: AsRef<str>>(
        &self,
        settings: &[(S, Value)],
    ) -> Vec<Result<Status, Error>> {
        self.set_many_with_timeout(settings, self.inner.timeout)
            .await
    }

    /// [`DaqClient::set_many`] with an explicit deadline.
    pub async fn set_many_with_timeout<S: AsRef<str>>(
        &self,
        settings: &[(S, Value)],
        timeout: Duration,
    ) -> Vec<Result<Status, Error>> {
        if self.inner.token.is_none() {
            let e = Error::Auth {
                detail: "settings need a JWT and none is configured".into(),
            };
            return settings.iter().map(|_| Err(e.clone())).collect();
        }
        let mut results: Vec<Option<Result<Status, Error>>> = Vec::with_capacity(settings.len());
        let mut sent: Vec<usize> = Vec::new();
        let mut list = pdaq::SettingList::default();
        for (i, (drf, value)) in settings.iter().enumerate() {
            let drf = drf.as_ref();
            match prepare_setting(drf, value) {
                Ok(setting) => {
                    list.setting.push(setting);
                    sent.push(i);
                    results.push(None);
                }
                Err(e) => results.push(Some(Err(e))),
            }
        }
        if !sent.is_empty() {
            let request = self.inner.request(list, Some(timeout));
            let mut raw = self.inner.raw.clone();
            let call = tokio::time::timeout(timeout + Duration::from_millis(200), raw.set(request));
            match call.await {
                Ok(Ok(reply)) => {
                    let statuses = reply.into_inner().status;
                    for (k, &i) in sent.iter().enumerate() {
                        let drf = settings[i].0.as_ref();
                        results[i] = Some(match statuses.get(k) {
                            Some(s) => {
                                let status = convert::status_from_proto(s);
                                if status.is_error() {
                                    Err(Error::Device {
                                        drf: drf.to_owned(),
                                        status,
                                    })
                                } else {
                                    Ok(status)
                                }
                            }
                            None => Err(Error::Protocol {
                                detail: "No status received from server".into(),
                            }),
                        });
                    }
                }
                Ok(Err(s)) => {
                    let e = Error::from_grpc(&self.inner.addr, &s);
                    for &i in &sent {
                        results[i] = Some(Err(e.clone()));
                    }
                }
                Err(_) => {
                    for &i in &sent {
                        results[i] = Some(Err(Error::Timeout {
                            context: format!("writing to {}", self.inner.addr),
                        }));
                    }
                }
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or(Err(Error::Closed)))
            .collect()
    }
}

/// The text sent for a one-shot read and whether its data comes in chunks.
fn prepare_read(drf: &str) -> Result<(String, bool), Error> {
    let request = pacsys_drf::Request::parse(drf).map_err(|source| Error::InvalidRequest {
        drf: drf.to_owned(),
        source,
    })?;
    let kind = request.extra().map(|e| e.kind());
    let historical = matches!(
        kind,
        Some(ExtraKind::Logger | ExtraKind::LoggerDuration | ExtraKind::LoggerSingle)
    );
    let chunked = matches!(kind, Some(ExtraKind::Logger | ExtraKind::LoggerDuration));
    if !historical && matches!(request.event(), DrfEvent::Default) {
        let forced = request
            .with_event("I")
            .map_err(|source| Error::InvalidRequest {
                drf: drf.to_owned(),
                source,
            })?;
        return Ok((forced.to_string(), false));
    }
    Ok((drf.to_owned(), chunked))
}

/// The wire setting for one write, or why it is not sent.
fn prepare_setting(drf: &str, value: &Value) -> Result<pdaq::Setting, Error> {
    let request = pacsys_drf::Request::parse(drf).map_err(|source| Error::InvalidRequest {
        drf: drf.to_owned(),
        source,
    })?;
    let reason = match value {
        Value::AnalogAlarm(_) | Value::DigitalAlarm(_) => {
            Some("alarm writes are not supported via gRPC; write single alarm fields instead")
        }
        Value::BasicStatus(_) => Some("basic status cannot be written; send a control command"),
        Value::TimedArray(_) => Some("timed arrays cannot be written"),
        _ => None,
    };
    if let Some(reason) = reason {
        return Err(Error::Unsupported {
            drf: drf.to_owned(),
            reason,
        });
    }
    let value = convert::value_to_proto(value).map_err(|e| Error::Unsupported {
        drf: drf.to_owned(),
        reason: e.0,
    })?;
    Ok(pdaq::Setting {
        device: request.for_write().to_string(),
        value: Some(value),
    })
}

/// The result of a one-shot (non-chunked) reply's samples.
fn one_shot(drf: &Arc<str>, samples: Vec<pdaq::Reading>) -> Result<Reading, Error> {
    let device = |status: Status| Error::Device {
        drf: drf.to_string(),
        status,
    };
    if samples.len() > 1 {
        return convert::aggregate(drf, &samples).ok_or_else(|| device(convert::GENERIC_ERROR));
    }
    let Some(sample) = samples.into_iter().next() else {
        return Err(device(convert::GENERIC_ERROR));
    };
    match convert::decode_sample(drf, sample) {
        Sample::Reading(r) => Ok(r),
        Sample::Error(status, _) => Err(device(status)),
    }
}

fn finish_chunked(slot: &mut Slot) -> Result<Reading, Error> {
    let samples = std::mem::take(&mut slot.samples);
    if samples.is_empty() {
        // Only the terminator came: the window holds no logged samples.
        return Ok(Reading::new(Arc::clone(&slot.drf), Status::OK)
            .with_value(pacsys_types::Value::TimedArray(Default::default())));
    }
    convert::aggregate(&slot.drf, &samples).ok_or_else(|| Error::Device {
        drf: slot.drf.to_string(),
        status: convert::GENERIC_ERROR,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_drfs_get_the_immediate_event() {
        assert_eq!(
            prepare_read("M:OUTTMP").map(|p| p.0),
            Ok("M:OUTTMP.READING@I".to_owned())
        );
        assert_eq!(
            prepare_read("M:OUTTMP@U").map(|p| p.0),
            Ok("M:OUTTMP.READING@I".to_owned())
        );
        assert_eq!(
            prepare_read("m:outtmp@p,1000").map(|p| p.0),
            Ok("m:outtmp@p,1000".to_owned())
        );
        assert!(matches!(
            prepare_read("M:OUTTMP<-LOGGER:1000:2000"),
            Ok((_, true))
        ));
        assert!(matches!(
            prepare_read("M:OUTTMP["),
            Err(Error::InvalidRequest { .. })
        ));
    }

    #[test]
    fn settings_are_rewritten_and_alarms_refused() {
        let s = prepare_setting("M:OUTTMP", &Value::Scalar(1.0)).expect("ok");
        assert_eq!(s.device, "M:OUTTMP.SETTING@N");
        let e = prepare_setting("Z:ACLTST", &Value::Array(vec![])).expect("ok");
        assert!(e.value.is_some_and(|v| v.value.is_some()));
        assert!(matches!(
            prepare_setting("M:OUTTMP.ANALOG", &Value::BasicStatus(Default::default())),
            Err(Error::Unsupported { .. })
        ));
    }
}
