//! The deliverables' reads: hosts and findings as of an instant, the directive's event
//! history, and versioned plan details.

use crate::common::{Backend, both_backends, day, finding, finding_on, scan_on};
use interdict_store::{FindingState as S, HostAsOf, Plan, StoreError};
use serde_json::json;

const BOD: &str = "bod-17-01";

/// (host, [(product, state)]) of every known host.
fn states(hosts: &[HostAsOf]) -> Vec<(String, Vec<(String, S)>)> {
    hosts
        .iter()
        .map(|h| {
            let f = h
                .findings
                .iter()
                .map(|f| (f.product.clone(), f.state))
                .collect();
            (h.name.clone(), f)
        })
        .collect()
}

async fn fleet_as_of(b: &Backend) {
    let store = &b.store;
    let kesl = || vec![finding("kesl", BOD, "dpkg-status")];
    // web1: found day 0, planned day 2, removed day 4, verified day 6.
    scan_on(store, "r1", "web1", 0, kesl()).await;
    let f1 = finding_on(store, "web1", "kesl").await;
    let plan = Plan {
        owner: "ops".into(),
        due: jiff::civil::date(2026, 1, 20),
        removal_method: "apt purge".into(),
    };
    store
        .plan_findings(std::slice::from_ref(&f1.id), &plan, day(2), "alice", "plan")
        .await
        .unwrap();
    scan_on(store, "r2", "web1", 4, vec![]).await;
    scan_on(store, "r3", "web1", 6, vec![]).await;
    // web2: found day 1, excepted day 3 until day 20; a finding of another directive only.
    scan_on(
        store,
        "r4",
        "web2",
        1,
        vec![
            kesl().remove(0),
            finding("tiktok", "omb-m-23-13", "dpkg-status"),
        ],
    )
    .await;
    let f2 = finding_on(store, "web2", "kesl").await;
    store
        .grant_exception(&f2.id, "lab analysis", "ciso", day(20), day(3), "alice")
        .await
        .unwrap();
    // web9: enrolled on day 2, never reported.
    store
        .create_host_credential("machine-id:web9", day(2), "admin")
        .await
        .unwrap();

    let at = |d| async move { store.hosts_as_of(BOD, day(d)).await.unwrap() };
    assert!(
        at(-1).await.is_empty(),
        "nothing known before the first report"
    );
    let d1 = at(1).await;
    assert_eq!(
        states(&d1),
        [
            ("web1".into(), vec![("kesl".into(), S::Identified)]),
            ("web2".into(), vec![("kesl".into(), S::Identified)]),
        ],
        "the other directive's finding is left out"
    );
    assert_eq!(d1[0].last_report.as_deref(), Some("r1"));
    assert_eq!(d1[0].last_scan, Some(day(0)));
    assert_eq!(d1[0].coverage.ran, ["dpkg-status", "files"]);
    assert_eq!(d1[0].findings[0].evidence_kinds, ["package"]);
    assert_eq!(d1[0].findings[0].confidence, "confirmed");

    let d3 = at(3).await;
    assert_eq!(
        states(&d3),
        [
            ("web1".into(), vec![("kesl".into(), S::Planned)]),
            ("web2".into(), vec![("kesl".into(), S::Excepted)]),
            ("machine-id:web9".into(), vec![]),
        ]
    );
    assert_eq!(d3[0].findings[0].plan.as_ref(), Some(&plan));
    let e = d3[1].findings[0]
        .exception
        .as_ref()
        .expect("the exception then");
    assert_eq!((e.approver.as_str(), e.expires), ("ciso", day(20)));
    assert_eq!(
        d3[2].last_scan, None,
        "an enrolled host that never reported"
    );
    // Before the last removal (day 6): removed, not yet verified; the last scan then is r2.
    let d5 = at(5).await;
    assert_eq!(d5[0].findings[0].state, S::Removed);
    assert_eq!(d5[0].last_report.as_deref(), Some("r2"));
    assert_eq!(at(7).await[0].findings[0].state, S::Verified);

    // The exception expires: the finding reopens, and no exception holds any more.
    store.expire_exceptions(day(21), "system").await.unwrap();
    let d22 = at(22).await;
    assert_eq!(d22[1].findings[0].state, S::Identified);
    assert!(d22[1].findings[0].exception.is_none());
    // ... while the view of day 10 still shows it.
    assert!(at(10).await[1].findings[0].exception.is_some());

    let events = store.directive_events(BOD, day(5)).await.unwrap();
    let of_web1: Vec<S> = events
        .iter()
        .filter(|e| e.finding == f1.id)
        .map(|e| e.to)
        .collect();
    assert_eq!(of_web1, [S::Identified, S::Planned, S::Removed]);
    assert!(events.iter().all(|e| e.at <= day(5)));
    assert_eq!(store.reports_received_by(day(4)).await.unwrap(), 3);
}

async fn plan_details_are_versioned(b: &Backend) {
    let store = &b.store;
    assert!(store.plan_details(BOD, None).await.unwrap().is_none());
    let v1 = json!({"agency": "Department of Examples"});
    let v2 = json!({"agency": "Department of Examples", "costs": "USD 12,000"});
    let s1 = store
        .save_plan_details(BOD, &v1, day(1), "alice")
        .await
        .unwrap();
    let s2 = store
        .save_plan_details(BOD, &v2, day(3), "bob")
        .await
        .unwrap();
    assert_eq!((s1.version, s2.version), (1, 2));
    let now = store.plan_details(BOD, None).await.unwrap().unwrap();
    assert_eq!(
        (now.version, now.details, now.saved_by.as_str()),
        (2, v2, "bob")
    );
    let then = store
        .plan_details(BOD, Some(day(2)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((then.version, then.details), (1, v1));
    assert!(
        store
            .plan_details(BOD, Some(day(0)))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.plan_details("other", None).await.unwrap().is_none());
    let bad = store
        .save_plan_details(BOD, &json!(["not", "an", "object"]), day(4), "eve")
        .await;
    assert!(matches!(bad, Err(StoreError::Invalid(_))), "{bad:?}");
    let audit = store.audit_entries(None, 100).await.unwrap().items;
    let saves: Vec<_> = audit
        .iter()
        .filter(|a| a.action == "plan-details.save")
        .map(|a| (a.actor.as_str(), a.subject.as_str()))
        .collect();
    assert_eq!(saves, [("alice", BOD), ("bob", BOD)]);
    assert!(store.verify_audit().await.unwrap().intact());
}

both_backends!(fleet_as_of_a_date, super::fleet_as_of);
both_backends!(plan_details_versions, super::plan_details_are_versioned);
