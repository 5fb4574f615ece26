//! Replays every file of the fuzz target's seed corpus through the fuzz check, so CI
//! exercises the same invariants without cargo-fuzz.

#[test]
fn fuzz_seed_corpus_replays() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/parse");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("seed corpus folder") {
        let path = entry.expect("directory entry").path();
        if path.is_file() {
            let data = std::fs::read(&path).expect("seed file");
            pacsys_drf::fuzzing::check(&data);
            count += 1;
        }
    }
    assert!(
        count >= 1000,
        "expected the seed corpus, found {count} files"
    );
}
