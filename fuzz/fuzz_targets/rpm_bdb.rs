//! Fuzzes the BerkeleyDB rpmdb reader and the header parser on every blob it yields.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(blobs) = interdict_formats::rpm::parse_bdb(data) {
        for blob in blobs.into_iter().flatten() {
            let _ = interdict_formats::rpm::parse_header_blob(&blob);
        }
    }
});
