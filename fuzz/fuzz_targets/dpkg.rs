//! Fuzzes the dpkg `status` and `info/*.list` readers, and the state of every entry.
#![no_main]

use interdict_formats::dpkg::{parse_dpkg_list, parse_dpkg_status};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for entry in parse_dpkg_status(data) {
        let _ = entry.state();
    }
    let _ = parse_dpkg_list(data);
});
