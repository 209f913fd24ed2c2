//! Value (`vk`) cells, their data cells and big-data (`db`) segments.

use super::key::rebase;
use super::{Hive, decode_name, utf16_until_nul};
use crate::{FormatError, bytes};

/// `vk` flag: the name is stored as Latin-1 bytes rather than UTF-16LE.
const VALUE_COMP_NAME: u16 = 0x0001;

/// Data size bit meaning "the data sits in the offset field itself".
const DATA_INLINE: u32 = 0x8000_0000;

/// Largest data stored in one cell by hives of version 1.4 and later; bigger data is split
/// into `db` segments of this size.
const BIG_DATA_SEGMENT: usize = 16344;

/// The registry data type of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// `REG_NONE` (0).
    None,
    /// `REG_SZ` (1): a UTF-16LE string.
    Sz,
    /// `REG_EXPAND_SZ` (2): a UTF-16LE string with `%VARIABLES%`.
    ExpandSz,
    /// `REG_BINARY` (3).
    Binary,
    /// `REG_DWORD` (4): a little-endian u32.
    Dword,
    /// `REG_DWORD_BIG_ENDIAN` (5).
    DwordBigEndian,
    /// `REG_LINK` (6): a UTF-16LE symbolic link target.
    Link,
    /// `REG_MULTI_SZ` (7): NUL-separated UTF-16LE strings.
    MultiSz,
    /// `REG_RESOURCE_LIST` (8).
    ResourceList,
    /// `REG_FULL_RESOURCE_DESCRIPTOR` (9).
    FullResourceDescriptor,
    /// `REG_RESOURCE_REQUIREMENTS_LIST` (10).
    ResourceRequirementsList,
    /// `REG_QWORD` (11): a little-endian u64.
    Qword,
    /// Any other type number (applications may store their own).
    Other(u32),
}

impl ValueType {
    /// The type for a raw type number.
    pub fn from_raw(raw: u32) -> ValueType {
        match raw {
            0 => ValueType::None,
            1 => ValueType::Sz,
            2 => ValueType::ExpandSz,
            3 => ValueType::Binary,
            4 => ValueType::Dword,
            5 => ValueType::DwordBigEndian,
            6 => ValueType::Link,
            7 => ValueType::MultiSz,
            8 => ValueType::ResourceList,
            9 => ValueType::FullResourceDescriptor,
            10 => ValueType::ResourceRequirementsList,
            11 => ValueType::Qword,
            other => ValueType::Other(other),
        }
    }
}

/// One named value of a key. Its data is read on demand.
#[derive(Debug, Clone)]
pub struct Value<'a> {
    hive: Hive<'a>,
    offset: u32,
    name: String,
    raw_type: u32,
    size: u32,
    data_offset: u32,
}

impl<'a> Value<'a> {
    /// Reads the `vk` cell at a cell offset.
    pub(super) fn at(hive: Hive<'a>, offset: u32) -> Result<Value<'a>, FormatError> {
        let cell = hive.cell(offset, "value cell")?;
        let at = hive.file_offset(offset).saturating_add(4);
        if cell.get(..2) != Some(b"vk".as_slice()) {
            return Err(FormatError::BadMagic {
                offset: at,
                what: "value cell signature vk".into(),
            });
        }
        let read32 = |o: usize, what: &str| bytes::u32_le(cell, o, what).map_err(|e| rebase(e, at));
        let name_len = bytes::u16_le(cell, 2, "value name length").map_err(|e| rebase(e, at))?;
        let size = read32(4, "value data size")?;
        let data_offset = read32(8, "value data offset")?;
        let raw_type = read32(12, "value type")?;
        let flags = bytes::u16_le(cell, 16, "value flags").map_err(|e| rebase(e, at))?;
        let raw = bytes::slice(cell, 20, usize::from(name_len), "value name")
            .map_err(|e| rebase(e, at))?;
        let name = decode_name(raw, flags & VALUE_COMP_NAME != 0);
        Ok(Value {
            hive,
            offset,
            name,
            raw_type,
            size,
            data_offset,
        })
    }

    /// The value's name; `""` for the key's default value.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The data type.
    pub fn value_type(&self) -> ValueType {
        ValueType::from_raw(self.raw_type)
    }

    /// The raw data type number.
    pub fn raw_type(&self) -> u32 {
        self.raw_type
    }

    /// The cell offset of the value.
    pub fn offset(&self) -> u32 {
        self.offset
    }

    /// The raw data bytes (inline, one data cell, or concatenated big-data segments).
    pub fn data(&self) -> Result<Vec<u8>, FormatError> {
        let len = (self.size & !DATA_INLINE) as usize;
        if self.size & DATA_INLINE != 0 {
            let inline = self.data_offset.to_le_bytes();
            return inline.get(..len).map(<[u8]>::to_vec).ok_or_else(|| {
                FormatError::malformed(
                    self.hive.file_offset(self.offset),
                    format!("inline value data of {len} bytes"),
                )
            });
        }
        if len == 0 {
            return Ok(Vec::new());
        }
        let at = self.hive.file_offset(self.data_offset);
        let cell = self.hive.cell(self.data_offset, "value data")?;
        if len > BIG_DATA_SEGMENT && self.hive.minor >= 4 && cell.get(..2) == Some(b"db".as_slice())
        {
            return self.big_data(cell, at, len);
        }
        bytes::slice(cell, 0, len, "value data")
            .map(<[u8]>::to_vec)
            .map_err(|e| rebase(e, at.saturating_add(4)))
    }

    /// Joins the segments of a `db` big-data record.
    fn big_data(&self, db: &[u8], at: usize, len: usize) -> Result<Vec<u8>, FormatError> {
        let count =
            usize::from(bytes::u16_le(db, 2, "big data segment count").map_err(|e| rebase(e, at))?);
        let list_offset =
            bytes::u32_le(db, 4, "big data segment list").map_err(|e| rebase(e, at))?;
        let list = self.hive.cell(list_offset, "big data segment list")?;
        let mut out = Vec::with_capacity(len.min(self.hive.data.len()));
        for chunk in list.chunks_exact(4).take(count) {
            let remaining = len.saturating_sub(out.len());
            if remaining == 0 {
                break;
            }
            let segment = self.hive.cell(
                u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]),
                "big data segment",
            )?;
            let take = remaining.min(BIG_DATA_SEGMENT).min(segment.len());
            out.extend_from_slice(segment.get(..take).unwrap_or_default());
        }
        if out.len() < len {
            return Err(FormatError::truncated(
                at,
                format!("big data of {len} bytes has only {}", out.len()),
            ));
        }
        Ok(out)
    }

    /// The data as a string: `REG_SZ`, `REG_EXPAND_SZ` and `REG_LINK` decoded from UTF-16LE
    /// up to the first NUL. `None` for other types or unreadable data.
    pub fn as_string(&self) -> Option<String> {
        match self.value_type() {
            ValueType::Sz | ValueType::ExpandSz | ValueType::Link => {
                Some(utf16_until_nul(&self.data().ok()?))
            }
            _ => None,
        }
    }

    /// The strings of a `REG_MULTI_SZ` (a `REG_SZ` gives one string). `None` for other types.
    pub fn as_multi_string(&self) -> Option<Vec<String>> {
        match self.value_type() {
            ValueType::MultiSz => {
                let data = self.data().ok()?;
                let units: Vec<u16> = data
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect();
                Some(
                    units
                        .split(|&u| u == 0)
                        .take_while(|s| !s.is_empty())
                        .map(|s| {
                            char::decode_utf16(s.iter().copied())
                                .map(|r| r.unwrap_or('\u{fffd}'))
                                .collect()
                        })
                        .collect(),
                )
            }
            ValueType::Sz | ValueType::ExpandSz => self.as_string().map(|s| vec![s]),
            _ => None,
        }
    }

    /// The data as a number: `REG_DWORD` and `REG_DWORD_BIG_ENDIAN`. `None` otherwise.
    pub fn as_u32(&self) -> Option<u32> {
        let data = self.data().ok()?;
        let b: [u8; 4] = data.get(..4)?.try_into().ok()?;
        match self.value_type() {
            ValueType::Dword => Some(u32::from_le_bytes(b)),
            ValueType::DwordBigEndian => Some(u32::from_be_bytes(b)),
            _ => None,
        }
    }

    /// The data as a 64-bit number: `REG_QWORD`, or any DWORD type widened.
    pub fn as_u64(&self) -> Option<u64> {
        match self.value_type() {
            ValueType::Qword => {
                let data = self.data().ok()?;
                let b: [u8; 8] = data.get(..8)?.try_into().ok()?;
                Some(u64::from_le_bytes(b))
            }
            _ => self.as_u32().map(u64::from),
        }
    }
}
