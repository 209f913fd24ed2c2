//! Bundle-shaped items: applications (`macos-app-bundle`), kernel extensions
//! (`macos-kext`) and system extensions (`macos-system-extension`).

use super::{MAX_EXECUTABLE, MAX_PLIST, dirs_with_suffix, team_signer, user_homes};
use crate::{Collector, Root, error_at};
use interdict_formats::macho::parse_code_signatures;
use interdict_formats::plist::{BundleInfo, parse_bundle_info, parse_sysext_db};
use interdict_inventory::{Artifact, ArtifactKind, ArtifactState, CollectError, Inventory};

/// Id of the application bundle collector.
pub const APP_BUNDLE_ID: &str = "macos-app-bundle";
/// Id of the kernel extension collector.
pub const KEXT_ID: &str = "macos-kext";
/// Id of the system extension collector.
pub const SYSEXT_ID: &str = "macos-system-extension";

/// Deepest directory level searched inside a bundle's `Contents` for nested bundles.
pub const MAX_NESTED_DEPTH: usize = 6;
/// Deepest nesting of bundles in bundles followed.
pub const MAX_BUNDLE_NESTING: usize = 3;

/// Name endings of bundles found nested inside an application.
const NESTED_SUFFIXES: &[&str] = &[".app", ".appex", ".xpc", ".systemextension"];

/// What one bundle says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BundleRecord {
    /// The bundle directory, relative to the root.
    pub path: String,
    /// The `Info.plist` read, when there is one.
    pub plist: Option<String>,
    /// Its keys.
    pub info: BundleInfo,
    /// The main executable, relative to the root, when found.
    pub executable: Option<String>,
    /// The Team ID from the executable's code signature.
    pub team_id: Option<String>,
    /// The signing identifier from the executable's code signature.
    pub signing_id: Option<String>,
}

/// Reads a bundle directory: `Contents/Info.plist` (or a flat `Info.plist`) and the main
/// executable's code signature. A missing `Info.plist` gives an empty record; an
/// unreadable one is an error.
pub fn read_bundle(
    root: &Root,
    bundle: &str,
    collector: &str,
) -> Result<BundleRecord, CollectError> {
    let mut rec = BundleRecord {
        path: bundle.to_string(),
        ..BundleRecord::default()
    };
    // A folder that cannot be listed is an error, not a bundle without `Info.plist`.
    let lookup = |rel: String| {
        root.lookup_case_insensitive(&rel)
            .map_err(|e| error_at(collector, &rel, e))
    };
    let plist = match lookup(format!("{bundle}/Contents/Info.plist"))? {
        Some(p) => Some(p),
        None => lookup(format!("{bundle}/Info.plist"))?,
    };
    if let Some(p) = &plist {
        let bytes = root
            .read_limited(p, MAX_PLIST)
            .map_err(|e| error_at(collector, p, e))?;
        rec.info = parse_bundle_info(&bytes).map_err(|e| error_at(collector, p, e))?;
    }
    rec.plist = plist;
    if let Some(exe) = &rec.info.executable {
        rec.executable = root
            .find_case_insensitive(&format!("{bundle}/Contents/MacOS/{exe}"))
            .or_else(|| root.find_case_insensitive(&format!("{bundle}/{exe}")));
    }
    if let Some(exe) = &rec.executable
        && let Ok(bytes) = root.read_limited(exe, MAX_EXECUTABLE)
        // An unsigned or non-Mach-O executable simply has no Team ID.
        && let Ok(sigs) = parse_code_signatures(&bytes)
    {
        rec.team_id = sigs.iter().find_map(|s| s.team_id.clone());
        rec.signing_id = sigs.iter().find_map(|s| s.identifier.clone());
    }
    Ok(rec)
}

/// The artifact for a bundle record: name = bundle id (else the directory name),
/// version = short version (else build version).
pub fn bundle_artifact(kind: ArtifactKind, rec: &BundleRecord, collector: &str) -> Artifact {
    let dir_name = rec.path.rsplit('/').next().unwrap_or(&rec.path).to_string();
    let name = rec.info.identifier.clone().unwrap_or(dir_name);
    let location = rec.plist.clone().unwrap_or_else(|| rec.path.clone());
    let s = |o: &Option<String>| o.clone().unwrap_or_default();
    let mut a = Artifact::new(kind, name, location, collector)
        .with_version(rec.info.best_version().unwrap_or_default())
        .with_path(rec.path.clone())
        .with_path(s(&rec.executable))
        .with_attr("bundle-name", s(&rec.info.name))
        .with_attr("display-name", s(&rec.info.display_name))
        .with_attr("bundle-path", rec.path.clone())
        .with_attr("bundle-version", s(&rec.info.version))
        .with_attr("short-version", s(&rec.info.short_version))
        .with_attr("executable", s(&rec.info.executable))
        .with_attr("package-type", s(&rec.info.package_type))
        .with_attr("copyright", s(&rec.info.copyright))
        .with_attr("signing-id", s(&rec.signing_id));
    if let Some(t) = &rec.team_id {
        a = a.with_attr("team-id", t.clone());
        a.signers.push(team_signer(t));
    }
    a
}

/// `macos-app-bundle`: `Applications/*.app` (and one folder level below), the same under
/// each `Users/*/Applications`, and bundles nested inside their `Contents`.
#[derive(Debug, Default, Clone, Copy)]
pub struct MacosAppBundle;

impl Collector for MacosAppBundle {
    fn id(&self) -> &'static str {
        APP_BUNDLE_ID
    }

    fn collect(&self, root: &Root) -> Inventory {
        let mut inv = Inventory::default();
        let mut starts: Vec<String> = root
            .find_case_insensitive("Applications")
            .into_iter()
            .collect();
        for home in user_homes(root) {
            starts.extend(root.find_case_insensitive(&format!("{home}/Applications")));
        }
        for start in starts {
            let entries = root.read_dir_or_note(&start);
            for e in entries.into_iter().filter(|e| e.is_dir && !e.is_symlink) {
                if e.name.to_ascii_lowercase().ends_with(".app") {
                    app_bundle(root, &e.rel, None, 0, &mut inv);
                } else {
                    // Folders such as `Applications/Utilities`.
                    for app in dirs_with_suffix(root, &e.rel, ".app") {
                        app_bundle(root, &app.rel, None, 0, &mut inv);
                    }
                }
            }
        }
        inv
    }
}

fn app_bundle(
    root: &Root,
    bundle: &str,
    parent: Option<&str>,
    nesting: usize,
    inv: &mut Inventory,
) {
    match read_bundle(root, bundle, APP_BUNDLE_ID) {
        Ok(rec) => {
            let mut a = bundle_artifact(ArtifactKind::Bundle, &rec, APP_BUNDLE_ID);
            if let Some(p) = parent {
                a = a.with_attr("parent-bundle", p);
            }
            inv.artifacts.push(a);
        }
        Err(e) => inv.errors.push(e),
    }
    if nesting >= MAX_BUNDLE_NESTING {
        return;
    }
    let Some(contents) = root.find_case_insensitive(&format!("{bundle}/Contents")) else {
        return;
    };
    let mut nested = Vec::new();
    find_nested(root, &contents, 0, &mut nested);
    for n in nested {
        app_bundle(root, &n, Some(bundle), nesting + 1, inv);
    }
}

/// Bundles below `dir` (not descending into the bundles found).
fn find_nested(root: &Root, dir: &str, depth: usize, out: &mut Vec<String>) {
    if depth > MAX_NESTED_DEPTH {
        return;
    }
    let entries = root.read_dir_or_note(dir);
    for e in entries.into_iter().filter(|e| e.is_dir && !e.is_symlink) {
        let lower = e.name.to_ascii_lowercase();
        if NESTED_SUFFIXES.iter().any(|s| lower.ends_with(s)) {
            out.push(e.rel);
        } else {
            find_nested(root, &e.rel, depth + 1, out);
        }
    }
}

/// `macos-kext`: `Library/Extensions/*.kext` and `System/Library/Extensions/*.kext`, with
/// their `Contents/PlugIns/*.kext`.
#[derive(Debug, Default, Clone, Copy)]
pub struct MacosKext;

impl Collector for MacosKext {
    fn id(&self) -> &'static str {
        KEXT_ID
    }

    fn collect(&self, root: &Root) -> Inventory {
        let mut inv = Inventory::default();
        for dir in ["Library/Extensions", "System/Library/Extensions"] {
            let Some(dir) = root.find_case_insensitive(dir) else {
                continue;
            };
            for kext in dirs_with_suffix(root, &dir, ".kext") {
                kext_bundle(root, &kext.rel, None, &mut inv);
                if let Some(plugins) =
                    root.find_case_insensitive(&format!("{}/Contents/PlugIns", kext.rel))
                {
                    for p in dirs_with_suffix(root, &plugins, ".kext") {
                        kext_bundle(root, &p.rel, Some(&kext.rel), &mut inv);
                    }
                }
            }
        }
        inv
    }
}

fn kext_bundle(root: &Root, path: &str, parent: Option<&str>, inv: &mut Inventory) {
    match read_bundle(root, path, KEXT_ID) {
        Ok(rec) => {
            let mut a = bundle_artifact(ArtifactKind::Driver, &rec, KEXT_ID);
            if let Some(p) = parent {
                a = a.with_attr("parent-bundle", p);
            }
            inv.artifacts.push(a);
        }
        Err(e) => inv.errors.push(e),
    }
}

/// `macos-system-extension`: staged `Library/SystemExtensions/*/*.systemextension` bundles
/// and the records of `Library/SystemExtensions/db.plist`.
#[derive(Debug, Default, Clone, Copy)]
pub struct MacosSystemExtension;

impl Collector for MacosSystemExtension {
    fn id(&self) -> &'static str {
        SYSEXT_ID
    }

    fn collect(&self, root: &Root) -> Inventory {
        let mut inv = Inventory::default();
        let Some(base) = root.find_case_insensitive("Library/SystemExtensions") else {
            return inv;
        };
        for d in root
            .read_dir_or_note(&base)
            .into_iter()
            .filter(|e| e.is_dir && !e.is_symlink)
        {
            for ext in dirs_with_suffix(root, &d.rel, ".systemextension") {
                match read_bundle(root, &ext.rel, SYSEXT_ID) {
                    Ok(rec) => inv.artifacts.push(
                        bundle_artifact(ArtifactKind::Driver, &rec, SYSEXT_ID)
                            .with_attr("source", "staged-bundle"),
                    ),
                    Err(e) => inv.errors.push(e),
                }
            }
        }
        if let Some(db) = root.find_case_insensitive(&format!("{base}/db.plist")) {
            match root
                .read_limited(&db, MAX_PLIST)
                .map_err(|e| error_at(SYSEXT_ID, &db, e))
                .and_then(|b| parse_sysext_db(&b).map_err(|e| error_at(SYSEXT_ID, &db, e)))
            {
                Ok(records) => {
                    for r in records {
                        let Some(id) = r.identifier.clone() else {
                            continue;
                        };
                        let state = r.state.clone().unwrap_or_default();
                        let mut a = Artifact::new(ArtifactKind::Driver, id, db.clone(), SYSEXT_ID)
                            .with_version(r.version.clone().unwrap_or_default())
                            .with_path(super::root_rel(
                                r.origin_path.as_deref().unwrap_or_default(),
                            ))
                            .with_attr("source", "sysext-db")
                            .with_attr("sysext-state", state.clone());
                        if state.contains("uninstall") || state.contains("terminated") {
                            a = a.with_state(ArtifactState::Leftover);
                        }
                        if let Some(t) = &r.team_id {
                            a = a.with_attr("team-id", t.clone());
                            a.signers.push(team_signer(t));
                        }
                        inv.artifacts.push(a);
                    }
                }
                Err(e) => inv.errors.push(e),
            }
        }
        inv
    }
}
