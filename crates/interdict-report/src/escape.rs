//! Making scanned data safe to show: on a terminal ([`terminal_safe`]), in a spreadsheet
//! ([`csv_cell`]) and in HTML or SVG ([`html_text`]).
//!
//! Package fields, registry values, host names and file names come from the scanned system
//! and may be written by an attacker. Printed raw, `ESC [2J` clears the screen, `ESC ]0;…`
//! sets the window title and `ESC ]52;c;…` writes the clipboard; opened in a spreadsheet, a
//! cell `=HYPERLINK(…)` is a formula. JSON output is not escaped: its consumers get the
//! exact text.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Text with every control character written as a visible escape, for a terminal.
///
/// Escaped: C0 controls (U+0000–U+001F, ESC among them, and `\n`, `\r`, `\t`, which a
/// one-line field must not contain either), DEL (U+007F), C1 controls (U+0080–U+009F, which
/// some terminals take as CSI/OSC) and the bidirectional overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069) that make text display in another order than it is
/// stored. `\n`, `\r` and `\t` become `\n`, `\r`, `\t`; other C0 and DEL become `\x1b`
/// style; the rest `\u{9b}` style. Backslashes are kept as they are (Windows paths stay
/// readable), so the escape is for reading, not for reversing.
///
/// Apply it to each data value before it is laid out, not to the finished text: the
/// layout's own line breaks must stay.
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether [`terminal_safe`] rewrites `c`.
fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A CSV cell that a spreadsheet will not take as a formula.
///
/// OWASP's rule for CSV injection: a cell beginning with `=`, `+`, `-`, `@`, a tab or a
/// carriage return gets a leading `'`, which spreadsheets read as "this is text" and do
/// not show. Every other cell is returned unchanged; quoting of separators and quotes is
/// left to the CSV writer.
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// Text for HTML or SVG, in element content and in quoted attribute values: `&`, `<`,
/// `>`, `"` and `'` written as character references. The one escaper of the dashboard,
/// the deliverables and the evidence pack's README.
pub fn html_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_text_escapes_markup_and_both_quotes() {
        assert_eq!(
            html_text(r#"<a href="x" title='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(
            html_text("Kaspersky Endpoint Security"),
            "Kaspersky Endpoint Security"
        );
    }

    #[test]
    fn terminal_controls_are_made_visible() {
        assert_eq!(
            terminal_safe("plain Kaspersky 21.3"),
            "plain Kaspersky 21.3"
        );
        assert!(matches!(
            terminal_safe("C:\\Program Files"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            terminal_safe("a\x1b]52;c;aGk=\x07b\x1b[2J"),
            "a\\x1b]52;c;aGk=\\x07b\\x1b[2J"
        );
        assert_eq!(terminal_safe("x\ny\tz\r"), "x\\ny\\tz\\r");
        assert_eq!(terminal_safe("\u{9b}31m\u{7f}"), "\\u{9b}31m\\x7f");
        assert_eq!(terminal_safe("exe.\u{202e}txt"), "exe.\\u{202e}txt");
        assert_eq!(
            terminal_safe("Лаборатория Касперского"),
            "Лаборатория Касперского"
        );
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            let out = terminal_safe(&c.to_string()).into_owned();
            assert!(!out.chars().any(char::is_control), "{c:?} -> {out:?}");
        }
    }

    #[test]
    fn csv_formula_cells_get_a_quote() {
        for s in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_cell(s), format!("'{s}"));
        }
        for s in ["kaspersky", "", "1=1", "'already"] {
            assert_eq!(csv_cell(s), s);
        }
    }
}
