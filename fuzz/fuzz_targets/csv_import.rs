//! Fuzzes the CSV importer with the default mapping, with and without a default host.
#![no_main]

use interdict_sbom::{CsvMapping, import_csv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mapping = CsvMapping::default();
    let _ = import_csv(data, "fuzz.csv", &mapping, None);
    let _ = import_csv(data, "fuzz.csv", &mapping, Some("host"));
});
