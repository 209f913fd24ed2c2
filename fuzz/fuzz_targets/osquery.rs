//! Fuzzes the osquery importer (osqueryi arrays and osqueryd results logs, UTF-8 or
//! UTF-16), with table detection and with each table forced.
#![no_main]

use interdict_sbom::{OsqueryTable, import_osquery};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = import_osquery(data, "fuzz.json", None, None);
    if let Some((&selector, rest)) = data.split_first() {
        let tables = [
            "programs",
            "deb_packages",
            "rpm_packages",
            "apps",
            "chrome_extensions",
            "firefox_addons",
            "services",
            "kernel_modules",
            "certificates",
            "processes",
            "systemd_units",
            "launchd",
        ];
        let table = OsqueryTable::from_name(tables[usize::from(selector) % tables.len()]);
        let _ = import_osquery(rest, "fuzz.json", Some("host"), table);
    }
});
