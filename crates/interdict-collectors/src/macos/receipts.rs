//! `macos-receipts`: installer package receipts (`var/db/receipts/*.plist`) and the
//! install history (`Library/Receipts/InstallHistory.plist`).

use super::files_with_suffix;
use crate::{Collector, Root, error_at};
use interdict_formats::plist::{parse_install_history, parse_pkg_receipt};
use interdict_inventory::{Artifact, ArtifactKind, Inventory};
use std::collections::BTreeSet;

/// The collector id.
pub const ID: &str = "macos-receipts";

/// Reads pkg receipts and the install history.
#[derive(Debug, Default, Clone, Copy)]
pub struct MacosReceipts;

impl Collector for MacosReceipts {
    fn id(&self) -> &'static str {
        ID
    }

    fn collect(&self, root: &Root) -> Inventory {
        let mut inv = Inventory::default();
        // `/var` is a symlink to `/private/var`; an image copied without it still has the
        // real folder.
        let dir = root
            .find_case_insensitive("var/db/receipts")
            .or_else(|| root.find_case_insensitive("private/var/db/receipts"));
        if let Some(dir) = dir {
            for f in files_with_suffix(root, &dir, ".plist") {
                let rel = f.rel;
                let parsed = root
                    .read_limited(&rel, super::MAX_PLIST)
                    .map_err(|e| error_at(ID, &rel, e))
                    .and_then(|b| parse_pkg_receipt(&b).map_err(|e| error_at(ID, &rel, e)));
                match parsed {
                    Ok(r) => {
                        let stem = f.name.strip_suffix(".plist").unwrap_or(&f.name).to_string();
                        let a = Artifact::new(
                            ArtifactKind::Package,
                            r.identifier.unwrap_or(stem),
                            rel.as_str(),
                            ID,
                        )
                        .with_version(r.version.unwrap_or_default())
                        .with_attr("source", "pkg-receipt")
                        .with_attr("install-prefix", r.install_prefix.unwrap_or_default())
                        .with_attr("install-process", r.install_process.unwrap_or_default());
                        inv.artifacts.push(a);
                    }
                    Err(e) => inv.errors.push(e),
                }
            }
        }
        if let Some(hist) = root.find_case_insensitive("Library/Receipts/InstallHistory.plist") {
            match root
                .read_limited(&hist, super::MAX_PLIST)
                .map_err(|e| error_at(ID, &hist, e))
                .and_then(|b| parse_install_history(&b).map_err(|e| error_at(ID, &hist, e)))
            {
                Ok(entries) => {
                    let mut seen = BTreeSet::new();
                    for e in entries {
                        let version = e.display_version.clone().unwrap_or_default();
                        for id in &e.package_identifiers {
                            if !seen.insert((id.clone(), version.clone())) {
                                continue;
                            }
                            inv.artifacts.push(
                                Artifact::new(ArtifactKind::Package, id.clone(), hist.as_str(), ID)
                                    .with_version(version.clone())
                                    .with_attr("source", "install-history")
                                    .with_attr(
                                        "display-name",
                                        e.display_name.clone().unwrap_or_default(),
                                    )
                                    .with_attr(
                                        "install-process",
                                        e.process_name.clone().unwrap_or_default(),
                                    ),
                            );
                        }
                    }
                }
                Err(e) => inv.errors.push(e),
            }
        }
        inv
    }
}
