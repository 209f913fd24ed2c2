//! Scale-out: two `interdict serve` processes on one PostgreSQL database ingest
//! concurrently — 40 reports of distinct hosts each, plus the same 10 reports sent to
//! both at once — and then agree on every count, each shared report stored once.

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Barrier};
use support::server::*;

const EACH: usize = 40;
const SHARED: usize = 10;

/// Posts `shared` (after every poster reached the barrier) then `own`; returns each
/// report id's status.
fn post_all(api: Api, shared: Vec<Value>, own: Vec<Value>, start: Arc<Barrier>) -> Vec<(String, u16)> {
    start.wait();
    shared
        .iter()
        .chain(own.iter())
        .map(|doc| {
            let (status, body) = api.post("/reports", doc);
            assert!(status == 200 || status == 201, "POST /reports: {status} {body}");
            (doc["id"].as_str().unwrap().to_string(), status)
        })
        .collect()
}

/// What one server says about the fleet: host ids, (host, product, state) of every
/// finding, (product, endpoints) of every product.
fn view(api: &Api) -> (Vec<String>, Vec<(String, String, String)>, Vec<(String, i64)>) {
    let field = |v: &Value, k: &str| v[k].as_str().unwrap().to_string();
    let mut hosts: Vec<String> = api.all("/hosts").iter().map(|h| field(h, "id")).collect();
    hosts.sort();
    let mut findings: Vec<_> = api
        .all("/findings")
        .iter()
        .map(|f| (field(f, "host_id"), field(f, "product"), field(f, "state")))
        .collect();
    findings.sort();
    let mut products: Vec<_> = api
        .all("/products")
        .iter()
        .map(|p| (field(p, "product"), p["endpoints"].as_i64().unwrap()))
        .collect();
    products.sort();
    (hosts, findings, products)
}

#[test]
fn two_servers_on_one_postgres_database_ingest_concurrently_and_agree() {
    let db = Db::postgres();
    let a = Server::start(&db, &[]);
    let b = Server::start(&db, &[]);
    let token = token(&db, "analyst");

    let base = kesl_report();
    let shared: Vec<Value> = (0..SHARED).map(|n| host_variant(&base, n)).collect();
    let own_a: Vec<Value> = (0..EACH).map(|n| host_variant(&base, 100 + n)).collect();
    let own_b: Vec<Value> = (0..EACH).map(|n| host_variant(&base, 200 + n)).collect();

    let start = Arc::new(Barrier::new(2));
    let posters: Vec<_> = [(&a, own_a), (&b, own_b)]
        .into_iter()
        .map(|(server, own)| {
            let api = Api::new(server, &token);
            let (shared, start) = (shared.clone(), start.clone());
            std::thread::spawn(move || post_all(api, shared, own, start))
        })
        .collect();
    let results: Vec<Vec<(String, u16)>> = posters.into_iter().map(|t| t.join().unwrap()).collect();

    // Each distinct report was new; each shared one was new on exactly one server.
    let mut statuses: BTreeMap<String, Vec<u16>> = BTreeMap::new();
    for (id, status) in results.iter().flatten() {
        statuses.entry(id.clone()).or_default().push(*status);
    }
    assert_eq!(statuses.len(), 2 * EACH + SHARED, "distinct report ids");
    for doc in &shared {
        let mut s = statuses[doc["id"].as_str().unwrap()].clone();
        s.sort();
        assert_eq!(s, [200, 201], "a shared report must be created once, a duplicate once");
    }
    let created = results.iter().flatten().filter(|(_, s)| *s == 201).count();
    assert_eq!(created, 2 * EACH + SHARED, "201 answers in all");

    // Both servers see the same fleet: every host once, one kesl finding per host.
    let (api_a, api_b) = (Api::new(&a, &token), Api::new(&b, &token));
    let seen_a = view(&api_a);
    let seen_b = view(&api_b);
    assert_eq!(seen_a, seen_b, "the two servers disagree");
    let (hosts, findings, products) = seen_a;
    assert_eq!(hosts.len(), 2 * EACH + SHARED, "hosts");
    assert_eq!(findings.len(), 2 * EACH + SHARED, "one kesl finding per host");
    assert!(
        findings.iter().all(|(_, p, s)| p == "kesl" && s == "identified"),
        "{findings:#?}"
    );
    assert_eq!(
        products,
        [("kesl".to_string(), (2 * EACH + SHARED) as i64)],
        "endpoint count of kesl"
    );
    for doc in &shared {
        let host = doc["host"]["id"].as_str().unwrap();
        for api in [&api_a, &api_b] {
            let scans = api.all(&format!("/hosts/{host}/scans"));
            assert_eq!(scans.len(), 1, "shared report stored once for {host}: {scans:#?}");
        }
    }
    let (code, out, err) = admin(&db, &["audit-verify"]);
    assert_eq!(code, 0, "audit chain after concurrent ingest: {out}{err}");
}
