//! End to end: an offline macOS root with Kaspersky Internet Security for Mac in every
//! source (app bundle with a nested login item, launch daemon, kext, pkg receipts, install
//! history, support folder) and decoys next to it, scanned through the binary. Asserts exactly the findings
//! and evidence, that nothing in the root ran, and that the root is unchanged.

mod support;

use support::macos::*;
use support::*;

/// Asserts a clean macOS scan whose one finding is a confirmed `kaspersky-mac`, and
/// returns it; `what` names the case in messages.
fn only_kaspersky_mac<'a>(doc: &'a serde_json::Value, what: &str) -> &'a serde_json::Value {
    assert_eq!(doc["host"]["platform"], "macos", "{what}");
    assert_eq!(doc["errors"], serde_json::json!([]), "{what}: {doc:#}");
    assert_eq!(
        findings(doc),
        [("kaspersky-mac".to_string(), "confirmed".to_string())],
        "{what}: {doc:#}"
    );
    finding(doc, "kaspersky-mac")
}

#[test]
fn macos_root_exact_findings_no_execution_no_writes() {
    let outside = tempfile::tempdir().unwrap();
    let marker = outside.path().join("executed");
    let fx = macos_root(&marker);
    let before = snapshot(fx.path());

    let (code, doc) = scan_json(fx.path(), &["--inventory"]);
    assert_eq!(code, 1, "findings exit 1");
    let kav = only_kaspersky_mac(&doc, "main fixture");
    assert_eq!(
        kav["directives"],
        serde_json::json!([
            "bis-icts-2021-002",
            "bod-17-01",
            "fcc-covered-list",
            "ndaa-fy18-1634"
        ])
    );
    let at = |kind: &str, location: &str| (kind.to_string(), location.to_string());
    let mut want = vec![
        at("bundle", &format!("{APP}/Contents/Info.plist")),
        at("bundle", &format!("{LOGIN_ITEM}/Contents/Info.plist")),
        at("driver", &format!("{KEXT}/Contents/Info.plist")),
        at("file", APP),
        at("file", DAEMON),
        at("file", SUPPORT),
        at("package", HISTORY),
        at("package", HISTORY),
        at("package", RECEIPT),
        at("package", RECEIPT2),
        at("service", DAEMON),
    ];
    want.sort();
    assert_eq!(evidence_at(kav), want, "{kav:#}");

    // What each item was matched by.
    let by = |kind: &str, location: &str| {
        kav["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == kind && e["location"] == location)
            .unwrap()
    };
    let strong = |kind: &str, location: &str, name: &str, indicator_kind: &str| {
        let e = by(kind, location);
        assert_eq!(
            (&e["name"], &e["indicator_kind"], &e["weight"]),
            (
                &serde_json::Value::from(name),
                &serde_json::Value::from(indicator_kind),
                &serde_json::Value::from("strong")
            ),
            "{e:#}"
        );
    };
    strong(
        "bundle",
        &format!("{APP}/Contents/Info.plist"),
        "com.kaspersky.kav",
        "bundle-id",
    );
    strong(
        "bundle",
        &format!("{LOGIN_ITEM}/Contents/Info.plist"),
        "com.kaspersky.kav.loginitem",
        "bundle-id",
    );
    strong("service", DAEMON, "com.kaspersky.kav", "service");
    strong(
        "driver",
        &format!("{KEXT}/Contents/Info.plist"),
        "com.kaspersky.kext.klif",
        "driver",
    );
    strong("package", RECEIPT, "com.kaspersky.kav.core", "package");
    strong(
        "package",
        RECEIPT2,
        "com.kaspersky.kav.antiphishing",
        "bundle-id",
    );
    // Both Kaspersky packages of the install history, each matched as its receipt is.
    let hist: Vec<(&str, &str)> = kav["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["location"] == HISTORY)
        .map(|e| {
            (
                e["name"].as_str().unwrap(),
                e["indicator_kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        hist,
        [
            ("com.kaspersky.kav.antiphishing", "bundle-id"),
            ("com.kaspersky.kav.core", "package")
        ]
    );
    let app = by("bundle", &format!("{APP}/Contents/Info.plist"));
    assert_eq!(app["version"], "21.0.12");
    assert_eq!(by("file", SUPPORT)["weight"], "leftover");
    assert_eq!(by("file", APP)["weight"], "weak");

    // The decoys were read and cleared, not missed.
    let inventory = doc["inventory"].as_array().unwrap();
    for name in [
        "com.tinyspeck.slackmacgap",
        "com.kasperskyfan.notes",
        "com.sophos.common.servicemanager",
        "com.eset.remoteadministrator.agent",
    ] {
        assert!(
            inventory.iter().any(|a| a["name"] == name),
            "{name} not in the inventory"
        );
    }
    let text = doc["findings"].to_string();
    for decoy in [
        "kasperskyfan",
        "Notes Fan",
        "Slack",
        "sophos",
        "eset",
        "removal-plan",
    ] {
        assert!(!text.contains(decoy), "decoy {decoy} reported");
    }

    assert!(
        !marker.exists(),
        "something from the scanned root was executed"
    );
    assert_eq!(snapshot(fx.path()), before, "the scan changed the root");
}

#[test]
fn support_folder_alone_is_a_leftover() {
    let fx = Fixture::new();
    fx.write(
        "System/Library/CoreServices/SystemVersion.plist",
        xml(dict(&[
            ("ProductName", "macOS"),
            ("ProductVersion", "14.4"),
        ])),
    );
    fx.write(&format!("{SUPPORT}/KAV/Data/settings.xml"), "<settings/>");
    fx.write(
        "Applications/Notes Fan.app/Contents/Info.plist",
        info("com.kasperskyfan.notes", "Notes Fan", "1.0", "notes"),
    );
    let (code, doc) = scan_json(fx.path(), &["--fail-on", "probable"]);
    assert_eq!(code, 0, "a leftover alone passes --fail-on probable");
    assert_eq!(
        findings(&doc),
        [("kaspersky-unidentified".to_string(), "possible".to_string())],
        "{doc:#}"
    );
    assert_eq!(
        evidence_at(finding(&doc, "kaspersky-unidentified")),
        [("file".to_string(), SUPPORT.to_string())]
    );
}

/// A root holding one item, known by `id`, of one artifact kind.
fn one_item_root(kind: &str, id: &str) -> Fixture {
    let fx = Fixture::new();
    fx.write(
        "System/Library/CoreServices/SystemVersion.plist",
        xml(dict(&[
            ("ProductName", "macOS"),
            ("ProductVersion", "14.4"),
        ])),
    );
    match kind {
        "receipt" => {
            fx.write(&format!("var/db/receipts/{id}.plist"), receipt(id, "1.0"));
        }
        "history" => {
            fx.write(HISTORY, history("Kaspersky", &[id]));
        }
        "launchd" => {
            fx.write(
                &format!("Library/LaunchDaemons/{id}.plist"),
                job(id, "/usr/local/libexec/helper"),
            );
        }
        "bundle" => {
            fx.write(
                "Applications/Helper.app/Contents/Info.plist",
                info(id, "Helper", "1.0", "helper"),
            );
        }
        other => panic!("unknown kind {other}"),
    }
    fx
}

#[test]
fn identifier_indicators_match_receipts_history_launchd_jobs_and_bundles() {
    // (artifact kind, the item's identifier, the indicator of another kind it must answer,
    // the evidence kind and location)
    let cases = [
        (
            "receipt",
            "com.kaspersky.kav.gui",
            "kaspersky-mac/service/com.kaspersky.kav.gui",
            "package",
            "var/db/receipts/com.kaspersky.kav.gui.plist",
        ),
        (
            "history",
            "com.kaspersky.kext.klif",
            "kaspersky-mac/driver/com.kaspersky.kext.klif",
            "package",
            HISTORY,
        ),
        (
            "launchd",
            "com.kaspersky.kav.core",
            "kaspersky-mac/package/com.kaspersky.kav.core",
            "service",
            "Library/LaunchDaemons/com.kaspersky.kav.core.plist",
        ),
        (
            "bundle",
            "com.kaspersky.sysextctrld",
            "kaspersky-mac/service/com.kaspersky.sysextctrld",
            "bundle",
            "Applications/Helper.app/Contents/Info.plist",
        ),
    ];
    for (kind, id, indicator, ev_kind, location) in cases {
        let fx = one_item_root(kind, id);
        let (_, doc) = scan_json(fx.path(), &[]);
        let f = only_kaspersky_mac(&doc, kind);
        assert_eq!(
            evidence_at(f),
            [(ev_kind.to_string(), location.to_string())],
            "{kind}: {f:#}"
        );
        let e = &f["evidence"][0];
        assert_eq!(e["name"], id);
        let ids: Vec<&str> = e["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_str().unwrap())
            .collect();
        assert!(ids.contains(&indicator), "{kind}: {ids:?}");
        assert!(
            ids.contains(&"kaspersky-mac/bundle-id/com.kaspersky."),
            "{kind}: {ids:?}"
        );
    }
    // A look-alike identifier crosses no kind.
    for kind in ["receipt", "history", "launchd", "bundle"] {
        let fx = one_item_root(kind, "com.kasperskyfan.notes");
        let (code, doc) = scan_json(fx.path(), &[]);
        assert_eq!(
            (code, &doc["findings"]),
            (0, &serde_json::json!([])),
            "{kind}"
        );
    }
}
