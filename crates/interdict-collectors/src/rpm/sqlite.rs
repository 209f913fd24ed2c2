//! The SQLite rpmdb (`rpmdb.sqlite`, rpm ≥ 4.16), including transactions still in its
//! write-ahead log.
//!
//! rpm keeps the database in WAL mode. A committed transaction lives in `rpmdb.sqlite-wal`
//! until a checkpoint copies it into the main file, which on a live RHEL 9 or Fedora host
//! (and in snapshots of one) can take a long time. So:
//!
//! - with no WAL, or a WAL holding no frames, the database is opened in place as
//!   `mode=ro&immutable=1`: zero copies, and SQLite never creates a `-wal`, `-shm` or
//!   `-journal` file, even in a writable directory;
//! - with a WAL, the database and its WAL are copied (through [`Root`], so paths stay
//!   confined; at most [`MAX_WAL_COPY`] bytes) into a private temporary directory and the
//!   copy is opened, so SQLite replays the committed frames there. The `-shm` file is not
//!   copied (SQLite rebuilds it from the WAL), and nothing is written beside the database.

use crate::Root;
use interdict_formats::rpm::BlobScan;
use rusqlite::{Connection, OpenFlags};
use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Largest database plus write-ahead log copied to read un-checkpointed transactions
/// (1 GiB; a large Fedora workstation's rpmdb is about 200 MB). Past it, the database is
/// an error rather than a silent partial read.
pub const MAX_WAL_COPY: u64 = 1 << 30;

/// Size of a WAL file header: a WAL no larger than this holds no transaction.
const WAL_HEADER: u64 = 32;

/// Times the copy is retried when the database or its WAL changes while being copied.
const COPY_ATTEMPTS: usize = 3;

/// Reads the `Packages` blobs of the rpmdb.sqlite at `rel` inside `root`, including the
/// transactions committed to its write-ahead log (see the module documentation).
pub fn read_sqlite(root: &Root, rel: &str) -> Result<BlobScan, String> {
    let path = root.resolve(rel).map_err(|e| e.to_string())?;
    // SQLite looks for the WAL beside the file itself, wherever symlinks led.
    let wal_rel = match path.strip_prefix(root.base()) {
        Ok(p) => format!("{}-wal", p.to_string_lossy()),
        Err(_) => format!("{rel}-wal"),
    };
    match root.metadata(&wal_rel) {
        Ok(m) if m.is_file() && m.len() > WAL_HEADER => {
            let copy = copy_with_wal(root, rel, &wal_rel)?;
            read_blobs(&copy.db, OpenFlags::SQLITE_OPEN_READ_WRITE)
                .map_err(|e| format!("{e} (reading the copy made with its write-ahead log)"))
        }
        Ok(_) => read_sqlite_blobs(&path).map_err(|e| e.to_string()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            read_sqlite_blobs(&path).map_err(|e| e.to_string())
        }
        Err(e) => Err(format!("cannot read its write-ahead log {wal_rel}: {e}")),
    }
}

/// Reads every `blob` of the `Packages` table of an rpmdb.sqlite at `path` (a path on the
/// scanning machine) in place, opened read-only and immutable so that nothing is written
/// next to it. This ignores any write-ahead log; [`read_sqlite`] does not.
pub fn read_sqlite_blobs(path: &Path) -> rusqlite::Result<BlobScan> {
    let uri = format!("file:{}?mode=ro&immutable=1", uri_path(path));
    read_blobs(
        Path::new(&uri),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
    )
}

/// Runs `SELECT blob FROM Packages`. A row whose blob is not a blob is one unreadable
/// record; a failing step (a corrupt page) is one more and ends the scan, keeping the rows
/// read so far.
fn read_blobs(db: &Path, flags: OpenFlags) -> rusqlite::Result<BlobScan> {
    let conn = Connection::open_with_flags(db, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    let mut stmt = conn.prepare("SELECT blob FROM Packages")?;
    let mut rows = stmt.query([])?;
    let mut scan = BlobScan::default();
    loop {
        match rows.next() {
            Ok(Some(row)) => match row.get::<_, Vec<u8>>(0) {
                Ok(b) => scan.blobs.push(b),
                Err(e) => {
                    let n = scan.total() + 1;
                    scan.unreadable.note(|| format!("row {n}: {e}"));
                }
            },
            Ok(None) => break,
            Err(e) => {
                let n = scan.total() + 1;
                scan.unreadable.note(|| format!("row {n}: {e}"));
                break;
            }
        }
    }
    Ok(scan)
}

/// A private copy of a database and its WAL; removed when dropped.
struct Copy {
    /// Owns the temporary directory.
    _dir: tempfile::TempDir,
    /// The copied database.
    db: PathBuf,
}

/// Copies the database at `rel` and its WAL at `wal_rel` into a new private temporary
/// directory, retrying when either changes during the copy (a live rpm transaction or a
/// checkpoint), so the pair is consistent.
fn copy_with_wal(root: &Root, rel: &str, wal_rel: &str) -> Result<Copy, String> {
    let dir = tempfile::Builder::new()
        .prefix("interdict-rpmdb-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory to copy it into: {e}"))?;
    let db = dir.path().join("rpmdb.sqlite");
    let wal = dir.path().join("rpmdb.sqlite-wal");
    for _ in 0..COPY_ATTEMPTS {
        let before = stamps(root, rel, wal_rel)?;
        let total = before[0].0.saturating_add(before[1].0);
        if total > MAX_WAL_COPY {
            return Err(too_big(total));
        }
        let mut budget = MAX_WAL_COPY;
        copy_file(root, rel, &db, &mut budget)?;
        copy_file(root, wal_rel, &wal, &mut budget)?;
        if stamps(root, rel, wal_rel)? == before {
            return Ok(Copy { _dir: dir, db });
        }
    }
    Err(format!(
        "the database or its write-ahead log changed during each of {COPY_ATTEMPTS} copies"
    ))
}

fn too_big(bytes: u64) -> String {
    format!(
        "the database and its write-ahead log are {bytes} bytes, over the \
         {MAX_WAL_COPY}-byte limit for copying them"
    )
}

/// Length and modification time of the database and of its WAL.
fn stamps(root: &Root, rel: &str, wal_rel: &str) -> Result<[(u64, Option<SystemTime>); 2], String> {
    let stamp = |r: &str| {
        root.metadata(r)
            .map(|m: Metadata| (m.len(), m.modified().ok()))
            .map_err(|e| format!("cannot read {r}: {e}"))
    };
    Ok([stamp(rel)?, stamp(wal_rel)?])
}

/// Copies `rel` inside the root to `to`, taking at most `budget` bytes from it.
fn copy_file(root: &Root, rel: &str, to: &Path, budget: &mut u64) -> Result<(), String> {
    let err = |e: io::Error| format!("cannot copy {rel}: {e}");
    let from = root.open(rel).map_err(err)?;
    let mut out = File::create(to).map_err(err)?;
    // One byte over the budget tells a file that grew past it from one that fits exactly.
    let copied = io::copy(&mut from.take(budget.saturating_add(1)), &mut out).map_err(err)?;
    if copied > *budget {
        return Err(too_big(MAX_WAL_COPY - *budget + copied));
    }
    *budget -= copied;
    Ok(())
}

/// Percent-encodes a path for an SQLite `file:` URI.
fn uri_path(path: &Path) -> String {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().replace('\\', "/").into_bytes();
    super::percent_encode(&bytes, b"/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_paths_are_percent_encoded() {
        assert_eq!(uri_path(Path::new("/a b/c?d#e%")), "/a%20b/c%3Fd%23e%25");
    }
}
