//! Installed RPM packages, read from the rpmdb without the C rpm library.
//!
//! Looks in `var/lib/rpm/` and `usr/lib/sysimage/rpm/` for `rpmdb.sqlite`, `Packages.db`
//! and `Packages`, sniffs each file's backend by content (SQLite, NDB or BerkeleyDB) and
//! turns every header blob into a [`ArtifactKind::Package`] artifact. The artifact's
//! collector id names the backend (`rpmdb-sqlite`, `rpmdb-ndb`, `rpmdb-bdb`).
//!
//! SQLite databases are opened in place, read-only and immutable, when they have no
//! write-ahead log; with one, the database and its WAL are copied to a private temporary
//! directory and read there, so committed but un-checkpointed transactions are seen and
//! nothing is ever written beside the database (see [`read_sqlite`]).
//!
//! A corrupt database gives one error per file, counting its unreadable records, never one
//! error per record.

mod sqlite;

pub use sqlite::{MAX_WAL_COPY, read_sqlite, read_sqlite_blobs};

use crate::root::Kind;
use crate::{Collector, Root};
use interdict_formats::rpm::{
    BlobScan, RpmHeader, RpmdbFormat, parse_bdb, parse_header_blob, parse_ndb, sniff_rpmdb,
};
use interdict_inventory::{Artifact, ArtifactKind, CollectError, Inventory};
use std::collections::HashSet;
use std::io::Read;

/// Directories holding an rpmdb, relative to the root.
pub const RPMDB_DIRS: [&str; 2] = ["var/lib/rpm", "usr/lib/sysimage/rpm"];

/// rpmdb file names looked for in each directory.
pub const RPMDB_FILES: [&str; 3] = ["rpmdb.sqlite", "Packages.db", "Packages"];

/// Largest NDB or BerkeleyDB file read whole: the `Packages` file of a large system is a
/// few hundred MB.
pub const MAX_RPMDB: u64 = 512 * 1024 * 1024;

/// Reads installed RPM packages from every rpmdb found in the root.
#[derive(Debug, Default, Clone, Copy)]
pub struct RpmCollector;

impl Collector for RpmCollector {
    fn id(&self) -> &'static str {
        "rpmdb"
    }

    fn collect(&self, root: &Root) -> Inventory {
        let mut inv = Inventory::default();
        // `var/lib/rpm` is often a symlink to `usr/lib/sysimage/rpm`: read each file once.
        let mut seen = HashSet::new();
        for dir in RPMDB_DIRS {
            for file in RPMDB_FILES {
                let rel = format!("{dir}/{file}");
                let path = match root.resolve(&rel) {
                    Ok(p) => p,
                    Err(e) => {
                        inv.errors.push(CollectError::new(
                            self.id(),
                            rel,
                            format!("cannot resolve path: {e}"),
                        ));
                        continue;
                    }
                };
                match root.probe(&rel) {
                    Ok(Some(Kind::File)) => {}
                    Ok(None | Some(Kind::Dir)) => continue,
                    // A FIFO or device where the database should be: named, not read.
                    Ok(Some(kind)) => {
                        inv.errors.push(CollectError::new(
                            self.id(),
                            rel,
                            format!("is a {}, not a regular file; not read", kind.describe()),
                        ));
                        continue;
                    }
                    Err(e) => {
                        inv.errors.push(crate::error_at(self.id(), &rel, e));
                        continue;
                    }
                }
                if seen.insert(path) {
                    inv.extend(read_rpmdb(root, &rel));
                }
            }
        }
        inv
    }
}

/// The collector id used for artifacts and errors from a database of this backend.
pub fn collector_id(format: RpmdbFormat) -> &'static str {
    match format {
        RpmdbFormat::Sqlite => "rpmdb-sqlite",
        RpmdbFormat::Ndb => "rpmdb-ndb",
        RpmdbFormat::Bdb => "rpmdb-bdb",
    }
}

/// Reads one rpmdb file at `rel` inside `root`, whatever its backend. An unreadable file
/// or a corrupt database is one error located at `rel`; so are its corrupt records,
/// however many: "`<bad> of <total> <unit> unreadable`" with the first reason.
pub fn read_rpmdb(root: &Root, rel: &str) -> Inventory {
    let mut inv = Inventory::default();
    let mut head = Vec::with_capacity(16);
    if let Err(e) = root
        .open(rel)
        .and_then(|f| f.take(16).read_to_end(&mut head))
    {
        inv.errors.push(CollectError::new(
            "rpmdb",
            rel,
            format!("cannot read rpm database: {e}"),
        ));
        return inv;
    }
    let format = sniff_rpmdb(&head);
    let id = collector_id(format);
    let scan = match format {
        RpmdbFormat::Sqlite => read_sqlite(root, rel),
        RpmdbFormat::Ndb | RpmdbFormat::Bdb => root
            .read_limited(rel, MAX_RPMDB)
            .map_err(|e| e.to_string())
            .and_then(|data| {
                let parse = if format == RpmdbFormat::Ndb {
                    parse_ndb
                } else {
                    parse_bdb
                };
                parse(&data).map_err(|e| e.to_string())
            }),
    };
    let BlobScan {
        blobs,
        mut unreadable,
    } = match scan {
        Ok(s) => s,
        Err(e) => {
            inv.errors.push(CollectError::new(
                id,
                rel,
                format!("cannot read rpm database ({}): {e}", format.as_str()),
            ));
            return inv;
        }
    };
    let total = blobs.len() + unreadable.count;
    for (n, blob) in blobs.iter().enumerate() {
        match parse_header_blob(blob) {
            Ok(h) if h.name == "gpg-pubkey" => {}
            Ok(h) => inv.artifacts.push(package_artifact(&h, rel, id)),
            Err(e) => unreadable.note(|| format!("corrupt package header #{}: {e}", n + 1)),
        }
    }
    if let Some(first) = unreadable.first {
        inv.errors.push(CollectError::new(
            id,
            rel,
            format!(
                "corrupt rpm database ({}): {} of {total} {} unreadable; first: {first}",
                format.as_str(),
                unreadable.count,
                format.record_unit(),
            ),
        ));
    }
    inv
}

/// Percent-encodes everything but ASCII letters, digits, `-._~` and `keep`.
fn percent_encode(bytes: &[u8], keep: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `[epoch:]version-release` (just the version when there is no release).
pub fn evr(h: &RpmHeader) -> String {
    let vr = if h.release.is_empty() {
        h.version.clone()
    } else {
        format!("{}-{}", h.version, h.release)
    };
    match h.epoch {
        Some(e) => format!("{e}:{vr}"),
        None => vr,
    }
}

/// The package URL: `pkg:rpm/<name>@<version>-<release>?arch=<arch>&epoch=<n>`.
pub fn purl(h: &RpmHeader) -> String {
    let version = if h.release.is_empty() {
        h.version.clone()
    } else {
        format!("{}-{}", h.version, h.release)
    };
    let epoch = h.epoch.map(|e| e.to_string()).unwrap_or_default();
    crate::purl::package_url(
        "rpm",
        None,
        &h.name,
        &version,
        &[("arch", &h.arch), ("epoch", &epoch)],
    )
    .unwrap_or_default()
}

/// The artifact for one installed package found in the database at `location`.
pub fn package_artifact(h: &RpmHeader, location: &str, collector: &str) -> Artifact {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut a = Artifact::new(ArtifactKind::Package, h.name.clone(), location, collector)
        .with_version(evr(h))
        .with_publisher(
            h.vendor
                .clone()
                .or_else(|| h.packager.clone())
                .unwrap_or_default(),
        )
        .with_attr("arch", h.arch.clone())
        .with_attr("epoch", h.epoch.map(|e| e.to_string()).unwrap_or_default())
        .with_attr("release", h.release.clone())
        .with_attr("summary", opt(&h.summary))
        .with_attr("packager", opt(&h.packager))
        .with_attr("vendor", opt(&h.vendor))
        .with_attr("license", opt(&h.license))
        .with_attr("sourcerpm", opt(&h.sourcerpm))
        .with_attr(
            "install-time",
            h.install_time.map(|t| t.to_string()).unwrap_or_default(),
        )
        .with_attr("size", h.size.map(|s| s.to_string()).unwrap_or_default())
        .with_attr(interdict_inventory::attr::PURL, purl(h));
    a.paths = h
        .files
        .iter()
        .map(|f| f.trim_start_matches('/').to_string())
        .filter(|f| !f.is_empty())
        .collect();
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purl_and_evr_encode_special_characters() {
        let h = RpmHeader {
            name: "libstdc++6".into(),
            epoch: Some(1),
            version: "11.2.1+git610".into(),
            release: "1.3.9".into(),
            arch: "x86_64".into(),
            ..RpmHeader::default()
        };
        assert_eq!(evr(&h), "1:11.2.1+git610-1.3.9");
        assert_eq!(
            purl(&h),
            "pkg:rpm/libstdc%2B%2B6@11.2.1%2Bgit610-1.3.9?arch=x86_64&epoch=1"
        );
    }
}
