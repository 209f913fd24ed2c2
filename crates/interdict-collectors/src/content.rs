//! `content`: every regular file of the root matched against a set of literals in one
//! pass per file (`scan --content`) — vendor code embedded in other products' files.
//!
//! The caller (the scan, from the catalog) gives a [`ContentFilter`]: literal byte strings,
//! each case-sensitive or not, each optionally also searched as UTF-16LE, and each of a
//! [`LiteralClass`] (a plain string, a domain name, or an exported-symbol name). All
//! literals go into **one** Aho-Corasick automaton (`MatchKind::Standard`, overlapping
//! search, so a literal inside another is still seen). Case-insensitive matching folds the
//! block (ASCII lower case, a cheap vectorised pass) and searches lowered patterns, so the
//! automaton keeps its SIMD (Teddy) prefilter, which `ascii_case_insensitive` would turn
//! off; case-sensitive literals are checked against the original bytes.
//!
//! Files are read in [`BLOCK`]-sized blocks with the longest pattern's length of overlap,
//! so memory stays flat whatever the file size; with hashing on, SHA-256 is computed from
//! the same blocks (no second read). A file whose magic says ELF, PE or Mach-O and in which
//! an exported-symbol name occurs is then parsed ([`interdict_formats::exports`]) and the
//! name is reported only if the export table declares it.
//!
//! What is skipped (documented in the README): files larger than [`MAX_FILE`], empty
//! files, and media whose bytes are decoded, never loaded as code ([`SKIPPED_EXTENSIONS`]).
//! Compressed archives are read as they are (their members are not unpacked).
//!
//! The walk is the file sweep's ([`crate::sweep`]): confined to the root, no symlink
//! followed, parallel across files on the sweep's threads. [`ContentInspector`] rides
//! along the sweep in a scan; [`ContentCollector`] runs it alone.

use crate::sweep::{FileInspector, SweepCollector, SweepFilter};
use crate::{Collector, Root, error_at};
use aho_corasick::{AhoCorasick, MatchKind};
use interdict_formats::exports::{BinaryFormat, binary_format, exported_symbols};
use interdict_inventory::{Artifact, ArtifactKind, Inventory, attr};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;

/// The collector id.
pub const ID: &str = "content";

/// Bytes read per block.
pub const BLOCK: usize = 1024 * 1024;

/// Largest file read: bigger ones (disk images, databases, media) are skipped.
pub const MAX_FILE: u64 = 512 * 1024 * 1024;

/// Largest binary parsed for its export table (it is read whole for that).
pub const MAX_EXPORTS_FILE: u64 = 256 * 1024 * 1024;

/// File name endings (compared case-insensitively) of media formats, which are decoded by
/// players and viewers and never loaded as code: skipped.
pub const SKIPPED_EXTENSIONS: &[&str] = &[
    ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".ico", ".tif", ".tiff", ".heic", ".mp3",
    ".mp4", ".m4a", ".m4v", ".mkv", ".avi", ".mov", ".wmv", ".flac", ".ogg", ".oga", ".opus",
    ".wav", ".webm",
];

/// What a literal stands for, and so the attribute its matches are reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LiteralClass {
    /// A byte string ([`attr::CONTENT_STRINGS`]).
    String,
    /// A domain name ([`attr::CONTENT_DOMAINS`]).
    Domain,
    /// An exported symbol name, reported only when the export table declares it
    /// ([`attr::EXPORTED_SYMBOLS`]).
    Symbol,
}

/// One literal to look for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    /// The text (UTF-8); reported as given when found.
    pub text: String,
    /// Letter case is ignored (ASCII).
    pub case_insensitive: bool,
    /// Also searched as UTF-16LE.
    pub wide: bool,
    /// What it stands for.
    pub class: LiteralClass,
}

/// The literals a content pass looks for, compiled into one automaton. Built by the
/// caller (from the catalog): the collector knows nothing about what is banned.
#[derive(Debug)]
pub struct ContentFilter {
    literals: Vec<Literal>,
    /// Pattern id → (literal index, the exact bytes when case matters).
    patterns: Vec<(usize, Option<Vec<u8>>)>,
    ac: Option<AhoCorasick>,
    longest: usize,
}

impl ContentFilter {
    /// Compiles `literals` (empty ones are dropped).
    pub fn new(literals: Vec<Literal>) -> Result<ContentFilter, String> {
        let literals: Vec<Literal> = literals
            .into_iter()
            .filter(|l| !l.text.is_empty())
            .collect();
        let mut lowered: Vec<Vec<u8>> = Vec::new();
        let mut patterns = Vec::new();
        for (i, l) in literals.iter().enumerate() {
            let mut forms = vec![l.text.as_bytes().to_vec()];
            if l.wide {
                forms.push(l.text.encode_utf16().flat_map(u16::to_le_bytes).collect());
            }
            for bytes in forms {
                lowered.push(bytes.to_ascii_lowercase());
                patterns.push((i, (!l.case_insensitive).then_some(bytes)));
            }
        }
        let longest = lowered.iter().map(Vec::len).max().unwrap_or(0);
        let ac = if lowered.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(&lowered)
                    .map_err(|e| format!("content automaton: {e}"))?,
            )
        };
        Ok(ContentFilter {
            literals,
            patterns,
            ac,
            longest,
        })
    }

    /// The literals, as given.
    pub fn literals(&self) -> &[Literal] {
        &self.literals
    }

    /// Whether there is anything to look for.
    pub fn is_empty(&self) -> bool {
        self.literals.is_empty()
    }

    /// Indices of the literals in `folded` (the ASCII-lowered form of `original`, same
    /// length), added to `found`.
    fn search(&self, original: &[u8], folded: &[u8], found: &mut BTreeSet<usize>) {
        let Some(ac) = &self.ac else { return };
        for m in ac.find_overlapping_iter(folded) {
            let (lit, exact) = &self.patterns[m.pattern().as_usize()];
            if exact
                .as_deref()
                .is_none_or(|e| original.get(m.start()..m.end()) == Some(e))
            {
                found.insert(*lit);
            }
        }
    }
}

/// Whether a file so named is skipped by type ([`SKIPPED_EXTENSIONS`]).
pub fn skipped_by_name(name: &str) -> bool {
    let Some(dot) = name.rfind('.') else {
        return false;
    };
    let ext = &name[dot..];
    SKIPPED_EXTENSIONS
        .iter()
        .any(|s| s.eq_ignore_ascii_case(ext))
}

/// What one file's content gave.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FileMatches {
    /// Literal indices found.
    pub found: BTreeSet<usize>,
    /// SHA-256 (hex) when hashing was asked.
    pub sha256: Option<String>,
    /// The format the magic announced.
    pub format: Option<BinaryFormat>,
    /// Bytes read.
    pub size: u64,
}

thread_local! {
    /// Per-thread read and fold buffers, so a walk allocates them once per thread.
    static BUFFERS: RefCell<(Vec<u8>, Vec<u8>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// Reads `file` block by block, searching every block (with overlap) and hashing it when
/// `hash` is set.
pub fn scan_reader(
    filter: &ContentFilter,
    file: &mut impl Read,
    hash: bool,
) -> io::Result<FileMatches> {
    let keep = filter.longest.saturating_sub(1);
    let mut out = FileMatches::default();
    let mut hasher = hash.then(Sha256::new);
    BUFFERS.with(|cell| {
        let (buf, folded) = &mut *cell.borrow_mut();
        buf.resize(keep + BLOCK, 0);
        folded.resize(keep + BLOCK, 0);
        let mut carried = 0usize;
        let mut first = true;
        loop {
            let n = read_full(file, &mut buf[carried..carried + BLOCK])?;
            if n == 0 {
                break;
            }
            out.size += n as u64;
            let new = carried..carried + n;
            if let Some(h) = &mut hasher {
                h.update(&buf[new.clone()]);
            }
            if first {
                out.format = binary_format(&buf[..n.min(8)]);
                first = false;
            }
            folded[new.clone()].copy_from_slice(&buf[new.clone()]);
            folded[new.clone()].make_ascii_lowercase();
            let total = carried + n;
            filter.search(&buf[..total], &folded[..total], &mut out.found);
            if n < BLOCK {
                break;
            }
            let tail = keep.min(total);
            buf.copy_within(total - tail..total, 0);
            folded.copy_within(total - tail..total, 0);
            carried = tail;
        }
        Ok::<(), io::Error>(())
    })?;
    out.sha256 = hasher.map(|h| hex::encode(h.finalize()));
    Ok(out)
}

/// Fills `buf` as far as the file goes (short only at its end).
fn read_full(file: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match file.read(&mut buf[done..]) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// Matches the content of the regular files a sweep walks past against a
/// [`ContentFilter`]: one `content` artifact per file with matches, an error for each file
/// that cannot be read.
#[derive(Debug)]
pub struct ContentInspector {
    filter: Arc<ContentFilter>,
}

impl ContentInspector {
    /// An inspector for `filter`.
    pub fn new(filter: Arc<ContentFilter>) -> Self {
        ContentInspector { filter }
    }

    /// Inspects one file opened by the caller; returns its hash when asked and read.
    fn inspect_file(
        &self,
        file: io::Result<(std::fs::File, std::fs::Metadata)>,
        rel: &str,
        name: &str,
        hash: bool,
        out: &mut Inventory,
    ) -> Option<String> {
        if skipped_by_name(name) {
            return None;
        }
        let (mut file, meta) = match file {
            Ok(f) => f,
            Err(e) => {
                out.errors.push(error_at(ID, rel, e));
                return None;
            }
        };
        if meta.len() == 0 || meta.len() > MAX_FILE {
            return None;
        }
        let m = match scan_reader(&self.filter, &mut file, hash) {
            Ok(m) => m,
            Err(e) => {
                out.errors.push(error_at(ID, rel, e));
                return None;
            }
        };
        let sha = m.sha256.clone();
        if let Some(a) = self.artifact(&mut file, rel, &m, out) {
            out.artifacts.push(a);
        }
        sha
    }

    /// The artifact for a file's matches (`None` when nothing matched); exported-symbol
    /// names are checked against the file's export table.
    fn artifact(
        &self,
        file: &mut std::fs::File,
        rel: &str,
        m: &FileMatches,
        out: &mut Inventory,
    ) -> Option<Artifact> {
        let lits = self.filter.literals();
        let mut strings = Vec::new();
        let mut domains = Vec::new();
        let mut symbols = Vec::new();
        for &i in &m.found {
            let l = &lits[i];
            match l.class {
                LiteralClass::String => strings.push(l.text.as_str()),
                LiteralClass::Domain => domains.push(l.text.as_str()),
                LiteralClass::Symbol => symbols.push(l.text.as_str()),
            }
        }
        if !symbols.is_empty() {
            symbols = match (m.format, m.size <= MAX_EXPORTS_FILE) {
                (Some(_), true) => match read_exports(file) {
                    Ok(exported) => symbols
                        .into_iter()
                        .filter(|s| exported.binary_search_by(|e| e.as_str().cmp(s)).is_ok())
                        .collect(),
                    Err(e) => {
                        out.errors.push(
                            error_at(ID, rel, format!("export table not read: {e}")).warning(),
                        );
                        Vec::new()
                    }
                },
                _ => Vec::new(),
            };
        }
        if strings.is_empty() && domains.is_empty() && symbols.is_empty() {
            return None;
        }
        let format = match m.format {
            Some(BinaryFormat::Elf) => "elf",
            Some(BinaryFormat::Pe) => "pe",
            Some(BinaryFormat::MachO) => "mach-o",
            None => "",
        };
        Some(
            Artifact::new(ArtifactKind::Content, rel, rel, ID)
                .with_attr(attr::CONTENT_STRINGS, strings.join("\n"))
                .with_attr(attr::CONTENT_DOMAINS, domains.join("\n"))
                .with_attr(attr::EXPORTED_SYMBOLS, symbols.join("\n"))
                .with_attr(attr::SHA256, m.sha256.clone().unwrap_or_default())
                .with_attr("binary-format", format)
                .with_attr("size", m.size.to_string()),
        )
    }
}

/// The export table of an open binary, read whole from its start.
fn read_exports(file: &mut std::fs::File) -> Result<Vec<String>, String> {
    file.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_EXPORTS_FILE)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    exported_symbols(&bytes).map_err(|e| e.to_string())
}

impl FileInspector for ContentInspector {
    fn inspect(&self, root: &Root, rel: &str, name: &str, out: &mut Inventory) {
        self.inspect_hashing(root, None, rel, name, false, out);
    }

    fn inspect_walked(
        &self,
        root: &Root,
        os_rel: &OsStr,
        rel: &str,
        name: &str,
        out: &mut Inventory,
    ) {
        self.inspect_hashing(root, Some(os_rel), rel, name, false, out);
    }

    fn inspect_hashing(
        &self,
        root: &Root,
        os_rel: Option<&OsStr>,
        rel: &str,
        name: &str,
        hash: bool,
        out: &mut Inventory,
    ) -> Option<String> {
        let file = match os_rel {
            Some(os) => root.open_walked_os(os),
            None => root.open(rel).and_then(|f| {
                let md = f.metadata()?;
                Ok((f, md))
            }),
        };
        self.inspect_file(file, rel, name, hash, out)
    }
}

/// A sweep filter that selects no path: the sweep only carries the inspector.
struct NoPaths;

impl SweepFilter for NoPaths {
    fn select(&self, _rel: &str, _name: &str, _is_dir: bool) -> bool {
        false
    }
}

/// The content pass on its own walk (when the scan runs no file sweep).
pub struct ContentCollector {
    filter: Arc<ContentFilter>,
    /// Worker threads (0 = the walker's default).
    pub threads: usize,
    /// Descend into other file systems mounted below the root.
    pub cross_mounts: bool,
}

impl ContentCollector {
    /// A content pass with `filter`.
    pub fn new(filter: Arc<ContentFilter>) -> Self {
        ContentCollector {
            filter,
            threads: 0,
            cross_mounts: false,
        }
    }
}

impl Collector for ContentCollector {
    fn id(&self) -> &'static str {
        ID
    }

    fn collect(&self, root: &Root) -> Inventory {
        let mut sweep = SweepCollector::new(Box::new(NoPaths));
        sweep.threads = self.threads;
        sweep.cross_mounts = self.cross_mounts;
        sweep.inspector = Some(Box::new(ContentInspector::new(self.filter.clone())));
        let (mut inv, _) = sweep.sweep(root);
        for e in &mut inv.errors {
            e.collector = ID.to_string();
        }
        inv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(text: &str, ci: bool, wide: bool, class: LiteralClass) -> Literal {
        Literal {
            text: text.into(),
            case_insensitive: ci,
            wide,
            class,
        }
    }

    fn found(filter: &ContentFilter, bytes: &[u8]) -> Vec<String> {
        let m = scan_reader(filter, &mut &bytes[..], false).unwrap();
        m.found
            .iter()
            .map(|&i| filter.literals()[i].text.clone())
            .collect()
    }

    #[test]
    fn case_wide_overlap_and_block_boundaries() {
        let f = ContentFilter::new(vec![
            lit("kaveInitialize", false, false, LiteralClass::String),
            lit("kaveInitializeEx", false, false, LiteralClass::Symbol),
            lit(".kaspersky.com", true, false, LiteralClass::Domain),
            lit("appinfo.kli", true, true, LiteralClass::String),
        ])
        .unwrap();
        assert_eq!(
            found(&f, b"..kaveInitializeEx.."),
            ["kaveInitialize", "kaveInitializeEx"]
        );
        // Case-sensitive literals do not match another case; insensitive ones do.
        assert_eq!(
            found(&f, b"KAVEINITIALIZE upd.KASPERSKY.com"),
            [".kaspersky.com"]
        );
        let wide: Vec<u8> = "APPINFO.KLI"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(found(&f, &wide), ["appinfo.kli"]);
        // A literal straddling a block boundary is found.
        let mut big = vec![b'x'; BLOCK - 5];
        big.extend_from_slice(b"kaveInitialize");
        big.extend(vec![b'y'; BLOCK]);
        assert_eq!(found(&f, &big), ["kaveInitialize"]);
        assert!(found(&f, b"Kaspersky is mentioned here").is_empty());
    }

    #[test]
    fn hashes_from_the_same_read() {
        let f = ContentFilter::new(vec![lit("abc", false, false, LiteralClass::String)]).unwrap();
        let mut data = vec![0u8; BLOCK * 2 + 17];
        data[BLOCK + 3..BLOCK + 6].copy_from_slice(b"abc");
        let m = scan_reader(&f, &mut &data[..], true).unwrap();
        assert_eq!(m.sha256.unwrap(), hex::encode(Sha256::digest(&data)));
        assert_eq!(m.size, data.len() as u64);
        assert_eq!(m.found.len(), 1);
    }

    #[test]
    fn media_is_skipped_by_name() {
        assert!(skipped_by_name("photo.JPG"));
        assert!(!skipped_by_name("libgateway.so"));
        assert!(!skipped_by_name("README"));
    }
}
