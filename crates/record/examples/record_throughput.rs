//! The recorder alone: encodes MILLIONS million synthetic scalar readings (10,000 DRFs round
//! robin, each with its device metadata, timestamps 1 µs apart) through a [`Recorder`] into a
//! temporary dataset, then prints events/s, the CPU per million events (the whole process:
//! the thread appending and the encoder thread), the bytes per reading on disk, and how fast
//! [`pacsys_record::Recording::events`] reads it back.
//!
//! `cargo run --release -p pacsys-record --example record_throughput [-- MILLIONS]`

use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use pacsys_record::{RecordOptions, Recorder};
use pacsys_types::{DeviceMeta, Event, Reading, Status, Value};

const DRFS: usize = 10_000;

/// CPU seconds (user + system) of the whole process (Linux `/proc/self/stat`).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let (_, after) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

/// CPU seconds (user + system) of the calling thread (Linux `/proc/thread-self/stat`).
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let (_, after) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let millions: f64 = std::env::args().nth(1).map_or(Ok(5.0), |s| s.parse())?;
    let total = (millions * 1e6) as u64;

    // One request (and its shared metadata) per device, as a subscription delivers them.
    let requests: Vec<(Arc<str>, Arc<DeviceMeta>)> = (0..DRFS)
        .map(|i| {
            let meta = DeviceMeta {
                device_index: 100_000 + i as i32,
                name: format!("Z:BENCH{i:04}"),
                description: String::new(),
                units: Some("DegF".into()),
                format_hint: None,
            };
            (Arc::from(format!("Z:BENCH{i:04}@p,1")), Arc::new(meta))
        })
        .collect();
    let start = UNIX_EPOCH + Duration::from_secs(1_780_000_000);

    let dir =
        std::env::temp_dir().join(format!("record-throughput-{}.parquet", std::process::id()));
    let mut recorder = Recorder::create(&dir, RecordOptions::default().overwrite(true))?;
    let cpu0 = cpu_seconds();
    let main0 = thread_cpu_seconds();
    let t0 = Instant::now();
    for n in 0..total {
        let (drf, meta) = &requests[n as usize % DRFS];
        // A slowly varying value, as a real device gives (not random bits).
        let value = 70.0 + ((n / DRFS as u64) % 1000) as f64 * 0.01;
        let reading = Reading::new(drf.clone(), Status::OK)
            .with_value(Value::Scalar(value))
            .with_timestamp(Some(start + Duration::from_micros(n)))
            .with_meta(Some(meta.clone()));
        let event = Event::Reading(reading);
        recorder.write(&event)?;
    }
    // The producer's CPU includes building the synthetic events (a real subscription's
    // decoding), as a subscriber's loop would.
    let producer = thread_cpu_seconds().zip(main0).map(|(a, b)| a - b);
    let stats = recorder.finish()?;
    let elapsed = t0.elapsed();
    let cpu = cpu_seconds().zip(cpu0).map(|(a, b)| a - b);

    let rate = stats.rows as f64 / elapsed.as_secs_f64();
    println!(
        "recorded           {} readings in {} parts",
        stats.readings, stats.groups
    );
    println!("throughput         {rate:.0} events/s");
    let per_million = |secs: f64| 1e3 * secs / (stats.rows as f64 / 1e6);
    if let Some(cpu) = cpu {
        println!(
            "CPU                {:.0} ms per million events (whole process)",
            per_million(cpu)
        );
        if let Some(producer) = producer {
            println!(
                "  producer thread  {:.0} ms per million (making events + Recorder::write)",
                per_million(producer)
            );
            println!(
                "  encoder thread   {:.0} ms per million (Parquet encoding, writing)",
                per_million(cpu - producer)
            );
        }
    }
    println!(
        "on disk            {} bytes, {:.2} bytes/reading",
        stats.bytes,
        stats.bytes as f64 / stats.readings.max(1) as f64
    );
    // Reading it back, one batch at a time (what `read_events` and the replay do).
    let t0 = Instant::now();
    let mut read = 0u64;
    for event in pacsys_record::Recording::open(&dir)?.events() {
        event?;
        read += 1;
    }
    let elapsed = t0.elapsed();
    println!(
        "read back          {read} events in {:.2} s, {:.0} events/s",
        elapsed.as_secs_f64(),
        read as f64 / elapsed.as_secs_f64()
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
