//! SPDX 2.x tag-value documents: `Tag: Value` lines, `#` comments, multi-line values
//! wrapped in `<text>…</text>`. `PackageName:` opens a package; `FileName:`,
//! `SnippetSPDXID:` and `LicenseID:` open sections whose tags are not the package's.
//! Line endings (LF, CRLF, CR) are already LF here (see [`crate::text`]).

use crate::SbomDocument;
use crate::SbomFormat;
use crate::component::clean;
use crate::error::SbomError;
use crate::spdx::{SpdxPackage, SpdxParts, SpdxRelationship, add_external_ref, build_document};

#[derive(PartialEq, Eq)]
enum Section {
    Document,
    Package,
    Other,
}

/// Reads an SPDX tag-value document.
pub(crate) fn read(text: &str, file: &str) -> Result<SbomDocument, SbomError> {
    let mut parts = SpdxParts {
        version_field: "SPDXVersion",
        ..SpdxParts::default()
    };
    let mut section = Section::Document;
    let mut lines = text.lines().enumerate();
    while let Some((index, line)) = lines.next() {
        let line_number = index + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((tag, value)) = trimmed.split_once(':') else {
            continue;
        };
        let mut value = value.trim().to_string();
        if let Some(rest) = value.strip_prefix("<text>") {
            value = read_text_block(rest, &mut lines, file, line_number)?;
        }
        match tag.trim() {
            "SPDXVersion" => parts.version = clean(Some(&value)),
            "DocumentName" => parts.name = clean(Some(&value)),
            "DocumentNamespace" => parts.namespace = clean(Some(&value)),
            "PackageName" => {
                section = Section::Package;
                parts.packages.push(SpdxPackage {
                    name: clean(Some(&value)),
                    origin: format!("PackageName at line {line_number}"),
                    ..SpdxPackage::default()
                });
            }
            "FileName" | "SnippetSPDXID" | "LicenseID" => section = Section::Other,
            "Relationship" => {
                let mut words = value.split_whitespace();
                if let (Some(element), Some(kind), Some(related)) =
                    (words.next(), words.next(), words.next())
                {
                    parts.relationships.push(SpdxRelationship {
                        element: element.to_string(),
                        kind: kind.to_string(),
                        related: related.to_string(),
                    });
                }
            }
            tag if section == Section::Package => {
                if let Some(package) = parts.packages.last_mut() {
                    apply_package_tag(package, tag, &value);
                }
            }
            _ => {}
        }
    }
    build_document(parts, file, SbomFormat::SpdxTagValue)
}

fn apply_package_tag(package: &mut SpdxPackage, tag: &str, value: &str) {
    match tag {
        "SPDXID" => package.spdx_id = clean(Some(value)),
        "PackageVersion" => package.version = clean(Some(value)),
        "PackageSupplier" => package.supplier = clean(Some(value)),
        "PackageOriginator" => package.originator = clean(Some(value)),
        "PrimaryPackagePurpose" => package.purpose = clean(Some(value)),
        "ExternalRef" => {
            // `ExternalRef: <category> <type> <locator>`
            let mut words = value.split_whitespace();
            let _category = words.next();
            let kind = words.next();
            add_external_ref(package, kind, words.next());
        }
        _ => {}
    }
}

/// Collects a `<text>` value up to its `</text>`, which may be on the first line.
fn read_text_block<'a>(
    first: &str,
    lines: &mut impl Iterator<Item = (usize, &'a str)>,
    file: &str,
    start_line: usize,
) -> Result<String, SbomError> {
    if let Some(end) = first.find("</text>") {
        return Ok(first[..end].trim().to_string());
    }
    let mut collected = first.to_string();
    for (_, line) in lines.by_ref() {
        if let Some(end) = line.find("</text>") {
            collected.push('\n');
            collected.push_str(&line[..end]);
            return Ok(collected.trim().to_string());
        }
        collected.push('\n');
        collected.push_str(line);
    }
    Err(SbomError::InvalidRecord {
        file: file.to_string(),
        line: start_line as u64,
        message: "<text> value is never closed by </text>".to_string(),
    })
}
