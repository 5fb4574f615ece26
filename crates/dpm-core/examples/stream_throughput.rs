//! Streaming throughput: one subscription to 10,000 devices at `@p,10` (the fake offers
//! 1,000,000 readings/s) drained by a consumer; prints readings/s delivered, drops, and the
//! age of the delivered data.
//!
//! `cargo run --release -p pacsys-dpm-core --example stream_throughput [-- SECONDS [DEVICES]]`

use std::time::{Duration, Instant, SystemTime};

use futures::StreamExt;
use pacsys_dpm_core::{DpmClient, Event, SubscriptionOptions};
use pacsys_sim::FakeDpmServer;
use pacsys_sim::bench::peak_rss_kib;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map_or(Ok(5), |s| s.parse())?;
    let devices: usize = args.next().map_or(Ok(10_000), |s| s.parse())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let server = FakeDpmServer::start().await?;
        let client = DpmClient::builder()
            .host("127.0.0.1")
            .port(server.port())
            .build();
        let drfs: Vec<String> = (0..devices)
            .map(|i| format!("Z:BENCH{:04}@p,10", i % 10_000))
            .collect();
        let mut sub = client
            .subscribe_with(&drfs, SubscriptionOptions::default())
            .await?;
        // Warm-up: wait for the first reading.
        while !matches!(sub.next().await, Some(Event::Reading(_)) | None) {}
        let cpu_before = cpu_seconds();
        let before = server.stats().data_replies;
        let dropped_before = sub.dropped();
        let started = Instant::now();
        let mut delivered = 0u64;
        let mut age_sum = Duration::ZERO;
        let mut aged = 0u64;
        let until = started + Duration::from_secs(seconds);
        while Instant::now() < until {
            match tokio::time::timeout(Duration::from_secs(1), sub.next()).await {
                Ok(Some(Event::Reading(r))) => {
                    delivered += 1;
                    if delivered % 1024 == 0
                        && let Some(t) = r.timestamp
                        && let Ok(age) = SystemTime::now().duration_since(t)
                    {
                        age_sum += age;
                        aged += 1;
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        let secs = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds().zip(cpu_before).map(|(a, b)| a - b);
        let sent = server.stats().data_replies - before;
        let dropped = sub.dropped() - dropped_before;
        println!("devices            {devices} at @p,10");
        println!("server sent        {:.0} readings/s", sent as f64 / secs);
        println!(
            "delivered          {:.0} readings/s",
            delivered as f64 / secs
        );
        println!(
            "dropped            {dropped} ({:.0}/s)",
            dropped as f64 / secs
        );
        if aged > 0 {
            println!("mean data age      {:?}", age_sum / aged as u32);
        }
        if let Some(cpu) = cpu {
            println!(
                "process CPU        {:.0}% of one core (client and fake server together)",
                100.0 * cpu / secs
            );
        }
        if let Some(rss) = peak_rss_kib() {
            println!(
                "peak RSS           {} MiB (client and fake server together)",
                rss / 1024
            );
        }
        println!("client stats       {:?}", client.stats());
        sub.stop().await;
        server.shutdown().await;
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}

/// User + system CPU time of this process (Linux `/proc/self/stat`, 100 ticks/s assumed).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}
