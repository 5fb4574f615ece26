//! The process-wide default backend and the one-line functions. One test function: the
//! default backend is process-wide state.

use std::time::Duration;

use futures::StreamExt;
use pacsys::env::{BackendKind, EnvConfig};
use pacsys::{Device, Event, Value};
use pacsys_sim::{FakeDaqServer, FakeDpmServer};

const BOUND: Duration = Duration::from_secs(30);

#[test]
fn one_line_functions_follow_configure_across_runtimes_and_threads() {
    // The fake servers live on a runtime of their own for the whole test.
    let servers = tokio::runtime::Runtime::new().unwrap();
    let (dpm, daq) = servers.block_on(async {
        let dpm = FakeDpmServer::builder()
            .insecure_settings(true)
            .start()
            .await
            .unwrap();
        let daq = FakeDaqServer::builder().start().await.unwrap();
        (dpm, daq)
    });

    pacsys::configure(EnvConfig {
        backend: Some(BackendKind::Dpm),
        dpm_host: Some("127.0.0.1".into()),
        dpm_port: Some(dpm.port()),
        timeout: Some(Duration::from_secs(5)),
        ..EnvConfig::default()
    });

    // Async one-liners from a first runtime, which then ends.
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        tokio::time::timeout(BOUND, async {
            assert_eq!(pacsys::read("M:OUTTMP").await.unwrap(), Value::Scalar(72.5));
            let many = pacsys::get_many(&["G:AMANDA", "Z:NOSUCH"]).await.unwrap();
            assert!(many[0].is_ok() && many[1].is_err());
            pacsys::write("G:AMANDA", Value::Scalar(5.0)).await.unwrap();
            let r = pacsys::get("G:AMANDA").await.unwrap();
            assert_eq!(r.value, Some(Value::Scalar(5.0)));
            let dev = Device::new("Z:TEXTDV").unwrap();
            assert_eq!(dev.read().await.unwrap(), Value::Text("hello".into()));
        })
        .await
        .unwrap();
    });

    // A second runtime still works: the default backend lives on its own runtime.
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        tokio::time::timeout(BOUND, async {
            let results = pacsys::write_many(&[("G:AMANDA", Value::Scalar(6.0))])
                .await
                .unwrap();
            assert!(results[0].is_ok());
            let mut sub = pacsys::subscribe(&["M:OUTTMP@p,50"]).await.unwrap();
            assert!(matches!(sub.next().await, Some(Event::Reading(_))));
            // shutdown closes the default backend: its subscriptions end.
            pacsys::shutdown();
            while sub.next().await.is_some() {}
            // The next call makes a new backend with the same configuration.
            assert_eq!(pacsys::read("G:AMANDA").await.unwrap(), Value::Scalar(6.0));
        })
        .await
        .unwrap();
    });

    // The blocking functions from plain threads.
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                assert_eq!(
                    pacsys::blocking::read("M:OUTTMP").unwrap(),
                    Value::Scalar(72.5)
                );
                assert_eq!(pacsys::blocking::get_many(&["G:AMANDA"]).unwrap().len(), 1);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // ...but not from inside a runtime, where blocking would deadlock.
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        assert_eq!(
            pacsys::blocking::read("M:OUTTMP").unwrap_err().kind(),
            pacsys::ErrorKind::Unsupported
        );
    });

    // configure switches the default backend to gRPC.
    pacsys::configure(EnvConfig {
        backend: Some(BackendKind::Grpc),
        grpc_host: Some("127.0.0.1".into()),
        grpc_port: Some(daq.port()),
        jwt_token: Some("test-token".into()),
        ..EnvConfig::default()
    });
    assert_eq!(pacsys::default_backend().unwrap().kind(), BackendKind::Grpc);
    assert_eq!(
        pacsys::blocking::read("M:OUTTMP").unwrap(),
        Value::Scalar(72.5)
    );
    pacsys::blocking::write("G:AMANDA", Value::Scalar(9.0)).unwrap();
    assert_eq!(
        pacsys::blocking::get("G:AMANDA").unwrap().value,
        Some(Value::Scalar(9.0))
    );

    // A bad configuration is reported by the next call, as a typed error.
    pacsys::configure(EnvConfig {
        dpm_host: Some(String::new()),
        backend: Some(BackendKind::Dpm),
        ..EnvConfig::default()
    });
    let e = pacsys::blocking::read("M:OUTTMP").unwrap_err();
    assert_eq!(e.kind(), pacsys::ErrorKind::Config);
    assert!(e.source_as::<pacsys::env::ConfigError>().is_some());

    pacsys::shutdown();
    servers.block_on(async {
        dpm.shutdown().await;
        daq.shutdown().await;
    });
}
