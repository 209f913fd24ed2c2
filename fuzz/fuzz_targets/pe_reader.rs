//! Fuzzes the PE reader over positioned reads: any input gives a value or an error, never
//! a panic; the bytes it reads stay bounded whatever the input claims; and the header facts
//! agree with the whole-file parser whenever both succeed.
#![no_main]

use interdict_formats::pe::{
    HEAD_READ, MAX_CERT_TABLE, MAX_HEADERS, MAX_VERSION_INFO, ReadAt, parse_pe_info,
    parse_pe_info_at,
};
use libfuzzer_sys::fuzz_target;
use std::cell::Cell;

/// The input as a file, counting the bytes handed out.
struct Counting<'a> {
    data: &'a [u8],
    read: Cell<u64>,
}

impl ReadAt for Counting<'_> {
    fn size(&self) -> std::io::Result<u64> {
        Ok(self.data.len() as u64)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.data.read_at(offset, buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

/// Headers, root resource entries (8,192 × 8), 32 directory levels, the data entry, the
/// version resource and the certificate table.
const BOUND: u64 =
    (HEAD_READ + MAX_HEADERS + 65_536 + 32 * 24 + 16 + MAX_VERSION_INFO + MAX_CERT_TABLE) as u64;

fuzz_target!(|data: &[u8]| {
    let src = Counting {
        data,
        read: Cell::new(0),
    };
    let at = parse_pe_info_at(&src);
    assert!(src.read.get() <= BOUND, "read {} bytes", src.read.get());
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
