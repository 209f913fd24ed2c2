//! Scale-out: two `interdict serve` processes on one PostgreSQL database ingest
//! concurrently — two client threads per server, 40 reports of distinct hosts per
//! server, plus the same 10 reports sent by every thread at once — and then agree on
//! every count, each shared report stored once.

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Barrier};
use support::server::*;

/// Reports of distinct hosts per server.
const EACH: usize = 40;
/// Reports every client thread sends.
const SHARED: usize = 10;
/// Client threads per server.
const THREADS: usize = 2;

/// Posts `shared` (after every poster reached the barrier) then `own`; returns each
/// report id's status.
fn post_all(
    api: Api,
    shared: Vec<Value>,
    own: Vec<Value>,
    start: Arc<Barrier>,
) -> Vec<(String, u16)> {
    start.wait();
    shared
        .iter()
        .chain(own.iter())
        .map(|doc| {
            let (status, body) = api.post("/reports", doc);
            assert!(
                status == 200 || status == 201,
                "POST /reports: {status} {body}"
            );
            (doc["id"].as_str().unwrap().to_string(), status)
        })
        .collect()
}

/// What one server says about the fleet.
#[derive(Debug, PartialEq)]
struct FleetView {
    /// Host ids.
    hosts: Vec<String>,
    /// (host, product, state) of every finding.
    findings: Vec<(String, String, String)>,
    /// (product, endpoints) of every product.
    products: Vec<(String, i64)>,
}

/// Reads the fleet through `api`, sorted.
fn view(api: &Api) -> FleetView {
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
    FleetView {
        hosts,
        findings,
        products,
    }
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

    let start = Arc::new(Barrier::new(2 * THREADS));
    let posters: Vec<_> = [(&a, own_a), (&b, own_b)]
        .into_iter()
        .flat_map(|(server, own)| {
            let halves: Vec<Vec<Value>> = own.chunks(EACH / THREADS).map(<[_]>::to_vec).collect();
            halves.into_iter().map(|own| {
                let api = Api::new(server, &token);
                let (shared, start) = (shared.clone(), start.clone());
                std::thread::spawn(move || post_all(api, shared, own, start))
            })
        })
        .collect();
    let results: Vec<Vec<(String, u16)>> = posters.into_iter().map(|t| t.join().unwrap()).collect();

    // Each distinct report was new; each shared one was new exactly once, whichever
    // server and thread won.
    let mut statuses: BTreeMap<String, Vec<u16>> = BTreeMap::new();
    for (id, status) in results.iter().flatten() {
        statuses.entry(id.clone()).or_default().push(*status);
    }
    assert_eq!(statuses.len(), 2 * EACH + SHARED, "distinct report ids");
    for doc in &shared {
        let mut s = statuses[doc["id"].as_str().unwrap()].clone();
        s.sort();
        let mut want = vec![200; 2 * THREADS - 1];
        want.push(201);
        assert_eq!(
            s, want,
            "a shared report must be created once, then duplicates"
        );
    }
    let created = results.iter().flatten().filter(|(_, s)| *s == 201).count();
    assert_eq!(created, 2 * EACH + SHARED, "201 answers in all");

    // Both servers see the same fleet: every host once, one kesl finding per host.
    let (api_a, api_b) = (Api::new(&a, &token), Api::new(&b, &token));
    let seen_a = view(&api_a);
    let seen_b = view(&api_b);
    assert_eq!(seen_a, seen_b, "the two servers disagree");
    let FleetView {
        hosts,
        findings,
        products,
    } = seen_a;
    assert_eq!(hosts.len(), 2 * EACH + SHARED, "hosts");
    assert_eq!(
        findings.len(),
        2 * EACH + SHARED,
        "one kesl finding per host"
    );
    assert!(
        findings
            .iter()
            .all(|(_, p, s)| p == "kesl" && s == "identified"),
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
            assert_eq!(
                scans.len(),
                1,
                "shared report stored once for {host}: {scans:#?}"
            );
        }
    }
    let (code, out, err) = admin(&db, &["audit-verify"]);
    assert_eq!(code, 0, "audit chain after concurrent ingest: {out}{err}");
}
