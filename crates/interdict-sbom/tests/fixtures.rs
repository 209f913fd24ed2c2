//! Hand-written SBOM fixtures: a banned vendor's component nested inside other products,
//! decoys that only look like it, and malformed inputs that must fail cleanly.

use interdict_inventory::{Artifact, ArtifactKind};
use interdict_sbom::{SbomDocument, SbomError, SbomFormat, read_sbom};

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata");

fn bytes(relative: &str) -> Vec<u8> {
    let path = format!("{TESTDATA}/{relative}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {path} missing: {e}"))
}

fn read(relative: &str) -> SbomDocument {
    read_sbom(&bytes(relative), relative).unwrap_or_else(|e| panic!("{relative} failed: {e}"))
}

fn read_err(relative: &str) -> SbomError {
    match read_sbom(&bytes(relative), relative) {
        Ok(document) => panic!("{relative} unexpectedly read: {document:?}"),
        Err(error) => error,
    }
}

/// (name, publisher, component path, depth) of every component.
fn summary(document: &SbomDocument) -> Vec<(&str, Option<&str>, &str, &str)> {
    document
        .components
        .iter()
        .map(|a: &Artifact| {
            (
                a.name.as_str(),
                a.publisher.as_deref(),
                a.attr("component-path").unwrap_or(""),
                a.attr("depth").unwrap_or(""),
            )
        })
        .collect()
}

#[test]
fn cyclonedx_json_appliance_keeps_the_nested_kaspersky_engine() {
    let document = read("appliance.cdx.json");
    assert_eq!(document.format, SbomFormat::CycloneDxJson);
    assert_eq!(document.spec_version, "1.6");
    assert_eq!(document.name.as_deref(), Some("appliance-fw"));
    assert_eq!(
        summary(&document),
        [
            (
                "appliance-fw",
                Some("Northwind Networks"),
                "appliance-fw",
                "0"
            ),
            (
                "av-module",
                Some("Northwind Networks"),
                "appliance-fw > av-module",
                "1"
            ),
            (
                "kav-engine",
                Some("AO Kaspersky Lab"),
                "appliance-fw > av-module > kav-engine",
                "2"
            ),
            (
                "kaspersky-detector",
                Some("Acme Security Ltd"),
                "appliance-fw > kaspersky-detector",
                "1"
            ),
            (
                "eset-nod32-sdk",
                Some("ESET, spol. s r.o."),
                "appliance-fw > eset-nod32-sdk",
                "1"
            ),
            (
                "openssl",
                Some("OpenSSL Software Foundation"),
                "appliance-fw > openssl",
                "1"
            ),
        ]
    );
    let engine = &document.components[2];
    assert_eq!(engine.kind, ArtifactKind::SbomComponent);
    assert_eq!(engine.collector, "sbom-cyclonedx");
    assert_eq!(
        engine.location,
        "appliance.cdx.json#appliance-fw > av-module > kav-engine"
    );
    assert_eq!(engine.version.as_deref(), Some("8.9"));
    assert_eq!(engine.attr("supplier"), Some("AO Kaspersky Lab"));
    assert_eq!(
        engine.attr("purl"),
        Some("pkg:generic/kaspersky/kav-sdk@8.9")
    );
    assert_eq!(engine.attr("purl-namespace"), Some("kaspersky"));
    assert_eq!(
        engine.attr("cpe"),
        Some("cpe:2.3:a:kaspersky:anti-virus_sdk:8.9:*:*:*:*:*:*:*")
    );
    assert_eq!(engine.attr("bom-ref"), Some("kav-engine"));
    assert_eq!(engine.attr("embedded"), Some("true"));
    assert_eq!(engine.attr("spec-version"), Some("1.6"));
    let top = &document.components[0];
    assert_eq!(top.attr("manufacturer"), Some("Northwind Networks"));
    assert_eq!(top.attr("embedded"), Some("false"));
    assert_eq!(top.attr("component-type"), Some("firmware"));
    let eset = &document.components[4];
    assert_eq!(eset.attr("publisher"), Some("ESET, spol. s r.o."));
    assert_eq!(eset.attr("supplier"), None);
    let openssl = &document.components[5];
    assert_eq!(openssl.attr("group"), Some("org.openssl"));
    assert_eq!(openssl.attr("author"), Some("OpenSSL Software Foundation"));
}

#[test]
fn spdx_json_gateway_strips_party_prefixes_and_builds_the_tree() {
    let document = read("gateway.spdx.json");
    assert_eq!(document.format, SbomFormat::SpdxJson);
    assert_eq!(document.spec_version, "2.3");
    assert_eq!(
        document.serial_number.as_deref(),
        Some("https://example.com/spdx/mail-gateway-1.0")
    );
    assert_eq!(
        summary(&document),
        [
            (
                "mail-gateway",
                Some("Contoso Mail Inc."),
                "mail-gateway",
                "0"
            ),
            (
                "kaspersky-secure-mail-gateway-engine",
                Some("Kaspersky Lab"),
                "mail-gateway > kaspersky-secure-mail-gateway-engine",
                "1"
            ),
            (
                "zlib",
                Some("Jean-loup Gailly"),
                "mail-gateway > kaspersky-secure-mail-gateway-engine > zlib",
                "2"
            ),
            (
                "mcafee-scan-engine",
                Some("McAfee, LLC"),
                "mail-gateway > mcafee-scan-engine",
                "1"
            ),
        ]
    );
    let engine = &document.components[1];
    assert_eq!(engine.collector, "sbom-spdx");
    assert_eq!(engine.attr("supplier"), Some("Kaspersky Lab"));
    assert_eq!(engine.attr("originator"), Some("AO Kaspersky Lab"));
    assert_eq!(
        engine.attr("purl"),
        Some("pkg:generic/kaspersky/ksmg-engine@2.1.0")
    );
    assert_eq!(
        engine.attr("cpe"),
        Some("cpe:2.3:a:kaspersky:secure_mail_gateway:2.1.0:*:*:*:*:*:*:*")
    );
    assert_eq!(engine.attr("bom-ref"), Some("SPDXRef-klms"));
    assert_eq!(engine.attr("embedded"), Some("true"));
    assert_eq!(
        engine.location,
        "gateway.spdx.json#mail-gateway > kaspersky-secure-mail-gateway-engine"
    );
    let zlib = &document.components[2];
    assert_eq!(zlib.attr("supplier"), None, "NOASSERTION is no supplier");
}

#[test]
fn cyclonedx_xml_1_5_reads_maven_kaspresso_and_skips_tools_and_pedigree() {
    let document = read("android-app.cdx.xml");
    assert_eq!(document.format, SbomFormat::CycloneDxXml);
    assert_eq!(document.spec_version, "1.5");
    assert_eq!(
        summary(&document),
        [
            ("field-app", None, "field-app", "0"),
            ("kaspresso", None, "field-app > kaspresso", "1"),
            (
                "sophos-intercept-sdk",
                Some("Sophos Ltd"),
                "field-app > sophos-intercept-sdk",
                "1"
            ),
            (
                "sophos-core",
                Some("Sophos & Partners"),
                "field-app > sophos-intercept-sdk > sophos-core",
                "2"
            ),
        ]
    );
    let kaspresso = &document.components[1];
    assert_eq!(
        kaspresso.attr("group"),
        Some("com.kaspersky.android-components")
    );
    assert_eq!(
        kaspresso.attr("purl"),
        Some("pkg:maven/com.kaspersky.android-components/kaspresso@1.5.0")
    );
    assert_eq!(
        kaspresso.attr("purl-namespace"),
        Some("com.kaspersky.android-components")
    );
    assert_eq!(
        kaspresso.attr("bom-ref"),
        Some("pkg:maven/com.kaspersky.android-components/kaspresso@1.5.0?type=aar")
    );
    assert_eq!(kaspresso.attr("component-type"), Some("library"));
    assert_eq!(kaspresso.version.as_deref(), Some("1.5.0"));
}

#[test]
fn truncated_json_names_file_and_line() {
    let error = read_err("malformed/truncated.cdx.json");
    let message = error.to_string();
    assert!(
        matches!(error, SbomError::InvalidJson { line, .. } if line > 1),
        "{message}"
    );
    assert!(
        message.starts_with("malformed/truncated.cdx.json: invalid json at line"),
        "{message}"
    );
    assert_eq!(message, message.to_lowercase());
}

#[test]
fn unknown_spec_versions_name_the_field() {
    for (file, version) in [
        ("malformed/spec-2.0.cdx.json", "2.0"),
        ("malformed/spec-0.9.cdx.json", "0.9"),
    ] {
        let error = read_err(file);
        assert!(
            matches!(&error, SbomError::UnsupportedVersion { field, version: v, .. } if field == "specVersion" && v == version),
            "{error}"
        );
        let message = error.to_string();
        assert!(
            message.contains(file) && message.contains("specVersion"),
            "{message}"
        );
    }
}

#[test]
fn mismatched_xml_tag_names_file_and_line() {
    let error = read_err("malformed/mismatched-tag.cdx.xml");
    assert!(
        matches!(error, SbomError::InvalidXml { line: 22, .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .starts_with("malformed/mismatched-tag.cdx.xml: invalid xml at line 22")
    );
}

#[test]
fn component_without_name_is_skipped_with_a_warning_naming_it() {
    let document = read("malformed/missing-name.cdx.json");
    let warnings: Vec<String> = document.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "malformed/missing-name.cdx.json: skipped `components[1] (kaspersky-detector) \
          under appliance-fw`: it has no name"
        ]
    );
    assert!(matches!(
        &document.warnings[0],
        SbomError::SkippedComponent { component, .. } if component.starts_with("components[1]")
    ));
    let kept: Vec<&str> = summary(&document).into_iter().map(|c| c.0).collect();
    assert_eq!(
        kept,
        [
            "appliance-fw",
            "av-module",
            "kav-engine",
            "eset-nod32-sdk",
            "openssl"
        ]
    );
}

#[test]
fn garbage_and_edge_inputs_fail_without_panicking() {
    let cases: &[(&str, &[u8])] = &[
        ("empty", b""),
        ("spaces", b"   \n"),
        ("binary", b"\x00\x01\x02\xff"),
        ("not-bom-xml", b"<?xml version=\"1.0\"?><project/>"),
        ("bom-no-namespace", b"<bom version=\"1\"></bom>"),
        (
            "bom-future-namespace",
            b"<bom xmlns=\"http://cyclonedx.org/schema/bom/2.0\"></bom>",
        ),
        (
            "unclosed-xml",
            b"<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\"><components><component>",
        ),
        ("json-array", b"[1,2,3]"),
        (
            "json-wrong-format",
            b"{\"bomFormat\":\"SPDX\",\"specVersion\":\"1.5\"}",
        ),
        ("json-no-spec-version", b"{\"bomFormat\":\"CycloneDX\"}"),
        ("spdx-3", b"{\"spdxVersion\":\"SPDX-3.0\",\"packages\":[]}"),
        ("tv-no-version", b"PackageName: a\nSPDXID: SPDXRef-a\n"),
        (
            "tv-unclosed-text",
            b"SPDXVersion: SPDX-2.2\nPackageName: a\nPackageComment: <text>never closed\n",
        ),
    ];
    for (name, input) in cases {
        let result = read_sbom(input, name);
        let error = result.expect_err(name);
        let message = error.to_string();
        assert!(message.starts_with(name), "{name}: {message}");
    }
}

#[test]
fn lenient_model_reads_numbers_and_unknown_fields() {
    let input = br#"{"bomFormat":"CycloneDX","specVersion":"1.4","futureField":{"x":1},
        "components":[{"type":"library","name":"engine","version":8.9,"supplier":"Kaspersky Lab",
        "hashes":[{"alg":"SHA-256","content":"00"}],"evidence":{"identity":{"field":"purl"}}}]}"#;
    let document = read_sbom(input, "lenient.json").expect("lenient document");
    let engine = &document.components[0];
    assert_eq!(engine.version.as_deref(), Some("8.9"));
    assert_eq!(engine.publisher.as_deref(), Some("Kaspersky Lab"));
    assert_eq!(
        engine.attr("depth"),
        Some("0"),
        "without a metadata component, components are top"
    );
    assert_eq!(engine.location, "lenient.json#engine");
}

#[test]
fn deeply_nested_input_is_refused_not_overflowed() {
    let mut json = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":["#);
    for _ in 0..100 {
        json.push_str(r#"{"name":"n","components":["#);
    }
    for _ in 0..100 {
        json.push_str("]}");
    }
    json.push_str("]}");
    assert!(read_sbom(json.as_bytes(), "deep.json").is_err());
    let mut xml = String::from(r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>"#);
    for _ in 0..100 {
        xml.push_str("<component><name>n</name><components>");
    }
    for _ in 0..100 {
        xml.push_str("</components></component>");
    }
    xml.push_str("</components></bom>");
    assert!(read_sbom(xml.as_bytes(), "deep.xml").is_err());
}

#[test]
fn spdx_relationship_cycles_terminate() {
    let input = br#"{"spdxVersion":"SPDX-2.3","name":"cycle","packages":[
        {"SPDXID":"SPDXRef-a","name":"a"},{"SPDXID":"SPDXRef-b","name":"b"},{"SPDXID":"SPDXRef-c","name":"c"}],
        "relationships":[
        {"spdxElementId":"SPDXRef-a","relationshipType":"CONTAINS","relatedSpdxElement":"SPDXRef-b"},
        {"spdxElementId":"SPDXRef-b","relationshipType":"CONTAINS","relatedSpdxElement":"SPDXRef-a"},
        {"spdxElementId":"SPDXRef-c","relationshipType":"DEPENDS_ON","relatedSpdxElement":"SPDXRef-c"}]}"#;
    let document = read_sbom(input, "cycle.json").expect("cycle document");
    let paths: Vec<&str> = document
        .components
        .iter()
        .filter_map(|a| a.attr("component-path"))
        .collect();
    assert_eq!(paths, ["a", "a > b", "c"]);
}

#[test]
fn large_flat_boms_and_spdx_documents_read_every_component() {
    let count = 14_000;
    let components: Vec<String> = (0..count)
        .map(|i| format!(r#"{{"type":"library","name":"lib-{i}","version":"1.{i}","purl":"pkg:npm/lib-{i}@1.{i}"}}"#))
        .collect();
    let json = format!(
        r#"{{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{{"component":{{"type":"application","name":"big"}}}},"components":[{}]}}"#,
        components.join(",")
    );
    let document = read_sbom(json.as_bytes(), "big.json").expect("big cyclonedx");
    assert_eq!(document.components.len(), count + 1);
    let packages: Vec<String> = (0..count)
        .map(|i| format!(r#"{{"SPDXID":"SPDXRef-{i}","name":"p{i}"}}"#))
        .collect();
    let spdx = format!(
        r#"{{"spdxVersion":"SPDX-2.3","packages":[{}]}}"#,
        packages.join(",")
    );
    let document = read_sbom(spdx.as_bytes(), "big.spdx.json").expect("big spdx");
    assert_eq!(document.components.len(), count);
    assert!(
        document
            .components
            .iter()
            .all(|a| a.attr("depth") == Some("0"))
    );
}
