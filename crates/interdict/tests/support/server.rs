//! Process-level helpers for the `interdict serve` / `interdict admin` tests: a database
//! to serve from (a SQLite data dir, or a scratch PostgreSQL database dropped at the end),
//! `serve` processes started on it (ready once they print `listening on`), a small
//! blocking HTTP client, the admin CLI, and report documents scanned from fixture roots.

use super::{Fixture, interdict};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a `serve` process may take to print its `listening on` line (debug build,
/// two shared cores, a catalog re-evaluation at start).
const START_DEADLINE: Duration = Duration::from_secs(60);

pub use interdict_store::testing::PgScratch;

/// The database a server and the admin CLI work on.
pub enum Db {
    /// A data dir holding `interdict.sqlite`.
    Sqlite(tempfile::TempDir),
    /// A scratch PostgreSQL database.
    Postgres(PgScratch),
}

impl Db {
    /// A fresh, empty SQLite data dir.
    pub fn sqlite() -> Db {
        Db::Sqlite(tempfile::tempdir().expect("tempdir"))
    }

    /// A fresh scratch PostgreSQL database.
    pub fn postgres() -> Db {
        Db::Postgres(PgScratch::new())
    }

    /// The flags naming this database (`--data-dir DIR` or `--database URL`).
    pub fn args(&self) -> Vec<String> {
        match self {
            Db::Sqlite(dir) => vec!["--data-dir".into(), dir.path().display().to_string()],
            Db::Postgres(pg) => vec!["--database".into(), pg.url.clone()],
        }
    }

    /// The SQLite file (panics on PostgreSQL).
    pub fn sqlite_file(&self) -> std::path::PathBuf {
        match self {
            Db::Sqlite(dir) => dir.path().join("interdict.sqlite"),
            Db::Postgres(_) => panic!("not a SQLite database"),
        }
    }
}

/// Runs `interdict admin <db flags> ARGS`; returns (exit code, stdout, stderr).
pub fn admin(db: &Db, args: &[&str]) -> (i32, String, String) {
    let db_args = db.args();
    let mut all: Vec<&str> = vec!["admin"];
    all.extend(db_args.iter().map(String::as_str));
    all.extend_from_slice(args);
    interdict(&all)
}

/// Creates an API token with `role` through the admin CLI and returns it.
pub fn token(db: &Db, role: &str) -> String {
    let (code, out, err) = admin(db, &["token", "create", "--name", role, "--role", role]);
    assert_eq!(code, 0, "token create failed: {err}");
    out.trim().to_string()
}

/// A running `interdict serve` process, killed when dropped.
pub struct Server {
    child: Child,
    /// The bound address.
    pub addr: SocketAddr,
    /// `http://ADDR` or `https://ADDR`.
    pub base: String,
    log: Arc<Mutex<Vec<String>>>,
}

/// What starting `serve` gave.
pub enum Launch {
    /// It printed its `listening on` line.
    Ready(Server),
    /// It exited first.
    Exited {
        /// Its exit code (-1 when killed by a signal).
        code: i32,
        /// Its standard error.
        stderr: String,
    },
}

/// Spawns `interdict serve --listen 127.0.0.1:0 <db flags> EXTRA` and waits (with a
/// deadline) until it listens or exits.
pub fn launch(db: &Db, extra: &[&str]) -> Launch {
    launch_on(db, 0, extra)
}

/// [`launch`] on loopback port `port` (0: a free one) — a restart on the port of an
/// earlier server keeps the URL its clients saved.
pub fn launch_on(db: &Db, port: u16, extra: &[&str]) -> Launch {
    let mut child = Command::new(env!("CARGO_BIN_EXE_interdict"))
        .arg("serve")
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(db.args())
        .args(extra)
        .env("INTERDICT_LOG", "warn")
        .env_remove("INTERDICT_DATABASE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn interdict serve");
    let log = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().expect("piped stderr");
    let sink = log.clone();
    // Drains standard error for the process's whole life, so it never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            sink.lock().unwrap().push(line.clone());
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + START_DEADLINE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let (scheme, rest) = rest.split_once("://").expect("scheme://addr");
                    let addr = rest.split_whitespace().next().expect("an address");
                    let addr: SocketAddr = addr.parse().expect("a socket address");
                    return Launch::Ready(Server {
                        child,
                        addr,
                        base: format!("{scheme}://{addr}"),
                        log,
                    });
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let Some(code) = wait_exit(&mut child, Duration::from_secs(10)) else {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("serve closed stderr but did not exit");
                };
                let stderr = log.lock().unwrap().join("\n");
                return Launch::Exited { code, stderr };
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "serve did not listen within {START_DEADLINE:?}; stderr:\n{}",
                    log.lock().unwrap().join("\n")
                );
            }
        }
    }
}

/// Waits for `child` to exit, polling until `limit`; its exit code (-1 for a signal).
fn wait_exit(child: &mut Child, limit: Duration) -> Option<i32> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status.code().unwrap_or(-1));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

impl Server {
    /// Starts a server that must come up (panics with its stderr otherwise).
    pub fn start(db: &Db, extra: &[&str]) -> Server {
        Server::start_on(db, 0, extra)
    }

    /// [`Server::start`] on loopback port `port` (0: a free one).
    pub fn start_on(db: &Db, port: u16, extra: &[&str]) -> Server {
        match launch_on(db, port, extra) {
            Launch::Ready(s) => s,
            Launch::Exited { code, stderr } => {
                panic!("serve exited with {code} before listening:\n{stderr}")
            }
        }
    }

    /// `BASE/api/v1PATH`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    /// Everything the process wrote on standard error so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// `kill -9`: no chance to flush or shut down.
    pub fn kill9(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("wait");
    }

    /// SIGTERM, then waits for a clean exit (code 0) with a deadline.
    pub fn stop(&mut self) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid");
        // SAFETY: signals our own child, which has not been reaped yet.
        let rc = unsafe { libc::kill(pid, libc::SIGTERM) };
        assert_eq!(rc, 0, "kill(SIGTERM) failed");
        let code = wait_exit(&mut self.child, Duration::from_secs(20))
            .unwrap_or_else(|| panic!("serve did not stop on SIGTERM:\n{}", self.log()));
        assert_eq!(
            code,
            0,
            "serve exited with {code} on SIGTERM:\n{}",
            self.log()
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A blocking JSON client for one server and credential, on a single-thread runtime of
/// its own (shared with the clients [`Api::as_token`] derives, whose connections it drives).
pub struct Api {
    rt: Arc<tokio::runtime::Runtime>,
    client: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Api {
    /// A plain client for `server` sending `token` as Bearer.
    pub fn new(server: &Server, token: &str) -> Api {
        Api::with_client(server, Some(token), reqwest::Client::builder())
    }

    /// A client built from `builder` (TLS roots, …); `token` is optional.
    pub fn with_client(
        server: &Server,
        token: Option<&str>,
        builder: reqwest::ClientBuilder,
    ) -> Api {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let rt = Arc::new(rt);
        let client = builder
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client");
        Api {
            rt,
            client,
            base: format!("{}/api/v1", server.base),
            token: token.map(String::from),
        }
    }

    /// The same server with another credential.
    pub fn as_token(&self, token: &str) -> Api {
        Api {
            rt: self.rt.clone(),
            client: self.client.clone(),
            base: self.base.clone(),
            token: Some(token.to_string()),
        }
    }

    /// Sends one request; (status, JSON body or `null`), or the transport error.
    pub fn try_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<(u16, Value), String> {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        self.rt.block_on(async {
            let resp = req.send().await.map_err(|e| format!("{e:?}"))?;
            let status = resp.status().as_u16();
            let bytes = resp.bytes().await.map_err(|e| format!("{e:?}"))?;
            Ok((
                status,
                serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            ))
        })
    }

    /// GET `path` (under `/api/v1`).
    pub fn get(&self, path: &str) -> (u16, Value) {
        self.try_send(reqwest::Method::GET, path, None)
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// POST `body` (JSON) to `path`.
    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.try_post_bytes(path, serde_json::to_vec(body).unwrap())
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    /// POST raw bytes to `path`; the transport error when the server is gone.
    pub fn try_post_bytes(&self, path: &str, body: Vec<u8>) -> Result<(u16, Value), String> {
        self.try_send(reqwest::Method::POST, path, Some(body))
    }

    /// GET `path` that must answer 200.
    pub fn ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path);
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// Every item of a list, following `next` cursors.
    pub fn all(&self, path: &str) -> Vec<Value> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = match &cursor {
                None => self.ok(&format!("{path}{sep}limit=1000")),
                Some(c) => self.ok(&format!("{path}{sep}limit=1000&cursor={c}")),
            };
            items.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => return items,
            }
        }
    }

    /// The findings of `product` (all states).
    pub fn findings_of(&self, product: &str) -> Vec<Value> {
        self.all(&format!("/findings?product={product}"))
    }
}

/// A Debian-like fixture root with a stable identity (`etc/machine-id`) and the given
/// dpkg packages as `(name, maintainer)`.
pub fn host_root(machine_id: &str, packages: &[(&str, &str)]) -> Fixture {
    let fx = Fixture::new();
    fx.write(
        "etc/os-release",
        "ID=debian\nVERSION_ID=12\nPRETTY_NAME=\"Debian GNU/Linux 12 (fixture)\"\n",
    );
    fx.write("etc/hostname", format!("host-{}\n", &machine_id[..8]));
    fx.write("etc/machine-id", format!("{machine_id}\n"));
    set_packages(&fx, packages);
    fx
}

/// Rewrites the root's dpkg status to hold exactly `packages` (plus `bash`).
pub fn set_packages(fx: &Fixture, packages: &[(&str, &str)]) {
    let mut status = String::from(
        "Package: bash\nStatus: install ok installed\nMaintainer: Debian <bash@debian.org>\n\
         Architecture: amd64\nVersion: 5.2.15-2\nDescription: GNU Bourne Again SHell\n",
    );
    for (name, maintainer) in packages {
        status.push_str(&format!(
            "\nPackage: {name}\nStatus: install ok installed\nMaintainer: {maintainer}\n\
             Architecture: amd64\nVersion: 12.1.0-1234\nDescription: {name}\n"
        ));
    }
    fx.write("var/lib/dpkg/status", status);
}

/// The Kaspersky Endpoint Security for Linux package, as its dpkg entry names it.
pub const KESL: (&str, &str) = ("kesl", "AO Kaspersky Lab <support@kaspersky.com>");

/// `interdict scan --root R --format json --inventory`: the report document.
pub fn scan_report(root: &Path) -> Value {
    let (code, doc) = super::scan_json(root, &["--inventory"]);
    assert!(
        code == 0 || code == 1,
        "scan of {} exited {code}",
        root.display()
    );
    assert!(
        doc["inventory"].as_array().is_some_and(|i| !i.is_empty()),
        "the scan carries no inventory: {doc:#}"
    );
    doc
}

/// Report `base` as if scanned on another host: a new report id and host identity
/// numbered `n` (`machine-id:…n`, `host-n`).
pub fn host_variant(base: &Value, n: usize) -> Value {
    let mut doc = base.clone();
    let machine_id = format!("{:032x}", 0xfeed_0000_0000_u64 + n as u64);
    doc["id"] = json!(uuid::Uuid::new_v4().to_string());
    let host = &mut doc["host"];
    host["id"] = json!(format!("machine-id:{machine_id}"));
    host["name"] = json!(format!("host-{n}"));
    host["hostname"] = json!(format!("host-{n}"));
    host["identifiers"] = json!({ "machine-id": machine_id });
    doc
}

/// A scan of a fresh KESL root: the base of [`host_variant`]s.
pub fn kesl_report() -> Value {
    let fx = host_root("0123456789abcdef0123456789abcdef", &[KESL]);
    scan_report(fx.path())
}

/// Polls `probe` every 50 ms until it returns `Some` or `limit` passes (then panics with
/// `what`).
pub fn poll<T>(limit: Duration, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Adds a dashboard user `name` with `role` through the admin CLI; the password is
/// `NAME-password` (written to a file in `dir`).
pub fn add_user(db: &Db, dir: &std::path::Path, name: &str, role: &str) {
    let pw = dir.join(name);
    std::fs::write(&pw, format!("{name}-password\n")).unwrap();
    let (code, _, err) = admin(
        db,
        &[
            "user",
            "add",
            name,
            "--role",
            role,
            "--password-file",
            pw.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
}
