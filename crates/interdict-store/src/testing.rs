//! Test support for this crate's suite and its callers' (the server's API suite): the
//! two-backend harness and report builders. Behind the `test-support` feature, enabled
//! only as a dev-dependency; not part of the store's API.
//!
//! Every test body runs twice ([`both_backends!`](crate::both_backends)): on a fresh
//! SQLite file in a tempdir, and on a fresh scratch PostgreSQL database
//! (`interdict_test_<random>`, created on the server named by `INTERDICT_TEST_PG`, default
//! `postgres://root@127.0.0.1:5432/test`, and dropped at the end). An unreachable
//! PostgreSQL fails the PG half with a message saying so.

use crate::Store;
use interdict_findings::{Finding, Report};
use jiff::Timestamp;
use serde_json::{Value, json};
use sqlx::Connection;
use std::path::PathBuf;

/// The server the PG half runs on.
const DEFAULT_PG: &str = "postgres://root@127.0.0.1:5432/test";

fn admin_url() -> String {
    std::env::var("INTERDICT_TEST_PG").unwrap_or_else(|_| DEFAULT_PG.to_string())
}

/// Runs one SQL statement on the PostgreSQL database at `url`, on a runtime of its own
/// thread (callable from sync code, from inside a test's runtime, and from `Drop`).
fn pg_execute(url: &str, sql: String) -> Result<(), String> {
    let url = url.to_string();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async {
            let mut c = sqlx::PgConnection::connect(&url)
                .await
                .map_err(|e| format!("PostgreSQL at {url} is not reachable: {e}"))?;
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    })
    .join()
    .map_err(|_| "the SQL thread panicked".to_string())?
}

/// A scratch PostgreSQL database `interdict_test_<uuid>` on the server named by
/// `INTERDICT_TEST_PG`, dropped when this is (pass or fail). Usable from sync tests (the
/// process-level suites) and async ones.
pub struct PgScratch {
    admin: String,
    name: String,
    /// Its URL.
    pub url: String,
}

impl PgScratch {
    /// Creates the database; panics naming the server when it is unreachable.
    pub fn new() -> PgScratch {
        let admin = admin_url();
        let name = format!("interdict_test_{}", uuid::Uuid::new_v4().simple());
        pg_execute(&admin, format!("CREATE DATABASE {name}")).unwrap_or_else(|e| {
            panic!(
                "cannot create a scratch database on {admin} ({e}); the PostgreSQL tests need \
                 it (CI's .ci/run starts it; set INTERDICT_TEST_PG to use another server)"
            )
        });
        let (base, _) = admin.rsplit_once('/').expect("a database URL");
        let url = format!("{base}/{name}");
        PgScratch { admin, name, url }
    }
}

impl Default for PgScratch {
    fn default() -> PgScratch {
        PgScratch::new()
    }
}

impl Drop for PgScratch {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = pg_execute(&self.admin, sql);
    }
}

/// One backend under test.
pub struct Backend {
    /// The store.
    pub store: Store,
    /// `sqlite://PATH` or the scratch database's URL.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<PgScratch>,
}

impl Backend {
    /// A fresh SQLite store in a tempdir.
    pub async fn sqlite() -> Backend {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open_data_dir(dir.path()).await.expect("open sqlite");
        let path: PathBuf = dir.path().join(crate::SQLITE_FILE);
        Backend {
            store,
            url: format!("sqlite://{}", path.display()),
            _dir: Some(dir),
            _pg: None,
        }
    }

    /// A fresh scratch PostgreSQL database.
    pub async fn postgres() -> Backend {
        let scratch = PgScratch::new();
        let url = scratch.url.clone();
        let store = Store::connect(&url).await.expect("open postgres");
        Backend {
            store,
            url,
            _dir: None,
            _pg: Some(scratch),
        }
    }

    /// Another store on the same database: a second server process.
    pub async fn second(&self) -> Store {
        Store::connect(&self.url).await.expect("second store")
    }

    /// Runs raw SQL on the database, behind the store's back (tampering tests).
    pub async fn raw(&self, sql: &str) -> u64 {
        if let Some(path) = self.url.strip_prefix("sqlite://") {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                .await
                .expect("raw sqlite");
            let q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
            q.execute(&mut c).await.expect("raw sql").rows_affected()
        } else {
            let mut c = sqlx::PgConnection::connect(&self.url)
                .await
                .expect("raw pg");
            let q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
            q.execute(&mut c).await.expect("raw sql").rows_affected()
        }
    }

    /// Closes the store (the scratch database is dropped with the backend).
    pub async fn finish(self) {
        self.store.close().await;
    }
}

/// Runs `async fn run(b: &Backend)` on SQLite and on PostgreSQL, as two tests (`sqlite`
/// and `postgres` in a module named `$name`). The calling crate needs `tokio` with its
/// `macros` and `rt-multi-thread` features.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $run:path) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let b = $crate::testing::Backend::sqlite().await;
                $run(&b).await;
                b.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let b = $crate::testing::Backend::postgres().await;
                $run(&b).await;
                b.finish().await;
            }
        }
    };
}

/// 2026-01-01T00:00:00Z plus `days` days (and `hours` hours).
pub fn day(days: i64) -> Timestamp {
    let base: Timestamp = "2026-01-01T00:00:00Z".parse().expect("timestamp");
    base.checked_add(jiff::SignedDuration::from_hours(days * 24))
        .expect("in range")
}

/// A finding shaped like the scanner's for a catalog product found by `collector`.
pub fn finding(product: &str, directive: &str, collector: &str) -> Value {
    json!({
        "vendor": "kaspersky",
        "product": product,
        "product_name": format!("Kaspersky {product}"),
        "family": "endpoint",
        "distribution": "branded",
        "confidence": "confirmed",
        "directives": [directive],
        "evidence": [{
            "kind": "package",
            "location": "var/lib/dpkg/status",
            "name": product,
            "version": "12.0.0.6672",
            "state": "active",
            "collector": collector,
            "indicator": format!("{product}-package"),
            "indicators": [format!("{product}-package")],
            "indicator_kind": "package",
            "pattern": product,
            "weight": "strong",
            "source": "https://support.kaspersky.com/"
        }]
    })
}

/// An inventory item (a dpkg package).
pub fn package(name: &str) -> Value {
    json!({
        "kind": "package",
        "name": name,
        "version": "1.0",
        "location": "var/lib/dpkg/status",
        "collector": "dpkg-status",
        "state": "active"
    })
}

/// The skeleton every report shares, with `source`-specific `fields` merged in.
fn document(
    id: &str,
    source: &str,
    finished: Timestamp,
    findings: Vec<Value>,
    fields: Value,
) -> Report {
    let confirmed = findings.len();
    let mut doc = json!({
        "schema_version": "1.1",
        "id": id,
        "tool": {"name": "interdict", "version": "0.1.0"},
        "source": source,
        "catalog": {"version": "2026.12.1", "digest": "sha256:00"},
        "started": (finished - jiff::SignedDuration::from_secs(5)).to_string(),
        "finished": finished.to_string(),
        "duration_ms": 5000,
        "summary": {"confirmed": confirmed, "probable": 0, "possible": 0},
        "findings": findings,
        "errors": []
    });
    if let (Some(doc), Value::Object(more)) = (doc.as_object_mut(), fields) {
        doc.extend(more);
    }
    let bytes = serde_json::to_vec(&doc).expect("json");
    Report::from_json(&bytes, id).expect("a valid report document")
}

/// A host as reports carry it (id `machine-id:<name>`).
fn host(name: &str) -> Value {
    json!({
        "id": format!("machine-id:{name}"),
        "name": name,
        "os": {"platform": "linux", "id": "debian", "version": "12", "name": "Debian GNU/Linux 12"},
        "identifiers": {"machine-id": name}
    })
}

/// A scan report of host `host` (id `machine-id:<host>`) finished at `finished`:
/// collectors `dpkg-status` and `files`, those in `failed` with an error; `findings` as
/// [`finding`] builds them; `inventory` the items when given.
pub fn scan(
    id: &str,
    name: &str,
    finished: Timestamp,
    findings: Vec<Value>,
    failed: &[&str],
    inventory: Option<Vec<Value>>,
) -> Report {
    let collectors: Vec<Value> = ["dpkg-status", "files"]
        .iter()
        .map(|c| {
            let errors = usize::from(failed.contains(c));
            json!({"id": c, "items": 10, "errors": errors, "millis": 5})
        })
        .collect();
    let errors: Vec<Value> = failed
        .iter()
        .map(|c| json!({"collector": c, "location": "var/lib/dpkg/status", "message": "permission denied"}))
        .collect();
    let mut h = host(name);
    h["hostname"] = json!(name);
    h["root"] = json!("/");
    h["live"] = json!(true);
    let mut fields = json!({"host": h, "errors": errors, "collectors": collectors});
    if let Some(items) = inventory {
        fields["inventory"] = Value::Array(items);
    }
    document(id, "scan", finished, findings, fields)
}

/// An import report of several hosts: (name, findings, inventory) each; findings get
/// their host's name and id.
pub fn import(id: &str, finished: Timestamp, hosts: Vec<(&str, Vec<Value>, Vec<Value>)>) -> Report {
    let mut all = Vec::new();
    let mut listed = Vec::new();
    for (name, findings, inventory) in hosts {
        for mut f in findings {
            f["host"] = json!(name);
            f["host_id"] = json!(format!("machine-id:{name}"));
            all.push(f);
        }
        let mut h = host(name);
        h["inventory"] = Value::Array(inventory);
        listed.push(h);
    }
    let count = listed.len();
    document(
        id,
        "import",
        finished,
        all,
        json!({"hosts": listed, "hosts_seen": count}),
    )
}

/// An SBOM report over documents: (file, serial number, findings) each.
pub fn sbom(id: &str, finished: Timestamp, docs: Vec<(&str, &str, Vec<Value>)>) -> Report {
    let mut all = Vec::new();
    let mut listed = Vec::new();
    for (file, serial, findings) in docs {
        for mut f in findings {
            f["document"] = json!(file);
            all.push(f);
        }
        listed.push(
            json!({"file": file, "format": "cyclonedx-json", "spec_version": "1.6",
            "name": file, "serial_number": serial, "components": 12}),
        );
    }
    document(id, "sbom", finished, all, json!({"documents": listed}))
}

/// Parses findings built with [`finding`].
pub fn findings(values: Vec<Value>) -> Vec<Finding> {
    serde_json::from_value(Value::Array(values)).expect("findings")
}
