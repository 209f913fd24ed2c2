//! Snap packages: `snap/<name>/<rev>/meta/snap.yaml` of the mounted revisions, completed
//! by snapd's `var/lib/snapd/state.json` (current revision, enabled state, snap id) and
//! the store assertions (publisher).
//!
//! The revision reported is the one `snap/<name>/current` points to, else the state's
//! `current`, else the highest revision folder. A snap the state knows but whose
//! revision is not mounted (an offline image) is still reported, from the state alone.

use crate::root::is_absent;
use crate::{Collector, Root, error_at};
use interdict_formats::snap::{SnapState, assertion_header, parse_snap_yaml, parse_snapd_state};
use interdict_inventory::{Artifact, ArtifactKind, ArtifactState, Inventory};
use std::collections::BTreeMap;

/// snapd's state file, relative to the root.
pub const SNAPD_STATE: &str = "var/lib/snapd/state.json";
/// The folder snaps are mounted under.
pub const SNAP_MOUNTS: &str = "snap";
/// The assertion database.
pub const ASSERTIONS: &str = "var/lib/snapd/assertions/asserts-v0";
/// Largest `state.json` read: snapd keeps it to a few MB even with change history.
pub const MAX_STATE: u64 = 128 * 1024 * 1024;
/// Largest `snap.yaml` or assertion read: both are a few kB.
pub const MAX_METADATA: u64 = 4 * 1024 * 1024;

/// Reads installed snaps. Collector id `snap`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SnapCollector;

impl Collector for SnapCollector {
    fn id(&self) -> &'static str {
        "snap"
    }

    fn collect(&self, root: &Root) -> Inventory {
        let id = self.id();
        let mut inv = Inventory::default();
        let mut states: BTreeMap<String, SnapState> = BTreeMap::new();
        match root.read_limited(SNAPD_STATE, MAX_STATE) {
            Ok(data) => match parse_snapd_state(&data) {
                Ok(list) => states.extend(list.into_iter().map(|s| (s.name.clone(), s))),
                Err(e) => inv.errors.push(error_at(id, SNAPD_STATE, e)),
            },
            Err(e) if is_absent(&e) => {}
            Err(e) => inv.errors.push(error_at(id, SNAPD_STATE, e)),
        }
        let mut seen = Vec::new();
        let mounted = match root.read_dir(SNAP_MOUNTS) {
            Ok(entries) => entries,
            Err(e) if is_absent(&e) => Vec::new(),
            Err(e) => {
                inv.errors.push(error_at(id, SNAP_MOUNTS, e));
                Vec::new()
            }
        };
        for entry in mounted.iter().filter(|e| e.is_dir && e.name != "bin") {
            let state = states.get(&entry.name);
            let Some(rev) = current_revision(root, &entry.rel, state) else {
                continue;
            };
            let yaml_path = format!("{}/{rev}/meta/snap.yaml", entry.rel);
            let meta = match root.read_limited(&yaml_path, MAX_METADATA) {
                Ok(data) => match parse_snap_yaml(&data) {
                    Ok(m) => m,
                    Err(e) => {
                        inv.errors.push(error_at(id, &yaml_path, e));
                        continue;
                    }
                },
                // Not mounted: the state-only pass below reports it.
                Err(e) if is_absent(&e) => continue,
                Err(e) => {
                    inv.errors.push(error_at(id, &yaml_path, e));
                    continue;
                }
            };
            seen.push(entry.name.clone());
            let a = Artifact::new(ArtifactKind::Package, entry.name.clone(), yaml_path, id)
                .with_version(meta.version)
                .with_attr("summary", meta.summary)
                .with_attr("title", meta.title)
                .with_attr("snap-type", meta.kind)
                .with_attr("confinement", meta.confinement)
                .with_attr("revision", rev.clone())
                .with_path(format!("{}/{rev}", entry.rel));
            inv.artifacts.push(finish(root, a, state));
        }
        for (name, state) in states.iter().filter(|(n, _)| !seen.contains(n)) {
            let a = Artifact::new(ArtifactKind::Package, name.clone(), SNAPD_STATE, id)
                .with_attr("revision", state.revision.clone())
                .with_attr("snap-type", state.kind.clone())
                .with_attr("title", state.title.clone())
                .with_path(format!(
                    "var/lib/snapd/snaps/{name}_{}.snap",
                    state.revision
                ));
            inv.artifacts.push(finish(root, a, Some(state)));
        }
        inv
    }
}

fn current_revision(root: &Root, dir: &str, state: Option<&SnapState>) -> Option<String> {
    if let Ok(target) = root.read_link(&format!("{dir}/current")) {
        let rev = target
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        if !rev.is_empty() && rev != "." && rev != ".." {
            return Some(rev.to_string());
        }
    }
    if let Some(s) = state.filter(|s| !s.revision.is_empty()) {
        return Some(s.revision.clone());
    }
    let mut revs: Vec<String> = root
        .read_dir_or_note(dir)
        .into_iter()
        .filter(|e| e.is_dir && e.name != "current")
        .map(|e| e.name)
        .collect();
    revs.sort_by_key(|r| {
        (
            r.trim_start_matches('x').parse::<u64>().unwrap_or(0),
            r.clone(),
        )
    });
    revs.pop()
}

fn finish(root: &Root, mut a: Artifact, state: Option<&SnapState>) -> Artifact {
    a = a.with_attr("source", "snap");
    let Some(s) = state else { return a };
    if !s.active {
        a.state = ArtifactState::Disabled;
    }
    let publisher = if s.publisher.is_empty() {
        publisher_from_assertions(root, &s.snap_id)
    } else {
        s.publisher.clone()
    };
    a.with_publisher(publisher)
        .with_attr("snap-id", s.snap_id.clone())
        .with_attr("channel", s.channel.clone())
}

/// `snap-declaration` (snap id → `publisher-id`) then `account` (→ `display-name`).
fn publisher_from_assertions(root: &Root, snap_id: &str) -> String {
    let safe = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !safe(snap_id) {
        return String::new();
    }
    let decl = match root.read_limited(
        &format!("{ASSERTIONS}/snap-declaration/16/{snap_id}/active"),
        MAX_METADATA,
    ) {
        Ok(d) => d,
        Err(_) => return String::new(),
    };
    let Some(publisher_id) = assertion_header(&decl, "publisher-id").filter(|p| safe(p)) else {
        return String::new();
    };
    root.read_limited(
        &format!("{ASSERTIONS}/account/{publisher_id}/active"),
        MAX_METADATA,
    )
    .ok()
    .and_then(|acc| {
        assertion_header(&acc, "display-name").or_else(|| assertion_header(&acc, "username"))
    })
    .unwrap_or(publisher_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::write;
    use std::os::unix::fs::symlink;

    #[test]
    fn snap_collector_reads_mounted_snaps_and_state() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        write(
            r,
            "snap/kesl-demo/12/meta/snap.yaml",
            b"name: kesl-demo\nversion: '12.1.0'\nsummary: Kaspersky demo\n",
        );
        write(
            r,
            "snap/kesl-demo/11/meta/snap.yaml",
            b"name: kesl-demo\nversion: '11.0'\n",
        );
        symlink("12", r.join("snap/kesl-demo/current")).unwrap();
        write(
            r,
            "snap/other/5/meta/snap.yaml",
            b"name: other\nversion: 2.0\n",
        );
        write(r, "snap/broken/1/meta/snap.yaml", b"version: 1\n");
        std::fs::create_dir_all(r.join("snap/bin")).unwrap();
        write(
            r,
            SNAPD_STATE,
            br#"{"data":{"snaps":{
              "kesl-demo":{"active":true,"current":"12","type":"app","sequence":[{"name":"kesl-demo","snap-id":"KID","revision":"12"}]},
              "other":{"active":false,"current":"5","sequence":[{"revision":"5","publisher":"Someone"}]},
              "offline-only":{"active":true,"current":"3","sequence":[{"revision":"3"}]}}}}"#,
        );
        write(
            r,
            &format!("{ASSERTIONS}/snap-declaration/16/KID/active"),
            b"type: snap-declaration\npublisher-id: PUB1\n\nsig",
        );
        write(
            r,
            &format!("{ASSERTIONS}/account/PUB1/active"),
            b"type: account\ndisplay-name: AO Kaspersky Lab\n",
        );
        let inv = SnapCollector.collect(&Root::offline(r).unwrap());
        assert_eq!(inv.errors.len(), 1, "{:?}", inv.errors);
        assert_eq!(inv.errors[0].location, "snap/broken/1/meta/snap.yaml");
        let k = inv
            .artifacts
            .iter()
            .find(|a| a.name == "kesl-demo")
            .unwrap();
        assert_eq!(k.version.as_deref(), Some("12.1.0"));
        assert_eq!(k.publisher.as_deref(), Some("AO Kaspersky Lab"));
        assert_eq!(k.attr("source"), Some("snap"));
        assert_eq!(k.attr("summary"), Some("Kaspersky demo"));
        assert_eq!(k.location, "snap/kesl-demo/12/meta/snap.yaml");
        assert_eq!(k.state, ArtifactState::Active);
        let o = inv.artifacts.iter().find(|a| a.name == "other").unwrap();
        assert_eq!(
            (o.state, o.publisher.as_deref()),
            (ArtifactState::Disabled, Some("Someone"))
        );
        let off = inv
            .artifacts
            .iter()
            .find(|a| a.name == "offline-only")
            .unwrap();
        assert_eq!(off.location, SNAPD_STATE);
        assert_eq!(inv.artifacts.len(), 3);
    }

    #[test]
    fn snap_collector_bad_state_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), SNAPD_STATE, b"{not json");
        let inv = SnapCollector.collect(&Root::offline(dir.path()).unwrap());
        assert_eq!(inv.errors.len(), 1);
        assert_eq!(inv.errors[0].location, SNAPD_STATE);
    }
}
