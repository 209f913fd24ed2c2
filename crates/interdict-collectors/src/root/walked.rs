//! Opening a file the sweep's walker has already listed, without resolving its path again.
//!
//! [`Root::open`] resolves every component in user space (one `lstat` per component, so
//! that absolute symlinks are re-rooted), which on a whole-volume sweep costs more than
//! the read itself. The walker never follows symlinks, so a path it listed has none: one
//! `openat2` relative to the root directory with `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`
//! opens it with the same guarantees — the kernel refuses any `..` above the root and any
//! symlink on the way (one planted since the listing included), and `O_NOFOLLOW |
//! O_NONBLOCK | O_NOCTTY` plus `fstat` on the handle keep the last component a regular file
//! that was never blocked on. Whenever that open fails (a symlink appeared, the kernel has
//! no `openat2`, the file went away, permission denied) the file is opened the slow way,
//! [`Root::open`], so the result and the error text are exactly what it gives.

use super::{Root, checked_handle, escape_os};
use rustix::fs::{Mode, OFlags, ResolveFlags};
use std::ffi::OsStr;
use std::fs::{File, Metadata};
use std::io;
use std::os::fd::OwnedFd;
use std::sync::atomic::Ordering;

impl Root {
    /// Opens the regular file at `rel` (relative to the root, as bytes) that a walker which
    /// never follows symlinks listed as a regular file; returns it with the metadata of the
    /// open handle. Same result as [`Root::open_os`], at the cost of one `openat2` instead
    /// of an `lstat` per path component. Errors name the path.
    pub fn open_walked_os(&self, rel: &OsStr) -> io::Result<(File, Metadata)> {
        if let Some(dir) = self.walk_dir()
            && let Ok(fd) = rustix::fs::openat2(
                dir,
                rel,
                OFlags::RDONLY
                    | OFlags::NONBLOCK
                    | OFlags::NOFOLLOW
                    | OFlags::NOCTTY
                    | OFlags::CLOEXEC,
                Mode::empty(),
                ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS,
            )
            .map_err(|e| {
                if e == rustix::io::Errno::NOSYS {
                    // No openat2 here (an old kernel, a seccomp filter): never try again.
                    self.walk.no_openat2.store(true, Ordering::Relaxed);
                }
            })
        {
            // Not a regular file after all (swapped since the listing): the slow path
            // words the error exactly as `open` does.
            if let Ok(open) = checked_handle(File::from(fd)) {
                return Ok(open);
            }
        }
        self.open_checked(rel)
    }

    /// Reads the regular file at `rel` that a listing ([`Root::read_dir`], a walker) showed
    /// as a regular file, opened as by [`Root::open_walked_os`], refusing one over `limit`
    /// bytes; same result as [`Root::read_os_limited`].
    pub fn read_walked_limited(&self, rel: &OsStr, limit: u64) -> io::Result<Vec<u8>> {
        let (file, meta) = self.open_walked_os(rel)?;
        super::read_bounded(file, meta.len(), limit).map_err(|e| super::named(&escape_os(rel), e))
    }

    /// The root directory, opened once (`O_PATH`) for [`Root::open_walked_os`]; `None`
    /// when it cannot be opened or `openat2` is missing.
    fn walk_dir(&self) -> Option<&OwnedFd> {
        if self.walk.no_openat2.load(Ordering::Relaxed) {
            return None;
        }
        self.walk
            .dir
            .get_or_init(|| {
                rustix::fs::open(
                    &self.base,
                    OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .ok()
            })
            .as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::unix::fs::symlink;
    use std::path::Path;

    /// What opening gives, comparable: the bytes or the error text.
    fn outcome(r: io::Result<File>) -> Result<Vec<u8>, String> {
        let mut f = r.map_err(|e| e.to_string())?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).map_err(|e| e.to_string())?;
        Ok(buf)
    }

    fn both(root: &Root, rel: &str) -> (Result<Vec<u8>, String>, Result<Vec<u8>, String>) {
        let rel = OsStr::new(rel);
        (
            outcome(root.open_walked_os(rel).map(|(f, _)| f)),
            outcome(root.open_os(rel)),
        )
    }

    /// Whatever a listed path turns out to be by the time it is opened — a plain file, or
    /// a path with a symlink swapped in (absolute, climbing, escaping, a loop) — the
    /// walked open gives exactly what the resolving open gives, and never leaves the root.
    #[test]
    fn walked_opens_give_what_open_gives_even_after_symlink_swaps() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "outside").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("usr/share/ca")).unwrap();
        std::fs::write(r.join("usr/share/ca/a.pem"), "inside").unwrap();
        std::fs::write(r.join("secret"), "root-secret").unwrap();
        symlink("/usr/share/ca", r.join("abs")).unwrap();
        symlink("../../../../..", r.join("usr/climb")).unwrap();
        symlink(outside.path(), r.join("escape")).unwrap();
        symlink("/usr/share/ca/a.pem", r.join("last")).unwrap();
        symlink("loop2", r.join("loop1")).unwrap();
        symlink("loop1", r.join("loop2")).unwrap();
        let root = Root::offline(r).unwrap();
        let (walked, open) = both(&root, "usr/share/ca/a.pem");
        assert_eq!(walked, Ok(b"inside".to_vec()));
        assert_eq!(walked, open);
        let (walked, _) = both(&root, "abs/a.pem");
        assert_eq!(walked, Ok(b"inside".to_vec()), "re-rooted like open");
        let (walked, _) = both(&root, "usr/climb/secret");
        assert_eq!(
            walked,
            Ok(b"root-secret".to_vec()),
            "`..` stops at the root"
        );
        for limit in [3, 100] {
            let rel = OsStr::new("usr/share/ca/a.pem");
            let walked = root
                .read_walked_limited(rel, limit)
                .map_err(|e| e.to_string());
            let read = root.read_os_limited(rel, limit).map_err(|e| e.to_string());
            assert_eq!(walked, read, "limit {limit}");
        }
        for rel in [
            "escape/secret",
            "last",
            "loop1/x",
            "missing",
            "usr/share",
            "../secret",
        ] {
            let (walked, open) = both(&root, rel);
            assert_eq!(walked, open, "{rel}");
            assert_ne!(walked, Ok(b"outside".to_vec()), "{rel}");
        }
    }

    /// A FIFO or device listed as a file (swapped since the listing) is refused at once
    /// with open's error, never read or waited on.
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        assert!(made, "mkfifo");
        let root = Root::offline(dir.path()).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let r2 = root.clone();
        std::thread::spawn(move || {
            let _ = tx.send(both(&r2, "pipe"));
        });
        let (walked, open) = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("opening a FIFO blocked");
        assert_eq!(walked, open);
        assert!(walked.unwrap_err().contains("FIFO"));
        assert!(Path::new(&path).exists());
    }
}
