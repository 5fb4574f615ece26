//! The client's own streaming ceiling: one subscription to DEVICES devices against a fake
//! DPM server in flood mode (periodic requests send a sample every turn, paced only by how
//! fast the client reads), so the fake's offered rate is no longer the limit.
//!
//! The fake runs on a runtime of its own, on threads named `fake-dpm`; the client's CPU is
//! the process's CPU minus those threads' (Linux `/proc/self/task`). Prints readings/s
//! delivered to a draining consumer, drops, the client's CPU (share of one core and
//! milliseconds per million readings) and the age of the delivered data. With an EVENT
//! (e.g. `@p,1`) the fake serves that event instead, so the client's CPU can be read at a
//! fixed offered rate (3,000 devices at `@p,1` offer 3,000,000 readings/s).
//!
//! `cargo run --release -p pacsys-dpm-core --example stream_ceiling [-- SECONDS [DEVICES [EVENT]]]`

use std::time::Duration;

use pacsys_dpm_core::{DpmClient, SubscriptionOptions};
use pacsys_sim::FakeDpmServer;
use pacsys_sim::bench::ceiling;

/// Name of the fake's runtime threads (excluded from the client's CPU).
const FAKE_THREAD: &str = "fake-dpm";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map_or(Ok(5), |s| s.parse())?;
    let devices: usize = args.next().map_or(Ok(10_000), |s| s.parse())?;
    let event = args.next();

    // The fake: one worker thread of its own.
    let fake_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(FAKE_THREAD)
        .enable_all()
        .build()?;
    let server = fake_rt.block_on(
        FakeDpmServer::builder()
            .flood(event.is_none())
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
        let at = event.as_deref().unwrap_or("@p,1000");
        let drfs: Vec<String> = (0..devices)
            .map(|i| format!("Z:BENCH{:04}{at}", i % 10_000))
            .collect();
        let mut sub = client
            .subscribe_with(&drfs, SubscriptionOptions::default())
            .await?;
        let what = match &event {
            None => format!("DPM: {devices} devices, fake in flood mode"),
            Some(e) => format!("DPM: {devices} devices at {e}"),
        };
        let secs = Duration::from_secs(seconds);
        ceiling(&mut sub, secs, FAKE_THREAD, &what, |s| s.dropped()).await?;
        sub.stop().await;
        Ok::<_, Box<dyn std::error::Error>>(())
    });
    fake_rt.block_on(server.shutdown());
    result
}
