//! `Inner`: every backend a Python call can reach (DPM or gRPC, the in-memory fake, the
//! default backend, an `AsyncBackend` written in Python) behind one type that implements the
//! facade's [`pacsys::Backend`], so devices, `exp` and batches are written once, generic over
//! it; and what stands for the default backend (`Resolved`, the test override).

use std::sync::Arc;
use std::time::Duration;

use pacsys::{AnyBackend, Backend, Capabilities, Error, Reading, Subscription, Value};
use pacsys_testing::FakeBackend;

use crate::pyasync::PyAsyncBackend;

/// Every backend a Python call can reach.
#[derive(Clone)]
pub enum Inner {
    /// DPM or gRPC.
    Any(Arc<AnyBackend>),
    /// The in-memory fake.
    Fake(Arc<FakeBackend>),
    /// The process-wide default backend (`configure`), looked up at each call.
    Default,
    /// An `AsyncBackend` subclass written in Python (awaited on its event loop).
    Python(Arc<PyAsyncBackend>),
}

/// What `Default` stands for at a call: the process-wide default backend, or the backend a
/// test put in its place (`pacsys_rs.testing`'s `mock_pacsys` fixture).
pub enum Resolved {
    /// The facade's default backend (`configure`, `PACSYS_*`).
    Any(Arc<AnyBackend>),
    /// A fake standing in for it.
    Fake(Arc<FakeBackend>),
}

/// The backend standing in for the default one, if a test set one.
static DEFAULT_OVERRIDE: std::sync::RwLock<Option<Resolved>> = std::sync::RwLock::new(None);

impl Clone for Resolved {
    fn clone(&self) -> Resolved {
        match self {
            Resolved::Any(b) => Resolved::Any(Arc::clone(b)),
            Resolved::Fake(b) => Resolved::Fake(Arc::clone(b)),
        }
    }
}

/// Puts `inner` (a DPM, gRPC or fake backend) in the default backend's place, or (`None`)
/// restores the real one.
pub fn set_default_override(inner: Option<&Inner>) -> Result<(), Error> {
    let resolved = match inner {
        None => None,
        Some(Inner::Any(b)) => Some(Resolved::Any(Arc::clone(b))),
        Some(Inner::Fake(b)) => Some(Resolved::Fake(Arc::clone(b))),
        Some(_) => {
            return Err(Error::unsupported(
                "",
                "only a dpm, grpc or fake backend can stand in for the default backend",
            ));
        }
    };
    *DEFAULT_OVERRIDE.write().unwrap_or_else(|e| e.into_inner()) = resolved;
    Ok(())
}

impl Inner {
    /// What `Default` stands for now; a failure to build the default backend fails the call.
    pub fn resolve_default() -> Result<Resolved, Error> {
        if let Some(r) = &*DEFAULT_OVERRIDE.read().unwrap_or_else(|e| e.into_inner()) {
            return Ok(r.clone());
        }
        pacsys::default_backend().map(Resolved::Any)
    }
}

/// `$body` with `$b` bound to the concrete facade backend (the default one looked up);
/// `$py` for the Python-written backend; `$err` when the default backend cannot be built.
macro_rules! dispatch {
    ($self:expr, |$b:ident| $body:expr, py |$p:ident| $pybody:expr, err |$e:ident| $errbody:expr) => {
        match $self {
            Inner::Any($b) => $body,
            Inner::Fake($b) => $body,
            Inner::Default => match Inner::resolve_default() {
                Ok(Resolved::Any($b)) => $body,
                Ok(Resolved::Fake($b)) => $body,
                Err($e) => $errbody,
            },
            Inner::Python($p) => $pybody,
        }
    };
}

impl Backend for Inner {
    async fn get_many<S: AsRef<str> + Sync>(
        &self,
        drfs: &[S],
        timeout: Option<Duration>,
    ) -> Vec<Result<Reading, Error>> {
        dispatch!(
            self,
            |b| b.get_many(drfs, timeout).await,
            py | p | p.get_many(drfs, timeout).await,
            err | e | drfs.iter().map(|_| Err(e.clone())).collect()
        )
    }

    async fn get(&self, drf: &str, timeout: Option<Duration>) -> Result<Reading, Error> {
        dispatch!(
            self,
            |b| b.get(drf, timeout).await,
            py | p | p.get(drf, timeout).await,
            err | e | Err(e)
        )
    }

    async fn read(&self, drf: &str, timeout: Option<Duration>) -> Result<Value, Error> {
        dispatch!(
            self,
            |b| b.read(drf, timeout).await,
            py | p | p.read(drf, timeout).await,
            err | e | Err(e)
        )
    }

    async fn write_many<S: AsRef<str> + Sync>(
        &self,
        settings: &[(S, Value)],
        timeout: Option<Duration>,
    ) -> Vec<Result<pacsys::WriteResult, Error>> {
        dispatch!(
            self,
            |b| b.write_many(settings, timeout).await,
            py | p | p.write_many(settings, timeout).await,
            err | e | settings.iter().map(|_| Err(e.clone())).collect()
        )
    }

    async fn write(
        &self,
        drf: &str,
        value: Value,
        timeout: Option<Duration>,
    ) -> Result<pacsys::WriteResult, Error> {
        dispatch!(
            self,
            |b| b.write(drf, value, timeout).await,
            py | p | p.write(drf, value, timeout).await,
            err | e | Err(e)
        )
    }

    async fn subscribe<S: AsRef<str> + Sync>(&self, drfs: &[S]) -> Result<Subscription, Error> {
        dispatch!(
            self,
            |b| b.subscribe(drfs).await,
            py | p | p.subscribe(drfs).await,
            err | e | Err(e)
        )
    }

    fn timeout(&self) -> Duration {
        dispatch!(
            self,
            |b| b.timeout(),
            py | p | p.timeout(),
            err | _e | Duration::from_secs(5)
        )
    }

    fn capabilities(&self) -> Capabilities {
        dispatch!(
            self,
            |b| b.capabilities(),
            py | p | p.capabilities(),
            err | _e | Capabilities::empty()
        )
    }

    fn principal(&self) -> Result<Option<String>, Error> {
        dispatch!(
            self,
            |b| b.principal(),
            py | p | p.principal(),
            err | e | Err(e)
        )
    }

    async fn close(&self) {
        dispatch!(
            self,
            |b| b.close().await,
            py | p | p.close().await,
            err | _e | ()
        )
    }

    async fn stop_streaming(&self) {
        dispatch!(
            self,
            |b| b.stop_streaming().await,
            py | p | p.stop_streaming().await,
            err | _e | ()
        )
    }
}
