//! Measuring a client against the fakes: draining a subscription for a while and splitting
//! the process's CPU between the client and a fake running on threads of its own name.
//! Used by the `stream_ceiling` examples of `pacsys-dpm-core` and `pacsys-grpc-core`.

use std::time::{Duration, Instant, SystemTime};

use futures::{FutureExt, Stream, StreamExt};
use pacsys_types::Event;

/// What [`drain`] saw.
#[derive(Debug, Clone, Copy, Default)]
pub struct Drained {
    /// Readings taken from the stream.
    pub readings: u64,
    /// How long the drain ran.
    pub elapsed: Duration,
    /// Mean age (now minus the reading's timestamp) of one reading in 4,096.
    pub mean_age: Option<Duration>,
}

impl Drained {
    /// Readings per second.
    pub fn rate(&self) -> f64 {
        self.readings as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Takes events from `stream` as fast as it yields them for `duration` (or until it ends or
/// is silent for a second), counting readings. A ready event is taken without arming a
/// timer, so the consumer costs as little as a user's loop would.
pub async fn drain<S: Stream<Item = Event> + Unpin>(stream: &mut S, duration: Duration) -> Drained {
    let started = Instant::now();
    let until = started + duration;
    let mut readings = 0u64;
    let (mut age_sum, mut aged) = (Duration::ZERO, 0u32);
    loop {
        if readings.is_multiple_of(1024) && Instant::now() >= until {
            break;
        }
        let event = match stream.next().now_or_never() {
            Some(event) => event,
            None => match tokio::time::timeout(Duration::from_secs(1), stream.next()).await {
                Ok(event) => event,
                Err(_) => break,
            },
        };
        match event {
            Some(Event::Reading(r)) => {
                readings += 1;
                if readings.is_multiple_of(4096)
                    && let Some(age) = r
                        .timestamp
                        .and_then(|t| SystemTime::now().duration_since(t).ok())
                {
                    age_sum += age;
                    aged += 1;
                }
            }
            Some(_) => {}
            None => break,
        }
    }
    Drained {
        readings,
        elapsed: started.elapsed(),
        mean_age: (aged > 0).then(|| age_sum / aged),
    }
}

/// CPU seconds (user + system) of this process's threads: `(others, named)`, where `named`
/// are the threads whose name starts with `prefix` (a fake's runtime built with
/// `thread_name(prefix)`). Linux only (`/proc/self/task`, 100 ticks/s); `None` elsewhere.
pub fn cpu_split(prefix: &str) -> Option<(f64, f64)> {
    let mut others = 0.0;
    let mut named = 0.0;
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
        if name.starts_with(prefix) {
            named += secs;
        } else {
            others += secs;
        }
    }
    Some((others, named))
}

/// Prints the figures of one ceiling run (see the `stream_ceiling` examples): readings/s,
/// drops, data age, and the client's and the fake's CPU over `drained.elapsed`.
pub fn report(what: &str, drained: &Drained, dropped: u64, cpu: Option<(f64, f64)>) {
    let secs = drained.elapsed.as_secs_f64().max(1e-9);
    println!("{what}");
    println!("delivered          {:.0} readings/s", drained.rate());
    println!(
        "dropped            {dropped} ({:.0}/s)",
        dropped as f64 / secs
    );
    if let Some(age) = drained.mean_age {
        println!("mean data age      {age:?}");
    }
    if let Some((client, fake)) = cpu {
        println!(
            "client CPU         {:.0}% of one core, {:.0} ms per million readings",
            100.0 * client / secs,
            1e3 * client / (drained.readings as f64 / 1e6).max(1e-9)
        );
        println!("fake CPU           {:.0}% of one core", 100.0 * fake / secs);
    }
    println!("per_s {:.0} dropped {dropped}", drained.rate());
}

/// A ceiling run on a subscription: waits for its first event, drains a one-second warm-up,
/// then drains for `duration` and prints [`report`] under `what`, with the CPU split against
/// the threads named `fake_thread` and the drops `dropped` reads off the subscription.
pub async fn ceiling<S, D>(
    sub: &mut S,
    duration: Duration,
    fake_thread: &str,
    what: &str,
    dropped: D,
) -> Result<Drained, String>
where
    S: Stream<Item = Event> + Unpin,
    D: Fn(&S) -> u64,
{
    if sub.next().await.is_none() {
        return Err("the stream ended at once".to_owned());
    }
    drain(sub, Duration::from_secs(1)).await;
    let cpu_before = cpu_split(fake_thread);
    let dropped_before = dropped(sub);
    let drained = drain(sub, duration).await;
    let cpu = cpu_split(fake_thread)
        .zip(cpu_before)
        .map(|(a, b)| (a.0 - b.0, a.1 - b.1));
    report(what, &drained, dropped(sub) - dropped_before, cpu);
    Ok(drained)
}

/// Peak resident set size of this process in KiB (Linux `/proc/self/status`, VmHWM).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drain_counts_readings_until_the_stream_ends() {
        use pacsys_types::{Reading, Status};
        let events: Vec<Event> = (0..5)
            .map(|_| Event::Reading(Reading::new("Z:BENCH0000".into(), Status::OK)))
            .chain([Event::Dropped { count: 2 }])
            .collect();
        let mut stream = futures::stream::iter(events);
        let d = drain(&mut stream, Duration::from_secs(5)).await;
        assert_eq!(d.readings, 5);
        assert!(d.elapsed < Duration::from_secs(5));
        let (others, named) = cpu_split("no-such-thread").unwrap_or((0.0, 0.0));
        assert!(others >= 0.0 && named == 0.0);
    }
}
