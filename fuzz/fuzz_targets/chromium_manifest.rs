//! Fuzzes the Chromium manifest, messages and preferences readers.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    use interdict_formats::browser::*;
    if let Ok(m) = parse_chromium_manifest(data)
        && let Ok(msgs) = parse_chromium_messages(data)
    {
        let _ = resolve_message(&m.name, &msgs);
    }
    let _ = parse_chromium_preferences(data);
});
