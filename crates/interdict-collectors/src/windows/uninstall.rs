//! `win-uninstall-hive`: Add/Remove Programs entries and Windows Installer products.

use super::{
    SOFTWARE_HIVE, UNINSTALL, find_hive, hive_error, join, open_spelled, user_hives, value_text,
    windows_path_to_rel, with_hive,
};
use crate::{Collector, Root};
use interdict_formats::regf::{Hive, Key};
use interdict_inventory::{Artifact, ArtifactKind, Inventory};

const ID: &str = "win-uninstall-hive";

/// Installed programs from the uninstall keys of the machine `SOFTWARE` hive (native and
/// `WOW6432Node`) and of each user's `NTUSER.DAT`, plus Windows Installer products
/// (`Classes\Installer\Products`, attribute `source=msi`).
#[derive(Debug, Default, Clone, Copy)]
pub struct WinUninstallHive;

/// Whose installation an entry is.
#[derive(Clone, Copy)]
enum Scope<'u> {
    Machine,
    User(&'u str),
}

impl Scope<'_> {
    /// The registry path prefix a user of regedit would see.
    fn hkey(&self) -> String {
        match self {
            Scope::Machine => r"HKLM\SOFTWARE".to_string(),
            Scope::User(_) => "HKCU".to_string(),
        }
    }

    fn tag(&self, a: Artifact) -> Artifact {
        match self {
            Scope::Machine => a.with_attr("scope", "machine"),
            Scope::User(u) => a.with_attr("scope", "user").with_attr("user", *u),
        }
    }
}

impl Collector for WinUninstallHive {
    fn id(&self) -> &'static str {
        ID
    }

    fn collect(&self, root: &Root) -> Inventory {
        let mut inv = Inventory::default();
        if let Some(rel) = find_hive(ID, root, SOFTWARE_HIVE, &mut inv) {
            with_hive(ID, root, &rel, &mut inv, |hive, inv| {
                for path in [UNINSTALL.to_string(), format!(r"WOW6432Node\{UNINSTALL}")] {
                    uninstall_entries(hive, &rel, "", &path, Scope::Machine, inv);
                }
                msi_products(
                    hive,
                    &rel,
                    "",
                    r"Classes\Installer\Products",
                    Scope::Machine,
                    inv,
                );
            });
        }
        for (user, rel) in user_hives(ID, root, &mut inv) {
            with_hive(ID, root, &rel, &mut inv, |hive, inv| {
                let scope = Scope::User(&user);
                uninstall_entries(hive, &rel, "Software", UNINSTALL, scope, inv);
                msi_products(
                    hive,
                    &rel,
                    "Software",
                    r"Microsoft\Installer\Products",
                    scope,
                    inv,
                );
            });
        }
        inv
    }
}

/// Opens `base\path` below the hive root, spelled as in the hive; errors are recorded.
fn open<'a>(
    hive: &Hive<'a>,
    rel: &str,
    base: &str,
    path: &str,
    inv: &mut Inventory,
) -> Option<(Key<'a>, String)> {
    let full = join(base, path);
    match hive.root().and_then(|r| open_spelled(&r, "", &full)) {
        Ok(found) => found,
        Err(e) => {
            inv.errors.push(hive_error(ID, rel, &full, &e));
            None
        }
    }
}

/// The subkeys of a list key; errors are recorded.
fn subkeys<'a>(key: &Key<'a>, rel: &str, path: &str, inv: &mut Inventory) -> Vec<Key<'a>> {
    key.subkeys().unwrap_or_else(|e| {
        inv.errors.push(hive_error(ID, rel, path, &e));
        Vec::new()
    })
}

fn uninstall_entries(
    hive: &Hive<'_>,
    rel: &str,
    base: &str,
    path: &str,
    scope: Scope<'_>,
    inv: &mut Inventory,
) {
    let Some((list, spelled)) = open(hive, rel, base, path, inv) else {
        return;
    };
    for entry in subkeys(&list, rel, &spelled, inv) {
        let Some(name) = value_text(&entry, "DisplayName").filter(|n| !n.trim().is_empty()) else {
            continue;
        };
        let key_path = join(&spelled, entry.name());
        let install = value_text(&entry, "InstallLocation").unwrap_or_default();
        let mut a = Artifact::new(ArtifactKind::Package, name, format!("{rel}:{key_path}"), ID)
            .with_version(value_text(&entry, "DisplayVersion").unwrap_or_default())
            .with_publisher(value_text(&entry, "Publisher").unwrap_or_default())
            .with_path(windows_path_to_rel(&install).unwrap_or_default())
            .with_attr(
                "uninstall-string",
                value_text(&entry, "UninstallString").unwrap_or_default(),
            )
            .with_attr("install-location", install)
            .with_attr("registry-key", format!(r"{}\{key_path}", scope.hkey()));
        if value_text(&entry, "SystemComponent").as_deref() == Some("1") {
            a = a.with_attr("system-component", "1");
        }
        inv.artifacts.push(scope.tag(a));
    }
}

fn msi_products(
    hive: &Hive<'_>,
    rel: &str,
    base: &str,
    path: &str,
    scope: Scope<'_>,
    inv: &mut Inventory,
) {
    let Some((list, spelled)) = open(hive, rel, base, path, inv) else {
        return;
    };
    for product in subkeys(&list, rel, &spelled, inv) {
        let Some(name) = value_text(&product, "ProductName").filter(|n| !n.trim().is_empty())
        else {
            continue;
        };
        let key_path = join(&spelled, product.name());
        let version = product
            .value_ci("Version")
            .and_then(|v| v.as_u32())
            .map(msi_version);
        let a = Artifact::new(ArtifactKind::Package, name, format!("{rel}:{key_path}"), ID)
            .with_version(version.unwrap_or_default())
            .with_attr("source", "msi")
            .with_attr(
                "product-code",
                unpack_guid(product.name()).unwrap_or_default(),
            )
            .with_attr("registry-key", format!(r"{}\{key_path}", scope.hkey()));
        inv.artifacts.push(scope.tag(a));
    }
}

/// A Windows Installer version DWORD: major (8 bits), minor (8 bits), build (16 bits).
fn msi_version(v: u32) -> String {
    format!("{}.{}.{}", v >> 24, (v >> 16) & 0xff, v & 0xffff)
}

/// The product code `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` of a packed (compressed) GUID
/// as used for `Installer\Products` key names.
fn unpack_guid(packed: &str) -> Option<String> {
    if packed.len() != 32 || !packed.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let rev = |a: usize, b: usize| {
        packed
            .get(a..b)
            .map(|s| s.chars().rev().collect::<String>())
    };
    let pairs = |a: usize, b: usize| -> Option<String> {
        (a..b)
            .step_by(2)
            .map(|i| rev(i, i + 2))
            .collect::<Option<Vec<_>>>()
            .map(|v| v.concat())
    };
    Some(format!(
        "{{{}-{}-{}-{}-{}}}",
        rev(0, 8)?,
        rev(8, 12)?,
        rev(12, 16)?,
        pairs(16, 20)?,
        pairs(20, 32)?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_guids_and_msi_versions() {
        assert_eq!(
            unpack_guid("872710A94F7F9FD44A28B0797BD07DDE").as_deref(),
            Some("{9A017278-F7F4-4DF9-A482-0B97B70DD7ED}")
        );
        assert_eq!(unpack_guid("xyz"), None);
        assert_eq!(msi_version(0x0B0B_01C4), "11.11.452");
    }
}
