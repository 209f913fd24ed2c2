//! Store-level helpers of the store suite; the two-backend harness and the report
//! builders are shared with the server's suite in `interdict_store::testing`.

pub use interdict_store::both_backends;
pub use interdict_store::testing::*;

use interdict_findings::Report;
use interdict_store::Store;
use jiff::Timestamp;
use serde_json::Value;

/// Ingests `report` with its own findings at `at` as `actor` "host".
pub async fn ingest(
    store: &Store,
    report: &Report,
    at: Timestamp,
) -> interdict_store::IngestOutcome {
    let findings = interdict_store::findings_by_host(report).expect("findings by host");
    store
        .ingest(report, None, &findings, at, "host")
        .await
        .expect("ingest")
}

/// Ingests a clean scan `id` of host `name`, finished and received on day `d`.
pub async fn scan_on(
    store: &Store,
    id: &str,
    name: &str,
    d: i64,
    findings: Vec<Value>,
) -> interdict_store::IngestOutcome {
    ingest(store, &scan(id, name, day(d), findings, &[], None), day(d)).await
}

/// The finding of `product` on host `name`; panics when there is none.
pub async fn finding_on(
    store: &Store,
    name: &str,
    product: &str,
) -> interdict_store::FindingRecord {
    let host = format!("machine-id:{name}");
    store
        .finding_of(&host, product)
        .await
        .expect("finding_of")
        .unwrap_or_else(|| panic!("no {product} finding on {host}"))
}
