//! The output vocabulary of interdict, and the one document every command writes.
//!
//! * [`Finding`], [`Evidence`], [`Confidence`], [`Weight`], [`Distribution`] and
//!   [`IndicatorKind`]: what the matcher concludes about one product on one host.
//! * [`Host`] and [`host_id`]: the identity a fleet deduplicates hosts on.
//! * [`Report`]: the versioned document of a scan, an SBOM check or an import —
//!   `schema_version`, the tool, the source kind, the catalog's version and digest,
//!   start and finish timestamps, findings, errors, and the host (scans) or hosts
//!   (imports). It is written by `interdict scan|sbom|import`, read back by the server,
//!   the deliverables and the evidence pack, and described by the JSON Schema
//!   [`report_schema`] (committed as `docs/report.schema.json`).
//!
//! * [`FindingState`]: where a finding is in its lifecycle (the store, the API and the
//!   deliverables share it; with the `openapi` feature it is also a utoipa schema).
//! * [`audit`]: the audit chain's entry hash and the offline check of a chain segment,
//!   shared by the store and the evidence pack.
//!
//! Compatibility: within a major `schema_version`, fields are only added; a reader keeps a
//! newer minor version's unknown fields ([`Report::extra`]) and refuses another major.
//!
//! **Boundary:** a leaf of the output side: depends on `interdict-inventory` (the
//! artifacts a report may carry) and on serde, jiff, schemars and sha2 only. The catalog, the
//! matcher, the scan, the store and the server all speak this crate's types.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod audit;
mod finding;
mod host;
mod lifecycle;
mod report;

pub use finding::{Confidence, Distribution, Evidence, Finding, IndicatorKind, Weight};
pub use host::{Host, IDENTIFIER_PRECEDENCE, Os, host_id};
pub use lifecycle::FindingState;
pub use report::{
    CatalogStamp, CollectorStats, Document, ProductCount, Report, ReportError, SCHEMA_MAJOR,
    SCHEMA_VERSION, SourceKind, Summary, Tool, now_millis, product_counts, report_schema,
};
