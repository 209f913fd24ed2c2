//! A read-only reader for Windows registry hive files (the `regf` format): `SOFTWARE`,
//! `SYSTEM`, `NTUSER.DAT`, `Amcache.hve`.
//!
//! The principal type is [`Hive`], parsed from bytes with [`Hive::parse`]; keys are
//! [`Key`]s and values [`Value`]s. Everything borrows the input: nothing is copied until a
//! name or a value's data is decoded.
//!
//! ```no_run
//! # fn demo(bytes: &[u8]) -> Result<(), interdict_formats::FormatError> {
//! use interdict_formats::regf::Hive;
//! let hive = Hive::parse(bytes)?;
//! if let Some(uninstall) = hive.open_path_ci(r"Microsoft\Windows\CurrentVersion\Uninstall")? {
//!     for entry in uninstall.subkeys()? {
//!         let name = entry.value_ci("DisplayName").and_then(|v| v.as_string());
//!         println!("{} {:?}", entry.name(), name);
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Hand-written rather than taken from a crate: `nt-hive` and `nt_hive2` are GPL (not
//! usable in a permissive tool), `notatin` does not compile, `frnsc-hive` is tied to a
//! forensic framework, and `regf` 0.2.0 is young, also writes, and brings more surface than
//! we need. A read-only reader of the few cell types that matter (base block, hbins, `nk`,
//! `vk`, `lf`/`lh`/`li`/`ri`, `db`) is small, goes through the bounds-checked reads of
//! [`crate::bytes`], and is fuzzed with the rest of this crate (`fuzz/fuzz_targets/regf.rs`).
//!
//! Transaction logs (`.LOG1`/`.LOG2`) are not replayed: [`Hive::is_dirty`] tells the
//! caller that the base file may be stale. Security (`sk`) and class-name cells are ignored.
//!
//! **Invariants:** untrusted bytes never panic; every cell offset is validated; cycles in
//! subkey index lists and in the key tree end with an error, never a hang.

mod key;
mod time;
mod value;

#[cfg(test)]
mod tests;

pub use key::Key;
pub use time::Filetime;
pub use value::{Value, ValueType};

use crate::{FormatError, bytes};

/// Length of the base block; hive bin offsets are relative to its end.
const BASE_BLOCK_LEN: usize = 4096;

/// Deepest key path walked by [`Hive::walk`] (Windows allows 512 levels).
pub const MAX_DEPTH: usize = 512;

/// A parsed registry hive borrowing its bytes.
#[derive(Debug, Clone, Copy)]
pub struct Hive<'a> {
    /// The whole file, cut at the end announced by the base block when it is shorter.
    data: &'a [u8],
    primary_seq: u32,
    secondary_seq: u32,
    major: u32,
    minor: u32,
    root_offset: u32,
    last_written: Filetime,
    checksum_ok: bool,
    /// Bytes the base block announces (base block plus hive bins).
    declared_len: usize,
}

impl<'a> Hive<'a> {
    /// Parses the base block and checks that the root key cell is readable.
    pub fn parse(data: &'a [u8]) -> Result<Hive<'a>, FormatError> {
        let magic = bytes::slice(data, 0, 4, "hive signature")?;
        if magic != b"regf" {
            return Err(FormatError::BadMagic {
                offset: 0,
                what: "hive signature regf".into(),
            });
        }
        bytes::slice(data, 0, BASE_BLOCK_LEN, "hive base block")?;
        let primary_seq = bytes::u32_le(data, 4, "primary sequence number")?;
        let secondary_seq = bytes::u32_le(data, 8, "secondary sequence number")?;
        let last_written = Filetime(bytes::u64_le(data, 12, "hive last-written time")?);
        let major = bytes::u32_le(data, 20, "hive major version")?;
        let minor = bytes::u32_le(data, 24, "hive minor version")?;
        let root_offset = bytes::u32_le(data, 36, "root key offset")?;
        let bins_len = bytes::u32_le(data, 40, "hive bins length")?;
        if major != 1 {
            return Err(FormatError::Unsupported(format!(
                "hive major version {major}"
            )));
        }
        let mut checksum = 0u32;
        for chunk in bytes::slice(data, 0, 508, "base block")?.chunks_exact(4) {
            checksum ^= u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        let checksum_ok = checksum == bytes::u32_le(data, 508, "base block checksum")?;
        let bin_magic = bytes::slice(data, BASE_BLOCK_LEN, 4, "first hive bin")?;
        if bin_magic != b"hbin" {
            return Err(FormatError::BadMagic {
                offset: BASE_BLOCK_LEN,
                what: "hive bin signature hbin".into(),
            });
        }
        // A file longer than announced carries slack: ignore it. A shorter one is truncated:
        // keep what is there and let reads past the end fail with the offset.
        let end = BASE_BLOCK_LEN.saturating_add(bins_len as usize);
        let data = data.get(..end).unwrap_or(data);
        let hive = Hive {
            data,
            primary_seq,
            secondary_seq,
            major,
            minor,
            root_offset,
            last_written,
            checksum_ok,
            declared_len: end,
        };
        hive.root()?;
        Ok(hive)
    }

    /// Whether the primary and secondary sequence numbers differ: the hive was not cleanly
    /// written and changes may sit in an unreplayed transaction log (`.LOG1`/`.LOG2`).
    pub fn is_dirty(&self) -> bool {
        self.primary_seq != self.secondary_seq
    }

    /// Whether the file is shorter than its base block announces: a truncated copy. What
    /// is present can still be read; reads past the end fail.
    pub fn is_truncated(&self) -> bool {
        self.data.len() < self.declared_len
    }

    /// `(bytes present, bytes announced)`, counting the base block.
    pub fn lengths(&self) -> (usize, usize) {
        (self.data.len(), self.declared_len)
    }

    /// Whether the base block checksum matches (informational; a mismatch is not fatal).
    pub fn checksum_ok(&self) -> bool {
        self.checksum_ok
    }

    /// Format version as `(major, minor)`, e.g. `(1, 5)`.
    pub fn version(&self) -> (u32, u32) {
        (self.major, self.minor)
    }

    /// When the hive was last written, from the base block.
    pub fn last_written(&self) -> Filetime {
        self.last_written
    }

    /// The root key.
    pub fn root(&self) -> Result<Key<'a>, FormatError> {
        Key::at(*self, self.root_offset)
    }

    /// Opens a `\`-separated path relative to the root key, comparing names without regard
    /// to case. An empty path is the root itself. `None` if a component is missing.
    pub fn open_path_ci(&self, path: &str) -> Result<Option<Key<'a>>, FormatError> {
        self.root()?.open_path_ci(path)
    }

    /// Visits every key below the root (the root included, with an empty path) depth first,
    /// passing its `\`-separated path relative to the root. Fails on a key reached twice (a
    /// cycle, or a key shared by two parents) or deeper than [`MAX_DEPTH`].
    ///
    /// Bounds: each key is queued at most once (checked when queued, so a subkey list naming
    /// one key 65,535 times fails at once instead of queueing 65,535 copies), so work and
    /// memory grow with the number of distinct keys in the file; paths are built when a key
    /// is visited, from one path per level, not stored per queued key.
    pub fn walk(&self, visit: &mut dyn FnMut(&str, &Key<'a>)) -> Result<(), FormatError> {
        let root = self.root()?;
        let mut seen = std::collections::HashSet::from([root.offset()]);
        let mut stack = vec![(root, 0usize)];
        // ancestors[d]: the length of the path of the key last visited at depth d.
        let mut ancestors: Vec<usize> = Vec::new();
        let mut path = String::new();
        while let Some((key, depth)) = stack.pop() {
            ancestors.truncate(depth);
            path.truncate(ancestors.last().copied().unwrap_or(0));
            if depth > 1 {
                path.push('\\');
            }
            if depth > 0 {
                path.push_str(key.name());
            }
            ancestors.push(path.len());
            visit(&path, &key);
            let children = key.subkeys()?;
            if !children.is_empty() && depth >= MAX_DEPTH {
                return Err(FormatError::malformed(
                    self.file_offset(key.offset()),
                    "key tree too deep",
                ));
            }
            for child in children.into_iter().rev() {
                if !seen.insert(child.offset()) {
                    return Err(FormatError::malformed(
                        self.file_offset(child.offset()),
                        "key reached twice: cycle in the key tree",
                    ));
                }
                stack.push((child, depth.saturating_add(1)));
            }
        }
        Ok(())
    }

    /// The file offset of a cell offset (cell offsets count from the end of the base block).
    fn file_offset(&self, cell: u32) -> usize {
        BASE_BLOCK_LEN.saturating_add(cell as usize)
    }

    /// The data of the allocated cell at `offset` (its size field excluded).
    fn cell(&self, offset: u32, what: &str) -> Result<&'a [u8], FormatError> {
        let at = self.file_offset(offset);
        if !offset.is_multiple_of(8) {
            return Err(FormatError::malformed(
                at,
                format!("{what}: cell offset {offset:#x} is not 8-aligned"),
            ));
        }
        let size = bytes::i32_le(self.data, at, what)?;
        let len = size.unsigned_abs() as usize;
        if len < 8 {
            return Err(FormatError::malformed(
                at,
                format!("{what}: cell size {size} is too small"),
            ));
        }
        bytes::slice(self.data, at.saturating_add(4), len - 4, what)
    }
}

/// Decodes a name stored either as Latin-1 bytes (`compressed`) or as UTF-16LE.
fn decode_name(raw: &[u8], compressed: bool) -> String {
    if compressed {
        raw.iter().map(|&b| char::from(b)).collect()
    } else {
        utf16_until_nul(raw)
    }
}

/// Decodes UTF-16LE up to the first NUL (or the end), replacing invalid sequences.
fn utf16_until_nul(raw: &[u8]) -> String {
    let units = raw
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0);
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// Case-insensitive name comparison, as the registry does it.
fn eq_ci(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
        || (!a.is_ascii() || !b.is_ascii()) && a.to_lowercase() == b.to_lowercase()
}
