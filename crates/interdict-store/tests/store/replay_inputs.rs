//! What a fleet's state was made from, listed for an evidence pack: reports as received
//! in arrival order, enrollments, and people's lifecycle actions — up to an instant.

use crate::common::{Backend, both_backends, day, finding, finding_on, scan_on};
use interdict_store::{LifecycleAction as A, Plan};

const BOD: &str = "bod-17-01";

async fn inputs_up_to_an_instant(b: &Backend) {
    let store = &b.store;
    let kesl = || vec![finding("kesl", BOD, "dpkg-status")];
    store
        .create_host_credential("machine-id:web9", day(1), "admin")
        .await
        .unwrap();
    scan_on(store, "r1", "web1", 1, kesl()).await;
    scan_on(store, "r2", "web2", 2, kesl()).await;
    let w1 = finding_on(store, "web1", "kesl").await.id;
    let w2 = finding_on(store, "web2", "kesl").await.id;
    let plan = Plan {
        owner: "ops".into(),
        due: jiff::civil::date(2026, 1, 20),
        removal_method: "apt purge".into(),
    };
    let one = std::slice::from_ref(&w1);
    store
        .plan_findings(one, &plan, day(3), "alice", "bulk")
        .await
        .unwrap();
    store
        .start_removal(one, day(4), "alice", "go")
        .await
        .unwrap();
    let x = store
        .grant_exception(&w2, "lab", "ciso", day(30), day(5), "bob")
        .await
        .unwrap();
    store.revoke_exception(&x.id, day(6), "ciso").await.unwrap();
    let y = store
        .grant_exception(&w2, "lab again", "ciso", day(8), day(7), "bob")
        .await
        .unwrap();
    scan_on(store, "r3", "web1", 9, vec![]).await; // closes y, expired on day 8, first

    let reports = store.reports_received(day(9)).await.unwrap();
    let ids: Vec<&str> = reports.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["r1", "r2", "r3"]);
    let doc: serde_json::Value = serde_json::from_slice(&reports[0].raw).unwrap();
    assert_eq!(doc["id"], "r1", "the document as received");
    assert_eq!(reports[1].received, day(2));
    assert_eq!(store.reports_received(day(2)).await.unwrap().len(), 2);

    let enrolled = store.enrollments(day(9)).await.unwrap();
    assert_eq!(enrolled.len(), 1);
    assert_eq!(enrolled[0].host, "machine-id:web9");
    assert!(store.enrollments(day(0)).await.unwrap().is_empty());

    let actions = store.recorded_actions(day(9)).await.unwrap();
    let kinds: Vec<(&str, i64)> = actions
        .iter()
        .map(|a| {
            let k = match &a.action {
                A::Plan { .. } => "plan",
                A::StartRemoval => "start",
                A::GrantException { .. } => "grant",
                A::RevokeException { .. } => "revoke",
                A::ExpireException { .. } => "expire",
            };
            (
                k,
                (a.at.as_millisecond() - day(0).as_millisecond()) / 86_400_000,
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("plan", 3),
            ("start", 4),
            ("grant", 5),
            ("revoke", 6),
            ("grant", 7),
            ("expire", 9)
        ]
    );
    assert_eq!(
        actions[0].action,
        A::Plan {
            owner: "ops".into(),
            due: jiff::civil::date(2026, 1, 20),
            method: "apt purge".into()
        }
    );
    assert_eq!(
        (actions[0].host.as_str(), actions[0].product.as_str()),
        ("machine-id:web1", "kesl")
    );
    assert_eq!(
        actions[5].action,
        A::ExpireException {
            exception: y.id.clone()
        }
    );
    // As of day 5: the grant is there, its revocation not yet.
    let early = store.recorded_actions(day(5)).await.unwrap();
    assert_eq!(early.len(), 3);

    // An entry whose clock is behind its predecessor's (here: backdated to day 1) stays
    // in the segment up to it, so the segment has no gap.
    store
        .create_token("late", interdict_store::Role::Auditor, day(1), "admin")
        .await
        .unwrap();
    let (head, _) = store.audit_head().await.unwrap();
    let segment = store.audit_segment(day(0), day(5)).await.unwrap();
    let seqs: Vec<i64> = segment.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=head).collect::<Vec<_>>());
    interdict_findings::audit::verify_segment(&segment, "").unwrap();

    // A re-evaluation after a catalog change that changed a finding is listed (web1's
    // kesl, removed by r3, matches again: reappeared), one that changed nothing is not.
    assert!(
        store
            .catalog_reevaluations(day(20))
            .await
            .unwrap()
            .is_empty()
    );
    let again = interdict_store::testing::findings(kesl());
    let actor = "system:catalog 0123abcd";
    let changes = store
        .replace_findings("machine-id:web1", &again, day(10), actor)
        .await
        .unwrap();
    assert_eq!(changes, 1);
    store
        .replace_findings("machine-id:web1", &again, day(11), actor)
        .await
        .unwrap();
    assert_eq!(
        store.catalog_reevaluations(day(20)).await.unwrap(),
        [day(10)]
    );
    assert!(
        store
            .catalog_reevaluations(day(9))
            .await
            .unwrap()
            .is_empty()
    );
}
both_backends!(
    replay_inputs_up_to_an_instant,
    super::inputs_up_to_an_instant
);
