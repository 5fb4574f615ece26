//! Reads 1,000 devices in one batch with the blocking API from a plain `main`, twice: the
//! first call connects, the second shows the steady-state latency.
//!
//! Against the simulator:
//!
//! ```sh
//! cargo run -p pacsys-sim --bin pacsys-sim -- --dpm-port 6802
//! PACSYS_DPM_HOST=127.0.0.1 cargo run --release -p pacsys --example batch
//! ```

use std::time::Instant;

use pacsys::DpmBackend;
use pacsys::blocking::Client;

fn main() -> Result<(), pacsys::Error> {
    let client = Client::new(|| DpmBackend::builder().build())?;
    let drfs: Vec<String> = (0..1_000).map(|i| format!("Z:BENCH{i:04}")).collect();
    for round in ["first (connects)", "second"] {
        let started = Instant::now();
        let results = client.get_many(&drfs, None)?;
        let elapsed = started.elapsed();
        let ok = results.iter().filter(|r| r.is_ok()).count();
        println!("{round}: {ok} of {} devices in {elapsed:?}", drfs.len());
    }
    // The one-line functions use the process-wide default backend (PACSYS_* variables).
    println!("M:OUTTMP = {:?}", pacsys::blocking::read("M:OUTTMP")?);
    Ok(())
}
