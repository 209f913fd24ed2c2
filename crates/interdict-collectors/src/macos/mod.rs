//! macOS collectors for offline (or live) roots: application bundles, launchd jobs, kernel
//! and system extensions, and installer receipts. All read property lists through
//! `interdict_formats::plist` and Team IDs through `interdict_formats::macho`.

pub mod bundle;
pub mod launchd;
pub mod receipts;

pub use bundle::{MacosAppBundle, MacosKext, MacosSystemExtension};
pub use launchd::MacosLaunchd;
pub use receipts::MacosReceipts;

use crate::Root;
use crate::root::Entry;

/// Executables larger than this are not read for their code signature.
pub const MAX_EXECUTABLE: u64 = 256 * 1024 * 1024;

/// Largest property list read (`Info.plist`, a launchd job, a receipt): they are a few
/// kB, `InstallHistory.plist` a few MB.
pub const MAX_PLIST: u64 = 64 * 1024 * 1024;

/// The signer string recorded for a Team ID, so a catalog regex on `OU=<TeamID>` matches
/// (the Team ID is the OU of an Apple Developer ID certificate).
pub fn team_signer(team_id: &str) -> String {
    format!("OU={team_id}")
}

/// The home folders `Users/*` (on-disk case), symlinks skipped.
pub fn user_homes(root: &Root) -> Vec<String> {
    let Some(users) = root.find_case_insensitive("Users") else {
        return Vec::new();
    };
    root.read_dir_or_note(&users)
        .into_iter()
        .filter(|e| e.is_dir && !e.is_symlink)
        .map(|e| e.rel)
        .collect()
}

/// Directory entries of `dir` (not symlinks) whose name ends with `suffix`, ignoring case.
pub fn dirs_with_suffix(root: &Root, dir: &str, suffix: &str) -> Vec<Entry> {
    let suffix = suffix.to_ascii_lowercase();
    root.read_dir_or_note(dir)
        .into_iter()
        .filter(|e| e.is_dir && !e.is_symlink && e.name.to_ascii_lowercase().ends_with(&suffix))
        .collect()
}

/// Plain files of `dir` (not symlinks) whose name ends with `suffix`, ignoring case.
pub fn files_with_suffix(root: &Root, dir: &str, suffix: &str) -> Vec<Entry> {
    let suffix = suffix.to_ascii_lowercase();
    root.read_dir_or_note(dir)
        .into_iter()
        .filter(|e| !e.is_dir && !e.is_symlink && e.name.to_ascii_lowercase().ends_with(&suffix))
        .collect()
}

/// `path` as a root-relative path: leading `/` removed, `/`-separated.
pub fn root_rel(path: &str) -> String {
    crate::root::normalize(path)
}
