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

use super::{Root, checked_handle};
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
