//! Host identifiers from the root's own records, for the report's host identity
//! (`interdict_findings::Host`): what a fleet deduplicates hosts on.
//!
//! | platform | key | source |
//! |---|---|---|
//! | Linux | `machine-id` | `etc/machine-id`, else `var/lib/dbus/machine-id` |
//! | Windows | `machine-guid` | `SOFTWARE` hive, `Microsoft\Cryptography\MachineGuid` |
//! | macOS | `hardware-uuid` | the UUID in the names of per-host preference files, `Users/*/Library/Preferences/ByHost/<domain>.<UUID>.plist` (macOS names them after the IOPlatformUUID) |
//!
//! A missing or unreadable source gives no identifier; the host is then known by name.

use crate::Root;
use interdict_inventory::Platform;
use std::collections::BTreeMap;

/// Largest identifier file read; a machine-id is 33 bytes.
const MAX_ID_FILE: usize = 4096;

/// The identifiers the root's records hold, by key.
pub fn host_identifiers(root: &Root, platform: Platform) -> BTreeMap<String, String> {
    let mut ids = BTreeMap::new();
    let found = match platform {
        Platform::Windows => crate::windows::machine_guid(root).map(|g| ("machine-guid", g)),
        Platform::Macos => macos_hardware_uuid(root).map(|u| ("hardware-uuid", u)),
        Platform::Linux | Platform::Any => linux_machine_id(root).map(|m| ("machine-id", m)),
    };
    if let Some((key, value)) = found {
        ids.insert(key.to_string(), value);
    }
    ids
}

/// The running kernel's release (live hosts only).
pub fn live_kernel(root: &Root) -> Option<String> {
    if !root.is_live() {
        return None;
    }
    let bytes = root.read("proc/sys/kernel/osrelease").ok()?;
    let text = String::from_utf8_lossy(&bytes).trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// systemd's machine id: 32 lower-case hex digits.
fn linux_machine_id(root: &Root) -> Option<String> {
    ["etc/machine-id", "var/lib/dbus/machine-id"]
        .iter()
        .find_map(|rel| {
            let bytes = root.read(rel).ok()?;
            parse_machine_id(bytes.get(..MAX_ID_FILE).unwrap_or(&bytes))
        })
}

/// A machine id from a `machine-id` file's bytes: 32 hex digits, or `None` (empty files
/// and `uninitialized` placeholders of images that were never booted).
pub fn parse_machine_id(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?.trim();
    (text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| text.to_ascii_lowercase())
}

/// The hardware UUID in per-host preference file names, the most common one if users
/// disagree (a profile copied from another Mac).
fn macos_hardware_uuid(root: &Root) -> Option<String> {
    let users = root.read_dir("Users").ok()?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for user in users.iter().filter(|u| u.is_dir) {
        let by_host = format!("{}/Library/Preferences/ByHost", user.rel);
        for entry in root.read_dir(&by_host).unwrap_or_default() {
            if let Some(uuid) = uuid_in_by_host_name(&entry.name) {
                *counts.entry(uuid).or_default() += 1;
            }
        }
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(uuid, _)| uuid)
}

/// `com.apple.screensaver.564D2A1E-0C6F-4B8E-9D2C-1A2B3C4D5E6F.plist` → the UUID,
/// upper-cased. Older systems used the MAC address (12 hex digits) instead: not a UUID,
/// so not taken.
pub fn uuid_in_by_host_name(name: &str) -> Option<String> {
    let stem = name.strip_suffix(".plist")?;
    let candidate = stem.rsplit('.').next()?;
    let groups: Vec<&str> = candidate.split('-').collect();
    let shape = [8, 4, 4, 4, 12];
    (groups.len() == 5
        && groups
            .iter()
            .zip(shape)
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit())))
    .then(|| candidate.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_ids_are_taken_only_when_well_formed() {
        assert_eq!(
            parse_machine_id(b"3F2504E04F8911D39A0C0305E82C3301\n").as_deref(),
            Some("3f2504e04f8911d39a0c0305e82c3301")
        );
        assert_eq!(parse_machine_id(b""), None);
        assert_eq!(parse_machine_id(b"uninitialized\n"), None);
        assert_eq!(parse_machine_id(b"3f2504e04f8911d39a0c0305e82c330"), None);
    }

    #[test]
    fn by_host_names_give_the_hardware_uuid() {
        assert_eq!(
            uuid_in_by_host_name(
                "com.apple.screensaver.564d2a1e-0c6f-4b8e-9d2c-1a2b3c4d5e6f.plist"
            )
            .as_deref(),
            Some("564D2A1E-0C6F-4B8E-9D2C-1A2B3C4D5E6F")
        );
        assert_eq!(
            uuid_in_by_host_name("com.apple.screensaver.001122334455.plist"),
            None
        );
        assert_eq!(uuid_in_by_host_name("com.apple.screensaver.plist"), None);
    }

    #[test]
    fn identifiers_of_offline_roots() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        std::fs::write(
            dir.path().join("etc/machine-id"),
            "0123456789abcdef0123456789abcdef\n",
        )
        .unwrap();
        let root = Root::offline(dir.path()).unwrap();
        let ids = host_identifiers(&root, Platform::Linux);
        assert_eq!(ids["machine-id"], "0123456789abcdef0123456789abcdef");

        let mac = tempfile::tempdir().unwrap();
        let by_host = mac.path().join("Users/ana/Library/Preferences/ByHost");
        std::fs::create_dir_all(&by_host).unwrap();
        for domain in ["com.apple.screensaver", "com.apple.loginwindow"] {
            std::fs::write(
                by_host.join(format!(
                    "{domain}.11111111-2222-3333-4444-555555555555.plist"
                )),
                "",
            )
            .unwrap();
        }
        let root = Root::offline(mac.path()).unwrap();
        assert_eq!(
            host_identifiers(&root, Platform::Macos)["hardware-uuid"],
            "11111111-2222-3333-4444-555555555555"
        );
        assert!(host_identifiers(&root, Platform::Linux).is_empty());
    }
}
