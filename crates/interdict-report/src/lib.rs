//! Renders a scan report as a readable table, JSON (the contract other tools consume) or
//! CSV (one row per piece of evidence).
//!
//! The JSON document is
//! `{"findings":[{"vendor","product","confidence","directives":[…],"evidence":[{"kind","location","name",…}]}],"errors":[…],…}`;
//! fields may be added, never renamed.
//!
//! Table output escapes control characters in every data value ([`terminal_safe`]); CSV
//! output neutralises cells a spreadsheet would run as formulas ([`csv_cell`]); JSON is
//! exact.
//!
//! **Boundary:** formatting only; no scanning, no matching.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod escape;
pub use escape::{csv_cell, terminal_safe};

use interdict_matcher::{Confidence, Finding};
use interdict_scan::ScanReport;
use serde_json::{Value, json};
use std::fmt::Write as _;

/// The version of the JSON document layout.
pub const SCHEMA_VERSION: &str = "1";

/// Keeps only findings under `directive` (when given).
pub fn filter_directive(findings: &mut Vec<Finding>, directive: Option<&str>) {
    if let Some(d) = directive {
        findings.retain(|f| f.directives.iter().any(|x| x == d));
    }
}

/// Counts of findings per confidence.
pub fn summary<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Value {
    let findings: Vec<&Finding> = findings.into_iter().collect();
    let count = |c: Confidence| findings.iter().filter(|f| f.confidence == c).count();
    json!({
        "confirmed": count(Confidence::Confirmed),
        "probable": count(Confidence::Probable),
        "possible": count(Confidence::Possible),
    })
}

/// The JSON document. `with_inventory` adds the whole normalized inventory.
pub fn to_json(report: &ScanReport, tool_version: &str, with_inventory: bool) -> Value {
    let mut doc = json!({
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "interdict", "version": tool_version},
        "host": report.host,
        "started": report.started,
        "duration_ms": report.duration_ms,
        "summary": summary(&report.findings),
        "findings": report.findings,
        "errors": report.errors,
        "collectors": report.collectors,
    });
    if with_inventory {
        doc["inventory"] = json!(report.inventory);
    }
    doc
}

/// CSV: one row per evidence item of each finding. Every cell goes through [`csv_cell`].
pub fn to_csv(findings: &[Finding]) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "vendor",
        "product",
        "product_name",
        "confidence",
        "directives",
        "evidence_kind",
        "location",
        "name",
        "weight",
        "indicator",
        "source",
    ])?;
    for f in findings {
        for e in &f.evidence {
            let row = [
                f.vendor.as_str(),
                &f.product,
                &f.product_name,
                f.confidence.as_str(),
                &f.directives.join(";"),
                &e.kind,
                &e.location,
                &e.name,
                weight_str(e.weight),
                &e.indicator,
                &e.source,
            ];
            w.write_record(row.map(csv_cell).iter().map(|c| c.as_bytes()))?;
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn weight_str(w: interdict_matcher::Weight) -> &'static str {
    match w {
        interdict_matcher::Weight::Strong => "strong",
        interdict_matcher::Weight::Weak => "weak",
        interdict_matcher::Weight::Leftover => "leftover",
    }
}

/// A readable report: a header, one block per finding with its evidence, then errors.
/// Every value taken from the scanned system goes through [`terminal_safe`].
pub fn to_table(report: &ScanReport, findings: &[Finding]) -> String {
    let t = terminal_safe;
    let mut s = String::new();
    let h = &report.host;
    let os = if h.os_name.is_empty() {
        h.platform.as_str()
    } else {
        h.os_name.as_str()
    };
    let _ = writeln!(
        s,
        "interdict scan of {} ({}{}) — {} item(s) inventoried in {} ms",
        t(&h.root),
        t(os),
        if h.hostname.is_empty() {
            String::new()
        } else {
            format!(", host {}", t(&h.hostname))
        },
        report.inventory.len(),
        report.duration_ms
    );
    if findings.is_empty() {
        let _ = writeln!(s, "\nNo covered product found.");
    } else {
        let _ = writeln!(
            s,
            "\n{:<10} {:<11} {:<50} DIRECTIVES",
            "CONFIDENCE", "VENDOR", "PRODUCT"
        );
        // Most serious first for a reader; JSON and CSV keep the stable product order.
        let mut ordered: Vec<&Finding> = findings.iter().collect();
        ordered.sort_by(|a, b| {
            b.confidence
                .cmp(&a.confidence)
                .then_with(|| a.product.cmp(&b.product))
        });
        for f in ordered {
            let _ = writeln!(
                s,
                "{:<10} {:<11} {:<50} {}",
                f.confidence.as_str(),
                t(&f.vendor),
                truncate(&t(&f.product_name), 50),
                if f.directives.is_empty() {
                    "-".to_string()
                } else {
                    t(&f.directives.join(", ")).into_owned()
                }
            );
            for e in &f.evidence {
                let at = if e.location == e.name {
                    String::new()
                } else {
                    format!("  @ {}", t(&e.location))
                };
                let _ = writeln!(
                    s,
                    "    {:<8} {:<14} {}{at}",
                    weight_str(e.weight),
                    t(&e.kind),
                    t(&e.name)
                );
            }
        }
    }
    if !report.errors.is_empty() {
        let _ = writeln!(s, "\n{} source(s) could not be read:", report.errors.len());
        for e in &report.errors {
            let _ = writeln!(
                s,
                "    [{}] {}: {}",
                t(&e.collector),
                t(&e.location),
                t(&e.message)
            );
        }
    }
    s
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}
