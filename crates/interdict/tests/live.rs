//! A live scan of the machine the tests run on: it has no Kaspersky product, so no
//! confirmed or probable finding may appear (a false positive here would poison every
//! T+30 report).

mod support;

use support::interdict;

#[test]
fn live_scan_of_this_machine_has_no_confirmed_or_probable_finding() {
    let (code, out, err) = interdict(&["scan", "--format", "json", "--fail-on", "probable"]);
    let doc: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    let serious: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["confidence"] != "possible")
        .collect();
    assert!(
        serious.is_empty(),
        "false positives on this host: {serious:#?}"
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["host"]["live"], true);
    assert_eq!(doc["host"]["root"], "/");
    // the inventory really ran: this host has packages, units and processes
    let items = |id: &str| {
        doc["collectors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["items"].as_u64().unwrap())
            .unwrap_or(0)
    };
    assert!(items("processes") > 0);
    assert!(items("dpkg-status") + items("rpmdb") > 0);
}
