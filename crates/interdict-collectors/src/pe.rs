//! `win-pe-files`: PE files (`.exe`, `.dll`, `.sys`, `.com`, `.efi`) under the usual
//! Windows install folders, identified by their VERSIONINFO and Authenticode signers, so a
//! renamed binary is still recognized.

use crate::root::Entry;
use crate::{Collector, Root, error_at};
use interdict_formats::FormatError;
use interdict_formats::pe::{PeInfo, parse_pe_info};
use interdict_inventory::{Artifact, ArtifactKind, Inventory};
use rayon::prelude::*;
use std::collections::BTreeSet;

/// The collector id.
pub const ID: &str = "win-pe-files";

/// PE files larger than this are skipped with an error.
pub const MAX_PE_SIZE: u64 = 256 * 1024 * 1024;

/// Deepest directory level walked below each start folder.
pub const MAX_DEPTH: usize = 12;

/// Most candidate files taken from one root.
pub const MAX_FILES: usize = 500_000;

/// File name endings treated as PE files (compared case-insensitively).
pub const PE_EXTENSIONS: &[&str] = &[".exe", ".dll", ".sys", ".com", ".efi"];

/// Start folders, relative to the system drive's root (looked up case-insensitively).
const START_DIRS: &[&str] = &[
    "Program Files",
    "Program Files (x86)",
    "ProgramData",
    "Windows/System32/drivers",
];

/// Walks the Windows install folders for PE files and reads each one.
#[derive(Debug, Default, Clone, Copy)]
pub struct WinPeFiles;

impl Collector for WinPeFiles {
    fn id(&self) -> &'static str {
        ID
    }

    fn collect(&self, root: &Root) -> Inventory {
        let mut inv = Inventory::default();
        let files = candidate_files(root, &mut inv);
        let results: Vec<Result<Option<Artifact>, interdict_inventory::CollectError>> =
            files.par_iter().map(|rel| read_one(root, rel)).collect();
        for r in results {
            match r {
                Ok(Some(a)) => inv.artifacts.push(a),
                Ok(None) => {}
                Err(e) => inv.errors.push(e),
            }
        }
        inv
    }
}

/// Whether a file name ends with one of [`PE_EXTENSIONS`], ignoring case.
pub fn has_pe_extension(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    PE_EXTENSIONS.iter().any(|e| lower.ends_with(e))
}

/// The folders walked: the fixed start folders plus each user profile `Users/*` as a
/// whole, with their on-disk case. Whole profiles, not only `AppData`: per-user installs
/// live in `AppData`, but renamed or portable binaries are dropped in `Downloads`,
/// `Desktop` and the like.
pub fn start_dirs(root: &Root) -> Vec<String> {
    let mut out: Vec<String> = START_DIRS
        .iter()
        .filter_map(|d| root.find_case_insensitive(d))
        .collect();
    if let Some(users) = root.find_case_insensitive("Users") {
        out.extend(
            root.read_dir_or_note(&users)
                .into_iter()
                .filter(|e| e.is_dir && !e.is_symlink)
                .map(|e| e.rel),
        );
    }
    out.retain(|d| root.is_dir(d));
    out.sort();
    out.dedup();
    out
}

/// Every PE-named file under the start folders, sorted; symlinks are not followed.
fn candidate_files(root: &Root, inv: &mut Inventory) -> Vec<String> {
    let mut files = BTreeSet::new();
    for dir in start_dirs(root) {
        walk(root, &dir, 0, &mut files, inv);
    }
    files.into_iter().collect()
}

fn walk(root: &Root, dir: &str, depth: usize, files: &mut BTreeSet<String>, inv: &mut Inventory) {
    if depth > MAX_DEPTH || files.len() >= MAX_FILES {
        return;
    }
    let entries: Vec<Entry> = match root.read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            inv.errors
                .push(error_at(ID, dir, format!("cannot list directory: {e}")));
            return;
        }
    };
    for e in entries {
        if e.is_symlink {
            continue;
        }
        if e.is_dir {
            walk(root, &e.rel, depth + 1, files, inv);
        } else if has_pe_extension(&e.name) && files.len() < MAX_FILES {
            files.insert(e.rel);
        }
    }
}

fn read_one(root: &Root, rel: &str) -> Result<Option<Artifact>, interdict_inventory::CollectError> {
    let bytes = root
        .read_limited(rel, MAX_PE_SIZE)
        .map_err(|e| error_at(ID, rel, e))?;
    match pe_artifact(rel, &bytes) {
        Ok(a) => Ok(Some(a)),
        // A file named like a PE that is not one (a text stub, an empty file) is not a
        // failure to read: it is simply not a PE.
        Err(FormatError::BadMagic { .. }) => Ok(None),
        Err(e) => Err(error_at(ID, rel, e)),
    }
}

/// Builds the `win-pe-files` artifact for one PE file at `root_rel_path` (relative to the
/// root, `/`-separated). Reusable by other walkers (e.g. a file sweep).
pub fn pe_artifact(root_rel_path: &str, bytes: &[u8]) -> Result<Artifact, FormatError> {
    let info = parse_pe_info(bytes)?;
    Ok(artifact_from_info(root_rel_path, &info))
}

/// Builds the artifact from an already parsed [`PeInfo`].
pub fn artifact_from_info(root_rel_path: &str, info: &PeInfo) -> Artifact {
    let rel = crate::root::normalize(root_rel_path);
    let mut a = Artifact::new(ArtifactKind::File, rel.clone(), rel.clone(), ID)
        .with_path(rel)
        .with_attr("signed", if info.signed { "true" } else { "false" })
        .with_attr("machine", info.machine.clone())
        .with_attr("pe-kind", pe_kind(info));
    if info.is_dotnet {
        a = a.with_attr("dotnet", "true");
    }
    if let Some(v) = &info.version_info {
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        a = a
            .with_publisher(s(&v.company_name))
            .with_version(
                v.file_version
                    .clone()
                    .or_else(|| v.fixed_file_version.clone())
                    .unwrap_or_default(),
            )
            .with_attr("company-name", s(&v.company_name))
            .with_attr("product-name", s(&v.product_name))
            .with_attr("file-description", s(&v.file_description))
            .with_attr("original-filename", s(&v.original_filename))
            .with_attr("internal-name", s(&v.internal_name))
            .with_attr("product-version", s(&v.product_version))
            .with_attr("legal-copyright", s(&v.legal_copyright))
            .with_attr("fixed-file-version", s(&v.fixed_file_version));
    }
    for s in &info.signers {
        if !a.signers.contains(&s.subject) {
            a.signers.push(s.subject.clone());
        }
    }
    let issuers: Vec<&str> = info.signers.iter().map(|s| s.issuer.as_str()).collect();
    a = a.with_attr("signer-issuers", issuers.join("; "));
    if let Some(e) = &info.signature_error {
        a = a.with_attr("signature-error", e.clone());
    }
    a
}

fn pe_kind(info: &PeInfo) -> &'static str {
    match info.subsystem {
        1 => "driver",
        10..=13 => "efi",
        _ if info.is_dll => "dll",
        _ => "exe",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_are_case_insensitive() {
        assert!(has_pe_extension("AVP.EXE"));
        assert!(has_pe_extension("klif.Sys"));
        assert!(has_pe_extension("renamed.bin.exe"));
        assert!(!has_pe_extension("readme.txt"));
        assert!(!has_pe_extension("exe"));
    }
}
