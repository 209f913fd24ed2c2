//! The real SBOMs of the shared corpus (read-only). Every number asserted here is the one
//! the corpus README gives; a missing corpus file is a failure.

use interdict_inventory::{Artifact, ArtifactKind};
use interdict_sbom::{SbomDocument, SbomFormat, read_sbom};
use std::collections::BTreeMap;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/sbom");

fn read(relative: &str) -> SbomDocument {
    let path = format!("{CORPUS}/{relative}");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("corpus file {path} missing: {e}"));
    read_sbom(&bytes, relative).unwrap_or_else(|e| panic!("{relative} failed: {e}"))
}

/// Components below the top (metadata) component.
fn below_top(document: &SbomDocument) -> Vec<&Artifact> {
    document
        .components
        .iter()
        .filter(|a| a.attr("depth") != Some("0"))
        .collect()
}

fn count_by<'a>(
    artifacts: impl IntoIterator<Item = &'a Artifact>,
    key: &str,
) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for artifact in artifacts {
        if let Some(value) = artifact.attr(key) {
            *counts.entry(value.to_string()).or_insert(0) += 1;
        }
    }
    counts
}

fn check_cern(document: &SbomDocument, format: SbomFormat, serial: &str) {
    assert_eq!(document.format, format);
    assert_eq!(document.spec_version, "1.2");
    assert_eq!(document.serial_number.as_deref(), Some(serial));
    assert_eq!(document.name.as_deref(), Some("lhc-vdm-editor"));
    let top = &document.components[0];
    assert_eq!(
        (top.name.as_str(), top.attr("depth")),
        ("lhc-vdm-editor", Some("0"))
    );
    let components = below_top(document);
    assert_eq!(components.len(), 43);
    assert!(
        components
            .iter()
            .all(|a| a.attr("purl").is_some_and(|p| p.starts_with("pkg:npm/")))
    );
    assert!(components.iter().all(|a| a.publisher.is_none()));
    assert!(
        components
            .iter()
            .all(|a| a.kind == ArtifactKind::SbomComponent && a.collector == "sbom-cyclonedx")
    );
    let first = components[0];
    assert_eq!(
        (first.name.as_str(), first.version.as_deref()),
        ("puppeteer", Some("1.19.0"))
    );
    assert_eq!(
        first.attr("component-path"),
        Some("lhc-vdm-editor > puppeteer")
    );
    assert_eq!(first.attr("depth"), Some("1"));
    assert_eq!(first.attr("embedded"), Some("true"));
}

#[test]
fn cern_json_has_43_npm_components() {
    let document = read("cyclonedx/cern-lhc-vdm-editor/bom.json");
    check_cern(
        &document,
        SbomFormat::CycloneDxJson,
        "urn:uuid:699b6458-60da-4f52-b1b3-34915dc01eb6",
    );
    assert_eq!(
        document.components[1].location,
        "cyclonedx/cern-lhc-vdm-editor/bom.json#lhc-vdm-editor > puppeteer"
    );
}

#[test]
fn cern_xml_has_43_npm_components() {
    let document = read("cyclonedx/cern-lhc-vdm-editor/bom.xml");
    check_cern(
        &document,
        SbomFormat::CycloneDxXml,
        "urn:uuid:591eb851-2646-4d52-aa40-ac8b35a2b2d7",
    );
}

#[test]
fn cern_json_and_xml_list_the_same_components() {
    let json = read("cyclonedx/cern-lhc-vdm-editor/bom.json");
    let xml = read("cyclonedx/cern-lhc-vdm-editor/bom.xml");
    let key = |a: &Artifact| {
        (
            a.name.clone(),
            a.version.clone(),
            a.attr("purl").map(str::to_string),
        )
    };
    let json_keys: Vec<_> = json.components.iter().map(key).collect();
    let xml_keys: Vec<_> = xml.components.iter().map(key).collect();
    assert_eq!(json_keys, xml_keys);
}

fn check_dropwizard(document: &SbomDocument) {
    assert_eq!(document.spec_version, "1.2");
    assert_eq!(
        document.serial_number.as_deref(),
        Some("urn:uuid:b4f2954f-a96d-4578-9509-1ae2d6476209")
    );
    assert_eq!(document.name.as_deref(), Some("dropwizard-parent"));
    let components = below_top(document);
    assert_eq!(components.len(), 167);
    assert!(
        components
            .iter()
            .all(|a| a.attr("purl").is_some_and(|p| p.starts_with("pkg:maven/")))
    );
    let publishers = count_by(components.iter().copied(), "publisher");
    assert_eq!(publishers.values().sum::<usize>(), 90);
    assert_eq!(publishers["Oracle Corporation"], 21);
    assert_eq!(publishers["Webtide"], 18);
    assert_eq!(publishers["FasterXML"], 14);
    assert_eq!(publishers["QOS.ch"], 7);
    assert_eq!(publishers["The Apache Software Foundation"], 6);
    let first = components[0];
    assert_eq!(first.name, "jackson-annotations");
    assert_eq!(first.version.as_deref(), Some("2.9.10"));
    assert_eq!(first.publisher.as_deref(), Some("FasterXML"));
    assert_eq!(first.attr("group"), Some("com.fasterxml.jackson.core"));
}

#[test]
fn dropwizard_json_has_167_maven_components_and_90_publishers() {
    let document = read("cyclonedx/dropwizard-1.3.15/bom.json");
    assert_eq!(document.format, SbomFormat::CycloneDxJson);
    check_dropwizard(&document);
}

#[test]
fn dropwizard_xml_has_167_maven_components_and_90_publishers() {
    let document = read("cyclonedx/dropwizard-1.3.15/bom.xml");
    assert_eq!(document.format, SbomFormat::CycloneDxXml);
    check_dropwizard(&document);
}

#[test]
fn trivy_fluentd_spec_1_7_has_161_components_and_105_suppliers() {
    let document = read("cyclonedx/trivy-fluentd/fluentd-multiple-lockfiles.cdx.json");
    assert_eq!(document.spec_version, "1.7");
    let components = below_top(&document);
    assert_eq!(components.len(), 161);
    let types = count_by(components.iter().copied(), "component-type");
    assert_eq!(types["operating-system"], 1);
    assert_eq!(types["library"], 160);
    let purls: Vec<&str> = components.iter().filter_map(|a| a.attr("purl")).collect();
    assert_eq!(purls.len(), 160);
    assert_eq!(
        purls
            .iter()
            .filter(|p| p.starts_with("pkg:deb/debian/"))
            .count(),
        105
    );
    assert_eq!(
        purls.iter().filter(|p| p.starts_with("pkg:gem/")).count(),
        55
    );
    let suppliers = count_by(components.iter().copied(), "supplier");
    assert_eq!(suppliers.values().sum::<usize>(), 105);
    assert_eq!(suppliers["LaMont Jones <lamont@debian.org>"], 9);
    assert_eq!(
        suppliers["Debian Ruby Extras Maintainers <pkg-ruby-extras-maintainers@lists.alioth.debian.org>"],
        8
    );
    let find = |name: &str| components.iter().find(|a| a.name == name).copied();
    let bash = find("bash").expect("bash");
    assert_eq!(bash.version.as_deref(), Some("5.0-4"));
    assert_eq!(
        bash.attr("purl"),
        Some("pkg:deb/debian/bash@5.0-4?arch=amd64&distro=debian-10.2")
    );
    assert_eq!(
        bash.publisher.as_deref(),
        Some("Matthias Klose <doko@debian.org>")
    );
    let libssl = find("libssl1.1").expect("libssl1.1");
    assert_eq!(libssl.version.as_deref(), Some("1.1.1d-0+deb10u2"));
    assert!(libssl.attr("purl").is_some_and(|p| p.contains("%2B")));
    assert_eq!(
        find("fluentd").and_then(|a| a.attr("purl")),
        Some("pkg:gem/fluentd@1.8.0")
    );
}

fn check_centos(document: &SbomDocument) {
    assert_eq!(document.spec_version, "2.2");
    assert_eq!(document.components.len(), 4);
    let names: Vec<&str> = document
        .components
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "integration/testdata/fixtures/images/centos-7.tar.gz",
            "centos",
            "bash",
            "openssl-libs"
        ]
    );
    let bash = &document.components[2];
    assert_eq!(
        bash.attr("purl"),
        Some("pkg:rpm/centos/bash@4.2.46-31.el7?arch=x86_64&distro=centos-7.6.1810")
    );
    assert_eq!(bash.attr("depth"), Some("2"));
    assert_eq!(
        bash.attr("component-path"),
        Some("integration/testdata/fixtures/images/centos-7.tar.gz > centos > bash")
    );
    assert_eq!(bash.collector, "sbom-spdx");
    assert!(document.components.iter().all(|a| a.publisher.is_none()));
}

#[test]
fn trivy_centos_spdx_json_has_4_packages_in_a_tree() {
    let document = read("spdx/trivy-centos-7/centos-7-spdx.json");
    assert_eq!(document.format, SbomFormat::SpdxJson);
    check_centos(&document);
    let openssl = &document.components[3];
    assert_eq!(openssl.version.as_deref(), Some("1:1.0.2k-19.el7"));
    assert!(
        openssl
            .attr("purl")
            .is_some_and(|p| p.contains("1.0.2k-16.el7") && p.contains("epoch=1"))
    );
}

#[test]
fn trivy_centos_spdx_tag_value_has_4_packages_in_a_tree() {
    let document = read("spdx/trivy-centos-7/centos-7-spdx.txt");
    assert_eq!(document.format, SbomFormat::SpdxTagValue);
    check_centos(&document);
    assert_eq!(
        document.name.as_deref(),
        Some("integration/testdata/fixtures/images/centos-7.tar.gz")
    );
}

#[test]
fn spdx_example6_has_5_packages_and_canonical_supplier() {
    let document = read("spdx/spdx-examples/example6-lib.spdx");
    assert_eq!(document.format, SbomFormat::SpdxTagValue);
    assert_eq!(document.name.as_deref(), Some("go-lib"));
    assert_eq!(document.components.len(), 5);
    let suppliers: Vec<&str> = document
        .components
        .iter()
        .filter_map(|a| a.attr("supplier"))
        .collect();
    assert_eq!(suppliers, ["Canonical Ltd."]);
}

#[test]
fn appbomination_has_7_packages_and_4_maven_purls() {
    let document = read("spdx/spdx-examples/appbomination.spdx.json");
    assert_eq!(document.format, SbomFormat::SpdxJson);
    assert_eq!(document.components.len(), 7);
    let maven: Vec<&str> = document
        .components
        .iter()
        .filter_map(|a| a.attr("purl"))
        .filter(|p| p.starts_with("pkg:maven/"))
        .collect();
    assert_eq!(maven.len(), 4);
    assert!(maven.contains(&"pkg:maven/org.hamcrest/hamcrest-core@1.3"));
    let suppliers: Vec<&str> = document
        .components
        .iter()
        .filter_map(|a| a.attr("supplier"))
        .collect();
    assert_eq!(suppliers, ["ACT Project"]);
}

#[test]
fn sbomqs_syft_json_has_30_golang_packages() {
    let document = read("spdx/sbomqs/sbomqs.syft-spdx.json");
    assert_eq!(document.spec_version, "2.3");
    assert_eq!(document.components.len(), 30);
    assert!(
        document
            .components
            .iter()
            .all(|a| a.attr("purl").is_some_and(|p| p.starts_with("pkg:golang/")))
    );
    assert!(document.components.iter().all(|a| a.publisher.is_none()));
}

#[test]
fn sbomqs_tag_value_files_have_30_and_17_packages() {
    let syft = read("spdx/sbomqs/sbomqs.syft-spdx.tv");
    assert_eq!(syft.format, SbomFormat::SpdxTagValue);
    assert_eq!(syft.components.len(), 30);
    let trivy = read("spdx/sbomqs/sbomqs.trivy-spdx.tv");
    assert_eq!(trivy.spec_version, "2.2");
    assert_eq!(trivy.components.len(), 17);
    assert!(
        syft.components
            .iter()
            .chain(&trivy.components)
            .all(|a| a.publisher.is_none())
    );
}

/// Every file below `dir`, as paths relative to [`CORPUS`].
fn corpus_files(dir: &std::path::Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            corpus_files(&path, out);
        } else {
            let relative = path.strip_prefix(CORPUS).unwrap();
            out.push(relative.to_string_lossy().into_owned());
        }
    }
}

#[test]
fn every_real_sbom_reads_without_warnings() {
    let mut files = Vec::new();
    corpus_files(std::path::Path::new(CORPUS), &mut files);
    assert!(files.len() >= 12, "{files:?}");
    for file in files {
        let document = read(&file);
        assert!(
            document.warnings.is_empty(),
            "{file}: {:?}",
            document.warnings
        );
        assert!(!document.components.is_empty(), "{file}");
    }
}
