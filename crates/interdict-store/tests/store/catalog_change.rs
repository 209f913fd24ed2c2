//! A catalog change re-evaluated over stored inventories: a host that reported earlier
//! gets the new finding without a new report.

use crate::common::{Backend, both_backends, day, finding, findings, ingest, package, scan};
use interdict_store::FindingState as S;
use serde_json::Value;

/// The test's own "matcher" for a new catalog entry: any package named `kav-agent`.
fn evaluate(inventory_json: &str) -> Vec<Value> {
    let items: Vec<Value> = serde_json::from_str(inventory_json).expect("inventory json");
    items
        .iter()
        .filter(|i| i["kind"] == "package" && i["name"] == "kav-agent")
        .map(|_| finding("kav-agent", "test-directive", "dpkg-status"))
        .collect()
}

/// Whether host `name` has a finding of the new product.
async fn has_new_finding(store: &interdict_store::Store, name: &str) -> bool {
    let host = format!("machine-id:{name}");
    store
        .finding_of(&host, "kav-agent")
        .await
        .unwrap()
        .is_some()
}

async fn reevaluation(b: &Backend) {
    let store = &b.store;
    let shared = || vec![package("bash"), package("kav-agent")];
    // Two hosts with the same inventory (in another order), one without the product.
    ingest(
        store,
        &scan("r1", "a", day(0), vec![], &[], Some(shared())),
        day(0),
    )
    .await;
    let mut reordered = shared();
    reordered.reverse();
    ingest(
        store,
        &scan("r2", "b", day(0), vec![], &[], Some(reordered)),
        day(0),
    )
    .await;
    ingest(
        store,
        &scan("r3", "c", day(0), vec![], &[], Some(vec![package("bash")])),
        day(0),
    )
    .await;
    // An unchanged inventory is stored once.
    ingest(
        store,
        &scan("r4", "a", day(1), vec![], &[], Some(shared())),
        day(1),
    )
    .await;
    assert_eq!(b.raw("UPDATE inventories SET items = items").await, 2);

    let mut groups = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .inventories_for_reevaluation(cursor.as_deref(), 1)
            .await
            .unwrap();
        groups.extend(page.items);
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(groups.len(), 2, "deduplicated by content hash");
    let mut changed = 0;
    for g in &groups {
        let computed = findings(evaluate(&g.json));
        for h in &g.hosts {
            changed += store
                .replace_findings(&h.id, &computed, day(2), "catalog-update")
                .await
                .unwrap();
        }
    }
    assert_eq!(changed, 2);
    for host in ["a", "b"] {
        let f = store
            .finding_of(&format!("machine-id:{host}"), "kav-agent")
            .await
            .unwrap()
            .expect(host);
        assert_eq!(f.state, S::Identified);
        assert_eq!(f.directives, ["test-directive"]);
        let history = store.finding_history(&f.id).await.unwrap();
        assert_eq!(history[0].actor, "catalog-update");
        assert_eq!(history[0].report, None);
    }
    assert!(!has_new_finding(store, "c").await);
    assert_eq!(store.report_count().await.unwrap(), 4, "no new report");
    // Re-evaluating again changes nothing; a later scan still showing it keeps it open.
    let again = findings(
        evaluate(&groups[0].json)
            .into_iter()
            .chain(evaluate(&groups[1].json))
            .collect(),
    );
    assert_eq!(
        store
            .replace_findings("machine-id:a", &again, day(3), "x")
            .await
            .unwrap(),
        0
    );
    assert!(
        store
            .replace_findings("machine-id:nope", &again, day(3), "x")
            .await
            .is_err()
    );
    // A batch is all or nothing: an unknown host fails it and host c gains nothing.
    let batch = [
        ("machine-id:c".to_string(), again.clone()),
        ("machine-id:nope".to_string(), again.clone()),
    ];
    let err = store
        .replace_findings_batch(&batch, day(3), "x")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("machine-id:nope"), "{err}");
    assert!(!has_new_finding(store, "c").await);
    assert!(store.verify_audit().await.unwrap().intact());
}
both_backends!(catalog_change_reaches_earlier_hosts, super::reevaluation);
