//! Renders a scan report as a readable table, JSON (the contract other tools consume) or
//! CSV (one row per piece of evidence).
//!
//! The JSON document is
//! `{"findings":[{"vendor","product","confidence","directives":[…],"evidence":[{"kind","location","name",…}]}],"errors":[…],…}`;
//! fields may be added, never renamed.
//!
//! **Boundary:** formatting only; no scanning, no matching.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

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

/// CSV: one row per evidence item of each finding.
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
            w.write_record([
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
            ])?;
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
pub fn to_table(report: &ScanReport, findings: &[Finding]) -> String {
    let mut s = String::new();
    let h = &report.host;
    let os = if h.os_name.is_empty() {
        h.platform.as_str().to_string()
    } else {
        h.os_name.clone()
    };
    let _ = writeln!(
        s,
        "interdict scan of {} ({}{}) — {} item(s) inventoried in {} ms",
        h.root,
        os,
        if h.hostname.is_empty() {
            String::new()
        } else {
            format!(", host {}", h.hostname)
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
                f.vendor,
                truncate(&f.product_name, 50),
                if f.directives.is_empty() {
                    "-".to_string()
                } else {
                    f.directives.join(", ")
                }
            );
            for e in &f.evidence {
                let at = if e.location == e.name {
                    String::new()
                } else {
                    format!("  @ {}", e.location)
                };
                let _ = writeln!(
                    s,
                    "    {:<8} {:<14} {}{at}",
                    weight_str(e.weight),
                    e.kind,
                    e.name
                );
            }
        }
    }
    if !report.errors.is_empty() {
        let _ = writeln!(s, "\n{} source(s) could not be read:", report.errors.len());
        for e in &report.errors {
            let _ = writeln!(s, "    [{}] {}: {}", e.collector, e.location, e.message);
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
