//! Codec benchmarks: Scalar reply, 1,000-double ScalarArray reply, 100-setting
//! ApplySettings request, and framing 10,000 small frames from one buffer.
//!
//! `cargo bench -p pacsys-dpm-proto`

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use pacsys_dpm_proto::{
    ApplySettingsRequest, ClientCodec, ListStatusReply, RawFrameCodec, Reply, Request,
    ScalarArrayReply, ScalarReply, ScaledSetting, ServerCodec, Status,
};
use tokio_util::codec::{Decoder, Encoder};

fn scalar() -> Reply {
    Reply::Scalar(ScalarReply {
        ref_id: 1,
        timestamp: 1_718_100_000_123,
        cycle: 0,
        status: Status::OK,
        data: 72.5,
    })
}

fn scalar_array(n: usize) -> Reply {
    Reply::ScalarArray(ScalarArrayReply {
        ref_id: 7,
        timestamp: 1_718_100_000_123,
        cycle: 12345,
        status: Status::OK,
        data: (0..n).map(|i| i as f64 * 0.25 - 3.0).collect(),
    })
}

fn apply_settings(n: i64) -> Request {
    Request::ApplySettings(ApplySettingsRequest {
        user_name: "jdoe@FNAL.GOV".into(),
        list_id: 4242,
        scaled_array: Some(
            (1..=n)
                .map(|i| ScaledSetting {
                    ref_id: i,
                    data: vec![i as f64 * 1.5],
                })
                .collect(),
        ),
        ..Default::default()
    })
}

fn bench_messages(c: &mut Criterion) {
    let mut buf = BytesMut::with_capacity(1 << 16);

    let m = scalar();
    let bytes = m.to_bytes().unwrap();
    let mut g = c.benchmark_group("scalar_reply");
    g.bench_function("decode", |b| {
        b.iter(|| Reply::decode(black_box(&bytes)).unwrap())
    });
    g.bench_function("encode", |b| {
        b.iter(|| {
            buf.clear();
            black_box(&m).encode(&mut buf).unwrap();
        })
    });
    g.finish();

    let m = scalar_array(1000);
    let bytes = m.to_bytes().unwrap();
    let mut g = c.benchmark_group("scalar_array_1000");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("decode", |b| {
        b.iter(|| Reply::decode(black_box(&bytes)).unwrap())
    });
    g.bench_function("encode", |b| {
        b.iter(|| {
            buf.clear();
            black_box(&m).encode(&mut buf).unwrap();
        })
    });
    g.finish();

    let m = apply_settings(100);
    let bytes = m.to_bytes().unwrap();
    let mut g = c.benchmark_group("apply_settings_100");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("decode", |b| {
        b.iter(|| Request::decode(black_box(&bytes)).unwrap())
    });
    g.bench_function("encode", |b| {
        b.iter(|| {
            buf.clear();
            black_box(&m).encode(&mut buf).unwrap();
        })
    });
    g.finish();
}

fn bench_framing(c: &mut Criterion) {
    const N: usize = 10_000;
    let hb = Reply::from(ListStatusReply {
        list_id: 4242,
        status: Status::OK,
    });
    let mut wire = BytesMut::new();
    let mut server = ServerCodec::new();
    for _ in 0..N {
        server.encode(&hb, &mut wire).unwrap();
    }

    let mut g = c.benchmark_group("framing_10k_small_frames");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("client_codec_decode", |b| {
        let mut codec = ClientCodec::new();
        b.iter_batched_ref(
            || wire.clone(),
            |buf| {
                let mut n = 0;
                while let Some(m) = codec.decode(buf).unwrap() {
                    black_box(m);
                    n += 1;
                }
                assert_eq!(n, N);
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("raw_codec_decode", |b| {
        let mut codec = RawFrameCodec::new();
        b.iter_batched_ref(
            || wire.clone(),
            |buf| {
                let mut n = 0;
                while let Some(m) = codec.decode(buf).unwrap() {
                    black_box(m);
                    n += 1;
                }
                assert_eq!(n, N);
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("server_codec_encode", |b| {
        let mut out = BytesMut::with_capacity(wire.len());
        b.iter(|| {
            out.clear();
            for _ in 0..N {
                server.encode(black_box(&hb), &mut out).unwrap();
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench_messages, bench_framing);
criterion_main!(benches);
