//! The positioned-read PE parser: same facts as the whole-file parser on every real PE,
//! bounded reads on a large one, and errors (never panics) on broken input.

use interdict_formats::FormatError;
use interdict_formats::pe::{Counted, PeInfo, ReadAt, parse_pe_info, parse_pe_info_at};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");
const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../interdict/tests/data/windows"
);

/// Every PE of the shared corpus and of the end-to-end fixtures (signed, unsigned, .NET,
/// drivers, EFI, mingw-built with VERSIONINFO, self-signed).
const FILES: &[&str] = &[
    "corpus:pe/signify/kdbazis.dll",
    "corpus:pe/signify/pciide.sys",
    "corpus:pe/signify/sigcheck.exe",
    "corpus:pe/signify/spotify_sample.exe",
    "corpus:pe/velociraptor/3DBuilder.ResourceResolver.exe",
    "corpus:pe/velociraptor/winpmem_x64.sys",
    "corpus:pe/velociraptor/wkscli.dll",
    "corpus:kaspersky/shim-review/shimx64.efi",
    "fixture:kes-avp.exe",
    "fixture:signed-tool.exe",
    "fixture:avp-game.exe",
    "fixture:firefox.exe",
    "fixture:kavremover.exe",
];

fn load(name: &str) -> Vec<u8> {
    let path = match name.split_once(':') {
        Some(("corpus", rel)) => format!("{CORPUS}/{rel}"),
        Some(("fixture", rel)) => format!("{FIXTURES}/{rel}"),
        _ => unreachable!("{name}"),
    };
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn positioned_reads_give_the_whole_file_result_on_every_real_pe() {
    for name in FILES {
        let bytes = load(name);
        let whole = parse_pe_info(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let src = Counted::new(&bytes[..]);
        let at = parse_pe_info_at(&src).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(at, whole, "{name}");
        assert!(
            src.bytes() < 64 * 1024,
            "{name}: read {} bytes",
            src.bytes()
        );
    }
    // The facts are real, not two empty results agreeing.
    let i = parse_pe_info_at(&load("fixture:kes-avp.exe")[..]).unwrap();
    let v = i.version_info.unwrap();
    assert_eq!(v.company_name.as_deref(), Some("AO Kaspersky Lab"));
    assert_eq!(v.original_filename.as_deref(), Some("avp.exe"));
    let s = parse_pe_info_at(&load("corpus:pe/signify/sigcheck.exe")[..]).unwrap();
    assert_eq!(s.signers.len(), 2);
}

/// Offset of the attribute-certificate data directory entry in the optional header.
fn cert_dir_entry(b: &[u8]) -> usize {
    let pe = u32::from_le_bytes(b[0x3c..0x40].try_into().unwrap()) as usize;
    let opt = pe + 24;
    let magic = u16::from_le_bytes(b[opt..opt + 2].try_into().unwrap());
    let dirs = opt + if magic == 0x20b { 112 } else { 96 };
    dirs + 4 * 8
}

/// A signed PE grown to `size` the way installers are: a large overlay between the image
/// and the certificate table (whose file offset is moved accordingly).
fn padded(signed: &[u8], size: usize) -> Vec<u8> {
    let entry = cert_dir_entry(signed);
    let at = u32::from_le_bytes(signed[entry..entry + 4].try_into().unwrap()) as usize;
    assert!(at > 0 && at < signed.len(), "fixture must be signed");
    let pad = size - signed.len();
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(&signed[..at]);
    out.resize(at + pad, 0x5a);
    out.extend_from_slice(&signed[at..]);
    let moved = u32::try_from(at + pad).unwrap().to_le_bytes();
    out[entry..entry + 4].copy_from_slice(&moved);
    out
}

#[test]
fn a_50_mib_pe_costs_a_few_kilobytes_and_the_same_result() {
    for name in ["corpus:pe/signify/sigcheck.exe", "fixture:signed-tool.exe"] {
        let big = padded(&load(name), 50 * 1024 * 1024);
        let whole = parse_pe_info(&big).unwrap();
        assert!(whole.signed && whole.version_info.is_some(), "{name}");
        let src = Counted::new(&big[..]);
        let at = parse_pe_info_at(&src).unwrap();
        assert_eq!(at, whole, "{name}");
        assert!(
            src.bytes() < 64 * 1024,
            "{name}: read {} of {} bytes",
            src.bytes(),
            big.len()
        );
        assert!(src.reads() <= 16, "{name}: {} reads", src.reads());
    }
}

#[test]
fn a_non_pe_costs_one_read_and_is_bad_magic() {
    let text = vec![b'x'; 1 << 20];
    let src = Counted::new(&text[..]);
    assert!(matches!(
        parse_pe_info_at(&src),
        Err(FormatError::BadMagic { offset: 0, .. })
    ));
    assert_eq!((src.reads(), src.bytes()), (1, 4096));
    // MZ without a PE signature (a DOS program, or a truncated file): not a PE image.
    let mut dos = vec![0u8; 256];
    dos[..2].copy_from_slice(b"MZ");
    dos[0x3c] = 0x80;
    assert!(matches!(
        parse_pe_info_at(&dos[..]),
        Err(FormatError::BadMagic { offset: 0x80, .. })
    ));
    assert!(matches!(
        parse_pe_info_at(&b"MZ\x90\x00truncated"[..]),
        Err(FormatError::BadMagic { .. })
    ));
    assert!(parse_pe_info_at(&b""[..]).is_err());
}

/// Header facts both parsers report, when both succeed.
fn header_facts(i: &PeInfo) -> (String, bool, bool, u16, bool) {
    (
        i.machine.clone(),
        i.is_64,
        i.is_dll,
        i.subsystem,
        i.is_dotnet,
    )
}

#[test]
fn damaged_pe_never_panics_and_headers_agree_with_the_whole_file_parser() {
    for name in [
        "corpus:pe/signify/sigcheck.exe",
        "corpus:pe/velociraptor/wkscli.dll",
        "fixture:signed-tool.exe",
    ] {
        let b = load(name);
        // Truncations at many points, then bit flips (dense in the headers).
        let step = (b.len() / 300).max(1);
        let cuts = (0..b.len()).step_by(step).map(|len| b[..len].to_vec());
        let flip_at = (0..1024.min(b.len())).chain((0..b.len()).step_by((b.len() / 500).max(1)));
        let flips = flip_at.map(|p| {
            let mut c = b.clone();
            c[p] ^= 0xff;
            c
        });
        for damaged in cuts.chain(flips) {
            if let (Ok(at), Ok(whole)) = (parse_pe_info_at(&damaged[..]), parse_pe_info(&damaged)) {
                assert_eq!(header_facts(&at), header_facts(&whole), "{name}");
            }
        }
    }
}

/// A source whose reads fail: the error names the offset, no panic.
struct Failing;

impl ReadAt for Failing {
    fn size(&self) -> std::io::Result<u64> {
        Ok(1 << 20)
    }

    fn read_at(&self, _offset: u64, _buf: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("device gone"))
    }
}

#[test]
fn read_errors_are_errors() {
    let e = parse_pe_info_at(&Failing).unwrap_err();
    assert!(e.to_string().contains("device gone"), "{e}");
}
