//! Reads one device, then a batch, over DPM/HTTP.
//!
//! Against the simulator:
//!
//! ```sh
//! cargo run -p pacsys-sim --bin pacsys-sim -- --dpm-port 6802   # prints READY dpm=6802
//! PACSYS_DPM_HOST=127.0.0.1 cargo run -p pacsys --example read
//! ```

use pacsys::{Backend, DpmBackend};

#[tokio::main]
async fn main() -> Result<(), pacsys::Error> {
    let backend = DpmBackend::builder().build()?; // PACSYS_DPM_HOST / PACSYS_DPM_PORT apply
    println!("M:OUTTMP = {:?}", backend.read("M:OUTTMP", None).await?);

    // One request for the batch; one result per DRF, in order; failures stay in their slot.
    let drfs = [
        "M:OUTTMP",
        "G:AMANDA",
        "Z:ACLTST[0:4]",
        "Z:TEXTDV",
        "Z:NOSUCH",
    ];
    for (drf, result) in drfs.iter().zip(backend.get_many(&drfs, None).await) {
        match result {
            Ok(reading) => println!(
                "{drf:16} {:?} {}",
                reading.value,
                reading.units().unwrap_or("")
            ),
            Err(e) => println!("{drf:16} error: {e}"),
        }
    }
    backend.close().await;
    Ok(())
}
