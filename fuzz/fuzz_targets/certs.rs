//! Fuzzes the trust-store certificate readers: PEM bundles, single DER certificates.
#![no_main]

use interdict_formats::certs::{parse_certificate_file, parse_der_certificate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_certificate_file(data);
    let _ = parse_der_certificate(data);
});
