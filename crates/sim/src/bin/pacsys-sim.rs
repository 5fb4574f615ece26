//! `pacsys-sim`: serves the simulated device world over the real DPM protocol until killed.
//!
//! ```text
//! pacsys-sim --dpm-port 0            # prints `READY dpm=<port>` once listening
//! pacsys-sim --dpm-port 0 --grpc-port 0   # also serves DAQ gRPC: `READY dpm=<p> grpc=<g>`
//! pacsys-sim --list-devices          # the device table as JSON lines
//! pacsys-sim --dpm-port 6802 --split-writes --close-after-data 100
//! pacsys-sim --dpm-port 0 --grpc-port 0 --replay run.parquet --speed 2 --loop   # a recording
//! ```

use std::process::ExitCode;

use clap::Parser;
use pacsys_sim::SimWorld;
use pacsys_sim::sim::SimOptions;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Serve simulated ACNET devices over the DPM/HTTP protocol on 127.0.0.1.
#[derive(Debug, Parser)]
#[command(
    version,
    about,
    after_help = "Example: pacsys-sim --dpm-port 0   (prints READY dpm=<port>)"
)]
struct Args {
    #[command(flatten)]
    sim: SimOptions,
    /// Print the device table as JSON lines and exit.
    #[arg(long)]
    list_devices: bool,
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn list_devices() {
    for device in SimWorld::default_table().devices() {
        let meta = device.meta();
        let state = device.state();
        println!(
            "{{\"name\":{},\"index\":{},\"description\":{},\"units\":{},\"kind\":\"{}\",\"settable\":{}}}",
            json_string(&meta.name),
            meta.device_index,
            json_string(&meta.description),
            meta.units.as_deref().map_or("null".to_owned(), json_string),
            state.reading.at(0).kind_name(),
            state.setting.is_some(),
        );
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    // RUST_LOG as `target=level` directives (a bad one falls back to the default).
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|s| s.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::WARN));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .finish()
        .with(filter)
        .init();
    if args.list_devices {
        list_devices();
        return ExitCode::SUCCESS;
    }
    let running = match args.sim.start().await {
        Ok(running) => running,
        Err(e) => {
            eprintln!("pacsys-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", running.ready_line());
    let _ = tokio::signal::ctrl_c().await;
    running.shutdown().await;
    ExitCode::SUCCESS
}
