//! YARA rules: an executable (PE, ELF, Mach-O) naming a covered vendor as its company
//! or signer.

use super::{Covered, PolicyFormat};
use std::collections::BTreeSet;
use std::fmt::Write;

/// `s` as the inside of a YARA text string: `\` and `"` escaped, anything outside
/// printable ASCII as `\xHH` bytes of its UTF-8.
pub(crate) fn yara_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

/// A rule identifier from an id: letters, digits and `_`.
fn ident(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The rules: per covered vendor, its legal names (company field, ASCII and UTF-16) and
/// signer organisations, in an executable file.
pub(super) fn rules(c: &Covered) -> String {
    let mut s = String::new();
    for line in c.banner(PolicyFormat::Yara) {
        let _ = writeln!(s, "// {line}");
    }
    for v in &c.vendors {
        let mut names: BTreeSet<String> = v.legal_names.iter().cloned().collect();
        names.extend(
            v.signer_subjects
                .iter()
                .filter_map(|s| s.strip_prefix("O="))
                .map(str::to_string),
        );
        names.retain(|n| n.trim().len() >= 6);
        if names.is_empty() {
            continue;
        }
        let _ = writeln!(
            s,
            "\nrule interdict_{}_{}\n{{\n    meta:\n        description = \"{} software (company or signer name in an executable)\"\n        directive = \"{}\"\n        catalog_version = \"{}\"\n        generated = \"{}\"\n    strings:",
            ident(&c.directive.id),
            ident(&v.id),
            yara_text(&v.name),
            yara_text(&c.directive.id),
            yara_text(c.catalog_version),
            yara_text(&c.generated),
        );
        for (n, name) in names.iter().enumerate() {
            let _ = writeln!(
                s,
                "        $n{n} = \"{}\" ascii wide nocase",
                yara_text(name)
            );
        }
        s += "    condition:\n        (uint16(0) == 0x5A4D or uint32(0) == 0x464C457F or uint32(0) == 0xFEEDFACF or uint32(0) == 0xCFFAEDFE or uint32(0) == 0xBEBAFECA) and any of them\n}\n";
    }
    s
}
