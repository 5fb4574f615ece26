//! The simulator's command-line options and start-up, shared by the `pacsys-sim` binary and
//! `pacsys sim` of `pacsys-cli` (feature `sim`).
//!
//! `--replay FILE [--speed X] [--loop]` installs a recording on the world before the servers
//! start (see [`crate::replay`]); a recording that cannot be read is [`SimError::Replay`].
//!
//! ```no_run
//! use clap::Parser;
//! use pacsys_sim::sim::SimOptions;
//!
//! #[derive(Parser)]
//! struct Args {
//!     #[command(flatten)]
//!     sim: SimOptions,
//! }
//!
//! # #[tokio::main] async fn main() -> Result<(), pacsys_sim::sim::SimError> {
//! let args = Args::parse_from(["sim", "--dpm-port", "0", "--grpc-port", "0"]);
//! let running = args.sim.start().await?;
//! println!("{}", running.ready_line()); // READY dpm=<p> grpc=<g>
//! running.shutdown().await;
//! # Ok(()) }
//! ```

use std::path::PathBuf;
use std::time::Duration;

use crate::replay::{Replay, ReplayError, ReplayOptions};
use crate::{FakeDaqServer, FakeDpmServer, Faults, SimWorld};

/// How to run the simulator: ports, settings policy, the fault flags of the fake DPM
/// server and an optional recording to replay. Flatten it into a clap parser
/// (`#[command(flatten)]`).
#[derive(Debug, Clone, clap::Args)]
pub struct SimOptions {
    /// DPM port on 127.0.0.1 (0 = any free port; the chosen port is printed).
    #[arg(long, default_value_t = 6802)]
    pub dpm_port: u16,
    /// Also serve the DAQ gRPC service on this 127.0.0.1 port (0 = any free port), over
    /// the same device world; the ready line becomes `READY dpm=<p> grpc=<g>`.
    #[arg(long)]
    pub grpc_port: Option<u16>,
    /// Require `authorization: Bearer <TOKEN>` on gRPC settings.
    #[arg(long, value_name = "TOKEN", requires = "grpc_port")]
    pub grpc_token: Option<String>,
    /// Idle heartbeat interval in milliseconds.
    #[arg(long, default_value_t = 2000)]
    pub heartbeat_ms: u64,
    /// Answer unknown devices with DPM_PEND after this many milliseconds, as production.
    #[arg(long)]
    pub pend_unknown_ms: Option<u64>,
    /// Accept settings without authentication (tests only; logged loudly).
    #[arg(long)]
    pub insecure_settings: bool,
    /// Benchmark mode: periodic requests (DPM and gRPC) ignore their period and stream as
    /// fast as the client reads (to measure a client's ceiling, not the simulator's rate).
    #[arg(long)]
    pub flood: bool,
    /// Fault: split every frame into random 1-7 byte writes.
    #[arg(long)]
    pub split_writes: bool,
    /// Fault: delay every write by this many milliseconds.
    #[arg(long)]
    pub delay_ms: Option<u64>,
    /// Fault: send data replies in reverse ref order.
    #[arg(long)]
    pub reorder: bool,
    /// Fault: close each connection after N data replies.
    #[arg(long, value_name = "N")]
    pub close_after_data: Option<u64>,
    /// Fault: go silent (but stay connected) after N data replies.
    #[arg(long, value_name = "N")]
    pub stall_after_data: Option<u64>,
    /// Fault: send a garbage frame after N data replies.
    #[arg(long, value_name = "N")]
    pub garbage_after_data: Option<u64>,
    /// Fault: send an oversize length prefix after N data replies.
    #[arg(long, value_name = "N")]
    pub oversize_after_data: Option<u64>,
    /// Fault: answer every handshake with this HTTP status.
    #[arg(long, value_name = "CODE")]
    pub http_error: Option<u16>,
    /// Fault: close every connection right after accepting it.
    #[arg(long)]
    pub accept_then_close: bool,
    /// Fault "restart": every N ms drop every DPM list at once (as a restarting DPM does)
    /// and keep accepting; clients must rebuild their lists.
    #[arg(long, value_name = "N")]
    pub restart_every_ms: Option<u64>,
    /// Replay a recording (a Parquet dataset or file from `pacsys monitor --record`): its
    /// devices answer with the recorded data and timing over DPM and gRPC; other devices stay
    /// simulated.
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    /// Replay speed factor (2 = twice as fast; finite, > 0; default 1).
    #[arg(long, value_name = "X", requires = "replay", value_parser = parse_speed)]
    pub speed: Option<f64>,
    /// Start the replay over after its last sample.
    #[arg(long = "loop", requires = "replay")]
    pub looped: bool,
}

/// `--speed`: a finite number greater than zero.
fn parse_speed(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        Ok(x) => Err(format!("must be a finite number > 0, not {x}")),
        Err(e) => Err(e.to_string()),
    }
}

impl SimOptions {
    /// The fault flags as the fake DPM server's [`Faults`].
    pub fn faults(&self) -> Faults {
        Faults {
            split_writes: self.split_writes,
            reply_delay: self.delay_ms.map(Duration::from_millis),
            reorder: self.reorder,
            close_after_data: self.close_after_data,
            stall_after_data: self.stall_after_data,
            garbage_after_data: self.garbage_after_data,
            oversize_after_data: self.oversize_after_data,
            http_error: self.http_error,
            accept_then_close: self.accept_then_close,
        }
    }

    /// The replay options of `--speed` and `--loop`.
    pub fn replay_options(&self) -> ReplayOptions {
        ReplayOptions::default()
            .speed(self.speed.unwrap_or(1.0))
            .looped(self.looped)
    }

    /// The world the servers share: [`SimWorld::default_table`], with the `--replay`
    /// recording installed on it when one is given.
    pub fn world(&self) -> Result<SimWorld, SimError> {
        let world = SimWorld::default_table();
        if let Some(path) = &self.replay {
            let replay =
                Replay::open(path, self.replay_options()).map_err(|source| SimError::Replay {
                    path: path.clone(),
                    source,
                })?;
            replay.install(&world);
        }
        Ok(world)
    }

    /// Starts the fake DPM server (and the fake DAQ server when `grpc_port` is set) over
    /// one [`SimWorld::default_table`], with the `--replay` recording installed first.
    pub async fn start(&self) -> Result<RunningSim, SimError> {
        let world = self.world()?;
        let mut builder = FakeDpmServer::builder()
            .world(world.clone())
            .port(self.dpm_port)
            .heartbeat(Duration::from_millis(self.heartbeat_ms.max(1)))
            .insecure_settings(self.insecure_settings)
            .flood(self.flood)
            .faults(self.faults())
            // Nobody reads a running simulator's request log; it would grow without bound.
            .log_requests(false);
        if let Some(ms) = self.pend_unknown_ms {
            builder = builder.pend_unknown_after(Duration::from_millis(ms));
        }
        if let Some(ms) = self.restart_every_ms {
            builder = builder.restart_every(Duration::from_millis(ms));
        }
        let dpm = builder.start().await.map_err(|source| SimError::Listen {
            what: "DPM",
            port: self.dpm_port,
            source,
        })?;
        let grpc = match self.grpc_port {
            Some(port) => {
                let mut daq = FakeDaqServer::builder()
                    .world(world)
                    .port(port)
                    .flood(self.flood);
                if let Some(token) = &self.grpc_token {
                    daq = daq.token(token.clone());
                }
                match daq.start().await {
                    Ok(daq) => Some(daq),
                    Err(source) => {
                        dpm.shutdown().await;
                        return Err(SimError::Listen {
                            what: "gRPC",
                            port,
                            source,
                        });
                    }
                }
            }
            None => None,
        };
        Ok(RunningSim { dpm, grpc })
    }
}

/// Why the simulator could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum SimError {
    /// A port could not be bound.
    Listen {
        /// `"DPM"` or `"gRPC"`.
        what: &'static str,
        /// The port asked for.
        port: u16,
        /// The socket error.
        source: std::io::Error,
    },
    /// The `--replay` recording could not be read or replayed.
    Replay {
        /// The recording.
        path: PathBuf,
        /// Why.
        source: ReplayError,
    },
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimError::Listen { what, port, source } => {
                write!(f, "cannot listen on 127.0.0.1:{port} for {what}: {source}")
            }
            SimError::Replay { path, source } => {
                write!(f, "cannot replay {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for SimError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SimError::Listen { source, .. } => Some(source),
            SimError::Replay { source, .. } => Some(source),
        }
    }
}

/// The running simulator servers.
#[derive(Debug)]
pub struct RunningSim {
    /// The fake DPM server.
    pub dpm: FakeDpmServer,
    /// The fake DAQ gRPC server, when a gRPC port was asked for.
    pub grpc: Option<FakeDaqServer>,
}

impl RunningSim {
    /// `READY dpm=<p>` or `READY dpm=<p> grpc=<g>`: the line tests wait for.
    pub fn ready_line(&self) -> String {
        match &self.grpc {
            Some(daq) => format!("READY dpm={} grpc={}", self.dpm.port(), daq.port()),
            None => format!("READY dpm={}", self.dpm.port()),
        }
    }

    /// Stops both servers.
    pub async fn shutdown(self) {
        if let Some(daq) = self.grpc {
            daq.shutdown().await;
        }
        self.dpm.shutdown().await;
    }
}
