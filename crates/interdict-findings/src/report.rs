//! The report document: what `interdict scan`, `sbom` and `import` write, and what the
//! server, the deliverables and the evidence pack read back.

use crate::finding::{Confidence, Finding};
use crate::host::Host;
use interdict_inventory::{Artifact, CollectError};
use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The document layout version this crate writes: `MAJOR.MINOR`. A reader accepts every
/// minor version of its major version (fields are only ever added within a major) and
/// keeps fields it does not know in [`Report::extra`].
pub const SCHEMA_VERSION: &str = "1.2";

/// The major version this crate reads.
pub const SCHEMA_MAJOR: u32 = 1;

/// What produced a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// A scan of a live host or an offline root (`interdict scan`).
    Scan,
    /// SBOM documents (`interdict sbom`).
    Sbom,
    /// Inventories exported by other tools (`interdict import`).
    Import,
}

impl SourceKind {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Scan => "scan",
            SourceKind::Sbom => "sbom",
            SourceKind::Import => "import",
        }
    }
}

/// The tool that wrote the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Tool {
    /// Always `interdict` for documents this crate writes.
    pub name: String,
    /// The tool's version.
    pub version: String,
}

/// Which catalog the findings were computed with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CatalogStamp {
    /// The bundled catalog's version.
    pub version: String,
    /// `sha256:<hex>` over every catalog file actually loaded (bundled and user files, by
    /// name and content), so two reports with the same digest used the same catalog.
    pub digest: String,
}

/// Counts of findings per confidence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Confirmed findings.
    pub confirmed: usize,
    /// Probable findings.
    pub probable: usize,
    /// Possible findings.
    pub possible: usize,
}

impl Summary {
    /// Counts `findings` by confidence.
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Summary {
        let mut s = Summary::default();
        for f in findings {
            match f.confidence {
                Confidence::Confirmed => s.confirmed += 1,
                Confidence::Probable => s.probable += 1,
                Confidence::Possible => s.possible += 1,
            }
        }
        s
    }
}

/// Per-collector counts and timing of a scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CollectorStats {
    /// Collector id.
    pub id: String,
    /// Items found.
    pub items: usize,
    /// Errors met.
    pub errors: usize,
    /// Wall time in milliseconds.
    pub millis: u64,
}

/// One SBOM read by `interdict sbom`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Document {
    /// The file as given.
    pub file: String,
    /// Format name (`cyclonedx-json`, `spdx-json`, …).
    pub format: String,
    /// Specification version the document declares.
    pub spec_version: String,
    /// Document or top component name.
    #[serde(default)]
    pub name: Option<String>,
    /// CycloneDX serial number or SPDX namespace.
    #[serde(default)]
    pub serial_number: Option<String>,
    /// Components read.
    pub components: usize,
    /// Components skipped with a warning (nameless or malformed).
    #[serde(default)]
    pub warnings: usize,
}

/// How many endpoints (hosts, or SBOM documents) have one product: the day-30 count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProductCount {
    /// Product id.
    pub product: String,
    /// Product name.
    pub product_name: String,
    /// Endpoints with the product: one per host or document, and for an aggregated
    /// inventory row (an Intune or Tanium count) the devices it stands for.
    pub count: usize,
    /// The same number, under the name the fleet API uses.
    pub endpoints: usize,
    /// SBOM reports: the documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<String>>,
    /// Import reports: the host names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosts: Option<Vec<String>>,
}

/// The document every `scan`, `sbom` and `import` writes. Field order is the JSON order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// Layout version, `MAJOR.MINOR` ([`SCHEMA_VERSION`]).
    pub schema_version: String,
    /// A unique id of this report (UUID), so a retried upload is recognised.
    pub id: String,
    /// The tool that wrote it.
    pub tool: Tool,
    /// What produced it.
    pub source: SourceKind,
    /// The catalog the findings were computed with.
    pub catalog: CatalogStamp,
    /// When the work started.
    pub started: Timestamp,
    /// When it finished.
    pub finished: Timestamp,
    /// Wall time in milliseconds.
    #[serde(default)]
    pub duration_ms: u64,
    /// Scans: the host scanned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<Host>,
    /// Imports: every host the inventories name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosts: Option<Vec<Host>>,
    /// Imports: how many hosts (the 1.0 field; same as `hosts.len()`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosts_seen: Option<usize>,
    /// Imports: rows of osquery queries that hold no inventory, by query name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<BTreeMap<String, usize>>,
    /// SBOM reports: the documents read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<Document>>,
    /// Findings per confidence.
    pub summary: Summary,
    /// Products found.
    pub findings: Vec<Finding>,
    /// SBOM and import reports: endpoints per product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub products: Option<Vec<ProductCount>>,
    /// Sources that could not be read, and records skipped with why.
    pub errors: Vec<CollectError>,
    /// Scans: per-collector counts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collectors: Vec<CollectorStats>,
    /// The whole normalized inventory (scans with `--inventory`, agent uploads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<Vec<Artifact>>,
    /// Fields of a newer minor version, kept as they were so a round trip loses nothing.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// Why bytes are not a report document this crate can read.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Not JSON, or not the report's shape.
    #[error("{file}: not a report document: {message}")]
    Invalid {
        /// The file name given by the caller.
        file: String,
        /// What the parser said (with line and column).
        message: String,
    },
    /// A layout of another major version.
    #[error(
        "{file}: unsupported report schema_version {found:?} (this interdict reads {SCHEMA_MAJOR}.x)"
    )]
    UnsupportedVersion {
        /// The file name given by the caller.
        file: String,
        /// The version found.
        found: String,
    },
}

impl Report {
    /// An empty report of `source`, written by interdict `tool_version` with `catalog`,
    /// started at `started`: a fresh id, no host, no findings. The producer fills in the
    /// rest and sets `finished`.
    pub fn new(
        source: SourceKind,
        tool_version: &str,
        catalog: CatalogStamp,
        started: Timestamp,
        id: String,
    ) -> Report {
        Report {
            schema_version: SCHEMA_VERSION.to_string(),
            id,
            tool: Tool {
                name: "interdict".to_string(),
                version: tool_version.to_string(),
            },
            source,
            catalog,
            started,
            finished: started,
            duration_ms: 0,
            host: None,
            hosts: None,
            hosts_seen: None,
            skipped: None,
            documents: None,
            summary: Summary::default(),
            findings: Vec::new(),
            products: None,
            errors: Vec::new(),
            collectors: Vec::new(),
            inventory: None,
            extra: BTreeMap::new(),
        }
    }

    /// Sets `finished` to `now` and `duration_ms` from `started`, and recounts `summary`.
    pub fn finish(&mut self, now: Timestamp) {
        self.finished = now;
        self.duration_ms = u64::try_from(now.duration_since(self.started).as_millis()).unwrap_or(0);
        self.summary = Summary::of(&self.findings);
    }

    /// Reads a report document; `file` names the input in errors. A document of a newer
    /// minor version parses, its unknown fields kept in [`Report::extra`]; another major
    /// version is refused.
    pub fn from_json(bytes: &[u8], file: &str) -> Result<Report, ReportError> {
        let report: Report = serde_json::from_slice(bytes).map_err(|e| ReportError::Invalid {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        let major = report
            .schema_version
            .split('.')
            .next()
            .and_then(|m| m.trim().parse::<u32>().ok());
        if major != Some(SCHEMA_MAJOR) {
            return Err(ReportError::UnsupportedVersion {
                file: file.to_string(),
                found: report.schema_version,
            });
        }
        Ok(report)
    }

    /// Every host the report covers: the scanned host, or the imported ones.
    pub fn all_hosts(&self) -> Vec<&Host> {
        self.host
            .iter()
            .chain(self.hosts.iter().flatten())
            .collect()
    }
}

/// The current time to the millisecond, as reports record `started` and `finished`.
pub fn now_millis() -> Timestamp {
    let now = Timestamp::now();
    now.round(jiff::Unit::Millisecond).unwrap_or(now)
}

/// The JSON Schema of [`Report`] (draft 2020-12), as committed in `docs/report.schema.json`.
pub fn report_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(Report)).unwrap_or(Value::Null)
}

/// Endpoints per product over `units` — each a host name or document file with its
/// findings — sorted by product id. `source` says whether the units are hosts (imports)
/// or documents (SBOMs). A unit counts once per product; `weight` may make it count for
/// more endpoints (an aggregated inventory row standing for several devices).
pub fn product_counts<'a>(
    units: impl IntoIterator<Item = (&'a str, &'a [Finding])>,
    source: SourceKind,
    weight: impl Fn(&str, &Finding) -> usize,
) -> Vec<ProductCount> {
    let mut per: BTreeMap<&str, ProductCount> = BTreeMap::new();
    for (label, findings) in units {
        for f in findings {
            let slot = per
                .entry(f.product.as_str())
                .or_insert_with(|| ProductCount {
                    product: f.product.clone(),
                    product_name: f.product_name.clone(),
                    count: 0,
                    endpoints: 0,
                    documents: (source == SourceKind::Sbom).then(Vec::new),
                    hosts: (source != SourceKind::Sbom).then(Vec::new),
                });
            let endpoints = weight(label, f).max(1);
            slot.count += endpoints;
            slot.endpoints += endpoints;
            if let Some(list) = slot.documents.as_mut().or(slot.hosts.as_mut()) {
                list.push(label.to_string());
            }
        }
    }
    per.into_values().collect()
}
