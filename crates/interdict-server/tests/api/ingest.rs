//! The ingest contract of `POST /api/v1/reports`: 201 new, 200 duplicate (counted once),
//! 401, 413, 422, gzip bodies, and host credentials limited to their own host.

use crate::support::{Server, day, host_id, import, kaspersky, package};
use flate2::Compression;
use flate2::write::GzEncoder;
use interdict_server::Limits;
use interdict_store::Role;
use interdict_store::both_backends;
use interdict_store::testing::Backend;
use serde_json::json;
use std::io::Write;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip")
}

async fn new_and_duplicate(b: &Backend) {
    let s = Server::start(b).await;
    let analyst = s.token(Role::Analyst).await;
    let report = s.scan(
        "r-1",
        "alpha",
        1,
        vec![kaspersky("kesl"), kaspersky("kess")],
    );
    let first = s.send(&analyst, &report).await.expect(201, "a new report");
    assert_eq!(first["id"], "r-1", "the answer names the report: {first}");
    assert_eq!(first["outcome"], "created", "{first}");
    assert_eq!(
        (first["hosts"].as_u64(), first["findings"].as_u64()),
        (Some(1), Some(2)),
        "{first}"
    );
    let again = s
        .send(&analyst, &report)
        .await
        .expect(200, "the same report again");
    assert_eq!(again["outcome"], "duplicate", "{again}");
    assert_eq!(
        s.store.report_count().await.expect("count"),
        1,
        "a duplicate is stored once"
    );
    let findings = s.all(&analyst, "/findings", 100).await;
    assert_eq!(
        findings.len(),
        2,
        "a duplicate adds no finding: {findings:?}"
    );
    let scans = s
        .all(&analyst, &format!("/hosts/{}/scans", host_id("alpha")), 100)
        .await;
    assert_eq!(scans.len(), 1, "a duplicate adds no scan: {scans:?}");
    let doc = s
        .get(Some(&analyst), "/reports/r-1")
        .await
        .expect(200, "the stored document");
    assert_eq!(doc["id"], "r-1", "the document as received");

    let bytes = serde_json::to_vec(&report).expect("json");
    let none = s.post_raw(None, bytes.clone(), &[]).await;
    assert_eq!(none.status, 401, "no credential: {:?}", none);
    let bad = s.post_raw(Some("nope"), bytes, &[]).await;
    assert_eq!(bad.status, 401, "an unknown token: {:?}", bad);
    assert!(!none.error().is_empty() && !bad.error().is_empty());
}

async fn malformed(b: &Backend) {
    let s = Server::start(b).await;
    let admin = s.token(Role::Admin).await;
    let mut v2 = serde_json::to_value(s.scan("r-v2", "alpha", 1, vec![])).expect("json");
    v2["schema_version"] = json!("2.0");
    let cases: [(&str, Vec<u8>); 4] = [
        ("not JSON", b"this is not json".to_vec()),
        (
            "JSON that is not a report",
            br#"{"hello": "world"}"#.to_vec(),
        ),
        ("a JSON array", b"[1, 2, 3]".to_vec()),
        (
            "a newer major schema version",
            serde_json::to_vec(&v2).expect("json"),
        ),
    ];
    let audit = s.audit_len().await;
    for (what, bytes) in cases {
        let got = s.post_raw(Some(&admin), bytes, &[]).await;
        assert_eq!(got.status, 422, "{what}: {got:?}");
        assert!(
            got.error().contains("not a report"),
            "{what}: {}",
            got.error()
        );
    }
    let got = s
        .post_raw(Some(&admin), serde_json::to_vec(&v2).unwrap(), &[])
        .await;
    assert!(
        got.error().contains("2.0"),
        "the version is named: {}",
        got.error()
    );
    assert_eq!(s.audit_len().await, audit, "refused reports change nothing");
    assert_eq!(
        s.store.report_count().await.expect("count"),
        0,
        "nothing stored"
    );
}

async fn size_limit(b: &Backend) {
    let limit = 16 << 10;
    let limits = Limits {
        max_report_bytes: limit,
        ..Limits::default()
    };
    let s = Server::with_limits(b, limits).await;
    let admin = s.token(Role::Admin).await;
    let small = s.scan("r-small", "alpha", 1, vec![kaspersky("kesl")]);
    s.send(&admin, &small)
        .await
        .expect(201, "a report under the limit");

    let items = (0..400)
        .map(|i| package(&format!("package-number-{i}")))
        .collect();
    let mut big = crate::support::scan("r-big", "alpha", day(2), vec![], &[], Some(items));
    big.catalog.digest = s.digest.clone();
    let bytes = serde_json::to_vec(&big).expect("json");
    assert!(bytes.len() > limit, "the big report is over the limit");
    let got = s.post_raw(Some(&admin), bytes.clone(), &[]).await;
    assert_eq!(got.status, 413, "over the limit: {got:?}");
    assert!(
        got.error().contains(&limit.to_string()),
        "the limit is named: {}",
        got.error()
    );

    let packed = gzip(&bytes);
    assert!(packed.len() < limit, "compressed, it is under the limit");
    let got = s
        .post_raw(Some(&admin), packed, &[("content-encoding", "gzip")])
        .await;
    assert_eq!(
        got.status, 413,
        "the limit holds after gzip decoding: {got:?}"
    );
    assert_eq!(
        s.store.report_count().await.expect("count"),
        1,
        "only the small report"
    );
}

async fn gzip_body(b: &Backend) {
    let s = Server::start(b).await;
    let admin = s.token(Role::Admin).await;
    let report = s.scan("r-gz", "alpha", 1, vec![kaspersky("kesl")]);
    let packed = gzip(&serde_json::to_vec(&report).expect("json"));
    let got = s
        .post_raw(Some(&admin), packed, &[("content-encoding", "gzip")])
        .await;
    assert_eq!(got.expect(201, "a gzip body")["findings"], 1);
    let f = s.finding_of(&admin, "alpha", "kesl").await;
    assert_eq!(f["state"], "identified", "{f}");
}

async fn host_credentials(b: &Backend) {
    let s = Server::start(b).await;
    let admin = s.token(Role::Admin).await;
    let credential = s.enroll(&admin, "alpha").await;
    let who = s
        .get(Some(&credential), "/whoami")
        .await
        .expect(200, "whoami");
    assert_eq!(who["host_id"], host_id("alpha"), "{who}");

    let own = s.scan("r-own", "alpha", 1, vec![kaspersky("kesl")]);
    s.send(&credential, &own)
        .await
        .expect(201, "its own host's scan");
    let other = s.scan("r-other", "beta", 1, vec![kaspersky("kesl")]);
    let got = s.send(&credential, &other).await;
    assert_eq!(got.status, 403, "another host's scan: {got:?}");
    assert!(got.error().contains(&host_id("alpha")), "{}", got.error());
    let both = import(
        "r-import",
        day(2),
        vec![("alpha", vec![], vec![]), ("beta", vec![], vec![])],
    );
    let got = s.send(&credential, &both).await;
    assert_eq!(
        got.status, 403,
        "an import covering another host too: {got:?}"
    );
    let reads = s.get(Some(&credential), "/hosts").await;
    assert_eq!(
        reads.status, 403,
        "a host credential reads nothing: {reads:?}"
    );
    assert_eq!(
        s.store.report_count().await.expect("count"),
        1,
        "only its own report"
    );
    let beta = s
        .get(Some(&admin), &format!("/hosts/{}", host_id("beta")))
        .await;
    assert_eq!(beta.status, 404, "beta is unknown: {beta:?}");
}

both_backends!(created_then_duplicate, super::new_and_duplicate);
both_backends!(not_a_report_is_422, super::malformed);
both_backends!(too_large_is_413, super::size_limit);
both_backends!(gzip_accepted, super::gzip_body);
both_backends!(host_credential_own_host_only, super::host_credentials);
