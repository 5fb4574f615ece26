//! Runs the golden-vector conformance checker over the repository's copy of the corpus.

#[path = "support/conformance.rs"]
mod conformance;

#[test]
fn corpus_conforms() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus.json");
    let mut out = Vec::new();
    let (passed, failed) = conformance::run(&path, &mut out).expect("corpus readable");
    let report = String::from_utf8_lossy(&out);
    assert_eq!(failed, 0, "{report}");
    assert_eq!(passed, 1000, "{report}");
}
