//! `read_many` of 1, 100, 1,000 and 10,000 devices against the fake DPM server on loopback.
//!
//! `cargo bench -p pacsys-dpm-core --bench read_many`

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use pacsys_dpm_core::DpmClient;
use pacsys_sim::FakeDpmServer;

fn read_many(c: &mut Criterion) {
    // The fake runs on its own runtime (as a separate server process would), the client on
    // another, so the figures are the client's latency, not a scheduling artefact of sharing
    // two worker threads with the server.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let server = server_rt
        .block_on(FakeDpmServer::start())
        .expect("fake DPM server");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let client = DpmClient::builder()
        .host("127.0.0.1")
        .port(server.port())
        .build();
    let mut group = c.benchmark_group("read_many");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    for n in [1usize, 100, 1_000, 10_000] {
        let drfs: Vec<String> = (0..n).map(|i| format!("Z:BENCH{i:04}")).collect();
        // Warm the pool and check the answers once.
        let results = rt.block_on(client.read_many(&drfs, Duration::from_secs(10)));
        assert!(
            results.iter().all(Result::is_ok),
            "fake answered with errors"
        );
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &drfs, |b, drfs| {
            b.to_async(&rt)
                .iter(|| client.read_many(drfs, Duration::from_secs(10)));
        });
    }
    group.finish();
    server_rt.block_on(server.shutdown());
}

criterion_group!(benches, read_many);
criterion_main!(benches);
