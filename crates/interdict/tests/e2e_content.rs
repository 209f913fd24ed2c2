//! End to end: `scan --content` finds vendor code embedded in other products' files.
//!
//! Fixtures are built here: a third-party "gateway" dpkg package whose shared library
//! (compiled at test time with `cc -shared`) exports the KAV SDK's entry points and
//! carries its strings; the same engine as a PE DLL (written byte by byte) in another
//! vendor's Program Files folder of an offline Windows root with that vendor's uninstall
//! entry; documents that merely mention the vendor; a loader that only names one SDK
//! function (a weak string, not an export).

mod support;

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;
use support::*;

const ENGINE: &str = "kaspersky-scan-engine";
const GATEWAY_LIB: &str = "opt/acme/gateway/lib/libavscan.so";
const SOFTWARE: &str = "Windows/System32/config/SOFTWARE";
const SYSTEM: &str = "Windows/System32/config/SYSTEM";
/// In the folder the generated SOFTWARE hive's "Mozilla Firefox (x64 en-US)" uninstall
/// entry declares as its `InstallLocation`.
const FIREFOX_DLL: &str = "Program Files/Mozilla Firefox/avscan/kave8.dll";
const FIREFOX: &str = "Mozilla Firefox (x64 en-US)";

const OS_RELEASE: &str =
    "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n";

/// Compiles C `source` into a shared library at `out` (`cc` is a test-time dependency,
/// installed by `.ci/run`).
fn compile_shared(source: &str, out: &Path) {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("lib.c");
    std::fs::write(&c, source).unwrap();
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let status = Command::new("cc")
        .args(["-shared", "-fPIC", "-O0", "-o"])
        .arg(out)
        .arg(&c)
        .status()
        .expect("cc (gcc) is needed to build the fixture library");
    assert!(status.success(), "cc failed");
}

/// A library that is the SDK: its entry points exported, its licence file and header
/// named.
const SDK_LIBRARY: &str = r#"
const char *kav_licence = "appinfo.kli";
const char *kav_header = "sdk8_unix_interface.h";
int kaveInitializeEx(void *params) { return params != 0; }
int kaveGetDatabasesInfo(void *info) { return info != 0; }
int kaveUninitialize(void) { return 0; }
"#;

/// A program that only names one SDK function (to load it at run time): a weak string,
/// and not an export of its own.
const LOADER: &str = r#"
#include <stddef.h>
const char *wanted = "kaveGetDatabasesInfo";
int acme_loader_init(void) { return wanted != NULL; }
"#;

fn dpkg_status(packages: &[(&str, &str)]) -> String {
    packages
        .iter()
        .map(|(name, maintainer)| {
            format!(
                "Package: {name}\nStatus: install ok installed\nMaintainer: {maintainer}\n\
                 Architecture: amd64\nVersion: 4.2-1\nDescription: {name}\n"
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The gateway root: `acme-mail-gateway` owns the SDK library (dpkg status and list), a
/// documentation package's files mention the vendor.
fn gateway_root() -> Fixture {
    let fx = Fixture::new();
    fx.write("etc/os-release", OS_RELEASE);
    fx.write(
        "var/lib/dpkg/status",
        dpkg_status(&[
            ("acme-mail-gateway", "Acme Networks <support@acme.example>"),
            ("agency-notes", "Agency IT <it@agency.example>"),
        ]),
    );
    fx.write(
        "var/lib/dpkg/info/acme-mail-gateway.list",
        format!("/.\n/opt\n/opt/acme\n/opt/acme/gateway\n/opt/acme/gateway/lib\n/{GATEWAY_LIB}\n"),
    );
    fx.write(
        "var/lib/dpkg/info/agency-notes.list",
        "/.\n/usr/share/doc/agency-notes/removal.txt\n/usr/share/doc/agency-notes/index.html\n",
    );
    compile_shared(SDK_LIBRARY, &fx.path().join(GATEWAY_LIB));
    documents(&fx);
    fx
}

/// Documents that merely mention the vendor.
fn documents(fx: &Fixture) {
    fx.write(
        "usr/share/doc/agency-notes/removal.txt",
        "Kaspersky products were removed from every host in 2017 (BOD 17-01).\n\
         KASPERSKY Anti-Virus, Kaspersky Lab and kaspersky endpoint security are gone.\n",
    );
    fx.write(
        "usr/share/doc/agency-notes/index.html",
        "<html><body><h1>Kaspersky</h1><p>Kaspersky Anti-Virus SDK is not used.</p></body></html>\n",
    );
}

fn scan_content(root: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["--content", "--fail-on", "never"];
    args.extend_from_slice(extra);
    let (code, doc) = scan_json(root, &args);
    assert_eq!(code, 0, "{doc:#}");
    doc
}

fn directives(f: &Value) -> Vec<&str> {
    f["directives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect()
}

/// No finding has evidence at a path under `prefix`.
fn nothing_under(doc: &Value, prefix: &str) {
    for f in doc["findings"].as_array().unwrap() {
        for e in f["evidence"].as_array().unwrap() {
            let at = e["location"].as_str().unwrap();
            assert!(!at.starts_with(prefix), "evidence at {at}: {f:#}");
        }
    }
}

#[test]
fn sdk_library_in_a_dpkg_package_is_the_engine_embedded_in_that_package() {
    let fx = gateway_root();
    let before = snapshot(fx.path());
    let doc = scan_content(fx.path(), &[]);
    assert_eq!(
        findings(&doc),
        [(ENGINE.to_string(), "confirmed".to_string())]
    );
    let f = finding(&doc, ENGINE);
    assert_eq!(f["distribution"], "embedded");
    assert_eq!(f["embedded_in"], serde_json::json!(["acme-mail-gateway"]));
    let name = f["product_name"].as_str().unwrap();
    assert!(name.ends_with(" embedded in acme-mail-gateway"), "{name}");
    // In whole or in part: §1634 and BIS cover it; BOD 17-01 (branded only) does not.
    let ds = directives(f);
    assert!(ds.contains(&"ndaa-fy18-1634"), "{ds:?}");
    assert!(!ds.contains(&"bod-17-01"), "{ds:?}");
    // The contract: evidence of kind `content` whose location is the file.
    let e = evidence_item(f, GATEWAY_LIB);
    assert_eq!(e["kind"], "content");
    assert_eq!(e["collector"], "content");
    assert_eq!(e["container"], "acme-mail-gateway");
    assert_eq!(e["indicator_kind"], "exported-symbol");
    assert_eq!(e["weight"], "strong");
    let ids: Vec<&str> = e["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    for want in [
        "kaspersky-scan-engine/exported-symbol/kaveInitializeEx",
        "kaspersky-scan-engine/exported-symbol/kaveGetDatabasesInfo",
        "kaspersky-scan-engine/exported-symbol/kaveUninitialize",
        "kaspersky-scan-engine/content-string/appinfo.kli",
        "kaspersky-scan-engine/content-string/sdk8_unix_interface.h",
    ] {
        assert!(ids.contains(&want), "{want} not in {ids:?}");
    }
    // The documents that mention Kaspersky stay clear.
    nothing_under(&doc, "usr/share/doc");
    assert_eq!(snapshot(fx.path()), before, "the scan changed the root");
}

#[test]
fn without_content_the_embedded_engine_is_not_seen() {
    let fx = gateway_root();
    let (code, doc) = scan_json(fx.path(), &["--fail-on", "never"]);
    assert_eq!(code, 0);
    assert!(findings(&doc).is_empty(), "{doc:#}");
}

#[test]
fn hash_is_computed_from_the_content_read() {
    let fx = gateway_root();
    let doc = scan_content(fx.path(), &["--hash", "--inventory"]);
    let want = hex::encode(Sha256::digest(
        std::fs::read(fx.path().join(GATEWAY_LIB)).unwrap(),
    ));
    let item = doc["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "content" && a["name"] == GATEWAY_LIB)
        .expect("content item");
    assert_eq!(item["attributes"]["sha256"], want.as_str());
    let symbols = item["attributes"]["exported-symbols"].as_str().unwrap();
    assert_eq!(
        symbols.lines().collect::<Vec<_>>(),
        [
            "kaveGetDatabasesInfo",
            "kaveInitializeEx",
            "kaveUninitialize"
        ]
    );
    let content = doc["collectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "content")
        .expect("content collector stats");
    assert_eq!(content["items"], 1, "{content}");
}

#[test]
fn one_weak_string_alone_is_at_most_possible_and_documents_stay_clear() {
    let fx = Fixture::new();
    fx.write("etc/os-release", OS_RELEASE);
    fx.write(
        "var/lib/dpkg/status",
        dpkg_status(&[("acme-loader", "Acme Networks <support@acme.example>")]),
    );
    fx.write(
        "var/lib/dpkg/info/acme-loader.list",
        "/.\n/opt/acme/lib/libloader.so\n",
    );
    compile_shared(LOADER, &fx.path().join("opt/acme/lib/libloader.so"));
    documents(&fx);
    let doc = scan_content(fx.path(), &[]);
    assert_eq!(
        findings(&doc),
        [(ENGINE.to_string(), "possible".to_string())]
    );
    let f = finding(&doc, ENGINE);
    let e = evidence_item(f, "opt/acme/lib/libloader.so");
    assert_eq!(e["kind"], "content");
    // Named as a string, not exported: the export table was read and says no.
    assert_eq!(e["indicator_kind"], "content-string");
    assert_eq!(e["weight"], "weak");
    assert_eq!(e["name"], "kaveGetDatabasesInfo");
    nothing_under(&doc, "usr/share/doc");
}

#[test]
fn engine_dll_in_another_vendors_program_files_folder_is_embedded_in_that_product() {
    let fx = Fixture::new();
    fx.write(SOFTWARE, hive("software.hive"));
    fx.write(SYSTEM, hive("system.hive"));
    let mut extra: Vec<u8> = b"\0Kave8 engine wrapper\0".to_vec();
    // The licence file name as Windows code spells it: UTF-16LE, another case.
    extra.extend("APPINFO.KLI".encode_utf16().flat_map(u16::to_le_bytes));
    fx.write(
        FIREFOX_DLL,
        pe_dll(
            "kave8.dll",
            &["kaveInitializeEx", "kaveGetDatabasesInfo"],
            &extra,
        ),
    );
    fx.write(
        "Users/alice/Documents/notes.txt",
        "Kaspersky was removed from this PC.\r\n",
    );
    let doc = scan_content(fx.path(), &[]);
    let f = finding(&doc, ENGINE);
    assert_eq!(f["confidence"], "confirmed");
    assert_eq!(f["distribution"], "embedded");
    assert_eq!(f["embedded_in"], serde_json::json!([FIREFOX]));
    let name = f["product_name"].as_str().unwrap();
    assert!(name.ends_with(&format!(" embedded in {FIREFOX}")), "{name}");
    let ds = directives(f);
    assert!(ds.contains(&"ndaa-fy18-1634"), "{ds:?}");
    assert!(!ds.contains(&"bod-17-01"), "{ds:?}");
    let e = evidence_item(f, FIREFOX_DLL);
    assert_eq!(e["kind"], "content");
    assert_eq!(e["container"], FIREFOX);
    assert_eq!(e["indicator_kind"], "exported-symbol");
    let ids = e["indicators"].to_string();
    assert!(ids.contains("content-string/appinfo.kli"), "{ids}");
    nothing_under(&doc, "Users/alice/Documents");
}

/// A minimal PE32+ DLL named `dll` exporting `names` (each a `ret`), with `extra` bytes
/// after the code: DOS header, COFF and optional headers, one `.edata` section.
fn pe_dll(dll: &str, names: &[&str], extra: &[u8]) -> Vec<u8> {
    const RVA: u32 = 0x1000;
    let mut names: Vec<&str> = names.to_vec();
    names.sort();
    let n = names.len() as u32;
    // The section: export directory, tables, strings; then code and the extra bytes.
    let funcs = 40u32;
    let name_ptrs = funcs + 4 * n;
    let ordinals = name_ptrs + 4 * n;
    let mut strings = ordinals + 2 * n;
    let dll_name = strings;
    strings += dll.len() as u32 + 1;
    let mut name_at = Vec::new();
    for name in &names {
        name_at.push(strings);
        strings += name.len() as u32 + 1;
    }
    let dir_size = strings;
    let code = dir_size.next_multiple_of(16);
    let mut sec = Vec::new();
    let u16le = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
    let u32le = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
    u32le(&mut sec, 0); // characteristics
    u32le(&mut sec, 0); // time stamp
    u16le(&mut sec, 0);
    u16le(&mut sec, 0);
    u32le(&mut sec, RVA + dll_name);
    u32le(&mut sec, 1); // ordinal base
    u32le(&mut sec, n);
    u32le(&mut sec, n);
    u32le(&mut sec, RVA + funcs);
    u32le(&mut sec, RVA + name_ptrs);
    u32le(&mut sec, RVA + ordinals);
    for i in 0..n {
        u32le(&mut sec, RVA + code + i);
    }
    for at in &name_at {
        u32le(&mut sec, RVA + at);
    }
    for i in 0..n {
        u16le(&mut sec, i as u16);
    }
    sec.extend_from_slice(dll.as_bytes());
    sec.push(0);
    for name in &names {
        sec.extend_from_slice(name.as_bytes());
        sec.push(0);
    }
    sec.resize(code as usize, 0);
    sec.extend(std::iter::repeat_n(0xc3u8, names.len()));
    sec.extend_from_slice(extra);
    let raw_size = (sec.len() as u32).next_multiple_of(0x200);
    let image_size = RVA + (sec.len() as u32).next_multiple_of(0x1000);

    let mut pe = vec![0u8; 0x40];
    pe[0..2].copy_from_slice(b"MZ");
    pe[0x3c..0x40].copy_from_slice(&0x40u32.to_le_bytes());
    pe.extend_from_slice(b"PE\0\0");
    u16le(&mut pe, 0x8664); // machine
    u16le(&mut pe, 1); // sections
    u32le(&mut pe, 0);
    u32le(&mut pe, 0);
    u32le(&mut pe, 0);
    u16le(&mut pe, 0xf0); // optional header size
    u16le(&mut pe, 0x2022); // executable, large address aware, DLL
    u16le(&mut pe, 0x20b); // PE32+
    pe.extend_from_slice(&[14, 0]);
    u32le(&mut pe, raw_size); // code
    u32le(&mut pe, 0);
    u32le(&mut pe, 0);
    u32le(&mut pe, 0); // entry point
    u32le(&mut pe, RVA); // base of code
    pe.extend_from_slice(&0x1_8000_0000u64.to_le_bytes());
    u32le(&mut pe, 0x1000); // section alignment
    u32le(&mut pe, 0x200); // file alignment
    for v in [6u16, 0, 0, 0, 6, 0] {
        u16le(&mut pe, v);
    }
    u32le(&mut pe, 0);
    u32le(&mut pe, image_size);
    u32le(&mut pe, 0x200); // headers
    u32le(&mut pe, 0); // checksum
    u16le(&mut pe, 2); // GUI subsystem
    u16le(&mut pe, 0x160);
    for v in [0x10_0000u64, 0x1000, 0x10_0000, 0x1000] {
        pe.extend_from_slice(&v.to_le_bytes());
    }
    u32le(&mut pe, 0);
    u32le(&mut pe, 16);
    u32le(&mut pe, RVA); // export directory
    u32le(&mut pe, dir_size);
    pe.resize(pe.len() + 15 * 8, 0);
    pe.extend_from_slice(b".edata\0\0");
    u32le(&mut pe, sec.len() as u32);
    u32le(&mut pe, RVA);
    u32le(&mut pe, raw_size);
    u32le(&mut pe, 0x200);
    pe.resize(pe.len() + 12, 0);
    u32le(&mut pe, 0x6000_0020); // code, execute, read
    pe.resize(0x200, 0);
    pe.extend_from_slice(&sec);
    pe.resize(0x200 + raw_size as usize, 0);
    pe
}
