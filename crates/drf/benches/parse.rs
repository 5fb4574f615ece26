//! Criterion benchmarks: per-parse time over the corpus's accepted inputs, plus
//! canonical printing and a few representative single requests.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pacsys_drf::Request;

fn accepted_inputs() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/corpus.json");
    let text = std::fs::read_to_string(path).expect("corpus copy in tests/data");
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).expect("corpus JSON");
    cases
        .iter()
        .filter(|c| c.get("ok").and_then(|v| v.as_bool()) == Some(true))
        .filter_map(|c| c.get("input").and_then(|v| v.as_str()))
        .filter(|s| Request::parse(s).is_ok())
        .map(str::to_owned)
        .collect()
}

fn bench(c: &mut Criterion) {
    let inputs = accepted_inputs();
    let requests: Vec<Request> = inputs
        .iter()
        .filter_map(|s| Request::parse(s).ok())
        .collect();

    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Elements(inputs.len() as u64));
    group.bench_function("parse_all_accepted", |b| {
        b.iter(|| {
            for s in &inputs {
                let _ = black_box(Request::parse(black_box(s)));
            }
        })
    });
    group.bench_function("display_all_accepted", |b| {
        let mut out = String::with_capacity(256);
        b.iter(|| {
            for r in &requests {
                use std::fmt::Write as _;
                out.clear();
                let _ = write!(out, "{r}");
                black_box(&out);
            }
        })
    });
    group.finish();

    let mut single = c.benchmark_group("single");
    for input in [
        "M:OUTTMP",
        "M:OUTTMP.SETTING[0:3]@p,1000",
        "N_I2B1RI.SETTING[50].RAW@e,AE,e,1000",
        "XF:31IDA-OP{Tbl-Ax:X1}Mtr.RBV@p,1000",
        "B:HS23T[0:100]@e,02,e,0<-LOGGER:1:2",
    ] {
        single.bench_function(input, |b| b.iter(|| Request::parse(black_box(input))));
    }
    single.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
