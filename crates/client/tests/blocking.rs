//! The blocking wrapper, from plain threads, over the fake DPM server.

use std::time::Duration;

use pacsys::blocking::Client;
use pacsys::env::EnvConfig;
use pacsys::{DpmBackend, ErrorKind, Event, Value};
use pacsys_sim::FakeDpmServer;

const CALL: Option<Duration> = Some(Duration::from_secs(5));

#[test]
fn blocking_client_reads_writes_and_streams_from_plain_threads() {
    // The fake server runs on its own runtime; the client has its private one.
    let server_rt = tokio::runtime::Runtime::new().unwrap();
    let server = server_rt
        .block_on(FakeDpmServer::builder().insecure_settings(true).start())
        .unwrap();
    let port = server.port();
    let client = Client::new(|| {
        DpmBackend::builder()
            .host("127.0.0.1")
            .port(port)
            .env(EnvConfig::default())
            .build()
    })
    .unwrap();

    assert_eq!(client.read("M:OUTTMP", CALL).unwrap(), Value::Scalar(72.5));
    let results = client.get_many(&["M:OUTTMP", "Z:NOSUCH"], CALL).unwrap();
    assert!(results[0].is_ok());
    assert_eq!(
        results[1].as_ref().err().map(|e| e.kind()),
        Some(ErrorKind::Device)
    );

    // From other threads at once.
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                assert_eq!(client.read("G:AMANDA", CALL).unwrap().as_f64(), Some(42.0));
            });
        }
    });

    let w = client
        .write("Z:TEXTDV", Value::Text("bye".into()), CALL)
        .unwrap();
    assert_eq!(w.drf, "Z:TEXTDV");
    assert_eq!(
        client.read("Z:TEXTDV", CALL).unwrap(),
        Value::Text("bye".into())
    );

    let mut sub = client.subscribe(&["M:OUTTMP@p,100"]).unwrap();
    let event = sub.next_timeout(Duration::from_secs(5)).unwrap().unwrap();
    assert!(matches!(event, Event::Reading(_)), "{event:?}");
    let readings = sub.by_ref().take(2).filter(Event::is_reading).count();
    assert_eq!(readings, 2);
    sub.stop().unwrap();
    assert_eq!(sub.next(), None);

    client.close().unwrap();
    assert_eq!(
        client.read("M:OUTTMP", CALL).unwrap_err().kind(),
        ErrorKind::Closed
    );
    drop(client);
    server_rt.block_on(server.shutdown());
}

#[tokio::test]
async fn blocking_calls_inside_a_runtime_are_refused() {
    let client = Client::new(|| {
        DpmBackend::builder()
            .host("127.0.0.1")
            .port(1)
            .env(EnvConfig::default())
            .build()
    })
    .unwrap();
    assert_eq!(
        client.read("M:OUTTMP", CALL).unwrap_err().kind(),
        ErrorKind::Unsupported
    );
    // Dropping the client inside a runtime must not panic.
    drop(client);
}
