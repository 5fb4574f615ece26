//! The recorder behind a real subscription: the fake DPM server (pacsys-sim, on a runtime of
//! its own, threads named `fake-dpm`) serves DEVICES devices at EVENT (default 1,000 at
//! `@p,1`: 1,000,000 readings/s offered), a `pacsys` DPM backend subscribes to them over
//! loopback TCP, and [`Recorder::record`] records the subscription into a temporary dataset
//! for SECONDS seconds (after a one-second warm-up that is not recorded).
//!
//! Prints the readings/s recorded, the drops the subscription counted, the bytes per
//! reading on disk, the CPU of the client + recorder task, of the recorder's encoder thread
//! and of the fake (Linux `/proc/self/task`), and the peak RSS.
//!
//! `RECORD_GROUP_ROWS=N` in the environment sets [`RecordOptions::group_rows`];
//! `RECORD_BUFFER=N` the subscription's buffer (default 10,000 readings: 10 ms at a million
//! readings a second, the slack the consumer has when the machine is busy with other work).
//!
//! With a fourth argument `drain`, the subscription is only drained for the same time (no
//! recorder): the baseline of the client alone.
//!
//! `cargo run --release -p pacsys-record --example record_ceiling [-- SECONDS [DEVICES [EVENT [drain]]]]`

use std::time::{Duration, Instant};

use futures::StreamExt;
use pacsys::{Backend, DpmBackend};
use pacsys_record::{RecordOptions, Recorder};
use pacsys_sim::FakeDpmServer;
use pacsys_sim::bench::{cpu_split, drain, peak_rss_kib};

/// Name of the fake's runtime threads.
const FAKE_THREAD: &str = "fake-dpm";
/// Name of the recorder's encoder thread.
const ENCODER_THREAD: &str = "pacsys-record";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map_or(Ok(10), |s| s.parse())?;
    let devices: usize = args.next().map_or(Ok(1_000), |s| s.parse())?;
    let event = args.next().unwrap_or_else(|| "@p,1".to_owned());
    let drain_only = args.next().as_deref() == Some("drain");

    let fake_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(FAKE_THREAD)
        .enable_all()
        .build()?;
    let server = fake_rt.block_on(FakeDpmServer::builder().log_requests(false).start())?;
    let port = server.port();

    let dir = std::env::temp_dir().join(format!("record-ceiling-{}.parquet", std::process::id()));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = rt.block_on(async {
        let mut builder = DpmBackend::builder()
            .host("127.0.0.1")
            .port(port)
            .env(Default::default());
        if let Some(n) = std::env::var("RECORD_BUFFER")
            .ok()
            .and_then(|s| s.parse().ok())
        {
            builder =
                builder.subscription_options(pacsys::SubscriptionOptions::default().buffer(n));
        }
        let backend = builder.build()?;
        let drfs: Vec<String> = (0..devices)
            .map(|i| format!("Z:BENCH{:04}{event}", i % 10_000))
            .collect();
        let mut sub = backend.subscribe(&drfs).await?;
        if sub.next().await.is_none() {
            return Err("the subscription ended at once".into());
        }
        drain(&mut sub, Duration::from_secs(1)).await;
        if drain_only {
            let cpu_before = cpu_split(FAKE_THREAD);
            let dropped_before = sub.dropped();
            let drained = drain(&mut sub, Duration::from_secs(seconds)).await;
            let cpu = cpu_split(FAKE_THREAD)
                .zip(cpu_before)
                .map(|(a, b)| (a.0 - b.0, a.1 - b.1));
            let what = format!("DPM: {devices} devices at {event}, drained (no recorder)");
            pacsys_sim::bench::report(&what, &drained, sub.dropped() - dropped_before, cpu);
            sub.stop().await;
            backend.close().await;
            return Ok(());
        }

        let mut options = RecordOptions::default().overwrite(true);
        if let Some(rows) = std::env::var("RECORD_GROUP_ROWS")
            .ok()
            .and_then(|s| s.parse().ok())
        {
            options = options.group_rows(rows);
        }
        let mut recorder = Recorder::create(&dir, options)?;
        let dropped_before = sub.dropped();
        let cpu_before = cpu_split(FAKE_THREAD);
        let encoder_before = cpu_split(ENCODER_THREAD).map_or(0.0, |c| c.1);
        let started = Instant::now();
        let stop = Box::pin(tokio::time::sleep(Duration::from_secs(seconds)));
        recorder.record((&mut sub).take_until(stop)).await?;
        let elapsed = started.elapsed().as_secs_f64();
        let cpu = cpu_split(FAKE_THREAD)
            .zip(cpu_before)
            .map(|(a, b)| (a.0 - b.0, a.1 - b.1));
        let encoder = cpu_split(ENCODER_THREAD).map_or(0.0, |c| c.1) - encoder_before;
        let dropped = sub.dropped() - dropped_before;
        sub.stop().await;
        let stats = recorder.finish()?;
        backend.close().await;

        let rate = stats.readings as f64 / elapsed;
        println!("DPM: {devices} devices at {event}, recorded for {seconds} s");
        println!(
            "recorded           {rate:.0} readings/s ({} readings, {} parts)",
            stats.readings, stats.groups
        );
        println!(
            "dropped            {dropped} ({:.0}/s)",
            dropped as f64 / elapsed
        );
        println!(
            "on disk            {} bytes, {:.2} bytes/reading",
            stats.bytes,
            stats.bytes as f64 / stats.readings.max(1) as f64
        );
        if let Some((others, fake)) = cpu {
            let per_million = |secs: f64| 1e3 * secs / (stats.readings as f64 / 1e6).max(1e-9);
            println!(
                "client + recorder  {:.0}% of one core, {:.0} ms per million readings",
                100.0 * (others - encoder) / elapsed,
                per_million(others - encoder)
            );
            println!(
                "encoder thread     {:.0}% of one core, {:.0} ms per million readings",
                100.0 * encoder / elapsed,
                per_million(encoder)
            );
            println!(
                "fake CPU           {:.0}% of one core",
                100.0 * fake / elapsed
            );
        }
        if let Some(kib) = peak_rss_kib() {
            println!("peak RSS           {:.0} MiB", kib as f64 / 1024.0);
        }
        println!("per_s {rate:.0} dropped {dropped}");
        Ok::<_, Box<dyn std::error::Error>>(())
    });
    fake_rt.block_on(server.shutdown());
    let _ = std::fs::remove_dir_all(&dir);
    result
}
