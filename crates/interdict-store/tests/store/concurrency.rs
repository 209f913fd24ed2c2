//! Concurrent ingest from two stores on one database (two server processes): every report
//! counted once, both agree on the result, the audit chain stays a chain.

use crate::common::{Backend, both_backends, day, finding, ingest, scan};
use interdict_store::{FindingFilter, IngestOutcome, Store};
use std::collections::BTreeSet;

const HOSTS: usize = 6;
const SCANS: usize = 4;

/// Scan `k` of host `h` shows product `p{k % 2}` and, for odd hosts, always `kesl`.
fn report(h: usize, k: usize) -> interdict_findings::Report {
    let mut found = vec![finding(&format!("p{}", k % 2), "bod-17-01", "dpkg-status")];
    if h % 2 == 1 {
        found.push(finding("kesl", "bod-17-01", "dpkg-status"));
    }
    let finished = day(k as i64) + jiff::SignedDuration::from_secs(h as i64);
    scan(
        &format!("r-{h}-{k}"),
        &format!("host{h}"),
        finished,
        found,
        &[],
        None,
    )
}

async fn concurrent(b: &Backend) {
    let one = b.store.clone();
    let two: Store = b.second().await;
    let mut tasks = Vec::new();
    // Every report is sent by both "processes" at once (a retry racing the original).
    for h in 0..HOSTS {
        for k in 0..SCANS {
            for store in [one.clone(), two.clone()] {
                tasks.push(tokio::spawn(async move {
                    ingest(&store, &report(h, k), day(k as i64)).await
                }));
            }
        }
    }
    let mut created = 0;
    for t in tasks {
        if matches!(t.await.expect("task"), IngestOutcome::Created { .. }) {
            created += 1;
        }
    }
    assert_eq!(
        created,
        HOSTS * SCANS,
        "each report id created exactly once"
    );
    for s in [&one, &two] {
        assert_eq!(s.report_count().await.unwrap(), (HOSTS * SCANS) as i64);
    }
    // Both agree, and each host's current state is its newest scan's.
    let all = FindingFilter::default();
    let view = |s: Store| {
        let all = all.clone();
        async move {
            let items = s.findings(&all, None, None, 1000).await.unwrap().items;
            items
                .into_iter()
                .map(|f| (f.host_id, f.product, f.state.is_present()))
                .collect::<BTreeSet<_>>()
        }
    };
    let (v1, v2) = (view(one.clone()).await, view(two.clone()).await);
    assert_eq!(v1, v2);
    let newest = SCANS - 1;
    for h in 0..HOSTS {
        let host = one
            .host(&format!("machine-id:host{h}"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(host.last_report, format!("r-{h}-{newest}"));
        let present: BTreeSet<String> = v1
            .iter()
            .filter(|(id, _, present)| *id == host.id && *present)
            .map(|(_, p, _)| p.clone())
            .collect();
        let mut expected: BTreeSet<String> = [format!("p{}", newest % 2)].into();
        if h % 2 == 1 {
            expected.insert("kesl".into());
        }
        assert_eq!(present, expected, "host{h}");
    }
    let audit = two.verify_audit().await.unwrap();
    assert!(audit.intact(), "{audit:?}");
    assert_eq!(audit.entries, (HOSTS * SCANS) as i64);
    two.close().await;
}
both_backends!(concurrent_ingest_from_two_processes, super::concurrent);
