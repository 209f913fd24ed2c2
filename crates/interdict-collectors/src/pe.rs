//! `win-pe-files`: every PE image on a Windows root — found by its `MZ`/`PE\0\0` header,
//! wherever it lies and whatever its name — identified by its VERSIONINFO and Authenticode
//! signers, so a renamed binary in `Windows/Temp` is still recognized.
//!
//! Files are read with positioned reads of the headers, the version resource and the
//! certificate table only ([`parse_pe_info_at`]); a 50 MB installer costs a few kilobytes.
//! The walk is the file sweep's: [`PeInspector`] rides along the sweep in a scan, and
//! [`WinPeFiles`] runs it alone.

use crate::sweep::{FileInspector, SweepCollector, SweepFilter};
use crate::{Collector, Root, error_at};
use interdict_formats::FormatError;
use interdict_formats::pe::{
    CertCache, Counted, PeInfo, ReadAt, parse_pe_info, parse_pe_info_at_cached,
};
use interdict_inventory::{Artifact, ArtifactKind, CollectError, Inventory};
use std::ffi::OsStr;
use std::fs::File;
use std::io;

/// The collector id.
pub const ID: &str = "win-pe-files";

/// File name endings of PE files (compared case-insensitively). Not used to find PE
/// files — the header does that — but a file so named that starts with `MZ` and has no
/// readable PE header is reported as an error rather than skipped.
pub const PE_EXTENSIONS: &[&str] = &[".exe", ".dll", ".sys", ".com", ".efi"];

/// Walks the whole root for PE images (by header) and reads each one.
#[derive(Debug, Default, Clone, Copy)]
pub struct WinPeFiles;

/// A sweep filter that selects no path: the sweep only carries the inspector.
struct NoPaths;

impl SweepFilter for NoPaths {
    fn select(&self, _rel: &str, _name: &str, _is_dir: bool) -> bool {
        false
    }
}

impl Collector for WinPeFiles {
    fn id(&self) -> &'static str {
        ID
    }

    fn collect(&self, root: &Root) -> Inventory {
        let mut sweep = SweepCollector::new(Box::new(NoPaths));
        sweep.inspector = Some(Box::new(PeInspector::default()));
        let (mut inv, _) = sweep.sweep(root);
        // Walk errors (an unlistable folder) are this collector's when it walks alone.
        for e in &mut inv.errors {
            e.collector = ID.to_string();
        }
        inv
    }
}

/// Identifies PE images among the files a sweep walks past: a `win-pe-files` artifact
/// for each, an error for each PE that cannot be read. Holds the scan's certificate cache
/// (each distinct signing certificate is decoded once), so use one per scan.
#[derive(Debug, Default)]
pub struct PeInspector {
    certs: CertCache,
}

impl PeInspector {
    fn add(rel: &str, read: Result<Option<PeRead>, CollectError>, out: &mut Inventory) {
        match read {
            Ok(Some(read)) => out.artifacts.push(artifact_from_info(rel, &read.info)),
            Ok(None) => {}
            Err(e) => out.errors.push(e),
        }
    }
}

impl FileInspector for PeInspector {
    fn inspect(&self, root: &Root, rel: &str, name: &str, out: &mut Inventory) {
        Self::add(rel, read_pe(root, rel, name), out);
    }

    fn inspect_walked(
        &self,
        root: &Root,
        os_rel: &OsStr,
        rel: &str,
        name: &str,
        out: &mut Inventory,
    ) {
        Self::add(
            rel,
            read_walked_pe(root, os_rel, rel, name, &self.certs),
            out,
        );
    }
}

/// Whether a file name ends with one of [`PE_EXTENSIONS`], ignoring case.
pub fn has_pe_extension(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    PE_EXTENSIONS.iter().any(|e| lower.ends_with(e))
}

/// An open file read with positioned reads (`pread`).
#[derive(Debug)]
pub struct PositionedFile(pub File);

impl ReadAt for PositionedFile {
    fn size(&self) -> io::Result<u64> {
        Ok(self.0.metadata()?.len())
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        pread_full(&self.0, offset, buf)
    }
}

/// A [`PositionedFile`] whose size is already known (from the `fstat` made when it was
/// opened), so the reader does not ask the kernel again.
#[derive(Debug)]
struct SizedFile {
    file: File,
    size: u64,
}

impl ReadAt for SizedFile {
    fn size(&self) -> io::Result<u64> {
        Ok(self.size)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        pread_full(&self.file, offset, buf)
    }
}

/// Fills `buf` from `offset` with positioned reads, short only at the end of the file.
fn pread_full(file: &File, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match pread(file, &mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

#[cfg(unix)]
fn pread(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn pread(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

/// One PE image read from a root.
#[derive(Debug, Clone)]
pub struct PeRead {
    /// What the image says about itself.
    pub info: PeInfo,
    /// Bytes read from the file to learn it.
    pub bytes_read: u64,
}

/// Reads the file at `rel` (`name` is its last component) if it is a PE image: `None`
/// when it is not one (no `MZ`; or `MZ` without a PE header in a file not named like a
/// PE, such as a DOS program). A PE image whose headers are broken, or a PE-named `MZ` file
/// without a PE header, is an error naming the file.
pub fn read_pe(root: &Root, rel: &str, name: &str) -> Result<Option<PeRead>, CollectError> {
    let file = root.open(rel).map_err(|e| error_at(ID, rel, e))?;
    parse_file(
        Counted::new(PositionedFile(file)),
        rel,
        name,
        &CertCache::default(),
    )
}

/// [`read_pe`] for a file the sweep's walker listed (`os_rel`: its path as bytes, with no
/// symlink on the way), opened with [`Root::open_walked_os`], its signing certificates
/// decoded through the scan's `certs`; same result.
pub fn read_walked_pe(
    root: &Root,
    os_rel: &OsStr,
    rel: &str,
    name: &str,
    certs: &CertCache,
) -> Result<Option<PeRead>, CollectError> {
    let (file, meta) = root
        .open_walked_os(os_rel)
        .map_err(|e| error_at(ID, rel, e))?;
    let size = meta.len();
    parse_file(Counted::new(SizedFile { file, size }), rel, name, certs)
}

/// Parses an open file as [`read_pe`] describes.
fn parse_file<R: ReadAt>(
    src: Counted<R>,
    rel: &str,
    name: &str,
    certs: &CertCache,
) -> Result<Option<PeRead>, CollectError> {
    match parse_pe_info_at_cached(&src, certs) {
        Ok(info) => Ok(Some(PeRead {
            info,
            bytes_read: src.bytes(),
        })),
        Err(FormatError::BadMagic { offset: 0, .. }) => Ok(None),
        Err(FormatError::BadMagic { .. }) if !has_pe_extension(name) => Ok(None),
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

    /// A 50 MiB PE on disk (a signed binary with a large overlay, as installers carry) is
    /// identified with a few positioned reads, and to the same facts as the whole-file
    /// parser gives for all of its bytes.
    #[test]
    fn a_large_pe_on_disk_is_identified_from_a_few_kilobytes() {
        let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");
        let bytes = std::fs::read(format!("{corpus}/pe/signify/sigcheck.exe")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("setup.bin");
        std::fs::write(&path, &bytes).unwrap();
        let size = 50 * 1024 * 1024;
        File::options()
            .append(true)
            .open(&path)
            .unwrap()
            .set_len(size)
            .unwrap();
        let root = Root::offline(dir.path()).unwrap();
        let read = read_pe(&root, "setup.bin", "setup.bin").unwrap().unwrap();
        assert!(
            read.bytes_read < 64 * 1024,
            "read {} of {size} bytes",
            read.bytes_read
        );
        let whole = parse_pe_info(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(read.info, whole);
        assert!(read.info.signed && read.info.version_info.is_some());
    }

    #[test]
    fn extensions_are_case_insensitive() {
        assert!(has_pe_extension("AVP.EXE"));
        assert!(has_pe_extension("klif.Sys"));
        assert!(has_pe_extension("renamed.bin.exe"));
        assert!(!has_pe_extension("readme.txt"));
        assert!(!has_pe_extension("exe"));
    }
}
