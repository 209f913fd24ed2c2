//! Parses arbitrary bytes as a registry hive and walks every key and value.
#![no_main]

use interdict_formats::regf::Hive;
use interdict_formats::wincert;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(hive) = Hive::parse(data) else { return };
    let _ = (hive.is_dirty(), hive.checksum_ok(), hive.last_written().to_string());
    let _ = hive.open_path_ci(r"Microsoft\Windows\CurrentVersion\Uninstall");
    let _ = hive.walk(&mut |_, key| {
        let _ = (key.name(), key.last_written().to_string(), key.subkey_ci("x"));
        for value in key.values().unwrap_or_default() {
            let _ = (value.name(), value.value_type(), value.as_string(), value.as_multi_string());
            let _ = (value.as_u32(), value.as_u64());
            if let Ok(bytes) = value.data() {
                let _ = wincert::cert_der(&bytes);
            }
        }
    });
});
