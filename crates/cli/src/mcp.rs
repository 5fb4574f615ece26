//! `mcp`: the MCP server of `pacsys-mcp` over the backend of the options and environment
//! (or the configuration's `[backend]`), on stdio or Streamable HTTP.

use std::io::Write as _;
use std::sync::Arc;

use pacsys::Backend as _;
use pacsys_mcp::{McpConfig, McpError, McpServer};
use pacsys_supervised::config::BackendConfig;

use crate::cli::{GlobalOpts, McpArgs};
use crate::connect::{Connection, connect};
use crate::error::{CliError, Outcome};
use crate::signal::{Interrupt, Stop};

fn cli_error(e: McpError) -> CliError {
    match e {
        McpError::Config(_) | McpError::Audit { .. } | McpError::Bind { .. } => {
            CliError::Config(e.to_string())
        }
        other => CliError::Failed(other.to_string()),
    }
}

/// The backend: `--sim` (or `[backend] kind = "fake"`) starts the simulator in-process;
/// a `[backend]` table of the configuration names DPM or gRPC; otherwise the options and
/// the `PACSYS_*` environment choose, as for every other command.
async fn backend(config: &McpConfig, global: &GlobalOpts) -> Result<Connection, CliError> {
    let env = pacsys::env::EnvConfig::from_env().map_err(|e| CliError::Config(e.to_string()))?;
    match (&config.backend, global.sim) {
        (Some(BackendConfig::Fake), false) => {
            let mut g = global.clone();
            g.sim = true;
            connect(&g, env).await
        }
        (Some(table), false) => {
            let built = table
                .build()
                .map_err(|e| CliError::Config(e.to_string()))?
                .ok_or_else(|| CliError::Config("[backend]: unknown kind".into()))?;
            Ok(Connection {
                backend: Arc::new(built),
                sim: None,
            })
        }
        _ => connect(global, env).await,
    }
}

/// Runs `pacsys mcp` until stdin closes (stdio), or until Ctrl-C / SIGTERM.
pub async fn run(args: McpArgs, global: &GlobalOpts) -> Result<Outcome, CliError> {
    let config = match &args.config {
        Some(path) => McpConfig::from_file(path).map_err(cli_error)?,
        None => McpConfig::default(),
    };
    let mut interrupt = Interrupt::new();
    let conn = backend(&config, global).await?;
    let server = McpServer::new(Arc::clone(&conn.backend), &config).map_err(cli_error)?;
    let closer = server.clone();
    let result = match args.http {
        None => {
            tokio::select! {
                r = pacsys_mcp::run::stdio(server) => r.map(|()| Outcome::Success).map_err(cli_error),
                stop = interrupt.recv() => Ok(match stop {
                    Stop::Interrupt => Outcome::Interrupted,
                    Stop::Terminate => Outcome::Terminated,
                }),
            }
        }
        Some(addr) => {
            let running = pacsys_mcp::run::http(server, addr, config.allow_plaintext_remote)
                .await
                .map_err(cli_error)?;
            println!("READY http={}", running.url());
            let _ = std::io::stdout().flush();
            let stop = interrupt.recv().await;
            running.shutdown().await;
            Ok(match stop {
                Stop::Interrupt => Outcome::Interrupted,
                Stop::Terminate => Outcome::Terminated,
            })
        }
    };
    pacsys_mcp::run::close(closer).await;
    conn.backend.close().await;
    drop(conn);
    result
}
