//! As-of queries and milestone status over a history of several dates.

use crate::common::{Backend, both_backends, day, finding, finding_on, scan_on};
use interdict_catalog::Catalog;
use interdict_store::{FindingFilter, FindingState as S, MilestoneState as M, Plan};

const BOD: &str = "bod-17-01";

async fn as_of_history(b: &Backend) {
    let store = &b.store;
    let kesl = || vec![finding("kesl", BOD, "dpkg-status")];
    scan_on(store, "r1", "web1", 0, kesl()).await;
    let f = finding_on(store, "web1", "kesl").await;
    let plan = Plan {
        owner: "ops".into(),
        due: jiff::civil::date(2026, 1, 20),
        removal_method: "apt purge".into(),
    };
    store
        .plan_findings(std::slice::from_ref(&f.id), &plan, day(2), "alice", "plan")
        .await
        .unwrap();
    scan_on(store, "r2", "web1", 4, vec![]).await;
    scan_on(store, "r3", "web1", 6, vec![]).await;
    // A second host appears on day 5 and its product is removed on day 8 (the last removal).
    scan_on(store, "r4", "web2", 5, kesl()).await;
    scan_on(store, "r5", "web2", 8, vec![]).await;

    let view = |t| async move {
        let page = store
            .findings(&FindingFilter::default(), Some(t), None, 100)
            .await
            .unwrap();
        page.items
            .into_iter()
            .map(|f| (f.host_id, f.state))
            .collect::<Vec<_>>()
    };
    let w1 = || "machine-id:web1".to_string();
    let w2 = || "machine-id:web2".to_string();
    let mut now = view(day(9)).await;
    now.sort();
    assert_eq!(now, [(w1(), S::Verified), (w2(), S::Removed)]);
    // Before anything was known: nothing.
    assert!(view(day(-1)).await.is_empty());
    assert_eq!(view(day(1)).await, [(w1(), S::Identified)]);
    // Before the last removal (day 8): web2 still identified, web1 already removed.
    let mut before = view(day(7)).await;
    before.sort();
    assert_eq!(before, [(w1(), S::Verified), (w2(), S::Identified)]);
    let mut mid = view(day(5)).await;
    mid.sort();
    assert_eq!(mid, [(w1(), S::Removed), (w2(), S::Identified)]);
    // The as-of plan is the one recorded then.
    let planned = store
        .findings(
            &FindingFilter {
                state: Some(S::Planned),
                ..Default::default()
            },
            Some(day(3)),
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(planned.items.len(), 1);
    assert_eq!(planned.items[0].plan.as_ref(), Some(&plan));
    // The current view agrees with as-of now.
    let mut current: Vec<_> = store
        .findings(&FindingFilter::default(), None, None, 100)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|f| (f.host_id, f.state))
        .collect();
    current.sort();
    assert_eq!(current, now);
}
both_backends!(as_of_before_last_removal, super::as_of_history);

fn status(list: &[interdict_store::MilestoneStatus], deliverable: &str) -> M {
    list.iter()
        .find(|m| m.deliverable == deliverable && m.occurrence == 0)
        .unwrap_or_else(|| panic!("{deliverable} in {list:#?}"))
        .status
}

async fn milestone_rules(b: &Backend) {
    let store = &b.store;
    let catalog = Catalog::bundled().unwrap();
    // Day 0 = 2026-01-01: identification due on day 30, plan on day 60, removal on day 90.
    let act = store
        .activate(
            &catalog,
            BOD,
            Some(jiff::civil::date(2026, 1, 1)),
            day(0),
            "admin",
        )
        .await
        .unwrap();
    assert_eq!(act.start, jiff::civil::date(2026, 1, 1));
    assert!(
        store
            .activate(&catalog, "no-such-directive", None, day(0), "admin")
            .await
            .is_err()
    );

    scan_on(
        store,
        "r1",
        "web1",
        1,
        vec![finding("kesl", BOD, "dpkg-status")],
    )
    .await;
    // web2 is enrolled on day 2 but reports only on day 26.
    store
        .create_host_credential("machine-id:web2", day(2), "admin")
        .await
        .unwrap();
    scan_on(store, "r2", "web2", 26, vec![]).await;
    let f = finding_on(store, "web1", "kesl").await;
    let plan = Plan {
        owner: "ops".into(),
        due: jiff::civil::date(2026, 3, 1),
        removal_method: "apt".into(),
    };
    store
        .plan_findings(&[f.id], &plan, day(50), "alice", "plan")
        .await
        .unwrap();

    // Every status below is computed now, from the stored history, as of a past date.
    let catalog = &catalog;
    let at = |d| async move { store.milestones(catalog, day(d)).await.unwrap() };
    let d10 = at(10).await;
    assert_eq!(status(&d10, "identify-report"), M::NotYetDue);
    assert_eq!(status(&d10, "removal-plan"), M::NotYetDue);
    assert!(
        d10.iter()
            .any(|m| m.detail.contains("1 of 2 known hosts scanned")),
        "{d10:#?}"
    );
    assert_eq!(status(&at(25).await, "identify-report"), M::AtRisk);
    assert_eq!(status(&at(27).await, "identify-report"), M::Met);
    let d40 = at(40).await;
    assert_eq!(status(&d40, "identify-report"), M::Met);
    assert_eq!(status(&d40, "removal-plan"), M::NotYetDue);
    let d70 = at(70).await;
    assert_eq!(status(&d70, "removal-plan"), M::Met);
    assert_eq!(status(&d70, "begin-removal"), M::NotYetDue);
    let d100 = at(100).await;
    assert_eq!(status(&d100, "begin-removal"), M::Missed);
    // Recurring status points appear once due; none is met (no scan in their periods).
    let points: Vec<_> = at(160)
        .await
        .into_iter()
        .filter(|m| m.deliverable == "status-report")
        .collect();
    assert_eq!(points.len(), 2, "{points:#?}");
    assert_eq!(points[0].status, M::Missed);
}
both_backends!(milestones_from_history, super::milestone_rules);
