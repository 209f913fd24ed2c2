//! Pure readers that turn SBOMs and existing inventory exports into inventory artifacts.
//!
//! * [`read_sbom`] reads one CycloneDX (JSON 1.2–1.7, XML 1.0–1.7), SPDX 2.x (JSON or
//!   tag-value) or SPDX 3.0 (JSON-LD) document, detecting the format from the bytes, into
//!   an [`SbomDocument`]
//!   whose components are [`ArtifactKind::SbomComponent`] artifacts. Nesting is kept:
//!   every artifact carries its `component-path` (names from the top component down,
//!   joined by ` > `), its `depth` (0 for the top component) and `embedded` (`true` from
//!   depth 1 on), so a banned vendor's engine buried inside another product is still
//!   attributed. Which vendor a component belongs to is the matcher's business.
//! * [`import_osquery`] and [`import_csv`] read inventories exported by other tools
//!   (osquery, SCCM and similar CSV exports) into `(host, artifact)` pairs.
//! * [`to_cyclonedx_json`] writes artifacts back out as a CycloneDX 1.6 JSON SBOM.
//!
//! Every reader works on bytes plus a file name used in messages; none touches the file
//! system, none panics on bad input, and one call reads one file, so a caller looping
//! over files records an [`SbomError`] for a bad one and goes on.
//!
//! SBOMs are read as the wild sends them: a UTF-8 byte-order mark, UTF-16 (LE or BE,
//! PowerShell's `>`), LF, CRLF or CR-only line endings (all through [`text`]); `null`
//! wherever a value or a list may stand. A component that is malformed or has no name is
//! skipped with a warning in [`SbomDocument::warnings`] and every other component is
//! kept (see [`UNNAMED`] for what happens to the nested components of a nameless one).
//!
//! **Boundary:** depends on `interdict-inventory` only among the workspace crates.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod component;
mod csv_import;
mod cyclonedx_json;
mod cyclonedx_xml;
mod error;
mod export;
mod lenient;
mod osquery;
mod spdx;
mod spdx3;
mod spdx_tag_value;
pub mod text;

pub use component::{PATH_SEPARATOR, UNNAMED};
pub use csv_import::{CSV_COLLECTOR, CsvMapping, ZERO_DEVICE_ROWS, import_csv};
pub use cyclonedx_json::CYCLONEDX_COLLECTOR;
pub use error::SbomError;
pub use export::to_cyclonedx_json;
pub use osquery::{OSQUERY_COLLECTOR, OsqueryTable, import_osquery};
pub use spdx::SPDX_COLLECTOR;

use interdict_inventory::{Artifact, ArtifactKind};
use serde::{Serialize, Serializer};
use std::borrow::Cow;

/// The SBOM formats this crate reads. Serializes as [`SbomFormat::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SbomFormat {
    /// CycloneDX, JSON encoding.
    CycloneDxJson,
    /// CycloneDX, XML encoding.
    CycloneDxXml,
    /// SPDX 2.x, JSON encoding.
    SpdxJson,
    /// SPDX 2.x, tag-value encoding.
    SpdxTagValue,
    /// SPDX 3.0, JSON-LD serialization (`@context` + `@graph`).
    Spdx3JsonLd,
}

impl SbomFormat {
    /// Every format, in the order of this enum.
    pub const ALL: [SbomFormat; 5] = [
        SbomFormat::CycloneDxJson,
        SbomFormat::CycloneDxXml,
        SbomFormat::SpdxJson,
        SbomFormat::SpdxTagValue,
        SbomFormat::Spdx3JsonLd,
    ];

    /// The stable, documented name: `cyclonedx-json`, `cyclonedx-xml`, `spdx-json`,
    /// `spdx-tag-value`, `spdx3-jsonld`.
    pub fn as_str(self) -> &'static str {
        match self {
            SbomFormat::CycloneDxJson => "cyclonedx-json",
            SbomFormat::CycloneDxXml => "cyclonedx-xml",
            SbomFormat::SpdxJson => "spdx-json",
            SbomFormat::SpdxTagValue => "spdx-tag-value",
            SbomFormat::Spdx3JsonLd => "spdx3-jsonld",
        }
    }
}

// By hand, not `rename_all`: serde's kebab-case of `CycloneDxJson` is `cyclone-dx-json`,
// and the name in reports must be the documented one.
impl Serialize for SbomFormat {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One SBOM document, summarized, with its components as artifacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SbomDocument {
    /// The format read.
    pub format: SbomFormat,
    /// The specification version declared: `1.6` for CycloneDX, `2.3` or `3.0.1` for SPDX.
    pub spec_version: String,
    /// CycloneDX `serialNumber`, SPDX 2 `documentNamespace`, or the SPDX 3 document's
    /// `spdxId`.
    pub serial_number: Option<String>,
    /// CycloneDX metadata component name, or SPDX document name.
    pub name: Option<String>,
    /// Every component, parents before their children, as
    /// [`ArtifactKind::SbomComponent`] artifacts.
    pub components: Vec<Artifact>,
    /// Components skipped because they were malformed or had no name, each a
    /// [`SbomError::SkippedComponent`] naming the file and where the component was. The
    /// document itself was read; serialized as the messages.
    #[serde(serialize_with = "lenient::messages")]
    pub warnings: Vec<SbomError>,
}

/// How much of the start of a document [`detect_format`] looks at.
const DETECT_HEAD: usize = 64 * 1024;

/// Detects the SBOM format of `bytes` without fully parsing it; `None` when it is none of
/// the formats read here. UTF-8 (with or without a BOM) and UTF-16 are both recognised.
pub fn detect_format(bytes: &[u8]) -> Option<SbomFormat> {
    let head = &bytes[..bytes.len().min(DETECT_HEAD)];
    let text = match text::decode(head) {
        Ok(text) => text,
        // Cut inside a character, or broken further on: what comes before still tells.
        Err(error) => text::decode(&head[..error.offset.min(head.len())]).ok()?,
    };
    detect_text(&text)
}

/// [`detect_format`] on decoded text.
fn detect_text(text: &str) -> Option<SbomFormat> {
    let head = match text.char_indices().nth(DETECT_HEAD) {
        Some((end, _)) => &text[..end],
        None => text,
    };
    let head = head.trim_start();
    match head.as_bytes().first()? {
        b'{' => {
            if head.contains("\"spdxVersion\"") {
                Some(SbomFormat::SpdxJson)
            } else if head.contains("\"@context\"") && head.contains("spdx.org/rdf/3") {
                Some(SbomFormat::Spdx3JsonLd)
            } else if head.contains("\"bomFormat\"") || head.contains("\"specVersion\"") {
                Some(SbomFormat::CycloneDxJson)
            } else if head.contains("\"SPDXID\"") {
                Some(SbomFormat::SpdxJson)
            } else if head.contains("\"@graph\"") && head.contains("\"spdxId\"") {
                Some(SbomFormat::Spdx3JsonLd)
            } else {
                // Fields may come late in a large document; CycloneDX is the common case.
                Some(SbomFormat::CycloneDxJson)
            }
        }
        b'<' => Some(SbomFormat::CycloneDxXml),
        _ if head.contains("SPDXVersion:") || head.contains("PackageName:") => {
            Some(SbomFormat::SpdxTagValue)
        }
        _ => None,
    }
}

/// Reads one SBOM of any supported format. `file` names the input in messages and in
/// every artifact's location (`<file>#<component path>`).
pub fn read_sbom(bytes: &[u8], file: &str) -> Result<SbomDocument, SbomError> {
    let text = decode(bytes, file)?;
    match detect_text(&text) {
        Some(format) => read_text_as(&text, file, format),
        None => Err(SbomError::UnknownFormat {
            file: file.to_string(),
            message: "expected cyclonedx json or xml, spdx json or tag-value, or spdx 3 json-ld"
                .to_string(),
        }),
    }
}

/// Reads one SBOM in the given format, skipping detection.
pub fn read_sbom_as(
    bytes: &[u8],
    file: &str,
    format: SbomFormat,
) -> Result<SbomDocument, SbomError> {
    read_text_as(&decode(bytes, file)?, file, format)
}

/// The bytes as UTF-8 text with LF line endings, whatever the encoding and line endings
/// they came in.
fn decode<'b>(bytes: &'b [u8], file: &str) -> Result<Cow<'b, str>, SbomError> {
    let text = text::decode(bytes).map_err(|error| SbomError::InvalidEncoding {
        file: file.to_string(),
        message: error.to_string(),
    })?;
    Ok(match text {
        Cow::Borrowed(text) => text::normalize_newlines(text),
        Cow::Owned(text) => match text::normalize_newlines(&text) {
            Cow::Borrowed(_) => Cow::Owned(text),
            Cow::Owned(normalized) => Cow::Owned(normalized),
        },
    })
}

fn read_text_as(text: &str, file: &str, format: SbomFormat) -> Result<SbomDocument, SbomError> {
    match format {
        SbomFormat::CycloneDxJson => cyclonedx_json::read(text, file),
        SbomFormat::CycloneDxXml => cyclonedx_xml::read(text, file),
        SbomFormat::SpdxJson => spdx::read_json(text, file),
        SbomFormat::SpdxTagValue => spdx_tag_value::read(text, file),
        SbomFormat::Spdx3JsonLd => spdx3::read(text, file),
    }
}

/// The artifact kinds [`to_cyclonedx_json`] exports.
pub const EXPORTED_KINDS: &[ArtifactKind] = &[
    ArtifactKind::Package,
    ArtifactKind::Bundle,
    ArtifactKind::Extension,
    ArtifactKind::KernelModule,
    ArtifactKind::Driver,
    ArtifactKind::Service,
    ArtifactKind::Certificate,
];

/// What an inventory import yields: `(host, artifact)` pairs, and the records that could
/// not be used, each naming its line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct InventoryImport {
    /// Imported items with the host each belongs to.
    pub artifacts: Vec<(String, Artifact)>,
    /// Records skipped, with why.
    pub errors: Vec<SbomError>,
    /// Rows left out on purpose because they hold no inventory (an osquery results log's
    /// `os_version` or `schedule` queries), counted per query name.
    pub skipped: std::collections::BTreeMap<String, usize>,
}

impl InventoryImport {
    /// Records one outcome.
    fn push(&mut self, outcome: Result<(String, Artifact), SbomError>) {
        match outcome {
            Ok(item) => self.artifacts.push(item),
            Err(error) => self.errors.push(error),
        }
    }
}
