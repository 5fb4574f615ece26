//! Times the parser over the accepted inputs of a vector file (corpus.json schema).
//!
//! ```text
//! cargo run --release -p pacsys-drf --example drf_bench -- crates/drf/tests/data/corpus.json
//! ```
//!
//! Parses every accepted input once per pass, repeats passes for about two seconds, and
//! prints the median over passes of nanoseconds per parse: `ns_per_parse=<median>`.
//!
//! Then the corpus median, the figure `cargo xtask bench-vs-pacsys` compares with the
//! reference parser timed the same way: each input is parsed `REPS` times in a row, three
//! rounds, and its time is the best round divided by `REPS`; the last line is the median
//! of those times over the inputs: `median_input_ns=<median>`.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use pacsys_drf::Request;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: drf_bench FILE");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("drf_bench: {}: {e}", path.to_string_lossy());
            return ExitCode::from(2);
        }
    };
    let cases: Vec<serde_json::Value> = match serde_json::from_str(&text) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("drf_bench: {e}");
            return ExitCode::from(2);
        }
    };
    let inputs: Vec<String> = cases
        .iter()
        .filter(|c| c.get("ok").and_then(|v| v.as_bool()) == Some(true))
        .filter_map(|c| c.get("input").and_then(|v| v.as_str()))
        .filter(|s| Request::parse(s).is_ok())
        .map(str::to_owned)
        .collect();
    if inputs.is_empty() {
        eprintln!("drf_bench: no accepted inputs");
        return ExitCode::from(2);
    }
    let pass = |inputs: &[String]| {
        let start = Instant::now();
        for s in inputs {
            let _ = black_box(Request::parse(black_box(s)));
        }
        start.elapsed()
    };
    // Warm up caches and the allocator.
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_millis(200) {
        pass(&inputs);
    }
    let mut per_parse: Vec<f64> = Vec::new();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(2) {
        let d = pass(&inputs);
        per_parse.push(d.as_nanos() as f64 / inputs.len() as f64);
    }
    per_parse.sort_by(f64::total_cmp);
    let median = per_parse
        .get(per_parse.len() / 2)
        .copied()
        .unwrap_or(f64::NAN);
    let min = per_parse.first().copied().unwrap_or(f64::NAN);
    let max = per_parse.last().copied().unwrap_or(f64::NAN);
    println!(
        "inputs={} passes={} min_ns={min:.1} max_ns={max:.1}",
        inputs.len(),
        per_parse.len()
    );
    println!("ns_per_parse={median:.1}");
    println!("median_input_ns={:.1}", median_per_input(&inputs));
    ExitCode::SUCCESS
}

/// Parses of one input per round in the corpus median.
const REPS: u32 = 1000;

/// The median over inputs of each input's per-parse time (best of three rounds of `REPS`).
fn median_per_input(inputs: &[String]) -> f64 {
    let mut times: Vec<f64> = inputs
        .iter()
        .map(|s| {
            (0..3)
                .map(|_| {
                    let start = Instant::now();
                    for _ in 0..REPS {
                        let _ = black_box(Request::parse(black_box(s)));
                    }
                    start.elapsed().as_nanos() as f64 / f64::from(REPS)
                })
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times.get(times.len() / 2).copied().unwrap_or(f64::NAN)
}
