//! The report document: round trip, version rules, and the committed JSON Schema.

use interdict_findings::{
    CatalogStamp, Confidence, Distribution, Evidence, Finding, Host, IndicatorKind, Os, Report,
    SCHEMA_VERSION, SourceKind, Summary, Tool, Weight, product_counts, report_schema,
};
use interdict_inventory::{ArtifactState, CollectError, Platform};
use std::collections::BTreeMap;

const SCHEMA_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/report.schema.json");

fn finding(product: &str, confidence: Confidence) -> Finding {
    Finding {
        vendor: "kaspersky".into(),
        product: product.into(),
        product_name: format!("Kaspersky {product}"),
        family: "endpoint-security".into(),
        distribution: Distribution::Branded,
        embedded_in: Vec::new(),
        confidence,
        directives: vec!["bod-17-01".into()],
        catalogued: true,
        evidence: vec![Evidence {
            kind: "package".into(),
            location: "var/lib/dpkg/status".into(),
            name: product.into(),
            item: None,
            version: Some("12.0.0.6672".into()),
            state: ArtifactState::Active,
            collector: "dpkg-status".into(),
            indicator: format!("{product}-package"),
            indicators: vec![format!("{product}-package")],
            indicator_kind: IndicatorKind::Package,
            pattern: product.into(),
            weight: Weight::Strong,
            source: "https://support.kaspersky.com/".into(),
            embedded: false,
            container: None,
        }],
        host: None,
        host_id: None,
        document: None,
    }
}

fn scan_report() -> Report {
    let ids: BTreeMap<String, String> = [("machine-id".to_string(), "0123abcd".to_string())].into();
    let os = Os {
        platform: Some(Platform::Linux),
        id: "debian".into(),
        version: "12".into(),
        name: "Debian GNU/Linux 12 (bookworm)".into(),
        kernel: "6.1.0-18-amd64".into(),
    };
    let findings = vec![finding("kesl", Confidence::Confirmed)];
    Report {
        schema_version: SCHEMA_VERSION.into(),
        id: "3f0a4c9e-7d7b-4c61-9a53-0c7b8f1e2d10".into(),
        tool: Tool {
            name: "interdict".into(),
            version: "0.1.0".into(),
        },
        source: SourceKind::Scan,
        catalog: CatalogStamp {
            version: "2026.12.1".into(),
            digest: "sha256:00".into(),
        },
        started: "2026-12-01T10:00:00Z".parse().unwrap(),
        finished: "2026-12-01T10:00:02Z".parse().unwrap(),
        duration_ms: 2000,
        host: Some(Host::new("web1", os, ids).with_scan_fields("/", true)),
        hosts: None,
        hosts_seen: None,
        skipped: None,
        documents: None,
        summary: Summary::of(&findings),
        findings,
        products: None,
        errors: vec![CollectError::new(
            "trust-store",
            "etc/ssl/certs/x.pem",
            "truncated pem",
        )],
        collectors: vec![],
        inventory: None,
        extra: BTreeMap::new(),
    }
}

#[test]
fn a_report_round_trips_to_the_same_json() {
    let report = scan_report();
    let json = serde_json::to_string_pretty(&report).unwrap();
    let back = Report::from_json(json.as_bytes(), "r.json").unwrap();
    assert_eq!(back, report);
    assert_eq!(serde_json::to_string_pretty(&back).unwrap(), json);
}

#[test]
fn the_contract_keys_are_present() {
    let v = serde_json::to_value(scan_report()).unwrap();
    for key in [
        "schema_version",
        "tool",
        "source",
        "catalog",
        "started",
        "finished",
        "findings",
        "errors",
        "host",
    ] {
        assert!(v.get(key).is_some(), "missing top-level key {key}");
    }
    assert_eq!(v["source"], "scan");
    assert_eq!(v["started"], "2026-12-01T10:00:00Z");
    for key in [
        "id", "name", "os", "hostname", "root", "live", "platform", "os_id",
    ] {
        assert!(v["host"].get(key).is_some(), "missing host key {key}");
    }
    assert_eq!(v["host"]["id"], "machine-id:0123abcd");
}

#[test]
fn a_newer_minor_version_with_unknown_fields_parses_and_keeps_them() {
    let mut v = serde_json::to_value(scan_report()).unwrap();
    v["schema_version"] = "1.7".into();
    v["attestation"] = serde_json::json!({"kind": "tpm", "quote": "abc"});
    v["findings"][0]["risk_score"] = 9.into();
    let text = serde_json::to_string(&v).unwrap();
    let back = Report::from_json(text.as_bytes(), "newer.json").unwrap();
    assert_eq!(back.schema_version, "1.7");
    assert_eq!(back.extra["attestation"]["kind"], "tpm");
    // Unknown fields inside nested objects are ignored, never an error.
    assert_eq!(back.findings[0].product, "kesl");
    assert_eq!(
        serde_json::to_value(&back).unwrap()["attestation"],
        v["attestation"]
    );
}

#[test]
fn another_major_version_or_a_non_report_is_refused_with_the_file_named() {
    let mut v = serde_json::to_value(scan_report()).unwrap();
    v["schema_version"] = "2.0".into();
    let err = Report::from_json(v.to_string().as_bytes(), "future.json").unwrap_err();
    assert!(err.to_string().contains("future.json"), "{err}");
    assert!(err.to_string().contains("2.0"), "{err}");
    let err = Report::from_json(b"{\"findings\": 3}", "junk.json").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("junk.json: not a report document"),
        "{err}"
    );
}

#[test]
fn products_count_units_and_weighted_endpoints() {
    let a = vec![finding("kesl", Confidence::Confirmed)];
    let b = vec![
        finding("kesl", Confidence::Probable),
        finding("klnagent", Confidence::Confirmed),
    ];
    let counts = product_counts(
        [("host-a", a.as_slice()), ("host-b", b.as_slice())],
        SourceKind::Import,
        |label, f| {
            if label == "host-b" && f.product == "kesl" {
                40
            } else {
                1
            }
        },
    );
    assert_eq!(counts.len(), 2);
    assert_eq!(counts[0].product, "kesl");
    assert_eq!(counts[0].count, 41);
    assert_eq!(counts[0].endpoints, 41);
    assert_eq!(
        counts[0].hosts.as_deref(),
        Some(&["host-a".to_string(), "host-b".to_string()][..])
    );
    assert!(counts[0].documents.is_none());
    assert_eq!(counts[1].endpoints, 1);
}

/// The committed schema equals the generated one. Regenerate with
/// `INTERDICT_BLESS=1 cargo test -p interdict-findings --test report`.
#[test]
fn the_committed_schema_is_the_generated_one() {
    let generated = serde_json::to_string_pretty(&report_schema()).unwrap() + "\n";
    if std::env::var_os("INTERDICT_BLESS").is_some() {
        std::fs::write(SCHEMA_FILE, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(SCHEMA_FILE)
        .unwrap_or_else(|e| panic!("{SCHEMA_FILE}: {e} (run with INTERDICT_BLESS=1 to create it)"));
    assert!(
        committed == generated,
        "docs/report.schema.json is stale: run INTERDICT_BLESS=1 cargo test -p interdict-findings --test report"
    );
}

#[test]
fn a_report_validates_against_the_schema() {
    let schema = report_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let doc = serde_json::to_value(scan_report()).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let mut bad = doc.clone();
    bad["source"] = "telepathy".into();
    assert!(!validator.is_valid(&bad));
}
