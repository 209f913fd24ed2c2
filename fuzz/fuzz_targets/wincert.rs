//! Fuzzes the Windows certificate-store blob reader and the certificate parser on the
//! DER it yields.
#![no_main]

use interdict_formats::{certs, wincert};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = wincert::parse_cert_properties(data);
    if let Ok(der) = wincert::cert_der(data) {
        let _ = certs::parse_der_certificate(der);
    }
});
