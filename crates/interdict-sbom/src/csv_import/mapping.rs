//! Which header names hold which fact, and which known export a header row is.
//!
//! Headers are compared after folding case and dropping spaces, `_` and `-`, so
//! `Computer Name`, `ComputerName` and `computer_name` are one header. The aliases cover
//! the exports named below with their exact headers:
//!
//! * Intune Graph `AppInvRawData`: `ApplicationKey, ApplicationName, ApplicationPublisher,
//!   ApplicationShortVersion, ApplicationVersion, DeviceId, DeviceName, EmailAddress,
//!   OSDescription, OSVersion, Platform, UserId, UserName` (one row per device and app);
//! * Intune Graph `AppInvAggregate`: `ApplicationId, ApplicationKey, ApplicationName,
//!   ApplicationPublisher, ApplicationShortVersion, ApplicationVersion, DeviceCount,
//!   Platform` (one row per app, with the number of devices);
//! * the Intune console's Discovered apps list: `Application, Version, Publisher,
//!   Device count, Platform`;
//! * SCCM/MECM queries over `v_R_System` and `v_GS_INSTALLED_SOFTWARE` /
//!   `v_GS_ADD_REMOVE_PROGRAMS`: `Name0` or `Netbios_Name0`, `ARPDisplayName0`,
//!   `ProductName0`, `DisplayName0`, `ProductVersion0`, `Version0`, `Publisher0`,
//!   `InstalledLocation0`;
//! * Tanium's Installed Applications sensor: `Computer Name, Name, Version,
//!   Silent Uninstall String, Uninstallable, Count`.

use interdict_inventory::ArtifactKind;

/// Which header names hold which fact. Each list is tried in order; the first header
/// present (compared case-insensitively, ignoring spaces, `_` and `-`) wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvMapping {
    /// Headers naming the host. Without one, records belong to the caller's default
    /// host (else the file stem).
    pub host: Vec<String>,
    /// Headers naming the item. Required.
    pub name: Vec<String>,
    /// Headers holding the version. Optional.
    pub version: Vec<String>,
    /// Headers holding the publisher, vendor or manufacturer. Optional.
    pub publisher: Vec<String>,
    /// Headers holding the artifact kind (`package`, `service`, `driver`, …). Optional;
    /// without it, or for a value that names no kind (`Application`), a record is a
    /// package.
    pub kind: Vec<String>,
    /// Headers holding how many devices have the item, in an aggregated export (no host
    /// column). The count becomes the artifact's `endpoint-count` attribute.
    pub device_count: Vec<String>,
    /// Headers holding the install location. Optional.
    pub path: Vec<String>,
    /// Headers holding the platform (`Windows`, `macOS`, …). Optional.
    pub platform: Vec<String>,
}

fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_string()).collect()
}

impl Default for CsvMapping {
    fn default() -> Self {
        CsvMapping {
            host: owned(&[
                "host",
                "hostname",
                "pscomputername",
                "computer",
                "computer name",
                "device name",
                "machine",
                "machine name",
                "netbios_name0",
                "name0",
                "wkid",
            ]),
            name: owned(&[
                "name",
                "displayname",
                "application name",
                "application",
                "software name",
                "software",
                "product name",
                "product",
                "arpdisplayname0",
                "displayname0",
                "productname0",
            ]),
            version: owned(&[
                "version",
                "displayversion",
                "application version",
                "application short version",
                "product version",
                "productversion0",
                "version0",
            ]),
            publisher: owned(&[
                "publisher",
                "vendor",
                "manufacturer",
                "application publisher",
                "publisher0",
                "company",
            ]),
            kind: owned(&["kind", "type"]),
            device_count: owned(&["device count", "devices", "count", "installs"]),
            path: owned(&[
                "install location",
                "installed location",
                "installedlocation0",
                "path",
            ]),
            platform: owned(&["platform"]),
        }
    }
}

/// A header folded for comparison: lower case, without spaces, `_` and `-`.
pub(super) fn fold(header: &str) -> String {
    header
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '\t'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Every header that is one of the candidates and not already taken, in the order of
/// the candidates (the first is the preferred column; later ones fill its empty cells).
pub(super) fn find_columns(
    header: &[String],
    candidates: &[String],
    taken: &[usize],
) -> Vec<usize> {
    let folded: Vec<String> = header.iter().map(|h| fold(h)).collect();
    let mut found = Vec::new();
    for candidate in candidates {
        let candidate = fold(candidate);
        for (index, h) in folded.iter().enumerate() {
            if *h == candidate && !taken.contains(&index) && !found.contains(&index) {
                found.push(index);
            }
        }
    }
    found
}

/// The first candidate header not already taken.
pub(super) fn find_column(
    header: &[String],
    candidates: &[String],
    taken: &[usize],
) -> Option<usize> {
    find_columns(header, candidates, taken).first().copied()
}

/// The known export a header row is, for the `csv-export` attribute.
pub(super) fn export_name(header: &[String]) -> Option<&'static str> {
    let folded: Vec<String> = header.iter().map(|h| fold(h)).collect();
    let has = |name: &str| folded.iter().any(|h| h == name);
    if has("applicationname") && has("devicecount") {
        Some("intune-appinvaggregate")
    } else if has("applicationname") && (has("devicename") || has("deviceid")) {
        Some("intune-appinvrawdata")
    } else if has("application") && has("devicecount") {
        Some("intune-discovered-apps")
    } else if [
        "arpdisplayname0",
        "productname0",
        "displayname0",
        "publisher0",
    ]
    .iter()
    .any(|h| has(h))
    {
        Some("sccm")
    } else if has("computername") && (has("silentuninstallstring") || has("uninstallable")) {
        Some("tanium")
    } else {
        None
    }
}

/// The kind a `Type` value names. Inventory tools write their own words (`Application`,
/// `Win32`, `Windows Service`): those that name no artifact kind are packages.
pub(super) fn parse_kind(value: &str) -> ArtifactKind {
    let kinds = [
        ArtifactKind::Package,
        ArtifactKind::Service,
        ArtifactKind::Driver,
        ArtifactKind::KernelModule,
        ArtifactKind::Process,
        ArtifactKind::File,
        ArtifactKind::Certificate,
        ArtifactKind::Extension,
        ArtifactKind::Registry,
        ArtifactKind::Bundle,
        ArtifactKind::SbomComponent,
    ];
    let wanted = value.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    if let Some(kind) = kinds.into_iter().find(|k| k.as_str() == wanted) {
        return kind;
    }
    match wanted.as_str() {
        "windows-service" | "daemon" | "launch-daemon" | "systemd-unit" => ArtifactKind::Service,
        "kernel-driver" | "device-driver" | "system-driver" | "kext" => ArtifactKind::Driver,
        "browser-extension" | "add-on" | "addon" | "plugin" => ArtifactKind::Extension,
        _ => ArtifactKind::Package,
    }
}
