//! Fuzzes the PE reader: any input must give a value or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = interdict_formats::pe::parse_pe_info(data);
});
