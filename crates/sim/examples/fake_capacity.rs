//! Capacity of the fake DPM server: one client subscribes to N devices at `@p,10` (default
//! 10,000 devices = 1,000,000 readings/s offered) and counts what arrives.
//!
//! ```text
//! cargo run --release -p pacsys-sim --example fake_capacity -- [DEVICES] [SECONDS]
//! ```
//!
//! The client is a raw frame decoder (no pacsys client), so the figure is the server's. It
//! prints the offered and delivered rates and how far the server fell behind, as
//! `behind_pct=<x>` on the last line.

use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use pacsys_dpm_proto::handshake::HANDSHAKE_REQUEST;
use pacsys_dpm_proto::{AddToListRequest, ClientCodec, Reply, Request, StartListRequest};
use pacsys_sim::FakeDpmServer;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let devices: usize = args.next().map_or(Ok(10_000), |a| a.parse())?;
    let seconds: u64 = args.next().map_or(Ok(3), |a| a.parse())?;
    let server = FakeDpmServer::start().await?;
    let mut stream = TcpStream::connect(server.addr()).await?;
    stream.set_nodelay(true)?;
    stream.write_all(HANDSHAKE_REQUEST).await?;
    let mut framed = Framed::new(stream, ClientCodec::new());
    let list_id = match framed.next().await {
        Some(Ok(Reply::OpenList(open))) => open.list_id,
        other => return Err(format!("no OpenList: {other:?}").into()),
    };
    for n in 0..devices {
        framed
            .feed(Request::AddToList(AddToListRequest {
                list_id,
                ref_id: n as i64 + 1,
                drf_request: format!("Z:BENCH{:04}@p,10", n % 10_000),
            }))
            .await?;
    }
    framed
        .send(Request::StartList(StartListRequest {
            list_id,
            model: None,
        }))
        .await?;
    // Warm up for half a second, then count for the measurement window.
    let warmup = Instant::now() + Duration::from_millis(500);
    while Instant::now() < warmup {
        framed.next().await.ok_or("closed")??;
    }
    let start = Instant::now();
    let end = start + Duration::from_secs(seconds);
    let mut data = 0u64;
    while Instant::now() < end {
        match tokio::time::timeout(Duration::from_secs(1), framed.next()).await {
            Ok(Some(Ok(reply))) => data += u64::from(reply.is_data()),
            Ok(other) => return Err(format!("stream ended: {other:?}").into()),
            Err(_) => break,
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let offered = devices as f64 * 100.0;
    let delivered = data as f64 / elapsed;
    let behind = (1.0 - delivered / offered) * 100.0;
    println!("devices={devices} window_s={elapsed:.2}");
    println!("offered_per_s={offered:.0}");
    println!("delivered_per_s={delivered:.0}");
    println!("behind_pct={behind:.2}");
    server.shutdown().await;
    Ok(())
}
