//! The blocking API from a plain `main`: read, write, then a few streamed readings.
//!
//! ```sh
//! cargo run -p pacsys-sim --bin pacsys-sim -- --dpm-port 6802
//! PACSYS_DPM_HOST=127.0.0.1 cargo run -p pacsys --example blocking
//! ```

use std::time::Duration;

use pacsys::blocking::Client;
use pacsys::{DpmBackend, Event, Value};

fn main() -> Result<(), pacsys::Error> {
    let client = Client::new(|| DpmBackend::builder().build())?;
    println!("G:AMANDA = {:?}", client.read("G:AMANDA", None)?);
    // Without Kerberos a real DPM refuses settings (the simulator may accept them).
    match client.write(
        "G:AMANDA",
        Value::Scalar(12.5),
        Some(Duration::from_secs(2)),
    ) {
        Ok(done) => println!("wrote {} ({})", done.drf, done.status),
        Err(e) => println!("write failed: {e}"),
    }
    let mut sub = client.subscribe(&["M:OUTTMP@p,500"])?;
    for _ in 0..3 {
        match sub.next_timeout(Duration::from_secs(5))? {
            Some(Event::Reading(r)) => println!("{:?}", r.value),
            Some(other) => println!("{other}"),
            None => break,
        }
    }
    sub.stop()?;
    client.close()
}
