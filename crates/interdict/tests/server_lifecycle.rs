//! The finding lifecycle end to end, through `interdict serve`'s API, with report
//! documents scanned by `interdict scan` from a fixture root that changes between scans:
//! identified → planned → removal-in-progress → removed → verified → reappeared, a
//! duplicate report counted once, and an exception that expires and reopens the finding.

mod support;

use serde_json::{Value, json};
use std::time::Duration;
use support::server::*;

/// POSTs a report and returns (status, outcome).
fn post_report(api: &Api, doc: &Value) -> (u16, Value) {
    api.post("/reports", doc)
}

/// The one finding of `product`, asserting there is exactly one.
fn only_finding(api: &Api, product: &str) -> Value {
    let all = api.findings_of(product);
    assert_eq!(all.len(), 1, "expected one {product} finding: {all:#?}");
    all.into_iter().next().unwrap()
}

/// Scans `root`, checks it keeps the host identity `host_id`, POSTs it (201) and returns
/// the `kesl` finding's state afterwards.
fn rescan(api: &Api, root: &std::path::Path, host_id: &str) -> String {
    let doc = scan_report(root);
    assert_eq!(
        doc["host"]["id"], host_id,
        "the host identity changed between scans"
    );
    let (status, body) = post_report(api, &doc);
    assert_eq!(status, 201, "a new scan must be stored: {body}");
    only_finding(api, "kesl")["state"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn scans_of_a_changing_root_drive_the_finding_through_its_lifecycle() {
    let db = Db::sqlite();
    let server = Server::start(&db, &[]);
    let api = Api::new(&server, &token(&db, "analyst"));

    let fx = host_root("3f2504e04f8911d39a0c0305e82c3301", &[KESL]);
    let first = scan_report(fx.path());
    let host_id = "machine-id:3f2504e04f8911d39a0c0305e82c3301";
    assert_eq!(first["host"]["id"], host_id, "identity from etc/machine-id");

    // Identified; the same report again is a duplicate that changes nothing.
    let (status, body) = post_report(&api, &first);
    assert_eq!(status, 201, "first post: {body}");
    assert_eq!(body["outcome"], "created", "{body}");
    let (status, body) = post_report(&api, &first);
    assert_eq!(
        status, 200,
        "the same report id again must answer 200: {body}"
    );
    assert_eq!(body["outcome"], "duplicate", "{body}");
    let hosts = api.all("/hosts");
    assert_eq!(hosts.len(), 1, "one host: {hosts:#?}");
    let scans = api.all(&format!("/hosts/{host_id}/scans"));
    assert_eq!(scans.len(), 1, "the duplicate must count once: {scans:#?}");
    let finding = only_finding(&api, "kesl");
    assert_eq!(finding["state"], "identified", "{finding:#}");
    assert_eq!(finding["host_id"], host_id);
    let id = finding["id"].as_str().unwrap().to_string();

    // Planned, then removal in progress.
    let plan = json!({"ids": [id], "owner": "ops", "due": "2026-03-01",
        "removal_method": "apt purge", "reason": "bod-17-01"});
    let (status, body) = api.post("/findings/plan", &plan);
    assert_eq!((status, &body["changed"]), (200, &json!(1)), "{body}");
    assert_eq!(only_finding(&api, "kesl")["state"], "planned");
    let (status, body) = api.post("/findings/start-removal", &json!({"ids": [id]}));
    assert_eq!((status, &body["changed"]), (200, &json!(1)), "{body}");
    assert_eq!(only_finding(&api, "kesl")["state"], "removal-in-progress");

    // The package goes: removed, then a second clean scan verifies it.
    set_packages(&fx, &[]);
    assert_eq!(rescan(&api, fx.path(), host_id), "removed");
    assert_eq!(rescan(&api, fx.path(), host_id), "verified");

    // It comes back.
    set_packages(&fx, &[KESL]);
    assert_eq!(rescan(&api, fx.path(), host_id), "reappeared");

    // The finding's history lists every step, in order, on the same finding id.
    let detail = api.ok(&format!("/findings/{id}"));
    let steps: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["to"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "identified",
            "planned",
            "removal-in-progress",
            "removed",
            "verified",
            "reappeared"
        ],
        "{detail:#}"
    );

    // An exception with a short expiry holds, then expires and reopens the finding.
    let expires = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(3);
    let grant = json!({"finding": id, "justification": "lab machine, isolated",
        "approver": "ciso", "expires": expires.to_string()});
    let (status, body) = api.post("/exceptions", &grant);
    assert_eq!(status, 201, "grant: {body}");
    assert_eq!(only_finding(&api, "kesl")["state"], "excepted");
    let reopened = poll(Duration::from_secs(20), "the exception to expire", || {
        let f = only_finding(&api, "kesl");
        (f["state"] != "excepted").then_some(f)
    });
    assert_eq!(reopened["state"], "identified", "{reopened:#}");
    let exceptions = api.ok(&format!("/exceptions?finding={id}"));
    assert_eq!(
        exceptions["items"][0]["closed_reason"], "expired",
        "{exceptions:#}"
    );
    assert_eq!(api.all("/hosts").len(), 1, "still one host");
}
