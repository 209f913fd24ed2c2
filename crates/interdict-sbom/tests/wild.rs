//! SBOMs as the wild sends them (testdata/wild/): byte-order marks, UTF-16, CR-only and
//! CRLF line endings, `null` everywhere, nameless and malformed components, and SPDX 3.0
//! JSON-LD. Each test asserts every component that must survive, and the warnings.

use interdict_inventory::Artifact;
use interdict_sbom::{SbomDocument, SbomError, SbomFormat, detect_format, read_sbom, read_sbom_as};

const WILD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/wild");

fn bytes(name: &str) -> Vec<u8> {
    let path = format!("{WILD}/{name}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {path} missing: {e}"))
}

fn read_bytes(input: &[u8], name: &str) -> SbomDocument {
    read_sbom(input, name).unwrap_or_else(|e| panic!("{name} failed: {e}"))
}

fn read(name: &str) -> SbomDocument {
    read_bytes(&bytes(name), name)
}

/// (component path, version, publisher) of every component.
fn summary(document: &SbomDocument) -> Vec<(&str, Option<&str>, Option<&str>)> {
    document
        .components
        .iter()
        .map(|a: &Artifact| {
            (
                a.attr("component-path").unwrap_or(""),
                a.version.as_deref(),
                a.publisher.as_deref(),
            )
        })
        .collect()
}

fn warnings(document: &SbomDocument) -> Vec<String> {
    document.warnings.iter().map(ToString::to_string).collect()
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend(if big_endian {
            [0xFE, 0xFF]
        } else {
            [0xFF, 0xFE]
        });
    }
    for unit in text.encode_utf16() {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

#[test]
fn utf8_byte_order_mark_before_json() {
    let input = bytes("bom-utf8.cdx.json");
    assert!(
        input.starts_with(b"\xef\xbb\xbf{\r\n"),
        "fixture keeps its BOM"
    );
    assert_eq!(detect_format(&input), Some(SbomFormat::CycloneDxJson));
    let document = read_bytes(&input, "bom-utf8.cdx.json");
    assert_eq!(document.format, SbomFormat::CycloneDxJson);
    assert_eq!(document.spec_version, "1.5");
    assert_eq!(
        summary(&document),
        [
            ("WS-FIN-01", None, None),
            (
                "WS-FIN-01 > Kaspersky Endpoint Security for Windows",
                Some("12.5.0.534"),
                Some("AO Kaspersky Lab")
            ),
            (
                "WS-FIN-01 > 7-Zip 23.01 (x64)",
                Some("23.01"),
                Some("Igor Pavlov")
            ),
            (
                "WS-FIN-01 > Microsoft Edge",
                Some("130.0.2849.80"),
                Some("Microsoft Corporation")
            ),
        ]
    );
    assert!(document.warnings.is_empty());
}

#[test]
fn utf16_little_and_big_endian_read_like_utf8() {
    let source = String::from_utf8(bytes("utf16-source.cdx.json")).unwrap();
    let expected = read_bytes(source.as_bytes(), "inventory.cdx.json");
    assert_eq!(
        summary(&expected),
        [
            ("SRV-FILES-02", None, None),
            (
                "SRV-FILES-02 > Kaspersky Anti-Virus for Linux File Server",
                Some("8.0.4.312"),
                Some("AO Kaspersky Lab")
            ),
            ("SRV-FILES-02 > samba", Some("4.19.5"), None),
            ("SRV-FILES-02 > Лаборатория примечаний", Some("1.0"), None),
        ]
    );
    for (label, input) in [
        (
            "utf-16le with bom (powershell >)",
            utf16(&source, false, true),
        ),
        ("utf-16be with bom", utf16(&source, true, true)),
        ("utf-16le without bom", utf16(&source, false, false)),
    ] {
        assert_eq!(
            detect_format(&input),
            Some(SbomFormat::CycloneDxJson),
            "{label}"
        );
        let document = read_bytes(&input, "inventory.cdx.json");
        assert_eq!(document, expected, "{label}");
    }
    // A tag-value document in UTF-16 BE, CRLF, is detected and read too.
    let tag_value = String::from_utf8(bytes("crlf.spdx")).unwrap();
    let input = utf16(&tag_value, true, true);
    assert_eq!(detect_format(&input), Some(SbomFormat::SpdxTagValue));
    assert_eq!(read_bytes(&input, "x.spdx").components.len(), 3);
}

#[test]
fn broken_utf16_names_the_file_and_offset() {
    let mut input = utf16("{\"bomFormat\":\"CycloneDX\"}", false, true);
    input.push(b'x');
    let error = read_sbom(&input, "odd.cdx.json").unwrap_err();
    assert!(
        matches!(error, SbomError::InvalidEncoding { .. }),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        format!("odd.cdx.json: invalid utf-16le at byte {}", input.len() - 1)
    );
}

/// The three packages of the tag-value fixtures, nested under the image they describe.
fn check_gateway_tag_value(document: &SbomDocument, image: &str) {
    assert_eq!(document.format, SbomFormat::SpdxTagValue);
    assert_eq!(document.name.as_deref(), Some(image));
    let kesl = format!("{image} > kesl");
    let openssl = format!("{image} > openssl");
    assert_eq!(
        summary(document),
        [
            (image, None, None),
            (kesl.as_str(), Some("12.1.0.1297"), Some("AO Kaspersky Lab")),
            (
                openssl.as_str(),
                Some("3.0.13-0ubuntu3.4"),
                Some("Ubuntu Developers")
            ),
        ]
    );
    assert_eq!(
        document.components[1].attr("purl"),
        Some("pkg:deb/kaspersky/kesl@12.1.0.1297?arch=amd64")
    );
    assert!(document.warnings.is_empty());
}

#[test]
fn cr_only_tag_value() {
    let input = bytes("cr-only.spdx");
    assert!(input.contains(&b'\r') && !input.contains(&b'\n'), "CR only");
    check_gateway_tag_value(&read_bytes(&input, "cr-only.spdx"), "gateway-image");
}

#[test]
fn crlf_tag_value_and_xml() {
    let input = bytes("crlf.spdx");
    assert!(input.windows(2).any(|w| w == b"\r\n"), "CRLF");
    check_gateway_tag_value(&read_bytes(&input, "crlf.spdx"), "gateway-image-win");

    let document = read("crlf.cdx.xml");
    assert_eq!(document.format, SbomFormat::CycloneDxXml);
    assert_eq!(
        summary(&document),
        [
            ("proxy-appliance", Some("5.1"), None),
            (
                "proxy-appliance > kav-engine",
                Some("8.9"),
                Some("AO Kaspersky Lab")
            ),
            ("proxy-appliance > squid", Some("6.6"), None),
        ]
    );
    // The whitespace-only <name> (as cyclonedx-node-module once wrote) is skipped, and
    // its line is right although the file has CRLF endings.
    assert_eq!(
        warnings(&document),
        [
            "crlf.cdx.xml: skipped `component at line 16 (unnamed-lib) under proxy-appliance`: \
          it has no name"
        ]
    );
}

#[test]
fn null_arrays_and_strings_are_absent() {
    let document = read("nulls.cdx.json");
    assert_eq!(document.serial_number, None);
    assert_eq!(
        summary(&document),
        [
            ("edge-agent", Some("3.2.0"), None),
            (
                "edge-agent > kav-engine",
                Some("8.9"),
                Some("AO Kaspersky Lab")
            ),
            ("edge-agent > zlib", None, None),
            ("edge-agent > zlib > minizip", Some("1.3.1"), None),
        ]
    );
    let engine = &document.components[1];
    assert_eq!(engine.attr("author"), Some("Kaspersky SDK team"));
    assert_eq!(engine.attr("cpe"), None);
    assert!(document.warnings.is_empty(), "{:?}", warnings(&document));

    let document = read("nulls.spdx.json");
    assert_eq!(document.serial_number, None);
    assert_eq!(
        summary(&document),
        [
            ("edge-agent", Some("3.2.0"), None),
            ("edge-agent > kav-engine", None, Some("AO Kaspersky Lab")),
            ("edge-agent > zlib", Some("1.3.1"), None),
        ]
    );
    assert_eq!(
        document.components[1].attr("purl"),
        Some("pkg:generic/kaspersky/kav-sdk@8.9")
    );
    assert!(document.warnings.is_empty(), "{:?}", warnings(&document));
}

#[test]
fn syft_empty_named_root_package_keeps_its_packages() {
    let document = read("syft-empty-root.spdx.json");
    assert_eq!(document.name, None, "syft named the document \"\" too");
    assert_eq!(
        summary(&document),
        [
            (
                "(unnamed) > kesl",
                Some("12.1.0.1297"),
                Some("AO Kaspersky Lab")
            ),
            (
                "(unnamed) > libssl3",
                Some("3.0.13-0ubuntu3.4"),
                Some("Ubuntu Developers (ubuntu-devel-discuss@lists.ubuntu.com)")
            ),
        ]
    );
    let kesl = &document.components[0];
    assert_eq!(
        kesl.attr("depth"),
        Some("1"),
        "depth as if the root had a name"
    );
    assert_eq!(kesl.attr("embedded"), Some("true"));
    assert_eq!(kesl.location, "syft-empty-root.spdx.json#(unnamed) > kesl");
    assert_eq!(
        warnings(&document),
        [
            "syft-empty-root.spdx.json: skipped `packages[3] (SPDXRef-DocumentRoot-Directory-)`: \
             it has no name; its 3 nested components are kept",
            "syft-empty-root.spdx.json: skipped `packages[1] \
             (SPDXRef-Package-java-archive-a3a6833c5eb6fc44) under (unnamed)`: it has no name",
        ]
    );
}

#[test]
fn syft_empty_named_gems_are_skipped_and_the_rest_kept() {
    let document = read("syft-empty-gems.cdx.json");
    let image = "registry.example/ops/chef-runner";
    let paths: Vec<&str> = summary(&document).into_iter().map(|c| c.0).collect();
    assert_eq!(
        paths,
        [
            image,
            &format!("{image} > kesl"),
            &format!("{image} > chef-utils")
        ]
    );
    assert_eq!(
        warnings(&document),
        [
            "syft-empty-gems.cdx.json: skipped `components[0] (4dabbdca5e182531) under \
             registry.example/ops/chef-runner`: it has no name",
            "syft-empty-gems.cdx.json: skipped `components[2] (b8e9734ad545ac63) under \
             registry.example/ops/chef-runner`: it has no name",
        ]
    );
}

#[test]
fn malformed_components_are_skipped_with_their_place_named() {
    let document = read("malformed-components.cdx.json");
    assert_eq!(
        summary(&document),
        [
            ("nvr-firmware", Some("2.8.1"), None),
            (
                "nvr-firmware > av-bundle",
                Some("2.0"),
                Some("Northwind Networks")
            ),
            (
                "nvr-firmware > av-bundle > kav-engine",
                Some("8.9"),
                Some("AO Kaspersky Lab")
            ),
            ("nvr-firmware > ffmpeg", Some("6.1.1"), None),
        ]
    );
    assert_eq!(
        warnings(&document),
        [
            "malformed-components.cdx.json: skipped `components[0]`: expected an object, \
             found \"kav-engine 8.9\"",
            "malformed-components.cdx.json: skipped `components[2]`: invalid type: string \
             \"none\", expected a sequence",
            "malformed-components.cdx.json: skipped `components[3]`: expected an object, found 12",
            "malformed-components.cdx.json: skipped `components[1].components[0]`: invalid \
             type: integer `42`, expected an organizational entity",
        ]
    );
    assert!(
        document
            .warnings
            .iter()
            .all(|w| matches!(w, SbomError::SkippedComponent { .. }))
    );

    let document = read("malformed-packages.spdx.json");
    assert_eq!(
        summary(&document),
        [
            ("nvr-firmware", Some("2.8.1"), None),
            (
                "nvr-firmware > kav-engine",
                Some("8.9"),
                Some("AO Kaspersky Lab")
            ),
        ]
    );
    assert_eq!(
        warnings(&document),
        [
            "malformed-packages.spdx.json: skipped `packages[1]`: expected an object, found \
             \"SPDXRef-kav\"",
            "malformed-packages.spdx.json: skipped `packages[2]`: invalid type: map, expected \
             a sequence",
            "malformed-packages.spdx.json: skipped `packages[4]`: expected an object, found an \
             array",
            "malformed-packages.spdx.json: skipped `relationships[2]`: expected an object, \
             found \"SPDXRef-nvr CONTAINS SPDXRef-updater\"",
        ]
    );
}

#[test]
fn spdx3_jsonld_packages_suppliers_and_nesting() {
    let input = bytes("gateway.spdx3.json");
    assert_eq!(detect_format(&input), Some(SbomFormat::Spdx3JsonLd));
    let document = read_bytes(&input, "gateway.spdx3.json");
    assert_eq!(document.format, SbomFormat::Spdx3JsonLd);
    assert_eq!(document.spec_version, "3.0.1");
    assert_eq!(document.name.as_deref(), Some("gateway-5.1"));
    assert_eq!(
        document.serial_number.as_deref(),
        Some("https://northwind.example/spdx/gateway-5.1/document")
    );
    assert_eq!(
        summary(&document),
        [
            ("secure-gateway", Some("5.1"), Some("Northwind Networks")),
            (
                "secure-gateway > av-module",
                Some("2.0"),
                Some("Northwind Networks")
            ),
            (
                "secure-gateway > av-module > kav-engine",
                Some("8.9"),
                Some("AO Kaspersky Lab")
            ),
            ("secure-gateway > openssl", Some("3.0.13"), None),
            (
                "secure-gateway > zlib",
                Some("1.3.1"),
                Some("Jean-loup Gailly and Mark Adler")
            ),
        ]
    );
    let engine = &document.components[2];
    assert_eq!(engine.collector, "sbom-spdx");
    for (key, value) in [
        ("supplier", "AO Kaspersky Lab"),
        ("originator", "AO Kaspersky Lab"),
        ("purl", "pkg:generic/kaspersky/kav-sdk@8.9"),
        ("purl-namespace", "kaspersky"),
        (
            "cpe",
            "cpe:2.3:a:kaspersky:anti-virus_sdk:8.9:*:*:*:*:*:*:*",
        ),
        ("component-type", "library"),
        ("depth", "2"),
        ("embedded", "true"),
        ("spec-version", "3.0.1"),
        (
            "bom-ref",
            "https://northwind.example/spdx/gateway-5.1/pkg-kav-engine",
        ),
    ] {
        assert_eq!(engine.attr(key), Some(value), "{key}");
    }
    assert_eq!(
        document.components[3].attr("purl"),
        Some("pkg:generic/openssl@3.0.13"),
        "a packageUrl external identifier"
    );
    assert!(document.warnings.is_empty(), "{:?}", warnings(&document));
}

#[test]
fn spdx3_is_not_mistaken_for_cyclonedx() {
    // `specVersion` (of CreationInfo) made the old detection call this CycloneDX.
    let input = br#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[
        {"type":"CreationInfo","@id":"_:c","specVersion":"3.0.1","created":"2026-01-01T00:00:00Z"},
        {"type":"software_Package","spdxId":"urn:p","name":"kesl","creationInfo":"_:c"}]}"#;
    assert_eq!(detect_format(input), Some(SbomFormat::Spdx3JsonLd));
    let document = read_bytes(input, "x.spdx3.json");
    assert_eq!(summary(&document), [("kesl", None, None)]);
}

#[test]
fn spdx3_variants_and_errors() {
    // No CreationInfo element: the version comes from an inline one or from the context;
    // types given as full IRIs; an agent inline; a broken element in the graph.
    let input = br#"{"@context":["https://spdx.org/rdf/3.0.0/spdx-context.jsonld"],"@graph":[
        {"@type":"https://spdx.org/rdf/3.0.0/terms/Software/Package","@id":"urn:a","name":"a",
         "suppliedBy":{"type":"Organization","name":"AO Kaspersky Lab"},"originatedBy":null},
        "urn:broken",
        {"type":"software_Package","spdxId":"urn:b","name":null,"software_packageVersion":1.5}]}"#;
    let document = read_bytes(input, "v.json");
    assert_eq!(document.spec_version, "3.0.0");
    assert_eq!(summary(&document), [("a", None, Some("AO Kaspersky Lab"))]);
    assert_eq!(
        warnings(&document),
        [
            "v.json: skipped `@graph[1]`: expected an object, found \"urn:broken\"",
            "v.json: skipped `@graph[2] (urn:b)`: it has no name",
        ]
    );
    let inline = br#"{"@context":"https://example.org/ctx","@graph":[
        {"type":"software_Package","spdxId":"urn:a","name":"a",
         "creationInfo":{"type":"CreationInfo","specVersion":"3.0.1"}}]}"#;
    assert_eq!(
        read_sbom_as(inline, "i.json", SbomFormat::Spdx3JsonLd)
            .unwrap()
            .spec_version,
        "3.0.1"
    );
    for (input, message) in [
        (
            &br#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld"}"#[..],
            "e.json: missing required field `@graph`",
        ),
        (
            br#"{"@context":"https://example.org/ctx","@graph":[]}"#,
            "e.json: missing required field `CreationInfo.specVersion`",
        ),
        (
            br#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[
                {"type":"CreationInfo","specVersion":"2.3"}]}"#,
            "e.json: unsupported spdx version \"2.3\" in field `specVersion` (supported: 3.x)",
        ),
        (
            br#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":{"#,
            "e.json: invalid json at line 1",
        ),
    ] {
        let error = read_sbom_as(input, "e.json", SbomFormat::Spdx3JsonLd).unwrap_err();
        assert!(error.to_string().starts_with(message), "{error}");
    }
}

#[test]
fn format_names_are_the_documented_ones() {
    let names: Vec<String> = SbomFormat::ALL
        .iter()
        .map(|f| {
            serde_json::to_value(f)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        names,
        [
            "cyclonedx-json",
            "cyclonedx-xml",
            "spdx-json",
            "spdx-tag-value",
            "spdx3-jsonld"
        ]
    );
    for format in SbomFormat::ALL {
        assert_eq!(serde_json::to_value(format).unwrap(), format.as_str());
    }
    // The whole document serializes, warnings as their messages.
    let document = read("syft-empty-gems.cdx.json");
    let value = serde_json::to_value(&document).unwrap();
    assert_eq!(value["format"], "cyclonedx-json");
    assert_eq!(value["warnings"].as_array().unwrap().len(), 2);
    assert!(value["warnings"][0].as_str().unwrap().contains("no name"));
}

#[test]
fn nesting_near_the_json_limit_reads_on_a_small_stack() {
    // Each nesting level reads its element again from the raw text; 60 levels (the JSON
    // parser allows about 63 of `{"components":[…]}`) must still fit a 2 MiB stack.
    let depth = 60;
    let mut json = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":["#);
    for level in 0..depth {
        json.push_str(&format!(r#"{{"name":"n{level}","components":["#));
    }
    json.push_str(&"]}".repeat(depth));
    json.push_str("]}");
    let document = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || read_sbom(json.as_bytes(), "deep.json"))
        .unwrap()
        .join()
        .unwrap()
        .unwrap();
    assert_eq!(document.components.len(), depth);
    assert_eq!(
        document.components[depth - 1].attr("depth"),
        Some((depth - 1).to_string().as_str())
    );
}
