//! The facade's overhead over `pacsys-dpm-core`, against the fake DPM server on loopback:
//!
//! * `read_many/1000`: the same 1,000-device one-shot read through `DpmClient::read_many`
//!   (the core), `DpmBackend::get_many` (the facade) and `blocking::Client::get_many`;
//! * `stream/10000@p,10`: time to take 20,000 readings from a running subscription to
//!   10,000 devices at `@p,10` (the fake offers 1,000,000 readings/s), core subscription
//!   against the facade's `Subscription`.
//!
//! `cargo bench -p pacsys --bench facade`

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::{Stream, StreamExt};
use pacsys::env::EnvConfig;
use pacsys::{Backend, DpmBackend, Event};
use pacsys_dpm_core::DpmClient;
use pacsys_sim::FakeDpmServer;

const CALL: Duration = Duration::from_secs(10);
const PER_ITER: u64 = 20_000;

fn runtime(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Takes `n` readings from `sub`, skipping other events.
async fn take_readings<S: Stream<Item = Event> + Unpin>(sub: &mut S, n: u64) {
    let mut got = 0;
    while got < n {
        match sub.next().await {
            Some(Event::Reading(_)) => got += 1,
            Some(_) => {}
            None => panic!("the subscription ended"),
        }
    }
}

fn facade(c: &mut Criterion) {
    // The fake runs on its own runtime, as a separate server process would.
    let server_rt = runtime(1);
    let server = server_rt
        .block_on(FakeDpmServer::start())
        .expect("fake DPM server");
    let rt = runtime(2);
    let port = server.port();
    let core = DpmClient::builder().host("127.0.0.1").port(port).build();
    let backend = {
        let _inside = rt.enter();
        DpmBackend::builder()
            .host("127.0.0.1")
            .port(port)
            .env(EnvConfig::default())
            .build()
            .expect("backend")
    };
    let blocking = pacsys::blocking::Client::new(|| {
        DpmBackend::builder()
            .host("127.0.0.1")
            .port(port)
            .env(EnvConfig::default())
            .build()
    })
    .expect("blocking client");

    let drfs: Vec<String> = (0..1_000).map(|i| format!("Z:BENCH{i:04}")).collect();
    // Warm every pool and check the answers once.
    assert!(
        rt.block_on(core.read_many(&drfs, CALL))
            .iter()
            .all(Result::is_ok)
    );
    assert!(
        rt.block_on(backend.get_many(&drfs, Some(CALL)))
            .iter()
            .all(Result::is_ok)
    );
    assert!(
        blocking
            .get_many(&drfs, Some(CALL))
            .expect("blocking call")
            .iter()
            .all(Result::is_ok)
    );

    let mut group = c.benchmark_group("read_many/1000");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(1_000));
    group.bench_function("dpm-core", |b| {
        b.to_async(&rt).iter(|| core.read_many(&drfs, CALL));
    });
    group.bench_function("facade", |b| {
        b.to_async(&rt).iter(|| backend.get_many(&drfs, Some(CALL)));
    });
    group.bench_function("blocking", |b| {
        b.iter(|| blocking.get_many(&drfs, Some(CALL)).expect("blocking call"));
    });
    group.finish();

    let streamed: Vec<String> = (0..10_000).map(|i| format!("Z:BENCH{i:04}@p,10")).collect();
    let mut group = c.benchmark_group("stream/10000@p,10");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(PER_ITER));
    let mut core_sub = rt
        .block_on(core.subscribe(&streamed))
        .expect("core subscription");
    rt.block_on(take_readings(&mut core_sub, PER_ITER));
    group.bench_function("dpm-core", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let started = Instant::now();
                take_readings(&mut core_sub, iters * PER_ITER).await;
                started.elapsed()
            })
        });
    });
    rt.block_on(core_sub.stop());
    let mut facade_sub = rt
        .block_on(backend.subscribe(&streamed))
        .expect("facade subscription");
    rt.block_on(take_readings(&mut facade_sub, PER_ITER));
    group.bench_function("facade", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let started = Instant::now();
                take_readings(&mut facade_sub, iters * PER_ITER).await;
                started.elapsed()
            })
        });
    });
    rt.block_on(facade_sub.stop());
    group.finish();

    drop(blocking);
    drop(backend);
    drop(core);
    server_rt.block_on(server.shutdown());
}

criterion_group!(benches, facade);
criterion_main!(benches);
