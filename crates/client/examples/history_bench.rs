//! Retrieving 100,000 logged points of one device from the fake DPM server (in-process, on
//! a runtime of its own): as one `<-LOGGER:start:end` read, and as the history part of
//! `pacsys::history::since` (windows of 10 minutes, delivered reading by reading). Prints
//! the time and the peak resident memory of each.
//!
//! `cargo run --release -p pacsys --example history_bench`

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use pacsys::history::{self, SinceOptions};
use pacsys::{Backend, DpmBackend, Event, Value};
use pacsys_sim::FakeDpmServer;
use pacsys_sim::bench::peak_rss_kib;

/// Points to retrieve (the fake logs one point per second).
const POINTS: u64 = 100_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fake_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let server = fake_rt.block_on(FakeDpmServer::builder().log_requests(false).start())?;
    let port = server.port();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = rt.block_on(async move {
        let backend = Arc::new(
            DpmBackend::builder()
                .host("127.0.0.1")
                .port(port)
                .env(Default::default())
                .build()?,
        );
        let now = SystemTime::now();
        // Whole seconds, so the window holds exactly POINTS logged points.
        let end_ms = now.duration_since(UNIX_EPOCH)?.as_millis() as i64 / 1000 * 1000;
        let start_ms = end_ms - (POINTS as i64 - 1) * 1000;
        let rss0 = peak_rss_kib();

        let t = Instant::now();
        let drf = format!("M:OUTTMP<-LOGGER:{start_ms}:{end_ms}");
        let value = backend.read(&drf, Some(Duration::from_secs(60))).await?;
        let one_read = t.elapsed();
        let points = match &value {
            Value::TimedArray(t) => t.data.len(),
            other => return Err(format!("not a timed array: {other:?}").into()),
        };
        drop(value);
        let rss1 = peak_rss_kib();
        println!(
            "one read:          {points} points in {:.1} ms ({:.0} points/s), peak RSS {} MiB (+{} MiB)",
            one_read.as_secs_f64() * 1e3,
            points as f64 / one_read.as_secs_f64(),
            rss1.map_or(0, |r| r / 1024),
            rss1.zip(rss0).map_or(0, |(a, b)| (a - b) / 1024)
        );

        let t = Instant::now();
        let start = UNIX_EPOCH + Duration::from_millis(start_ms as u64);
        let mut sub = history::since(Arc::clone(&backend), "M:OUTTMP@p,1000", start, SinceOptions::default()).await?;
        let mut logged = 0u64;
        while logged < POINTS {
            match tokio::time::timeout(Duration::from_secs(60), sub.next()).await {
                Ok(Some(Event::Reading(_))) => logged += 1,
                Ok(Some(Event::Gap { reason, .. })) => return Err(format!("gap: {reason}").into()),
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        let streamed = t.elapsed();
        let rss2 = peak_rss_kib();
        println!(
            "history::since:    {logged} readings in {:.1} ms ({:.0} readings/s, windows of 10 min), peak RSS {} MiB",
            streamed.as_secs_f64() * 1e3,
            logged as f64 / streamed.as_secs_f64(),
            rss2.map_or(0, |r| r / 1024)
        );
        sub.stop().await;
        Ok::<_, Box<dyn std::error::Error>>(())
    });
    fake_rt.block_on(server.shutdown());
    result
}
