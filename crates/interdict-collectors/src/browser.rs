//! Browser extensions in every user profile of Chromium-family browsers (Chrome, Edge,
//! Brave, Chromium, Vivaldi, Opera; native, snap and flatpak installs) and Firefox, on
//! Linux (`root`, `home/*`), Windows and macOS (`Users/*`) roots.
//!
//! Chromium: each `<profile>/Extensions/<id>/<version>/manifest.json` is one artifact
//! (the highest version folder when several are present); its `__MSG_key__` name is
//! resolved from `_locales/<default_locale>/messages.json`. `Preferences` and
//! `Secure Preferences` (`extensions.settings`) give the disabled state and add the
//! extensions that have no folder in the profile (policy-installed, unpacked).
//! Firefox: every add-on of type `extension` in `<profile>/extensions.json`.
//! System-wide managed policies on Linux (`etc/opt/chrome/policies/managed/*.json` and
//! the like, Firefox `policies.json`) add the extensions they force-install, with the
//! policy file as location and no user.

use crate::{Collector, Root, error_at};
use interdict_formats::browser::{
    ChromiumExtensionSetting, message_key, parse_browser_policy, parse_chromium_manifest,
    parse_chromium_messages, parse_chromium_preferences, parse_firefox_extensions, resolve_message,
};
use interdict_inventory::{Artifact, ArtifactKind, ArtifactState, CollectError, Inventory};
use std::collections::BTreeMap;

/// Chromium-family user-data folders, relative to a home: (browser, path).
const CHROMIUM_DIRS: &[(&str, &str)] = &[
    ("chrome", ".config/google-chrome"),
    ("chrome-beta", ".config/google-chrome-beta"),
    ("chrome-unstable", ".config/google-chrome-unstable"),
    ("chromium", ".config/chromium"),
    ("edge", ".config/microsoft-edge"),
    ("brave", ".config/BraveSoftware/Brave-Browser"),
    ("vivaldi", ".config/vivaldi"),
    ("opera", ".config/opera"),
    ("chromium", "snap/chromium/common/chromium"),
    ("chrome", ".var/app/com.google.Chrome/config/google-chrome"),
    ("chromium", ".var/app/org.chromium.Chromium/config/chromium"),
    ("edge", ".var/app/com.microsoft.Edge/config/microsoft-edge"),
    (
        "brave",
        ".var/app/com.brave.Browser/config/BraveSoftware/Brave-Browser",
    ),
    ("vivaldi", ".var/app/com.vivaldi.Vivaldi/config/vivaldi"),
    ("opera", ".var/app/com.opera.Opera/config/opera"),
    ("chrome", "AppData/Local/Google/Chrome/User Data"),
    ("edge", "AppData/Local/Microsoft/Edge/User Data"),
    (
        "brave",
        "AppData/Local/BraveSoftware/Brave-Browser/User Data",
    ),
    ("chromium", "AppData/Local/Chromium/User Data"),
    ("vivaldi", "AppData/Local/Vivaldi/User Data"),
    ("opera", "AppData/Roaming/Opera Software/Opera Stable"),
    ("chrome", "Library/Application Support/Google/Chrome"),
    ("edge", "Library/Application Support/Microsoft Edge"),
    (
        "brave",
        "Library/Application Support/BraveSoftware/Brave-Browser",
    ),
    ("chromium", "Library/Application Support/Chromium"),
    ("vivaldi", "Library/Application Support/Vivaldi"),
    (
        "opera",
        "Library/Application Support/com.operasoftware.Opera",
    ),
];

/// Folders holding Firefox profiles, relative to a home.
const FIREFOX_DIRS: &[&str] = &[
    ".mozilla/firefox",
    "snap/firefox/common/.mozilla/firefox",
    ".var/app/org.mozilla.firefox/.mozilla/firefox",
    "AppData/Roaming/Mozilla/Firefox/Profiles",
    "Library/Application Support/Firefox/Profiles",
];

/// Folders of managed Chromium-family policy files (`*.json`) on Linux.
const CHROMIUM_POLICY_DIRS: &[(&str, &str)] = &[
    ("chrome", "etc/opt/chrome/policies/managed"),
    ("chromium", "etc/chromium/policies/managed"),
    ("chromium", "etc/chromium-browser/policies/managed"),
    ("edge", "etc/opt/edge/policies/managed"),
    ("brave", "etc/brave/policies/managed"),
];

/// Firefox enterprise policy files on Linux.
const FIREFOX_POLICY_FILES: &[&str] = &[
    "etc/firefox/policies/policies.json",
    "usr/lib/firefox/distribution/policies.json",
    "usr/lib64/firefox/distribution/policies.json",
    "usr/lib/firefox-esr/distribution/policies.json",
    "opt/firefox/distribution/policies.json",
];

/// Largest browser file read (`Preferences`, `extensions.json`, a manifest, a policy):
/// a busy profile's `Preferences` is a few MB.
pub const MAX_BROWSER_FILE: u64 = 64 * 1024 * 1024;

/// Chromium `location` values of built-in extensions, skipped when they have no folder.
const COMPONENT_LOCATIONS: &[i64] = &[5, 10];

/// Reads browser extensions of every user. Collector id `browser-extensions`.
#[derive(Debug, Clone, Copy, Default)]
pub struct BrowserExtensionsCollector;

/// Where one profile is: who owns it and which browser.
struct Profile<'a> {
    user: &'a str,
    browser: &'a str,
    name: String,
    rel: String,
}

impl Collector for BrowserExtensionsCollector {
    fn id(&self) -> &'static str {
        "browser-extensions"
    }

    fn collect(&self, root: &Root) -> Inventory {
        let mut inv = Inventory::default();
        self.policies(root, &mut inv);
        for (home, user, any_case) in homes(root, &mut inv) {
            for (browser, sub) in CHROMIUM_DIRS {
                let Some(data_dir) = find_dir(root, &format!("{home}/{sub}"), any_case) else {
                    continue;
                };
                for (name, rel) in chromium_profiles(root, &data_dir) {
                    let p = Profile {
                        user: &user,
                        browser,
                        name,
                        rel,
                    };
                    self.chromium_profile(root, &p, &mut inv);
                }
            }
            for sub in FIREFOX_DIRS {
                let Some(dir) = find_dir(root, &format!("{home}/{sub}"), any_case) else {
                    continue;
                };
                for e in root.read_dir_or_note(&dir).into_iter().filter(|e| e.is_dir) {
                    let p = Profile {
                        user: &user,
                        browser: "firefox",
                        name: e.name,
                        rel: e.rel,
                    };
                    self.firefox_profile(root, &p, &mut inv);
                }
            }
        }
        inv
    }
}

/// User homes: `root`, `home/*` (Linux) and `Users/*` (Windows and macOS, whose file
/// systems ignore case), with the user name and whether paths below ignore case. A home
/// (or the folder of homes) that is there but cannot be listed is an error, not skipped.
fn homes(root: &Root, inv: &mut Inventory) -> Vec<(String, String, bool)> {
    let id = BrowserExtensionsCollector.id();
    let mut out = Vec::new();
    let listable = |rel: &str, inv: &mut Inventory| match root.read_dir(rel) {
        Ok(_) => true,
        Err(e) if crate::root::is_absent(&e) => false,
        Err(e) => {
            inv.errors.push(error_at(id, rel, e));
            false
        }
    };
    if root.is_dir("root") && listable("root", inv) {
        out.push(("root".to_string(), "root".to_string(), false));
    }
    for (parent, any_case) in [("home", false), ("Users", true)] {
        let Some(dir) = find_dir(root, parent, any_case) else {
            continue;
        };
        let entries = match root.read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                inv.errors.push(error_at(id, &dir, e));
                continue;
            }
        };
        for e in entries {
            if (e.is_dir || (e.is_symlink && root.is_dir(&e.rel))) && listable(&e.rel, inv) {
                out.push((e.rel, e.name, any_case));
            }
        }
    }
    out
}

/// `rel` if it is a folder; else, when `any_case`, the same path with the case found on
/// disk, if that is a folder.
fn find_dir(root: &Root, rel: &str, any_case: bool) -> Option<String> {
    if root.is_dir(rel) {
        return Some(rel.to_string());
    }
    if !any_case {
        return None;
    }
    root.find_case_insensitive(rel).filter(|p| root.is_dir(p))
}

/// Profiles of a Chromium user-data folder: sub-folders with `Preferences` or
/// `Extensions`, and the folder itself when it is one (Opera).
fn chromium_profiles(root: &Root, data_dir: &str) -> Vec<(String, String)> {
    let is_profile = |rel: &str| {
        root.exists(&format!("{rel}/Preferences")) || root.is_dir(&format!("{rel}/Extensions"))
    };
    let mut out = Vec::new();
    if is_profile(data_dir) {
        let name = data_dir.rsplit('/').next().unwrap_or_default().to_string();
        out.push((name, data_dir.to_string()));
    }
    for e in root.read_dir_or_note(data_dir) {
        if e.is_dir && e.name != "Extensions" && is_profile(&e.rel) {
            out.push((e.name, e.rel));
        }
    }
    out
}

impl BrowserExtensionsCollector {
    fn chromium_profile(&self, root: &Root, p: &Profile<'_>, inv: &mut Inventory) {
        let id = self.id();
        let mut settings: BTreeMap<String, (ChromiumExtensionSetting, String)> = BTreeMap::new();
        for file in ["Preferences", "Secure Preferences"] {
            let rel = format!("{}/{file}", p.rel);
            let parsed = match root.read_limited(&rel, MAX_BROWSER_FILE) {
                Ok(d) => parse_chromium_preferences(&d),
                Err(e) if crate::root::is_absent(&e) => continue,
                Err(e) => {
                    inv.errors.push(error_at(id, &rel, e));
                    continue;
                }
            };
            match parsed {
                Ok(list) => {
                    for s in list {
                        merge_setting(&mut settings, s, &rel);
                    }
                }
                Err(e) => inv.errors.push(error_at(id, &rel, e)),
            }
        }
        let ext_dir = format!("{}/Extensions", p.rel);
        let on_disk = root.read_dir_or_note(&ext_dir);
        let mut found = Vec::new();
        for ext in on_disk.iter().filter(|e| e.is_dir) {
            let Some(version_dir) = newest_version_dir(root, &ext.rel) else {
                continue;
            };
            found.push(ext.name.clone());
            let setting = settings.get(&ext.name).map(|(s, _)| s);
            match chromium_extension(root, &ext.name, &version_dir, setting, p, id) {
                Ok(a) => inv.artifacts.push(a),
                Err(e) => inv.errors.push(e),
            }
        }
        for (ext_id, (s, prefs_rel)) in &settings {
            if found.contains(ext_id)
                || s.location.is_some_and(|l| COMPONENT_LOCATIONS.contains(&l))
            {
                continue;
            }
            let a = base_artifact(ext_id, prefs_rel, p, id)
                .with_version(s.version.clone())
                .with_attr("extension-name", s.name.clone());
            inv.artifacts.push(apply_setting(a, Some(s)));
        }
    }

    fn firefox_profile(&self, root: &Root, p: &Profile<'_>, inv: &mut Inventory) {
        let id = self.id();
        let rel = format!("{}/extensions.json", p.rel);
        let addons = match root.read_limited(&rel, MAX_BROWSER_FILE) {
            Ok(d) => parse_firefox_extensions(&d),
            Err(e) if crate::root::is_absent(&e) => return,
            Err(e) => return inv.errors.push(error_at(id, &rel, e)),
        };
        let addons = match addons {
            Ok(a) => a,
            Err(e) => return inv.errors.push(error_at(id, &rel, e)),
        };
        for a in addons {
            let extension = a.kind.is_empty() || a.kind == "extension" || a.kind == "webextension";
            if !extension || a.location == "app-builtin" {
                continue;
            }
            let mut art = base_artifact(&a.id, &rel, p, id)
                .with_version(a.version)
                .with_publisher(a.creator)
                .with_attr("extension-name", a.name)
                .with_attr("install-location", a.location);
            if !a.active || a.user_disabled {
                art.state = ArtifactState::Disabled;
            }
            inv.artifacts.push(art);
        }
    }
}

impl BrowserExtensionsCollector {
    /// Extensions installed by managed policy files.
    fn policies(&self, root: &Root, inv: &mut Inventory) {
        let mut files: Vec<(&str, String)> = Vec::new();
        for (browser, dir) in CHROMIUM_POLICY_DIRS {
            for e in root.read_dir_or_note(dir) {
                if !e.is_dir && e.name.ends_with(".json") {
                    files.push((browser, e.rel));
                }
            }
        }
        files.extend(
            FIREFOX_POLICY_FILES
                .iter()
                .map(|f| ("firefox", f.to_string())),
        );
        for (browser, rel) in files {
            let parsed = match root.read_limited(&rel, MAX_BROWSER_FILE) {
                Ok(d) => parse_browser_policy(&d),
                Err(e) if crate::root::is_absent(&e) => continue,
                Err(e) => {
                    inv.errors.push(error_at(self.id(), &rel, e));
                    continue;
                }
            };
            let list = match parsed {
                Ok(l) => l,
                Err(e) => {
                    inv.errors.push(error_at(self.id(), &rel, e));
                    continue;
                }
            };
            for ext in list {
                let a = Artifact::new(ArtifactKind::Extension, ext.id, rel.clone(), self.id())
                    .with_attr("browser", browser)
                    .with_attr("policy-installed", "true")
                    .with_attr("install-mode", ext.mode)
                    .with_attr("update-url", ext.url);
                inv.artifacts.push(a);
            }
        }
    }
}

/// Keeps the first prefs file's entry per id, filling its empty facts from later ones.
fn merge_setting(
    settings: &mut BTreeMap<String, (ChromiumExtensionSetting, String)>,
    s: ChromiumExtensionSetting,
    rel: &str,
) {
    match settings.get_mut(&s.id) {
        None => {
            settings.insert(s.id.clone(), (s, rel.to_string()));
        }
        Some((old, _)) => {
            old.state = old.state.or(s.state);
            old.disable_reasons |= s.disable_reasons;
            old.location = old.location.or(s.location);
            for (mine, theirs) in [
                (&mut old.name, s.name),
                (&mut old.version, s.version),
                (&mut old.path, s.path),
            ] {
                if mine.is_empty() {
                    *mine = theirs;
                }
            }
        }
    }
}

/// The highest `<version>` folder with a `manifest.json` under an extension id folder.
fn newest_version_dir(root: &Root, ext_rel: &str) -> Option<String> {
    let mut versions: Vec<_> = root
        .read_dir_or_note(ext_rel)
        .into_iter()
        .filter(|v| v.is_dir && root.exists(&format!("{}/manifest.json", v.rel)))
        .collect();
    versions.sort_by_key(|v| version_key(&v.name));
    versions.pop().map(|v| v.rel)
}

/// `1.2.3_0` → `[1, 2, 3, 0]` for ordering.
fn version_key(v: &str) -> Vec<u64> {
    v.split(['.', '_'])
        .map(|p| p.parse().unwrap_or(0))
        .collect()
}

fn chromium_extension(
    root: &Root,
    ext_id: &str,
    version_dir: &str,
    setting: Option<&ChromiumExtensionSetting>,
    p: &Profile<'_>,
    id: &str,
) -> Result<Artifact, CollectError> {
    let manifest_rel = format!("{version_dir}/manifest.json");
    let m = root
        .read_limited(&manifest_rel, MAX_BROWSER_FILE)
        .map_err(|e| e.to_string())
        .and_then(|d| parse_chromium_manifest(&d).map_err(|e| e.to_string()))
        .map_err(|e| error_at(id, &manifest_rel, e))?;
    let name = if message_key(&m.name).is_some() {
        localized(root, version_dir, &m.default_locale, &m.name)
    } else {
        m.name
    };
    let a = base_artifact(ext_id, &manifest_rel, p, id)
        .with_version(m.version)
        .with_publisher(m.author)
        .with_attr("extension-name", name)
        .with_path(version_dir.to_string());
    Ok(apply_setting(a, setting))
}

/// Resolves a `__MSG_key__` from the default locale's messages; the placeholder stays
/// when the messages cannot be read.
fn localized(root: &Root, version_dir: &str, locale: &str, text: &str) -> String {
    let mut locales = vec![
        locale.to_string(),
        locale.replace('-', "_"),
        "en".to_string(),
        "en_US".to_string(),
    ];
    locales.retain(|l| !l.is_empty() && !l.contains('/') && l != "..");
    for l in locales {
        let rel = format!("{version_dir}/_locales/{l}/messages.json");
        let Some(found) = root.find_case_insensitive(&rel) else {
            continue;
        };
        if let Ok(msgs) = root
            .read_limited(&found, MAX_BROWSER_FILE)
            .map_err(|e| e.to_string())
            .and_then(|d| parse_chromium_messages(&d).map_err(|e| e.to_string()))
        {
            let resolved = resolve_message(text, &msgs);
            if resolved != text {
                return resolved;
            }
        }
    }
    text.to_string()
}

fn base_artifact(ext_id: &str, location: &str, p: &Profile<'_>, id: &str) -> Artifact {
    Artifact::new(ArtifactKind::Extension, ext_id, location, id)
        .with_attr("browser", p.browser)
        .with_attr("profile", p.name.clone())
        .with_attr("user", p.user)
}

fn apply_setting(mut a: Artifact, s: Option<&ChromiumExtensionSetting>) -> Artifact {
    let Some(s) = s else { return a };
    if s.is_disabled() {
        a.state = ArtifactState::Disabled;
    }
    if s.is_policy() {
        a = a.with_attr("policy-installed", "true");
    }
    if let Some(l) = s.location {
        a = a.with_attr("install-location", l.to_string());
    }
    a
}

#[cfg(test)]
mod tests;
