//! A catalog change reaches hosts that reported before it, without a new scan: a host's
//! inventory holds a package no bundled indicator matches; the server restarts with a
//! `--catalog DIR` naming that package's vendor in a new directive, and the host has the
//! finding (re-evaluated at start) and the directive is listed.

mod support;

use support::server::*;

/// A site catalog: a vendor, its product with a package indicator, and a directive
/// banning the vendor.
const SITE_CATALOG: &str = r#"
[[vendor]]
id = "acme-sec"
name = "Acme Security"
legal_names = ["Acme Security Ltd"]
sources = ["https://example.org/acme-security"]

[[product]]
id = "acme-endpoint-agent"
vendor = "acme-sec"
name = "Acme Endpoint Agent"
family = "endpoint-security"
platforms = ["linux"]
distribution = "branded"

[[product.indicator]]
kind = "package"
pattern = "acme-endpoint-agent"
strength = "strong"
source = "https://example.org/acme-endpoint-agent/packages"
confidence = "high"

[[directive]]
id = "test-acme-ban"
title = "Test directive: removal of Acme Security products"
issuer = "Test Agency"
legal_basis = "test fixture"
issued = 2026-01-05
vendors = ["acme-sec"]
distributions = ["branded"]
sources = ["https://example.org/test-acme-ban"]

[[directive.milestone]]
offset_days = 30
deliverable = "identify-report"
description = "Identify Acme Security products."
"#;

const PRODUCT: &str = "acme-endpoint-agent";

#[test]
fn a_new_catalog_finds_the_product_on_hosts_that_reported_before() {
    let db = Db::sqlite();
    let mut server = Server::start(&db, &[]);
    let api = Api::new(&server, &token(&db, "analyst"));

    let fx = host_root(
        "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        &[(PRODUCT, "Acme Security Ltd <support@acme.example>")],
    );
    let doc = scan_report(fx.path());
    assert_eq!(
        doc["findings"],
        serde_json::json!([]),
        "bundled catalog: no match"
    );
    let host_id = doc["host"]["id"].as_str().unwrap().to_string();
    let (status, body) = api.post("/reports", &doc);
    assert_eq!(status, 201, "{body}");
    assert!(
        api.findings_of(PRODUCT).is_empty(),
        "no finding before the change"
    );
    assert!(
        api.all(&format!("/findings?host={host_id}")).is_empty(),
        "the bundled catalog finds nothing on this host"
    );
    server.stop();
    drop(api);

    let catalog = tempfile::tempdir().unwrap();
    std::fs::write(catalog.path().join("site.toml"), SITE_CATALOG).unwrap();
    let dir = catalog.path().to_str().unwrap();
    let (code, out, err) = support::interdict(&["catalog", "validate", dir]);
    assert_eq!(code, 0, "the site catalog must validate: {out}{err}");

    let server = Server::start(&db, &["--catalog", dir]);
    assert!(
        server.log().contains("evaluated over 1 stored inventories"),
        "the start must re-evaluate the stored inventory:\n{}",
        server.log()
    );
    let api = Api::new(&server, &token(&db, "auditor"));
    let found = api.findings_of(PRODUCT);
    assert_eq!(found.len(), 1, "one finding after the change: {found:#?}");
    let f = &found[0];
    assert_eq!(f["host_id"], host_id.as_str());
    assert_eq!(f["state"], "identified");
    assert_eq!(f["vendor"], "acme-sec");
    assert!(
        f["directives"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("test-acme-ban")),
        "the finding falls under the new directive: {f:#}"
    );
    let scans = api.all(&format!("/hosts/{host_id}/scans"));
    assert_eq!(scans.len(), 1, "no new report was needed: {scans:#?}");
    let directives = api.all("/directives");
    assert!(
        directives.iter().any(|d| d["id"] == "test-acme-ban"),
        "/directives must list the new directive: {directives:#?}"
    );
    assert!(
        directives.iter().any(|d| d["id"] == "bod-17-01"),
        "the bundled directives stay"
    );
    let products = api.all("/products");
    let p = products
        .iter()
        .find(|p| p["product"] == PRODUCT)
        .unwrap_or_else(|| panic!("{PRODUCT} missing from /products: {products:#?}"));
    assert_eq!(p["endpoints"], 1, "{p:#}");
}
