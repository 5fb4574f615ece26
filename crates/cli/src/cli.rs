//! The command line (clap derive): global options and one subcommand per tool.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use pacsys_sim::sim::SimOptions;

use crate::number_format::NumberFormat;
use crate::output::Format;
use crate::range::Range;
use crate::times;
use crate::view::{TimestampFormat, View};

const MAIN_EXAMPLES: &str = "\
Examples:
  pacsys --sim get M:OUTTMP G:AMANDA            read two devices from the built-in simulator
  pacsys --sim monitor M:OUTTMP@p,200 --count 5  five readings at 5 Hz
  pacsys get M:OUTTMP --format json              read the real device (DPM proxy from PACSYS_DPM_HOST)
  pacsys sim --dpm-port 0 --grpc-port 0          run the simulator servers

Log lines of the library (reconnection attempts and such) reach stderr only with -v,
--log-level or RUST_LOG; otherwise each event is the one `pacsys: ...` line of the command.

Environment: PACSYS_BACKEND, PACSYS_DPM_HOST, PACSYS_DPM_PORT, PACSYS_GRPC_HOST,
PACSYS_GRPC_PORT, PACSYS_TIMEOUT, PACSYS_POOL_SIZE, PACSYS_JWT_TOKEN (options win).
Exit codes: 0 success, 1 a device or the connection failed, 2 usage error, 130 interrupted.";

/// Read, write and stream Fermilab ACNET devices over DPM or DAQ gRPC.
#[derive(Debug, Parser)]
#[command(name = "pacsys", version, about, after_help = MAIN_EXAMPLES)]
pub struct Cli {
    /// Options every subcommand accepts (before or after the subcommand).
    #[command(flatten)]
    pub global: GlobalOpts,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted before or after the subcommand.
#[derive(Debug, Clone, Args)]
pub struct GlobalOpts {
    /// Transport [default: PACSYS_BACKEND, else dpm].
    #[arg(short = 'b', long, global = true, value_enum)]
    pub backend: Option<BackendArg>,
    /// Server host [default: PACSYS_DPM_HOST / PACSYS_GRPC_HOST, else the Fermilab servers].
    #[arg(short = 'H', long, global = true)]
    pub host: Option<String>,
    /// Server port [default: PACSYS_DPM_PORT / PACSYS_GRPC_PORT, else 6802 / 50051].
    #[arg(short = 'P', long, global = true)]
    pub port: Option<u16>,
    /// Total time per operation in seconds [default: PACSYS_TIMEOUT, else 5].
    #[arg(long, global = true, value_name = "SECONDS", value_parser = times::parse_seconds)]
    pub timeout: Option<Duration>,
    /// Start the simulator in-process on free loopback ports and talk to it over TCP.
    #[arg(long, global = true, conflicts_with_all = ["host", "port"])]
    pub sim: bool,
    /// How settings are authenticated: kerberos (DPM) or jwt (gRPC, token from
    /// PACSYS_JWT_TOKEN).
    #[arg(short = 'a', long, global = true, value_enum)]
    pub auth: Option<AuthArg>,
    /// Role for settings (DPM only).
    #[arg(long, global = true)]
    pub role: Option<String>,
    /// Kerberos realm of `--auth kerberos` [default: FNAL.GOV].
    #[arg(long, global = true, value_name = "REALM")]
    pub realm: Option<String>,
    /// Output format (`-f` is `--number-format`, as in the reference CLI).
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Show metadata (device index, description, status, cycle) and missing properties,
    /// and the library's warnings on stderr.
    #[arg(short = 'v', long, global = true)]
    pub verbose: bool,
    /// The library's log lines on stderr at this level (error, warn, info, debug, trace, or
    /// a list such as `warn,pacsys_dpm_core=debug`) [default: none, or RUST_LOG's list; warn
    /// with -v]. Without it the command's own lines alone say what happens (one line per
    /// stream event).
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
}

/// `--format`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
    /// Comma-separated values with a header line.
    Csv,
    /// One Apache Parquet file on stdout, one row per reading and per stream event (get,
    /// monitor, history; stdout must not be a terminal). Complete once the command ends.
    Parquet,
}

impl OutputFormat {
    /// The line format results are rendered in (Parquet output prints no lines).
    pub fn lines(self) -> Format {
        match self {
            OutputFormat::Text | OutputFormat::Parquet => Format::Text,
            OutputFormat::Json => Format::Json,
            OutputFormat::Csv => Format::Csv,
        }
    }
}

/// `--backend`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendArg {
    /// DPM over TCP (DPM/HTTP, binary PC protocol).
    Dpm,
    /// The DAQ gRPC service.
    Grpc,
}

/// `--auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthArg {
    /// Kerberos (DPM; needs a build with the `kerberos` feature and a ticket).
    Kerberos,
    /// A JWT bearer token from PACSYS_JWT_TOKEN (gRPC).
    Jwt,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read devices once; one line per DRF, in request order (acget).
    #[command(after_help = "\
Examples:
  pacsys get M:OUTTMP
  pacsys get M:OUTTMP 'Z:ACLTST[0:4]' --format json
  pacsys get M:OUTTMP -t -f .2f                  bare value with two decimals
  pacsys get Z:ACLTST -r=-5: -f .3e              the last five elements
  pacsys --sim get Z:BENCH0000 Z:BENCH0001 --format csv --verbose
  pacsys get --file drfs.txt --format json       one DRF per line (`--file -` reads stdin)")]
    Get(GetArgs),
    /// Write settings: DRF VALUE pairs; numbers, arrays `1,2,3`, text, control commands, or
    /// `key=value` fields of a whole alarm block (acput).
    #[command(after_help = "\
Examples:
  pacsys put G:AMANDA 12.5
  pacsys put 'Z:ACLTST[0:2]' 1,2,3 Z:TEXTDV 'new text'
  pacsys put M:OUTTMP off --verify               (control commands: on off reset positive negative ramp dc local remote trip)
  pacsys --sim put G:AMANDA 12.5 --verify --tolerance 0.01
  pacsys put M:OUTTMP.ANALOG max=95,alarm_enable=true   (a whole alarm block: the fields named change)")]
    Put(PutArgs),
    /// Stream devices until --count, --duration or Ctrl-C (acmonitor).
    #[command(after_help = "\
Examples:
  pacsys monitor M:OUTTMP@p,1000
  pacsys --sim monitor M:OUTTMP@p,200 --count 5
  pacsys monitor Z:SINE@p,100 Z:RAMP@p,100 --duration 10s --format json
  pacsys monitor M:OUTTMP@p,1000 -s relative -f .2f --lines
  pacsys --sim monitor Z:SINE@p,100 Z:RAMP@p,100 --chart       live chart on the terminal
  pacsys monitor M:OUTTMP@p,1000 --record run.parquet        record to a Parquet dataset
  pacsys monitor M:OUTTMP@p,1000 --duration 1m --format parquet > run.parquet
  pacsys plot run.parquet                                    draw a recording into run.png

A DRF without an event is monitored at @p,1000 (a note says so on stderr).

Stream events (disconnected, reconnected, dropped, stale, fresh, gap: a recording's kind
names) are one `pacsys: ...` line each on stderr. With --format json each is also a JSON line
of its own on stdout, e.g. {\"event\":\"reconnected\",\"received\":\"...\",\"duration_s\":1.5},
with what the event carries (drf, reason, count, duration_s, timestamp and until of a gap);
readings and failures get \"event\":\"reading\" or \"error\". --format csv adds an `event`
column (the event's number in `value`, its reason in `error`). On a terminal
(text format) a live table shows value, rate, last update, drops and gaps; elsewhere one
line per reading. Ctrl-C prints a summary and exits 130.

--record DIR.parquet writes a Parquet dataset (a folder of part files, one per closed row
group): a crash or kill loses at most the open group (--record-interval, 1 s by default);
Ctrl-C closes it cleanly. Read it with pandas.read_parquet(\"DIR.parquet\").")]
    Monitor(MonitorArgs),
    /// Show what a device is: description, units, which properties it has (acinfo).
    #[command(after_help = "\
Examples:
  pacsys info M:OUTTMP
  pacsys --sim info M:OUTTMP G:AMANDA --format json")]
    Info(InfoArgs),
    /// Logged history of devices between two times: lines, a Parquet file or a plot.
    #[command(after_help = "\
Examples:
  pacsys history M:OUTTMP --start -1h
  pacsys history M:OUTTMP G:AMANDA --start -1h --plot history.png      (or .svg)
  pacsys history M:OUTTMP --start -1d --output outtmp.parquet
  pacsys history M:OUTTMP --start 2026-11-23T06:00:00-06:00 --end 2026-11-23T07:00:00-06:00 --format csv
  pacsys --sim history M:OUTTMP --start -10m --format json
  pacsys --sim history M:OUTTMP --start -10m -t -f .1f -s epoch

Times: now, relative (-1h, -10m, -30s, -2d), RFC 3339, or epoch milliseconds.")]
    History(HistoryArgs),
    /// Draw a recording (`monitor --record`, `--format parquet`, `history --output`) into a
    /// PNG or SVG image, with its disconnections and gaps shaded and failures marked.
    #[command(after_help = "\
Examples:
  pacsys plot run.parquet                        writes run.png beside it
  pacsys plot run.parquet --output run.svg --size 1600x800")]
    Plot(PlotArgs),
    /// Run the simulator servers (DPM and DAQ gRPC) until Ctrl-C.
    #[command(after_help = "\
Examples:
  pacsys sim --dpm-port 0 --grpc-port 0      prints READY dpm=<p> grpc=<g>
  pacsys sim --dpm-port 6802 --insecure-settings --split-writes

Without --grpc-port the gRPC server takes any free port.")]
    Sim(SimArgs),
    /// Serve the devices to an AI assistant over MCP (Model Context Protocol): stdio by
    /// default, Streamable HTTP with --http. Read-only unless the configuration allows
    /// writes and a policy approves each device; every setting is audited.
    #[command(after_help = "\
Examples:
  pacsys mcp                                   stdio, the default backend, read-only
  pacsys mcp --config mcp.toml                 writes as mcp.toml's policies allow
  pacsys --sim mcp --config mcp.toml           the same against the built-in simulator
  pacsys mcp --http 127.0.0.1:8765             Streamable HTTP at http://127.0.0.1:8765/mcp

Register it with an assistant as the command `pacsys` with the arguments
[\"mcp\", \"--config\", \"/path/to/mcp.toml\"]. The configuration (TOML) has the proxy's
[backend], [audit] and [[policy]] tables, plus allow_writes (default false) and [limits];
see the pacsys-mcp README. With --http, READY http=<url> is printed once listening.")]
    Mcp(McpArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = "\
Examples:
  pacsys completions bash > ~/.local/share/bash-completion/completions/pacsys
  pacsys completions zsh > ~/.zfunc/_pacsys        (with fpath+=~/.zfunc in ~/.zshrc)
  pacsys completions fish > ~/.config/fish/completions/pacsys.fish")]
    Completions(CompletionsArgs),
}

/// `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `--terse`, `--number-format` and `--timestamp-format` (the reference CLI's options).
#[derive(Debug, Clone, Args)]
pub struct ViewArgs {
    /// Bare values: no DRF, units, timestamp or metadata (a failure is `[ERROR] <message>`;
    /// in JSON the value alone; in CSV one column and no header).
    #[arg(short = 't', long)]
    pub terse: bool,
    /// How numbers are written in text and CSV: a Python format spec such as `.3f`, `.2e`,
    /// `,d`, `#x`, `>10.2f` (JSON keeps exact numbers).
    #[arg(short = 'f', long, value_name = "SPEC", allow_hyphen_values = true)]
    pub number_format: Option<NumberFormat>,
    /// How timestamps are written: iso (UTC date and time), epoch (Unix seconds) or
    /// relative (seconds since the first reading).
    #[arg(short = 's', long, value_enum, value_name = "FORM", default_value_t = TimestampFormat::Iso)]
    pub timestamp_format: TimestampFormat,
}

impl ViewArgs {
    fn view(&self, range: Option<Range>) -> View {
        View {
            terse: self.terse,
            number_format: self.number_format.clone(),
            range,
            timestamp_format: self.timestamp_format,
            ..View::default()
        }
    }
}

/// `get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// Data request strings (DRF3), e.g. `M:OUTTMP`, `Z:ACLTST[0:4]`, `M:OUTTMP.SETTING`.
    #[arg(required_unless_present = "file", value_name = "DRF")]
    pub drfs: Vec<String>,
    /// Also read the DRFs listed in this file (`-` for stdin): one per line, blank lines and
    /// `#` comments skipped.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Display options.
    #[command(flatten)]
    pub view: ViewArgs,
    /// Show only these array elements: N, A:B or A:B:C, negative from the end (a Python
    /// slice; write -r=-5: for a negative start).
    #[arg(short = 'r', long, value_name = "SLICE")]
    pub range: Option<Range>,
}

/// `put`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct PutArgs {
    /// DRF VALUE pairs.
    #[arg(required = true, value_name = "DRF VALUE", num_args = 2..)]
    pub pairs: Vec<String>,
    /// Read each setting back and compare it with the value written.
    #[arg(long)]
    pub verify: bool,
    /// Largest accepted difference of a read-back number (implies --verify).
    #[arg(long, value_name = "T")]
    pub tolerance: Option<f64>,
    /// Write attempts per setting when verifying.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub retries: u32,
    /// Leave the DRF out of each result line (`ok`, `ok (verified, readback=X)`,
    /// `FAILED: <message>`).
    #[arg(short = 't', long)]
    pub terse: bool,
}

/// `monitor`.
#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// Data request strings with a repeating event, e.g. M:OUTTMP@p,1000.
    #[arg(required = true, value_name = "DRF")]
    pub drfs: Vec<String>,
    /// Stop once every DRF has delivered N readings (a rejected DRF counts as done).
    #[arg(short = 'n', long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Stop after this long (10s, 1m, 500ms, or seconds).
    #[arg(short = 'd', long, value_name = "D", value_parser = times::parse_duration)]
    pub duration: Option<Duration>,
    /// One line per reading even on a terminal (no live table).
    #[arg(long)]
    pub lines: bool,
    /// First deliver each DRF's logged readings since this time (an RFC 3339 time, or
    /// relative: -10m, -2h, -1d), then its live readings, without duplicates at the seam.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub since: Option<String>,
    /// Flag a DRF that delivers nothing for this long while the connection lives (10s,
    /// 500ms, or seconds): a `stale` line, or `[STALE]` in the table, until it delivers again.
    #[arg(long, value_name = "D", value_parser = times::parse_duration)]
    pub stale_after: Option<Duration>,
    /// Also record every reading and stream event (drops, gaps, reconnections) to this
    /// Parquet dataset, a new folder of part files (crash-safe: see below).
    #[arg(long, value_name = "DIR.parquet")]
    pub record: Option<PathBuf>,
    /// How often the recording closes a row group into a part file: what a crash can lose at
    /// most (also closed every 1,048,576 rows).
    #[arg(long, value_name = "D", default_value = "1s", value_parser = times::parse_duration, requires = "record")]
    pub record_interval: Duration,
    /// Draw a live chart on the terminal instead of the table: one line per DRF over the
    /// last --chart-window, redrawn in place.
    #[arg(long, conflicts_with = "lines")]
    pub chart: bool,
    /// The time the live chart shows.
    #[arg(long, value_name = "D", default_value = "60s", value_parser = times::parse_duration, requires = "chart")]
    pub chart_window: Duration,
    /// Display options.
    #[command(flatten)]
    pub view: ViewArgs,
    /// Show only these array elements: N, A:B or A:B:C, negative from the end (a Python
    /// slice; write -r=-5: for a negative start).
    #[arg(short = 'r', long, value_name = "SLICE")]
    pub range: Option<Range>,
}

/// `info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Device names (or DRFs; only the device part is used).
    #[arg(required = true, value_name = "DEVICE")]
    pub devices: Vec<String>,
}

/// `history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The devices (DRFs without an event), each read over the same window.
    #[arg(required = true, value_name = "DRF")]
    pub drfs: Vec<String>,
    /// Start of the window.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub start: String,
    /// End of the window.
    #[arg(
        long,
        value_name = "TIME",
        default_value = "now",
        allow_hyphen_values = true
    )]
    pub end: String,
    /// Fetch the window in pieces of this length (progress is shown per piece).
    #[arg(long, value_name = "D", default_value = "1h", value_parser = times::parse_duration)]
    pub chunk: Duration,
    /// Also write the samples to this Parquet file (one row per sample; see
    /// `--format parquet` for stdout).
    #[arg(short = 'o', long, value_name = "FILE.parquet")]
    pub output: Option<PathBuf>,
    /// Also draw the samples into this image (.png or .svg): time across, the devices'
    /// units up, one line per DRF, failed reads marked.
    #[arg(long, value_name = "FILE.png|FILE.svg")]
    pub plot: Option<PathBuf>,
    /// The plot's size in pixels.
    #[arg(long, value_name = "WxH", default_value = "1200x600", value_parser = parse_size)]
    pub plot_size: (u32, u32),
    /// Display options.
    #[command(flatten)]
    pub view: ViewArgs,
}

/// `plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// The recording: a dataset folder or one Parquet file.
    #[arg(value_name = "RECORDING")]
    pub recording: PathBuf,
    /// The image to write (.png or .svg) [default: the recording's name with .png].
    #[arg(short = 'o', long, value_name = "FILE.png|FILE.svg")]
    pub output: Option<PathBuf>,
    /// The image's size in pixels.
    #[arg(long, value_name = "WxH", default_value = "1200x600", value_parser = parse_size)]
    pub size: (u32, u32),
}

/// `WxH` pixels, e.g. `1200x600` (each 200 to 10,000).
fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let bad = || format!("{text:?}: give the size as WIDTHxHEIGHT in pixels, e.g. 1200x600");
    let (w, h) = text.split_once(['x', 'X']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if !(200..=10_000).contains(&w) || !(150..=10_000).contains(&h) {
        return Err(format!(
            "{text:?}: width 200 to 10000 and height 150 to 10000 pixels"
        ));
    }
    Ok((w, h))
}

impl Command {
    /// The display options this command was given (defaults for those without any).
    pub fn view(&self) -> View {
        match self {
            Command::Get(a) => a.view.view(a.range),
            Command::Monitor(a) => a.view.view(a.range),
            Command::History(a) => a.view.view(None),
            Command::Put(a) => View {
                terse: a.terse,
                ..View::default()
            },
            Command::Info(_)
            | Command::Sim(_)
            | Command::Completions(_)
            | Command::Mcp(_)
            | Command::Plot(_) => View::default(),
        }
    }
}

/// `mcp`.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// The TOML configuration (write switch, policies, audit log, limits, backend); without
    /// it: the backend of the options and environment, read-only.
    #[arg(short = 'c', long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Serve Streamable HTTP on this address instead of stdio (loopback only unless the
    /// configuration sets allow_plaintext_remote).
    #[arg(long, value_name = "ADDR:PORT")]
    pub http: Option<std::net::SocketAddr>,
}

/// `sim`.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Ports, settings policy and fault flags.
    #[command(flatten)]
    pub sim: SimOptions,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_go_before_or_after() {
        let a = Cli::try_parse_from(["pacsys", "--sim", "get", "M:OUTTMP", "--format", "json"]);
        let b = Cli::try_parse_from(["pacsys", "get", "M:OUTTMP", "--sim", "--format", "json"]);
        for cli in [a, b] {
            let Ok(cli) = cli else { panic!("parse failed") };
            assert!(cli.global.sim);
            assert_eq!(cli.global.format, OutputFormat::Json);
        }
    }

    #[test]
    fn negative_values_and_relative_times() {
        let Ok(cli) = Cli::try_parse_from(["pacsys", "put", "G:AMANDA", "-5"]) else {
            panic!("negative value")
        };
        let Command::Put(p) = cli.command else {
            panic!("not put")
        };
        assert_eq!(p.pairs, ["G:AMANDA", "-5"]);
        let Ok(cli) = Cli::try_parse_from(["pacsys", "history", "M:OUTTMP", "--start", "-1h"])
        else {
            panic!("relative start")
        };
        let Command::History(h) = cli.command else {
            panic!("not history")
        };
        assert_eq!(h.start, "-1h");
    }

    #[test]
    fn the_reference_display_options() {
        let Ok(cli) = Cli::try_parse_from([
            "pacsys", "get", "Z:ACLTST", "-t", "-f", ".2f", "-r=-5:", "-s", "epoch",
        ]) else {
            panic!("reference options")
        };
        let view = cli.command.view();
        assert!(view.terse);
        assert_eq!(view.timestamp_format, TimestampFormat::Epoch);
        assert_eq!(
            view.number_format.map(|f| f.format(1.0)),
            Some("1.00".into())
        );
        assert_eq!(view.range.map(|r| r.to_string()), Some("-5:".into()));
        let Ok(cli) = Cli::try_parse_from(["pacsys", "monitor", "A:B@p,100", "--range", "1:3"])
        else {
            panic!("monitor range")
        };
        assert_eq!(
            cli.command.view().range.map(|r| r.to_string()),
            Some("1:3".into())
        );
        let Ok(cli) = Cli::try_parse_from(["pacsys", "put", "G:AMANDA", "1", "-t"]) else {
            panic!("put terse")
        };
        assert!(cli.command.view().terse);
        for argv in [
            &["pacsys", "get", "A:B", "-f", ".q"][..],
            &["pacsys", "get", "A:B", "-r", "1:2:0"],
            &["pacsys", "get", "A:B", "-s", "local"],
            &["pacsys", "info", "A:B", "-t"],
            &["pacsys", "history", "A:B", "--start", "-1h", "-r", "1:2"],
        ] {
            assert!(Cli::try_parse_from(argv).is_err(), "{argv:?}");
        }
    }

    #[test]
    fn usage_errors() {
        for argv in [
            &["pacsys", "get"][..],
            &["pacsys", "--sim", "--host", "x", "get", "A:B"],
            &["pacsys", "monitor", "A:B", "--count", "0"],
            &["pacsys", "--timeout", "0", "get", "A:B"],
            &["pacsys", "put", "G:AMANDA"],
            &["pacsys", "monitor", "A:B@p,100", "--chart", "--lines"],
            &["pacsys", "monitor", "A:B@p,100", "--record-interval", "2s"],
            &[
                "pacsys",
                "history",
                "A:B",
                "--start",
                "-1h",
                "--plot-size",
                "10x10",
            ],
            &["pacsys", "history", "--start", "-1h"],
        ] {
            assert!(Cli::try_parse_from(argv).is_err(), "{argv:?}");
        }
    }
}
