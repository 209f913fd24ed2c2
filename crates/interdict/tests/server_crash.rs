//! `kill -9` during sustained ingest loses nothing that was acknowledged: client threads
//! post reports of distinct hosts continuously and record every id answered 201/200; the
//! server is killed mid-way and restarted on the same database (SQLite data dir, then
//! PostgreSQL); every acknowledged report is there, the in-flight ones can be retried,
//! and the audit chain verifies.

mod support;

use serde_json::Value;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::server::*;

/// Client threads posting at once.
const POSTERS: usize = 2;
/// Reports acknowledged before the kill.
const ACKED_BEFORE_KILL: usize = 30;
/// Longest the ingest runs (the kill normally comes much sooner).
const INGEST_LIMIT: Duration = Duration::from_secs(15);

/// What the posters saw.
#[derive(Default)]
struct Log {
    /// Ids answered 201 or 200.
    acked: Mutex<Vec<String>>,
    /// The report each poster had in flight when the server went away.
    in_flight: Mutex<Vec<Value>>,
    /// Set just before the kill: a transport error before it is a failure.
    killed: AtomicBool,
    /// Reports attempted.
    attempts: AtomicUsize,
}

/// Posts distinct-host variants of `base` until the server goes away or the time is up.
fn poster(api: Api, base: Value, first: usize, log: Arc<Log>) {
    let until = Instant::now() + INGEST_LIMIT;
    for n in first.. {
        if Instant::now() > until {
            return;
        }
        let doc = host_variant(&base, n);
        log.attempts.fetch_add(1, Ordering::SeqCst);
        match api.try_post_bytes("/reports", serde_json::to_vec(&doc).unwrap()) {
            Ok((200 | 201, _)) => {
                let id = doc["id"].as_str().unwrap().to_string();
                log.acked.lock().unwrap().push(id);
            }
            Ok((status, body)) => panic!("POST /reports answered {status}: {body}"),
            Err(e) => {
                assert!(
                    log.killed.load(Ordering::SeqCst),
                    "transport error before the kill: {e}"
                );
                log.in_flight.lock().unwrap().push(doc);
                return;
            }
        }
    }
}

/// Ingest, `kill -9`, restart on `db`, check.
fn acknowledged_reports_survive_sigkill(db: Db) {
    let mut server = Server::start(&db, &[]);
    let token = token(&db, "analyst");
    let base = kesl_report();
    let log = Arc::new(Log::default());
    let posters: Vec<_> = (0..POSTERS)
        .map(|i| {
            let (api, base, log) = (Api::new(&server, &token), base.clone(), log.clone());
            std::thread::spawn(move || poster(api, base, i * 1_000_000, log))
        })
        .collect();
    poll(INGEST_LIMIT, "reports to be acknowledged", || {
        (log.acked.lock().unwrap().len() >= ACKED_BEFORE_KILL).then_some(())
    });
    log.killed.store(true, Ordering::SeqCst);
    server.kill9();
    for p in posters {
        p.join().expect("a poster failed");
    }
    let acked = log.acked.lock().unwrap().clone();
    let attempts = log.attempts.load(Ordering::SeqCst);
    assert!(acked.len() >= ACKED_BEFORE_KILL);

    let server = Server::start(&db, &[]);
    let api = Api::new(&server, &token);
    for id in &acked {
        let (status, doc) = api.get(&format!("/reports/{id}"));
        assert_eq!(
            status, 200,
            "acknowledged report {id} lost after kill -9: {doc}"
        );
        assert_eq!(
            doc["id"],
            id.as_str(),
            "GET /reports/{id} answered another document"
        );
    }
    let hosts = api.all("/hosts").len();
    assert!(
        hosts >= acked.len() && hosts <= attempts,
        "{hosts} hosts after {} acknowledged of {attempts} attempted reports",
        acked.len()
    );
    // A report that was in flight was either stored whole or not at all: its retry is
    // a duplicate (200) or new (201), and the fleet then has exactly one host per report.
    let in_flight = log.in_flight.lock().unwrap().clone();
    for doc in &in_flight {
        let (status, body) = api.post("/reports", doc);
        assert!(
            status == 200 || status == 201,
            "retry after the crash: {status} {body}"
        );
    }
    assert_eq!(
        api.all("/hosts").len(),
        acked.len() + in_flight.len(),
        "one host per stored report after the retries"
    );
    let (code, out, err) = admin(&db, &["audit-verify"]);
    assert_eq!(code, 0, "audit chain after kill -9: {out}{err}");
    assert!(out.starts_with("audit log intact"), "{out}");
}

#[test]
fn sqlite_keeps_every_acknowledged_report_through_sigkill() {
    acknowledged_reports_survive_sigkill(Db::sqlite());
}

#[test]
fn postgres_keeps_every_acknowledged_report_through_sigkill() {
    acknowledged_reports_survive_sigkill(Db::postgres());
}
