//! Writes a setting and checks it by reading back, then switches a device off and on with
//! verified control commands, through the Device API.
//!
//! Against the simulator (settings without Kerberos are accepted with
//! `--insecure-settings`; a real DPM needs the `kerberos` feature and a ticket):
//!
//! ```sh
//! cargo run -p pacsys-sim --bin pacsys-sim -- --dpm-port 6802 --insecure-settings
//! PACSYS_DPM_HOST=127.0.0.1 cargo run -p pacsys --example write_verify
//! ```

use std::sync::Arc;
use std::time::Duration;

use pacsys::{Control, Device, DpmBackend, Field, ScalarDevice, Value, Verify};

#[tokio::main]
async fn main() -> Result<(), pacsys::Error> {
    let backend = Arc::new(DpmBackend::builder().build()?);
    let verify = Verify::new()
        .with_tolerance(0.01)?
        .with_initial_delay(Duration::from_millis(100));

    let amanda = ScalarDevice::bound("G:AMANDA", Arc::clone(&backend))?;
    println!("G:AMANDA before: {}", amanda.read().await?);
    let result = amanda.write_verified(Value::Scalar(12.5), &verify).await?;
    match result.verified {
        Some(true) => println!("G:AMANDA set to 12.5 and read back {:?}", result.readback),
        Some(false) => println!(
            "G:AMANDA was written but reads back {:?} after {} attempts",
            result.readback, result.attempts
        ),
        None => println!("G:AMANDA: {}", result.status),
    }

    let outtmp = Device::bound("M:OUTTMP", backend)?;
    for command in [Control::Off, Control::On] {
        let r = outtmp.control_verified(command, &verify).await?;
        println!(
            "M:OUTTMP {command}: confirmed={} (on={})",
            r.confirmed(),
            outtmp.status_field(Field::On).await?
        );
    }
    Ok(())
}
