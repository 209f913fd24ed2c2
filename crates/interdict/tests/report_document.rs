//! The report document (issue 9): every `scan`, `sbom` and `import` output is one typed,
//! versioned document that parses back into `Report`, serialises to the same JSON, and
//! validates against the committed schema; hosts carry a stable identity; the catalog
//! digest names the catalog used.

mod support;

use interdict_findings::Report;
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::linux::linux_root;
use support::*;

const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/report.schema.json");
const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../interdict-sbom/testdata");
const SOFTWARE: &str = "Windows/System32/config/SOFTWARE";
const SYSTEM: &str = "Windows/System32/config/SYSTEM";

/// Checks one output: it is the report document (contract keys present), it round-trips
/// through `Report` to the same text, and it validates against `docs/report.schema.json`.
fn check_document(stdout: &str, what: &str) -> (Report, Value) {
    let report = Report::from_json(stdout.as_bytes(), what)
        .unwrap_or_else(|e| panic!("{what}: {e}\n{stdout}"));
    let again = serde_json::to_string_pretty(&report).unwrap() + "\n";
    assert!(again == stdout, "{what}: the round trip changed the JSON");
    let doc: Value = serde_json::from_str(stdout).unwrap();
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(SCHEMA).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
    for key in [
        "schema_version",
        "tool",
        "source",
        "catalog",
        "started",
        "finished",
        "findings",
        "errors",
    ] {
        assert!(doc.get(key).is_some(), "{what}: no `{key}`");
    }
    for key in ["version", "digest"] {
        assert!(
            doc["catalog"].get(key).is_some(),
            "{what}: no catalog.{key}"
        );
    }
    (report, doc)
}

fn run_json(args: &[&str], what: &str) -> (Report, Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let (code, stdout, stderr) = interdict(&all);
    assert!(code == 0 || code == 1, "{what}: exit {code}: {stderr}");
    check_document(&stdout, what)
}

fn windows_root(software: &str) -> Fixture {
    let fx = Fixture::new();
    fx.write(SOFTWARE, hive(software));
    fx.write(SYSTEM, hive("system.hive"));
    fx.write(
        "Program Files (x86)/Kaspersky Lab/KES.11.11.0/avp.exe",
        data("windows/kes-avp.exe"),
    );
    fx
}

fn macos_root() -> Fixture {
    let fx = Fixture::new();
    fx.write(
        "System/Library/CoreServices/SystemVersion.plist",
        r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>ProductName</key><string>macOS</string>
<key>ProductVersion</key><string>14.5</string>
</dict></plist>"#,
    );
    fx.write(
        "Users/ana/Library/Preferences/ByHost/com.apple.screensaver.564D2A1E-0C6F-4B8E-9D2C-1A2B3C4D5E6F.plist",
        "",
    );
    fx
}

fn files_in(dir: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn scans_of_every_fixture_root_are_the_document() {
    let outside = tempfile::tempdir().unwrap();
    let linux = linux_root(&outside.path().join("executed"));
    let windows = windows_root("software.hive");
    let macos = macos_root();
    for (name, fx) in [("linux", &linux), ("windows", &windows), ("macos", &macos)] {
        for extra in [&[][..], &["--inventory"][..]] {
            let mut args = vec!["scan", "--root", path_str(fx.path())];
            args.extend(extra);
            let (report, doc) = run_json(&args, &format!("{name} scan {extra:?}"));
            assert_eq!(doc["source"], "scan");
            let host = report.host.as_ref().expect("a scan names its host");
            assert!(!host.id.is_empty());
            for key in ["id", "name", "os", "hostname", "root", "live", "platform"] {
                assert!(doc["host"].get(key).is_some(), "{name}: no host.{key}");
            }
            assert_eq!(report.inventory.is_some(), !extra.is_empty());
            assert!(report.finished >= report.started);
        }
    }
}

#[test]
fn sbom_outputs_of_every_fixture_are_the_document() {
    let mut files = files_in(TESTDATA);
    files.extend(files_in(&format!("{TESTDATA}/wild")));
    files.retain(|f| !f.to_string_lossy().ends_with(".md"));
    assert!(files.len() >= 10, "{files:?}");
    for f in &files {
        let (_, doc) = run_json(&["sbom", path_str(f)], &f.display().to_string());
        assert_eq!(doc["source"], "sbom");
        assert!(doc["documents"].is_array());
    }
    // All at once: one document per file, findings labelled by document.
    let mut args = vec!["sbom"];
    args.extend(files.iter().map(|f| path_str(f)));
    let (report, _) = run_json(&args, "all sboms");
    assert!(report.findings.iter().all(|f| f.document.is_some()));
}

#[test]
fn import_outputs_of_every_fixture_are_the_document() {
    let mut files = files_in(&format!("{TESTDATA}/osquery"));
    files.extend(files_in(&format!("{TESTDATA}/csv")));
    assert!(files.len() >= 20, "{files:?}");
    for f in &files {
        let (report, doc) = run_json(&["import", path_str(f)], &f.display().to_string());
        assert_eq!(doc["source"], "import");
        let hosts = doc["hosts"].as_array().expect("an import lists its hosts");
        for h in hosts {
            assert!(h["id"].as_str().is_some_and(|id| !id.is_empty()), "{h}");
            assert!(h.get("name").is_some());
        }
        // Every finding names a host the document lists.
        for finding in &report.findings {
            let id = finding.host_id.as_deref().expect("host_id");
            assert!(report.all_hosts().iter().any(|h| h.id == id), "{id}");
        }
    }
}

#[test]
fn host_identity_is_stable_and_tells_machines_apart() {
    let a = windows_root("software.hive");
    let b = windows_root("attrib-software.hive");
    let id = |fx: &Fixture| {
        let (report, _) = run_json(&["scan", "--root", path_str(fx.path())], "windows");
        report.host.unwrap().id
    };
    let first = id(&a);
    assert_eq!(first, "machine-guid:6f1a0c2e-5b7d-4b1b-9c4d-0123456789ab");
    assert_eq!(id(&a), first, "the same root scanned twice");
    assert_eq!(id(&b), "machine-guid:b3e1f7a0-22c4-4e9b-8f31-5d6c7e8f9a0b");

    let outside = tempfile::tempdir().unwrap();
    let linux = linux_root(&outside.path().join("executed"));
    linux.write("etc/machine-id", "0f9e8d7c6b5a49382716afbecd012345\n");
    let (report, _) = run_json(&["scan", "--root", path_str(linux.path())], "linux");
    let host = report.host.unwrap();
    assert_eq!(host.id, "machine-id:0f9e8d7c6b5a49382716afbecd012345");
    assert_eq!(host.name, "fixture-host");

    let (report, _) = run_json(&["scan", "--root", path_str(macos_root().path())], "macos");
    assert_eq!(
        report.host.unwrap().id,
        "hardware-uuid:564d2a1e-0c6f-4b8e-9d2c-1a2b3c4d5e6f"
    );
}

#[test]
fn a_live_scan_reads_etc_machine_id() {
    let (report, _) = run_json(&["scan", "--no-sweep"], "live scan");
    let host = report.host.unwrap();
    assert_eq!(host.live, Some(true));
    match std::fs::read_to_string("/etc/machine-id") {
        Ok(text) if text.trim().len() == 32 => {
            let expected = text.trim().to_ascii_lowercase();
            assert_eq!(host.identifiers["machine-id"], expected);
            assert_eq!(host.id, format!("machine-id:{expected}"));
        }
        _ => eprintln!("skipped: this machine has no /etc/machine-id"),
    }
}

#[test]
fn the_catalog_digest_names_the_catalog_used() {
    let outside = tempfile::tempdir().unwrap();
    let fx = linux_root(&outside.path().join("executed"));
    let root = path_str(fx.path()).to_string();
    let digest = |extra: &[&str]| {
        let mut args = vec!["scan", "--root", &root, "--no-sweep"];
        args.extend(extra);
        let (report, _) = run_json(&args, "scan");
        report.catalog.digest
    };
    let bundled = digest(&[]);
    assert!(bundled.starts_with("sha256:"));
    assert_eq!(digest(&[]), bundled, "the same across runs");
    let site = tempfile::tempdir().unwrap();
    std::fs::write(
        site.path().join("site.toml"),
        r#"[[vendor]]
id = "acme"
name = "Acme Surveillance"
sources = ["https://example.org/acme"]
"#,
    )
    .unwrap();
    let with_site = digest(&["--catalog", path_str(site.path())]);
    assert_ne!(with_site, bundled);
    assert_eq!(digest(&["--catalog", path_str(site.path())]), with_site);
}
