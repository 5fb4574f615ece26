//! `Reply::decode` on arbitrary bytes; whatever decodes must re-encode and decode again
//! to the same message. The checks live in `pacsys_dpm_proto::fuzzing` so that the seed
//! corpus also runs as a normal test (tests/fuzz_corpus.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pacsys_dpm_proto::fuzzing::reply_decode(data);
});
