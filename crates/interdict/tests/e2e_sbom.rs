//! End to end: `interdict sbom`, `interdict import` and `scan --format cyclonedx` through
//! the binary — "in whole or in part": embedded components count, under the directives
//! that reach them.

mod support;

use serde_json::{Value, json};
use support::linux::linux_root;
use support::*;

const SBOM_DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../interdict-sbom/testdata");
const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/sbom");

fn run_json(args: &[&str]) -> (i32, Value, String) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let (code, out, err) = interdict(&all);
    let doc = serde_json::from_str(&out).unwrap_or_else(|e| panic!("bad json ({e}): {out}\n{err}"));
    (code, doc, err)
}

/// `(document, product, confidence, directives)` of every finding.
fn sbom_findings(doc: &Value) -> Vec<(String, String, String, Vec<String>)> {
    let mut v: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["document"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string();
            let dirs = f["directives"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap().to_string())
                .collect();
            (
                file,
                f["product"].as_str().unwrap().into(),
                f["confidence"].as_str().unwrap().into(),
                dirs,
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn real_sboms_have_no_findings() {
    let files = [
        "cyclonedx/cern-lhc-vdm-editor/bom.json",
        "cyclonedx/cern-lhc-vdm-editor/bom.xml",
        "cyclonedx/dropwizard-1.3.15/bom.json",
        "cyclonedx/dropwizard-1.3.15/bom.xml",
        "cyclonedx/trivy-fluentd/fluentd-multiple-lockfiles.cdx.json",
        "spdx/sbomqs/sbomqs.syft-spdx.json",
        "spdx/sbomqs/sbomqs.syft-spdx.tv",
        "spdx/sbomqs/sbomqs.trivy-spdx.tv",
        "spdx/spdx-examples/appbomination.spdx.json",
        "spdx/spdx-examples/example6-lib.spdx",
        "spdx/trivy-centos-7/centos-7-spdx.json",
        "spdx/trivy-centos-7/centos-7-spdx.txt",
    ];
    let paths: Vec<String> = files.iter().map(|f| format!("{CORPUS}/{f}")).collect();
    let mut args = vec!["sbom"];
    args.extend(paths.iter().map(String::as_str));
    let (code, doc, err) = run_json(&args);
    assert_eq!(code, 0, "{err}");
    assert!(doc["findings"].as_array().unwrap().is_empty(), "{doc:#}");
    assert!(doc["errors"].as_array().unwrap().is_empty(), "{doc:#}");
    let counts: Vec<u64> = doc["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["components"].as_u64().unwrap())
        .collect();
    assert_eq!(
        counts[0],
        43 + 1,
        "cern: 43 components plus the metadata component"
    );
    assert_eq!(counts[4], 161 + 1, "trivy fluentd 1.7");
}

#[test]
fn embedded_supplier_and_open_source_findings_are_exact() {
    let files = [
        "appliance.cdx.json",
        "gateway.spdx.json",
        "android-app.cdx.xml",
    ]
    .map(|f| format!("{SBOM_DATA}/{f}"));
    let (code, doc, _) = run_json(&["sbom", &files[0], &files[1], &files[2]]);
    assert_eq!(code, 1);
    let embedded = vec![
        "bis-icts-2021-002".to_string(),
        "fcc-covered-list".into(),
        "ndaa-fy18-1634".into(),
    ];
    assert_eq!(
        sbom_findings(&doc),
        [
            (
                "android-app.cdx.xml".to_string(),
                "kaspresso".to_string(),
                "probable".to_string(),
                vec!["ndaa-fy18-1634".to_string()]
            ),
            (
                "appliance.cdx.json".into(),
                "kaspersky-unidentified".into(),
                "confirmed".into(),
                embedded.clone()
            ),
            (
                "gateway.spdx.json".into(),
                "kaspersky-unidentified".into(),
                "confirmed".into(),
                embedded
            ),
        ]
    );
    let findings = doc["findings"].as_array().unwrap();
    let appliance = findings
        .iter()
        .find(|f| {
            f["document"]
                .as_str()
                .unwrap()
                .ends_with("appliance.cdx.json")
        })
        .unwrap();
    assert_eq!(
        appliance["distribution"], "embedded",
        "BOD 17-01 excludes embedded code"
    );
    let ev = &appliance["evidence"][0];
    assert_eq!(ev["kind"], "sbom-component");
    assert!(
        ev["location"]
            .as_str()
            .unwrap()
            .ends_with("appliance.cdx.json#appliance-fw > av-module > kav-engine"),
        "{ev}"
    );
    // decoys in the same files: a "kaspersky-detector" by another company, other AV vendors
    let text = doc["findings"].to_string();
    for decoy in ["kaspersky-detector", "Acme", "ESET", "McAfee", "Sophos"] {
        assert!(!text.contains(decoy), "decoy {decoy} reported: {text}");
    }
    // BOD 17-01 alone: embedded code and open source are out of its scope.
    let (code, doc, _) = run_json(&[
        "sbom",
        &files[0],
        &files[1],
        &files[2],
        "--directive",
        "bod-17-01",
    ]);
    assert_eq!((code, doc["findings"].as_array().unwrap().len()), (0, 0));
}

#[test]
fn a_bad_sbom_is_named_and_the_others_are_still_checked() {
    let good = format!("{SBOM_DATA}/appliance.cdx.json");
    let bad = [
        "truncated.cdx.json",
        "spec-2.0.cdx.json",
        "mismatched-tag.cdx.xml",
    ]
    .map(|f| format!("{SBOM_DATA}/malformed/{f}"));
    let (code, doc, err) = run_json(&[
        "sbom",
        &bad[0],
        &good,
        &bad[1],
        &bad[2],
        "/nonexistent.json",
    ]);
    assert_eq!(
        code, 1,
        "findings of the good file still decide the exit code"
    );
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("truncated.cdx.json")
            && errors[0]["message"].as_str().unwrap().contains("line")
    );
    assert!(
        errors[1]["message"]
            .as_str()
            .unwrap()
            .contains("specVersion"),
        "{errors:#?}"
    );
    assert!(err.contains("nonexistent.json"));
    let (code, _, _) = run_json(&["sbom", &bad[0]]);
    assert_eq!(code, 2, "only errors: exit 2");
}

#[test]
fn osquery_and_csv_imports_count_endpoints_per_product() {
    let o = format!("{SBOM_DATA}/osquery");
    let (code, doc, _) = run_json(&[
        "import",
        "--from",
        "osquery",
        &format!("{o}/WS-FIN-01.json"),
        &format!("{o}/WS-ENG-07.json"),
        &format!("{o}/osqueryd.results.log"),
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        products(&doc),
        [
            (
                "kaspersky-browser-protection".to_string(),
                1,
                json!(["wks-dev-11"])
            ),
            ("kes-windows".into(), 1, json!(["WS-FIN-01"])),
            ("kesl".into(), 1, json!(["srv-log-02"])),
        ]
    );
    for f in doc["findings"].as_array().unwrap() {
        assert!(f["host"].is_string(), "each finding names its host");
        assert_eq!(f["confidence"], "confirmed");
    }
    // the results log has one truncated line: named, and the other lines still count
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("osqueryd.results.log: invalid json at line 5")
    );

    let (code, doc, _) = run_json(&[
        "import",
        "--from",
        "csv",
        &format!("{SBOM_DATA}/csv/sccm-software.csv"),
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        products(&doc),
        [
            ("kes-windows".to_string(), 1, json!(["WS-FIN-01"])),
            ("ksc-network-agent-windows".into(), 1, json!(["WS-FIN-01"]))
        ]
    );
    assert_eq!(
        doc["errors"].as_array().unwrap().len(),
        2,
        "two rows with missing values are named"
    );
    let (code, _, err) = interdict(&[
        "import",
        "--from",
        "csv",
        &format!("{SBOM_DATA}/malformed/missing-name-column.csv"),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("missing-name-column.csv"), "{err}");
}

#[test]
fn scan_cyclonedx_is_valid_1_6_and_round_trips_to_the_same_products() {
    let outside = tempfile::tempdir().unwrap();
    let fx = linux_root(&outside.path().join("m"));
    let root = fx.path().to_str().unwrap();
    let (_, scan) = scan_json(fx.path(), &[]);
    let (code, bom_text, err) = interdict(&["scan", "--root", root, "--format", "cyclonedx"]);
    assert_eq!(code, 1, "{err}");
    let bom: Value = serde_json::from_str(&bom_text).unwrap();
    assert_eq!(bom["specVersion"], "1.6");
    let validator = schema_validator();
    let problems: Vec<String> = validator
        .iter_errors(&bom)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");

    let path = outside.path().join("host.cdx.json");
    std::fs::write(&path, &bom_text).unwrap();
    let (_, from_sbom, _) = run_json(&["sbom", path.to_str().unwrap()]);
    let products = |d: &Value| {
        let mut v: Vec<String> = d["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["product"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    let directives = |d: &Value| -> Vec<(String, Value, String)> {
        d["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["product"].as_str().unwrap().to_string(),
                    f["directives"].clone(),
                    f["confidence"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        directives(&from_sbom),
        directives(&scan),
        "same directives and confidences: host items are not embedded"
    );
    assert_eq!(
        products(&from_sbom),
        products(&scan),
        "sbom of the scan finds what the scan found"
    );
    assert_eq!(
        products(&scan),
        [
            "kaspersky-browser-protection",
            "kaspersky-https-scanning-root",
            "kav4fs",
            "kesl",
            "ksc-network-agent"
        ]
    );
}

fn schema_validator() -> jsonschema::Validator {
    use std::collections::HashMap;
    struct Vendored(HashMap<String, Value>);
    impl jsonschema::Retrieve for Vendored {
        fn retrieve(
            &self,
            uri: &jsonschema::Uri<String>,
        ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
            self.0
                .get(uri.as_str())
                .cloned()
                .ok_or_else(|| format!("schema {uri} is not vendored").into())
        }
    }
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../interdict-sbom/tests/schema"
    );
    let load = |f: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/{f}")).unwrap()).unwrap()
    };
    let mut refs = HashMap::new();
    for f in ["spdx.schema.json", "jsf-0.82.schema.json"] {
        let s = load(f);
        refs.insert(s["$id"].as_str().unwrap().to_string(), s);
    }
    jsonschema::options()
        .with_retriever(Vendored(refs))
        .should_validate_formats(true)
        .build(&load("bom-1.6.schema.json"))
        .unwrap()
}

#[test]
fn wild_encodings_spdx3_and_nameless_roots_give_their_findings() {
    let wild = format!("{SBOM_DATA}/wild");
    // PowerShell's `>` writes UTF-16 LE with a BOM.
    let source = std::fs::read_to_string(format!("{wild}/utf16-source.cdx.json")).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(source.encode_utf16().flat_map(u16::to_le_bytes));
    let dir = tempfile::tempdir().unwrap();
    let utf16_path = dir.path().join("inventory-utf16.cdx.json");
    std::fs::write(&utf16_path, &utf16).unwrap();
    let files = [
        format!("{wild}/bom-utf8.cdx.json"),
        utf16_path.display().to_string(),
        format!("{wild}/gateway.spdx3.json"),
        format!("{wild}/syft-empty-root.spdx.json"),
        format!("{wild}/cr-only.spdx"),
    ];
    let mut args = vec!["sbom"];
    args.extend(files.iter().map(String::as_str));
    let (code, doc, err) = run_json(&args);
    assert_eq!(code, 1, "findings decide the exit code: {err}");
    let all = vec![
        "bis-icts-2021-002".to_string(),
        "fcc-covered-list".into(),
        "ndaa-fy18-1634".into(),
    ];
    let finding = |file: &str, product: &str| {
        (
            file.to_string(),
            product.to_string(),
            "confirmed".to_string(),
            all.clone(),
        )
    };
    assert_eq!(
        sbom_findings(&doc),
        [
            finding("bom-utf8.cdx.json", "kes-windows"),
            finding("cr-only.spdx", "kesl"),
            finding("gateway.spdx3.json", "kaspersky-unidentified"),
            finding("inventory-utf16.cdx.json", "kaspersky-anti-virus"),
            finding("syft-empty-root.spdx.json", "kesl"),
        ]
    );
    let spdx3 = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["document"]
                .as_str()
                .unwrap()
                .ends_with("gateway.spdx3.json")
        })
        .unwrap();
    assert!(
        spdx3["evidence"][0]["location"]
            .as_str()
            .unwrap()
            .ends_with("gateway.spdx3.json#secure-gateway > av-module > kav-engine"),
        "{spdx3}"
    );
    let formats: Vec<&str> = doc["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["format"].as_str().unwrap())
        .collect();
    assert_eq!(
        formats,
        [
            "cyclonedx-json",
            "cyclonedx-json",
            "spdx3-jsonld",
            "spdx-json",
            "spdx-tag-value"
        ]
    );
    // The nameless syft root and jar are reported, as warnings of a document that was
    // still read: its one good package gave its finding above.
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    for e in errors {
        assert_eq!(e["severity"], "warning");
        assert!(
            e["location"]
                .as_str()
                .unwrap()
                .ends_with("syft-empty-root.spdx.json")
        );
        assert!(e["message"].as_str().unwrap().contains("it has no name"));
    }
    assert_eq!(doc["documents"][3]["warnings"], 2);
    // Warnings alone do not fail a run: a document with skipped components and no
    // findings exits 0.
    let (code, doc, _) = run_json(&["sbom", &format!("{wild}/malformed-packages.spdx.json")]);
    assert_eq!(doc["errors"].as_array().unwrap().len(), 4);
    assert_eq!(code, 1, "its kav-engine is still found");
    let (code, doc, _) = run_json(&[
        "sbom",
        &format!("{wild}/syft-empty-gems.cdx.json"),
        "--directive",
        "bod-17-01",
    ]);
    assert_eq!(
        (code, doc["findings"].as_array().unwrap().len()),
        (0, 0),
        "{doc:#}"
    );
    assert_eq!(doc["errors"].as_array().unwrap().len(), 2);
}
