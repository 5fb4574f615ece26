//! [`DaqClient`]: one-shot reads, streaming reads and settings over one tonic channel.

use std::sync::Arc;
use std::time::Duration;

use pacsys_types::plan::{Answer, ReadPlan, WritePlan, WriteValue};
use pacsys_types::{Reading, Status, SubscriptionOptions, Value};
use tonic::metadata::MetadataValue;
use tonic::transport::Endpoint;

use crate::channel::{Inner, local};
use crate::convert::{self, Sample};
use crate::proto::services::daq::{self as pdaq, daq_client::DaqClient as RawClient};
use crate::subscription::Subscription;
use crate::{Error, Transport};

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

    /// Options of every subscription of this client. The watchdog is ignored (gRPC has no
    /// heartbeat); an unset backoff is [`DEFAULT_BACKOFF`](crate::DEFAULT_BACKOFF) (1 s to 30 s).
    pub fn subscription_options(mut self, opts: SubscriptionOptions) -> Self {
        self.subscription = opts;
        self
    }

    /// Builds the client. The channel is lazy (as pacsys): nothing is connected until the
    /// first call, so a server that is down shows as an
    /// [`ErrorKind::ConnectionLost`](crate::ErrorKind::ConnectionLost) error then. Must be
    /// called inside a tokio runtime ([`ErrorKind::Refused`](crate::ErrorKind::Refused)
    /// otherwise, as for an invalid address or TLS configuration); a token that cannot be
    /// sent in a header is an [`ErrorKind::Auth`](crate::ErrorKind::Auth) error.
    pub fn build(self) -> Result<DaqClient, Error> {
        let addr = format!("{}:{}", self.host, self.port);
        let refused =
            |reason: String| Error::refused(addr.as_str(), reason).with_transport(Transport::Grpc);
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(refused(
                "no tokio runtime: build the client inside one".to_owned(),
            ));
        }
        let scheme = if self.tls { "https" } else { "http" };
        let endpoint = Endpoint::from_shared(format!("{scheme}://{addr}"))
            .map_err(|e| refused(e.to_string()).with_source(e))?
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
                .map_err(|e| refused(e.to_string()).with_source(e))?
        } else {
            endpoint
        };
        let token = match &self.token {
            Some(t) => Some(MetadataValue::try_from(format!("Bearer {t}")).map_err(|_| {
                local(Error::auth(
                    "the token holds characters not allowed in a header; check the JWT",
                ))
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

/// A client of the DAQ gRPC service (`services.daq.DAQ`): cheap to clone, one HTTP/2
/// channel shared by every call and subscription.
///
/// Errors are [`pacsys_types::Error`]s: match on [`Error::kind`]. Every one carries
/// [`Transport::Grpc`]; those that involved the server also carry its address
/// ([`Error::server`]), and those about one request its DRF as the caller wrote it.
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

/// One request of a one-shot read.
struct Slot {
    drf: Arc<str>,
    /// Chunked history (`<-LOGGER`, `<-LOGGERDURATION`): gathered until the terminator.
    history: bool,
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

    /// The default deadline of one-shot reads and settings.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
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
    /// * Each DRF is planned by [`ReadPlan`]: one without an explicit event (or with `@U`)
    ///   is sent with `@I`, so a bare DRF never becomes a subscription on the server;
    ///   explicit events and logger sources are sent as written. A DRF that does not parse
    ///   is an [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) error, a
    ///   one-shot read with the never event `@N` (which no server answers)
    ///   [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported); neither is sent, the
    ///   others still go in one call.
    /// * The first reply per request wins; a reply with several samples becomes one
    ///   [`Value::TimedArray`]; `<-LOGGER` / `<-LOGGERDURATION` chunks are gathered until
    ///   the empty terminator.
    /// * A status reply is an [`ErrorKind::Device`](crate::ErrorKind::Device) error; a gRPC
    ///   failure the mapped error ([`crate::error::from_status`]) for every unanswered
    ///   request; no answer within `timeout` an
    ///   [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) error whose
    ///   [`elapsed`](Error::elapsed) is `timeout`; a stream that ends early an
    ///   [`ErrorKind::Protocol`](crate::ErrorKind::Protocol) error.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use pacsys_grpc_core::{DaqClient, ErrorKind};
    ///
    /// # async fn demo(client: DaqClient) {
    /// let r = client.read_many(&["M:OUTTMP", "M:OUTTMP@N"], Duration::from_secs(5)).await;
    /// assert_eq!(r[1].as_ref().map_err(|e| e.kind()).err(), Some(ErrorKind::Unsupported));
    /// # }
    /// ```
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
            match ReadPlan::new(d) {
                Ok(plan) => {
                    wire.push(plan.wire().to_owned());
                    wire_index.push(i);
                    slots.push(Slot {
                        drf: Arc::clone(plan.drf_arc()),
                        history: plan.answer() == Answer::History,
                        samples: Vec::new(),
                        result: None,
                    });
                }
                Err(e) => slots.push(Slot {
                    drf: Arc::from(d),
                    history: false,
                    samples: Vec::new(),
                    result: Some(Err(local(e))),
                }),
            }
        }
        if !wire.is_empty() {
            let work = self.collect(&mut slots, &wire_index, wire, timeout);
            let outcome = match tokio::time::timeout(timeout, work).await {
                Ok(outcome) => outcome,
                Err(_) => Err(self.inner.remote(
                    Error::timeout(format!("reading from {}", self.inner.addr))
                        .with_elapsed(timeout),
                )),
            };
            let unanswered = match outcome {
                Ok(()) => self.inner.remote(Error::protocol(
                    "the read stream ended without a reply for this request",
                )),
                Err(e) => e,
            };
            for slot in &mut slots {
                if slot.result.is_none() {
                    slot.result = Some(if slot.history && !slot.samples.is_empty() {
                        self.finish_history(slot)
                    } else {
                        Err(unanswered.clone().with_drf(&*slot.drf))
                    });
                }
            }
        }
        slots
            .into_iter()
            .map(|s| {
                s.result
                    .unwrap_or_else(|| Err(local(Error::closed()).with_drf(&*s.drf)))
            })
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
        let mut pending = wire_index.len();
        let request = self
            .inner
            .request(pdaq::ReadingList { drf: wire }, Some(timeout));
        let mut raw = self.inner.raw.clone();
        let mut stream = raw
            .read(request)
            .await
            .map_err(|s| self.inner.call_failed(&s, Some(timeout)))?
            .into_inner();
        while pending > 0 {
            let reply = match stream.message().await {
                Ok(Some(reply)) => reply,
                Ok(None) => return Ok(()),
                Err(s) => return Err(self.inner.call_failed(&s, Some(timeout))),
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
                        if slot.history && !slot.samples.is_empty() && !status.is_error() {
                            self.finish_history(slot)
                        } else {
                            Err(self.device(&slot.drf, status))
                        },
                    );
                }
                Some(pdaq::reading_reply::Value::Readings(r)) => {
                    if slot.history {
                        if r.reading.is_empty() {
                            slot.result = Some(self.finish_history(slot));
                        } else {
                            slot.samples.extend(r.reading);
                            continue;
                        }
                    } else {
                        slot.result = Some(self.one_shot(&slot.drf, r.reading));
                    }
                }
                None => {
                    slot.result = Some(Err(self.inner.remote(
                        Error::protocol("a reply with neither readings nor a status")
                            .with_drf(&*slot.drf),
                    )));
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
            .unwrap_or_else(|| Err(local(Error::closed())))
    }

    /// Subscribes to `drfs` (sent exactly as written: give them a repeating event such as
    /// `@p,1000`) with the client's default [`SubscriptionOptions`]. Every DRF is checked
    /// first (one that does not parse fails the call with
    /// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest)). Must be called
    /// inside a tokio runtime ([`ErrorKind::Refused`](crate::ErrorKind::Refused)
    /// otherwise).
    pub fn subscribe<S: AsRef<str>>(&self, drfs: &[S]) -> Result<Subscription, Error> {
        self.subscribe_with(drfs, self.inner.subscription.clone())
    }

    /// [`DaqClient::subscribe`] with explicit options (the watchdog is ignored; an unset
    /// backoff is [`DEFAULT_BACKOFF`](crate::DEFAULT_BACKOFF)).
    pub fn subscribe_with<S: AsRef<str>>(
        &self,
        drfs: &[S],
        opts: SubscriptionOptions,
    ) -> Result<Subscription, Error> {
        let drfs = drfs
            .iter()
            .map(|d| {
                ReadPlan::for_stream(d.as_ref())
                    .map(|plan| Arc::clone(plan.drf_arc()))
                    .map_err(local)
            })
            .collect::<Result<Vec<Arc<str>>, Error>>()?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(self.inner.remote(Error::refused(
                self.inner.addr.as_str(),
                "no tokio runtime: subscribe inside one",
            )));
        }
        Ok(Subscription::start(Arc::clone(&self.inner), drfs, opts))
    }

    /// Writes one setting (see [`DaqClient::set_many`]).
    pub async fn set(&self, drf: &str, value: impl Into<WriteValue>) -> Result<Status, Error> {
        let value: WriteValue = value.into();
        self.set_many(&[(drf, value)])
            .await
            .pop()
            .unwrap_or_else(|| Err(local(Error::closed())))
    }

    /// Writes settings in one `Set` call; one result per setting, in order.
    ///
    /// A setting is a [`Value`] or a basic-control command ([`pacsys_types::Control`],
    /// sent as its ordinal to the device's CONTROL property).
    ///
    /// * Each setting is checked and rewritten by [`WritePlan`] (READING→SETTING,
    ///   STATUS→CONTROL, event `@N`), the one writability table every backend uses: a DRF
    ///   that does not parse is [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest);
    ///   a historical source, a device-database property (DESCRIPTION, ...) or a read-only
    ///   alarm field [`ErrorKind::ReadOnly`](crate::ErrorKind::ReadOnly); a whole alarm block
    ///   (a `.ANALOG`/`.DIGITAL` DRF or an alarm value), a basic-status value or a timed
    ///   array [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported). Those slots are
    ///   not sent, the others are.
    /// * Without a token nothing is sent and every slot is an
    ///   [`ErrorKind::Auth`](crate::ErrorKind::Auth) error.
    /// * `Ok(status)` is a success or a warning; a negative status is an
    ///   [`ErrorKind::SettingRejected`](crate::ErrorKind::SettingRejected) error (as over
    ///   DPM); a setting the server returned no status for
    ///   [`ErrorKind::OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown), and so is a Set
    ///   whose deadline passed (it may have been applied; check before writing again); any
    ///   other gRPC failure the mapped error ([`crate::error::from_status`]).
    ///
    /// ```no_run
    /// use pacsys_grpc_core::{Control, DaqClient, ErrorKind, Value, WriteValue};
    ///
    /// # async fn demo(client: DaqClient) {
    /// let r = client
    ///     .set_many(&[
    ///         ("G:AMANDA", WriteValue::from(Value::Scalar(1.0))),
    ///         ("Z:ACLTST", Control::Reset.into()),
    ///         ("G:AMANDA.DESCRIPTION", Value::Text("x".into()).into()),
    ///     ])
    ///     .await;
    /// assert_eq!(r[2].as_ref().map_err(|e| e.kind()).err(), Some(ErrorKind::ReadOnly));
    /// # }
    /// ```
    pub async fn set_many<S: AsRef<str>, V: Clone + Into<WriteValue>>(
        &self,
        settings: &[(S, V)],
    ) -> Vec<Result<Status, Error>> {
        self.set_many_with_timeout(settings, self.inner.timeout)
            .await
    }

    /// [`DaqClient::set_many`] with an explicit deadline.
    pub async fn set_many_with_timeout<S: AsRef<str>, V: Clone + Into<WriteValue>>(
        &self,
        settings: &[(S, V)],
        timeout: Duration,
    ) -> Vec<Result<Status, Error>> {
        if self.inner.token.is_none() {
            let e = local(Error::auth(
                "settings need a JWT and none is configured; supply one with `.token(..)`",
            ));
            return settings
                .iter()
                .map(|(drf, _)| Err(e.clone().with_drf(drf.as_ref())))
                .collect();
        }
        let mut results: Vec<Option<Result<Status, Error>>> = Vec::with_capacity(settings.len());
        let mut sent: Vec<usize> = Vec::new();
        let mut list = pdaq::SettingList::default();
        for (i, (drf, value)) in settings.iter().enumerate() {
            match prepare_setting(drf.as_ref(), value.clone().into()) {
                Ok(setting) => {
                    list.setting.push(setting);
                    sent.push(i);
                    results.push(None);
                }
                Err(e) => results.push(Some(Err(local(e)))),
            }
        }
        if !sent.is_empty() {
            let request = self.inner.request(list, Some(timeout));
            let mut raw = self.inner.raw.clone();
            let call = tokio::time::timeout(timeout + Duration::from_millis(200), raw.set(request));
            let drf = |i: usize| settings.get(i).map_or("", |(d, _)| d.as_ref());
            match call.await {
                Ok(Ok(reply)) => {
                    let statuses = reply.into_inner().status;
                    for (k, &i) in sent.iter().enumerate() {
                        let drf = drf(i);
                        results[i] = Some(match statuses.get(k) {
                            Some(s) => {
                                let status = convert::status_from_proto(s);
                                if status.is_error() {
                                    Err(self
                                        .inner
                                        .remote(Error::setting_rejected(drf, status, None)))
                                } else {
                                    Ok(status)
                                }
                            }
                            None => Err(self.inner.remote(Error::outcome_unknown(
                                drf,
                                "no status received from server",
                            ))),
                        });
                    }
                }
                Ok(Err(s)) => {
                    let mut e = self.inner.call_failed(&s, Some(timeout));
                    // tonic reports its own deadline as CANCELLED "Timeout expired"; the
                    // server's as DEADLINE_EXCEEDED (mapped to Timeout). The loopback test
                    // `a_set_past_its_deadline_has_an_unknown_outcome` guards the wording.
                    let deadline = e.kind() == crate::ErrorKind::Timeout
                        || (s.code() == tonic::Code::Cancelled
                            && s.message().contains("Timeout expired"));
                    if deadline {
                        // The Set may have reached the server and been applied: as over
                        // DPM after ApplySettings, the outcome is unknown (check before
                        // writing again), not a retryable timeout.
                        e = e
                            .with_kind(crate::ErrorKind::OutcomeUnknown)
                            .or_elapsed(timeout);
                    }
                    for &i in &sent {
                        results[i] = Some(Err(e.clone().with_drf(drf(i))));
                    }
                }
                Err(_) => {
                    let e = self.inner.remote(
                        Error::outcome_unknown(
                            "",
                            format!("no answer from {} within the timeout", self.inner.addr),
                        )
                        .with_elapsed(timeout),
                    );
                    for &i in &sent {
                        results[i] = Some(Err(e.clone().with_drf(drf(i))));
                    }
                }
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(local(Error::closed()))))
            .collect()
    }

    /// A device's error `status` for `drf`.
    fn device(&self, drf: &str, status: Status) -> Error {
        self.inner.remote(Error::device(drf, status))
    }

    /// The result of a one-shot (not chunked) reply's samples.
    fn one_shot(&self, drf: &Arc<str>, samples: Vec<pdaq::Reading>) -> Result<Reading, Error> {
        if samples.len() > 1 {
            return convert::aggregate(drf, &samples)
                .ok_or_else(|| self.device(drf, convert::GENERIC_ERROR));
        }
        let Some(sample) = samples.into_iter().next() else {
            return Err(self.device(drf, convert::GENERIC_ERROR));
        };
        match convert::decode_sample(drf, sample) {
            Sample::Reading(r) => Ok(r),
            Sample::Error(status, _) => Err(self.device(drf, status)),
        }
    }

    /// The result of a chunked history read: its gathered samples as one timed array.
    fn finish_history(&self, slot: &mut Slot) -> Result<Reading, Error> {
        let samples = std::mem::take(&mut slot.samples);
        if samples.is_empty() {
            // Only the terminator came: the window holds no logged samples.
            return Ok(Reading::new(Arc::clone(&slot.drf), Status::OK)
                .with_value(Value::TimedArray(Default::default())));
        }
        convert::aggregate(&slot.drf, &samples)
            .ok_or_else(|| self.device(&slot.drf, convert::GENERIC_ERROR))
    }
}

/// The wire setting for one write ([`WritePlan`]), or why it is not sent.
fn prepare_setting(drf: &str, value: WriteValue) -> Result<pdaq::Setting, Error> {
    let plan = WritePlan::new(drf, value)?;
    let value = match plan.value() {
        WriteValue::Value(v) => convert::value_to_proto(v),
        WriteValue::Control(c) => convert::value_to_proto(&Value::Scalar(f64::from(c.ordinal()))),
    }
    .map_err(|e| Error::unsupported(drf, e.0))?;
    Ok(pdaq::Setting {
        device: plan.wire().to_owned(),
        value: Some(value),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use pacsys_types::{AnalogAlarm, Control};

    #[test]
    fn settings_are_rewritten_by_the_plan() {
        let s = prepare_setting("M:OUTTMP", Value::Scalar(1.0).into()).expect("ok");
        assert_eq!(s.device, "M:OUTTMP.SETTING@N");
        let e = prepare_setting("Z:ACLTST", Value::Array(vec![]).into()).expect("ok");
        assert!(e.value.is_some_and(|v| v.value.is_some()));
        let c = prepare_setting("Z:ACLTST.STATUS", Control::Off.into()).expect("ok");
        assert_eq!(c.device, "Z:ACLTST.CONTROL@N");
        assert_eq!(
            c.value,
            convert::value_to_proto(&Value::Scalar(2.0)).ok(),
            "a command is its ordinal"
        );
        let s = prepare_setting("M:OUTTMP.ANALOG.MAX", Value::Scalar(9.0).into()).expect("ok");
        assert_eq!(s.device, "M:OUTTMP.ANALOG.MAX@N");
    }

    #[test]
    fn the_writability_table_refuses_before_sending() {
        let kind = |drf: &str, v: Value| prepare_setting(drf, v.into()).map_err(|e| e.kind());
        let alarm = Value::AnalogAlarm(AnalogAlarm {
            minimum: 0.0,
            maximum: 1.0,
            alarm_enable: true,
            alarm_status: false,
            abort: false,
            abort_inhibit: false,
            tries_needed: 1,
            tries_now: 0,
        });
        assert_eq!(
            kind("M:OUTTMP.DESCRIPTION", Value::Text("x".into())).err(),
            Some(ErrorKind::ReadOnly)
        );
        assert_eq!(
            kind("M:OUTTMP<-LOGGER:1:2", Value::Scalar(1.0)).err(),
            Some(ErrorKind::ReadOnly)
        );
        assert_eq!(
            kind("M:OUTTMP.ANALOG", Value::Scalar(1.0)).err(),
            Some(ErrorKind::InvalidRequest)
        );
        assert_eq!(kind("M:OUTTMP", alarm).err(), Some(ErrorKind::Unsupported));
        assert_eq!(
            kind("M:OUTTMP", Value::BasicStatus(Default::default())).err(),
            Some(ErrorKind::Unsupported)
        );
        assert_eq!(
            kind("M:OUTTMP", Value::TimedArray(Default::default())).err(),
            Some(ErrorKind::Unsupported)
        );
        let e = prepare_setting("M:OUTTMP[", Value::Scalar(1.0).into()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        assert_eq!(e.drf(), Some("M:OUTTMP["));
    }

    /// A client of a port nothing listens on: any call fails with `ConnectionLost`, so a
    /// slot with another kind was decided without a call.
    fn dead_client(token: bool) -> DaqClient {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let b = DaqClient::builder()
            .host("127.0.0.1")
            .port(port)
            .timeout(Duration::from_secs(5));
        if token { b.token("jwt") } else { b }
            .build()
            .expect("client")
    }

    fn kinds<T>(results: &[Result<T, Error>]) -> Vec<(Option<ErrorKind>, Option<&str>)> {
        results
            .iter()
            .map(|r| match r {
                Ok(_) => (None, None),
                Err(e) => (Some(e.kind()), e.drf()),
            })
            .collect()
    }

    #[tokio::test]
    async fn a_never_event_slot_is_refused_among_good_slots() {
        let c = dead_client(false);
        let only = c.read_many(&["M:OUTTMP@N"], Duration::from_secs(5)).await;
        assert_eq!(
            kinds(&only),
            vec![(Some(ErrorKind::Unsupported), Some("M:OUTTMP@N"))],
            "refused without a call"
        );
        let r = c
            .read_many(
                &["M:OUTTMP", "G:AMANDA@N", "M:OUTTMP[", "Z:ACLTST@p,1000"],
                Duration::from_secs(5),
            )
            .await;
        assert_eq!(
            kinds(&r),
            vec![
                (Some(ErrorKind::ConnectionLost), Some("M:OUTTMP")),
                (Some(ErrorKind::Unsupported), Some("G:AMANDA@N")),
                (Some(ErrorKind::InvalidRequest), Some("M:OUTTMP[")),
                (Some(ErrorKind::ConnectionLost), Some("Z:ACLTST@p,1000")),
            ],
            "the good slots were sent (and failed on the dead port), the others not"
        );
        for e in r.iter().filter_map(|r| r.as_ref().err()) {
            assert_eq!(e.transport(), Some(Transport::Grpc));
            let sent = e.kind() == ErrorKind::ConnectionLost;
            assert_eq!(e.server().is_some(), sent, "{e:?}");
        }
    }

    #[tokio::test]
    async fn a_description_write_is_refused_read_only_without_any_rpc() {
        let c = dead_client(true);
        let r = c.set("M:OUTTMP.DESCRIPTION", Value::Text("x".into())).await;
        let e = r.expect_err("refused");
        assert_eq!(e.kind(), ErrorKind::ReadOnly, "no call was made: {e:?}");
        assert_eq!(e.drf(), Some("M:OUTTMP.DESCRIPTION"));
        assert_eq!(e.transport(), Some(Transport::Grpc));
        let r = c
            .set_many(&[
                (
                    "G:AMANDA.DESCRIPTION",
                    WriteValue::from(Value::Text("x".into())),
                ),
                ("G:AMANDA", 1.0.into()),
                ("M:OUTTMP.ANALOG", 1.0.into()),
            ])
            .await;
        assert_eq!(
            kinds(&r),
            vec![
                (Some(ErrorKind::ReadOnly), Some("G:AMANDA.DESCRIPTION")),
                (Some(ErrorKind::ConnectionLost), Some("G:AMANDA")),
                (Some(ErrorKind::InvalidRequest), Some("M:OUTTMP.ANALOG")),
            ]
        );
    }

    #[tokio::test]
    async fn without_a_token_every_setting_is_an_auth_error() {
        let c = dead_client(false);
        let r = c
            .set_many(&[("G:AMANDA", 1.0), ("M:OUTTMP.DESCRIPTION", 2.0)])
            .await;
        assert_eq!(
            kinds(&r),
            vec![
                (Some(ErrorKind::Auth), Some("G:AMANDA")),
                (Some(ErrorKind::Auth), Some("M:OUTTMP.DESCRIPTION")),
            ]
        );
    }

    /// The plan's `@I` forcing gives the same text the client sent before it used
    /// `ReadPlan` (`Request::with_event("I")`).
    #[test]
    fn the_read_plan_sends_what_the_client_sent_before() {
        for drf in [
            "M:OUTTMP",
            "M:OUTTMP@U",
            "m:outtmp",
            "M_OUTTMP",
            "M|OUTTMP",
            "Z:ACLTST[0:4]",
            "M:OUTTMP.SETTING.RAW",
            "M:OUTTMP.STATUS.ON",
            "M:OUTTMP.ANALOG.MAX",
            "M:OUTTMP.DESCRIPTION",
            "ioc:temp.VAL",
        ] {
            let before = pacsys_drf::Request::parse(drf)
                .and_then(|r| r.with_event("I"))
                .map(|r| r.to_string())
                .expect("parses");
            let plan = ReadPlan::new(drf).expect("plans");
            assert_eq!(plan.wire(), before, "{drf}");
            assert_eq!(plan.answer(), Answer::Single, "{drf}");
        }
        for drf in [
            "m:outtmp@p,1000",
            "G:AMANDA@I",
            "M:OUTTMP<-LOGGER:1000:2000",
            "M:OUTTMP<-LOGGERSINGLE:1000",
        ] {
            assert_eq!(ReadPlan::new(drf).expect("plans").wire(), drf);
        }
        assert_eq!(
            ReadPlan::new("M:OUTTMP<-LOGGERDURATION:3600")
                .expect("plans")
                .answer(),
            Answer::History
        );
        assert_eq!(
            ReadPlan::new("M:OUTTMP@N").map_err(|e| e.kind()).err(),
            Some(ErrorKind::Unsupported)
        );
    }
}
