//! Collectors for offline Windows roots, reading registry hives through [`Root`].
//!
//! One collector per source:
//! - [`WinUninstallHive`] (`win-uninstall-hive`): Add/Remove Programs entries of the machine
//!   (`SOFTWARE`, native and `WOW6432Node`) and of every user (`NTUSER.DAT`), plus Windows
//!   Installer products.
//! - [`WinServicesHive`] (`win-services-hive`): services and drivers of the *current*
//!   control set of `SYSTEM`.
//! - [`WinRegistryKeys`] (`win-registry-keys`): vendor keys (the top-level keys of
//!   `SOFTWARE` and `SOFTWARE\WOW6432Node`) and uninstall key paths, as `SOFTWARE\…` names.
//! - [`WinCertStoreHive`] (`win-cert-store-hive`): certificates in the registry stores
//!   `ROOT`, `AuthRoot` and `CA` of the machine and `Root` of each user.
//!
//! Hives are found case-insensitively (`Windows/System32/config/SOFTWARE`, `…/SYSTEM`,
//! `Users/*/NTUSER.DAT`). A dirty hive is still read from the base file, with a warning in
//! the errors; a corrupt hive becomes one error naming the file and the other hives are
//! still read. A truncated hive is one error naming the file too: what is before the cut
//! is still reported, and the key-level failures past it are not listed one by one. Locations have the form `<hive path>:<key path>`.

mod certs;
mod paths;
mod registry_keys;
mod services;
mod uninstall;

pub use certs::WinCertStoreHive;
pub use paths::windows_path_to_rel;
pub use registry_keys::WinRegistryKeys;
pub use services::WinServicesHive;
pub use uninstall::WinUninstallHive;

use crate::root::Kind;
use crate::{Root, error_at};
use interdict_formats::FormatError;
use interdict_formats::regf::{Hive, Key};
use interdict_inventory::{CollectError, Inventory};

/// The machine `SOFTWARE` hive, relative to the root (looked up case-insensitively).
pub const SOFTWARE_HIVE: &str = "Windows/System32/config/SOFTWARE";

/// The machine `SYSTEM` hive, relative to the root (looked up case-insensitively).
pub const SYSTEM_HIVE: &str = "Windows/System32/config/SYSTEM";

/// Largest machine hive (`SOFTWARE`, `SYSTEM`) read: real ones stay below a few hundred MB.
pub const MAX_MACHINE_HIVE: u64 = 512 * 1024 * 1024;

/// Largest user hive (`NTUSER.DAT`) read: real ones are tens of MB.
pub const MAX_USER_HIVE: u64 = 256 * 1024 * 1024;

/// Warning recorded for a hive whose sequence numbers differ.
pub const DIRTY_HIVE: &str = "hive is dirty: unreplayed transaction log; read from the base file";

/// The uninstall key, relative to a `SOFTWARE` hive or to a user's `Software` key.
const UNINSTALL: &str = r"Microsoft\Windows\CurrentVersion\Uninstall";

/// The name of the current control set: `Select\Current`, else `Select\Default`.
pub fn current_control_set(hive: &interdict_formats::regf::Hive<'_>) -> Option<String> {
    let select = hive.open_path_ci("Select").ok()??;
    let n = ["Current", "Default"]
        .iter()
        .find_map(|v| select.value_ci(v).and_then(|v| v.as_u32()))?;
    Some(format!("ControlSet{n:03}"))
}

/// The computer name recorded in the root's `SYSTEM` hive (current control set).
pub fn computer_name(root: &Root) -> Option<String> {
    let rel = find_hive("os-detect", root, SYSTEM_HIVE, &mut Inventory::default())?;
    let bytes = root.read_shared_limited(&rel, MAX_MACHINE_HIVE).ok()?;
    let hive = interdict_formats::regf::Hive::parse(&bytes).ok()?;
    let set = current_control_set(&hive)?;
    let key = hive
        .open_path_ci(&format!(r"{set}\Control\ComputerName\ComputerName"))
        .ok()??;
    key.value_ci("ComputerName").and_then(|v| v.as_string())
}

/// The machine GUID Windows setup records in the root's `SOFTWARE` hive
/// (`Microsoft\Cryptography\MachineGuid`): the host's identity in a fleet.
pub fn machine_guid(root: &Root) -> Option<String> {
    let rel = find_hive("os-detect", root, SOFTWARE_HIVE, &mut Inventory::default())?;
    let bytes = root.read_shared_limited(&rel, MAX_MACHINE_HIVE).ok()?;
    let hive = interdict_formats::regf::Hive::parse(&bytes).ok()?;
    let key = hive.open_path_ci(r"Microsoft\Cryptography").ok()??;
    let guid = key.value_ci("MachineGuid").and_then(|v| v.as_string())?;
    let guid = guid.trim().to_string();
    (!guid.is_empty()).then_some(guid)
}

/// The on-disk path of a hive file (looked up case-insensitively), if the root has one;
/// a folder on the way that cannot be listed (permission denied, a symlink loop) is an
/// error in `inv`, not a missing hive.
fn find_hive(collector: &str, root: &Root, canonical: &str, inv: &mut Inventory) -> Option<String> {
    let found = root
        .lookup_case_insensitive(canonical)
        .and_then(|found| match found {
            Some(rel) => Ok(root.probe(&rel)?.filter(|k| *k != Kind::Dir).map(|_| rel)),
            None => Ok(None),
        });
    found.unwrap_or_else(|e| {
        inv.errors.push(error_at(collector, canonical, e));
        None
    })
}

/// `(user name, NTUSER.DAT path)` for every profile folder under `Users`; folders that
/// cannot be listed are errors in `inv`.
fn user_hives(collector: &str, root: &Root, inv: &mut Inventory) -> Vec<(String, String)> {
    let users = match root.lookup_case_insensitive("Users") {
        Ok(Some(u)) => u,
        Ok(None) => return Vec::new(),
        Err(e) => {
            inv.errors.push(error_at(collector, "Users", e));
            return Vec::new();
        }
    };
    let entries = match root.read_dir(&users) {
        Ok(e) => e,
        Err(e) => {
            inv.errors.push(error_at(collector, &users, e));
            return Vec::new();
        }
    };
    entries
        .into_iter()
        .filter(|e| e.is_dir)
        .filter_map(|e| {
            let hive = find_hive(collector, root, &format!("{}/NTUSER.DAT", e.rel), inv)?;
            Some((e.name, hive))
        })
        .collect()
}

/// Reads and parses the hive at `rel`, then runs `f` on it. A read or parse failure becomes
/// one error naming the file; a dirty hive adds a warning and is read anyway; a truncated
/// hive is read as far as it goes and becomes one error naming the file, in place of the
/// errors of every key past the cut.
fn with_hive(
    collector: &str,
    root: &Root,
    rel: &str,
    inv: &mut Inventory,
    f: impl FnOnce(&Hive<'_>, &mut Inventory),
) {
    let limit = if rel.to_ascii_lowercase().ends_with("ntuser.dat") {
        MAX_USER_HIVE
    } else {
        MAX_MACHINE_HIVE
    };
    let bytes = match root.read_shared_limited(rel, limit) {
        Ok(b) => b,
        Err(e) => {
            return inv
                .errors
                .push(error_at(collector, rel, format!("cannot read hive: {e}")));
        }
    };
    let hive = match Hive::parse(&bytes) {
        Ok(h) => h,
        Err(e) => {
            return inv
                .errors
                .push(error_at(collector, rel, format!("corrupt hive: {e}")));
        }
    };
    if hive.is_dirty() {
        inv.errors
            .push(CollectError::new(collector, rel, DIRTY_HIVE));
    }
    if !hive.is_truncated() {
        return f(&hive, inv);
    }
    let (present, announced) = hive.lengths();
    let mut part = Inventory::default();
    f(&hive, &mut part);
    let inside = format!("{rel}:");
    part.errors.retain(|e| !e.location.starts_with(&inside));
    inv.extend(part);
    inv.errors.push(CollectError::new(
        collector,
        rel,
        format!(
            "truncated hive: {present} of {announced} bytes present; keys past the cut are missing"
        ),
    ));
}

/// An error met inside a hive, located at `<hive>:<key path>`.
fn hive_error(collector: &str, rel: &str, key_path: &str, err: &FormatError) -> CollectError {
    error_at(collector, &format!("{rel}:{key_path}"), err)
}

/// Opens `path` below `from` case-insensitively, returning the key with its path as
/// spelled in the hive (joined to `prefix`).
fn open_spelled<'a>(
    from: &Key<'a>,
    prefix: &str,
    path: &str,
) -> Result<Option<(Key<'a>, String)>, FormatError> {
    let mut key = from.clone();
    let mut spelled = prefix.to_string();
    for part in path.split('\\').filter(|p| !p.is_empty()) {
        let Some(next) = key.subkey_ci(part)? else {
            return Ok(None);
        };
        spelled = join(&spelled, next.name());
        key = next;
    }
    Ok(Some((key, spelled)))
}

/// Joins two key paths with `\`.
fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}\\{b}")
    }
}

/// A value as text: strings as they are, numbers in decimal.
fn value_text(key: &Key<'_>, name: &str) -> Option<String> {
    let v = key.value_ci(name)?;
    v.as_string().or_else(|| v.as_u64().map(|n| n.to_string()))
}
