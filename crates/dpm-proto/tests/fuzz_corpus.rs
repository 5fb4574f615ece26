//! Replays the committed cargo-fuzz seed corpora through the same checks the fuzz targets
//! run, so CI exercises them without a nightly toolchain.

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        check(&data);
        n += 1;
    }
    assert!(n > 10, "{target}: only {n} seeds");
}

#[test]
fn reply_decode_seeds() {
    replay("reply_decode", pacsys_dpm_proto::fuzzing::reply_decode);
}

#[test]
fn frame_codec_seeds() {
    replay("frame_codec", pacsys_dpm_proto::fuzzing::frame_codec);
}

#[test]
fn request_decode_seeds() {
    replay("request_decode", pacsys_dpm_proto::fuzzing::request_decode);
}
