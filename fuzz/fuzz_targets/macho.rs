//! Fuzzes the Mach-O code-signature reader, whole files and bare SuperBlobs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = interdict_formats::macho::parse_code_signatures(data);
    let _ = interdict_formats::macho::parse_superblob(data);
});
