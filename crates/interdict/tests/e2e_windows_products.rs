//! End to end: one offline Windows root with several Kaspersky products — Endpoint
//! Security, the Security Center Network Agent, a per-user Password Manager and a product
//! the catalog does not name — scanned through the binary. Each product's finding must
//! hold exactly its own evidence: binaries, services, drivers, uninstall entries. The
//! hives are `attrib-*.hive` of `interdict-collectors/testdata/windows/make-hives.sh`, the
//! PE files are built by `tests/data/windows/make-pe.sh`.

mod support;

use serde_json::Value;
use support::windows::*;
use support::*;

/// `(kind, location)` pairs, sorted.
fn at(items: &[(&str, String)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = items
        .iter()
        .map(|(k, l)| (k.to_string(), l.clone()))
        .collect();
    v.sort();
    v
}

fn sw(key: &str) -> String {
    format!("{SOFTWARE}:{key}")
}

fn sys(service: &str) -> String {
    format!(r"{SYSTEM}:ControlSet001\Services\{service}")
}

fn user_entry(name: &str) -> String {
    format!(r"{NTUSER}:Software\{UNINSTALL}\{name}")
}

/// KES's items outside SOFTWARE: its drivers, folder, binary and service, and the vendor
/// folder, which joins the primary product (KES, with the most strong evidence).
fn kes_items() -> Vec<(&'static str, String)> {
    vec![
        ("driver", sys("klif")),
        ("driver", sys("klim6")),
        ("file", LAB.to_string()),
        ("file", KES_DIR.to_string()),
        ("file", format!("{KES_DIR}/avp.exe")),
        ("service", sys("AVP21.20")),
    ]
}

/// The Network Agent's items outside SOFTWARE: its folder, binary and service.
fn na_items() -> Vec<(&'static str, String)> {
    vec![
        ("file", NA_DIR.to_string()),
        ("file", format!("{NA_DIR}/klnagent.exe")),
        ("service", sys("klnagent")),
    ]
}

#[test]
fn each_product_holds_exactly_its_own_evidence() {
    let fx = products_root();
    let before = snapshot(fx.path());
    let (code, doc) = scan_json(fx.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(doc["errors"], serde_json::json!([]), "{doc:#}");
    assert_eq!(
        findings(&doc),
        [
            "kaspersky-password-manager",
            "kaspersky/kaspersky-example-utility",
            "kes-windows",
            "ksc-network-agent-windows",
        ]
        .map(|p| (p.to_string(), "confirmed".to_string())),
        "{doc:#}"
    );

    // KES: its uninstall entry and MSI registration, its folder and avp.exe (version info),
    // the AVP service (image in its folder) and the klif and klim6 drivers (anti-malware
    // drivers: the Network Agent and the Password Manager are no anti-malware products).
    // The vendor folder and key fit every product alike and join the primary one, KES,
    // with the most strong evidence.
    let kes = finding(&doc, "kes-windows");
    let mut want = kes_items();
    want.extend([
        (
            "package",
            sw(r"Classes\Installer\Products\872710A94F7F9FD44A28B0797BD07DDE"),
        ),
        (
            "package",
            sw(&format!(r"WOW6432Node\{UNINSTALL}\{KES_GUID}")),
        ),
        ("registry", sw(r"WOW6432Node\KasperskyLab")),
    ]);
    assert_eq!(evidence_at(kes), at(&want), "{kes:#}");
    let avp = evidence_item(kes, &format!("{KES_DIR}/avp.exe"));
    assert_eq!(
        (&avp["name"], &avp["weight"], &avp["collector"]),
        (
            &Value::from("avp.exe"),
            &Value::from("strong"),
            &Value::from("win-pe-files")
        )
    );
    assert_eq!(evidence_item(kes, &sys("AVP21.20"))["name"], "AVP21.20");

    // The Network Agent: its entry, registration, folder, binary and service — and nothing
    // of KES, though it has as much strong evidence.
    let na = finding(&doc, "ksc-network-agent-windows");
    let mut want = na_items();
    want.extend([
        (
            "package",
            sw(r"Classes\Installer\Products\ADEB42927D0EFAD42A42052D0E1BF2B5"),
        ),
        (
            "package",
            sw(&format!(r"WOW6432Node\{UNINSTALL}\{NA_GUID}")),
        ),
    ]);
    assert_eq!(evidence_at(na), at(&want), "{na:#}");

    // The Password Manager, per user: its uninstall entry and its binary (version info).
    let kpm = finding(&doc, "kaspersky-password-manager");
    assert_eq!(
        evidence_at(kpm),
        at(&[
            ("file", KPM_EXE.to_string()),
            ("package", user_entry("Kaspersky Password Manager")),
        ]),
        "{kpm:#}"
    );
    assert_eq!(
        evidence_item(kpm, &user_entry("Kaspersky Password Manager"))["version"],
        "24.0.0.427"
    );

    // A clearly named Kaspersky product the catalog does not know: its own finding, with
    // the binary in its install folder.
    let util = finding(&doc, "kaspersky/kaspersky-example-utility");
    assert_eq!(
        (
            &util["catalogued"],
            &util["product_name"],
            &util["family"],
            &util["vendor"]
        ),
        (
            &Value::from(false),
            &Value::from("Kaspersky Example Utility"),
            &Value::from("uncatalogued"),
            &Value::from("kaspersky")
        )
    );
    assert_eq!(
        evidence_at(util),
        at(&[
            ("file", UTIL_EXE.to_string()),
            ("package", user_entry("Kaspersky Example Utility")),
        ]),
        "{util:#}"
    );
    assert!(
        util["directives"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d == "bod-17-01"),
        "{util:#}"
    );

    for f in doc["findings"].as_array().unwrap() {
        assert_eq!(
            f["catalogued"],
            f["product"] != "kaspersky/kaspersky-example-utility",
            "{f:#}"
        );
    }

    let text = doc["findings"].to_string();
    for decoy in ["Firefox", "Mozilla", "WinDefend"] {
        assert!(!text.contains(decoy), "decoy {decoy} reported");
    }
    assert_eq!(snapshot(fx.path()), before, "the scan changed the root");
}

#[test]
fn without_the_kes_entries_its_binary_still_names_it_and_keeps_its_service() {
    // The SOFTWARE hive gone: no uninstall entries, no install folders from the registry.
    // avp.exe's version info names KES; the AVP service and the drivers follow KES through
    // the catalog's folder and families, never the Network Agent whose binary and service
    // are still there. KES keeps the most strong evidence, and with it the vendor folder.
    let fx = products_root();
    std::fs::remove_file(fx.path().join(SOFTWARE)).unwrap();
    let (_, doc) = scan_json(fx.path(), &[]);
    let kes = finding(&doc, "kes-windows");
    assert_eq!(evidence_at(kes), at(&kes_items()), "{kes:#}");
    let na = finding(&doc, "ksc-network-agent-windows");
    assert_eq!(evidence_at(na), at(&na_items()), "{na:#}");
}
