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

use std::collections::HashMap;
use std::fs::{self, File, Metadata};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Most symlinks followed while resolving one path (the kernel's own limit).
const MAX_SYMLINKS: usize = 40;

/// Files larger than this are not read into memory by [`Root::read`].
pub const MAX_READ: u64 = 512 * 1024 * 1024;

/// A scanned file system: the live host (`/`) or an offline root (a mounted image, a
/// container rootfs).
#[derive(Debug, Clone)]
pub struct Root {
    base: PathBuf,
    live: bool,
    /// Files read through [`Root::read_shared`], kept for the other collectors.
    shared: Arc<Mutex<HashMap<PathBuf, Arc<[u8]>>>>,
}

/// One directory entry, as seen without following symlinks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// File name.
    pub name: String,
    /// Path relative to the root, `/`-separated.
    pub rel: String,
    /// A directory (not a symlink to one).
    pub is_dir: bool,
    /// A symlink.
    pub is_symlink: bool,
}

impl Root {
    /// The live host: `/`, with live-only sources such as processes enabled.
    pub fn live() -> Root {
        Root {
            base: PathBuf::from("/"),
            live: true,
            shared: Arc::default(),
        }
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

    /// Resolves `rel` (relative to the root; a leading `/` is ignored) to a path on the
    /// scanning machine that lies inside the root, following symlinks in every component
    /// the way a process chrooted into the root would.
    pub fn resolve(&self, rel: &str) -> io::Result<PathBuf> {
        let mut stack: Vec<String> = Vec::new();
        let mut pending: Vec<String> = components(rel).into_iter().rev().collect();
        let mut followed = 0;
        while let Some(part) = pending.pop() {
            match part.as_str() {
                "." | "" => continue,
                ".." => {
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
                            "too many levels of symbolic links at {rel}"
                        )));
                    }
                    let target = fs::read_link(&candidate)?;
                    let target = target.to_string_lossy();
                    if target.starts_with('/') {
                        stack.clear();
                    }
                    pending.extend(components(&target).into_iter().rev());
                }
                // A missing or plain component: keep it (a later read reports NotFound).
                _ => stack.push(part),
            }
        }
        Ok(self.join(&stack))
    }

    fn join(&self, parts: &[String]) -> PathBuf {
        let mut p = self.base.clone();
        for c in parts {
            p.push(c);
        }
        p
    }

    /// Opens a file inside the root for reading.
    pub fn open(&self, rel: &str) -> io::Result<File> {
        File::open(self.resolve(rel)?)
    }

    /// Reads a whole file inside the root (refusing files over [`MAX_READ`]).
    pub fn read(&self, rel: &str) -> io::Result<Vec<u8>> {
        let file = self.open(rel)?;
        let len = file.metadata()?.len();
        if len > MAX_READ {
            return Err(io::Error::other(format!(
                "file is {len} bytes, over the {MAX_READ}-byte limit"
            )));
        }
        let mut buf = Vec::with_capacity(len as usize);
        file.take(MAX_READ).read_to_end(&mut buf)?;
        Ok(buf)
    }

    /// Reads a file that several collectors need (a registry hive): the first call reads
    /// it, later calls — from any clone of this `Root`, on any thread — share those bytes,
    /// so a 100 MB `SOFTWARE` hive is read and held once per scan, not once per collector.
    pub fn read_shared(&self, rel: &str) -> io::Result<Arc<[u8]>> {
        let path = self.resolve(rel)?;
        if let Some(bytes) = self
            .shared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&path)
        {
            return Ok(bytes.clone());
        }
        let bytes: Arc<[u8]> = self.read(rel)?.into();
        self.shared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(path)
            .or_insert(bytes.clone());
        Ok(bytes)
    }

    /// Metadata of a path inside the root, following symlinks inside the root.
    pub fn metadata(&self, rel: &str) -> io::Result<Metadata> {
        fs::metadata(self.resolve(rel)?)
    }

    /// Whether a path exists inside the root.
    pub fn exists(&self, rel: &str) -> bool {
        self.metadata(rel).is_ok()
    }

    /// Whether a path inside the root is a directory.
    pub fn is_dir(&self, rel: &str) -> bool {
        self.metadata(rel).is_ok_and(|m| m.is_dir())
    }

    /// The entries of a directory inside the root, sorted by name. Entries are not
    /// followed: a symlink is reported as a symlink.
    pub fn read_dir(&self, rel: &str) -> io::Result<Vec<Entry>> {
        let dir = self.resolve(rel)?;
        let prefix = normalize(rel);
        let mut out = Vec::new();
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let ft = entry.file_type()?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            out.push(Entry {
                name,
                rel,
                is_dir: ft.is_dir(),
                is_symlink: ft.is_symlink(),
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// The target of a symlink inside the root, as stored (not resolved).
    pub fn read_link(&self, rel: &str) -> io::Result<String> {
        let (parent, name) = match normalize(rel).rsplit_once('/') {
            Some((p, n)) => (p.to_string(), n.to_string()),
            None => (String::new(), normalize(rel)),
        };
        let link = self.resolve(&parent)?.join(name);
        Ok(fs::read_link(link)?.to_string_lossy().into_owned())
    }

    /// Case-insensitive lookup of a relative path, as Windows and default macOS file
    /// systems see it: returns the path with the case found on disk, if it exists.
    pub fn find_case_insensitive(&self, rel: &str) -> Option<String> {
        let mut found = String::new();
        for part in components(rel) {
            if part.is_empty() || part == "." {
                continue;
            }
            let entries = self.read_dir(&found).ok()?;
            let hit = entries
                .iter()
                .find(|e| e.name == part)
                .or_else(|| entries.iter().find(|e| e.name.eq_ignore_ascii_case(&part)))?;
            found = hit.rel.clone();
        }
        Some(found)
    }
}

/// `rel` as `/`-separated components without leading `/`.
pub fn normalize(rel: &str) -> String {
    components(rel)
        .into_iter()
        .filter(|c| !c.is_empty() && c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

fn components(path: &str) -> Vec<String> {
    Path::new(path)
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn fixture() -> (tempfile::TempDir, tempfile::TempDir, Root) {
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret"), "outside").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        fs::create_dir_all(r.join("etc/ssl/certs")).unwrap();
        fs::create_dir_all(r.join("usr/share/ca")).unwrap();
        fs::write(r.join("usr/share/ca/a.pem"), "inside").unwrap();
        fs::write(r.join("secret"), "root-secret").unwrap();
        symlink("/usr/share/ca/a.pem", r.join("etc/ssl/certs/abs.pem")).unwrap();
        symlink("../../../../../../secret", r.join("etc/ssl/certs/climb")).unwrap();
        symlink(outside.path().join("secret"), r.join("etc/escape")).unwrap();
        symlink("loop2", r.join("etc/loop1")).unwrap();
        symlink("loop1", r.join("etc/loop2")).unwrap();
        let root = Root::offline(r).unwrap();
        (dir, outside, root)
    }

    #[test]
    fn absolute_symlinks_are_re_rooted() {
        let (_d, _o, root) = fixture();
        assert_eq!(root.read("etc/ssl/certs/abs.pem").unwrap(), b"inside");
    }

    #[test]
    fn dot_dot_never_climbs_above_the_root() {
        let (_d, _o, root) = fixture();
        assert_eq!(root.read("etc/ssl/certs/climb").unwrap(), b"root-secret");
        assert_eq!(root.read("../../../secret").unwrap(), b"root-secret");
    }

    #[test]
    fn symlink_to_outside_stays_inside() {
        let (_d, outside, root) = fixture();
        let resolved = root.resolve("etc/escape").unwrap();
        assert!(resolved.starts_with(root.base()), "{resolved:?}");
        assert!(!resolved.starts_with(outside.path()));
        // The re-rooted target does not exist inside the root.
        assert_eq!(
            root.read("etc/escape").unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }

    #[test]
    fn symlink_loops_end_with_an_error() {
        let (_d, _o, root) = fixture();
        let e = root.read("etc/loop1").unwrap_err();
        assert!(e.to_string().contains("too many levels"), "{e}");
    }

    #[test]
    fn shared_reads_are_read_once_for_every_clone() {
        let (_d, _o, root) = fixture();
        let other = root.clone();
        let a = root.read_shared("usr/share/ca/a.pem").unwrap();
        let b = other.read_shared("etc/ssl/certs/abs.pem").unwrap();
        assert!(Arc::ptr_eq(&a, &b), "same file through a symlink, one read");
        assert_eq!(&*a, b"inside");
        assert!(root.read_shared("etc/loop1").is_err());
    }

    #[test]
    fn case_insensitive_lookup_finds_the_on_disk_case() {
        let (_d, _o, root) = fixture();
        assert_eq!(
            root.find_case_insensitive("USR/Share/CA/A.PEM").as_deref(),
            Some("usr/share/ca/a.pem")
        );
        assert_eq!(root.find_case_insensitive("usr/nothing"), None);
    }
}
