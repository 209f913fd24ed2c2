//! The nesting and total-work bounds of the readers of nested data (plists have theirs in
//! `plist_corpus.rs`, regf hives in `src/regf/tests.rs`): hostile nesting is an error or an
//! empty field, never a stack overflow or a run of minutes.

use interdict_formats::browser::{
    parse_browser_policy, parse_chromium_manifest, parse_chromium_preferences,
    parse_firefox_extensions,
};
use interdict_formats::certs::parse_der_certificate;
use interdict_formats::pe::parse_pe_info;

#[test]
fn browser_json_deeper_than_serde_json_limit_is_an_error() {
    // serde_json stops at 128 levels (its default; the workspace never enables
    // `unbounded_depth`): 100,000 levels would overflow the stack otherwise.
    let n = 100_000;
    let deep = format!("{{\"name\":{}1{}}}", "[".repeat(n), "]".repeat(n));
    assert!(parse_chromium_manifest(deep.as_bytes()).is_err());
    assert!(parse_firefox_extensions(deep.as_bytes()).is_err());
    assert!(parse_browser_policy(deep.as_bytes()).is_err());
    assert!(parse_chromium_preferences(deep.as_bytes()).is_err());
    let objects = format!("{}{}", "{\"a\":".repeat(n), "}".repeat(n));
    assert!(parse_chromium_manifest(objects.as_bytes()).is_err());
    // Within the limit, nesting is fine.
    let ok = format!(
        "{{\"name\":\"x\",\"version\":\"1\",\"deep\":{}1{}}}",
        "[".repeat(100),
        "]".repeat(100)
    );
    assert!(parse_chromium_manifest(ok.as_bytes()).is_ok());
}

#[test]
fn deeply_nested_der_is_an_error() {
    // 100,000 nested SEQUENCEs (30 84 <len32>): the certificate parser must refuse, not
    // recurse without end.
    let n = 100_000usize;
    let mut der = Vec::with_capacity(n * 6);
    for i in 0..n {
        der.push(0x30);
        der.push(0x84);
        der.extend_from_slice(&(((n - i - 1) * 6) as u32).to_be_bytes());
    }
    assert!(parse_der_certificate(&der).is_err());
}

/// A PE32 whose resource section (`size` bytes) is a chain of overlapping directories, each
/// 16 bytes after the last, each claiming `ids` entries, the first of which names the next.
fn resource_chain_pe(size: usize, ids: u16) -> Vec<u8> {
    let mut f = vec![0u8; 0x200];
    let put16 =
        |f: &mut Vec<u8>, at: usize, v: u16| f[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 =
        |f: &mut Vec<u8>, at: usize, v: u32| f[at..at + 4].copy_from_slice(&v.to_le_bytes());
    f[..2].copy_from_slice(b"MZ");
    put32(&mut f, 0x3c, 0x40);
    f[0x40..0x44].copy_from_slice(b"PE\0\0");
    put16(&mut f, 0x44, 0x14c); // i386
    put16(&mut f, 0x46, 1); // one section
    put16(&mut f, 0x54, 224); // optional header size
    put16(&mut f, 0x56, 0x102);
    let o = 0x58;
    put16(&mut f, o, 0x10b); // PE32
    put32(&mut f, o + 16, 0x1000); // entry point
    put32(&mut f, o + 28, 0x40_0000); // image base
    put32(&mut f, o + 32, 0x1000); // section alignment
    put32(&mut f, o + 36, 0x200); // file alignment
    put16(&mut f, o + 40, 6);
    put16(&mut f, o + 48, 6);
    put32(&mut f, o + 56, (0x1000 + size as u32 + 0xfff) & !0xfff); // image size
    put32(&mut f, o + 60, 0x200); // headers size
    put16(&mut f, o + 68, 2); // GUI subsystem
    put32(&mut f, o + 92, 16); // data directories
    put32(&mut f, o + 96 + 16, 0x1000); // resource table RVA
    put32(&mut f, o + 96 + 20, size as u32);
    let st = o + 224;
    f[st..st + 8].copy_from_slice(b".rsrc\0\0\0");
    put32(&mut f, st + 8, size as u32);
    put32(&mut f, st + 12, 0x1000);
    put32(&mut f, st + 16, size as u32);
    put32(&mut f, st + 20, 0x200);
    put32(&mut f, st + 36, 0x4000_0040);
    let mut res = vec![0u8; size];
    for p in (0..size - 15).step_by(16) {
        res[p..p + 4].copy_from_slice(&16u32.to_le_bytes()); // RT_VERSION
        res[p + 4..p + 8].copy_from_slice(&(0x8000_0000 | p as u32).to_le_bytes());
        res[p + 14..p + 16].copy_from_slice(&ids.to_le_bytes());
    }
    f.extend(res);
    f
}

#[test]
fn a_chain_of_resource_directories_is_cut_short() {
    // goblin alone read every entry of every directory down the chain: 6.6 s for 1 MiB
    // in a release build, growing with the square of the size (this one: minutes).
    let pe = resource_chain_pe(4 << 20, u16::MAX);
    let info = parse_pe_info(&pe).expect("the headers are fine");
    assert_eq!(info.machine, "x86");
    assert_eq!(info.version_info, None, "the resource tree is refused");
}
