//! Fuzzes the RPM header blob parser.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = interdict_formats::rpm::parse_header_blob(data);
});
