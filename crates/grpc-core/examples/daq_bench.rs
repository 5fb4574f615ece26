//! Throughput and latency figures against the in-process fake DAQ server (loopback).
//!
//! ```text
//! cargo run --release -p pacsys-grpc-core --example daq_bench -- [SECONDS] [ADDR]
//! ```
//!
//! * streaming 10,000 `Z:BENCHnnnn@p,10` devices to a draining consumer: readings/s, drops;
//! * one-shot `read_many` of 1,000 devices: min / median / max of 20 runs.
//!
//! With `ADDR` (`host:port`) it measures against that server instead (for example
//! `pacsys-sim --grpc-port`).

use std::time::{Duration, Instant};

use futures::StreamExt;
use pacsys_grpc_core::{DaqClient, Event, SubscriptionOptions};
use pacsys_sim::FakeDaqServer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let target = args.next();
    let server = match target {
        Some(_) => None,
        None => Some(FakeDaqServer::builder().start().await?),
    };
    let (host, port) = match (&server, target) {
        (Some(s), _) => ("127.0.0.1".to_owned(), s.port()),
        (None, Some(addr)) => {
            let (h, p) = addr.rsplit_once(':').ok_or("ADDR is host:port")?;
            (h.to_owned(), p.parse()?)
        }
        (None, None) => unreachable!(),
    };
    let client = DaqClient::builder().host(host).port(port).build()?;

    // One-shot read of 1,000 devices.
    let drfs: Vec<String> = (0..1000).map(|n| format!("Z:BENCH{n:04}")).collect();
    let _ = client.read_many(&drfs, Duration::from_secs(10)).await; // warm up
    let mut times = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let results = client.read_many(&drfs, Duration::from_secs(10)).await;
        times.push(t.elapsed());
        assert!(results.iter().all(Result::is_ok));
    }
    times.sort();
    println!(
        "read_many 1,000 devices: min {:.2} ms, median {:.2} ms, max {:.2} ms",
        times[0].as_secs_f64() * 1e3,
        times[10].as_secs_f64() * 1e3,
        times[19].as_secs_f64() * 1e3
    );

    // Streaming 10,000 devices at 100 Hz each.
    let drfs: Vec<String> = (0..10_000).map(|n| format!("Z:BENCH{n:04}@p,10")).collect();
    let mut sub = client.subscribe_with(&drfs, SubscriptionOptions::default().buffer(100_000))?;
    // Warm-up second, then measure.
    let warm = Instant::now() + Duration::from_secs(1);
    while Instant::now() < warm {
        let _ = tokio::time::timeout(Duration::from_millis(100), sub.next()).await;
    }
    let (received0, dropped0) = (sub.received(), sub.dropped());
    let start = Instant::now();
    let end = start + Duration::from_secs(seconds);
    let mut delivered = 0u64;
    let mut max_age = Duration::ZERO;
    while Instant::now() < end {
        match tokio::time::timeout(Duration::from_millis(100), sub.next()).await {
            Ok(Some(Event::Reading(r))) => {
                delivered += 1;
                if delivered % 1024 == 0
                    && let Some(age) = r.timestamp.and_then(|t| t.elapsed().ok())
                {
                    max_age = max_age.max(age);
                }
            }
            Ok(Some(_)) | Err(_) => {}
            Ok(None) => break,
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "stream 10,000 devices @p,10 for {secs:.1} s: delivered {:.0} readings/s, received {:.0}/s, dropped {}, max sampled age {:.1} ms",
        delivered as f64 / secs,
        (sub.received() - received0) as f64 / secs,
        sub.dropped() - dropped0,
        max_age.as_secs_f64() * 1e3
    );
    sub.stop().await;
    if let Some(s) = server {
        println!("server: {:?}", s.stats());
        s.shutdown().await;
    }
    Ok(())
}
