//! The Rust facade's own figures for `cargo xtask bench-py`, printed in the format of
//! `xtask/interop/bench_reference.py` so the Python clients compare with it in one run.
//!
//! ```sh
//! facade_bench PORT get_many N REPS   # -> "median_ms <ms>"
//! facade_bench PORT read1 0 REPS      # -> "p50_us <us> p90_us <us>"
//! ```
//!
//! Runs on a multi-thread runtime with two workers, as the Python package's.

use std::time::{Duration, Instant};

use pacsys::{Backend, DpmBackend};

const USAGE: &str = "usage: facade_bench PORT (get_many N REPS | read1 0 REPS)";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [port, mode, n, reps] = args.as_slice() else {
        return Err(USAGE.into());
    };
    let (port, n, reps): (u16, usize, usize) = (port.parse()?, n.parse()?, reps.parse()?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let backend = DpmBackend::builder().host("127.0.0.1").port(port).build()?;
        let timeout = Some(Duration::from_secs(60));
        match mode.as_str() {
            "get_many" => {
                let drfs: Vec<String> = (0..n)
                    .map(|i| format!("Z:BENCH{:04}", i % 10_000))
                    .collect();
                backend.get_many(&drfs, timeout).await;
                let mut times = Vec::with_capacity(reps);
                for _ in 0..reps.max(1) {
                    let t = Instant::now();
                    let out = backend.get_many(&drfs, timeout).await;
                    times.push(t.elapsed());
                    if out.iter().any(Result::is_err) {
                        return Err("a read failed".into());
                    }
                }
                times.sort();
                let median = times[times.len() / 2];
                println!("median_ms {:.3}", median.as_secs_f64() * 1e3);
            }
            "split" => {
                let drfs: Vec<String> = (0..n)
                    .map(|i| format!("Z:BENCH{:04}", i % 10_000))
                    .collect();
                let (a, b) = drfs.split_at(n / 2);
                let mut times = Vec::with_capacity(reps);
                for _ in 0..reps.max(1) {
                    let t = Instant::now();
                    let (x, y) =
                        tokio::join!(backend.get_many(a, timeout), backend.get_many(b, timeout));
                    times.push(t.elapsed());
                    if x.iter().chain(&y).any(Result::is_err) {
                        return Err("a read failed".into());
                    }
                }
                times.sort();
                println!(
                    "median_ms {:.3}",
                    times[times.len() / 2].as_secs_f64() * 1e3
                );
            }
            "read1" => {
                backend.read("M:OUTTMP", timeout).await?;
                let mut times = Vec::with_capacity(reps);
                for _ in 0..reps.max(1) {
                    let t = Instant::now();
                    backend.read("M:OUTTMP", timeout).await?;
                    times.push(t.elapsed());
                }
                times.sort();
                let at = |q: usize| times[times.len() * q / 100].as_secs_f64() * 1e6;
                println!("p50_us {:.1} p90_us {:.1}", at(50), at(90));
            }
            _ => return Err(USAGE.into()),
        }
        backend.close().await;
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
