//! Load test of the supervised proxy: N clients, each streaming M devices at `@p,100`
//! through the proxy (over the in-memory FakeBackend, with a policy chain and an audit
//! log) for a while; counts readings and audit records, checks that none was lost, and
//! prints the peak RSS of the process (proxy + backend + clients).
//!
//! ```text
//! cargo run --release -p pacsys-supervised --example proxy_load -- [CLIENTS] [DEVICES] [SECONDS]
//! ```
//!
//! Defaults: 100 clients, 100 devices each, 30 s.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use pacsys_grpc_core::proto::services::daq::{ReadingList, daq_client::DaqClient, reading_reply};
use pacsys_supervised::audit::AuditLog;
use pacsys_supervised::pattern::{DevicePattern, Syntax};
use pacsys_supervised::policy::{Action, DeviceAccessPolicy, Mode, RateLimitPolicy, RateScope};
use pacsys_supervised::{ProxyError, SupervisedServer};
use pacsys_testing::FakeBackend;
use tonic::transport::Channel;

/// A value of `/proc/self/status` in kB (`VmRSS`, `VmHWM`), 0 where unavailable.
fn proc_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn arg(n: usize, default: u64) -> u64 {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let clients = arg(1, 100);
    let devices = arg(2, 100);
    let seconds = arg(3, 30);
    let audit_path = std::env::temp_dir().join(format!("proxy_load-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&audit_path);

    let deny = DeviceAccessPolicy::new(
        vec![DevicePattern::new("Z:SECRET*", Syntax::Glob)?],
        Mode::Deny,
        Action::All,
    )?;
    let rate = RateLimitPolicy::new(
        10_000,
        Duration::from_secs(60),
        RateScope::Client,
        Action::All,
        vec![],
    )?;
    let server = SupervisedServer::new(FakeBackend::new())
        .bind("127.0.0.1:0".parse()?)
        .policy(deny)
        .policy(rate)
        .audit(AuditLog::open(&audit_path, 256)?)
        .start()
        .await
        .map_err(|e: ProxyError| e.to_string())?;
    let port = server.port();
    println!(
        "proxy_load: {clients} clients x {devices} devices @p,100 for {seconds} s through 127.0.0.1:{port}"
    );

    let received = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let until = tokio::time::Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let received = Arc::clone(&received);
        tasks.push(tokio::spawn(async move {
            let channel = Channel::from_shared(format!("http://127.0.0.1:{port}"))?
                .connect()
                .await?;
            let mut client = DaqClient::new(channel);
            let drfs = (0..devices)
                .map(|d| format!("Z:BENCH{:04}@p,100", (c * devices + d) % 10_000))
                .collect();
            let mut stream = client.read(ReadingList { drf: drfs }).await?.into_inner();
            while let Ok(Some(reply)) = tokio::time::timeout_at(until, stream.next()).await {
                if let Some(reading_reply::Value::Readings(r)) = reply?.value {
                    received.fetch_add(r.reading.len() as u64, Ordering::Relaxed);
                }
            }
            Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
        }));
    }
    // Sample the RSS while it runs.
    let mut rss_samples = Vec::new();
    while tokio::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(1)).await;
        rss_samples.push(proc_kb("VmRSS:"));
    }
    let mut failed = 0;
    for t in tasks {
        if !matches!(t.await, Ok(Ok(()))) {
            failed += 1;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let m = server.metrics();
    server.shutdown().await;
    let lines = std::fs::read_to_string(&audit_path)?.lines().count() as u64;
    let _ = std::fs::remove_file(&audit_path);

    let got = received.load(Ordering::Relaxed);
    let expected_records = 2 * clients;
    let mid = rss_samples.get(rss_samples.len() / 2).copied().unwrap_or(0);
    let last = rss_samples.last().copied().unwrap_or(0);
    println!("clients failed: {failed}");
    println!(
        "readings received by clients: {got} ({:.0}/s)",
        got as f64 / elapsed
    );
    println!(
        "readings forwarded by the proxy: {} ; backend drops: {}",
        m.readings, m.backend_dropped
    );
    println!(
        "audit records: {lines} in the file, {expected_records} expected; written {}, failed {}, dropped {}",
        m.audit_written, m.audit_failed, m.audit_dropped
    );
    println!(
        "RSS: mid-run {:.1} MiB, end {:.1} MiB, peak (VmHWM) {:.1} MiB",
        mid as f64 / 1024.0,
        last as f64 / 1024.0,
        proc_kb("VmHWM:") as f64 / 1024.0
    );
    let ok =
        failed == 0 && lines == expected_records && m.audit_dropped == 0 && m.audit_failed == 0;
    println!(
        "{}",
        if ok {
            "PASS: no lost audit record"
        } else {
            "FAIL"
        }
    );
    if !ok {
        std::process::exit(1);
    }
    Ok(())
}
