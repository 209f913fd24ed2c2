//! The file sweep: a parallel walk of the root that reports the paths a
//! [`SweepFilter`] selects, optionally with their SHA-256.
//!
//! The walk uses ripgrep's `ignore` walker with every filter switched off. It never follows
//! symlinks and, unless asked, never crosses into another file system, so `/proc`, `/sys`,
//! `/dev` and network mounts of a live host are skipped.
//!
//! A [`FileInspector`] can look inside every regular file the walk meets (PE
//! identification on a Windows root), so one walk serves both the path sweep and the file
//! contents.

use crate::root::escape_os;
use crate::{Collector, Root, error_at};
use ignore::{WalkBuilder, WalkState};
use interdict_inventory::{Artifact, ArtifactKind, CollectError, Inventory};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

/// The collector id.
pub const ID: &str = "file-sweep";

/// Live-host directories that are never swept even when on the root file system.
const PSEUDO: &[&str] = &["proc", "sys", "dev", "run"];

/// Decides which paths the sweep reports. Built by the caller (from the catalog), so the
/// collector itself knows nothing about what is banned.
pub trait SweepFilter: Send + Sync {
    /// Whether the entry at `rel` (relative to the root, `/`-separated) is reported.
    fn select(&self, rel: &str, name: &str, is_dir: bool) -> bool;

    /// Whether a file with this SHA-256 (lower-case hex) is reported even when
    /// [`SweepFilter::select`] said no. Only asked when hashing is on.
    fn select_hash(&self, _sha256: &str) -> bool {
        false
    }
}

/// Looks inside the regular files the sweep walks past, on the walker's threads, and adds
/// what it finds (artifacts and errors under its own collector id) to the sweep's result.
pub trait FileInspector: Send + Sync {
    /// Inspects the regular file at `rel` (relative to the root, `/`-separated; `name` is
    /// its last component). Reads go through `root`.
    fn inspect(&self, root: &Root, rel: &str, name: &str, out: &mut Inventory);

    /// [`FileInspector::inspect`] with the path also as bytes (`os_rel`, the walker's own
    /// path relative to the root, listed without following symlinks), so an inspector can
    /// open it with [`Root::open_walked_os`] instead of resolving `rel` again. The sweep
    /// calls this one; by default it calls [`FileInspector::inspect`].
    fn inspect_walked(
        &self,
        root: &Root,
        os_rel: &std::ffi::OsStr,
        rel: &str,
        name: &str,
        out: &mut Inventory,
    ) {
        let _ = os_rel;
        self.inspect(root, rel, name, out);
    }

    /// [`FileInspector::inspect_walked`] (or [`FileInspector::inspect`] without `os_rel`)
    /// in a sweep that hashes (`hash`): an inspector that reads the whole file may return
    /// its SHA-256 (lower-case hex), computed on the way, so the sweep does not read the
    /// file a second time. By default it inspects and returns `None`.
    fn inspect_hashing(
        &self,
        root: &Root,
        os_rel: Option<&std::ffi::OsStr>,
        rel: &str,
        name: &str,
        hash: bool,
        out: &mut Inventory,
    ) -> Option<String> {
        let _ = hash;
        match os_rel {
            Some(os) => self.inspect_walked(root, os, rel, name, out),
            None => self.inspect(root, rel, name, out),
        }
        None
    }
}

/// Several inspectors on one walk (PE identification and the content pass), in order.
pub struct Inspectors(pub Vec<Box<dyn FileInspector>>);

impl FileInspector for Inspectors {
    fn inspect(&self, root: &Root, rel: &str, name: &str, out: &mut Inventory) {
        for i in &self.0 {
            i.inspect(root, rel, name, out);
        }
    }

    fn inspect_walked(
        &self,
        root: &Root,
        os_rel: &std::ffi::OsStr,
        rel: &str,
        name: &str,
        out: &mut Inventory,
    ) {
        for i in &self.0 {
            i.inspect_walked(root, os_rel, rel, name, out);
        }
    }

    fn inspect_hashing(
        &self,
        root: &Root,
        os_rel: Option<&std::ffi::OsStr>,
        rel: &str,
        name: &str,
        hash: bool,
        out: &mut Inventory,
    ) -> Option<String> {
        let mut sha = None;
        for i in &self.0 {
            let h = i.inspect_hashing(root, os_rel, rel, name, hash && sha.is_none(), out);
            sha = sha.or(h);
        }
        sha
    }
}

/// Walks the root and reports the selected entries as `File` artifacts.
pub struct SweepCollector {
    filter: Box<dyn SweepFilter>,
    /// Hash every regular file (SHA-256) — needed for hash indicators; slower.
    pub hash: bool,
    /// Descend into other file systems mounted below the root.
    pub cross_mounts: bool,
    /// Worker threads (0 = the walker's default).
    pub threads: usize,
    /// Looks inside every regular file walked (none by default).
    pub inspector: Option<Box<dyn FileInspector>>,
}

impl SweepCollector {
    /// A sweep reporting what `filter` selects.
    pub fn new(filter: Box<dyn SweepFilter>) -> Self {
        SweepCollector {
            filter,
            hash: false,
            cross_mounts: false,
            threads: 0,
            inspector: None,
        }
    }
}

/// Counts from one sweep.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepStats {
    /// Entries visited.
    pub entries: u64,
    /// Files hashed.
    pub hashed: u64,
}

impl SweepCollector {
    /// Runs the sweep and also returns its counts.
    pub fn sweep(&self, root: &Root) -> (Inventory, SweepStats) {
        let base = root.base().to_path_buf();
        let found = Mutex::new(Inventory::default());
        let stats = Mutex::new(SweepStats::default());
        let walker = WalkBuilder::new(&base)
            .standard_filters(false)
            .hidden(false)
            .follow_links(false)
            .same_file_system(!self.cross_mounts)
            .threads(self.threads)
            .build_parallel();
        let mut builder = WorkerBuilder {
            sweep: self,
            root,
            base: &base,
            live: root.is_live(),
            found: &found,
            stats: &stats,
        };
        walker.visit(&mut builder);
        let mut inv = found.into_inner().unwrap_or_else(|e| e.into_inner());
        let stats = *stats.lock().unwrap_or_else(|e| e.into_inner());
        inv.sort();
        (inv, stats)
    }

    fn visit(
        &self,
        root: &Root,
        base: &Path,
        live: bool,
        entry: &ignore::DirEntry,
        out: &mut Inventory,
        stats: &mut SweepStats,
    ) -> WalkState {
        stats.entries += 1;
        let Ok(os_rel) = entry.path().strip_prefix(base) else {
            return WalkState::Continue;
        };
        let rel = escape_os(os_rel.as_os_str());
        if rel.is_empty() {
            return WalkState::Continue;
        }
        let ft = entry.file_type();
        let is_dir = ft.is_some_and(|t| t.is_dir());
        if live && is_dir && entry.depth() == 1 && PSEUDO.contains(&rel.as_str()) {
            return WalkState::Skip;
        }
        let name = escape_os(entry.file_name());
        let is_file = ft.is_some_and(|t| t.is_file());
        let mut sha = None;
        if let Some(inspector) = &self.inspector
            && is_file
        {
            sha = inspector.inspect_hashing(
                root,
                Some(os_rel.as_os_str()),
                &rel,
                &name,
                self.hash,
                out,
            );
        }
        let mut selected = self.filter.select(&rel, &name, is_dir);
        if self.hash && is_file {
            // Hashed by the inspector's read (the content pass), or read here.
            let h = match sha.take() {
                Some(h) => Ok(h),
                None => hash_file(entry.path()),
            };
            match h {
                Ok(h) => {
                    stats.hashed += 1;
                    selected |= self.filter.select_hash(&h);
                    sha = Some(h);
                }
                Err(e) => out.errors.push(error_at(ID, &rel, e)),
            }
        }
        if selected {
            let kind = match ft {
                Some(t) if t.is_dir() => "directory",
                Some(t) if t.is_symlink() => "symlink",
                _ => "file",
            };
            let mut a = Artifact::new(ArtifactKind::File, rel.as_str(), rel.as_str(), ID)
                .with_path(rel.as_str())
                .with_attr("file-type", kind);
            if let Some(h) = sha {
                a = a.with_attr(interdict_inventory::attr::SHA256, h);
            }
            if let Ok(md) = entry.metadata()
                && md.is_file()
            {
                a = a.with_attr("size", md.len().to_string());
            }
            out.artifacts.push(a);
        }
        WalkState::Continue
    }
}

/// Makes one [`Worker`] per walker thread.
struct WorkerBuilder<'s> {
    sweep: &'s SweepCollector,
    root: &'s Root,
    base: &'s Path,
    live: bool,
    found: &'s Mutex<Inventory>,
    stats: &'s Mutex<SweepStats>,
}

impl<'s> ignore::ParallelVisitorBuilder<'s> for WorkerBuilder<'s> {
    fn build(&mut self) -> Box<dyn ignore::ParallelVisitor + 's> {
        Box::new(Worker {
            sweep: self.sweep,
            root: self.root,
            base: self.base,
            live: self.live,
            found: self.found,
            stats: self.stats,
            local: Inventory::default(),
            local_stats: SweepStats::default(),
        })
    }
}

/// A walker thread's visitor: collects locally, merges once when the thread ends.
struct Worker<'s> {
    sweep: &'s SweepCollector,
    root: &'s Root,
    base: &'s Path,
    live: bool,
    found: &'s Mutex<Inventory>,
    stats: &'s Mutex<SweepStats>,
    local: Inventory,
    local_stats: SweepStats,
}

impl ignore::ParallelVisitor for Worker<'_> {
    fn visit(&mut self, entry: Result<ignore::DirEntry, ignore::Error>) -> WalkState {
        match entry {
            Ok(entry) => self.sweep.visit(
                self.root,
                self.base,
                self.live,
                &entry,
                &mut self.local,
                &mut self.local_stats,
            ),
            Err(err) => {
                let location = err_path(&err, self.base);
                self.local
                    .errors
                    .push(CollectError::new(ID, location, err.to_string()));
                WalkState::Continue
            }
        }
    }
}

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        self.found
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(std::mem::take(&mut self.local));
        let mut total = self.stats.lock().unwrap_or_else(|e| e.into_inner());
        total.entries += self.local_stats.entries;
        total.hashed += self.local_stats.hashed;
    }
}

fn err_path(err: &ignore::Error, base: &Path) -> String {
    fn find(err: &ignore::Error) -> Option<&Path> {
        match err {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                find(err)
            }
            _ => None,
        }
    }
    find(err)
        .map(|p| escape_os(p.strip_prefix(base).unwrap_or(p).as_os_str()))
        .unwrap_or_default()
}

/// SHA-256 of a regular file, streamed (a FIFO or device is refused, never opened).
pub fn hash_file(path: &Path) -> std::io::Result<String> {
    let (mut f, _) = crate::root::open_regular(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

impl Collector for SweepCollector {
    fn id(&self) -> &'static str {
        ID
    }

    fn collect(&self, root: &Root) -> Inventory {
        self.sweep(root).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    struct Names(&'static [&'static str], &'static str);
    impl SweepFilter for Names {
        fn select(&self, rel: &str, name: &str, _is_dir: bool) -> bool {
            self.0.contains(&name) || rel.starts_with("opt/vendor")
        }
        fn select_hash(&self, sha: &str) -> bool {
            sha == self.1
        }
    }

    #[test]
    fn selects_names_prefixes_and_hashes_without_following_symlinks() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("avp.exe"), "x").unwrap();
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::create_dir_all(p.join("opt/vendor/bin")).unwrap();
        std::fs::create_dir_all(p.join("home/u")).unwrap();
        std::fs::write(p.join("opt/vendor/bin/tool"), "t").unwrap();
        std::fs::write(p.join("home/u/avp.exe"), "a").unwrap();
        std::fs::write(p.join("home/u/renamed"), "secret-content").unwrap();
        symlink(outside.path(), p.join("home/u/out")).unwrap();
        let want = hex::encode(Sha256::digest(b"secret-content"));
        let leaked: &'static str = Box::leak(want.into_boxed_str());
        let mut s = SweepCollector::new(Box::new(Names(&["avp.exe"], leaked)));
        s.hash = true;
        let (inv, stats) = s.sweep(&Root::offline(p).unwrap());
        let names: Vec<_> = inv.artifacts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "home/u/avp.exe",
                "home/u/renamed",
                "opt/vendor",
                "opt/vendor/bin",
                "opt/vendor/bin/tool"
            ]
        );
        assert!(inv.errors.is_empty(), "{:?}", inv.errors);
        assert_eq!(stats.hashed, 3);
        assert_eq!(inv.artifacts[1].attr("sha256"), Some(leaked));
        assert_eq!(inv.artifacts[2].attr("file-type"), Some("directory"));
    }
}
