//! dpkg: `var/lib/dpkg/status`, distroless `status.d/*`, and `info/*.list` file lists.

use crate::purl::package_url;
use crate::{Collector, Root, error_at};
use interdict_formats::dpkg::{DpkgStatusEntry, PackageState, parse_dpkg_list, parse_dpkg_status};
use interdict_inventory::{Artifact, ArtifactKind, ArtifactState, CollectError, Inventory, attr};
use rayon::prelude::*;
use std::collections::HashMap;

const ID: &str = "dpkg-status";
const STATUS: &str = "var/lib/dpkg/status";
const STATUS_D: &str = "var/lib/dpkg/status.d";
const INFO: &str = "var/lib/dpkg/info";
/// Largest status file read: real ones are a few MB (about 1.5 kB per package), so this
/// leaves room for any system while a crafted sparse file cannot fill the memory.
pub const MAX_STATUS: u64 = 128 * 1024 * 1024;
/// Largest `info/*.list` read: the biggest real lists (kernel module packages) are about
/// 1 MB.
pub const MAX_LIST: u64 = 32 * 1024 * 1024;

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
        // The scan recorded the system it recognised; detect only when run on its own.
        let distro = root
            .os()
            .map_or_else(|| crate::os::detect(root).id, |os| os.id.clone());
        let mut sources: Vec<String> = Vec::new();
        match root.probe(STATUS) {
            Ok(None) => {}
            Ok(Some(_)) => sources.push(STATUS.to_string()),
            Err(e) => inv.errors.push(error_at(ID, STATUS, e)),
        }
        match root.read_dir(STATUS_D) {
            Ok(entries) => sources.extend(
                entries
                    .into_iter()
                    .filter(|e| {
                        !e.is_dir && !e.name.ends_with(".md5sums") && !e.name.ends_with(".list")
                    })
                    .map(|e| e.rel),
            ),
            Err(e) if crate::root::is_absent(&e) => {}
            Err(e) => inv.errors.push(error_at(ID, STATUS_D, e)),
        }
        for source in sources {
            match root.read_limited(&source, MAX_STATUS) {
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
                        let lists = list_files(root, &mut inv);
                        let errors: Vec<_> = artifacts
                            .par_iter_mut()
                            .filter_map(|a| match owned_files(root, a, &lists) {
                                Ok(paths) => {
                                    a.paths = paths;
                                    None
                                }
                                Err(e) => Some(e),
                            })
                            .collect();
                        inv.errors.extend(errors);
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
    let purl = package_url(
        "deb",
        Some(distro),
        &e.package,
        &e.version,
        &[("arch", &e.architecture)],
    );
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
            .with_attr(attr::PURL, purl.unwrap_or_default()),
    )
}

/// The names of the `info/*.list` files, listed once: most multi-arch packages have only
/// `<name>:<arch>.list`, so probing `<name>.list` first cost a failed lookup for each. A
/// folder that cannot be listed is an error in `inv` (and no package gets its files).
/// Each name maps to whether it was listed as a regular file (read without resolving its
/// path again, [`Root::open_walked_os`]) rather than a symlink (resolved inside the root).
fn list_files(root: &Root, inv: &mut Inventory) -> HashMap<String, bool> {
    match root.read_dir(INFO) {
        Ok(entries) => entries
            .into_iter()
            .filter(|e| !e.is_dir && e.name.ends_with(".list"))
            .map(|e| (e.name, e.kind == crate::root::Kind::File))
            .collect(),
        Err(e) if crate::root::is_absent(&e) => HashMap::new(),
        Err(e) => {
            inv.errors.push(error_at(ID, INFO, e));
            HashMap::new()
        }
    }
}

/// Files of a package from `info/<name>.list` or `info/<name>:<arch>.list` (whichever
/// `lists` names); none when neither exists, an error naming the list when one is there
/// but cannot be read.
fn owned_files(
    root: &Root,
    a: &Artifact,
    lists: &HashMap<String, bool>,
) -> Result<Vec<String>, CollectError> {
    let arch = a.attr("arch").unwrap_or("");
    let Some(name) = [
        format!("{}.list", a.name),
        format!("{}:{arch}.list", a.name),
    ]
    .into_iter()
    .find(|name| lists.contains_key(name)) else {
        return Ok(Vec::new());
    };
    let p = format!("{INFO}/{name}");
    let read = if lists.get(&name) == Some(&true) {
        root.read_walked_limited(&crate::root::unescape(&p), MAX_LIST)
    } else {
        root.read_limited(&p, MAX_LIST)
    };
    match read {
        Ok(b) => Ok(parse_dpkg_list(&b)),
        Err(e) if crate::root::is_absent(&e) => Ok(Vec::new()),
        Err(e) => Err(error_at(ID, &p, e)),
    }
}

#[cfg(test)]
mod tests;
