//! Fuzzes the Alpine apk `installed` database reader.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = interdict_formats::apk::parse_apk_installed(data);
});
