//! The text form of a file name that is not valid UTF-8.
//!
//! Inside [`Root`](super::Root) names are bytes (`OsStr`). A report needs text, and two
//! different files must never show as the same text, so the text form is escaped:
//!
//! * each byte that is not part of valid UTF-8 is written `\xHH` (two lower-case hex
//!   digits; such a byte is always `\x80` or above);
//! * a literal backslash is written `\\` where it would otherwise read as an escape — when
//!   it is followed by another backslash, by an invalid byte, or by `x` and two hex digits
//!   the first of which is `8`–`f`; elsewhere it stays as it is, so systemd names such as
//!   `dev-disk-by\x2duuid.swap` read unchanged;
//! * everything else is the name itself.
//!
//! So `status.d/kesl` + byte `0xff` shows as `status.d/kesl\xff`, and a file literally
//! named `kesl\xff` (ASCII) shows as `kesl\\xff`. The `&str`-taking methods of `Root`
//! read this form back ([`unescape`]), so an [`Entry::rel`](super::Entry::rel) can be
//! passed to them and opens the very file it came from.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

/// The escaped text form of a name or path given as bytes (see the module docs).
pub fn escape_os(name: &OsStr) -> String {
    escape_bytes(name.as_bytes())
}

/// The escaped text form of a byte string (see the module docs).
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut chunks = bytes.utf8_chunks().peekable();
    while let Some(chunk) = chunks.next() {
        let valid = chunk.valid();
        let invalid_follows = !chunk.invalid().is_empty() || chunks.peek().is_some();
        for (i, c) in valid.char_indices() {
            if c == '\\' {
                let rest = &valid.as_bytes()[i + 1..];
                let ambiguous = match rest {
                    [] => invalid_follows,
                    [b'\\', ..] => true,
                    [b'x', h, l, ..] => is_high_hex(*h) && l.is_ascii_hexdigit(),
                    _ => false,
                };
                out.push_str(if ambiguous { r"\\" } else { r"\" });
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!(r"\x{b:02x}"));
        }
    }
    out
}

/// The bytes an escaped text form stands for: `\\` is one backslash, `\xHH` with `HH`
/// from `80` to `ff` is that byte, anything else is itself.
pub fn unescape(text: &str) -> OsString {
    if !text.contains('\\') {
        return OsString::from(text);
    }
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match &b[i..] {
            [b'\\', b'\\', ..] => {
                out.push(b'\\');
                i += 2;
            }
            [b'\\', b'x', h, l, ..] if is_high_hex(*h) && l.is_ascii_hexdigit() => {
                out.push(hex_value(*h) << 4 | hex_value(*l));
                i += 4;
            }
            [c, ..] => {
                out.push(*c);
                i += 1;
            }
            [] => break,
        }
    }
    OsString::from_vec(out)
}

/// A hex digit from `8` to `f`: the high nibble of a byte that is never valid on its own.
fn is_high_hex(c: u8) -> bool {
    matches!(c, b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F')
}

fn hex_value(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(bytes: &[u8]) -> String {
        let text = escape_bytes(bytes);
        assert_eq!(unescape(&text).as_bytes(), bytes, "{text}");
        text
    }

    #[test]
    fn invalid_bytes_and_ambiguous_backslashes_are_escaped() {
        assert_eq!(round_trip(b"kesl"), "kesl");
        assert_eq!(round_trip(b"kesl\xff"), r"kesl\xff");
        assert_eq!(round_trip(b"kesl\\xff"), r"kesl\\xff");
        assert_eq!(round_trip(b"a\\\\b"), r"a\\\b");
        assert_eq!(round_trip(b"a\\\xfe"), r"a\\\xfe");
        assert_eq!(
            round_trip(b"dev-disk-by\\x2duuid.swap"),
            r"dev-disk-by\x2duuid.swap"
        );
        assert_eq!(round_trip(b"end\\"), r"end\");
        assert_eq!(round_trip("caf\u{e9}".as_bytes()), "caf\u{e9}");
        assert_eq!(round_trip(b"\xc3(\x80"), r"\xc3(\x80");
    }

    #[test]
    fn different_names_never_share_a_text_form() {
        let names: [&[u8]; 8] = [
            b"k\xff",
            b"k\\xff",
            b"k\\\xff",
            b"k\\\\xff",
            b"k\\x2d",
            b"k\\",
            b"k\\\\",
            b"k\xc3",
        ];
        let texts: std::collections::BTreeSet<String> =
            names.iter().map(|n| round_trip(n)).collect();
        assert_eq!(texts.len(), names.len(), "{texts:?}");
    }
}
