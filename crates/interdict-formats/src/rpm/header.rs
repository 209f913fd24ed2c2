//! RPM header blobs: the per-package record every rpmdb backend stores.
//!
//! Layout (all big-endian): `il: u32` index entries, `dl: u32` data bytes, `il` 16-byte
//! entries (`tag i32`, `type u32`, `offset i32`, `count u32`), then `dl` bytes of data.
//! The first entry is usually a region tag whose 16-byte trailer (in the data, with a
//! negative offset) gives the number of entries in the region; entries after the region
//! ("dribble" entries) override region entries with the same tag.
//!
//! Validation follows rpm's `hdrblobVerifyRegion`/`hdrblobVerifyInfo`: known types,
//! aligned and in-range offsets, non-overlapping data, `il < 65536`, blob < 256 MiB.

use crate::FormatError;
use crate::bytes::{slice, u16_be, u32_be, u64_be};
use std::collections::BTreeMap;

/// Largest header blob rpm accepts (`headerMaxbytes`): 256 MiB.
pub const MAX_HEADER_BYTES: usize = 256 * 1024 * 1024;

/// rpm rejects headers with this many index entries or more.
pub const MAX_INDEX_ENTRIES: usize = 65536;

/// Size of one index entry (and of a region trailer).
const ENTRY_SIZE: usize = 16;

/// Header tag numbers used here.
pub mod tag {
    /// Region tag of an old-style header image.
    pub const HEADER_IMAGE: i32 = 61;
    /// Region tag of a signature header.
    pub const HEADER_SIGNATURES: i32 = 62;
    /// Region tag of the immutable (signed) part of a package header.
    pub const HEADER_IMMUTABLE: i32 = 63;
    /// Smallest tag number allowed for data entries (`HEADER_I18NTABLE`).
    pub const HEADER_I18NTABLE: i32 = 100;
    /// Package name.
    pub const NAME: i32 = 1000;
    /// Version.
    pub const VERSION: i32 = 1001;
    /// Release.
    pub const RELEASE: i32 = 1002;
    /// Epoch (INT32).
    pub const EPOCH: i32 = 1003;
    /// One-line summary.
    pub const SUMMARY: i32 = 1004;
    /// Install time, seconds since the epoch (INT32).
    pub const INSTALLTIME: i32 = 1008;
    /// Installed size in bytes (INT32).
    pub const SIZE: i32 = 1009;
    /// Vendor.
    pub const VENDOR: i32 = 1011;
    /// License.
    pub const LICENSE: i32 = 1014;
    /// Packager.
    pub const PACKAGER: i32 = 1015;
    /// Architecture.
    pub const ARCH: i32 = 1022;
    /// Legacy full file names (STRING_ARRAY), used before BASENAMES existed.
    pub const OLDFILENAMES: i32 = 1027;
    /// Source RPM file name.
    pub const SOURCERPM: i32 = 1044;
    /// Directory index of each file (INT32 array).
    pub const DIRINDEXES: i32 = 1116;
    /// Base name of each file (STRING_ARRAY).
    pub const BASENAMES: i32 = 1117;
    /// Directory names, each ending in `/` (STRING_ARRAY).
    pub const DIRNAMES: i32 = 1118;
    /// Installed size in bytes when over 4 GiB (INT64).
    pub const LONGSIZE: i32 = 5009;
}

/// Entry data types.
mod ty {
    pub const NULL: u32 = 0;
    pub const INT16: u32 = 3;
    pub const INT32: u32 = 4;
    pub const INT64: u32 = 5;
    pub const STRING: u32 = 6;
    pub const BIN: u32 = 7;
    pub const STRING_ARRAY: u32 = 8;
    pub const I18NSTRING: u32 = 9;
    pub const MAX: u32 = 9;
}

/// The facts interdict needs from one package header.
///
/// Also the input of [`build_header_blob`], so that `parse_header_blob(&build_header_blob(&h))`
/// gives back `h`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RpmHeader {
    /// Package name (`NAME`).
    pub name: String,
    /// Epoch, when the package has one.
    pub epoch: Option<u32>,
    /// Version (empty if absent).
    pub version: String,
    /// Release (empty if absent).
    pub release: String,
    /// Architecture (empty if absent, as for `gpg-pubkey`).
    pub arch: String,
    /// Vendor; `None` when absent, empty or `(none)`.
    pub vendor: Option<String>,
    /// Packager; `None` when absent, empty or `(none)`.
    pub packager: Option<String>,
    /// Summary.
    pub summary: Option<String>,
    /// License; `None` when absent, empty or `(none)`.
    pub license: Option<String>,
    /// Source RPM; `None` when absent, empty or `(none)`.
    pub sourcerpm: Option<String>,
    /// Install time, seconds since the Unix epoch.
    pub install_time: Option<u32>,
    /// Installed size in bytes (`SIZE`, or `LONGSIZE`).
    pub size: Option<u64>,
    /// Owned files as absolute paths (`dirnames[dirindexes[i]] + basenames[i]`).
    pub files: Vec<String>,
}

/// One raw index entry, host order.
#[derive(Debug, Clone, Copy)]
struct RawEntry {
    tag: i32,
    typ: u32,
    offset: i32,
    count: u32,
}

/// One validated entry with its data bytes.
#[derive(Debug, Clone, Copy)]
struct Entry<'a> {
    typ: u32,
    count: u32,
    data: &'a [u8],
}

fn read_raw(buf: &[u8], at: usize, what: &str) -> Result<RawEntry, FormatError> {
    Ok(RawEntry {
        tag: u32_be(buf, at, what)? as i32,
        typ: u32_be(buf, at.saturating_add(4), what)?,
        offset: u32_be(buf, at.saturating_add(8), what)? as i32,
        count: u32_be(buf, at.saturating_add(12), what)?,
    })
}

/// Fixed element size of a type; `None` for the string types.
fn type_size(typ: u32) -> Option<usize> {
    match typ {
        0 => Some(0),
        1 | 2 | 7 => Some(1),
        3 => Some(2),
        4 => Some(4),
        5 => Some(8),
        _ => None,
    }
}

fn type_align(typ: u32) -> usize {
    match typ {
        ty::INT16 => 2,
        ty::INT32 => 4,
        ty::INT64 => 8,
        _ => 1,
    }
}

fn is_region_tag(tag: i32) -> bool {
    matches!(
        tag,
        tag::HEADER_IMAGE | tag::HEADER_SIGNATURES | tag::HEADER_IMMUTABLE
    )
}

/// Length of `count` NUL-terminated strings starting at `offset` in `data`.
fn strings_len(data: &[u8], offset: usize, count: u32) -> Option<usize> {
    let mut pos = offset;
    for _ in 0..count {
        let rest = data.get(pos..)?;
        let nul = rest.iter().position(|&b| b == 0)?;
        pos = pos.checked_add(nul)?.checked_add(1)?;
    }
    pos.checked_sub(offset)
}

/// Length of an entry's data, or `None` if it does not fit in `data`.
fn data_length(data: &[u8], typ: u32, count: u32, offset: usize) -> Option<usize> {
    let len = match typ {
        ty::STRING if count != 1 => return None,
        ty::STRING => strings_len(data, offset, 1)?,
        ty::STRING_ARRAY | ty::I18NSTRING => strings_len(data, offset, count)?,
        _ => type_size(typ)?.checked_mul(usize::try_from(count).ok()?)?,
    };
    (offset.checked_add(len)? <= data.len()).then_some(len)
}

/// Validates the blob like rpm's `hdrblobInit` and returns the effective entries by tag
/// (dribble entries override region entries).
fn import(blob: &[u8]) -> Result<BTreeMap<i32, Entry<'_>>, FormatError> {
    let il = u32_be(blob, 0, "header index length")? as usize;
    let dl = u32_be(blob, 4, "header data length")? as usize;
    if il == 0 {
        return Err(FormatError::malformed(0, "header has no index entries"));
    }
    if il >= MAX_INDEX_ENTRIES {
        return Err(FormatError::malformed(
            0,
            format!("header has {il} index entries, limit is 65535"),
        ));
    }
    let too_big = || {
        FormatError::malformed(
            0,
            format!("header of {il} entries and {dl} data bytes is too large"),
        )
    };
    let data_start = il
        .checked_mul(ENTRY_SIZE)
        .and_then(|n| n.checked_add(8))
        .ok_or_else(too_big)?;
    if data_start
        .checked_add(dl)
        .is_none_or(|n| n >= MAX_HEADER_BYTES)
    {
        return Err(too_big());
    }
    let data = slice(blob, data_start, dl, "header data")?;
    let entries = (0..il)
        .map(|i| read_raw(blob, 8 + i * ENTRY_SIZE, "header index entry"))
        .collect::<Result<Vec<_>, _>>()?;
    let first = *entries
        .first()
        .ok_or_else(|| FormatError::malformed(0, "header has no index entries"))?;
    let region = if is_region_tag(first.tag) {
        Some(verify_region(first, il, data, data_start)?)
    } else {
        None
    };
    verify_info(&entries, region, data)?;

    let mut out = BTreeMap::new();
    let skip = usize::from(region.is_some());
    for e in entries.iter().skip(skip) {
        // Offsets and lengths were checked by `verify_info`; re-derive them without panics.
        let bad =
            || FormatError::malformed(data_start, format!("entry for tag {} out of range", e.tag));
        let off = usize::try_from(e.offset).map_err(|_| bad())?;
        let len = data_length(data, e.typ, e.count, off).ok_or_else(bad)?;
        let bytes = off
            .checked_add(len)
            .and_then(|end| data.get(off..end))
            .ok_or_else(bad)?;
        out.insert(
            e.tag,
            Entry {
                typ: e.typ,
                count: e.count,
                data: bytes,
            },
        );
    }
    Ok(out)
}

/// A verified region: `rdl` is the length of its data including the trailer.
#[derive(Debug, Clone, Copy)]
struct Region {
    rdl: usize,
}

fn verify_region(
    first: RawEntry,
    il: usize,
    data: &[u8],
    data_start: usize,
) -> Result<Region, FormatError> {
    let bad = |m: &str| FormatError::malformed(8, format!("region tag {}: {m}", first.tag));
    if first.typ != ty::BIN || first.count as usize != ENTRY_SIZE {
        return Err(bad("invalid region tag"));
    }
    let off = usize::try_from(first.offset).map_err(|_| bad("negative region offset"))?;
    let rdl = off
        .checked_add(ENTRY_SIZE)
        .filter(|&end| end <= data.len())
        .ok_or_else(|| bad("region offset out of range"))?;
    let at = data_start.saturating_add(off);
    let trailer = read_raw(data, off, "region trailer")
        .map_err(|_| FormatError::truncated(at, "region trailer"))?;
    let mut ttag = trailer.tag;
    if first.tag == tag::HEADER_SIGNATURES && ttag == tag::HEADER_IMAGE {
        ttag = tag::HEADER_SIGNATURES;
    }
    if ttag != first.tag || trailer.typ != ty::BIN || trailer.count as usize != ENTRY_SIZE {
        return Err(bad("invalid region trailer"));
    }
    let size = trailer
        .offset
        .checked_neg()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| bad("invalid region size"))?;
    let ril = size / ENTRY_SIZE;
    if size % ENTRY_SIZE != 0 || ril == 0 || ril > il {
        return Err(bad("invalid region size"));
    }
    Ok(Region { rdl })
}

fn verify_info(
    entries: &[RawEntry],
    region: Option<Region>,
    data: &[u8],
) -> Result<(), FormatError> {
    let mut end = 0usize;
    for (i, e) in entries
        .iter()
        .enumerate()
        .skip(usize::from(region.is_some()))
    {
        let at = 8usize.saturating_add(i.saturating_mul(ENTRY_SIZE));
        let bad =
            |m: &str| FormatError::malformed(at, format!("index entry {i} (tag {}): {m}", e.tag));
        if e.tag < tag::HEADER_I18NTABLE {
            return Err(bad("invalid tag"));
        }
        if e.typ == ty::NULL || e.typ > ty::MAX {
            return Err(bad(&format!("invalid type {}", e.typ)));
        }
        let off = usize::try_from(e.offset).map_err(|_| bad("negative offset"))?;
        if off > data.len() {
            return Err(bad("offset out of range"));
        }
        if off < end {
            return Err(bad("data overlaps the previous entry"));
        }
        if off % type_align(e.typ) != 0 {
            return Err(bad("misaligned offset"));
        }
        let len = data_length(data, e.typ, e.count, off)
            .filter(|&l| l > 0)
            .ok_or_else(|| bad("invalid data length"))?;
        end = off
            .checked_add(len)
            .ok_or_else(|| bad("invalid data length"))?;
        if let Some(r) = region {
            // Data before the trailer must not run into it.
            if end > r.rdl.saturating_sub(ENTRY_SIZE) && off < r.rdl {
                return Err(bad("data overlaps the region trailer"));
            }
        }
    }
    Ok(())
}

fn first_string(e: &Entry<'_>) -> Option<String> {
    if !matches!(e.typ, ty::STRING | ty::STRING_ARRAY | ty::I18NSTRING) {
        return None;
    }
    let s = e.data.split(|&b| b == 0).next()?;
    Some(String::from_utf8_lossy(s).into_owned())
}

fn string_array(e: &Entry<'_>) -> Option<Vec<String>> {
    if e.typ != ty::STRING_ARRAY {
        return None;
    }
    Some(
        e.data
            .split(|&b| b == 0)
            .take(e.count as usize)
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect(),
    )
}

fn int32_array(e: &Entry<'_>) -> Option<Vec<u32>> {
    if e.typ != ty::INT32 {
        return None;
    }
    (0..e.count as usize)
        .map(|i| u32_be(e.data, i.checked_mul(4)?, "int32").ok())
        .collect()
}

fn int32(e: &Entry<'_>) -> Option<u32> {
    match e.typ {
        ty::INT32 => u32_be(e.data, 0, "int32").ok(),
        ty::INT16 => u16_be(e.data, 0, "int16").ok().map(u32::from),
        _ => None,
    }
}

/// Drops empty strings and rpm's `(none)` placeholder.
fn meaningful(s: Option<String>) -> Option<String> {
    s.filter(|v| !v.is_empty() && v != "(none)")
}

fn file_list(map: &BTreeMap<i32, Entry<'_>>) -> Result<Vec<String>, FormatError> {
    let bad = |m: &str| FormatError::malformed(0, format!("file list: {m}"));
    let Some(base) = map.get(&tag::BASENAMES) else {
        return Ok(map
            .get(&tag::OLDFILENAMES)
            .and_then(string_array)
            .unwrap_or_default());
    };
    let base = string_array(base).ok_or_else(|| bad("basenames is not a string array"))?;
    let idx = map
        .get(&tag::DIRINDEXES)
        .and_then(int32_array)
        .ok_or_else(|| bad("missing dirindexes"))?;
    let dirs = map
        .get(&tag::DIRNAMES)
        .and_then(string_array)
        .ok_or_else(|| bad("missing dirnames"))?;
    if idx.len() != base.len() {
        return Err(bad("dirindexes and basenames differ in length"));
    }
    base.iter()
        .zip(&idx)
        .map(|(b, &i)| {
            let d = dirs
                .get(i as usize)
                .ok_or_else(|| bad(&format!("directory index {i} out of range")))?;
            Ok(format!("{d}{b}"))
        })
        .collect()
}

/// Parses and validates one header blob as stored in an rpmdb (no lead, no magic).
pub fn parse_header_blob(blob: &[u8]) -> Result<RpmHeader, FormatError> {
    let map = import(blob)?;
    let s = |t: i32| map.get(&t).and_then(first_string);
    let name = s(tag::NAME)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| FormatError::malformed(0, "header has no name"))?;
    let size = match map.get(&tag::LONGSIZE) {
        Some(e) if e.typ == ty::INT64 => u64_be(e.data, 0, "longsize").ok(),
        _ => map.get(&tag::SIZE).and_then(int32).map(u64::from),
    };
    Ok(RpmHeader {
        name,
        epoch: map.get(&tag::EPOCH).and_then(int32),
        version: s(tag::VERSION).unwrap_or_default(),
        release: s(tag::RELEASE).unwrap_or_default(),
        arch: s(tag::ARCH).unwrap_or_default(),
        vendor: meaningful(s(tag::VENDOR)),
        packager: meaningful(s(tag::PACKAGER)),
        summary: meaningful(s(tag::SUMMARY)),
        license: meaningful(s(tag::LICENSE)),
        sourcerpm: meaningful(s(tag::SOURCERPM)),
        install_time: map.get(&tag::INSTALLTIME).and_then(int32),
        size,
        files: file_list(&map)?,
    })
}

/// One entry to write: tag, type, count, encoded data.
#[cfg(any(test, feature = "test-support"))]
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub(crate) tag: i32,
    pub(crate) typ: u32,
    pub(crate) count: u32,
    pub(crate) data: Vec<u8>,
}

#[cfg(any(test, feature = "test-support"))]
impl Item {
    fn string(tag: i32, typ: u32, s: &str) -> Item {
        let mut data: Vec<u8> = s.bytes().filter(|&b| b != 0).collect();
        data.push(0);
        Item {
            tag,
            typ,
            count: 1,
            data,
        }
    }

    pub(crate) fn int32(tag: i32, values: &[u32]) -> Item {
        Item {
            tag,
            typ: ty::INT32,
            count: len_u32(values.len()),
            data: values.iter().flat_map(|v| v.to_be_bytes()).collect(),
        }
    }

    fn strings(tag: i32, values: &[String]) -> Item {
        let mut data = Vec::new();
        for v in values {
            data.extend(v.bytes().filter(|&b| b != 0));
            data.push(0);
        }
        Item {
            tag,
            typ: ty::STRING_ARRAY,
            count: len_u32(values.len()),
            data,
        }
    }
}

#[cfg(any(test, feature = "test-support"))]
fn len_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Writes region entries (inside a `HEADERIMMUTABLE` region) and dribble entries (after
/// it) into a header blob.
#[cfg(any(test, feature = "test-support"))]
pub(crate) fn assemble(region: &[Item], dribble: &[Item]) -> Vec<u8> {
    let mut region: Vec<&Item> = region.iter().collect();
    region.sort_by_key(|i| i.tag);
    let mut data = Vec::new();
    fn place(item: &Item, data: &mut Vec<u8>) -> usize {
        let align = type_align(item.typ);
        while !data.len().is_multiple_of(align) {
            data.push(0);
        }
        let off = data.len();
        data.extend_from_slice(&item.data);
        off
    }
    let mut index = Vec::new();
    for item in &region {
        let off = place(item, &mut data);
        index.push((item.tag, item.typ, off, item.count));
    }
    let trailer_off = data.len();
    let ril = region.len() + 1;
    let entry_bytes = |tag: i32, typ: u32, off: i64, count: u32| {
        let mut b = Vec::with_capacity(ENTRY_SIZE);
        b.extend(tag.to_be_bytes());
        b.extend(typ.to_be_bytes());
        b.extend((i32::try_from(off).unwrap_or(i32::MAX)).to_be_bytes());
        b.extend(count.to_be_bytes());
        b
    };
    let neg = -i64::try_from(ril * ENTRY_SIZE).unwrap_or(i64::MAX);
    data.extend(entry_bytes(tag::HEADER_IMMUTABLE, ty::BIN, neg, 16));
    for item in dribble {
        let off = place(item, &mut data);
        index.push((item.tag, item.typ, off, item.count));
    }
    let il = index.len() + 1;
    let mut out = Vec::with_capacity(8 + il * ENTRY_SIZE + data.len());
    out.extend(len_u32(il).to_be_bytes());
    out.extend(len_u32(data.len()).to_be_bytes());
    out.extend(entry_bytes(
        tag::HEADER_IMMUTABLE,
        ty::BIN,
        trailer_off as i64,
        16,
    ));
    for (t, typ, off, count) in index {
        out.extend(entry_bytes(t, typ, off as i64, count));
    }
    out.extend(data);
    out
}

/// Writes a valid rpmdb header blob (an immutable region holding every field) from `h`.
///
/// Used to build fixture databases and fuzz seeds. Strings lose any NUL bytes; files are
/// split into `DIRNAMES`/`BASENAMES`/`DIRINDEXES` at the last `/`. Test support only (the
/// `test-support` feature), not part of the reader API.
#[cfg(any(test, feature = "test-support"))]
pub fn build_header_blob(h: &RpmHeader) -> Vec<u8> {
    let mut items = vec![
        Item::string(tag::NAME, ty::STRING, &h.name),
        Item::string(tag::VERSION, ty::STRING, &h.version),
        Item::string(tag::RELEASE, ty::STRING, &h.release),
    ];
    let mut opt = |t: i32, typ: u32, v: &Option<String>| {
        if let Some(v) = v {
            items.push(Item::string(t, typ, v));
        }
    };
    opt(tag::SUMMARY, ty::I18NSTRING, &h.summary);
    opt(tag::VENDOR, ty::STRING, &h.vendor);
    opt(tag::LICENSE, ty::STRING, &h.license);
    opt(tag::PACKAGER, ty::STRING, &h.packager);
    opt(tag::SOURCERPM, ty::STRING, &h.sourcerpm);
    if !h.arch.is_empty() {
        items.push(Item::string(tag::ARCH, ty::STRING, &h.arch));
    }
    if let Some(e) = h.epoch {
        items.push(Item::int32(tag::EPOCH, &[e]));
    }
    if let Some(t) = h.install_time {
        items.push(Item::int32(tag::INSTALLTIME, &[t]));
    }
    match h.size.map(u32::try_from) {
        Some(Ok(s)) => items.push(Item::int32(tag::SIZE, &[s])),
        Some(Err(_)) => {
            let v = h.size.unwrap_or_default();
            items.push(Item {
                tag: tag::LONGSIZE,
                typ: ty::INT64,
                count: 1,
                data: v.to_be_bytes().to_vec(),
            });
        }
        None => {}
    }
    if !h.files.is_empty() {
        let mut dirs: Vec<String> = Vec::new();
        let mut bases = Vec::new();
        let mut idx = Vec::new();
        for f in &h.files {
            let (d, b) = match f.rfind('/') {
                Some(p) => f.split_at(p + 1),
                None => ("", f.as_str()),
            };
            let i = dirs.iter().position(|x| x == d).unwrap_or_else(|| {
                dirs.push(d.to_string());
                dirs.len() - 1
            });
            idx.push(len_u32(i));
            bases.push(b.to_string());
        }
        items.push(Item::int32(tag::DIRINDEXES, &idx));
        items.push(Item::strings(tag::BASENAMES, &bases));
        items.push(Item::strings(tag::DIRNAMES, &dirs));
    }
    assemble(&items, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RpmHeader {
        RpmHeader {
            name: "kesl".into(),
            epoch: Some(2),
            version: "11.4.0".into(),
            release: "7.el8".into(),
            arch: "x86_64".into(),
            vendor: Some("AO Kaspersky Lab".into()),
            packager: Some("Kaspersky Lab <support@kaspersky.com>".into()),
            summary: Some("Kaspersky Endpoint Security for Linux".into()),
            license: Some("Proprietary".into()),
            sourcerpm: Some("kesl-11.4.0-7.el8.src.rpm".into()),
            install_time: Some(1_700_000_000),
            size: Some(123_456),
            files: vec![
                "/opt/kaspersky/kesl/bin/kesl-control".into(),
                "/opt/kaspersky/kesl/bin/kesl".into(),
                "/etc/opt/kaspersky/kesl.ini".into(),
            ],
        }
    }

    #[test]
    fn build_then_parse_round_trips() {
        let h = sample();
        assert_eq!(parse_header_blob(&build_header_blob(&h)).unwrap(), h);
        let minimal = RpmHeader {
            name: "x".into(),
            ..RpmHeader::default()
        };
        assert_eq!(
            parse_header_blob(&build_header_blob(&minimal)).unwrap(),
            minimal
        );
        let big = RpmHeader {
            size: Some(5 << 32),
            ..sample()
        };
        assert_eq!(parse_header_blob(&build_header_blob(&big)).unwrap(), big);
    }

    #[test]
    fn dribble_entries_override_region_entries() {
        let region = [
            Item::string(tag::NAME, ty::STRING, "old"),
            Item::int32(tag::INSTALLTIME, &[1]),
        ];
        let dribble = [
            Item::int32(tag::INSTALLTIME, &[42]),
            Item::string(tag::VENDOR, ty::STRING, "late"),
        ];
        let h = parse_header_blob(&assemble(&region, &dribble)).unwrap();
        assert_eq!(h.name, "old");
        assert_eq!(h.install_time, Some(42));
        assert_eq!(h.vendor.as_deref(), Some("late"));
    }

    #[test]
    fn none_placeholders_become_none() {
        let h = RpmHeader {
            vendor: Some("(none)".into()),
            ..sample()
        };
        assert_eq!(
            parse_header_blob(&build_header_blob(&h)).unwrap().vendor,
            None
        );
    }

    #[test]
    fn invalid_headers_are_rejected() {
        let good = build_header_blob(&sample());
        // No entries, too many entries, data length past the end.
        assert!(parse_header_blob(&[0, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(parse_header_blob(&[0, 1, 0, 0, 0, 0, 0, 0]).is_err());
        let mut b = good.clone();
        b[4] = 0x7f;
        assert!(parse_header_blob(&b).is_err());
        // Unknown type in the second entry.
        let mut b = good.clone();
        b[8 + 16 + 4..8 + 16 + 8].copy_from_slice(&[0, 0, 0, 10]);
        assert!(parse_header_blob(&b).is_err());
        // Misaligned INT32 offset (EPOCH follows the strings; bump its offset by one).
        let h = parse_header_blob(&good).unwrap();
        assert_eq!(h.epoch, Some(2));
        let il = u32::from_be_bytes([good[0], good[1], good[2], good[3]]) as usize;
        let epoch_at = (0..il)
            .map(|i| 8 + i * 16)
            .find(|&at| good[at..at + 4] == tag::EPOCH.to_be_bytes())
            .unwrap();
        let mut b = good.clone();
        b[epoch_at + 11] += 1;
        assert!(parse_header_blob(&b).is_err());
        // Region trailer with a bad size.
        let mut b = good;
        let len = b.len();
        b[len - 8] ^= 0x01;
        assert!(parse_header_blob(&b).is_err());
    }

    #[test]
    fn every_truncation_is_an_error() {
        let good = build_header_blob(&sample());
        for n in 0..good.len() {
            assert!(parse_header_blob(&good[..n]).is_err(), "length {n}");
        }
    }
}
