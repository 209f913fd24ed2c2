//! `win-registry-keys`: vendor keys and uninstall key paths of the `SOFTWARE` hive.

use super::{SOFTWARE_HIVE, UNINSTALL, find_hive, hive_error, join, open_spelled, with_hive};
use crate::{Collector, Root};
use interdict_formats::regf::Hive;
use interdict_inventory::{Artifact, ArtifactKind, Inventory};

const ID: &str = "win-registry-keys";

/// Registry artifacts named as `HKLM` paths without the hive prefix, e.g.
/// `SOFTWARE\KasperskyLab`: every top-level key of `SOFTWARE` and of
/// `SOFTWARE\WOW6432Node` (vendor roots), and every uninstall entry key. Only names are
/// read, so this is cheap even on a large hive.
#[derive(Debug, Default, Clone, Copy)]
pub struct WinRegistryKeys;

impl Collector for WinRegistryKeys {
    fn id(&self) -> &'static str {
        ID
    }

    fn collect(&self, root: &Root) -> Inventory {
        let mut inv = Inventory::default();
        if let Some(rel) = find_hive(ID, root, SOFTWARE_HIVE, &mut inv) {
            with_hive(ID, root, &rel, &mut inv, |hive, inv| {
                for (path, children_too) in [
                    (String::new(), true),
                    ("WOW6432Node".to_string(), true),
                    (UNINSTALL.to_string(), false),
                    (format!(r"WOW6432Node\{UNINSTALL}"), false),
                ] {
                    children(hive, &rel, &path, children_too, inv);
                }
            });
        }
        inv
    }
}

/// Emits a Registry artifact for each subkey of `path` (skipping `WOW6432Node` itself when
/// listing the top level, where `skip_wow` is set).
fn children(hive: &Hive<'_>, rel: &str, path: &str, skip_wow: bool, inv: &mut Inventory) {
    let found = hive.root().and_then(|r| open_spelled(&r, "", path));
    let (key, spelled) = match found {
        Ok(Some(found)) => found,
        Ok(None) => return,
        Err(e) => return inv.errors.push(hive_error(ID, rel, path, &e)),
    };
    let subkeys = match key.subkeys() {
        Ok(k) => k,
        Err(e) => return inv.errors.push(hive_error(ID, rel, &spelled, &e)),
    };
    for sub in subkeys {
        if skip_wow && spelled.is_empty() && sub.name().eq_ignore_ascii_case("WOW6432Node") {
            continue;
        }
        let key_path = join(&spelled, sub.name());
        inv.artifacts.push(
            Artifact::new(
                ArtifactKind::Registry,
                format!(r"SOFTWARE\{key_path}"),
                format!("{rel}:{key_path}"),
                ID,
            )
            .with_attr("last-written", sub.last_written().to_string()),
        );
    }
}
