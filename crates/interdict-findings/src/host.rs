//! Host identity: what a fleet deduplicates on.
//!
//! A host is known by the strongest identifier its own records hold, in this order:
//!
//! | source | identifier key | where it comes from |
//! |---|---|---|
//! | Linux | `machine-id` | `/etc/machine-id` (systemd), else `/var/lib/dbus/machine-id` |
//! | Windows | `machine-guid` | `SOFTWARE\Microsoft\Cryptography\MachineGuid` |
//! | macOS | `hardware-uuid` | the IOPlatformUUID the root records, where present |
//! | import | the identifier column | e.g. Intune `Device ID`, SCCM `ResourceID` |
//!
//! With none of these the host is known by its lower-cased name (`name:` prefix). The id is
//! `<key>:<value>` with the value lower-cased and trimmed, so the same host scanned twice,
//! live or offline, gets the same id; two hosts with different identifiers never share one.

use interdict_inventory::{Artifact, Platform};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Identifier keys, strongest first.
pub const IDENTIFIER_PRECEDENCE: &[&str] = &[
    "machine-id",
    "machine-guid",
    "hardware-uuid",
    "device-id",
    "resource-id",
    "serial-number",
];

/// The operating system of a host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Os {
    /// Platform family.
    pub platform: Option<Platform>,
    /// Distribution or product id (`debian`, `windows`, `macos`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Human-readable name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Kernel release (live Linux hosts).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kernel: String,
}

/// One host in a report: its identity, and for scans where and how it was read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Host {
    /// Stable identity (see the module docs): `machine-id:…`, `machine-guid:…`, `name:…`.
    pub id: String,
    /// Host name.
    pub name: String,
    /// Operating system.
    pub os: Os,
    /// Every identifier the host's records hold, by key (`machine-id`, `machine-guid`, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub identifiers: BTreeMap<String, String>,
    /// Scans: host name (the 1.0 field; same as `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// Scans: the root scanned (`/` for the live host).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    /// Scans: whether this is the running host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<bool>,
    /// Scans: platform family (the 1.0 field; same as `os.platform`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// Scans: distribution or product id (the 1.0 field; same as `os.id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_id: Option<String>,
    /// Scans: version (the 1.0 field; same as `os.version`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_version: Option<String>,
    /// Scans: human-readable OS name (the 1.0 field; same as `os.name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_name: Option<String>,
    /// Imports: this host's whole imported inventory, when the document carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<Vec<Artifact>>,
}

impl Host {
    /// A host known by `name` and whatever `identifiers` its records hold; the id is derived
    /// by [`host_id`].
    pub fn new(name: &str, os: Os, identifiers: BTreeMap<String, String>) -> Host {
        Host {
            id: host_id(name, &identifiers),
            name: name.to_string(),
            os,
            identifiers,
            ..Host::default()
        }
    }

    /// Fills the 1.0 scan fields (`hostname`, `root`, `live`, `platform`, `os_*`) from the
    /// identity, so older readers keep working.
    pub fn with_scan_fields(mut self, root: &str, live: bool) -> Host {
        self.hostname = Some(self.name.clone());
        self.root = Some(root.to_string());
        self.live = Some(live);
        self.platform = self.os.platform;
        self.os_id = Some(self.os.id.clone());
        self.os_version = Some(self.os.version.clone());
        self.os_name = Some(self.os.name.clone());
        self
    }
}

/// The stable id of a host: its strongest identifier as `<key>:<value>` (see
/// [`IDENTIFIER_PRECEDENCE`]), else any other identifier, else `name:<name>`, all
/// lower-cased and trimmed. An unnamed host with no identifier is `name:` (the caller
/// should name it).
pub fn host_id(name: &str, identifiers: &BTreeMap<String, String>) -> String {
    let usable = |key: &str| {
        identifiers
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty() && !v.chars().all(|c| c == '0' || c == '-'))
    };
    let strongest = IDENTIFIER_PRECEDENCE
        .iter()
        .find_map(|k| usable(k).map(|v| (*k, v)))
        .or_else(|| {
            identifiers
                .keys()
                .find_map(|k| usable(k).map(|v| (k.as_str(), v)))
        });
    match strongest {
        Some((key, value)) => format!("{key}:{}", value.to_lowercase()),
        None => format!("name:{}", name.trim().to_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn strongest_identifier_wins_and_is_normalised() {
        let i = ids(&[
            ("machine-guid", " 6F1A0C2E-AAAA-4B1B-9C4D-0123456789AB "),
            ("serial-number", "X1"),
        ]);
        assert_eq!(
            host_id("WS-01", &i),
            "machine-guid:6f1a0c2e-aaaa-4b1b-9c4d-0123456789ab"
        );
    }

    #[test]
    fn empty_or_zero_identifiers_fall_back_to_the_name() {
        let i = ids(&[("machine-id", ""), ("hardware-uuid", "00000000-0000-0000")]);
        assert_eq!(host_id(" WS-01 ", &i), "name:ws-01");
    }

    #[test]
    fn an_unknown_identifier_key_still_identifies() {
        assert_eq!(host_id("a", &ids(&[("asset-tag", "T-9")])), "asset-tag:t-9");
    }

    #[test]
    fn scan_fields_mirror_the_identity() {
        let os = Os {
            platform: Some(Platform::Linux),
            id: "debian".into(),
            version: "12".into(),
            name: "Debian GNU/Linux 12".into(),
            kernel: String::new(),
        };
        let h = Host::new("web1", os, ids(&[("machine-id", "abc")])).with_scan_fields("/", true);
        assert_eq!(h.id, "machine-id:abc");
        assert_eq!(h.hostname.as_deref(), Some("web1"));
        assert_eq!(h.platform, Some(Platform::Linux));
        assert_eq!(h.os_name.as_deref(), Some("Debian GNU/Linux 12"));
    }
}
