//! Pure readers that turn SBOMs and existing inventory exports into inventory artifacts.
//!
//! * [`read_sbom`] reads one CycloneDX (JSON 1.2–1.7, XML 1.0–1.7) or SPDX 2.x (JSON or
//!   tag-value) document, detecting the format from the bytes, into an [`SbomDocument`]
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
//! **Boundary:** depends on `interdict-inventory` only among the workspace crates.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod component;
mod csv_import;
mod cyclonedx_json;
mod cyclonedx_xml;
mod error;
mod export;
mod osquery;
mod spdx;
mod spdx_tag_value;
pub mod text;

pub use component::PATH_SEPARATOR;
pub use csv_import::{CSV_COLLECTOR, CsvMapping, ZERO_DEVICE_ROWS, import_csv};
pub use cyclonedx_json::CYCLONEDX_COLLECTOR;
pub use error::SbomError;
pub use export::to_cyclonedx_json;
pub use osquery::{OSQUERY_COLLECTOR, OsqueryTable, import_osquery};
pub use spdx::SPDX_COLLECTOR;

use interdict_inventory::{Artifact, ArtifactKind};
use serde::Serialize;

/// The SBOM formats this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SbomFormat {
    /// CycloneDX, JSON encoding.
    CycloneDxJson,
    /// CycloneDX, XML encoding.
    CycloneDxXml,
    /// SPDX 2.x, JSON encoding.
    SpdxJson,
    /// SPDX 2.x, tag-value encoding.
    SpdxTagValue,
}

impl SbomFormat {
    /// The stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            SbomFormat::CycloneDxJson => "cyclonedx-json",
            SbomFormat::CycloneDxXml => "cyclonedx-xml",
            SbomFormat::SpdxJson => "spdx-json",
            SbomFormat::SpdxTagValue => "spdx-tag-value",
        }
    }
}

/// One SBOM document, summarized, with its components as artifacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SbomDocument {
    /// The format read.
    pub format: SbomFormat,
    /// The specification version declared: `1.6` for CycloneDX, `2.3` for SPDX.
    pub spec_version: String,
    /// CycloneDX `serialNumber`, or SPDX `documentNamespace`.
    pub serial_number: Option<String>,
    /// CycloneDX metadata component name, or SPDX document name.
    pub name: Option<String>,
    /// Every component, parents before their children, as
    /// [`ArtifactKind::SbomComponent`] artifacts.
    pub components: Vec<Artifact>,
}

/// Detects the SBOM format of `bytes` without fully parsing it; `None` when it is none of
/// the formats read here.
pub fn detect_format(bytes: &[u8]) -> Option<SbomFormat> {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let head = head
        .strip_prefix(b"\xef\xbb\xbf".as_slice())
        .unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let head_text = String::from_utf8_lossy(&head[start..]);
    match head[start] {
        b'{' => {
            if head_text.contains("\"spdxVersion\"") {
                Some(SbomFormat::SpdxJson)
            } else if head_text.contains("\"bomFormat\"") || head_text.contains("\"specVersion\"") {
                Some(SbomFormat::CycloneDxJson)
            } else if head_text.contains("\"SPDXID\"") {
                Some(SbomFormat::SpdxJson)
            } else {
                // Fields may come late in a large document; CycloneDX is the common case.
                Some(SbomFormat::CycloneDxJson)
            }
        }
        b'<' => Some(SbomFormat::CycloneDxXml),
        _ if head_text.contains("SPDXVersion:") || head_text.contains("PackageName:") => {
            Some(SbomFormat::SpdxTagValue)
        }
        _ => None,
    }
}

/// Reads one SBOM of any supported format. `file` names the input in messages and in
/// every artifact's location (`<file>#<component path>`).
pub fn read_sbom(bytes: &[u8], file: &str) -> Result<SbomDocument, SbomError> {
    match detect_format(bytes) {
        Some(format) => read_sbom_as(bytes, file, format),
        None => Err(SbomError::UnknownFormat {
            file: file.to_string(),
            message: "expected cyclonedx json or xml, or spdx json or tag-value".to_string(),
        }),
    }
}

/// Reads one SBOM in the given format, skipping detection.
pub fn read_sbom_as(
    bytes: &[u8],
    file: &str,
    format: SbomFormat,
) -> Result<SbomDocument, SbomError> {
    match format {
        SbomFormat::CycloneDxJson => cyclonedx_json::read(bytes, file),
        SbomFormat::CycloneDxXml => cyclonedx_xml::read(bytes, file),
        SbomFormat::SpdxJson => spdx::read_json(bytes, file),
        SbomFormat::SpdxTagValue => spdx_tag_value::read(bytes, file),
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
