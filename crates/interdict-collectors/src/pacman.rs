//! Arch Linux packages from the pacman local database
//! (`var/lib/pacman/local/<name>-<version>/{desc,files}`).

use crate::root::is_absent;
use crate::{Collector, Root, error_at};
use interdict_formats::pacman::{parse_pacman_desc, parse_pacman_files};
use interdict_inventory::{Artifact, ArtifactKind, Inventory};

/// The local database folder, relative to the root.
pub const PACMAN_LOCAL: &str = "var/lib/pacman/local";
/// Largest `desc` or `files` read: real `files` lists stay under a few MB.
pub const MAX_ENTRY_FILE: u64 = 32 * 1024 * 1024;

/// Reads pacman's local database. Collector id `pacman-local`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PacmanCollector;

impl Collector for PacmanCollector {
    fn id(&self) -> &'static str {
        "pacman-local"
    }

    fn collect(&self, root: &Root) -> Inventory {
        let id = self.id();
        let mut inv = Inventory::default();
        let entries = match root.read_dir(PACMAN_LOCAL) {
            Ok(e) => e,
            Err(e) if is_absent(&e) => return inv,
            Err(e) => {
                inv.errors.push(error_at(id, PACMAN_LOCAL, e));
                return inv;
            }
        };
        for entry in entries.iter().filter(|e| e.is_dir) {
            let desc_path = format!("{}/desc", entry.rel);
            let desc = match root
                .read_limited(&desc_path, MAX_ENTRY_FILE)
                .map_err(|e| e.to_string())
                .and_then(|d| parse_pacman_desc(&d).map_err(|e| e.to_string()))
            {
                Ok(d) => d,
                Err(e) => {
                    inv.errors.push(error_at(id, &desc_path, e));
                    continue;
                }
            };
            let files_path = format!("{}/files", entry.rel);
            let files = match root.read_limited(&files_path, MAX_ENTRY_FILE) {
                Ok(data) => match parse_pacman_files(&data) {
                    Ok(f) => f.files,
                    Err(e) => {
                        inv.errors.push(error_at(id, &files_path, e));
                        Vec::new()
                    }
                },
                Err(e) if is_absent(&e) => Vec::new(),
                Err(e) => {
                    inv.errors.push(error_at(id, &files_path, e));
                    Vec::new()
                }
            };
            let mut a = Artifact::new(ArtifactKind::Package, desc.name, desc_path.clone(), id)
                .with_version(desc.version)
                .with_publisher(desc.packager)
                .with_attr("arch", desc.arch)
                .with_attr("license", desc.licenses.join(" AND "))
                .with_attr("url", desc.url)
                .with_attr("description", desc.description)
                .with_attr("base", desc.base);
            a.paths = files
                .into_iter()
                .map(|f| f.trim_end_matches('/').to_string())
                .collect();
            inv.artifacts.push(a);
        }
        inv
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{corpus, write};

    #[test]
    fn pacman_collector_reads_corpus_entries() {
        let dir = tempfile::tempdir().unwrap();
        for rel in [
            "syft-integration/var/lib/pacman/local/pacman-6.0.1-5/desc",
            "syft-integration/var/lib/pacman/local/pacman-6.0.1-5/files",
            "syft-integration/var/lib/pacman/local/ALPM_DB_VERSION",
            "syft-arch/var/lib/pacman/local/gmp-6.2.1-2/desc",
            "syft-arch/var/lib/pacman/local/gmp-6.2.1-2/files",
            "syft-arch/var/lib/pacman/local/emacs-29.3-3/desc",
        ] {
            let (_, tail) = rel.split_once('/').unwrap();
            write(dir.path(), tail, &corpus(&format!("pacman/{rel}")));
        }
        write(
            dir.path(),
            "var/lib/pacman/local/broken-1-1/desc",
            b"\x00garbage",
        );
        let inv = PacmanCollector.collect(&Root::offline(dir.path()).unwrap());
        assert_eq!(inv.artifacts.len(), 3, "{:?}", inv.artifacts);
        assert_eq!(inv.errors.len(), 1);
        assert_eq!(
            inv.errors[0].location,
            "var/lib/pacman/local/broken-1-1/desc"
        );
        let p = inv.artifacts.iter().find(|a| a.name == "pacman").unwrap();
        assert_eq!(p.version.as_deref(), Some("6.0.1-5"));
        assert_eq!(
            p.publisher.as_deref(),
            Some("Morten Linderud <foxboron@archlinux.org>")
        );
        assert_eq!(p.attr("arch"), Some("x86_64"));
        assert_eq!(p.attr("license"), Some("GPL"));
        assert_eq!(p.attr("url"), Some("https://www.archlinux.org/pacman/"));
        assert_eq!(p.paths.len(), 25);
        assert!(p.paths.iter().any(|f| f == "usr/bin/pacman"));
        assert_eq!(p.location, "var/lib/pacman/local/pacman-6.0.1-5/desc");
        let gmp = inv.artifacts.iter().find(|a| a.name == "gmp").unwrap();
        assert_eq!(gmp.attr("license"), Some("LGPL3 AND GPL"));
        let emacs = inv.artifacts.iter().find(|a| a.name == "emacs").unwrap();
        assert!(emacs.paths.is_empty());
    }
}
