//! [`FakeDaqServer`]: a tonic server of `services.daq.DAQ` on 127.0.0.1 over a
//! [`SimWorld`], with optional bearer-token checking, fault injection and counters.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use pacsys_grpc_core::convert::status_to_proto;
use pacsys_grpc_core::proto::common::device as pdev;
use pacsys_grpc_core::proto::services::daq::{
    self as pdaq,
    daq_server::{Daq, DaqServer},
};
use pacsys_types::Status;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response};

use super::codes;
use super::faults::DaqFaults;
use super::read::ReadStream;
use super::stats::{Counters, DaqStats};
use crate::answer::{self, Target};
use crate::world::SimWorld;

/// Chooses the faults of each call by its index (0 for the first `Read` or `Set`).
type DaqFaultPlan = Arc<dyn Fn(u64) -> DaqFaults + Send + Sync>;

/// Configures and starts a [`FakeDaqServer`].
#[derive(Clone)]
pub struct FakeDaqServerBuilder {
    world: Option<SimWorld>,
    port: u16,
    token: Option<String>,
    token_for_reads: bool,
    faults: DaqFaultPlan,
    flood: bool,
}

impl std::fmt::Debug for FakeDaqServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeDaqServerBuilder")
            .field("port", &self.port)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .finish_non_exhaustive()
    }
}

impl Default for FakeDaqServerBuilder {
    fn default() -> Self {
        FakeDaqServerBuilder {
            world: None,
            port: 0,
            token: None,
            token_for_reads: false,
            faults: Arc::new(|_| DaqFaults::default()),
            flood: false,
        }
    }
}

impl FakeDaqServerBuilder {
    /// The device world to serve (default: [`SimWorld::default_table`]); pass the fake
    /// DPM server's world to serve one table over both protocols.
    pub fn world(mut self, world: SimWorld) -> Self {
        self.world = Some(world);
        self
    }

    /// The port on 127.0.0.1 (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Require `authorization: Bearer <token>` on `Set` (as pacsys' `SupervisedServer`
    /// with `token=`): other calls fail with `UNAUTHENTICATED` "Invalid or missing bearer
    /// token". Without it any or no metadata is accepted.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Benchmark mode: periodic and clock reads ignore their period and send the next
    /// reading as soon as the client takes the last (HTTP/2 flow control paces the server),
    /// to measure a client's ceiling rather than the fake's offered rate. Off by default.
    pub fn flood(mut self, on: bool) -> Self {
        self.flood = on;
        self
    }

    /// Also require the token on `Read` (default off, as pacsys).
    pub fn token_for_reads(mut self, on: bool) -> Self {
        self.token_for_reads = on;
        self
    }

    /// The same faults on every call.
    pub fn faults(mut self, faults: DaqFaults) -> Self {
        self.faults = Arc::new(move |_| faults.clone());
        self
    }

    /// Faults chosen per call by its index (0 for the first call of either kind).
    ///
    /// ```
    /// use pacsys_sim::{DaqFaults, FakeDaqServer};
    ///
    /// // The first call's stream is cut after 5 replies; later calls behave.
    /// let builder = FakeDaqServer::builder().fault_plan(|n| DaqFaults {
    ///     drop_stream_after: (n == 0).then_some(5),
    ///     ..DaqFaults::default()
    /// });
    /// # drop(builder);
    /// ```
    pub fn fault_plan(mut self, plan: impl Fn(u64) -> DaqFaults + Send + Sync + 'static) -> Self {
        self.faults = Arc::new(plan);
        self
    }

    /// Binds 127.0.0.1 and starts serving in the background of the current tokio runtime.
    pub async fn start(self) -> io::Result<FakeDaqServer> {
        let listener =
            TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))).await?;
        let addr = listener.local_addr()?;
        let world = self.world.unwrap_or_else(SimWorld::default_table);
        let counters = Arc::new(Counters::default());
        let service = Service {
            world: world.clone(),
            token: self.token.map(|t| format!("Bearer {t}")),
            token_for_reads: self.token_for_reads,
            flood: self.flood,
            faults: self.faults,
            counters: Arc::clone(&counters),
        };
        let shutdown = CancellationToken::new();
        let signal = shutdown.clone();
        let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
        let task = tokio::spawn(async move {
            let served = tonic::transport::Server::builder()
                .initial_connection_window_size(Some(8 * 1024 * 1024))
                .initial_stream_window_size(Some(4 * 1024 * 1024))
                .serve_with_incoming_shutdown(
                    DaqServer::new(service),
                    incoming,
                    signal.cancelled_owned(),
                )
                .await;
            if let Err(e) = served {
                tracing::warn!(error = %e, "fake DAQ server ended with an error");
            }
        });
        Ok(FakeDaqServer {
            addr,
            world,
            counters,
            shutdown,
            task: Some(task),
        })
    }
}

/// A fake DAQ gRPC server on 127.0.0.1 (spec `daq-grpc.md`): `Read` and `Set` over a
/// [`SimWorld`], answered by the same rules as the fake DPM server. Stopped by
/// [`FakeDaqServer::shutdown`] or when dropped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use pacsys_sim::FakeDaqServer;
///
/// let server = FakeDaqServer::builder().token("secret").start().await?;
/// assert!(server.addr().ip().is_loopback());
/// assert_eq!(server.stats().read_calls, 0);
/// server.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub struct FakeDaqServer {
    addr: SocketAddr,
    world: SimWorld,
    counters: Arc<Counters>,
    shutdown: CancellationToken,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for FakeDaqServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeDaqServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl FakeDaqServer {
    /// A builder with the defaults (free port, default world, no token, no faults).
    pub fn builder() -> FakeDaqServerBuilder {
        FakeDaqServerBuilder::default()
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The device world it serves.
    pub fn world(&self) -> &SimWorld {
        &self.world
    }

    /// The counters so far.
    pub fn stats(&self) -> DaqStats {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        DaqStats {
            read_calls: get(&c.read_calls),
            set_calls: get(&c.set_calls),
            auth_failures: get(&c.auth_failures),
            replies: get(&c.replies),
            readings: get(&c.readings),
            settings_applied: get(&c.settings_applied),
            dropped_streams: get(&c.dropped_streams),
            open_streams: get(&c.open_streams),
        }
    }

    /// The DRF lists of every `Read` call so far, in arrival order.
    pub fn read_requests(&self) -> Vec<Vec<String>> {
        self.counters
            .read_log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The setting DRFs of every `Set` call so far, in arrival order.
    pub fn set_requests(&self) -> Vec<Vec<String>> {
        self.counters
            .set_log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Stops serving (open streams are cut) and waits until the server task has ended.
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            // Open streams would keep a graceful shutdown waiting: give it a moment, then
            // cut everything.
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_millis(500), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for FakeDaqServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

struct Service {
    world: SimWorld,
    token: Option<String>,
    token_for_reads: bool,
    flood: bool,
    faults: DaqFaultPlan,
    counters: Arc<Counters>,
}

impl Service {
    fn check_token<T>(&self, request: &Request<T>) -> Result<(), tonic::Status> {
        let Some(expected) = &self.token else {
            return Ok(());
        };
        let ok = request
            .metadata()
            .get_all("authorization")
            .iter()
            .any(|v| v.as_bytes() == expected.as_bytes());
        if ok {
            Ok(())
        } else {
            self.counters.auth_failures.fetch_add(1, Ordering::Relaxed);
            Err(tonic::Status::unauthenticated(
                "Invalid or missing bearer token",
            ))
        }
    }

    fn call_faults(&self) -> DaqFaults {
        let n = self.counters.calls.fetch_add(1, Ordering::Relaxed);
        (self.faults)(n)
    }
}

#[tonic::async_trait]
impl Daq for Service {
    type ReadStream = ReadStream;

    async fn read(
        &self,
        request: Request<pdaq::ReadingList>,
    ) -> Result<Response<ReadStream>, tonic::Status> {
        self.counters.read_calls.fetch_add(1, Ordering::Relaxed);
        let faults = self.call_faults();
        if self.token_for_reads {
            self.check_token(&request)?;
        }
        if faults.unavailable {
            return Err(tonic::Status::unavailable(
                "fault injected: server unavailable",
            ));
        }
        let list = request.into_inner();
        if list.drf.is_empty() {
            return Err(tonic::Status::invalid_argument("Empty DRF list"));
        }
        self.counters
            .read_log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(list.drf.clone());
        Ok(Response::new(ReadStream::new(
            &self.world,
            &list.drf,
            faults,
            Arc::clone(&self.counters),
            self.flood,
        )))
    }

    async fn set(
        &self,
        request: Request<pdaq::SettingList>,
    ) -> Result<Response<pdaq::SettingReply>, tonic::Status> {
        self.counters.set_calls.fetch_add(1, Ordering::Relaxed);
        let faults = self.call_faults();
        self.check_token(&request)?;
        if faults.unavailable {
            return Err(tonic::Status::unavailable(
                "fault injected: server unavailable",
            ));
        }
        if let Some(delay) = faults.reply_delay {
            tokio::time::sleep(delay).await;
        }
        let list = request.into_inner();
        if list.setting.is_empty() {
            return Err(tonic::Status::invalid_argument("Empty settings list"));
        }
        let mut data = Vec::with_capacity(list.setting.len());
        for s in &list.setting {
            match s.value.as_ref().filter(|v| v.value.is_some()) {
                Some(v) => data.push(setting_data(v)),
                None => {
                    return Err(tonic::Status::invalid_argument(format!(
                        "Setting for {} has no value (empty oneof)",
                        s.device
                    )));
                }
            }
        }
        self.counters
            .set_log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(list.setting.iter().map(|s| s.device.clone()).collect());
        let status = list
            .setting
            .iter()
            .zip(data)
            .map(|(s, data)| {
                let outcome = self.apply(&s.device, data.as_ref());
                if outcome.is_ok() {
                    self.counters
                        .settings_applied
                        .fetch_add(1, Ordering::Relaxed);
                }
                match outcome {
                    Ok(()) => status_to_proto(Status::OK, ""),
                    Err((status, message)) => status_to_proto(status, message),
                }
            })
            .collect();
        Ok(Response::new(pdaq::SettingReply { status }))
    }
}

impl Service {
    fn apply(&self, drf: &str, data: Option<&answer::SettingData>) -> Result<(), (Status, String)> {
        let request = pacsys_drf::Request::parse(drf)
            .map_err(|e| (codes::BAD_REQUEST, format!("Malformed DRF: {e}")))?;
        let device = request
            .is_acnet()
            .then(|| self.world.device(request.device()))
            .flatten()
            .ok_or((answer::status::NO_SUCH_DEVICE, "No such device".to_owned()))?;
        let data = data.ok_or((
            answer::status::NOT_SUPPORTED,
            "Alarm and status blocks cannot be written".to_owned(),
        ))?;
        let target = Target {
            property: request.property(),
            field: request.field(),
            range: request.range(),
        };
        answer::write(&device, target, data).map_err(|s| (s, String::new()))
    }
}

/// The proto value of a setting as the simulator's setting data (`None` for the alarm and
/// status blocks, which cannot be written).
fn setting_data(v: &pdev::Value) -> Option<answer::SettingData> {
    use answer::SettingData;
    use pdev::value::Value as Arm;
    Some(match v.value.as_ref()? {
        Arm::Scalar(x) => SettingData::Scaled(vec![*x]),
        Arm::ScalarArr(a) => SettingData::Scaled(a.value.clone()),
        Arm::Raw(b) => SettingData::Raw(b.clone()),
        Arm::Text(s) => SettingData::Text(vec![s.clone()]),
        Arm::TextArr(a) => SettingData::Text(a.value.clone()),
        Arm::AnaAlarm(_) | Arm::DigAlarm(_) | Arm::BasicStatus(_) => return None,
    })
}
