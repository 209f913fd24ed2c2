//! Alpine packages from `lib/apk/db/installed`.

use crate::purl::package_url;
use crate::root::is_absent;
use crate::{Collector, Root, error_at};
use interdict_formats::apk::parse_apk_installed;
use interdict_inventory::{Artifact, ArtifactKind, Inventory, attr};

/// The apk database path, relative to the root.
pub const APK_INSTALLED: &str = "lib/apk/db/installed";
/// Largest database read: real ones are a few MB (file lists included).
pub const MAX_INSTALLED: u64 = 128 * 1024 * 1024;

/// Reads Alpine's installed-package database. Collector id `apk-installed`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApkCollector;

impl Collector for ApkCollector {
    fn id(&self) -> &'static str {
        "apk-installed"
    }

    fn collect(&self, root: &Root) -> Inventory {
        let id = self.id();
        let mut inv = Inventory::default();
        let data = match root.read_limited(APK_INSTALLED, MAX_INSTALLED) {
            Ok(d) => d,
            Err(e) if is_absent(&e) => return inv,
            Err(e) => {
                inv.errors.push(error_at(id, APK_INSTALLED, e));
                return inv;
            }
        };
        match parse_apk_installed(&data) {
            Ok(pkgs) => {
                for p in pkgs {
                    let purl = package_url(
                        "apk",
                        Some("alpine"),
                        &p.name,
                        &p.version,
                        &[("arch", &p.arch)],
                    );
                    let mut a = Artifact::new(ArtifactKind::Package, p.name, APK_INSTALLED, id)
                        .with_version(p.version)
                        .with_publisher(p.maintainer)
                        .with_attr("arch", p.arch)
                        .with_attr("origin", p.origin)
                        .with_attr("license", p.license)
                        .with_attr("description", p.description)
                        .with_attr(attr::PURL, purl.unwrap_or_default());
                    a.paths = p.files;
                    inv.artifacts.push(a);
                }
            }
            Err(e) => inv.errors.push(error_at(id, APK_INSTALLED, e)),
        }
        inv
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{corpus, write};

    #[test]
    fn apk_collector_reads_the_corpus_database() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            APK_INSTALLED,
            &corpus("apk/alpine-3.18-scalibr/lib/apk/db/installed"),
        );
        let inv = ApkCollector.collect(&Root::offline(dir.path()).unwrap());
        assert!(inv.errors.is_empty(), "{:?}", inv.errors);
        assert_eq!(inv.artifacts.len(), 15);
        let ssl = inv.artifacts.iter().find(|a| a.name == "libssl3").unwrap();
        assert_eq!(ssl.kind, ArtifactKind::Package);
        assert_eq!(ssl.version.as_deref(), Some("3.1.0-r4"));
        assert_eq!(
            ssl.publisher.as_deref(),
            Some("Ariadne Conill <ariadne@dereferenced.org>")
        );
        assert_eq!(ssl.attr("origin"), Some("openssl"));
        assert_eq!(ssl.attr("arch"), Some("x86_64"));
        assert_eq!(
            ssl.attr("purl"),
            Some("pkg:apk/alpine/libssl3@3.1.0-r4?arch=x86_64")
        );
        assert_eq!(ssl.location, APK_INSTALLED);
        assert_eq!(ssl.collector, "apk-installed");
        assert!(!ssl.paths.is_empty());
    }

    #[test]
    fn apk_collector_missing_is_silent_garbage_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::offline(dir.path()).unwrap();
        assert_eq!(ApkCollector.collect(&root), Inventory::default());
        write(dir.path(), APK_INSTALLED, b"\x00\x01garbage\n");
        let inv = ApkCollector.collect(&root);
        assert!(inv.artifacts.is_empty());
        assert_eq!(inv.errors.len(), 1);
        assert_eq!(inv.errors[0].location, APK_INSTALLED);
    }
}
