//! Streams a device for a few seconds and reports every gap and drop.
//!
//! ```sh
//! cargo run -p pacsys-sim --bin pacsys-sim -- --dpm-port 6802
//! PACSYS_DPM_HOST=127.0.0.1 cargo run -p pacsys --example stream
//! ```

use std::time::Duration;

use futures::StreamExt;
use pacsys::{Backend, DpmBackend, Event};

#[tokio::main]
async fn main() -> Result<(), pacsys::Error> {
    let backend = DpmBackend::builder().build()?;
    let mut sub = backend
        .subscribe(&["Z:SINE@p,200", "M:OUTTMP@p,1000"])
        .await?;
    let deadline = tokio::time::sleep(Duration::from_secs(3));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => break,
            event = sub.next() => match event {
                Some(Event::Reading(r)) => println!("{} = {:?}", r.drf, r.value),
                Some(Event::Disconnected { reason }) => println!("disconnected: {reason}"),
                Some(Event::Reconnected { gap }) => println!("reconnected: no data for {gap:?}"),
                Some(Event::Dropped { count }) => println!("fell behind: {count} readings dropped"),
                Some(other) => println!("{other}"),
                None => break,
            },
        }
    }
    println!("dropped in total: {}", sub.dropped());
    sub.stop().await;
    backend.close().await;
    Ok(())
}
