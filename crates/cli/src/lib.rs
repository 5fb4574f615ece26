//! `pacsys-cli`: the `pacsys` command, for reading, writing and streaming Fermilab ACNET
//! devices from a shell, and for running the simulator.
//!
//! ```text
//! pacsys --sim monitor M:OUTTMP@p,200 --count 5
//! pacsys get M:OUTTMP G:AMANDA --format json
//! pacsys put G:AMANDA 12.5 --verify
//! pacsys info M:OUTTMP
//! pacsys history M:OUTTMP --start -1h --format csv
//! pacsys sim --dpm-port 0 --grpc-port 0
//! pacsys plot run.parquet --output run.svg
//! ```
//!
//! The binary is a thin `main` over this library: [`cli`] holds the clap definitions,
//! [`formats`] renders results without I/O (unit-tested): a `Renderer` over one
//! [`formats::LineFormat`] per `--format`, with the value, status and error forms of [`output`], [`table`] draws the live table, [`info`] classifies what
//! `info` found,
//! [`commands`] holds one file per subcommand (its options checked, then the library
//! called, generically over [`pacsys::Backend`]), [`events`] writes stream events per
//! format, [`connect`](mod@connect) chooses and builds the backend (and the in-process
//! simulator of `--sim`).
//!
//! Logging: the library's log lines reach stderr only with `-v`, `--log-level` or
//! `RUST_LOG`; otherwise every stream event is the one `pacsys: ...` line the command
//! prints (the servers `sim` and `mcp` log warnings by default).
//!
//! Exit codes: 0 success, 1 any device or connection failure, 2 usage error (including a
//! DRF that does not parse, shown with a caret under the bad byte), 130 after Ctrl-C.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod chart;
pub mod cli;
pub mod commands;
pub mod connect;
pub mod docs;
pub mod error;
pub mod events;
pub mod formats;
pub mod info;
pub mod mcp;
pub mod number_format;
pub mod output;
pub mod plot;
pub mod range;
pub mod record;
pub mod signal;
pub mod table;
pub mod times;
pub mod values;
pub mod view;

use std::process::ExitCode;

pub use error::{CliError, Outcome};

use cli::{Cli, Command, GlobalOpts, SimArgs};
use commands::Plan;
use connect::connect;
use formats::Renderer;
use pacsys::Backend as _;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Runs a parsed command line to completion and returns the process exit code. Errors
/// are printed on stderr as `pacsys: <message>`.
pub fn run(cli: Cli) -> ExitCode {
    let server = matches!(cli.command, Command::Sim(_) | Command::Mcp(_));
    if let Err(e) = init_logging(&cli.global, server) {
        return report(&e);
    }
    // One-shot commands run on this thread alone: no worker threads to start, and replies
    // are decoded where they are printed. Streams and the simulator (also the in-process
    // one of `--sim`) get two workers.
    let one_shot = !cli.global.sim
        && !matches!(
            cli.command,
            Command::Monitor(_) | Command::Sim(_) | Command::Mcp(_)
        );
    let built = if one_shot {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
    };
    let runtime = match built {
        Ok(rt) => rt,
        Err(e) => return report(&CliError::Failed(format!("cannot start the runtime: {e}"))),
    };
    let result = runtime.block_on(dispatch(cli));
    // Do not wait for background tasks (servers of --sim, pooled connections).
    runtime.shutdown_background();
    match result {
        Ok(outcome) => outcome.exit_code(),
        // The reader went away (`| head -3`): end quietly, as Unix tools do.
        Err(CliError::OutputClosed) => ExitCode::SUCCESS,
        Err(e) => report(&e),
    }
}

fn report(e: &CliError) -> ExitCode {
    eprintln!("pacsys: {e}");
    ExitCode::from(e.exit_code())
}

/// The tracing filter of the library's log lines on stderr: `--log-level`, else RUST_LOG,
/// else `warn` with `-v` (and for the servers `sim` and `mcp`, which have no other
/// diagnostics), else none: the commands print one line per event themselves, and a log
/// line would only repeat it.
fn log_filter(given: Option<&str>, rust_log: Option<&str>, verbose: bool, server: bool) -> String {
    // The in-process simulator warns that it accepts unauthenticated settings; keep that
    // quiet at the warn level.
    const WARN: &str = "warn,pacsys_sim=error,rmcp=error";
    match (given.map(str::trim), rust_log.map(str::trim)) {
        (Some(level), _) if level.eq_ignore_ascii_case("warn") => WARN.to_owned(),
        (Some(level), _) => level.to_owned(),
        (None, Some(env)) if !env.is_empty() => env.to_owned(),
        _ if verbose || server => WARN.to_owned(),
        _ => "off".to_owned(),
    }
}

fn init_logging(g: &GlobalOpts, server: bool) -> Result<(), CliError> {
    let rust_log = std::env::var("RUST_LOG").ok();
    let filter = log_filter(
        g.log_level.as_deref(),
        rust_log.as_deref(),
        g.verbose,
        server,
    );
    let filter: Targets = filter
        .parse()
        .map_err(|e| CliError::Usage(format!("bad --log-level or RUST_LOG {filter:?}: {e}")))?;
    // A second initialisation (tests calling `run` twice) is harmless.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .finish()
        .with(filter)
        .try_init();
    Ok(())
}

/// Runs one command inside the runtime.
pub async fn dispatch(cli: Cli) -> Result<Outcome, CliError> {
    let Cli { global, command } = cli;
    let renderer = Renderer::new(global.format.lines(), global.verbose).with_view(command.view());
    if let Command::Sim(args) = command {
        return run_sim(args).await;
    }
    if let Command::Mcp(args) = command {
        return mcp::run(args, &global).await;
    }
    if let Command::Plot(args) = command {
        return commands::plot::run(args);
    }
    if let Command::Completions(args) = command {
        return docs::completions(args.shell, &mut std::io::stdout().lock())
            .map(|()| Outcome::Success)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::BrokenPipe => CliError::OutputClosed,
                _ => CliError::Failed(format!("cannot write the output: {e}")),
            });
    }
    let monitoring = matches!(command, Command::Monitor(_));
    let plan = Plan::new(command, &global)?;
    let env = pacsys::env::EnvConfig::from_env().map_err(|e| CliError::Config(e.to_string()))?;
    let mut interrupt = signal::Interrupt::new();
    let conn = connect(&global, env).await?;
    let work = plan.run(&conn.backend, renderer);
    let result = if monitoring {
        // monitor handles Ctrl-C itself (summary first).
        work.await
    } else {
        tokio::select! {
            r = work => r,
            stop = interrupt.recv() => Err(match stop {
                signal::Stop::Interrupt => CliError::Interrupted,
                signal::Stop::Terminate => CliError::Terminated,
            }),
        }
    };
    conn.backend.close().await;
    drop(conn);
    result
}

async fn run_sim(args: SimArgs) -> Result<Outcome, CliError> {
    let mut options = args.sim;
    if options.grpc_port.is_none() {
        options.grpc_port = Some(0);
    }
    let mut interrupt = signal::Interrupt::new();
    let running = options
        .start()
        .await
        .map_err(|e| CliError::Sim(e.to_string()))?;
    println!("{}", running.ready_line());
    let _ = std::io::Write::flush(&mut std::io::stdout());
    interrupt.recv().await;
    running.shutdown().await;
    Ok(Outcome::Success)
}

#[cfg(test)]
mod tests {
    use super::log_filter;

    #[test]
    fn library_logs_are_off_unless_asked_for() {
        assert_eq!(log_filter(None, None, false, false), "off");
        assert_eq!(log_filter(None, Some(""), false, false), "off");
        assert!(log_filter(None, None, true, false).starts_with("warn,"));
        assert!(log_filter(None, None, false, true).starts_with("warn,"));
        assert_eq!(
            log_filter(None, Some("pacsys=debug"), false, false),
            "pacsys=debug"
        );
        // The option wins over RUST_LOG.
        assert_eq!(
            log_filter(Some("info"), Some("trace"), false, false),
            "info"
        );
        assert!(log_filter(Some("WARN"), None, false, false).starts_with("warn,"));
    }
}
