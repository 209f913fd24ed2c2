//! Fuzzes the SPDX 3.0 JSON-LD reader directly, and format detection on the same bytes.
#![no_main]

use interdict_sbom::{SbomFormat, read_sbom, read_sbom_as};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = read_sbom_as(data, "fuzz", SbomFormat::Spdx3JsonLd);
    let _ = read_sbom(data, "fuzz");
});
