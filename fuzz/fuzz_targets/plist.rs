//! Fuzzes the property-list readers (XML and binary).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = interdict_formats::plist::parse_plist(data);
    let _ = interdict_formats::plist::parse_bundle_info(data);
    let _ = interdict_formats::plist::parse_launchd_job(data);
    let _ = interdict_formats::plist::parse_sysext_db(data);
});
