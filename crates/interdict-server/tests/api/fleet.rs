//! Fleet reads: re-matching of reports made with another catalog, pagination of lists,
//! parameter errors, and endpoint counts per product.

use crate::support::{Server, day, host_id, import, kaspersky, package, scan};
use interdict_store::Role;
use interdict_store::both_backends;
use interdict_store::testing::Backend;
use serde_json::Value;
use std::collections::BTreeSet;

/// Product ids of a findings list.
fn products(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .map(|f| f["product"].as_str().expect("product").to_string())
        .collect()
}

async fn rematching(b: &Backend) {
    let s = Server::start(b).await;
    let admin = s.token(Role::Admin).await;
    let inventory = || Some(vec![package("kesl"), package("bash")]);
    // Another catalog: the server matches the inventory itself; the report's own
    // (empty) findings are not taken.
    let mut other = scan("r-old", "old-agent", day(1), vec![], &[], inventory());
    other.catalog.digest = "sha256:0000".into();
    assert_ne!(other.catalog.digest, s.digest);
    let got = s
        .send(&admin, &other)
        .await
        .expect(201, "another catalog's report");
    assert_eq!(got["findings"], 1, "the server found one product: {got}");
    let f = s.finding_of(&admin, "old-agent", "kesl").await;
    assert_eq!(
        (f["state"].as_str(), f["catalogued"].as_bool()),
        (Some("identified"), Some(true)),
        "{f}"
    );
    let detail = s
        .get(
            Some(&admin),
            &format!("/findings/{}", f["id"].as_str().unwrap()),
        )
        .await;
    let detail = detail.expect(200, "detail");
    assert_eq!(
        detail["evidence"][0]["name"], "kesl",
        "evidence from the inventory: {detail}"
    );

    // The server's catalog: the report's own findings stand, the inventory is not
    // matched again (kesl in it yields nothing; kess, not in it, is kept).
    let mut same = scan(
        "r-new",
        "new-agent",
        day(1),
        vec![kaspersky("kess")],
        &[],
        inventory(),
    );
    same.catalog.digest = s.digest.clone();
    s.send(&admin, &same)
        .await
        .expect(201, "the server's catalog's report");
    let path = format!("/findings?host={}", host_id("new-agent"));
    let items = s.all(&admin, &path, 100).await;
    assert_eq!(
        products(&items),
        BTreeSet::from(["kess".to_string()]),
        "its own findings"
    );
}

async fn pagination(b: &Backend) {
    let s = Server::start(b).await;
    let auditor = s.token(Role::Auditor).await;
    let admin = s.token(Role::Admin).await;
    let names: Vec<String> = (0..7).map(|i| format!("host-{i:02}")).collect();
    let hosts = names
        .iter()
        .map(|n| (n.as_str(), vec![kaspersky("kesl")], vec![]))
        .collect();
    let mut r = import("r-import", day(1), hosts);
    r.catalog.digest = s.digest.clone();
    s.send(&admin, &r)
        .await
        .expect(201, "an import of seven hosts");

    for limit in [1, 3, 7, 100] {
        let items = s.all(&auditor, "/hosts", limit).await;
        let ids: Vec<&str> = items
            .iter()
            .map(|h| h["id"].as_str().expect("id"))
            .collect();
        let want: Vec<String> = names.iter().map(|n| host_id(n)).collect();
        assert_eq!(ids, want, "limit {limit}: every host once, in id order");
        let findings = s.all(&auditor, "/findings", limit).await;
        let distinct: BTreeSet<&str> = findings.iter().map(|f| f["id"].as_str().unwrap()).collect();
        assert_eq!(
            (findings.len(), distinct.len()),
            (7, 7),
            "limit {limit}: every finding once"
        );
    }
    let first = s
        .get(Some(&auditor), "/hosts?limit=3")
        .await
        .expect(200, "page");
    assert_eq!(first["items"].as_array().map(Vec::len), Some(3), "{first}");
    assert!(first["next"].is_string(), "a next cursor: {first}");
    let last = s
        .get(Some(&auditor), "/hosts?limit=7")
        .await
        .expect(200, "page");
    assert!(
        last["next"].is_null(),
        "no next after the last page: {last}"
    );

    let bad = [
        ("/hosts?cursor=garbage!", "cursor"),
        ("/findings?cursor=%FF%FE", "cursor"),
        ("/findings?state=gone", "state"),
        ("/hosts?state=gone", "state"),
        ("/findings?as_of=yesterday", "as_of"),
        ("/overview?as_of=2026-13-45", "as_of"),
        ("/milestones?as_of=soon", "as_of"),
        ("/hosts?seen_since=later", "seen_since"),
        ("/hosts?limit=many", "limit"),
    ];
    for (path, named) in bad {
        let got = s.get(Some(&auditor), path).await;
        assert_eq!(got.status, 400, "{path}: {got:?}");
        assert!(
            got.error().contains(named),
            "{path}: the error names {named}: {}",
            got.error()
        );
    }
}

async fn endpoint_counts(b: &Backend) {
    let s = Server::start(b).await;
    let auditor = s.token(Role::Auditor).await;
    let admin = s.token(Role::Admin).await;
    let hosts = vec![
        ("a", vec![kaspersky("kesl")], vec![]),
        ("b", vec![kaspersky("kesl"), kaspersky("kess")], vec![]),
        ("c", vec![kaspersky("kesl")], vec![]),
        ("d", vec![], vec![]),
    ];
    let mut r = import("r-import", day(1), hosts);
    r.catalog.digest = s.digest.clone();
    s.send(&admin, &r).await.expect(201, "an import");
    // c removes kesl: a later scan of c without it.
    s.send(&admin, &s.scan("r-c", "c", 2, vec![]))
        .await
        .expect(201, "c is clean");

    let items = s.all(&auditor, "/products", 1).await;
    let counts: Vec<(&str, i64, i64, i64)> = items
        .iter()
        .map(|p| {
            let n = |k: &str| p[k].as_i64().unwrap_or_else(|| panic!("{k} in {p}"));
            (
                p["product"].as_str().expect("product"),
                n("endpoints"),
                n("open"),
                n("closed"),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [("kesl", 2, 2, 1), ("kess", 1, 1, 0)],
        "(product, endpoints, open, closed) across hosts"
    );
    let filtered = s
        .all(&auditor, "/products?directive=no-such-directive", 10)
        .await;
    assert!(
        filtered.is_empty(),
        "no product of an unknown directive: {filtered:?}"
    );
}

both_backends!(report_of_another_catalog_is_rematched, super::rematching);
both_backends!(cursors_walk_every_item_once, super::pagination);
both_backends!(products_count_endpoints, super::endpoint_counts);
