//! Safe access to the files of a scanned root.
//!
//! Every path a collector reads is resolved *inside* the root, the way a chroot would see
//! it: an absolute symlink target is re-rooted, `..` never climbs above the root, and
//! symlink loops end with an error. Nothing outside the root is ever opened, and nothing is
//! ever written.
//!
//! Written by hand because the crates for confined access (cap-std, openat2 with
//! `RESOLVE_BENEATH`) reject absolute symlinks instead of re-rooting them, and an offline
//! system image is full of absolute symlinks (`/etc/ssl/certs/*.pem`, `/etc/alternatives`).
//!
//! # Hostile roots
//!
//! An offline root is untrusted input, so `Root` also guards against what a crafted image
//! can hold where a collector expects a file:
//!
//! * **Only regular files are read.** A path is checked with `lstat` after resolution, then
//!   opened with `O_NONBLOCK | O_NOFOLLOW | O_NOCTTY` and checked again with `fstat` on the
//!   open handle. A FIFO, socket or device is never read (a FIFO would block `open` for
//!   ever; `/dev/zero` would be read without end): it is an error naming the path and its
//!   type, e.g. `var/lib/dpkg/status: is a FIFO (named pipe), not a regular file`.
//! * **Every read is bounded**: [`Root::read_limited`] takes the caller's bound (each
//!   collector documents its own), checks the size `fstat` gives for the open file and reads
//!   at most one byte past the bound, so a file that grows or lies about its size (a
//!   `/proc` file) cannot exceed it either.
//! * **Unreadable is not absent.** [`Root::probe`] answers "is it there?" with
//!   `Ok(None)` only for `NotFound`/`NotADirectory`; a permission error, a symlink loop or
//!   an I/O error is an `Err` naming the path, which collectors report.
//! * **Names are bytes.** Paths are resolved, joined and listed as `OsStr`, so a name that
//!   is not UTF-8 is read as itself. Its text form (in [`Entry::name`], [`Entry::rel`],
//!   evidence locations and errors) is escaped as described in [`escape`]: `\xHH` for each
//!   byte that is not UTF-8, `\\` for a backslash that would otherwise read as an escape.
//!   The `&str`-taking methods read that form back, and `*_os` variants take raw bytes.
//!
//! Every error a `Root` method returns names the path it concerns (as given, escaped).

pub mod escape;
mod walked;

pub use escape::{escape_bytes, escape_os, unescape};

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fs::{self, File, FileType, Metadata};
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock};

/// Most symlinks followed while resolving one path (the kernel's own limit).
const MAX_SYMLINKS: usize = 40;

/// The bound of [`Root::read`], for callers that name none: no source a collector reads
/// as a whole is near it (the largest, a registry hive, is a few hundred MB at most).
/// Collectors pass their own, smaller bound to [`Root::read_limited`].
pub const MAX_READ: u64 = 512 * 1024 * 1024;

/// What a path is, as `lstat` sees it (a symlink is not followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A regular file: the only kind `Root` reads.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A FIFO (named pipe): opening it for reading would block until a writer came.
    Fifo,
    /// A Unix socket.
    Socket,
    /// A character device (`/dev/zero`, a tty): reading may never end or have effects.
    CharDevice,
    /// A block device (a disk).
    BlockDevice,
}

impl Kind {
    /// The kind of a file type.
    pub fn of(ft: FileType) -> Kind {
        if ft.is_dir() {
            Kind::Dir
        } else if ft.is_symlink() {
            Kind::Symlink
        } else if ft.is_fifo() {
            Kind::Fifo
        } else if ft.is_socket() {
            Kind::Socket
        } else if ft.is_char_device() {
            Kind::CharDevice
        } else if ft.is_block_device() {
            Kind::BlockDevice
        } else {
            Kind::File
        }
    }

    /// A short description for messages: `regular file`, `FIFO (named pipe)`, …
    pub fn describe(self) -> &'static str {
        match self {
            Kind::File => "regular file",
            Kind::Dir => "directory",
            Kind::Symlink => "symbolic link",
            Kind::Fifo => "FIFO (named pipe)",
            Kind::Socket => "socket",
            Kind::CharDevice => "character device",
            Kind::BlockDevice => "block device",
        }
    }
}

/// A scanned file system: the live host (`/`) or an offline root (a mounted image, a
/// container rootfs).
#[derive(Debug, Clone)]
pub struct Root {
    base: PathBuf,
    live: bool,
    /// Files read through [`Root::read_shared`], kept for the other collectors.
    shared: Arc<Mutex<HashMap<PathBuf, Arc<[u8]>>>>,
    /// Errors the answer-only methods ([`Root::exists`], [`Root::is_dir`],
    /// [`Root::find_case_insensitive`], [`Root::read_dir_or_note`]) could not return:
    /// `(location, message)`, shared by every clone, drained by [`Root::take_noted`].
    noted: Arc<Mutex<Vec<(String, String)>>>,
    /// The system the scan recognised in this root, set once ([`Root::set_os`]) so
    /// collectors read it instead of detecting it again.
    os: Arc<OnceLock<crate::os::OsInfo>>,
    /// The root directory handle of [`Root::open_walked_os`], shared by every clone.
    walk: Arc<WalkDir>,
}

/// State of [`Root::open_walked_os`]: the root directory, opened on first use, and whether
/// the kernel lacks `openat2`.
#[derive(Debug, Default)]
struct WalkDir {
    dir: OnceLock<Option<std::os::fd::OwnedFd>>,
    no_openat2: AtomicBool,
}

/// The collector id of the errors [`Root::take_noted`] returns.
pub const NOTED_ID: &str = "file-access";

/// One directory entry, as seen without following symlinks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// File name, in the escaped text form of [`escape`] (the name itself when UTF-8).
    pub name: String,
    /// Path relative to the root, `/`-separated, escaped like `name`; the `&str` methods
    /// of [`Root`] open the file it names.
    pub rel: String,
    /// A directory (not a symlink to one).
    pub is_dir: bool,
    /// A symlink.
    pub is_symlink: bool,
    /// What the entry is (not following a symlink).
    pub kind: Kind,
    /// The file name as bytes.
    pub os_name: OsString,
    /// The path relative to the root as bytes.
    pub os_rel: OsString,
}

/// Whether an error means "not there" (as opposed to "there but unreadable").
pub fn is_absent(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
}

/// `err` with `shown: ` in front of its message, its kind kept.
fn named(shown: &str, err: io::Error) -> io::Error {
    let msg = err.to_string();
    if msg.starts_with(&format!("{shown}: ")) {
        return err;
    }
    io::Error::new(err.kind(), format!("{shown}: {msg}"))
}

/// The error for a path that is not a regular file.
fn not_regular(kind: Kind) -> io::Error {
    let e = match kind {
        Kind::Dir => io::ErrorKind::IsADirectory,
        _ => io::ErrorKind::InvalidInput,
    };
    io::Error::new(
        e,
        format!("is a {}, not a regular file; not read", kind.describe()),
    )
}

/// Opens the regular file at `path` (a path on the scanning machine) for reading without
/// ever blocking or touching anything else: `lstat` first (a FIFO, socket, device or
/// symlink is refused without being opened), then `open` with `O_NONBLOCK | O_NOFOLLOW |
/// O_NOCTTY`, then `fstat` on the handle (so a swap between the two is caught too).
/// Returns the file and the metadata of the open handle.
///
/// For walkers that have a path of their own (the file sweep); collectors use
/// [`Root::open`].
pub fn open_regular(path: &Path) -> io::Result<(File, Metadata)> {
    let before = fs::symlink_metadata(path)?;
    let kind = Kind::of(before.file_type());
    if kind != Kind::File {
        return Err(not_regular(kind));
    }
    open_nonblocking(path)
}

/// The second half of [`open_regular`]: an `open` that cannot block (a FIFO without a
/// writer opens at once with `O_NONBLOCK`) and cannot follow a symlink planted since the
/// check, then `fstat` on the handle.
fn open_nonblocking(path: &Path) -> io::Result<(File, Metadata)> {
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_NOCTTY)
        .open(path)?;
    checked_handle(file)
}

/// `fstat` on an open handle: the file with its metadata when it is a regular file.
fn checked_handle(file: File) -> io::Result<(File, Metadata)> {
    let meta = file.metadata()?;
    let kind = Kind::of(meta.file_type());
    if kind != Kind::File {
        return Err(not_regular(kind));
    }
    Ok((file, meta))
}

/// Reads an open regular file of `size` bytes (by `fstat`) whole, failing past `limit`:
/// the size is checked first, and the read stops one byte past the bound, so a file that
/// grows or reports a wrong size (`/proc`) is caught as well.
fn read_bounded(file: File, size: u64, limit: u64) -> io::Result<Vec<u8>> {
    if size > limit {
        return Err(too_large(size, limit));
    }
    let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("file grew past the {limit}-byte limit while read"),
        ));
    }
    Ok(buf)
}

fn too_large(size: u64, limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!("file is {size} bytes, over the {limit}-byte limit"),
    )
}

impl Root {
    /// The live host: `/`, with live-only sources such as processes enabled.
    pub fn live() -> Root {
        Root {
            base: PathBuf::from("/"),
            live: true,
            shared: Arc::default(),
            noted: Arc::default(),
            os: Arc::default(),
            walk: Arc::default(),
        }
    }

    /// Records the system recognised in this root (the scan does, once, before the
    /// collectors run); a second call changes nothing.
    pub fn set_os(&self, os: crate::os::OsInfo) {
        let _ = self.os.set(os);
    }

    /// The system recognised in this root, when the scan has recorded it.
    pub fn os(&self) -> Option<&crate::os::OsInfo> {
        self.os.get()
    }

    /// An offline root at `dir`. Fails if it is not a directory.
    pub fn offline(dir: &Path) -> io::Result<Root> {
        let base = fs::canonicalize(dir)?;
        if !fs::metadata(&base)?.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                "not a directory",
            ));
        }
        Ok(Root {
            base,
            live: false,
            shared: Arc::default(),
            noted: Arc::default(),
            os: Arc::default(),
            walk: Arc::default(),
        })
    }

    /// Whether this is the running host.
    pub fn is_live(&self) -> bool {
        self.live
    }

    /// The root directory on the scanning machine.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// Resolves `rel` (relative to the root; a leading `/` is ignored; escaped text form,
    /// see [`escape`]) to a path on the scanning machine that lies inside the root,
    /// following symlinks in every component the way a process chrooted into the root
    /// would.
    pub fn resolve(&self, rel: &str) -> io::Result<PathBuf> {
        self.resolve_os(&unescape(rel))
    }

    /// [`Root::resolve`] for a path given as bytes.
    pub fn resolve_os(&self, rel: &OsStr) -> io::Result<PathBuf> {
        let mut stack: Vec<OsString> = Vec::new();
        let mut pending: Vec<OsString> = components(Path::new(rel)).into_iter().rev().collect();
        let mut followed = 0;
        while let Some(part) = pending.pop() {
            match part.as_bytes() {
                b"." | b"" => continue,
                b".." => {
                    stack.pop();
                    continue;
                }
                _ => {}
            }
            let candidate = self.join(&stack).join(&part);
            match fs::symlink_metadata(&candidate) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    followed += 1;
                    if followed > MAX_SYMLINKS {
                        return Err(io::Error::other(format!(
                            "{}: too many levels of symbolic links (a symlink loop)",
                            escape_os(rel)
                        )));
                    }
                    let target =
                        fs::read_link(&candidate).map_err(|e| named(&escape_os(rel), e))?;
                    if target.has_root() {
                        stack.clear();
                    }
                    pending.extend(components(&target).into_iter().rev());
                }
                Ok(_) => stack.push(part),
                // A missing component: keep it (a later read reports NotFound).
                Err(e) if is_absent(&e) => stack.push(part),
                Err(e) => return Err(named(&escape_os(rel), e)),
            }
        }
        Ok(self.join(&stack))
    }

    fn join(&self, parts: &[OsString]) -> PathBuf {
        let mut p = self.base.clone();
        for c in parts {
            p.push(c);
        }
        p
    }

    /// `path` (on the scanning machine, inside the root) as text relative to the root.
    fn shown_inside(&self, path: &Path) -> String {
        escape_os(path.strip_prefix(&self.base).unwrap_or(path).as_os_str())
    }

    /// Opens a regular file inside the root for reading, never blocking: a FIFO, socket or
    /// device is an error naming the path and its type (see [`open_regular`]).
    pub fn open(&self, rel: &str) -> io::Result<File> {
        self.open_os(&unescape(rel))
    }

    /// [`Root::open`] for a path given as bytes.
    pub fn open_os(&self, rel: &OsStr) -> io::Result<File> {
        self.open_checked(rel).map(|(f, _)| f)
    }

    fn open_checked(&self, rel: &OsStr) -> io::Result<(File, Metadata)> {
        let shown = escape_os(rel);
        let path = self.resolve_os(rel)?;
        open_regular(&path).map_err(|e| {
            let inside = self.shown_inside(&path);
            if inside != normalize(&shown) && !is_absent(&e) {
                let e = io::Error::new(e.kind(), format!("resolves to {inside}, which {e}"));
                named(&shown, e)
            } else {
                named(&shown, e)
            }
        })
    }

    /// Reads a whole regular file inside the root, refusing files over [`MAX_READ`]. Prefer
    /// [`Root::read_limited`] with a bound fit for the source.
    pub fn read(&self, rel: &str) -> io::Result<Vec<u8>> {
        self.read_limited(rel, MAX_READ)
    }

    /// Reads a whole regular file inside the root, refusing one over `limit` bytes (checked
    /// on the open file, see the module docs).
    pub fn read_limited(&self, rel: &str, limit: u64) -> io::Result<Vec<u8>> {
        self.read_os_limited(&unescape(rel), limit)
    }

    /// [`Root::read_limited`] for a path given as bytes.
    pub fn read_os_limited(&self, rel: &OsStr, limit: u64) -> io::Result<Vec<u8>> {
        let (file, meta) = self.open_checked(rel)?;
        read_bounded(file, meta.len(), limit).map_err(|e| named(&escape_os(rel), e))
    }

    /// Reads a file that several collectors need (a registry hive): the first call reads
    /// it, later calls — from any clone of this `Root`, on any thread — share those bytes,
    /// so a 100 MB `SOFTWARE` hive is read and held once per scan, not once per collector.
    pub fn read_shared(&self, rel: &str) -> io::Result<Arc<[u8]>> {
        self.read_shared_limited(rel, MAX_READ)
    }

    /// [`Root::read_shared`] with a bound, as [`Root::read_limited`].
    pub fn read_shared_limited(&self, rel: &str, limit: u64) -> io::Result<Arc<[u8]>> {
        let path = self.resolve(rel)?;
        if let Some(bytes) = self
            .shared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&path)
        {
            return Ok(bytes.clone());
        }
        let bytes: Arc<[u8]> = self.read_limited(rel, limit)?.into();
        self.shared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(path)
            .or_insert(bytes.clone());
        Ok(bytes)
    }

    /// Metadata of a path inside the root, following symlinks inside the root.
    pub fn metadata(&self, rel: &str) -> io::Result<Metadata> {
        let path = self.resolve(rel)?;
        fs::metadata(path).map_err(|e| named(rel, e))
    }

    /// What is at `rel` (following symlinks inside the root): `Ok(None)` when nothing is
    /// (`NotFound`, or a component is not a directory), `Err` naming the path when that
    /// cannot be told (permission denied, a symlink loop, an I/O error). Use this, not
    /// [`Root::exists`], to decide whether a source is there.
    pub fn probe(&self, rel: &str) -> io::Result<Option<Kind>> {
        self.probe_os(&unescape(rel))
    }

    /// [`Root::probe`] for a path given as bytes.
    pub fn probe_os(&self, rel: &OsStr) -> io::Result<Option<Kind>> {
        let path = match self.resolve_os(rel) {
            Ok(p) => p,
            Err(e) if is_absent(&e) => return Ok(None),
            Err(e) => return Err(e),
        };
        match fs::symlink_metadata(&path) {
            Ok(m) => Ok(Some(Kind::of(m.file_type()))),
            Err(e) if is_absent(&e) => Ok(None),
            Err(e) => Err(named(&escape_os(rel), e)),
        }
    }

    /// Whether a path exists inside the root. When that cannot be told (see
    /// [`Root::probe`], which callers should prefer) the answer is `false` and the error
    /// is noted for [`Root::take_noted`], so it still reaches the report.
    pub fn exists(&self, rel: &str) -> bool {
        self.noting(rel, self.probe(rel))
            .is_some_and(|k| k.is_some())
    }

    /// Whether a path inside the root is a directory; an error is noted as by
    /// [`Root::exists`].
    pub fn is_dir(&self, rel: &str) -> bool {
        self.noting(rel, self.probe(rel)) == Some(Some(Kind::Dir))
    }

    /// The entries of a directory, or none when it is not there; when it is there but
    /// cannot be listed, none and the error is noted for [`Root::take_noted`]. For
    /// walkers with no error list of their own.
    pub fn read_dir_or_note(&self, rel: &str) -> Vec<Entry> {
        match self.read_dir(rel) {
            Ok(e) => e,
            Err(e) if is_absent(&e) => Vec::new(),
            Err(e) => {
                self.note(rel, &e);
                Vec::new()
            }
        }
    }

    /// `result` as an option, noting its error.
    fn noting<T>(&self, rel: &str, result: io::Result<T>) -> Option<T> {
        result.map_err(|e| self.note(rel, &e)).ok()
    }

    fn note(&self, rel: &str, e: &io::Error) {
        let location = normalize(rel);
        let message = e.to_string();
        let message = message
            .strip_prefix(&format!("{location}: "))
            .map(str::to_string)
            .unwrap_or(message);
        let mut noted = self.noted.lock().unwrap_or_else(|p| p.into_inner());
        if !noted.iter().any(|(l, m)| *l == location && *m == message) {
            noted.push((location, message));
        }
    }

    /// The errors the answer-only methods met since the last call, as errors of
    /// collector [`NOTED_ID`], so that a source hidden by
    /// an unreadable folder is never silently taken for a missing one.
    pub fn take_noted(&self) -> Vec<interdict_inventory::CollectError> {
        std::mem::take(&mut *self.noted.lock().unwrap_or_else(|p| p.into_inner()))
            .into_iter()
            .map(|(location, message)| {
                interdict_inventory::CollectError::new(NOTED_ID, location, message)
            })
            .collect()
    }

    /// The entries of a directory inside the root, sorted by name (as bytes). Entries are
    /// not followed: a symlink is reported as a symlink.
    pub fn read_dir(&self, rel: &str) -> io::Result<Vec<Entry>> {
        self.read_dir_os(&unescape(rel))
    }

    /// [`Root::read_dir`] for a path given as bytes.
    pub fn read_dir_os(&self, rel: &OsStr) -> io::Result<Vec<Entry>> {
        let shown = escape_os(rel);
        let dir = self.resolve_os(rel)?;
        let prefix = components(Path::new(rel))
            .into_iter()
            .filter(|c| !c.is_empty() && c != ".")
            .fold(PathBuf::new(), |p, c| p.join(c));
        let mut out = Vec::new();
        for entry in fs::read_dir(dir).map_err(|e| named(&shown, e))? {
            let entry = entry.map_err(|e| named(&shown, e))?;
            let os_name = entry.file_name();
            let ft = entry
                .file_type()
                .map_err(|e| named(&escape_os(prefix.join(&os_name).as_os_str()), e))?;
            let os_rel = prefix.join(&os_name).into_os_string();
            let kind = Kind::of(ft);
            out.push(Entry {
                name: escape_os(&os_name),
                rel: escape_os(&os_rel),
                is_dir: kind == Kind::Dir,
                is_symlink: kind == Kind::Symlink,
                kind,
                os_name,
                os_rel,
            });
        }
        out.sort_by(|a, b| a.os_name.cmp(&b.os_name));
        Ok(out)
    }

    /// The target of a symlink inside the root, as stored (not resolved), in the escaped
    /// text form.
    pub fn read_link(&self, rel: &str) -> io::Result<String> {
        let raw = unescape(rel);
        let path = Path::new(&raw);
        let link = match (path.parent(), path.file_name()) {
            (Some(parent), Some(name)) => self.resolve_os(parent.as_os_str())?.join(name),
            _ => self.resolve_os(&raw)?,
        };
        let target = fs::read_link(link).map_err(|e| named(rel, e))?;
        Ok(escape_os(target.as_os_str()))
    }

    /// Case-insensitive lookup of a relative path, as Windows and default macOS file
    /// systems see it: the path with the case found on disk, `Ok(None)` when there is no
    /// such path, and an error naming the folder that could not be listed (permission
    /// denied, a symlink loop) — so an unreadable folder is not taken for a missing one.
    pub fn lookup_case_insensitive(&self, rel: &str) -> io::Result<Option<String>> {
        let mut found = String::new();
        for part in rel.split('/') {
            if part.is_empty() || part == "." {
                continue;
            }
            let entries = match self.read_dir(&found) {
                Ok(e) => e,
                Err(e) if is_absent(&e) => return Ok(None),
                Err(e) => return Err(e),
            };
            let hit = entries
                .iter()
                .find(|e| e.name == part)
                .or_else(|| entries.iter().find(|e| e.name.eq_ignore_ascii_case(part)));
            match hit {
                Some(h) => found = h.rel.clone(),
                None => return Ok(None),
            }
        }
        Ok(Some(found))
    }

    /// [`Root::lookup_case_insensitive`] without the reason: `None` also when a folder on
    /// the way could not be listed, the error then noted for [`Root::take_noted`].
    pub fn find_case_insensitive(&self, rel: &str) -> Option<String> {
        self.noting(rel, self.lookup_case_insensitive(rel))
            .flatten()
    }
}

/// `rel` as `/`-separated components without leading `/`.
pub fn normalize(rel: &str) -> String {
    rel.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

fn components(path: &Path) -> Vec<OsString> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests;
