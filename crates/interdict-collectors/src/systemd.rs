//! systemd units in every unit directory, with their enablement.

use crate::root::is_absent;
use crate::{Collector, Root, error_at};
use interdict_formats::systemd::parse_unit_file;
use interdict_inventory::{Artifact, ArtifactKind, ArtifactState, Inventory};
use std::collections::{BTreeMap, BTreeSet};

const ID: &str = "systemd-units";

/// Unit directories in precedence order (earlier wins for a unit of the same name).
const UNIT_DIRS: &[&str] = &[
    "etc/systemd/system",
    "run/systemd/system",
    "usr/local/lib/systemd/system",
    "usr/lib/systemd/system",
    "lib/systemd/system",
    "etc/systemd/user",
    "usr/lib/systemd/user",
];

/// Largest unit file read: real ones are a few kB.
pub const MAX_UNIT: u64 = 1024 * 1024;

const UNIT_SUFFIXES: &[&str] = &[
    ".service", ".socket", ".timer", ".path", ".target", ".mount",
];

/// Reads unit files and marks each enabled when a `*.wants/` or `*.requires/` link names
/// it, disabled when masked (linked to `/dev/null`) or not linked.
#[derive(Debug, Default, Clone)]
pub struct SystemdCollector;

impl Collector for SystemdCollector {
    fn id(&self) -> &'static str {
        ID
    }

    fn collect(&self, root: &Root) -> Inventory {
        let mut inv = Inventory::default();
        let mut units: BTreeMap<String, String> = BTreeMap::new(); // name -> rel path
        let mut enabled: BTreeSet<String> = BTreeSet::new();
        let mut masked: BTreeSet<String> = BTreeSet::new();
        for dir in UNIT_DIRS {
            let entries = match root.read_dir(dir) {
                Ok(e) => e,
                Err(e) if is_absent(&e) => continue,
                Err(e) => {
                    inv.errors.push(error_at(ID, dir, e));
                    continue;
                }
            };
            for e in entries {
                if e.is_dir && (e.name.ends_with(".wants") || e.name.ends_with(".requires")) {
                    match root.read_dir(&e.rel) {
                        Ok(links) => enabled.extend(links.into_iter().map(|l| l.name)),
                        Err(err) => inv.errors.push(error_at(ID, &e.rel, err)),
                    }
                    continue;
                }
                if !UNIT_SUFFIXES.iter().any(|s| e.name.ends_with(s)) {
                    continue;
                }
                if e.is_symlink && root.read_link(&e.rel).is_ok_and(|t| t == "/dev/null") {
                    masked.insert(e.name.clone());
                    continue;
                }
                units.entry(e.name.clone()).or_insert(e.rel);
            }
        }
        for (name, rel) in units {
            let bytes = match root.read_limited(&rel, MAX_UNIT) {
                Ok(b) => b,
                Err(e) if is_absent(&e) => Vec::new(), // dangling alias
                Err(e) => {
                    inv.errors.push(error_at(ID, &rel, e));
                    continue;
                }
            };
            let unit = parse_unit_file(&bytes);
            let is_enabled = enabled.contains(&name) && !masked.contains(&name);
            let mut a = Artifact::new(ArtifactKind::Service, &name, &rel, ID)
                .with_state(if is_enabled {
                    ArtifactState::Active
                } else {
                    ArtifactState::Disabled
                })
                .with_attr("description", &unit.description)
                .with_attr("exec-start", &unit.exec_start)
                .with_attr("enabled", is_enabled.to_string())
                .with_attr("init", "systemd");
            if masked.contains(&name) {
                a = a.with_attr("masked", "true");
            }
            if let Some(p) = unit.program() {
                a = a.with_path(p.trim_start_matches('/'));
            }
            inv.artifacts.push(a);
        }
        inv
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn units_with_enablement_precedence_and_masking() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::create_dir_all(p.join("lib/systemd/system")).unwrap();
        std::fs::create_dir_all(p.join("etc/systemd/system/multi-user.target.wants")).unwrap();
        std::fs::write(
            p.join("lib/systemd/system/kesl.service"),
            "[Unit]\nDescription=KESL\n[Service]\nExecStart=/opt/kaspersky/kesl/libexec/kesl\n",
        )
        .unwrap();
        std::fs::write(
            p.join("lib/systemd/system/idle.service"),
            "[Unit]\nDescription=Idle\n",
        )
        .unwrap();
        std::fs::write(p.join("lib/systemd/system/gone.service"), "[Unit]\n").unwrap();
        std::fs::write(
            p.join("etc/systemd/system/idle.service"),
            "[Unit]\nDescription=Override\n",
        )
        .unwrap();
        symlink(
            "/lib/systemd/system/kesl.service",
            p.join("etc/systemd/system/multi-user.target.wants/kesl.service"),
        )
        .unwrap();
        symlink("/dev/null", p.join("etc/systemd/system/gone.service")).unwrap();
        let inv = SystemdCollector.collect(&Root::offline(p).unwrap());
        assert!(inv.errors.is_empty(), "{:?}", inv.errors);
        let names: Vec<_> = inv
            .artifacts
            .iter()
            .map(|a| (a.name.as_str(), a.state, a.location.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                (
                    "gone.service",
                    ArtifactState::Disabled,
                    "lib/systemd/system/gone.service"
                ),
                (
                    "idle.service",
                    ArtifactState::Disabled,
                    "etc/systemd/system/idle.service"
                ),
                (
                    "kesl.service",
                    ArtifactState::Active,
                    "lib/systemd/system/kesl.service"
                ),
            ]
        );
        assert_eq!(inv.artifacts[0].attr("masked"), Some("true"));
        assert_eq!(inv.artifacts[1].attr("description"), Some("Override"));
        assert_eq!(inv.artifacts[2].paths, ["opt/kaspersky/kesl/libexec/kesl"]);
    }
}
