//! The gRPC client's own streaming ceiling: one subscription to DEVICES devices against a
//! fake DAQ server in flood mode (repeating reads send the next reading as soon as the
//! client takes the last; HTTP/2 flow control paces the server), so the fake's offered rate
//! is no longer the limit. The DPM twin is `pacsys-dpm-core`'s `stream_ceiling` example.
//!
//! The fake runs on a runtime of its own, on threads named `fake-daq`; the client's CPU is
//! the process's CPU minus those threads' (Linux `/proc/self/task`). With an EVENT (e.g.
//! `@p,1`) the fake serves that event instead of flooding.
//!
//! `cargo run --release -p pacsys-grpc-core --example daq_stream_ceiling [-- SECONDS [DEVICES [EVENT]]]`

use std::time::Duration;

use pacsys_grpc_core::{DaqClient, SubscriptionOptions};
use pacsys_sim::FakeDaqServer;
use pacsys_sim::bench::ceiling;

/// Name of the fake's runtime threads (excluded from the client's CPU).
const FAKE_THREAD: &str = "fake-daq";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map_or(Ok(5), |s| s.parse())?;
    let devices: usize = args.next().map_or(Ok(10_000), |s| s.parse())?;
    let event = args.next();

    let fake_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(FAKE_THREAD)
        .enable_all()
        .build()?;
    let server = fake_rt.block_on(FakeDaqServer::builder().flood(event.is_none()).start())?;
    let port = server.port();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = rt.block_on(async move {
        let client = DaqClient::builder().host("127.0.0.1").port(port).build()?;
        let at = event.as_deref().unwrap_or("@p,1000");
        let drfs: Vec<String> = (0..devices)
            .map(|i| format!("Z:BENCH{:04}{at}", i % 10_000))
            .collect();
        let mut sub = client.subscribe_with(&drfs, SubscriptionOptions::default())?;
        let what = match &event {
            None => format!("gRPC: {devices} devices, fake in flood mode"),
            Some(e) => format!("gRPC: {devices} devices at {e}"),
        };
        let secs = Duration::from_secs(seconds);
        ceiling(&mut sub, secs, FAKE_THREAD, &what, |s| s.dropped()).await?;
        sub.stop().await;
        Ok::<_, Box<dyn std::error::Error>>(())
    });
    fake_rt.block_on(server.shutdown());
    result
}
