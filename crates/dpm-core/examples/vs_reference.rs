//! The Rust side of `cargo xtask bench-vs-pacsys`: the same measurements the reference
//! client's script makes, against an already running DPM server (normally `pacsys-sim`).
//!
//! ```text
//! vs_reference PORT get_many N REPS   -> "median_ms <ms>"
//! vs_reference PORT stream N SECS     -> "per_s <readings/s> dropped <count>"
//! ```

use std::time::{Duration, Instant};

use futures::StreamExt;
use pacsys_dpm_core::{DpmClient, Event};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: vs_reference PORT (get_many N REPS | stream N SECS)";
    let [port, mode, n, x] = args.as_slice() else {
        return Err(usage.into());
    };
    let port: u16 = port.parse()?;
    let n: usize = n.parse()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let client = DpmClient::builder().host("127.0.0.1").port(port).build();
        match mode.as_str() {
            "get_many" => {
                let reps: usize = x.parse()?;
                let drfs: Vec<String> = (0..n)
                    .map(|i| format!("Z:BENCH{:04}", i % 10_000))
                    .collect();
                let warm = client.read_many(&drfs, Duration::from_secs(60)).await;
                if let Some(Err(e)) = warm.iter().find(|r| r.is_err()) {
                    return Err(format!("warm-up read failed: {e}").into());
                }
                let mut times = Vec::with_capacity(reps);
                for _ in 0..reps.max(1) {
                    let t = Instant::now();
                    let results = client.read_many(&drfs, Duration::from_secs(60)).await;
                    times.push(t.elapsed());
                    if results.iter().any(Result::is_err) {
                        return Err("a read failed".into());
                    }
                }
                times.sort();
                let median = times[times.len() / 2];
                println!("median_ms {:.3}", median.as_secs_f64() * 1e3);
            }
            "stream" => {
                let secs: f64 = x.parse()?;
                let drfs: Vec<String> = (0..n)
                    .map(|i| format!("Z:BENCH{:04}@p,10", i % 10_000))
                    .collect();
                let mut sub = client.subscribe(&drfs).await?;
                while !matches!(sub.next().await, Some(Event::Reading(_)) | None) {}
                let start = Instant::now();
                let until = start + Duration::from_secs_f64(secs);
                let mut count = 0u64;
                while Instant::now() < until {
                    match tokio::time::timeout(Duration::from_secs(1), sub.next()).await {
                        Ok(Some(Event::Reading(_))) => count += 1,
                        Ok(Some(_)) => {}
                        _ => break,
                    }
                }
                let per_s = count as f64 / start.elapsed().as_secs_f64();
                println!("per_s {per_s:.0} dropped {}", sub.dropped());
                sub.stop().await;
            }
            _ => return Err(usage.into()),
        }
        Ok(())
    })
}
