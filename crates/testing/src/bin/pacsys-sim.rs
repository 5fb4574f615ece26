//! `pacsys-sim`: serves the simulated device world over the real DPM protocol until killed.
//!
//! ```text
//! pacsys-sim --dpm-port 0            # prints `READY dpm=<port>` once listening
//! pacsys-sim --dpm-port 0 --grpc-port 0   # also serves DAQ gRPC: `READY dpm=<p> grpc=<g>`
//! pacsys-sim --list-devices          # the device table as JSON lines
//! pacsys-sim --dpm-port 6802 --split-writes --close-after-data 100
//! ```

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use pacsys_testing::{FakeDaqServer, FakeDpmServer, Faults, SimWorld};

/// Serve simulated ACNET devices over the DPM/HTTP protocol on 127.0.0.1.
#[derive(Debug, Parser)]
#[command(
    version,
    about,
    after_help = "Example: pacsys-sim --dpm-port 0   (prints READY dpm=<port>)"
)]
struct Args {
    /// DPM port on 127.0.0.1 (0 = any free port; the chosen port is printed).
    #[arg(long, default_value_t = 6802)]
    dpm_port: u16,
    /// Also serve the DAQ gRPC service on this 127.0.0.1 port (0 = any free port), over
    /// the same device world; the ready line becomes `READY dpm=<p> grpc=<g>`.
    #[arg(long)]
    grpc_port: Option<u16>,
    /// Require `authorization: Bearer <TOKEN>` on gRPC settings.
    #[arg(long, value_name = "TOKEN", requires = "grpc_port")]
    grpc_token: Option<String>,
    /// Print the device table as JSON lines and exit.
    #[arg(long)]
    list_devices: bool,
    /// Idle heartbeat interval in milliseconds.
    #[arg(long, default_value_t = 2000)]
    heartbeat_ms: u64,
    /// Answer unknown devices with DPM_PEND after this many milliseconds, as production.
    #[arg(long)]
    pend_unknown_ms: Option<u64>,
    /// Accept settings without authentication (tests only; logged loudly).
    #[arg(long)]
    insecure_settings: bool,
    /// Fault: split every frame into random 1-7 byte writes.
    #[arg(long)]
    split_writes: bool,
    /// Fault: delay every write by this many milliseconds.
    #[arg(long)]
    delay_ms: Option<u64>,
    /// Fault: send data replies in reverse ref order.
    #[arg(long)]
    reorder: bool,
    /// Fault: close each connection after N data replies.
    #[arg(long, value_name = "N")]
    close_after_data: Option<u64>,
    /// Fault: go silent (but stay connected) after N data replies.
    #[arg(long, value_name = "N")]
    stall_after_data: Option<u64>,
    /// Fault: send a garbage frame after N data replies.
    #[arg(long, value_name = "N")]
    garbage_after_data: Option<u64>,
    /// Fault: send an oversize length prefix after N data replies.
    #[arg(long, value_name = "N")]
    oversize_after_data: Option<u64>,
    /// Fault: answer every handshake with this HTTP status.
    #[arg(long, value_name = "CODE")]
    http_error: Option<u16>,
    /// Fault: close every connection right after accepting it.
    #[arg(long)]
    accept_then_close: bool,
}

impl Args {
    fn faults(&self) -> Faults {
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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    if args.list_devices {
        list_devices();
        return ExitCode::SUCCESS;
    }
    let world = SimWorld::default_table();
    let mut builder = FakeDpmServer::builder()
        .world(world.clone())
        .port(args.dpm_port)
        .heartbeat(Duration::from_millis(args.heartbeat_ms.max(1)))
        .insecure_settings(args.insecure_settings)
        .faults(args.faults());
    if let Some(ms) = args.pend_unknown_ms {
        builder = builder.pend_unknown_after(Duration::from_millis(ms));
    }
    let server = match builder.start().await {
        Ok(server) => server,
        Err(e) => {
            eprintln!(
                "pacsys-sim: cannot listen on 127.0.0.1:{}: {e}",
                args.dpm_port
            );
            return ExitCode::FAILURE;
        }
    };
    let grpc = match args.grpc_port {
        Some(port) => {
            let mut daq = FakeDaqServer::builder().world(world).port(port);
            if let Some(token) = &args.grpc_token {
                daq = daq.token(token.clone());
            }
            match daq.start().await {
                Ok(daq) => Some(daq),
                Err(e) => {
                    eprintln!("pacsys-sim: cannot listen on 127.0.0.1:{port} for gRPC: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        None => None,
    };
    match &grpc {
        Some(daq) => println!("READY dpm={} grpc={}", server.port(), daq.port()),
        None => println!("READY dpm={}", server.port()),
    }
    let _ = tokio::signal::ctrl_c().await;
    if let Some(daq) = grpc {
        daq.shutdown().await;
    }
    server.shutdown().await;
    ExitCode::SUCCESS
}
