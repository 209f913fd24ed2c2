//! The CycloneDX 1.6 export is valid against the official schema (validated offline
//! with the vendored schema files) and reads back into the same components.

use interdict_inventory::{Artifact, ArtifactKind, ArtifactState};
use interdict_sbom::{SbomFormat, read_sbom, to_cyclonedx_json};
use jsonschema::{Retrieve, Uri};
use serde_json::Value;
use std::collections::HashMap;

const SCHEMA_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schema");

fn load(file: &str) -> Value {
    let path = format!("{SCHEMA_DIR}/{file}");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("schema {path} missing: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("schema {path} invalid: {e}"))
}

/// Serves the schemas the bom schema refers to from the vendored files, by `$id`; any
/// other URI is refused, so validation never touches the network.
struct VendoredSchemas(HashMap<String, Value>);

impl Retrieve for VendoredSchemas {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        self.0
            .get(uri.as_str())
            .cloned()
            .ok_or_else(|| format!("schema {uri} is not vendored").into())
    }
}

fn validator() -> jsonschema::Validator {
    let mut referenced = HashMap::new();
    for file in ["spdx.schema.json", "jsf-0.82.schema.json"] {
        let schema = load(file);
        let id = schema["$id"].as_str().expect("$id").to_string();
        referenced.insert(id, schema);
    }
    jsonschema::options()
        .with_retriever(VendoredSchemas(referenced))
        .should_validate_formats(true)
        .build(&load("bom-1.6.schema.json"))
        .expect("bom-1.6 schema compiles")
}

fn host_artifacts() -> Vec<Artifact> {
    vec![
        Artifact::new(ArtifactKind::Package, "kesl", "var/lib/dpkg/status", "dpkg-status")
            .with_version("12.1.0.1297")
            .with_publisher("AO Kaspersky Lab <support@kaspersky.com>")
            .with_attr("arch", "amd64")
            .with_attr("distro", "ubuntu"),
        Artifact::new(ArtifactKind::Package, "kesl", "var/lib/dpkg/status", "dpkg-status")
            .with_version("12.1.0.1297")
            .with_state(ArtifactState::Leftover),
        Artifact::new(ArtifactKind::Package, "klnagent64", "var/lib/rpm/rpmdb.sqlite", "rpm-db")
            .with_version("15.1.0-1")
            .with_publisher("AO Kaspersky Lab")
            .with_attr("purl", "pkg:rpm/redhat/klnagent64@15.1.0-1?arch=x86_64"),
        Artifact::new(ArtifactKind::Package, "kaspersky-agent", "lib/apk/db/installed", "apk-installed")
            .with_version("1.0-r0"),
        Artifact::new(ArtifactKind::Package, "kav", "var/lib/pacman/local", "pacman-local").with_version("1.0-1"),
        Artifact::new(
            ArtifactKind::Package,
            "Kaspersky Endpoint Security for Windows",
            "Windows/System32/config/SOFTWARE:Microsoft\\Windows\\CurrentVersion\\Uninstall\\{9A01}",
            "windows-uninstall",
        )
        .with_version("12.3.0.493")
        .with_publisher("AO Kaspersky Lab"),
        Artifact::new(ArtifactKind::Bundle, "com.kaspersky.kav", "Applications/Kaspersky Security.app", "macos-apps"),
        Artifact::new(ArtifactKind::Extension, "ahkjpbeeocnddjkakilopmfdlnjdpcdm", "home/a/.config", "chromium"),
        Artifact::new(ArtifactKind::KernelModule, "kav4fs_oas", "lib/modules/6.1.0", "kernel-modules"),
        Artifact::new(ArtifactKind::Driver, "klif", "Windows/System32/drivers/klif.sys", "windows-services"),
        Artifact::new(ArtifactKind::Service, "kesl.service", "etc/systemd/system/kesl.service", "systemd"),
        Artifact::new(ArtifactKind::Certificate, "CN=Kaspersky Root", "etc/ssl/certs/ca.crt", "trust-store"),
        Artifact::new(ArtifactKind::File, "opt/kaspersky/kesl/bin/kesl", "opt/kaspersky/kesl/bin/kesl", "paths"),
        Artifact::new(ArtifactKind::Process, "avp", "proc/42", "processes"),
    ]
}

#[test]
fn export_is_valid_cyclonedx_1_6() {
    let bom = to_cyclonedx_json(&host_artifacts(), "srv-log-02", "0.1.0");
    let validator = validator();
    let errors: Vec<String> = validator
        .iter_errors(&bom)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(bom["metadata"]["component"]["name"], "srv-log-02");
    assert_eq!(
        bom["metadata"]["tools"]["components"][0]["name"],
        "interdict"
    );
    let serial = bom["serialNumber"].as_str().expect("serial");
    assert!(
        serial.starts_with("urn:uuid:") && serial.len() == 45,
        "{serial}"
    );
}

#[test]
fn schema_validation_rejects_a_broken_bom() {
    let mut bom = to_cyclonedx_json(&host_artifacts(), "h", "0.1.0");
    bom["components"][0]["type"] = Value::from("gadget");
    bom["serialNumber"] = Value::from("not-a-urn");
    assert!(!validator().is_valid(&bom));
}

#[test]
fn export_maps_kinds_purls_and_properties() {
    let bom = to_cyclonedx_json(&host_artifacts(), "srv-log-02", "0.1.0");
    let components = bom["components"].as_array().expect("components");
    assert_eq!(components.len(), 12, "files and processes are not exported");
    let purls: Vec<Option<&str>> = components.iter().map(|c| c["purl"].as_str()).collect();
    assert_eq!(purls[0], Some("pkg:deb/ubuntu/kesl@12.1.0.1297?arch=amd64"));
    assert_eq!(
        purls[2],
        Some("pkg:rpm/redhat/klnagent64@15.1.0-1?arch=x86_64")
    );
    assert_eq!(purls[3], Some("pkg:apk/alpine/kaspersky-agent@1.0-r0"));
    assert_eq!(purls[4], Some("pkg:alpm/arch/kav@1.0-1"));
    assert_eq!(purls[5], None);
    let types: Vec<&str> = components
        .iter()
        .map(|c| c["type"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        types,
        [
            "application",
            "application",
            "application",
            "application",
            "application",
            "application",
            "application",
            "application",
            "library",
            "library",
            "application",
            "data"
        ]
    );
    let refs: std::collections::HashSet<&str> = components
        .iter()
        .filter_map(|c| c["bom-ref"].as_str())
        .collect();
    assert_eq!(refs.len(), components.len(), "bom-refs are unique");
    assert_eq!(
        components[0]["supplier"]["name"],
        "AO Kaspersky Lab <support@kaspersky.com>"
    );
    assert_eq!(
        components[0]["properties"],
        serde_json::json!([
            { "name": "interdict:collector", "value": "dpkg-status" },
            { "name": "interdict:location", "value": "var/lib/dpkg/status" },
            { "name": "interdict:kind", "value": "package" },
        ])
    );
}

#[test]
fn export_round_trips_through_the_reader() {
    let artifacts = host_artifacts();
    let bom = to_cyclonedx_json(&artifacts, "srv-log-02", "0.1.0");
    let bytes = serde_json::to_vec_pretty(&bom).expect("serialize");
    let document = read_sbom(&bytes, "export.cdx.json").expect("own export reads back");
    assert_eq!(document.format, SbomFormat::CycloneDxJson);
    assert_eq!(document.spec_version, "1.6");
    assert_eq!(document.name.as_deref(), Some("srv-log-02"));
    let read_back: Vec<(&str, Option<&str>, Option<&str>)> = document.components[1..]
        .iter()
        .map(|a| {
            (
                a.name.as_str(),
                a.version.as_deref(),
                a.publisher.as_deref(),
            )
        })
        .collect();
    let exported: Vec<(&str, Option<&str>, Option<&str>)> = artifacts
        .iter()
        .filter(|a| !matches!(a.kind, ArtifactKind::File | ArtifactKind::Process))
        .map(|a| {
            (
                a.name.as_str(),
                a.version.as_deref(),
                a.publisher.as_deref(),
            )
        })
        .collect();
    assert_eq!(read_back, exported);
    assert!(
        document.components[1..]
            .iter()
            .all(|a| a.attr("depth") == Some("1"))
    );
}
