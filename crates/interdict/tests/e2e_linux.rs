//! End to end: a Linux root with Kaspersky artifacts in every source and decoys next to
//! them, scanned through the binary. Asserts exactly the findings and confidences, that
//! nothing in the root ran, and that the root is unchanged.

mod support;

use support::linux::linux_root;
use support::*;

#[test]
fn linux_root_exact_findings_no_execution_no_writes() {
    let outside = tempfile::tempdir().unwrap();
    let marker = outside.path().join("executed");
    let fx = linux_root(&marker);
    let before = snapshot(fx.path());

    let (code, doc) = scan_json(fx.path(), &[]);
    assert_eq!(code, 1, "findings exit 1");
    assert_eq!(
        findings(&doc),
        [
            (
                "kaspersky-browser-protection".to_string(),
                "confirmed".to_string()
            ),
            ("kaspersky-https-scanning-root".into(), "confirmed".into()),
            ("kav4fs".into(), "possible".into()),
            ("kesl".into(), "confirmed".into()),
            ("ksc-network-agent".into(), "confirmed".into()),
        ],
        "{doc:#}"
    );
    let kesl = finding(&doc, "kesl");
    assert_eq!(kesl["vendor"], "kaspersky");
    assert_eq!(
        kesl["directives"],
        serde_json::json!([
            "bis-icts-2021-002",
            "bod-17-01",
            "fcc-covered-list",
            "ndaa-fy18-1634"
        ])
    );
    let ev = evidence(kesl);
    for want in [
        ("package", "kesl"),
        ("service", "kesl.service"),
        ("service", "kesl-supervisor.service"),
        ("file", "opt/kaspersky/kesl/bin/kesl-control"),
        ("file", "opt/kaspersky"),
        ("file", "var/opt/kaspersky/kesl"),
    ] {
        assert!(
            ev.contains(&(want.0.to_string(), want.1.to_string())),
            "missing {want:?} in {ev:#?}"
        );
    }
    let pkg = kesl["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "package")
        .unwrap();
    assert_eq!(pkg["location"], "var/lib/dpkg/status");
    let agent = finding(&doc, "ksc-network-agent");
    let rpm = agent["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "package")
        .unwrap();
    assert_eq!(
        (rpm["name"].as_str(), rpm["location"].as_str()),
        (Some("klnagent64"), Some("var/lib/rpm/rpmdb.sqlite"))
    );
    assert_eq!(rpm["collector"], "rpmdb-sqlite");
    let ext = finding(&doc, "kaspersky-browser-protection");
    let e = &ext["evidence"][0];
    assert_eq!(
        (e["kind"].as_str(), e["name"].as_str()),
        (Some("extension"), Some("ahkjpbeeocnddjkakilopmfdlnjdpcdm"))
    );
    assert!(
        e["location"]
            .as_str()
            .unwrap()
            .starts_with("home/alice/.config/google-chrome/Default/Extensions/"),
        "{e}"
    );
    let kav4fs = finding(&doc, "kav4fs");
    assert!(
        kav4fs["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["weight"] == "leftover")
    );
    let cert = finding(&doc, "kaspersky-https-scanning-root");
    assert!(
        evidence(cert)[0]
            .1
            .contains("CN=Kaspersky Anti-Virus Personal Root Certificate")
    );
    assert_eq!(
        cert["evidence"][0]["location"],
        "etc/ssl/certs/ca-certificates.crt#1"
    );

    // no decoy anywhere in the evidence
    let text = doc["findings"].to_string();
    for decoy in [
        "keslint",
        "cjpalhdlnbpafiamejdnhcphjbkeiagm",
        "compat-shim",
        "eset",
        "McAfee",
        "mfetp",
        "removal-plan",
        "srv/mirror",
        "cleanup-report",
        "migration-notes",
    ] {
        assert!(!text.contains(decoy), "decoy {decoy} reported");
    }
    assert_eq!(doc["host"]["hostname"], "fixture-host");
    assert_eq!(doc["host"]["live"], false);
    assert!(
        doc["errors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["location"] != "etc/ssl/certs/ca-certificates.crt")
    );

    assert!(
        !marker.exists(),
        "something from the scanned root was executed"
    );
    assert_eq!(snapshot(fx.path()), before, "the scan changed the root");
}

#[test]
fn directive_filter_fail_on_and_formats() {
    let outside = tempfile::tempdir().unwrap();
    let fx = linux_root(&outside.path().join("m"));
    let root = fx.path().to_str().unwrap();
    // --fail-on confirmed still fails (confirmed findings exist); never → 0
    let (code, _) = scan_json(fx.path(), &["--fail-on", "confirmed"]);
    assert_eq!(code, 1);
    let (code, _) = scan_json(fx.path(), &["--fail-on", "never"]);
    assert_eq!(code, 0);
    let (_, doc) = scan_json(fx.path(), &["--directive", "bod-17-01", "--inventory"]);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 5);
    assert!(
        doc["inventory"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "eset-nod32")
    );
    let (code, out, _) = interdict(&["scan", "--root", root, "--format", "csv"]);
    assert_eq!(code, 1);
    assert!(out.starts_with(
        "vendor,product,product_name,confidence,directives,evidence_kind,location,name"
    ));
    assert!(out.contains("kaspersky,kesl,"));
    let (code, out, _) = interdict(&["scan", "--root", root]);
    assert_eq!(code, 1);
    assert!(
        out.contains("confirmed") && out.contains("Kaspersky Endpoint Security for Linux"),
        "{out}"
    );
    let (code, _, err) = interdict(&["scan", "--root", root, "--directive", "no-such"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown directive `no-such`"), "{err}");
    let (code, _, err) = interdict(&["scan", "--root", "/nonexistent/root"]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/root"), "{err}");
    let (code, _, err) = interdict(&["scan", "--bogus-flag"]);
    assert_eq!(code, 2);
    assert!(err.contains("--bogus-flag"), "{err}");
}

#[test]
fn corrupt_sources_become_errors_and_the_scan_goes_on() {
    let outside = tempfile::tempdir().unwrap();
    let fx = linux_root(&outside.path().join("m"));
    fx.write(
        "etc/ssl/certs/broken.pem",
        "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    );
    fx.write("var/lib/dpkg/status.d/garbage", [0u8, 1, 2, 3, 255]);
    fx.write(
        "usr/lib/sysimage/rpm/Packages",
        b"not a berkeley db at all, just text",
    );
    let (code, doc) = scan_json(fx.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&doc).len(),
        5,
        "findings survive corrupt neighbours"
    );
    let errors = doc["errors"].as_array().unwrap();
    assert!(errors.iter().any(|e| e["location"] == "etc/ssl/certs/broken.pem" && e["collector"] == "trust-store"), "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|e| e["location"] == "usr/lib/sysimage/rpm/Packages"),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e["location"] == "var/lib/dpkg/status.d/garbage"),
        "{errors:#?}"
    );
    let (code, _) = scan_json(fx.path(), &["--strict", "--fail-on", "never"]);
    assert_eq!(code, 2, "--strict turns unreadable sources into exit 2");
}
