//! Recognising the operating system of a root.

use crate::root::is_absent;
use crate::{Root, error_at};
use interdict_inventory::{CollectError, Platform};

/// The id under which the errors of recognising the system are reported.
pub const ID: &str = "os-detect";

/// Largest `os-release` or `hostname` file read: they are a few hundred bytes.
pub const MAX_SMALL_FILE: u64 = 64 * 1024;

/// Largest macOS system preferences file read.
pub const MAX_PREFERENCES: u64 = 16 * 1024 * 1024;

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
    detect_checked(root).0
}

/// [`detect`], with the files that are there but could not be read (an `os-release` that
/// is a FIFO, a `Windows` folder that cannot be listed) as errors of collector [`ID`].
pub fn detect_checked(root: &Root) -> (OsInfo, Vec<CollectError>) {
    let mut errors = Vec::new();
    let windows = match root.lookup_case_insensitive("Windows/System32/config") {
        Ok(Some(p)) => root.is_dir(&p),
        Ok(None) => false,
        Err(e) => {
            errors.push(error_at(ID, "Windows/System32/config", e));
            false
        }
    };
    let named = |platform, id: &str, pretty_name: &str| OsInfo {
        platform,
        id: id.into(),
        version: String::new(),
        pretty_name: pretty_name.into(),
    };
    if windows {
        return (named(Platform::Windows, "windows", "Windows"), errors);
    }
    const MAC_VERSION: &str = "System/Library/CoreServices/SystemVersion.plist";
    match root.probe(MAC_VERSION) {
        Ok(Some(_)) => return (named(Platform::Macos, "macos", "macOS"), errors),
        Ok(None) => {}
        Err(e) => errors.push(error_at(ID, MAC_VERSION, e)),
    }
    let mut text = String::new();
    for file in ["etc/os-release", "usr/lib/os-release"] {
        match root.read_limited(file, MAX_SMALL_FILE) {
            Ok(b) => {
                text = String::from_utf8_lossy(&b).into_owned();
                break;
            }
            Err(e) if is_absent(&e) => {}
            Err(e) => errors.push(error_at(ID, file, e)),
        }
    }
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
            .map(|v| v.trim().trim_matches('"').to_string())
            .unwrap_or_default()
    };
    let info = OsInfo {
        platform: Platform::Linux,
        id: field("ID").to_ascii_lowercase(),
        version: field("VERSION_ID"),
        pretty_name: field("PRETTY_NAME"),
    };
    (info, errors)
}

/// The host name the root's own files record: `etc/hostname` on Linux, the
/// `ComputerName` of the `SYSTEM` hive on Windows, `ComputerName` of the system
/// preferences on macOS. Empty when unknown.
pub fn hostname(root: &Root, platform: Platform) -> String {
    hostname_checked(root, platform).0
}

/// [`hostname`], with the file that is there but could not be read as an error of
/// collector [`ID`] (the `SYSTEM` hive's errors are the Windows collectors').
pub fn hostname_checked(root: &Root, platform: Platform) -> (String, Vec<CollectError>) {
    let mut errors = Vec::new();
    let mut read = |rel: &str, limit: u64| match root.read_limited(rel, limit) {
        Ok(b) => Some(b),
        Err(e) => {
            if !is_absent(&e) {
                errors.push(error_at(ID, rel, e));
            }
            None
        }
    };
    let name = match platform {
        Platform::Windows => crate::windows::computer_name(root),
        Platform::Macos => read(
            "Library/Preferences/SystemConfiguration/preferences.plist",
            MAX_PREFERENCES,
        )
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
        _ => read("etc/hostname", MAX_SMALL_FILE)
            .map(|b| String::from_utf8_lossy(&b).trim().to_string()),
    };
    (name.unwrap_or_default(), errors)
}
