//! `pacsys-proxy`: the supervised DAQ gRPC proxy, configured by a TOML file.
//!
//! ```text
//! pacsys-proxy --config proxy.toml
//! ```
//!
//! Prints `READY grpc=<port>` on stdout once listening, logs its counters every
//! `metrics_interval_secs`, and stops on Ctrl-C or SIGTERM (open streams end with
//! `UNAVAILABLE`, the audit log is flushed).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use pacsys::Backend;
use pacsys_supervised::config::BackendConfig;
use pacsys_supervised::{ProxyConfig, ProxyError, SupervisedServer};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// The supervised DAQ gRPC proxy: serves services.daq.DAQ in front of a backend, with
/// access policies, limits, a bearer token and an audit log.
#[derive(Debug, Parser)]
#[command(name = "pacsys-proxy", version)]
struct Args {
    /// The TOML configuration file (see the pacsys-supervised README).
    #[arg(long, short)]
    config: PathBuf,
    /// Override the listening address of the file (e.g. 127.0.0.1:0 for any free port).
    #[arg(long)]
    bind: Option<std::net::SocketAddr>,
}

async fn serve<B: Backend + 'static>(
    backend: Arc<B>,
    config: &ProxyConfig,
) -> Result<(), ProxyError> {
    let server = config
        .apply(SupervisedServer::from_arc(Arc::clone(&backend)))?
        .start()
        .await?;
    let stop = shutdown_signal();
    println!("READY grpc={}", server.port());
    let interval = config.metrics_interval_secs;
    let mut tick = tokio::time::interval(Duration::from_secs(interval.max(1)));
    tick.tick().await;
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            _ = tick.tick(), if interval > 0 => {
                let m = server.metrics();
                tracing::info!(metrics = %serde_json::to_string(&m).unwrap_or_default(), "counters");
            }
        }
    }
    tracing::info!("shutting down");
    let final_metrics = server.metrics();
    server.shutdown().await;
    backend.close().await;
    tracing::info!(metrics = %serde_json::to_string(&final_metrics).unwrap_or_default(), "stopped");
    Ok(())
}

/// Ctrl-C or SIGTERM. The handlers are installed when this is called (before `READY` is
/// printed), not when the future is first polled, so a signal sent right after `READY`
/// is never missed.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let (term, int) = signals;
            match (term, int) {
                (Some(mut term), Some(mut int)) => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

async fn run(args: Args) -> Result<(), ProxyError> {
    let mut config = ProxyConfig::from_file(&args.config)?;
    if let Some(bind) = args.bind {
        config.bind = bind;
    }
    match config.backend.clone() {
        BackendConfig::Fake => {
            #[cfg(feature = "sim")]
            {
                // The simulator's fake DPM server in-process on loopback, reached over the
                // real protocol. It takes settings without Kerberos: the proxy's policies
                // and token are what guard this twin.
                let sim = pacsys_sim::FakeDpmServer::builder()
                    .insecure_settings(true)
                    .start()
                    .await
                    .map_err(|e| ProxyError::Serve(format!("cannot start the simulator: {e}")))?;
                let backend = pacsys::DpmBackend::builder()
                    .host("127.0.0.1")
                    .port(sim.port())
                    .env(Default::default())
                    .build()?;
                let served = serve(Arc::new(backend), &config).await;
                sim.shutdown().await;
                served
            }
            #[cfg(not(feature = "sim"))]
            {
                Err(pacsys_supervised::ConfigError::Invalid(
                    "the fake backend needs pacsys-supervised built with the `sim` feature".into(),
                )
                .into())
            }
        }
        other => match other.build()? {
            Some(backend) => serve(Arc::new(backend), &config).await,
            None => {
                Err(pacsys_supervised::ConfigError::Invalid("unknown backend kind".into()).into())
            }
        },
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    // RUST_LOG as `target=level` directives (a bad one falls back to the default).
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|s| s.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .finish()
        .with(filter)
        .init();
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pacsys-proxy: {e}");
            ExitCode::from(2)
        }
    }
}
