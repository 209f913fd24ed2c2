//! Renders a report document ([`interdict_findings::Report`]) as a readable table, JSON
//! (the contract other tools consume) or CSV (one row per piece of evidence).
//!
//! The JSON is the report document itself: `schema_version`, `tool`, `source`,
//! `catalog`, `started`, `finished`, `findings`, `errors`, and the `host` of a scan or
//! the `hosts` of an import; fields may be added, never renamed. The committed JSON Schema
//! is `docs/report.schema.json`.
//!
//! Table output escapes control characters in every data value ([`terminal_safe`]); CSV
//! output neutralises cells a spreadsheet would run as formulas ([`csv_cell`]); JSON is
//! exact.
//!
//! **Boundary:** formatting only; no scanning, no matching. Depends on the output
//! vocabulary (`interdict-findings`) alone, so the CLI, the server and the deliverables
//! render the same documents the same way.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod csv_out;
mod escape;
mod table;

pub use csv_out::to_csv;
pub use escape::{csv_cell, html_text, terminal_safe};
pub use table::to_table;

use interdict_findings::{Report, Summary};

/// The report as pretty JSON, with a final newline.
pub fn to_json(report: &Report) -> Result<String, serde_json::Error> {
    Ok(serde_json::to_string_pretty(report)? + "\n")
}

/// Keeps only findings under `directive` (when given) and recounts the summary. Products
/// with no finding left are dropped; SBOM and import reports should be built from
/// already-filtered findings (as `interdict sbom|import --directive` does), since a
/// product's endpoint count is per unit and a directive may cover a product on one unit
/// (branded) and not on another (embedded).
pub fn filter_directive(report: &mut Report, directive: Option<&str>) {
    let Some(d) = directive else { return };
    report
        .findings
        .retain(|f| f.directives.iter().any(|x| x == d));
    report.summary = Summary::of(&report.findings);
    if let Some(products) = report.products.as_mut() {
        products.retain(|p| report.findings.iter().any(|f| f.product == p.product));
    }
}
