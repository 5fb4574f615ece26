//! Feeds arbitrary bytes to the client frame codec in arbitrary chunking (chosen by the
//! first bytes of the input) until error or exhaustion; the outcome must not depend on
//! the chunking. The checks live in `pacsys_dpm_proto::fuzzing`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pacsys_dpm_proto::fuzzing::frame_codec(data);
});
