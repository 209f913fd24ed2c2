//! Key (`nk`) cells and subkey index lists (`lf`, `lh`, `li`, `ri`).

use super::{Filetime, Hive, Value, decode_name, eq_ci};
use crate::{FormatError, bytes};
use std::collections::HashSet;

/// `nk` flag: the name is stored as Latin-1 bytes rather than UTF-16LE.
const KEY_COMP_NAME: u16 = 0x0020;

/// An `ri` list may point at leaf lists only; allow a little nesting but no more.
const MAX_INDEX_DEPTH: usize = 4;

/// Offset of the name within an `nk` cell.
const NK_NAME: usize = 76;

/// One registry key.
#[derive(Debug, Clone)]
pub struct Key<'a> {
    hive: Hive<'a>,
    offset: u32,
    name: String,
    last_written: Filetime,
    subkey_count: u32,
    subkey_list: u32,
    value_count: u32,
    value_list: u32,
}

impl<'a> Key<'a> {
    /// Reads the `nk` cell at a cell offset.
    pub(super) fn at(hive: Hive<'a>, offset: u32) -> Result<Key<'a>, FormatError> {
        let cell = hive.cell(offset, "key cell")?;
        let at = hive.file_offset(offset).saturating_add(4);
        if cell.get(..2) != Some(b"nk".as_slice()) {
            return Err(FormatError::BadMagic {
                offset: at,
                what: "key cell signature nk".into(),
            });
        }
        let flags = bytes::u16_le(cell, 2, "key flags").map_err(|e| rebase(e, at))?;
        let read32 = |o: usize, what: &str| bytes::u32_le(cell, o, what).map_err(|e| rebase(e, at));
        let last_written =
            Filetime(bytes::u64_le(cell, 4, "key last-written time").map_err(|e| rebase(e, at))?);
        let subkey_count = read32(20, "subkey count")?;
        let subkey_list = read32(28, "subkey list offset")?;
        let value_count = read32(36, "value count")?;
        let value_list = read32(40, "value list offset")?;
        let name_len = bytes::u16_le(cell, 72, "key name length").map_err(|e| rebase(e, at))?;
        let raw = bytes::slice(cell, NK_NAME, usize::from(name_len), "key name")
            .map_err(|e| rebase(e, at))?;
        let name = decode_name(raw, flags & KEY_COMP_NAME != 0);
        Ok(Key {
            hive,
            offset,
            name,
            last_written,
            subkey_count,
            subkey_list,
            value_count,
            value_list,
        })
    }

    /// The key's own name (not its path).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// When the key was last written.
    pub fn last_written(&self) -> Filetime {
        self.last_written
    }

    /// The cell offset of the key (stable identity within the hive).
    pub fn offset(&self) -> u32 {
        self.offset
    }

    /// The number of subkeys the key records (not checked against its list).
    pub fn subkey_count(&self) -> u32 {
        self.subkey_count
    }

    /// The number of values the key records.
    pub fn value_count(&self) -> u32 {
        self.value_count
    }

    /// The direct subkeys, in index order (sorted by name in a well-formed hive).
    pub fn subkeys(&self) -> Result<Vec<Key<'a>>, FormatError> {
        if self.subkey_count == 0 || self.subkey_list == u32::MAX {
            return Ok(Vec::new());
        }
        let mut offsets = Vec::new();
        let mut seen = HashSet::new();
        collect_index(&self.hive, self.subkey_list, 0, &mut seen, &mut offsets)?;
        offsets.into_iter().map(|o| Key::at(self.hive, o)).collect()
    }

    /// The direct subkey with this name, compared without regard to case.
    pub fn subkey_ci(&self, name: &str) -> Result<Option<Key<'a>>, FormatError> {
        Ok(self.subkeys()?.into_iter().find(|k| eq_ci(k.name(), name)))
    }

    /// Opens a `\`-separated path below this key, comparing names without regard to case.
    /// Empty components are skipped; an empty path is this key.
    pub fn open_path_ci(&self, path: &str) -> Result<Option<Key<'a>>, FormatError> {
        let mut key = self.clone();
        for part in path.split('\\').filter(|p| !p.is_empty()) {
            match key.subkey_ci(part)? {
                Some(k) => key = k,
                None => return Ok(None),
            }
        }
        Ok(Some(key))
    }

    /// The key's values, in stored order.
    pub fn values(&self) -> Result<Vec<Value<'a>>, FormatError> {
        if self.value_count == 0 || self.value_list == u32::MAX {
            return Ok(Vec::new());
        }
        let cell = self.hive.cell(self.value_list, "value list")?;
        let count = self.value_count as usize;
        let offsets: Vec<u32> = cell
            .chunks_exact(4)
            .take(count)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if offsets.len() < count {
            return Err(FormatError::truncated(
                self.hive.file_offset(self.value_list),
                format!("value list of {count} entries"),
            ));
        }
        offsets
            .into_iter()
            .map(|o| Value::at(self.hive, o))
            .collect()
    }

    /// The value with this name, compared without regard to case (`""` is the default
    /// value). `None` if it is missing or the value list cannot be read.
    pub fn value_ci(&self, name: &str) -> Option<Value<'a>> {
        self.values()
            .ok()?
            .into_iter()
            .find(|v| eq_ci(v.name(), name))
    }
}

/// Appends the key offsets of the index list at `offset`, following `ri` lists.
fn collect_index(
    hive: &Hive<'_>,
    offset: u32,
    depth: usize,
    seen: &mut HashSet<u32>,
    out: &mut Vec<u32>,
) -> Result<(), FormatError> {
    let at = hive.file_offset(offset);
    if !seen.insert(offset) {
        return Err(FormatError::malformed(
            at,
            "subkey list reached twice: cycle in index lists",
        ));
    }
    if depth > MAX_INDEX_DEPTH {
        return Err(FormatError::malformed(
            at,
            "subkey index lists nested too deep",
        ));
    }
    let cell = hive.cell(offset, "subkey list")?;
    let count =
        usize::from(bytes::u16_le(cell, 2, "subkey list count").map_err(|e| rebase(e, at))?);
    let entries = cell.get(4..).unwrap_or_default();
    let (stride, nested) = match cell.get(..2) {
        Some(b"lf") | Some(b"lh") => (8, false),
        Some(b"li") => (4, false),
        Some(b"ri") => (4, true),
        _ => {
            return Err(FormatError::BadMagic {
                offset: at,
                what: "subkey list signature lf/lh/li/ri".into(),
            });
        }
    };
    let offsets: Vec<u32> = entries
        .chunks_exact(stride)
        .take(count)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    if offsets.len() < count {
        return Err(FormatError::truncated(
            at,
            format!("subkey list of {count} entries"),
        ));
    }
    for o in offsets {
        if nested {
            collect_index(hive, o, depth.saturating_add(1), seen, out)?;
        } else {
            out.push(o);
        }
    }
    Ok(())
}

/// Moves an error found inside a cell to the cell's file offset.
pub(super) fn rebase(err: FormatError, base: usize) -> FormatError {
    match err {
        FormatError::Truncated { offset, what } => FormatError::Truncated {
            offset: base.saturating_add(offset),
            what,
        },
        FormatError::Malformed { offset, message } => FormatError::Malformed {
            offset: base.saturating_add(offset),
            message,
        },
        FormatError::BadMagic { offset, what } => FormatError::BadMagic {
            offset: base.saturating_add(offset),
            what,
        },
        other => other,
    }
}
