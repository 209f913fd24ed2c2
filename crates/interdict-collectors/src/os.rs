//! Recognising the operating system of a root.

use crate::Root;
use interdict_inventory::Platform;

/// What a root's own files say about its system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsInfo {
    /// Platform family.
    pub platform: Platform,
    /// Distribution or product id (`debian`, `rhel`, `windows`, `macos`), lower-case.
    pub id: String,
    /// Version, when known.
    pub version: String,
    /// Human-readable name.
    pub pretty_name: String,
}

/// Recognises the system in `root`: Windows by `Windows/System32/config`, macOS by
/// `System/Library/CoreServices/SystemVersion.plist`, otherwise Linux (with
/// `etc/os-release` or `usr/lib/os-release` when present).
pub fn detect(root: &Root) -> OsInfo {
    if root
        .find_case_insensitive("Windows/System32/config")
        .is_some_and(|p| root.is_dir(&p))
    {
        return OsInfo {
            platform: Platform::Windows,
            id: "windows".into(),
            version: String::new(),
            pretty_name: "Windows".into(),
        };
    }
    if root.exists("System/Library/CoreServices/SystemVersion.plist") {
        return OsInfo {
            platform: Platform::Macos,
            id: "macos".into(),
            version: String::new(),
            pretty_name: "macOS".into(),
        };
    }
    let text = root
        .read("etc/os-release")
        .or_else(|_| root.read("usr/lib/os-release"))
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
            .map(|v| v.trim().trim_matches('"').to_string())
            .unwrap_or_default()
    };
    OsInfo {
        platform: Platform::Linux,
        id: field("ID").to_ascii_lowercase(),
        version: field("VERSION_ID"),
        pretty_name: field("PRETTY_NAME"),
    }
}

/// The host name the root's own files record: `etc/hostname` on Linux, the
/// `ComputerName` of the `SYSTEM` hive on Windows, `ComputerName` of the system
/// preferences on macOS. Empty when unknown.
pub fn hostname(root: &Root, platform: Platform) -> String {
    let name = match platform {
        Platform::Windows => crate::windows::computer_name(root),
        Platform::Macos => root
            .read("Library/Preferences/SystemConfiguration/preferences.plist")
            .ok()
            .and_then(|b| interdict_formats::plist::parse_plist(&b).ok())
            .and_then(|v| {
                v.as_dictionary()?
                    .get("System")?
                    .as_dictionary()?
                    .get("System")?
                    .as_dictionary()?
                    .get("ComputerName")?
                    .as_string()
                    .map(str::to_string)
            }),
        _ => root
            .read("etc/hostname")
            .ok()
            .map(|b| String::from_utf8_lossy(&b).trim().to_string()),
    };
    name.unwrap_or_default()
}
