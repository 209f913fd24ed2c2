//! Helpers shared by the end-to-end tests: building fixture roots, running the binary,
//! and proving a scan left its root untouched.
#![allow(dead_code)]

pub mod linux;
pub mod macos;
pub mod server;
pub mod windows;

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A fixture root under construction.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }

    pub fn mkdir(&self, rel: &str) {
        std::fs::create_dir_all(self.path().join(rel)).unwrap();
    }

    pub fn symlink(&self, target: &str, rel: &str) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        symlink(target, p).unwrap();
    }

    /// An executable script that would leave `marker` behind if anything ran it.
    pub fn trap(&self, rel: &str, marker: &Path) {
        let p = self.write(rel, format!("#!/bin/sh\ntouch '{}'\n", marker.display()));
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// Path, size, mode and content hash of every entry under `root` (symlinks by target).
pub fn snapshot(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in walkdir(root) {
        let rel = e.strip_prefix(root).unwrap().display().to_string();
        let md = std::fs::symlink_metadata(&e).unwrap();
        let desc = if md.file_type().is_symlink() {
            format!("link {}", std::fs::read_link(&e).unwrap().display())
        } else if md.is_dir() {
            format!("dir {:o}", md.permissions().mode())
        } else {
            let data = std::fs::read(&e).unwrap();
            format!(
                "file {:o} {} {}",
                md.permissions().mode(),
                data.len(),
                hex::encode(Sha256::digest(&data))
            )
        };
        out.insert(rel, desc);
    }
    out
}

fn walkdir(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push(e.path());
            }
            out.push(e.path());
        }
    }
    out
}

/// Runs `interdict` with `args`; returns (exit code, stdout, stderr). The server's
/// database variable of the calling environment is not passed on (tests name theirs).
pub fn interdict(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_interdict"))
        .args(args)
        .env_remove("INTERDICT_DATABASE")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a JSON scan of `root` with extra args; returns (exit code, document).
pub fn scan_json(root: &Path, extra: &[&str]) -> (i32, Value) {
    let root = root.to_str().unwrap();
    let mut args = vec!["scan", "--root", root, "--format", "json"];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = interdict(&args);
    let doc: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("bad json ({e}): {stdout}\n{stderr}"));
    (code, doc)
}

/// `(product, confidence)` of every finding, sorted.
pub fn findings(doc: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["product"].as_str().unwrap().to_string(),
                f["confidence"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// The finding for `product`.
pub fn finding<'a>(doc: &'a Value, product: &str) -> &'a Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["product"] == product)
        .unwrap_or_else(|| panic!("no finding {product}"))
}

/// `(kind, name)` of a finding's evidence.
pub fn evidence(f: &Value) -> Vec<(String, String)> {
    f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Reads a file of the shared test corpus (read-only; a missing corpus fails the test).
pub fn corpus(rel: &str) -> Vec<u8> {
    let p = format!(
        "{}/../../../shared/corpus/{rel}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&p).unwrap_or_else(|e| panic!("corpus file {p}: {e}"))
}

pub fn data(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A generated registry hive of the collectors' test data
/// (`crates/interdict-collectors/testdata/windows/make-hives.sh`).
pub fn hive(name: &str) -> Vec<u8> {
    let p = format!(
        "{}/../interdict-collectors/testdata/windows/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&p).unwrap_or_else(|e| panic!("hive {p}: {e}"))
}

/// `(kind, location)` of a finding's evidence, sorted.
pub fn evidence_at(f: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["location"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// The evidence of `f` at `location`.
pub fn evidence_item<'a>(f: &'a Value, location: &str) -> &'a Value {
    f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["location"] == location)
        .unwrap_or_else(|| panic!("no evidence at {location}: {f:#}"))
}

/// `(product, count, hosts)` of an import report's per-product summary.
pub fn products(doc: &Value) -> Vec<(String, u64, Value)> {
    doc["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["product"].as_str().unwrap().to_string(),
                p["count"].as_u64().unwrap(),
                p["hosts"].clone(),
            )
        })
        .collect()
}
