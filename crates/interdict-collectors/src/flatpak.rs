//! Flatpak applications of the system installation (`var/lib/flatpak`) and of each
//! user's (`home/*/.local/share/flatpak`, `root/.local/share/flatpak`).
//!
//! Each deployed `app/<id>/<arch>/<branch>/active/metadata` is one artifact; its version
//! and developer come from the AppStream file under `active/files/share/metainfo/` (or
//! the older `appdata/`), when there is one.

use crate::root::is_absent;
use crate::{Collector, Root, error_at};
use interdict_formats::flatpak::{parse_appstream, parse_flatpak_metadata};
use interdict_inventory::{Artifact, ArtifactKind, CollectError, Inventory};

/// The system-wide installation, relative to the root.
pub const SYSTEM_INSTALLATION: &str = "var/lib/flatpak";
/// Largest `metadata` or AppStream file read: both are a few kB, release notes included.
pub const MAX_METADATA: u64 = 8 * 1024 * 1024;

/// Reads deployed flatpak applications. Collector id `flatpak`.
#[derive(Debug, Clone, Copy, Default)]
pub struct FlatpakCollector;

impl Collector for FlatpakCollector {
    fn id(&self) -> &'static str {
        "flatpak"
    }

    fn collect(&self, root: &Root) -> Inventory {
        let mut inv = Inventory::default();
        let mut installations = vec![(SYSTEM_INSTALLATION.to_string(), String::new())];
        installations.push(("root/.local/share/flatpak".to_string(), "root".to_string()));
        match root.read_dir("home") {
            Ok(homes) => {
                for h in homes.iter().filter(|h| h.is_dir) {
                    installations.push((format!("{}/.local/share/flatpak", h.rel), h.name.clone()));
                }
            }
            Err(e) if is_absent(&e) => {}
            Err(e) => inv.errors.push(error_at(self.id(), "home", e)),
        }
        for (base, user) in installations {
            self.installation(root, &base, &user, &mut inv);
        }
        inv
    }
}

impl FlatpakCollector {
    fn installation(&self, root: &Root, base: &str, user: &str, inv: &mut Inventory) {
        let id = self.id();
        let apps_dir = format!("{base}/app");
        let apps = match root.read_dir(&apps_dir) {
            Ok(a) => a,
            Err(e) if is_absent(&e) => return,
            Err(e) => return inv.errors.push(error_at(id, &apps_dir, e)),
        };
        for app in apps.iter().filter(|a| a.is_dir) {
            for arch in dirs(root, &app.rel, &mut inv.errors, id) {
                for branch in dirs(root, &format!("{}/{arch}", app.rel), &mut inv.errors, id) {
                    let deploy = format!("{}/{arch}/{branch}/active", app.rel);
                    let meta_path = format!("{deploy}/metadata");
                    let meta = match root.read_limited(&meta_path, MAX_METADATA) {
                        Ok(d) => parse_flatpak_metadata(&d).map_err(|e| e.to_string()),
                        Err(e) if is_absent(&e) => continue,
                        Err(e) => Err(e.to_string()),
                    };
                    let meta = match meta {
                        Ok(m) => m,
                        Err(e) => {
                            inv.errors.push(error_at(id, &meta_path, e));
                            continue;
                        }
                    };
                    let (version, developer) =
                        appstream(root, &deploy, &app.name, &mut inv.errors, id);
                    let name = if meta.name.is_empty() {
                        app.name.clone()
                    } else {
                        meta.name
                    };
                    let a = Artifact::new(ArtifactKind::Package, name, meta_path, id)
                        .with_version(version)
                        .with_publisher(developer)
                        .with_attr("source", "flatpak")
                        .with_attr("arch", arch.clone())
                        .with_attr("branch", branch.clone())
                        .with_attr("runtime", meta.runtime)
                        .with_attr("user", user)
                        .with_path(deploy);
                    inv.artifacts.push(a);
                }
            }
        }
    }
}

/// Sub-folders (not symlinks, so `current` is skipped) of `dir`.
fn dirs(root: &Root, dir: &str, errors: &mut Vec<CollectError>, id: &str) -> Vec<String> {
    match root.read_dir(dir) {
        Ok(e) => e.into_iter().filter(|e| e.is_dir).map(|e| e.name).collect(),
        Err(e) => {
            errors.push(error_at(id, dir, e));
            Vec::new()
        }
    }
}

/// Version and developer from the deployment's AppStream file: `<app-id>.metainfo.xml`
/// or `.appdata.xml` first, else the first `*.xml`.
fn appstream(
    root: &Root,
    deploy: &str,
    app_id: &str,
    errors: &mut Vec<CollectError>,
    id: &str,
) -> (String, String) {
    for sub in ["files/share/metainfo", "files/share/appdata"] {
        let dir = format!("{deploy}/{sub}");
        let entries = match root.read_dir(&dir) {
            Ok(e) => e,
            Err(e) if is_absent(&e) => continue,
            Err(e) => {
                errors.push(error_at(id, &dir, e));
                continue;
            }
        };
        let mut xml: Vec<_> = entries
            .into_iter()
            .filter(|e| !e.is_dir && e.name.ends_with(".xml"))
            .collect();
        xml.sort_by_key(|e| !e.name.starts_with(&format!("{app_id}.")));
        let Some(file) = xml.first() else { continue };
        match root
            .read_limited(&file.rel, MAX_METADATA)
            .map_err(|e| e.to_string())
            .and_then(|d| parse_appstream(&d).map_err(|e| e.to_string()))
        {
            Ok(a) => return (a.version, a.developer),
            Err(e) => errors.push(error_at(id, &file.rel, e)),
        }
    }
    (String::new(), String::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::write;
    use std::os::unix::fs::symlink;

    #[test]
    fn flatpak_collector_system_and_user_apps() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        let app = "var/lib/flatpak/app/com.kaspersky.Demo/x86_64/stable";
        write(
            r,
            &format!("{app}/abc123/metadata"),
            b"[Application]\nname=com.kaspersky.Demo\nruntime=org.gnome.Platform/x86_64/46\n",
        );
        write(
            r,
            &format!("{app}/abc123/files/share/metainfo/com.kaspersky.Demo.metainfo.xml"),
            b"<component><id>com.kaspersky.Demo</id><developer_name>AO Kaspersky Lab</developer_name>\
<releases><release version=\"21.3\"/><release version=\"21.2\"/></releases></component>",
        );
        symlink("abc123", r.join(format!("{app}/active"))).unwrap();
        symlink(
            "x86_64/stable",
            r.join("var/lib/flatpak/app/com.kaspersky.Demo/current"),
        )
        .unwrap();
        let user_app = "home/alice/.local/share/flatpak/app/org.example.App/x86_64/master/active";
        write(
            r,
            &format!("{user_app}/metadata"),
            b"[Application]\nname=org.example.App\n",
        );
        write(
            r,
            &format!("{user_app}/files/share/appdata/x.xml"),
            b"<component><releases>",
        );
        let bad = "var/lib/flatpak/app/org.bad.App/x86_64/stable/active/metadata";
        write(r, bad, b"garbage line\n");
        let inv = FlatpakCollector.collect(&Root::offline(r).unwrap());
        assert_eq!(inv.artifacts.len(), 2, "{:?}", inv.artifacts);
        let k = inv
            .artifacts
            .iter()
            .find(|a| a.name == "com.kaspersky.Demo")
            .unwrap();
        assert_eq!(k.version.as_deref(), Some("21.3"));
        assert_eq!(k.publisher.as_deref(), Some("AO Kaspersky Lab"));
        assert_eq!(k.attr("source"), Some("flatpak"));
        assert_eq!(k.attr("branch"), Some("stable"));
        assert_eq!(k.location, format!("{app}/active/metadata"));
        let u = inv
            .artifacts
            .iter()
            .find(|a| a.name == "org.example.App")
            .unwrap();
        assert_eq!(u.attr("user"), Some("alice"));
        assert_eq!(u.version, None);
        let mut locs: Vec<_> = inv.errors.iter().map(|e| e.location.as_str()).collect();
        locs.sort();
        assert_eq!(
            locs,
            vec![
                format!("{user_app}/files/share/appdata/x.xml").as_str(),
                bad
            ]
        );
    }
}
