//! Parses arbitrary bytes as a DRF3 request (as UTF-8 when valid, and lossily decoded) and
//! checks the round-trip and helper invariants of `pacsys_drf::fuzzing::check`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pacsys_drf::fuzzing::check(data);
});
