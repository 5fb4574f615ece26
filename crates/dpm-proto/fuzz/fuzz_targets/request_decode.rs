//! `Request::decode` on arbitrary bytes (what a fake server reads from clients); whatever
//! decodes must re-encode and decode again to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pacsys_dpm_proto::fuzzing::request_decode(data);
});
