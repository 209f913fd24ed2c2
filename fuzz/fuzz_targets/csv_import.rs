//! Fuzzes the CSV importer (delimiter sniffing, `#TYPE`/`sep=` lines, UTF-16, aggregated
//! device counts) with the default mapping, with and without a default host, and with a
//! one-column mapping that makes every header a candidate name.
#![no_main]

use interdict_sbom::{CsvMapping, import_csv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mapping = CsvMapping::default();
    let _ = import_csv(data, "fuzz.csv", &mapping, None);
    let _ = import_csv(data, "fuzz.csv", &mapping, Some("host"));
    let narrow = CsvMapping {
        name: vec!["a".into(), "b".into()],
        device_count: vec!["c".into()],
        ..CsvMapping::default()
    };
    let _ = import_csv(data, "fuzz.csv", &narrow, None);
});
