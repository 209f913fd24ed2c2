//! Imports (many hosts), SBOM reports, out-of-order scans and the overview.

use crate::common::{
    Backend, both_backends, day, finding, finding_on, import, ingest, package, sbom, scan, scan_on,
};
use interdict_store::{FindingState as S, IngestOutcome};

async fn import_report(b: &Backend) {
    let store = &b.store;
    let kesl = || vec![finding("kesl", "bod-17-01", "intune")];
    let r = import(
        "imp1",
        day(0),
        vec![
            ("ws1", kesl(), vec![package("kesl")]),
            ("ws2", vec![], vec![package("bash")]),
            ("ws3", kesl(), vec![package("kesl")]),
        ],
    );
    let out = ingest(store, &r, day(0)).await;
    assert_eq!(
        out,
        IngestOutcome::Created {
            hosts: 3,
            findings: 2,
            changes: 2
        }
    );
    let hosts = store
        .hosts(&Default::default(), None, 10)
        .await
        .unwrap()
        .items;
    assert_eq!(
        hosts.iter().map(|h| h.open_findings).collect::<Vec<_>>(),
        [1, 0, 1]
    );
    // Identical inventories of ws1 and ws3 are stored once.
    let inv = store
        .inventories_for_reevaluation(None, 10)
        .await
        .unwrap()
        .items;
    assert_eq!(inv.len(), 2);
    assert!(inv.iter().any(|i| i.hosts.len() == 2));
    // The next import no longer lists kesl on ws1: an import lists no collectors, so the
    // absence is clean and verified on the import after that.
    ingest(
        store,
        &import("imp2", day(1), vec![("ws1", vec![], vec![])]),
        day(1),
    )
    .await;
    ingest(
        store,
        &import("imp3", day(2), vec![("ws1", vec![], vec![])]),
        day(2),
    )
    .await;
    let f = finding_on(store, "ws1", "kesl").await;
    assert_eq!(f.state, S::Verified);
    // A finding naming no host of the report is refused, and nothing is stored.
    let mut bad = import("imp4", day(3), vec![("ws9", vec![], vec![])]);
    let mut stray = bad.clone();
    stray.findings =
        serde_json::from_value(serde_json::json!([finding("kesl", "bod-17-01", "intune")]))
            .unwrap();
    stray.findings[0].host = Some("nobody".into());
    stray.findings[0].host_id = Some("machine-id:nobody".into());
    assert!(interdict_store::findings_by_host(&stray).is_err());
    let mut map = interdict_store::findings_by_host(&bad).unwrap();
    map.insert("machine-id:nobody".into(), vec![]);
    bad.id = "imp5".into();
    assert!(store.ingest(&bad, None, &map, day(3), "x").await.is_err());
    assert_eq!(store.report_count().await.unwrap(), 3);
}
both_backends!(import_of_many_hosts, super::import_report);

async fn sbom_report(b: &Backend) {
    let store = &b.store;
    let r = sbom(
        "s1",
        day(0),
        vec![
            (
                "appliance.cdx.json",
                "urn:uuid:AAA",
                vec![finding("kav-sdk", "bod-17-01", "cyclonedx")],
            ),
            ("gateway.spdx.json", "", vec![]),
        ],
    );
    ingest(store, &r, day(0)).await;
    let hosts = store
        .hosts(&Default::default(), None, 10)
        .await
        .unwrap()
        .items;
    let ids: Vec<&str> = hosts.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["sbom:gateway.spdx.json", "sbom:urn:uuid:aaa"]);
    assert!(
        store
            .finding_of("sbom:urn:uuid:aaa", "kav-sdk")
            .await
            .unwrap()
            .is_some()
    );
}
both_backends!(sbom_documents_as_units, super::sbom_report);

async fn out_of_order(b: &Backend) {
    let store = &b.store;
    let kesl = || vec![finding("kesl", "bod-17-01", "dpkg-status")];
    scan_on(store, "new", "web1", 5, vec![]).await;
    // An older scan delivered late: kept in the history, but it moves nothing.
    let late = ingest(
        store,
        &scan("old", "web1", day(1), kesl(), &[], None),
        day(6),
    )
    .await;
    assert_eq!(
        late,
        IngestOutcome::Created {
            hosts: 1,
            findings: 1,
            changes: 0
        }
    );
    assert!(
        store
            .finding_of("machine-id:web1", "kesl")
            .await
            .unwrap()
            .is_none()
    );
    let host = store.host("machine-id:web1").await.unwrap().unwrap();
    assert_eq!(host.last_report, "new");
    assert_eq!(host.last_seen, day(6));
    assert!(store.host("machine-id:nobody").await.unwrap().is_none());
    // The scan history keeps both, newest received first, paginated.
    let first = store.scans("machine-id:web1", None, 1).await.unwrap();
    assert_eq!(
        (first.items[0].report.as_str(), first.items[0].applied),
        ("old", false)
    );
    let rest = store
        .scans("machine-id:web1", first.next.as_deref(), 1)
        .await
        .unwrap();
    assert_eq!(
        (rest.items[0].report.as_str(), rest.items[0].applied),
        ("new", true)
    );
    assert_eq!(rest.items[0].coverage.ran, ["dpkg-status", "files"]);
    assert!(rest.next.is_none());
}
both_backends!(older_scans_delivered_late_move_nothing, super::out_of_order);

async fn overview(b: &Backend) {
    let store = &b.store;
    let kesl = || vec![finding("kesl", "bod-17-01", "dpkg-status")];
    scan_on(store, "r1", "a", 0, kesl()).await;
    scan_on(store, "r2", "b", 1, kesl()).await;
    scan_on(store, "r3", "a", 2, vec![]).await;
    let now = store.overview(day(3), None).await.unwrap();
    assert_eq!((now.hosts, now.affected_hosts, now.reports), (2, 1, 3));
    assert_eq!(now.findings, [(S::Identified, 1), (S::Removed, 1)].into());
    let then = store.overview(day(1), None).await.unwrap();
    assert_eq!((then.hosts, then.affected_hosts, then.reports), (2, 2, 2));
    assert_eq!(then.findings, [(S::Identified, 2)].into());
    let other = store
        .overview(day(3), Some("another-directive"))
        .await
        .unwrap();
    assert!(other.findings.is_empty() && other.affected_hosts == 0);
}
both_backends!(overview_now_and_as_of, super::overview);
