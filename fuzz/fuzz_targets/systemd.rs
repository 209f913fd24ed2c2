//! Fuzzes the systemd unit-file reader and the program it derives from `ExecStart`.
#![no_main]

use interdict_formats::systemd::parse_unit_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let unit = parse_unit_file(data);
    let _ = unit.program();
});
