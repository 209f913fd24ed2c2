//! The offline spool: reports wait here, gzip-compressed, until the server takes them.
//!
//! `spool/` holds `<sequence>-<report-id>.json.gz` files (a zero-padded sequence, so a
//! name sort is arrival order); each is written to a temporary name, synced and renamed,
//! so a crash leaves either the whole report or none. `rejected/` keeps what the server
//! refused with a 4xx, beside a `.error.txt` with its message. The spool holds at most
//! `max_reports`; beyond that the oldest are dropped with a warning.

use crate::client::{Client, Delivery};
use crate::enrollment::create_private_dir;
use crate::{Result, file_error};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Reports the spool keeps by default before it drops the oldest.
pub const DEFAULT_MAX_REPORTS: usize = 200;

/// A spool directory.
#[derive(Debug, Clone)]
pub struct Spool {
    dir: PathBuf,
    rejected: PathBuf,
    max_reports: usize,
}

/// What one flush did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flush {
    /// Reports the server stored (201).
    pub created: usize,
    /// Reports it had already (200).
    pub duplicates: usize,
    /// Reports it refused (4xx), now in `rejected/`.
    pub rejected: usize,
    /// Why the flush stopped early (5xx or unreachable), with reports left.
    pub stopped: Option<String>,
    /// The server refused the credential itself (401/403: revoked or not this host's):
    /// the reports stay spooled until the host is enrolled again.
    pub credential_refused: Option<String>,
    /// Reports still spooled.
    pub left: usize,
}

impl Spool {
    /// The spool of state directory `state_dir` (created when missing).
    pub fn open(state_dir: &Path, max_reports: usize) -> Result<Spool> {
        let dir = state_dir.join("spool");
        let rejected = state_dir.join("rejected");
        create_private_dir(&dir)?;
        create_private_dir(&rejected)?;
        Ok(Spool {
            dir,
            rejected,
            max_reports: max_reports.max(1),
        })
    }

    /// The spooled reports, oldest first.
    pub fn pending(&self) -> Result<Vec<PathBuf>> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map_err(|e| file_error(&self.dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(".json.gz") && !n.starts_with('.'))
            })
            .collect();
        files.sort();
        Ok(files)
    }

    /// The next sequence number: one past the newest spooled or rejected file's.
    fn next_sequence(&self) -> Result<u64> {
        let newest = |dir: &Path| -> Result<u64> {
            Ok(std::fs::read_dir(dir)
                .map_err(|e| file_error(dir, e))?
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let name = e.file_name();
                    let name = name.to_str()?;
                    name.split('-').next()?.parse::<u64>().ok()
                })
                .max()
                .unwrap_or(0))
        };
        Ok(newest(&self.dir)?.max(newest(&self.rejected)?) + 1)
    }

    /// Adds a report (its gzip bytes are written by `write`), durable when this returns;
    /// then drops the oldest beyond the bound. Returns the spooled file.
    pub fn put(
        &self,
        report_id: &str,
        write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
    ) -> Result<PathBuf> {
        let safe: String = report_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .take(80)
            .collect();
        let name = format!("{:012}-{safe}.json.gz", self.next_sequence()?);
        let path = self.dir.join(&name);
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let mut f = std::fs::File::create(&tmp).map_err(|e| file_error(&tmp, e))?;
        write(&mut f)
            .and_then(|()| f.flush())
            .and_then(|()| f.sync_all())
            .map_err(|e| file_error(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| file_error(&path, e))?;
        sync_dir(&self.dir);
        self.enforce_bound()?;
        Ok(path)
    }

    /// Drops the oldest reports beyond the bound, each with a logged warning.
    fn enforce_bound(&self) -> Result<()> {
        let pending = self.pending()?;
        let excess = pending.len().saturating_sub(self.max_reports);
        for old in &pending[..excess] {
            tracing::warn!(
                file = %old.display(),
                bound = self.max_reports,
                "spool full: dropping the oldest report"
            );
            std::fs::remove_file(old).map_err(|e| file_error(old, e))?;
        }
        Ok(())
    }

    /// Sends the spooled reports oldest first with `bearer`; stops at the first 5xx or
    /// unreachable server (the rest wait for the next flush) and at a refused credential
    /// (401/403); another 4xx moves the report to `rejected/` with the server's message
    /// and goes on.
    pub fn flush(&self, client: &Client, bearer: &str) -> Result<Flush> {
        let mut out = Flush::default();
        let pending = self.pending()?;
        for (i, path) in pending.iter().enumerate() {
            let mut file = std::fs::File::open(path).map_err(|e| file_error(path, e))?;
            match client.upload(&mut file, true, bearer) {
                Delivery::Created => out.created += 1,
                Delivery::Duplicate => out.duplicates += 1,
                Delivery::Rejected { status, message } if status == 401 || status == 403 => {
                    tracing::error!(status, %message,
                        "the server refused this host's credential; enroll again");
                    out.credential_refused = Some(format!("HTTP {status}: {message}"));
                    out.left = pending.len() - i;
                    return Ok(out);
                }
                Delivery::Rejected { status, message } => {
                    tracing::warn!(file = %path.display(), status, %message,
                        "the server refused a spooled report; it is kept in rejected/");
                    self.set_aside(path, status, &message)?;
                    out.rejected += 1;
                    continue;
                }
                Delivery::Unavailable(why) => {
                    out.stopped = Some(why);
                    out.left = pending.len() - i;
                    return Ok(out);
                }
            }
            std::fs::remove_file(path).map_err(|e| file_error(path, e))?;
        }
        Ok(out)
    }

    /// Moves a refused report to `rejected/` with its status and message beside it.
    fn set_aside(&self, path: &Path, status: u16, message: &str) -> Result<()> {
        let name = path.file_name().unwrap_or_default();
        let target = self.rejected.join(name);
        std::fs::rename(path, &target).map_err(|e| file_error(&target, e))?;
        let note = target.with_extension("error.txt");
        std::fs::write(&note, format!("HTTP {status}: {message}\n"))
            .map_err(|e| file_error(&note, e))
    }
}

/// Syncs a directory so a rename in it survives a crash (best effort).
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(s: &Spool, id: &str) -> PathBuf {
        s.put(id, |f| f.write_all(id.as_bytes())).unwrap()
    }

    #[test]
    fn keeps_arrival_order_and_its_bound() {
        let dir = tempfile::tempdir().unwrap();
        let s = Spool::open(dir.path(), 3).unwrap();
        for id in ["a", "b", "c", "d"] {
            put(&s, id);
        }
        let names: Vec<String> = s
            .pending()
            .unwrap()
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        assert_eq!(names, ["b", "c", "d"], "oldest dropped, order kept");
        // A reopened spool continues the sequence after the newest file.
        let again = Spool::open(dir.path(), 3).unwrap();
        put(&again, "e");
        let last = again.pending().unwrap().pop().unwrap();
        assert_eq!(std::fs::read_to_string(last).unwrap(), "e");
    }

    #[test]
    fn report_ids_cannot_escape_the_spool() {
        let dir = tempfile::tempdir().unwrap();
        let s = Spool::open(dir.path(), 10).unwrap();
        let p = put(&s, "../../etc/passwd");
        assert_eq!(p.parent().unwrap(), dir.path().join("spool"));
    }
}
