//! End to end: `interdict import` on exports as the field sends them — mixed osquery
//! results logs, products removed later, Windows certificates, processes, UTF-16 and
//! semicolon CSV, Intune/SCCM/Tanium headers without flags, aggregated device counts —
//! with exit codes and the message for a file that is not there.

mod support;

use serde_json::{Value, json};
use support::*;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../interdict-sbom/testdata");

fn fixture(relative: &str) -> String {
    format!("{DATA}/{relative}")
}

fn import_json(args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["import"];
    all.extend(args);
    all.extend(["--format", "json"]);
    let (code, out, err) = interdict(&all);
    let doc = serde_json::from_str(&out).unwrap_or_else(|e| panic!("bad json ({e}): {out}\n{err}"));
    (code, doc, err)
}

/// A fixture and the (product, count, hosts) it should give.
type Case = (&'static str, Vec<(&'static str, u64, Value)>);

fn no_errors(doc: &Value) {
    assert_eq!(doc["errors"], json!([]), "{doc:#}");
}

#[test]
fn mixed_results_log_counts_skipped_queries_and_is_not_an_error() {
    let log = fixture("osquery/mixed.results.log");
    let (code, doc, err) = import_json(&["--from", "osquery", &log]);
    assert_eq!(code, 1, "a finding, no error: {err}");
    no_errors(&doc);
    assert_eq!(
        products(&doc),
        [("kes-windows".to_string(), 1, json!(["WS-FIN-01"]))]
    );
    assert_eq!(
        doc["skipped"],
        json!({
            "pack_custom_listening": 1,
            "pack_it_logged_in_users": 2,
            "pack_os_version": 1,
            "pack_osquery-monitoring_schedule": 2
        })
    );
    // The same log without the Kaspersky rows: unrelated queries alone exit 0.
    let dir = tempfile::tempdir().unwrap();
    let clean: String = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter(|l| !l.contains("Kaspersky"))
        .map(|l| format!("{l}\n"))
        .collect();
    let path = dir.path().join("clean.results.log");
    std::fs::write(&path, clean).unwrap();
    let (code, doc, err) = import_json(&[path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    no_errors(&doc);
    assert_eq!(doc["findings"], json!([]));
    assert_eq!(doc["skipped"]["pack_os_version"], 1);
    // The table names what was skipped.
    let (code, table, _) = interdict(&["import", path.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        table.contains("skipped: pack_os_version (1 row(s), no inventory)"),
        "{table}"
    );
}

#[test]
fn a_product_added_then_removed_is_not_installed() {
    let (code, doc, err) = import_json(&[&fixture("osquery/added-removed.results.log")]);
    assert_eq!(code, 0, "{err}");
    no_errors(&doc);
    assert_eq!(doc["findings"], json!([]), "{doc:#}");
    assert_eq!(doc["hosts_seen"], 4);
}

#[test]
fn windows_certificates_and_processes_match() {
    let (code, doc, _) = import_json(&[
        "--from",
        "osquery",
        &fixture("osquery/windows-certificates.json"),
    ]);
    assert_eq!(code, 1);
    no_errors(&doc);
    let finding = &doc["findings"][0];
    assert_eq!(finding["product"], "kaspersky-https-scanning-root");
    let locations: Vec<&str> = finding["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["location"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        locations,
        [
            "windows-certificates.json#[0]#certificates",
            "windows-certificates.json#[1]#certificates"
        ],
        "the subject2 row and the value-only row both match"
    );

    let (code, doc, _) = import_json(&[&fixture("osquery/processes.json")]);
    assert_eq!(code, 1);
    no_errors(&doc);
    let evidence = &doc["findings"][0]["evidence"][0];
    assert_eq!(evidence["kind"], "process");
    assert_eq!(evidence["name"], "avp.exe");
    assert_eq!(doc["findings"][0]["confidence"], "confirmed");
}

#[test]
fn csv_exports_are_recognised_without_flags() {
    let cases: [Case; 5] = [
        (
            "csv/intune-appinvrawdata.csv",
            vec![("kes-windows", 2, json!(["WS-ENG-07", "WS-FIN-01"]))],
        ),
        (
            "csv/intune-appinvaggregate.csv",
            vec![
                ("kes-windows", 37, json!(["intune-appinvaggregate"])),
                (
                    "ksc-network-agent-windows",
                    12,
                    json!(["intune-appinvaggregate"]),
                ),
            ],
        ),
        (
            "csv/intune-discovered-apps.csv",
            vec![("kes-windows", 42, json!(["intune-discovered-apps"]))],
        ),
        (
            "csv/sccm-installed-software.csv",
            vec![
                ("kes-windows", 1, json!(["WS-FIN-01"])),
                ("ksc-network-agent-windows", 1, json!(["WS-FIN-01"])),
            ],
        ),
        (
            "csv/tanium-installed-applications.csv",
            vec![
                ("kes-windows", 1, json!(["ws-fin-01.corp.example"])),
                ("kesl", 1, json!(["lnx-build-02.corp.example"])),
            ],
        ),
    ];
    for (file, expected) in cases {
        let (code, doc, err) = import_json(&[&fixture(file)]);
        assert_eq!(code, 1, "{file}: {err}");
        no_errors(&doc);
        let expected: Vec<(String, u64, Value)> = expected
            .into_iter()
            .map(|(p, c, h)| (p.to_string(), c, h))
            .collect();
        assert_eq!(products(&doc), expected, "{file}");
    }
    // The old flags still work and say the same.
    let (code, doc, _) = import_json(&[
        "--from",
        "csv",
        "--host-column",
        "DeviceName",
        "--name-column",
        "ApplicationName",
        "--version-column",
        "ApplicationVersion",
        "--publisher-column",
        "ApplicationPublisher",
        &fixture("csv/intune-appinvrawdata.csv"),
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        products(&doc),
        [(
            "kes-windows".to_string(),
            2,
            json!(["WS-ENG-07", "WS-FIN-01"])
        )]
    );
}

#[test]
fn utf16_semicolon_and_type_csv_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("csv/semicolon.csv")).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(
        text.replace('\n', "\r\n")
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    let path = dir.path().join("redirected.csv");
    std::fs::write(&path, utf16).unwrap();
    let (code, doc, err) = import_json(&["--from", "csv", path.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    no_errors(&doc);
    assert_eq!(products(&doc)[0].2, json!(["WS-DE-04"]));

    let (code, doc, _) = import_json(&[&fixture("csv/type-application.csv")]);
    assert_eq!(code, 1);
    no_errors(&doc);
    assert!(
        products(&doc)
            .iter()
            .any(|(p, _, hosts)| p == "kes-windows" && *hosts == json!(["WS-ENG-07"])),
        "{doc:#}"
    );
}

#[test]
fn a_missing_file_is_named() {
    let (code, out, err) = interdict(&[
        "import",
        "--from",
        "osquery",
        "/nonexistent/osqueryd.results.log",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("/nonexistent/osqueryd.results.log: No such file or directory"),
        "{err}"
    );
    assert!(out.contains("/nonexistent/osqueryd.results.log"), "{out}");
}
