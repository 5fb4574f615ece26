//! The client's own streaming ceiling: one subscription to DEVICES devices against a fake
//! DPM server in flood mode (periodic requests send a sample every turn, paced only by how
//! fast the client reads), so the fake's offered rate is no longer the limit.
//!
//! The fake runs on a runtime of its own, on threads named `fake-dpm`; the client's CPU is
//! the process's CPU minus those threads' (Linux `/proc/self/task`). Prints readings/s
//! delivered to a draining consumer, drops, the client's CPU (share of one core and
//! milliseconds per million readings) and the age of the delivered data.
//!
//! `cargo run --release -p pacsys-dpm-core --example stream_ceiling [-- SECONDS [DEVICES]]`

use std::time::{Duration, Instant, SystemTime};

use futures::{FutureExt, StreamExt};
use pacsys_dpm_core::{DpmClient, Event, SubscriptionOptions};
use pacsys_sim::FakeDpmServer;

/// Name of the fake's runtime threads (excluded from the client's CPU).
const FAKE_THREAD: &str = "fake-dpm";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map_or(Ok(5), |s| s.parse())?;
    let devices: usize = args.next().map_or(Ok(10_000), |s| s.parse())?;

    // The fake: one worker thread of its own.
    let fake_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(FAKE_THREAD)
        .enable_all()
        .build()?;
    let server = fake_rt.block_on(
        FakeDpmServer::builder()
            .flood(true)
            .log_requests(false)
            .start(),
    )?;
    let port = server.port();

    // The client: the runtime a user's program would have.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = rt.block_on(async move {
        let client = DpmClient::builder().host("127.0.0.1").port(port).build();
        let drfs: Vec<String> = (0..devices)
            .map(|i| format!("Z:BENCH{:04}@p,1000", i % 10_000))
            .collect();
        let mut sub = client
            .subscribe_with(&drfs, SubscriptionOptions::default())
            .await?;
        // Warm-up: the first second is not measured.
        let warm = Instant::now() + Duration::from_secs(1);
        while Instant::now() < warm {
            if sub.next().await.is_none() {
                return Err("the stream ended during warm-up".into());
            }
        }
        let cpu_before = cpu_split();
        let dropped_before = sub.dropped();
        let started = Instant::now();
        let mut delivered = 0u64;
        let mut age_sum = Duration::ZERO;
        let mut aged = 0u64;
        let until = started + Duration::from_secs(seconds);
        loop {
            if delivered % 1024 == 0 && Instant::now() >= until {
                break;
            }
            // A ready event is taken without a timer; only a wait arms the 1 s timeout.
            let event = match sub.next().now_or_never() {
                Some(event) => Ok(event),
                None => tokio::time::timeout(Duration::from_secs(1), sub.next()).await,
            };
            match event {
                Ok(Some(Event::Reading(r))) => {
                    delivered += 1;
                    if delivered % 4096 == 0
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
        let cpu = cpu_split()
            .zip(cpu_before)
            .map(|(a, b)| (a.0 - b.0, a.1 - b.1));
        let dropped = sub.dropped() - dropped_before;
        let rate = delivered as f64 / secs;
        println!("devices            {devices}, fake in flood mode");
        println!("delivered          {rate:.0} readings/s");
        println!(
            "dropped            {dropped} ({:.0}/s)",
            dropped as f64 / secs
        );
        if aged > 0 {
            println!("mean data age      {:?}", age_sum / aged as u32);
        }
        if let Some((client, fake)) = cpu {
            println!(
                "client CPU         {:.0}% of one core, {:.0} ms per million readings",
                100.0 * client / secs,
                1e3 * client / (delivered as f64 / 1e6)
            );
            println!("fake CPU           {:.0}% of one core", 100.0 * fake / secs);
        }
        println!("per_s {rate:.0} dropped {dropped}");
        sub.stop().await;
        Ok::<_, Box<dyn std::error::Error>>(())
    });
    fake_rt.block_on(server.shutdown());
    result
}

/// (client, fake) CPU seconds: every thread of this process, split by the fake's thread
/// name (Linux `/proc/self/task/*/stat`, 100 ticks/s assumed).
fn cpu_split() -> Option<(f64, f64)> {
    let mut client = 0.0;
    let mut fake = 0.0;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        let Some((head, after)) = stat.rsplit_once(')') else {
            continue;
        };
        let name = head.split_once('(').map_or("", |(_, n)| n);
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        let secs = (ticks(11) + ticks(12)) / 100.0;
        if name.starts_with(FAKE_THREAD) {
            fake += secs;
        } else {
            client += secs;
        }
    }
    Some((client, fake))
}
