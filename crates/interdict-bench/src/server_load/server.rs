//! The server under test: `interdict serve` as a child process on a loopback port,
//! `interdict admin` against the same database, and the PostgreSQL scratch database.

use super::Res;
use sqlx::Connection;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// Where the server keeps its data.
pub enum Db {
    /// The SQLite file in this data directory.
    Sqlite(PathBuf),
    /// A PostgreSQL database.
    Postgres(String),
}

impl Db {
    /// The `interdict serve` / `admin` flags naming it.
    fn flags(&self) -> Vec<String> {
        match self {
            Db::Sqlite(dir) => vec!["--data-dir".into(), dir.display().to_string()],
            Db::Postgres(url) => vec!["--database".into(), url.clone()],
        }
    }

    /// Bytes on disk: the SQLite file and its WAL, or `pg_database_size`.
    pub async fn size(&self) -> Res<u64> {
        match self {
            Db::Sqlite(dir) => {
                let file = dir.join("interdict.sqlite");
                let mut total = 0;
                for suffix in ["", "-wal"] {
                    let path = PathBuf::from(format!("{}{suffix}", file.display()));
                    total += std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                }
                Ok(total)
            }
            Db::Postgres(url) => {
                let mut c = sqlx::PgConnection::connect(url)
                    .await
                    .map_err(|e| format!("{url}: {e}"))?;
                let (n,): (i64,) = sqlx::query_as("SELECT pg_database_size(current_database())")
                    .fetch_one(&mut c)
                    .await
                    .map_err(|e| format!("pg_database_size: {e}"))?;
                Ok(u64::try_from(n).unwrap_or(0))
            }
        }
    }
}

/// A PostgreSQL database created for one run and dropped after it.
pub struct Scratch {
    admin: String,
    name: String,
    /// Its URL.
    pub url: String,
}

impl Scratch {
    /// Creates `interdict_bench_<uuid>` through the admin URL (`…/test`).
    pub async fn create(admin: &str) -> Res<Scratch> {
        let mut c = sqlx::PgConnection::connect(admin)
            .await
            .map_err(|e| format!("PostgreSQL at {admin} is not reachable: {e}"))?;
        let name = format!("interdict_bench_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut c)
            .await
            .map_err(|e| format!("CREATE DATABASE {name}: {e}"))?;
        let (base, _) = admin
            .rsplit_once('/')
            .ok_or(format!("{admin}: not a database URL"))?;
        let url = format!("{base}/{name}");
        Ok(Scratch {
            admin: admin.to_string(),
            name,
            url,
        })
    }

    /// Drops the database (whoever is still connected).
    pub async fn drop_now(self) -> Res<()> {
        let mut c = sqlx::PgConnection::connect(&self.admin)
            .await
            .map_err(|e| format!("{}: {e}", self.admin))?;
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut c)
            .await
            .map_err(|e| format!("DROP DATABASE {}: {e}", self.name))?;
        Ok(())
    }
}

/// Runs `interdict admin <db> ARGS…`; its standard output, trimmed.
pub fn admin(interdict: &Path, db: &Db, args: &[&str]) -> Res<String> {
    let out = Command::new(interdict)
        .arg("admin")
        .args(db.flags())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{}: {e}", interdict.display()))?;
    if !out.status.success() {
        return Err(format!(
            "interdict admin {}: {}; {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// What the server's start-up line about a catalog re-evaluation said.
#[derive(Debug, Clone, Default)]
pub struct ReevalLine {
    /// Distinct inventories matched.
    pub inventories: u64,
    /// Hosts whose findings were replaced.
    pub hosts: u64,
    /// Lifecycle changes.
    pub changes: u64,
    /// The re-evaluation's own time, as printed.
    pub millis: u64,
}

/// Parses `interdict: catalog X evaluated over N stored inventories (H hosts, C changes)
/// in T ms`.
fn parse_reeval(line: &str) -> Option<ReevalLine> {
    let rest = line.split(" evaluated over ").nth(1)?;
    let numbers: Vec<u64> = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    match numbers[..] {
        [inventories, hosts, changes, millis] => Some(ReevalLine {
            inventories,
            hosts,
            changes,
            millis,
        }),
        _ => None,
    }
}

/// A running `interdict serve`.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// From spawn until the listening line.
    pub startup: Duration,
    /// The re-evaluation line, if it printed one.
    pub reeval: Option<ReevalLine>,
    lines: Receiver<String>,
}

impl Server {
    /// Spawns `interdict serve --listen 127.0.0.1:0` on `db` (with `--catalog DIR` when
    /// given) and waits up to `deadline` for it to listen.
    pub fn start(
        interdict: &Path,
        db: &Db,
        catalog: Option<&Path>,
        deadline: Duration,
    ) -> Res<Server> {
        let mut cmd = Command::new(interdict);
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .args(db.flags());
        if let Some(dir) = catalog {
            cmd.arg("--catalog").arg(dir);
        }
        let started = Instant::now();
        let mut child = cmd
            .env("INTERDICT_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{}: {e}", interdict.display()))?;
        let stderr = child.stderr.take().ok_or("no stderr pipe")?;
        let (tx, lines) = channel();
        // Reads every line for the server's whole life, so the pipe never fills.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut reeval = None;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_sub(started.elapsed());
            let line = match lines.recv_timeout(left) {
                Ok(l) => l,
                Err(RecvTimeoutError::Timeout) => {
                    let _ = child.kill();
                    return Err(format!("the server did not listen within {deadline:?}"));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
                    return Err(format!(
                        "the server exited ({status}): {}",
                        seen.join(" | ")
                    ));
                }
            };
            if let Some(r) = parse_reeval(&line) {
                reeval = Some(r);
            }
            if let Some(addr) = line
                .strip_prefix("interdict: listening on http://")
                .and_then(|r| r.split_whitespace().next())
            {
                if !addr.starts_with("127.0.0.1:") {
                    let _ = child.kill();
                    return Err(format!("the server listens on {addr}, not on loopback"));
                }
                return Ok(Server {
                    base: format!("http://{addr}"),
                    startup: started.elapsed(),
                    reeval,
                    child,
                    lines,
                });
            }
            seen.push(line);
        }
    }

    /// The server's peak resident set so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    /// CPU time (user + system) the server has used so far, from `/proc/PID/stat`
    /// (clock ticks of 10 ms, Linux's `USER_HZ`).
    pub fn cpu_time(&self) -> Option<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        // The fields after the parenthesised command name: state is the 3rd field, utime
        // the 14th and stime the 15th.
        let rest = stat.rsplit_once(')')?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: u64 =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some(Duration::from_millis(ticks * 10))
    }

    /// Sends SIGTERM and waits (polling, up to 30 s) for a clean exit.
    pub fn stop(mut self) -> Res<()> {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .map_err(|e| format!("kill: {e}"))?;
        if !sent.success() {
            return Err(format!("kill -TERM {pid} failed"));
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                if !status.success() {
                    let tail: Vec<String> = self.lines.try_iter().collect();
                    return Err(format!(
                        "the server exited with {status}: {}",
                        tail.join(" | ")
                    ));
                }
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                return Err("the server did not stop within 30 s of SIGTERM".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    /// A server left running by an error is killed with the bench.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reevaluation_line_parses() {
        let line = "interdict: catalog 0123456789ab evaluated over 9999 stored inventories \
                    (10000 hosts, 1012 changes) in 41234 ms";
        let r = parse_reeval(line).expect("parsed");
        assert_eq!(
            (r.inventories, r.hosts, r.changes, r.millis),
            (9999, 10000, 1012, 41234)
        );
        assert!(parse_reeval("interdict: listening on http://127.0.0.1:1 (x)").is_none());
    }
}
