//! SysV init scripts in `etc/init.d`.
//!
//! A script is enabled (state Active) when a start link `S<NN><name>` for it exists in
//! one of `etc/rc2.d` … `etc/rc5.d` (or `etc/rc.d/rc<N>.d`), else Disabled. Only the
//! LSB comment header is read, from the first bytes of the script; nothing is run.

use crate::root::is_absent;
use crate::{Collector, Root, error_at};
use interdict_formats::sysv::{HEADER_SCAN, parse_lsb_header};
use interdict_inventory::{Artifact, ArtifactKind, ArtifactState, Inventory};
use std::collections::BTreeSet;
use std::io::Read;

/// The init script folder, relative to the root.
pub const INIT_D: &str = "etc/init.d";

/// Files in `etc/init.d` that are not services.
const NOT_SERVICES: &[&str] = &[
    "README",
    "functions",
    "skeleton",
    "rc",
    "rcS",
    "rc.local",
    "halt",
    "killall",
];

/// Reads SysV init scripts. Collector id `sysv-init`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SysvInitCollector;

impl Collector for SysvInitCollector {
    fn id(&self) -> &'static str {
        "sysv-init"
    }

    fn collect(&self, root: &Root) -> Inventory {
        let id = self.id();
        let mut inv = Inventory::default();
        let scripts = match root.read_dir(INIT_D) {
            Ok(s) => s,
            Err(e) if is_absent(&e) => return inv,
            Err(e) => {
                inv.errors.push(error_at(id, INIT_D, e));
                return inv;
            }
        };
        let started = start_links(root, &mut inv);
        for s in scripts
            .iter()
            .filter(|s| !s.is_dir && is_service_name(&s.name))
        {
            let header = match read_head(root, &s.rel) {
                Ok(head) => parse_lsb_header(&head),
                Err(e) if is_absent(&e) => Default::default(), // dangling link
                Err(e) => {
                    inv.errors.push(error_at(id, &s.rel, e));
                    continue;
                }
            };
            let state = if started.contains(&s.name) {
                ArtifactState::Active
            } else {
                ArtifactState::Disabled
            };
            let a = Artifact::new(ArtifactKind::Service, s.name.clone(), s.rel.clone(), id)
                .with_state(state)
                .with_attr("init", "sysv")
                .with_attr("provides", header.provides.join(" "))
                .with_attr("description", header.short_description)
                .with_path(s.rel.clone());
            inv.artifacts.push(a);
        }
        inv
    }
}

fn is_service_name(name: &str) -> bool {
    !name.starts_with('.')
        && !NOT_SERVICES.contains(&name)
        && ![
            ".dpkg-old",
            ".dpkg-dist",
            ".dpkg-new",
            ".rpmsave",
            ".rpmnew",
            ".orig",
            ".bak",
            "~",
        ]
        .iter()
        .any(|suffix| name.ends_with(suffix))
}

/// The first [`HEADER_SCAN`] bytes of a script.
fn read_head(root: &Root, rel: &str) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    root.open(rel)?
        .take(HEADER_SCAN as u64)
        .read_to_end(&mut buf)?;
    Ok(buf)
}

/// Script names with an `S<NN><name>` link in a multi-user runlevel folder.
fn start_links(root: &Root, inv: &mut Inventory) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for level in 2..=5 {
        for dir in [format!("etc/rc{level}.d"), format!("etc/rc.d/rc{level}.d")] {
            let entries = match root.read_dir(&dir) {
                Ok(e) => e,
                Err(e) if is_absent(&e) => continue,
                Err(e) => {
                    inv.errors.push(error_at("sysv-init", &dir, e));
                    continue;
                }
            };
            for e in entries {
                let b = e.name.as_bytes();
                if let [b'S', d1, d2, rest @ ..] = b
                    && d1.is_ascii_digit()
                    && d2.is_ascii_digit()
                    && !rest.is_empty()
                {
                    out.insert(String::from_utf8_lossy(rest).into_owned());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::write;
    use std::os::unix::fs::symlink;

    #[test]
    fn sysv_collector_enabled_by_start_links() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        write(
            r,
            "etc/init.d/kesl",
            b"#!/bin/sh\n### BEGIN INIT INFO\n# Provides: kesl\n# Short-Description: Kaspersky Endpoint Security\n### END INIT INFO\nexit 0\n",
        );
        write(r, "etc/init.d/oldsvc", b"#!/bin/sh\n");
        write(r, "etc/init.d/README", b"not a service");
        write(r, "etc/init.d/kesl.dpkg-old", b"#!/bin/sh\n");
        std::fs::create_dir_all(r.join("etc/rc3.d")).unwrap();
        std::fs::create_dir_all(r.join("etc/rc1.d")).unwrap();
        symlink("../init.d/kesl", r.join("etc/rc3.d/S20kesl")).unwrap();
        symlink("../init.d/oldsvc", r.join("etc/rc1.d/S01oldsvc")).unwrap();
        symlink("../init.d/oldsvc", r.join("etc/rc3.d/K01oldsvc")).unwrap();
        let inv = SysvInitCollector.collect(&Root::offline(r).unwrap());
        assert!(inv.errors.is_empty(), "{:?}", inv.errors);
        let names: Vec<_> = inv.artifacts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, vec!["kesl", "oldsvc"]);
        let k = &inv.artifacts[0];
        assert_eq!(
            (k.kind, k.state),
            (ArtifactKind::Service, ArtifactState::Active)
        );
        assert_eq!(k.attr("init"), Some("sysv"));
        assert_eq!(k.attr("description"), Some("Kaspersky Endpoint Security"));
        assert_eq!(k.location, "etc/init.d/kesl");
        assert_eq!(inv.artifacts[1].state, ArtifactState::Disabled);
    }
}
