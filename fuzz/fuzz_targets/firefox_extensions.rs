//! Fuzzes the Firefox `extensions.json` reader.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = interdict_formats::browser::parse_firefox_extensions(data);
});
