//! Linux kernel modules: loaded ones from `/proc/modules` (live hosts only) and module
//! files under `usr/lib/modules/<kver>/` and `lib/modules/<kver>/` (any root; a folder
//! reached through both, as on merged-`/usr` systems, is walked once).
//!
//! # Which module files are opened
//!
//! A host has about 6,000 modules. Decompressing them all takes seconds, and even
//! opening every uncompressed one (Debian, older Ubuntu) costs over 100 ms, the budget of
//! a whole host inventory. So every `*.ko`, `*.ko.xz`, `*.ko.zst`, `*.ko.gz` file is
//! listed by name (the file stem with `-` turned into `_`, as the kernel spells it), and
//! its `.modinfo` (author, description, version, license, vermagic) is read only when:
//!
//! * it lies outside the distribution kernel's own `kernel/` tree of the kernel folder,
//!   where third-party modules are installed (`extra/`, `updates/` and `updates/dkms/`,
//!   `misc/`, vendor folders), or under `kernel/drivers/misc/`;
//! * or, on a live host, it is loaded and `/proc/modules` marks it out-of-tree,
//!   unsigned or proprietary (taint flags `O`, `E` or `P`), as third-party modules are.
//!
//! For an uncompressed module only the ELF header, the section header table, the
//! section-name table and `.modinfo` are read, never the whole file.
//!
//! Decompressed modules are capped at [`MAX_MODULE`] bytes. The walk follows no
//! symlinks (so `build`/`source` links are skipped) and stops at [`MAX_DEPTH`].

use crate::{Collector, Root, error_at};
use interdict_formats::FormatError;
use interdict_formats::modinfo::parse_modinfo_section;
use interdict_formats::modinfo::{
    ModInfo, parse_modinfo, parse_proc_modules, read_modinfo_section,
};
use interdict_inventory::{Artifact, ArtifactKind, ArtifactState, CollectError, Inventory};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::io::{ErrorKind, Read};

/// Loaded modules on a live host.
pub const PROC_MODULES: &str = "proc/modules";
/// The running kernel's release on a live host.
pub const OSRELEASE: &str = "proc/sys/kernel/osrelease";
/// Folders holding one sub-folder per installed kernel.
pub const MODULE_DIRS: &[&str] = &["usr/lib/modules", "lib/modules"];
/// Most folder levels walked below a kernel folder.
pub const MAX_DEPTH: usize = 12;
/// Largest decompressed module read.
pub const MAX_MODULE: u64 = 64 * 1024 * 1024;
/// Largest `/proc/modules` or `osrelease` read: a few hundred bytes per loaded module.
pub const MAX_PROC_FILE: u64 = 4 * 1024 * 1024;
/// Most module files listed per kernel folder.
const MAX_FILES: usize = 100_000;
/// The distribution kernel's own module tree inside a kernel folder.
const DISTRIBUTION_TREE: &str = "kernel/";
/// The part of [`DISTRIBUTION_TREE`] where out-of-tree drivers are still often put.
const MISC_DRIVERS: &str = "kernel/drivers/misc/";

/// Reads loaded and on-disk kernel modules. Collector id `kernel-modules`.
#[derive(Debug, Clone, Copy, Default)]
pub struct KernelModulesCollector;

/// How a module file is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    None,
    Xz,
    Zstd,
    Gzip,
}

impl Compression {
    fn of(file: &str) -> Option<(Compression, &str)> {
        let table = [
            (".ko", Compression::None),
            (".ko.xz", Compression::Xz),
            (".ko.zst", Compression::Zstd),
        ];
        table
            .into_iter()
            .chain([(".ko.gz", Compression::Gzip)])
            .find_map(|(suffix, c)| {
                file.strip_suffix(suffix)
                    .filter(|s| !s.is_empty())
                    .map(|stem| (c, stem))
            })
    }

    fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
            Compression::Gzip => "gzip",
        }
    }
}

/// One module file found by the walk.
struct Candidate {
    rel: String,
    kver: String,
    name: String,
    compression: Compression,
    parse: bool,
}

impl Collector for KernelModulesCollector {
    fn id(&self) -> &'static str {
        "kernel-modules"
    }

    fn collect(&self, root: &Root) -> Inventory {
        let proc = root
            .is_live()
            .then(|| root.read_limited(PROC_MODULES, MAX_PROC_FILE));
        let running = root
            .is_live()
            .then(|| root.read_limited(OSRELEASE, MAX_PROC_FILE).ok())
            .flatten()
            .map(|r| String::from_utf8_lossy(&r).trim().to_string());
        self.collect_with(root, proc, running.as_deref())
    }
}

impl KernelModulesCollector {
    /// The collection, given the bytes of `/proc/modules` and the running kernel release
    /// when the root is live. A loaded module takes the path and `.modinfo` facts of its
    /// file in the running kernel's folder, when that file was read.
    fn collect_with(
        &self,
        root: &Root,
        proc: Option<std::io::Result<Vec<u8>>>,
        running: Option<&str>,
    ) -> Inventory {
        let id = self.id();
        let mut inv = Inventory::default();
        let mut third_party_loaded = BTreeSet::new();
        if let Some(proc) = proc {
            match proc
                .map_err(|e| e.to_string())
                .and_then(|d| parse_proc_modules(&d).map_err(|e| e.to_string()))
            {
                Ok(mods) => {
                    for m in mods {
                        if m.taint.contains(['O', 'E', 'P']) {
                            third_party_loaded.insert(m.name.clone());
                        }
                        let state = if m.state == "Unloading" {
                            ArtifactState::Disabled
                        } else {
                            ArtifactState::Active
                        };
                        let a = Artifact::new(ArtifactKind::KernelModule, m.name, PROC_MODULES, id)
                            .with_state(state)
                            .with_attr("size", m.size.to_string())
                            .with_attr("used-by", m.used_by.join(","))
                            .with_attr("taint", m.taint.trim_matches(['(', ')']))
                            .with_attr("module-state", m.state);
                        inv.artifacts.push(a);
                    }
                }
                Err(e) => inv.errors.push(error_at(id, PROC_MODULES, e)),
            }
        }
        let candidates = self.walk(root, &third_party_loaded, &mut inv.errors);
        let results: Vec<(Artifact, Option<CollectError>)> = candidates
            .par_iter()
            .map(|c| module_artifact(root, c, id))
            .collect();
        let loaded_count = inv.artifacts.len();
        for (a, err) in results {
            inv.artifacts.push(a);
            inv.errors.extend(err);
        }
        if let Some(running) = running {
            let (loaded, files) = inv.artifacts.split_at_mut(loaded_count);
            for l in loaded {
                let file = files
                    .iter()
                    .find(|f| f.name == l.name && f.attr("kernel") == Some(running));
                if let Some(f) = file {
                    l.paths.clone_from(&f.paths);
                    l.version.clone_from(&f.version);
                    l.publisher.clone_from(&f.publisher);
                    for key in ["description", "license", "vermagic", "srcversion", "kernel"] {
                        if let Some(v) = f.attributes.get(key) {
                            l.attributes.insert(key.to_string(), v.clone());
                        }
                    }
                }
            }
        }
        inv
    }

    /// Lists module files of every kernel folder, once per real folder (on merged-`/usr`
    /// systems `lib` is a link to `usr/lib`).
    fn walk(
        &self,
        root: &Root,
        loaded: &BTreeSet<String>,
        errors: &mut Vec<CollectError>,
    ) -> Vec<Candidate> {
        let id = self.id();
        let mut seen_dirs = BTreeSet::new();
        let mut out = Vec::new();
        for base in MODULE_DIRS {
            let resolved = match root.resolve(base) {
                Ok(r) => r,
                Err(e) => {
                    errors.push(error_at(id, base, e));
                    continue;
                }
            };
            if !seen_dirs.insert(resolved) {
                continue;
            }
            let kernels = match root.read_dir(base) {
                Ok(k) => k,
                Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                    continue;
                }
                Err(e) => {
                    errors.push(error_at(id, base, e));
                    continue;
                }
            };
            for kernel in kernels.iter().filter(|k| k.is_dir) {
                let before = out.len();
                let mut stack = vec![(kernel.rel.clone(), 0usize)];
                while let Some((dir, depth)) = stack.pop() {
                    let entries = match root.read_dir(&dir) {
                        Ok(e) => e,
                        Err(e) => {
                            errors.push(error_at(id, &dir, e));
                            continue;
                        }
                    };
                    for e in entries {
                        if e.is_dir {
                            if depth < MAX_DEPTH {
                                stack.push((e.rel, depth + 1));
                            }
                            continue;
                        }
                        if e.is_symlink || out.len() - before >= MAX_FILES {
                            continue;
                        }
                        let Some((compression, stem)) = Compression::of(&e.name) else {
                            continue;
                        };
                        let name = stem.replace('-', "_");
                        let inside = e
                            .rel
                            .strip_prefix(&kernel.rel)
                            .unwrap_or(&e.rel)
                            .trim_start_matches('/');
                        let parse = !inside.starts_with(DISTRIBUTION_TREE)
                            || inside.starts_with(MISC_DRIVERS)
                            || loaded.contains(&name);
                        out.push(Candidate {
                            kver: kernel.name.clone(),
                            rel: e.rel,
                            name,
                            compression,
                            parse,
                        });
                    }
                }
            }
        }
        out
    }
}

/// The artifact for one module file, with its `.modinfo` facts when the rule says so.
fn module_artifact(root: &Root, c: &Candidate, id: &str) -> (Artifact, Option<CollectError>) {
    let mut a = Artifact::new(
        ArtifactKind::KernelModule,
        c.name.clone(),
        c.rel.clone(),
        id,
    )
    .with_attr("kernel", c.kver.clone())
    .with_attr("compression", c.compression.as_str())
    .with_path(c.rel.clone());
    if !c.parse {
        return (a, None);
    }
    let info = match read_module_info(root, &c.rel, c.compression) {
        Ok(info) => info,
        Err(e) => return (a, Some(error_at(id, &c.rel, e))),
    };
    if !info.name.is_empty() {
        a.name = info.name.replace('-', "_");
    }
    a = a
        .with_version(info.version.clone())
        .with_publisher(info.author)
        .with_attr("description", info.description)
        .with_attr("license", info.license)
        .with_attr("version", info.version)
        .with_attr("vermagic", info.vermagic)
        .with_attr("srcversion", info.srcversion);
    (a, None)
}

/// Reads `.modinfo` of one module file.
fn read_module_info(root: &Root, rel: &str, compression: Compression) -> Result<ModInfo, String> {
    if compression == Compression::None {
        let mut file = root.open(rel).map_err(|e| e.to_string())?;
        let section = read_modinfo_section(|offset, len| {
            let mut buf = vec![0u8; len];
            read_exact_at(&mut file, &mut buf, offset).map_err(|_| {
                FormatError::truncated(usize::try_from(offset).unwrap_or(usize::MAX), "module file")
            })?;
            Ok(buf)
        })
        .map_err(|e| e.to_string())?;
        return Ok(parse_modinfo_section(&section));
    }
    let data = root
        .read_limited(rel, MAX_MODULE)
        .map_err(|e| e.to_string())?;
    let elf = decompress(&data, compression)?;
    parse_modinfo(&elf).map_err(|e| e.to_string())
}

/// Reads exactly `buf.len()` bytes at `offset` (one `pread` on Unix).
#[cfg(unix)]
fn read_exact_at(file: &mut std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Reads exactly `buf.len()` bytes at `offset`.
#[cfg(not(unix))]
fn read_exact_at(file: &mut std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

/// Decompresses a module, failing past [`MAX_MODULE`] bytes.
fn decompress(data: &[u8], compression: Compression) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let too_big = || format!("decompressed module exceeds {MAX_MODULE} bytes");
    match compression {
        Compression::None => out.extend_from_slice(data),
        Compression::Gzip => {
            flate2::read::GzDecoder::new(data)
                .take(MAX_MODULE + 1)
                .read_to_end(&mut out)
                .map_err(|e| format!("gzip: {e}"))?;
        }
        Compression::Zstd => {
            let mut input = data;
            let decoder = ruzstd::decoding::StreamingDecoder::new(&mut input)
                .map_err(|e| format!("zstd: {e}"))?;
            decoder
                .take(MAX_MODULE + 1)
                .read_to_end(&mut out)
                .map_err(|e| format!("zstd: {e}"))?;
        }
        Compression::Xz => {
            let mut capped = Capped {
                buf: Vec::new(),
                overflow: false,
            };
            lzma_rs::xz_decompress(&mut std::io::BufReader::new(data), &mut capped).map_err(
                |e| {
                    if capped.overflow {
                        too_big()
                    } else {
                        format!("xz: {e}")
                    }
                },
            )?;
            out = capped.buf;
        }
    }
    if out.len() as u64 > MAX_MODULE {
        return Err(too_big());
    }
    Ok(out)
}

/// A writer that refuses to grow past [`MAX_MODULE`].
struct Capped {
    buf: Vec<u8>,
    overflow: bool,
}

impl std::io::Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() as u64 + data.len() as u64 > MAX_MODULE {
            self.overflow = true;
            return Err(std::io::Error::other("decompressed module too large"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
