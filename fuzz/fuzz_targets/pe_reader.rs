//! Fuzzes the PE reader over positioned reads: any input gives a value or an error, never
//! a panic; the bytes it reads stay bounded whatever the input claims; and the header facts
//! agree with the whole-file parser whenever both succeed.
#![no_main]

use interdict_formats::pe::{
    Counted, HEAD_READ, MAX_CERT_TABLE, MAX_HEADERS, MAX_VERSION_INFO, parse_pe_info,
    parse_pe_info_at,
};
use libfuzzer_sys::fuzz_target;

/// Headers, root resource entries (8,192 × 8), 32 directory levels, the data entry, the
/// version resource and the certificate table.
const BOUND: u64 =
    (HEAD_READ + MAX_HEADERS + 65_536 + 32 * 24 + 16 + MAX_VERSION_INFO + MAX_CERT_TABLE) as u64;

fuzz_target!(|data: &[u8]| {
    let src = Counted::new(data);
    let at = parse_pe_info_at(&src);
    assert!(src.bytes() <= BOUND, "read {} bytes", src.bytes());
    if let (Ok(at), Ok(whole)) = (at, parse_pe_info(data)) {
        assert_eq!(
            (at.machine, at.is_64, at.is_dll, at.subsystem, at.is_dotnet),
            (
                whole.machine,
                whole.is_64,
                whole.is_dll,
                whole.subsystem,
                whole.is_dotnet
            )
        );
    }
});
