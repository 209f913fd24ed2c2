//! The PE reader over positioned reads: only the headers, the resource directory path to
//! `RT_VERSION`, the VERSIONINFO data and the attribute certificate table are fetched, so
//! identifying a 50 MB installer costs a few kilobytes, not 50 MB.
//!
//! goblin parses from one slice holding the whole file, and `object`'s lazy `ReadCache`
//! still reads the whole resource section (icons included) to walk it; so the resource
//! walk is written here (a few fixed-size records) and the records themselves are decoded
//! with goblin's types, mirroring its choices: the first `RT_VERSION` entry of the root,
//! then the first entry of each level; VERSIONINFO read as goblin's flat list of
//! `ResourceString`s. [`parse_pe_info_at`] gives the same [`PeInfo`] as
//! [`super::parse_pe_info`] on well-formed files (tested on every corpus PE).

use super::{
    CertCache, FixedVersion, PeInfo, VERSION_KEYS, add_signatures, guarded_parse, header_info,
    version_info,
};
use crate::FormatError;
use goblin::pe::certificate_table::AttributeCertificate;
use goblin::pe::data_directories::DataDirectory;
use goblin::pe::options::{ParseMode, ParseOptions};
use goblin::pe::resource::{RT_VERSION, ResourceEntry, ResourceString, VS_VERSION_INFO_KEY};
use goblin::pe::section_table::SectionTable;
use goblin::pe::utils::find_offset;
use std::cell::Cell;
use std::collections::BTreeSet;
use std::io;

/// Bytes read first from every file: the DOS header and, for nearly every PE, the PE
/// headers and the section table too. A file that does not start with `MZ` costs this one
/// read.
pub const HEAD_READ: usize = 4096;

/// Most bytes of headers read (DOS stub, PE headers, section table); a PE whose section
/// table ends later is reported as malformed.
pub const MAX_HEADERS: usize = 64 * 1024;

/// Most bytes of the VERSIONINFO resource read: its root length field is 16 bits, so a
/// valid one is never larger.
pub const MAX_VERSION_INFO: usize = 64 * 1024;

/// Most bytes of the attribute certificate table read; a larger table is reported in
/// [`PeInfo::signature_error`] instead of being decoded.
pub const MAX_CERT_TABLE: usize = 1024 * 1024;

/// Most resource directory entries of the root scanned for `RT_VERSION`.
const MAX_ROOT_ENTRIES: usize = 8192;

/// Most directory levels followed below the `RT_VERSION` entry (Windows uses two).
const MAX_RESOURCE_DEPTH: usize = 32;

/// Size of `IMAGE_RESOURCE_DIRECTORY`.
const DIRECTORY_SIZE: usize = 16;
/// Size of `IMAGE_RESOURCE_DIRECTORY_ENTRY`.
const ENTRY_SIZE: usize = 8;
/// Size of `VS_FIXEDFILEINFO`.
const FIXED_INFO_SIZE: usize = 52;

/// A source of byte ranges: a file read with positioned reads (`pread`), or a slice.
/// The parser asks only for the ranges it needs, so an implementation can count them.
pub trait ReadAt {
    /// The total length of the source in bytes.
    fn size(&self) -> io::Result<u64>;

    /// Fills `buf` with the bytes at `offset`; returns how many were read, fewer than
    /// `buf.len()` only at the end of the source.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
}

impl ReadAt for [u8] {
    fn size(&self) -> io::Result<u64> {
        Ok(self.len() as u64)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.len());
        let n = buf.len().min(self.len() - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }
}

impl<T: ReadAt + ?Sized> ReadAt for &T {
    fn size(&self) -> io::Result<u64> {
        (**self).size()
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        (**self).read_at(offset, buf)
    }
}

/// A [`ReadAt`] that counts the bytes and reads it hands out, to show what identifying
/// a file cost.
#[derive(Debug)]
pub struct Counted<R> {
    inner: R,
    bytes: Cell<u64>,
    reads: Cell<u64>,
}

impl<R: ReadAt> Counted<R> {
    /// Wraps a source.
    pub fn new(inner: R) -> Self {
        Counted {
            inner,
            bytes: Cell::new(0),
            reads: Cell::new(0),
        }
    }

    /// Bytes returned so far.
    pub fn bytes(&self) -> u64 {
        self.bytes.get()
    }

    /// Reads made so far.
    pub fn reads(&self) -> u64 {
        self.reads.get()
    }
}

impl<R: ReadAt> ReadAt for Counted<R> {
    fn size(&self) -> io::Result<u64> {
        self.inner.size()
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read_at(offset, buf)?;
        self.bytes.set(self.bytes.get() + n as u64);
        self.reads.set(self.reads.get() + 1);
        Ok(n)
    }
}

/// Reads up to `len` bytes at `offset` (fewer at the end of the source).
fn read_upto<R: ReadAt + ?Sized>(src: &R, offset: u64, len: usize) -> Result<Vec<u8>, FormatError> {
    let mut buf = vec![0u8; len];
    let n = src.read_at(offset, &mut buf).map_err(|e| {
        FormatError::malformed(offset as usize, format!("cannot read {len} bytes: {e}"))
    })?;
    buf.truncate(n);
    Ok(buf)
}

/// Reads exactly `len` bytes at `offset`.
fn read_exact<R: ReadAt + ?Sized>(
    src: &R,
    offset: u64,
    len: usize,
    what: &str,
) -> Result<Vec<u8>, FormatError> {
    let buf = read_upto(src, offset, len)?;
    if buf.len() < len {
        return Err(FormatError::truncated(offset as usize + buf.len(), what));
    }
    Ok(buf)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// Grows `head` (the first bytes of the source) to `want` bytes when the source has them
/// (a short source leaves it shorter; the header parser then reports the truncation).
fn extend_head<R: ReadAt + ?Sized>(
    src: &R,
    head: &mut Vec<u8>,
    want: usize,
) -> Result<(), FormatError> {
    if want > head.len() {
        let more = read_upto(src, head.len() as u64, want - head.len())?;
        head.extend_from_slice(&more);
    }
    Ok(())
}

/// Parses a PE file through positioned reads of `src`. Reads the first [`HEAD_READ`]
/// bytes, then only what identification needs. Errors with [`FormatError::BadMagic`] when
/// the source is not a PE image (no `MZ`, or no `PE\0\0` where the DOS header points);
/// other errors mean a PE image whose headers cannot be read. A bad resource section or a
/// bad signature only leaves the matching fields empty, as in [`super::parse_pe_info`].
pub fn parse_pe_info_at<R: ReadAt + ?Sized>(src: &R) -> Result<PeInfo, FormatError> {
    parse_pe_info_at_cached(src, &CertCache::default())
}

/// [`parse_pe_info_at`] decoding each distinct signing certificate once per `cache`: pass
/// one cache to every file of a scan (from any thread) and the certificates that repeat
/// across the volume's signed images are decoded once. Same result.
pub fn parse_pe_info_at_cached<R: ReadAt + ?Sized>(
    src: &R,
    cache: &CertCache,
) -> Result<PeInfo, FormatError> {
    let mut head = read_upto(src, 0, HEAD_READ)?;
    if head.get(0..2) != Some(b"MZ") {
        return Err(FormatError::BadMagic {
            offset: 0,
            what: "pe file (mz)".into(),
        });
    }
    let not_pe = |offset: usize| FormatError::BadMagic {
        offset,
        what: "pe signature (PE\\0\\0)".into(),
    };
    let pe_at = u32_at(&head, 0x3c).ok_or_else(|| not_pe(0x3c))? as usize;
    // The signature and the COFF header: 4 + 20 bytes.
    let coff_end = pe_at.saturating_add(24);
    if coff_end > MAX_HEADERS {
        return Err(not_pe(pe_at));
    }
    extend_head(src, &mut head, coff_end)?;
    if head.get(pe_at..pe_at + 4) != Some(b"PE\0\0") {
        return Err(not_pe(pe_at));
    }
    let sections = u16_at(&head, pe_at + 6).unwrap_or(0) as usize;
    let optional = u16_at(&head, pe_at + 20).unwrap_or(0) as usize;
    let headers_end = coff_end + optional + 40 * sections;
    if headers_end > MAX_HEADERS {
        return Err(FormatError::malformed(
            pe_at,
            format!("pe: headers and section table end at {headers_end}, past {MAX_HEADERS} bytes"),
        ));
    }
    extend_head(src, &mut head, headers_end)?;

    // Headers and section table only: goblin on the header bytes, nothing else parsed.
    let mut opts = ParseOptions::default().with_parse_mode(ParseMode::Permissive);
    opts.parse_imports = false;
    opts.parse_tls_data = false;
    opts.parse_resources = false;
    opts.parse_attribute_certificates = false;
    let pe = guarded_parse(&head, &opts)?;
    let mut info = header_info(&pe);
    let Some(oh) = &pe.header.optional_header else {
        return Ok(info);
    };
    let size = src
        .size()
        .map_err(|e| FormatError::malformed(0, format!("cannot get the file size: {e}")))?;
    let dirs = &oh.data_directories;
    if let Some(dd) = dirs.get_resource_table() {
        let fa = oh.windows_fields.file_alignment;
        info.version_info = version_resource(src, size, dd, &pe.sections, fa, &opts)
            .ok()
            .flatten();
    }
    if let Some(dd) = dirs.get_certificate_table() {
        match certificate_table(src, size, dd) {
            Ok(table) => {
                if let Some(certs) = attribute_certificates(&table) {
                    add_signatures(&mut info, certs.into_iter(), cache);
                }
            }
            Err(e) => info.signature_error = Some(e),
        }
    }
    Ok(info)
}

/// Bytes of the resource section fetched at once: its directory records (tens of bytes
/// each, usually all within the first kilobyte or two) are then served from memory, so
/// walking to `RT_VERSION` costs one read instead of one per record.
const RESOURCE_BLOCK: usize = 4096;

/// The resource section as a bounded window of the source: offsets relative to its start.
struct Resources<'a, R: ?Sized> {
    src: &'a R,
    start: u64,
    len: u64,
    /// The last block read: its offset in the section and its bytes.
    block: std::cell::RefCell<(u64, Vec<u8>)>,
}

impl<R: ReadAt + ?Sized> Resources<'_, R> {
    /// `len` bytes at `offset` inside the resource section, or an error past its end.
    fn read(&self, offset: u64, len: usize) -> Result<Vec<u8>, FormatError> {
        if offset.saturating_add(len as u64) > self.len {
            return Err(FormatError::truncated(
                offset as usize,
                "resource directory record past the resource section",
            ));
        }
        let mut block = self.block.borrow_mut();
        let (at, bytes) = &mut *block;
        let inside =
            |at: u64, bytes: &[u8]| offset >= at && offset + len as u64 <= at + bytes.len() as u64;
        if !inside(*at, bytes) {
            // The record fits in the section (checked above), so this block holds it.
            let want = (self.len - offset).min(RESOURCE_BLOCK.max(len) as u64) as usize;
            *bytes = read_exact(
                self.src,
                self.start + offset,
                want,
                "resource directory record",
            )?;
            *at = offset;
        }
        let from = (offset - *at) as usize;
        Ok(bytes[from..from + len].to_vec())
    }

    /// `(named + id entry count, offset of the first entry)` of the directory at `offset`,
    /// checking that all its entries lie inside the section.
    fn directory(&self, offset: u64) -> Result<(usize, u64), FormatError> {
        let d = self.read(offset, DIRECTORY_SIZE)?;
        let count = u16_at(&d, 12)
            .unwrap_or(0)
            .saturating_add(u16_at(&d, 14).unwrap_or(0)) as usize;
        let first = offset + DIRECTORY_SIZE as u64;
        if first + (count * ENTRY_SIZE) as u64 > self.len {
            return Err(FormatError::truncated(
                first as usize,
                "resource directory entries past the resource section",
            ));
        }
        Ok((count, first))
    }

    fn entry(&self, offset: u64) -> Result<ResourceEntry, FormatError> {
        let e = self.read(offset, ENTRY_SIZE)?;
        Ok(ResourceEntry {
            name_or_id: u32_at(&e, 0).unwrap_or(0),
            offset_to_data_or_directory: u32_at(&e, 4).unwrap_or(0),
        })
    }

    /// The first `RT_VERSION` entry of the root directory.
    fn version_type(&self) -> Result<Option<ResourceEntry>, FormatError> {
        let (count, first) = self.directory(0)?;
        let count = count.min(MAX_ROOT_ENTRIES);
        // Read the entries in pages rather than one by one.
        const PAGE: usize = 512;
        for page in (0..count).step_by(PAGE) {
            let n = PAGE.min(count - page);
            let bytes = self.read(first + (page * ENTRY_SIZE) as u64, n * ENTRY_SIZE)?;
            for chunk in bytes.chunks_exact(ENTRY_SIZE) {
                let e = ResourceEntry {
                    name_or_id: u32_at(chunk, 0).unwrap_or(0),
                    offset_to_data_or_directory: u32_at(chunk, 4).unwrap_or(0),
                };
                if e.id() == Some(RT_VERSION) {
                    return Ok(Some(e));
                }
            }
        }
        Ok(None)
    }

    /// From the type entry, the first entry of each level down to a data entry.
    fn first_leaf(&self, start: ResourceEntry) -> Result<Option<ResourceEntry>, FormatError> {
        let mut current = start;
        let mut visited = BTreeSet::from([current.offset_to_data_or_directory]);
        for _ in 0..MAX_RESOURCE_DEPTH {
            let (count, first) = self.directory(current.offset_to_directory() as u64)?;
            if count == 0 {
                // goblin stops here and takes the entry it is on, if that is data.
                return Ok((!current.data_is_directory()).then_some(current));
            }
            let next = self.entry(first)?;
            if !next.data_is_directory() {
                return Ok(Some(next));
            }
            if !visited.insert(next.offset_to_data_or_directory) {
                return Err(FormatError::malformed(
                    next.offset_to_directory() as usize,
                    "cycle in the resource directory",
                ));
            }
            current = next;
        }
        Ok(None)
    }
}

/// The VERSIONINFO resource, when the file has a readable one.
fn version_resource<R: ReadAt + ?Sized>(
    src: &R,
    size: u64,
    dd: &DataDirectory,
    sections: &[SectionTable],
    file_alignment: u32,
    opts: &ParseOptions,
) -> Result<Option<super::VersionInfo>, FormatError> {
    let rva = dd.virtual_address as usize;
    let Some(start) = find_offset(rva, sections, file_alignment, opts) else {
        return Ok(None);
    };
    let start = start as u64;
    if start.saturating_add(dd.size as u64) > size {
        return Ok(None);
    }
    let rsrc = Resources {
        src,
        start,
        len: dd.size as u64,
        block: Default::default(),
    };
    let Some(version) = rsrc.version_type()? else {
        return Ok(None);
    };
    let Some(leaf) = rsrc.first_leaf(version)? else {
        return Ok(None);
    };
    // IMAGE_RESOURCE_DATA_ENTRY: data RVA and size.
    let entry = rsrc.read(leaf.offset_to_data_or_directory as u64, 16)?;
    let data_rva = u32_at(&entry, 0).unwrap_or(0) as usize;
    let data_len = u32_at(&entry, 4).unwrap_or(0) as u64;
    let Some(at) = find_offset(data_rva, sections, file_alignment, opts) else {
        return Ok(None);
    };
    if (at as u64).saturating_add(data_len) > size {
        return Ok(None);
    }
    let len = (data_len as usize).min(MAX_VERSION_INFO);
    let data = read_exact(src, at as u64, len, "versioninfo resource")?;
    Ok(parse_version_blob(&data))
}

/// Decodes a VERSIONINFO blob the way goblin does: a flat run of `ResourceString`s up to
/// the first zero length; the fixed part is the value keyed `VS_VERSION_INFO`, strings the
/// first value of each key. Any malformed record voids the whole resource.
fn parse_version_blob(data: &[u8]) -> Option<super::VersionInfo> {
    let mut strings = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let mut offset = 0;
        match ResourceString::parse(rest, &mut offset) {
            Ok(Some(s)) => {
                strings.push(s);
                rest = rest.get(offset..).unwrap_or_default();
            }
            Ok(None) => break,
            Err(_) => return None,
        }
    }
    // Each key decoded from UTF-16 once, not once per key looked up.
    let keys: Vec<Option<String>> = strings.iter().map(|s| s.key_string()).collect();
    let find = |key: &str| {
        keys.iter()
            .position(|k| k.as_deref() == Some(key))
            .map(|i| &strings[i])
    };
    let fixed = match find(VS_VERSION_INFO_KEY) {
        Some(s) if s.value.len() < FIXED_INFO_SIZE => return None,
        Some(s) => {
            let v = |i: usize| u32_at(s.value, 4 * i).unwrap_or(0);
            Some(FixedVersion {
                signature: v(0),
                file: (v(2), v(3)),
                product: (v(4), v(5)),
            })
        }
        None => None,
    };
    Some(version_info(fixed, |key| {
        debug_assert!(VERSION_KEYS.contains(&key));
        find(key).and_then(|s| s.value_string())
    }))
}

/// The attribute certificate table: a file offset and size (not an RVA).
fn certificate_table<R: ReadAt + ?Sized>(
    src: &R,
    size: u64,
    dd: &DataDirectory,
) -> Result<Vec<u8>, String> {
    let (start, len) = (dd.virtual_address as u64, dd.size as usize);
    if len == 0 || start + len as u64 > size {
        // Empty, or past the end of the file (goblin drops such a table too).
        return Ok(Vec::new());
    }
    if len > MAX_CERT_TABLE {
        return Err(format!(
            "certificate table is {len} bytes, over the {MAX_CERT_TABLE}-byte limit"
        ));
    }
    read_exact(src, start, len, "certificate table").map_err(|e| e.to_string())
}

/// The `(type, certificate)` pairs of a certificate table; `None` when an entry is
/// malformed (the whole table is then ignored, as goblin does).
fn attribute_certificates(table: &[u8]) -> Option<Vec<(u16, &[u8])>> {
    let mut out = Vec::new();
    let mut offset = 0;
    while offset < table.len() {
        let c = AttributeCertificate::parse(table, &mut offset).ok()?;
        out.push((c.certificate_type as u16, c.certificate));
    }
    Some(out)
}
