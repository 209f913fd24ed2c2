//! Text as real tools write it: a UTF-8 byte-order mark, UTF-16 from PowerShell's default
//! redirect (`>` writes UTF-16 LE with a BOM), and LF, CRLF or CR-only line endings.
//!
//! Every reader of this crate first turns its input into UTF-8 text with [`decode`], so
//! that the format parsers only ever see one encoding. Written by hand on purpose: the
//! standard library decodes UTF-16 (`char::decode_utf16`), and the only other work is
//! recognising the byte-order mark, which an encoding crate would not make shorter.

use std::borrow::Cow;

/// The encoding [`decode`] recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// UTF-16, little endian.
    Utf16Le,
    /// UTF-16, big endian.
    Utf16Be,
}

/// Why bytes are not text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The encoding that was tried.
    pub encoding: TextEncoding,
    /// Byte offset of the first invalid sequence.
    pub offset: usize,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self.encoding {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf16Le => "utf-16le",
            TextEncoding::Utf16Be => "utf-16be",
        };
        write!(f, "invalid {name} at byte {}", self.offset)
    }
}

/// Decodes `bytes` to text: strips a UTF-8 BOM; decodes UTF-16 LE or BE when a BOM says
/// so, or when the first bytes are ASCII interleaved with NULs (UTF-16 without a BOM).
/// Borrows when the input is already UTF-8. Line endings are left as they are (see
/// [`normalize_newlines`]).
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, DecodeError> {
    match sniff(bytes) {
        (TextEncoding::Utf8, bom) => {
            let body = &bytes[bom..];
            std::str::from_utf8(body)
                .map(Cow::Borrowed)
                .map_err(|e| DecodeError {
                    encoding: TextEncoding::Utf8,
                    offset: bom + e.valid_up_to(),
                })
        }
        (encoding, bom) => decode_utf16(&bytes[bom..], encoding, bom).map(Cow::Owned),
    }
}

/// Like [`decode`], but for inputs that must stay bytes (a parser that takes `&[u8]`):
/// UTF-8 input is returned without its BOM and without copying; UTF-16 input is
/// transcoded to UTF-8.
pub fn decode_bytes(bytes: &[u8]) -> Result<Cow<'_, [u8]>, DecodeError> {
    Ok(match decode(bytes)? {
        Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
        Cow::Owned(text) => Cow::Owned(text.into_bytes()),
    })
}

/// Turns CRLF and CR-only line endings into LF. Borrows when there is no CR.
pub fn normalize_newlines(text: &str) -> Cow<'_, str> {
    if !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The encoding of `bytes` and the length of its byte-order mark.
fn sniff(bytes: &[u8]) -> (TextEncoding, usize) {
    match bytes {
        [0xEF, 0xBB, 0xBF, ..] => (TextEncoding::Utf8, 3),
        [0xFF, 0xFE, ..] => (TextEncoding::Utf16Le, 2),
        [0xFE, 0xFF, ..] => (TextEncoding::Utf16Be, 2),
        // No BOM: ASCII text in UTF-16 has a NUL in every other byte.
        [a, 0, b, 0, ..] if *a != 0 && *b != 0 => (TextEncoding::Utf16Le, 0),
        [0, a, 0, b, ..] if *a != 0 && *b != 0 => (TextEncoding::Utf16Be, 0),
        _ => (TextEncoding::Utf8, 0),
    }
}

fn decode_utf16(body: &[u8], encoding: TextEncoding, bom: usize) -> Result<String, DecodeError> {
    let units = body.chunks_exact(2).map(|pair| match encoding {
        TextEncoding::Utf16Be => u16::from_be_bytes([pair[0], pair[1]]),
        _ => u16::from_le_bytes([pair[0], pair[1]]),
    });
    let mut out = String::with_capacity(body.len() / 2);
    for (index, unit) in char::decode_utf16(units).enumerate() {
        match unit {
            Ok(c) => out.push(c),
            Err(_) => {
                return Err(DecodeError {
                    encoding,
                    offset: bom + index * 2,
                });
            }
        }
    }
    if body.len() % 2 == 1 {
        return Err(DecodeError {
            encoding,
            offset: bom + body.len() - 1,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
        out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(decode(b"{\"a\":1}").unwrap(), "{\"a\":1}");
        assert_eq!(decode(b"\xef\xbb\xbf{\"a\":1}").unwrap(), "{\"a\":1}");
        assert!(matches!(decode(b"abc").unwrap(), Cow::Borrowed(_)));
    }

    #[test]
    fn utf16_little_and_big_endian() {
        assert_eq!(
            decode(&utf16le("Name,Version\r\n", true)).unwrap(),
            "Name,Version\r\n"
        );
        assert_eq!(
            decode(&utf16le("[{\"name\":\"kesl\"}]", false)).unwrap(),
            "[{\"name\":\"kesl\"}]"
        );
        let mut be = vec![0xFE, 0xFF];
        be.extend("Kaspersky Lab".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(&be).unwrap(), "Kaspersky Lab");
        // Non-ASCII survives.
        assert_eq!(
            decode(&utf16le("Лаборатория Касперского", true)).unwrap(),
            "Лаборатория Касперского"
        );
    }

    #[test]
    fn broken_input_names_the_offset() {
        let err = decode(b"ab\xffcd").unwrap_err();
        assert_eq!(err.offset, 2);
        assert_eq!(err.to_string(), "invalid utf-8 at byte 2");
        // A lone surrogate in UTF-16.
        let err = decode(&[0xFF, 0xFE, b'a', 0, 0x00, 0xD8, b'b', 0]).unwrap_err();
        assert_eq!(err.encoding, TextEncoding::Utf16Le);
        assert_eq!(err.offset, 4);
        // An odd byte count.
        assert!(decode(&[0xFF, 0xFE, b'a', 0, b'b']).is_err());
    }

    #[test]
    fn line_endings_become_lf() {
        assert_eq!(normalize_newlines("a\r\nb\rc\nd\r"), "a\nb\nc\nd\n");
        assert!(matches!(normalize_newlines("a\nb"), Cow::Borrowed(_)));
    }
}
