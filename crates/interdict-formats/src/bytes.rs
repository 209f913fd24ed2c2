//! Bounds-checked integer and slice reads for binary formats.

use crate::FormatError;

/// Bytes `[offset, offset+len)` or a truncation error naming `what`.
pub fn slice<'a>(
    data: &'a [u8],
    offset: usize,
    len: usize,
    what: &str,
) -> Result<&'a [u8], FormatError> {
    offset
        .checked_add(len)
        .and_then(|end| data.get(offset..end))
        .ok_or_else(|| FormatError::truncated(offset, what))
}

/// Little-endian u16.
pub fn u16_le(data: &[u8], offset: usize, what: &str) -> Result<u16, FormatError> {
    let b = slice(data, offset, 2, what)?;
    Ok(u16::from_le_bytes([b[0], b[1]]))
}

/// Little-endian u32.
pub fn u32_le(data: &[u8], offset: usize, what: &str) -> Result<u32, FormatError> {
    let b = slice(data, offset, 4, what)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Big-endian u32.
pub fn u32_be(data: &[u8], offset: usize, what: &str) -> Result<u32, FormatError> {
    let b = slice(data, offset, 4, what)?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// Little-endian i32.
pub fn i32_le(data: &[u8], offset: usize, what: &str) -> Result<i32, FormatError> {
    u32_le(data, offset, what).map(|v| v as i32)
}

/// Big-endian i32.
pub fn i32_be(data: &[u8], offset: usize, what: &str) -> Result<i32, FormatError> {
    u32_be(data, offset, what).map(|v| v as i32)
}

/// Little-endian u64.
pub fn u64_le(data: &[u8], offset: usize, what: &str) -> Result<u64, FormatError> {
    let b = slice(data, offset, 8, what)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Ok(u64::from_le_bytes(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_past_the_end_are_errors_not_panics() {
        let d = [1u8, 2, 3];
        assert_eq!(u16_le(&d, 1, "x").unwrap(), 0x0302);
        assert!(u32_le(&d, 0, "x").is_err());
        assert!(slice(&d, usize::MAX, 2, "x").is_err());
    }
}
