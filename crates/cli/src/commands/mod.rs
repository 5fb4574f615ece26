//! The subcommands, one file each: each checks its options into a plan before any
//! connection is made (`get::Get::new`, ...), then runs it against whichever
//! [`Backend`] was chosen. `plot` reads a recording and needs no backend; `sim`,
//! `mcp` and `completions` are run from [`crate::dispatch`].

pub mod get;
pub mod history;
pub mod info;
pub mod monitor;
mod out;
pub mod plot;
pub mod put;

use std::sync::Arc;

use pacsys::Backend;
use pacsys_drf::Request;

pub use monitor::Display;

use crate::cli::{Command, GlobalOpts, OutputFormat};
use crate::error::{CliError, Outcome};
use crate::formats::Renderer;

/// A subcommand that runs against a backend, with its inputs checked (DRFs parsed, values
/// typed, times resolved).
#[derive(Debug)]
pub enum Plan {
    /// `get`.
    Get(get::Get),
    /// `put`.
    Put(put::Put),
    /// `monitor`.
    Monitor(monitor::Monitor),
    /// `info`.
    Info(info::Info),
    /// `history`.
    History(history::History),
}

/// `drf` parsed, or the usage error that shows where it is wrong.
fn parse_drf(drf: &str) -> Result<Request, CliError> {
    Request::parse(drf).map_err(|e| CliError::bad_drf(drf, e))
}

impl Plan {
    /// Checks the inputs of `command` (one that runs against a backend). No I/O except
    /// reading the clock and `get --file`'s list.
    pub fn new(command: Command, global: &GlobalOpts) -> Result<Plan, CliError> {
        if global.format == OutputFormat::Parquet
            && matches!(command, Command::Put(_) | Command::Info(_))
        {
            return Err(CliError::Usage(
                "--format parquet is for get, monitor and history".into(),
            ));
        }
        match command {
            Command::Get(a) => get::Get::new(a, global).map(Plan::Get),
            Command::Put(a) => put::Put::new(a).map(Plan::Put),
            Command::Monitor(a) => monitor::Monitor::new(a, global).map(Plan::Monitor),
            Command::Info(a) => info::Info::new(a).map(Plan::Info),
            Command::History(a) => history::History::new(a, global).map(Plan::History),
            Command::Sim(_) | Command::Completions(_) | Command::Mcp(_) | Command::Plot(_) => Err(
                CliError::Usage("this command is not run through a backend".into()),
            ),
        }
    }

    /// Whether this plan writes settings.
    pub fn writes(&self) -> bool {
        matches!(self, Plan::Put(_))
    }

    /// Runs the plan against `backend`, printing to stdout (results) and stderr
    /// (diagnostics).
    pub async fn run<B: Backend + Send + Sync + 'static>(
        self,
        shared: &Arc<B>,
        r: Renderer,
    ) -> Result<Outcome, CliError> {
        let backend: &B = shared;
        match self {
            Plan::Get(p) => p.run(backend, r).await,
            Plan::Put(p) => p.run(backend, r).await,
            Plan::Monitor(p) => p.run(shared, r).await,
            Plan::Info(p) => p.run(backend, r).await,
            Plan::History(p) => p.run(backend, r).await,
        }
    }
}
