//! dpkg: `var/lib/dpkg/status`, distroless `status.d/*`, and `info/*.list` file lists.

use crate::{Collector, Root, error_at};
use interdict_formats::dpkg::{DpkgStatusEntry, PackageState, parse_dpkg_list, parse_dpkg_status};
use interdict_inventory::{Artifact, ArtifactKind, ArtifactState, Inventory};
use rayon::prelude::*;
use std::collections::HashSet;

const ID: &str = "dpkg-status";
const STATUS: &str = "var/lib/dpkg/status";
const STATUS_D: &str = "var/lib/dpkg/status.d";
const INFO: &str = "var/lib/dpkg/info";

/// Reads dpkg's database. Only `installed` packages (and those with files unpacked) are
/// active; `config-files` packages are leftovers; `not-installed` ones are skipped.
#[derive(Debug, Clone)]
pub struct DpkgCollector {
    /// Also read `info/<package>.list` to list each package's files.
    pub owned_files: bool,
}

impl Default for DpkgCollector {
    fn default() -> Self {
        DpkgCollector { owned_files: true }
    }
}

impl Collector for DpkgCollector {
    fn id(&self) -> &'static str {
        ID
    }

    fn collect(&self, root: &Root) -> Inventory {
        let mut inv = Inventory::default();
        let distro = crate::os::detect(root).id;
        let mut sources: Vec<String> = Vec::new();
        if root.exists(STATUS) {
            sources.push(STATUS.to_string());
        }
        if let Ok(entries) = root.read_dir(STATUS_D) {
            sources.extend(
                entries
                    .into_iter()
                    .filter(|e| {
                        !e.is_dir && !e.name.ends_with(".md5sums") && !e.name.ends_with(".list")
                    })
                    .map(|e| e.rel),
            );
        }
        for source in sources {
            match root.read(&source) {
                Ok(bytes) => {
                    let entries = parse_dpkg_status(&bytes);
                    if entries.is_empty() && !bytes.iter().all(u8::is_ascii_whitespace) {
                        inv.errors.push(error_at(
                            ID,
                            &source,
                            "no package paragraph found: not a dpkg status file",
                        ));
                    }
                    let mut artifacts: Vec<Artifact> = entries
                        .iter()
                        .filter_map(|e| artifact(e, &source, &distro))
                        .collect();
                    if self.owned_files {
                        let lists = list_files(root);
                        artifacts
                            .par_iter_mut()
                            .for_each(|a| a.paths = owned_files(root, a, &lists));
                    }
                    inv.artifacts.extend(artifacts);
                }
                Err(e) => inv.errors.push(error_at(ID, &source, e)),
            }
        }
        inv
    }
}

fn artifact(e: &DpkgStatusEntry, location: &str, distro: &str) -> Option<Artifact> {
    let state = match e.state() {
        PackageState::Installed | PackageState::Partial => ArtifactState::Active,
        PackageState::ConfigFiles => ArtifactState::Leftover,
        PackageState::NotInstalled => return None,
    };
    let distro = if distro.is_empty() { "debian" } else { distro };
    let mut purl = format!("pkg:deb/{distro}/{}@{}", e.package, purl_escape(&e.version));
    if !e.architecture.is_empty() {
        purl.push_str(&format!("?arch={}", e.architecture));
    }
    Some(
        Artifact::new(ArtifactKind::Package, &e.package, location, ID)
            .with_version(&e.version)
            .with_publisher(&e.maintainer)
            .with_state(state)
            .with_attr("arch", &e.architecture)
            .with_attr("source", &e.source)
            .with_attr("source-version", &e.source_version)
            .with_attr("status", &e.status)
            .with_attr("multi-arch", &e.multi_arch)
            .with_attr("summary", &e.description)
            .with_attr("line", e.line.to_string())
            .with_attr("purl", purl),
    )
}

/// Percent-encodes the characters a purl version may not carry as-is.
fn purl_escape(v: &str) -> String {
    v.replace('%', "%25")
        .replace('+', "%2B")
        .replace(':', "%3A")
}

/// The names of the `info/*.list` files, listed once: most multi-arch packages have only
/// `<name>:<arch>.list`, so probing `<name>.list` first cost a failed lookup for each.
fn list_files(root: &Root) -> HashSet<String> {
    root.read_dir(INFO)
        .map(|entries| {
            entries
                .into_iter()
                .filter(|e| !e.is_dir && e.name.ends_with(".list"))
                .map(|e| e.name)
                .collect()
        })
        .unwrap_or_default()
}

/// Files of a package from `info/<name>.list` or `info/<name>:<arch>.list`.
fn owned_files(root: &Root, a: &Artifact, lists: &HashSet<String>) -> Vec<String> {
    let arch = a.attr("arch").unwrap_or("");
    [
        format!("{}.list", a.name),
        format!("{}:{arch}.list", a.name),
    ]
    .into_iter()
    .find(|name| lists.contains(name))
    .and_then(|name| root.read(&format!("{INFO}/{name}")).ok())
    .map(|b| parse_dpkg_list(&b))
    .unwrap_or_default()
}

#[cfg(test)]
mod tests;
