//! Fuzzes the BerkeleyDB rpmdb reader and the header parser on every blob it yields.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(scan) = interdict_formats::rpm::parse_bdb(data) {
        assert!(scan.unreadable.count == 0 || scan.unreadable.first.is_some());
        for blob in &scan.blobs {
            let _ = interdict_formats::rpm::parse_header_blob(blob);
        }
    }
});
