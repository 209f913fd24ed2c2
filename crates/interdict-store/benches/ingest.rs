//! Store load figures: ingest rate of scan reports carrying 1,500-item inventories, p95
//! latency of the listing queries, fleet re-evaluation time and database size, on SQLite
//! and (when reachable) PostgreSQL.
//!
//! `cargo bench -p interdict-store --bench ingest` (env: `STORE_BENCH_HOSTS`, default
//! 500; `STORE_BENCH_ITEMS`, default 1500; `INTERDICT_TEST_PG`, default
//! `postgres://root@127.0.0.1:5432/test`, where a scratch database is created and dropped).

use interdict_findings::Report;
use interdict_store::{FindingFilter, Store, findings_by_host};
use jiff::Timestamp;
use serde_json::{Value, json};
use sqlx::Connection;
use std::time::{Duration, Instant};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Host `h`'s scan: `items` packages (a distinct inventory per host), one in ten hosts
/// with a Kaspersky finding.
fn report(h: usize, items: usize, at: Timestamp) -> Report {
    let inventory: Vec<Value> = (0..items)
        .map(|i| {
            // Item 0's version is the host's own, so every inventory is distinct.
            let version = if i == 0 {
                format!("{h}")
            } else {
                format!("1.{}", i % 7)
            };
            json!({"kind": "package", "name": format!("pkg-{i}"), "version": version,
                "location": "var/lib/dpkg/status", "collector": "dpkg-status", "state": "active"})
        })
        .collect();
    let findings: Vec<Value> = if h.is_multiple_of(10) {
        vec![
            json!({"vendor": "kaspersky", "product": "kesl", "product_name": "Kaspersky Endpoint Security for Linux",
            "family": "endpoint", "distribution": "branded", "confidence": "confirmed", "directives": ["bod-17-01"],
            "evidence": [{"kind": "package", "location": "var/lib/dpkg/status", "name": "kesl", "state": "active",
                "collector": "dpkg-status", "indicator": "kesl-package", "indicators": ["kesl-package"],
                "indicator_kind": "package", "pattern": "kesl", "weight": "strong", "source": "https://support.kaspersky.com/"}]}),
        ]
    } else {
        vec![]
    };
    let doc = json!({
        "schema_version": "1.1", "id": format!("bench-{h}"),
        "tool": {"name": "interdict", "version": "0.1.0"}, "source": "scan",
        "catalog": {"version": "2026.12.1", "digest": "sha256:00"},
        "started": at.to_string(), "finished": at.to_string(),
        "host": {"id": format!("machine-id:{h:08x}"), "name": format!("host-{h}"),
            "os": {"platform": "linux", "id": "debian", "version": "12", "name": "Debian 12"}},
        "summary": {"confirmed": findings.len(), "probable": 0, "possible": 0},
        "findings": findings, "errors": [],
        "collectors": [{"id": "dpkg-status", "items": items, "errors": 0, "millis": 5}],
        "inventory": inventory
    });
    Report::from_json(&serde_json::to_vec(&doc).expect("json"), "bench").expect("report")
}

/// The 95th percentile of 40 timed calls of `f`.
async fn p95_of(mut f: impl AsyncFnMut()) -> Duration {
    let mut samples = Vec::new();
    for _ in 0..40 {
        let t = Instant::now();
        f().await;
        samples.push(t.elapsed());
    }
    samples.sort();
    samples[samples.len() * 95 / 100]
}

async fn run(store: &Store, hosts: usize, items: usize, size: impl AsyncFnOnce() -> u64) {
    let at: Timestamp = "2026-12-01T00:00:00Z".parse().expect("time");
    let reports: Vec<Report> = (0..hosts).map(|h| report(h, items, at)).collect();
    let start = Instant::now();
    for r in &reports {
        let f = findings_by_host(r).expect("findings");
        store
            .ingest(r, None, &f, at, "bench")
            .await
            .expect("ingest");
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "  ingest: {hosts} reports in {secs:.2} s = {:.1} reports/s, {:.0} items/s",
        hosts as f64 / secs,
        (hosts * items) as f64 / secs
    );
    let f = FindingFilter {
        directive: Some("bod-17-01".into()),
        ..Default::default()
    };
    let overview = p95_of(async || drop(store.overview(at, None).await.expect("overview"))).await;
    let host_list = p95_of(async || {
        drop(
            store
                .hosts(&Default::default(), None, 50)
                .await
                .expect("hosts"),
        )
    })
    .await;
    let finding_list =
        p95_of(async || drop(store.findings(&f, None, None, 50).await.expect("findings"))).await;
    let products =
        p95_of(async || drop(store.products(None, None, 50).await.expect("products"))).await;
    println!(
        "  p95: overview {overview:?}, hosts {host_list:?}, findings {finding_list:?}, products {products:?}"
    );
    // Re-evaluation: every distinct stored inventory read back, a trivial match, and the
    // findings replaced on every host holding it.
    let t = Instant::now();
    let (mut cursor, mut groups, mut host_count) = (None, 0, 0);
    loop {
        let page = store
            .inventories_for_reevaluation(cursor.as_deref(), 100)
            .await
            .expect("inv");
        let mut batch = Vec::new();
        for g in &page.items {
            groups += 1;
            let parsed: Vec<Value> = serde_json::from_str(&g.json).expect("json");
            let hit = parsed.iter().any(|i| i["name"] == "pkg-1499");
            for h in &g.hosts {
                let f = if hit {
                    report(0, 0, at).findings
                } else {
                    vec![]
                };
                batch.push((h.id.clone(), f));
            }
        }
        host_count += batch.len();
        store
            .replace_findings_batch(&batch, at, "bench")
            .await
            .expect("replace");
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    println!(
        "  re-evaluation: {groups} distinct inventories, {host_count} hosts in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    println!(
        "  database size: {:.1} MiB",
        size().await as f64 / 1048576.0
    );
}

#[tokio::main]
async fn main() {
    let hosts = env("STORE_BENCH_HOSTS", 500);
    let items = env("STORE_BENCH_ITEMS", 1500);
    println!("store bench: {hosts} hosts x {items} inventory items");
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_data_dir(dir.path()).await.expect("sqlite");
    println!("sqlite:");
    let path = dir.path().to_path_buf();
    run(&store, hosts, items, async || {
        std::fs::read_dir(&path)
            .map(|d| {
                d.flatten()
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    })
    .await;
    store.close().await;

    let admin = std::env::var("INTERDICT_TEST_PG")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".into());
    let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await else {
        println!("postgres: not reachable at {admin}, skipped");
        return;
    };
    let name = format!("interdict_bench_{}", uuid::Uuid::new_v4().simple());
    let q = |sql: String| sqlx::query(sqlx::AssertSqlSafe(sql));
    q(format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create");
    let url = format!("{}/{name}", admin.rsplit_once('/').expect("url").0);
    let store = Store::connect(&url).await.expect("postgres");
    println!("postgres:");
    run(&store, hosts, items, async || {
        let mut c = sqlx::PgConnection::connect(&url).await.expect("pg");
        let (n,): (i64,) = sqlx::query_as("SELECT pg_database_size(current_database())")
            .fetch_one(&mut c)
            .await
            .expect("size");
        n as u64
    })
    .await;
    store.close().await;
    let _ = q(format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await;
}
