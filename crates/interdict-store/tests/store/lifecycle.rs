//! identified → planned → removal-in-progress → removed → verified; reappearance; a
//! duplicate report id counted once; an exception that expires and reopens its finding.

use crate::common::{Backend, both_backends, day, finding, finding_on, ingest, scan, scan_on};
use interdict_store::{FindingFilter, FindingState as S, IngestOutcome, Plan};

const KESL: &str = "kesl";
const BOD: &str = "bod-17-01";

async fn full_lifecycle(b: &Backend) {
    let store = &b.store;
    let with = || vec![finding(KESL, BOD, "dpkg-status")];
    let r1 = scan("r1", "web1", day(0), with(), &[], None);
    let first = ingest(store, &r1, day(0)).await;
    assert!(
        matches!(
            first,
            IngestOutcome::Created {
                hosts: 1,
                findings: 1,
                changes: 1
            }
        ),
        "{first:?}"
    );
    // The same report again (a retry): counted once, nothing changes.
    assert_eq!(ingest(store, &r1, day(0)).await, IngestOutcome::Duplicate);
    assert_eq!(store.report_count().await.unwrap(), 1);
    let f = store
        .finding_of("machine-id:web1", KESL)
        .await
        .unwrap()
        .expect("finding");
    assert_eq!(f.state, S::Identified);
    assert_eq!(f.directives, [BOD]);
    assert_eq!(store.finding_history(&f.id).await.unwrap().len(), 1);

    // A removal plan, then the removal begins.
    let plan = Plan {
        owner: "ops-team".into(),
        due: jiff::civil::date(2026, 2, 1),
        removal_method: "uninstall with apt".into(),
    };
    let ids = vec![f.id.clone()];
    store
        .plan_findings(&ids, &plan, day(1), "alice", "day-60 plan")
        .await
        .unwrap();
    let planned = store.finding(&f.id).await.unwrap();
    assert_eq!(
        (planned.state, planned.plan.as_ref()),
        (S::Planned, Some(&plan))
    );
    // Removal cannot be verified by hand, and a planned finding cannot be planned from
    // removal-in-progress.
    store
        .start_removal(&ids, day(2), "alice", "ticket 42")
        .await
        .unwrap();
    let err = store
        .plan_findings(&ids, &plan, day(2), "alice", "again")
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot go from removal-in-progress to planned"),
        "{err}"
    );

    // A newer scan without it, but the collector that found it failed: that proves no
    // absence, the removal stays in progress.
    let failed = scan(
        "r1b",
        "web1",
        day(2) + jiff::SignedDuration::from_hours(1),
        vec![],
        &["dpkg-status"],
        None,
    );
    assert!(matches!(
        ingest(store, &failed, day(2)).await,
        IngestOutcome::Created { changes: 0, .. }
    ));
    assert_eq!(
        store.finding(&f.id).await.unwrap().state,
        S::RemovalInProgress
    );
    // A newer scan no longer shows it, its collectors clean: removed.
    scan_on(store, "r2", "web1", 3, vec![]).await;
    assert_eq!(store.finding(&f.id).await.unwrap().state, S::Removed);
    // A later scan without it, but the collector that found it failed: still removed.
    ingest(
        store,
        &scan("r3", "web1", day(4), vec![], &["dpkg-status"], None),
        day(4),
    )
    .await;
    assert_eq!(store.finding(&f.id).await.unwrap().state, S::Removed);
    let host = store.host("machine-id:web1").await.unwrap().unwrap();
    assert_eq!(host.coverage.failed, ["dpkg-status"]);
    // A clean later scan: verified.
    scan_on(store, "r4", "web1", 5, vec![]).await;
    assert_eq!(store.finding(&f.id).await.unwrap().state, S::Verified);

    // It shows up again: reappeared, flagged in the listing by state.
    scan_on(store, "r5", "web1", 6, with()).await;
    assert_eq!(store.finding(&f.id).await.unwrap().state, S::Reappeared);
    let flagged = store
        .findings(
            &FindingFilter {
                state: Some(S::Reappeared),
                ..Default::default()
            },
            None,
            None,
            50,
        )
        .await
        .unwrap();
    assert_eq!(
        flagged
            .items
            .iter()
            .map(|f| f.host_id.as_str())
            .collect::<Vec<_>>(),
        ["machine-id:web1"]
    );

    let states: Vec<S> = store
        .finding_history(&f.id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.to)
        .collect();
    assert_eq!(
        states,
        [
            S::Identified,
            S::Planned,
            S::RemovalInProgress,
            S::Removed,
            S::Verified,
            S::Reappeared
        ]
    );
    let events = store.finding_history(&f.id).await.unwrap();
    assert_eq!(events[1].actor, "alice");
    assert_eq!(events[1].reason, "day-60 plan");
    assert_eq!(events[3].report.as_deref(), Some("r2"));
    assert_eq!(store.report_count().await.unwrap(), 6);
}
both_backends!(lifecycle_end_to_end, super::full_lifecycle);

async fn exception_expires(b: &Backend) {
    let store = &b.store;
    let r1 = scan(
        "r1",
        "db1",
        day(0),
        vec![finding(KESL, BOD, "dpkg-status")],
        &[],
        None,
    );
    ingest(store, &r1, day(0)).await;
    let f = finding_on(store, "db1", KESL).await;
    let exc = store
        .grant_exception(&f.id, "isolated lab host", "ciso", day(10), day(1), "alice")
        .await
        .unwrap();
    let held = store.finding(&f.id).await.unwrap();
    assert_eq!(
        (held.state, held.exception.as_deref()),
        (S::Excepted, Some(exc.id.as_str()))
    );
    // A scan that still shows the product keeps the exception.
    scan_on(
        store,
        "r2",
        "db1",
        5,
        vec![finding(KESL, BOD, "dpkg-status")],
    )
    .await;
    assert_eq!(store.finding(&f.id).await.unwrap().state, S::Excepted);
    assert_eq!(store.expire_exceptions(day(9), "system").await.unwrap(), 0);
    // After the expiry the finding reopens.
    assert_eq!(store.expire_exceptions(day(11), "system").await.unwrap(), 1);
    let reopened = store.finding(&f.id).await.unwrap();
    assert_eq!((reopened.state, reopened.exception), (S::Identified, None));
    let last = store.finding_history(&f.id).await.unwrap().pop().unwrap();
    assert_eq!(last.reason, format!("exception {} expired", exc.id));
    let listed = store.exceptions(Some(&f.id)).await.unwrap();
    assert_eq!(listed[0].closed_reason.as_deref(), Some("expired"));
    // Expiry is processed once.
    assert_eq!(store.expire_exceptions(day(12), "system").await.unwrap(), 0);

    // A revoked exception reopens its finding too, and cannot be revoked twice.
    let exc = store
        .grant_exception(&f.id, "vendor migration", "ciso", day(30), day(13), "alice")
        .await
        .unwrap();
    store
        .revoke_exception(&exc.id, day(14), "bob")
        .await
        .unwrap();
    assert_eq!(store.finding(&f.id).await.unwrap().state, S::Identified);
    assert!(
        store
            .revoke_exception(&exc.id, day(15), "bob")
            .await
            .is_err()
    );
    assert!(
        store
            .revoke_exception("nope", day(15), "bob")
            .await
            .is_err()
    );
    // An exception on a removed finding is refused.
    scan_on(store, "r3", "db1", 16, vec![]).await;
    let err = store
        .grant_exception(&f.id, "x", "y", day(40), day(17), "alice")
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot go from removed to excepted"),
        "{err}"
    );
}
both_backends!(exception_expiry_reopens, super::exception_expires);

async fn listings(b: &Backend) {
    let store = &b.store;
    for (i, host) in ["a1", "a2", "a3", "b1"].iter().enumerate() {
        let findings = if *host == "b1" {
            vec![]
        } else {
            vec![finding(KESL, BOD, "dpkg-status")]
        };
        ingest(
            store,
            &scan(&format!("r{i}"), host, day(i as i64), findings, &[], None),
            day(i as i64),
        )
        .await;
    }
    // Pages of two, then the rest, with an opaque cursor.
    let p1 = store.hosts(&Default::default(), None, 2).await.unwrap();
    assert_eq!(p1.items.len(), 2);
    let p2 = store
        .hosts(&Default::default(), p1.next.as_deref(), 2)
        .await
        .unwrap();
    assert_eq!(p2.items.len(), 2);
    assert!(p2.next.is_none());
    let json = serde_json::to_value(&p2).unwrap();
    assert!(json.get("items").is_some() && json["next"].is_null());
    let search = |s: &str| interdict_store::HostFilter {
        search: Some(s.into()),
        ..Default::default()
    };
    let found = store.hosts(&search("B1"), None, 10).await.unwrap().items;
    assert_eq!(
        found.iter().map(|h| h.name.as_str()).collect::<Vec<_>>(),
        ["b1"]
    );
    assert!(
        store
            .hosts(&search("zzz"), None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let stale = interdict_store::HostFilter {
        seen_before: Some(day(2)),
        os: Some("debian".into()),
        ..Default::default()
    };
    assert_eq!(store.hosts(&stale, None, 10).await.unwrap().items.len(), 2);
    let affected = interdict_store::HostFilter {
        state: Some(S::Identified),
        ..Default::default()
    };
    let affected = store.hosts(&affected, None, 10).await.unwrap();
    assert!(affected.items.iter().all(|h| h.open_findings == 1));
    assert_eq!(affected.items.len(), 3);
    let products = store.products(Some(BOD), None, 10).await.unwrap();
    assert_eq!(products.items.len(), 1);
    assert_eq!(
        (
            products.items[0].product.as_str(),
            products.items[0].endpoints
        ),
        (KESL, 3)
    );
    assert!(
        store
            .products(Some("other"), None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let by_dir = FindingFilter {
        directive: Some(BOD.into()),
        host: Some("machine-id:a2".into()),
        ..Default::default()
    };
    assert_eq!(
        store
            .findings(&by_dir, None, None, 10)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert!(
        store
            .hosts(&Default::default(), Some("zz-not-a-cursor"), 2)
            .await
            .is_err()
    );
}
both_backends!(paginated_listings, super::listings);
