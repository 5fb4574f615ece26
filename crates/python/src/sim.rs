//! `pacsys_rs.testing`: the simulator's fake DPM and DAQ gRPC servers, started in-process
//! on loopback ports, and the in-memory `FakeBackend`, so scripts can be tested offline.

use std::sync::{Arc, Mutex};

use pacsys::env::EnvConfig;
use pacsys::{AnyBackend, DpmBackend, GrpcBackend};
use pacsys_sim::world::SimWorld;
use pacsys_sim::{FakeDaqServer, FakeDpmServer};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::args::{options, seconds};
use crate::backend::{Inner, PyBackend};
use crate::errors::IntoPy;
use crate::runtime::{runtime, wait};

/// The token the simulator's gRPC backends send (the fake accepts any).
const SIM_TOKEN: &str = "pacsys-rs-sim";

/// Both fake servers over one shared device world, on free ports of 127.0.0.1. Use it as
/// a context manager (`with sim() as s:`); `s.dpm()` and `s.grpc()` make backends that
/// talk to it over real TCP.
#[pyclass(module = "pacsys_rs.testing", frozen, name = "Sim")]
pub struct PySim {
    dpm: Mutex<Option<FakeDpmServer>>,
    daq: Mutex<Option<FakeDaqServer>>,
    dpm_port: u16,
    grpc_port: u16,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[pymethods]
impl PySim {
    /// Starts both servers (settings accepted without Kerberos). `answer_settings=False`
    /// is a fault: the fake DPM server applies settings but never answers them (the
    /// client reports `OutcomeUnknownError`).
    #[new]
    #[pyo3(signature = (answer_settings=true))]
    fn new(py: Python<'_>, answer_settings: bool) -> PyResult<PySim> {
        let world = SimWorld::default_table();
        let started = wait(py, async move {
            let dpm = FakeDpmServer::builder()
                .world(world.clone())
                .insecure_settings(true)
                .answer_settings(answer_settings)
                .start()
                .await?;
            let daq = FakeDaqServer::builder().world(world).start().await?;
            Ok::<_, std::io::Error>((dpm, daq))
        })?;
        let (dpm, daq) = started
            .map_err(|e| PyRuntimeError::new_err(format!("cannot start the simulator: {e}")))?;
        Ok(PySim {
            dpm_port: dpm.port(),
            grpc_port: daq.port(),
            dpm: Mutex::new(Some(dpm)),
            daq: Mutex::new(Some(daq)),
        })
    }

    /// The fake DPM server's port (on 127.0.0.1).
    #[getter]
    fn dpm_port(&self) -> u16 {
        self.dpm_port
    }

    /// The fake DAQ gRPC server's port (on 127.0.0.1).
    #[getter]
    fn grpc_port(&self) -> u16 {
        self.grpc_port
    }

    /// The bearer token `grpc()` backends send (`JWTAuth(s.token)` for backends of your
    /// own).
    #[getter]
    fn token(&self) -> &'static str {
        SIM_TOKEN
    }

    /// A DPM backend connected to the fake DPM server (`buffer`: readings a subscription
    /// holds before it drops the oldest).
    #[pyo3(signature = (timeout=None, buffer=None, drop=None))]
    fn dpm(
        &self,
        timeout: Option<f64>,
        buffer: Option<usize>,
        drop: Option<&str>,
    ) -> PyResult<PyBackend> {
        let mut b = DpmBackend::builder()
            .host("127.0.0.1")
            .port(self.dpm_port)
            .subscription_options(options(buffer, drop)?)
            .env(EnvConfig::default());
        if let Some(t) = seconds(timeout)? {
            b = b.timeout(t);
        }
        let backend = b.build().py_err()?;
        Ok(PyBackend::new(Inner::Any(Arc::new(AnyBackend::Dpm(
            backend,
        )))))
    }

    /// A gRPC backend connected to the fake DAQ server (with a token, so it may write).
    #[pyo3(signature = (timeout=None, buffer=None, drop=None))]
    fn grpc(
        &self,
        timeout: Option<f64>,
        buffer: Option<usize>,
        drop: Option<&str>,
    ) -> PyResult<PyBackend> {
        let mut b = GrpcBackend::builder()
            .host("127.0.0.1")
            .port(self.grpc_port)
            .token(SIM_TOKEN)
            .subscription_options(options(buffer, drop)?)
            .env(EnvConfig::default());
        if let Some(t) = seconds(timeout)? {
            b = b.timeout(t);
        }
        let backend = {
            let _inside = runtime()?.enter();
            b.build().py_err()?
        };
        Ok(PyBackend::new(Inner::Any(Arc::new(AnyBackend::Grpc(
            backend,
        )))))
    }

    /// Fault: the fake DPM server drops every open connection now (subscriptions reconnect
    /// and report a gap).
    fn close_dpm_connections(&self) {
        if let Some(s) = lock(&self.dpm).as_ref() {
            s.close_connections();
        }
    }

    /// Stops both servers (also done by `with` and when the object is collected).
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        let (dpm, daq) = (lock(&self.dpm).take(), lock(&self.daq).take());
        wait(py, async move {
            if let Some(s) = dpm {
                s.shutdown().await;
            }
            if let Some(s) = daq {
                s.shutdown().await;
            }
        })
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.stop(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!(
            "Sim(dpm_port={}, grpc_port={})",
            self.dpm_port, self.grpc_port
        )
    }
}
