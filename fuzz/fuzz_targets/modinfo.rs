//! Fuzzes the ELF `.modinfo` reader and the `/proc/modules` reader.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = interdict_formats::modinfo::parse_modinfo(data);
    let _ = interdict_formats::modinfo::parse_modinfo_section(data);
    let _ = interdict_formats::modinfo::parse_proc_modules(data);
});
