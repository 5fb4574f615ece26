//! Runs the golden vectors (tests/data/messages.json, copied from shared/vectors/dpm).

#[path = "support/conformance.rs"]
mod conformance;

#[test]
fn golden_vectors_all_pass() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/messages.json");
    let report = conformance::check_file(path).unwrap_or_else(|e| panic!("{e}"));
    for line in &report.failures {
        eprintln!("{line}");
    }
    assert_eq!(
        report.failed(),
        0,
        "{} vector cases failed",
        report.failed()
    );
    assert_eq!(report.passed, 283);
}
