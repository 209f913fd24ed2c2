//! The readable table: for a scan, a header and one block per finding; for an SBOM check
//! or an import, one block per document or host and the endpoint counts per product.
//! Every value taken from scanned data goes through [`terminal_safe`].

use crate::escape::terminal_safe as t;
use interdict_findings::{Finding, Report, SourceKind};
use std::fmt::Write as _;

/// A readable report.
pub fn to_table(report: &Report) -> String {
    let mut s = match report.source {
        SourceKind::Scan => scan_table(report),
        SourceKind::Sbom | SourceKind::Import => units_table(report),
    };
    errors(&mut s, report);
    s
}

fn scan_table(report: &Report) -> String {
    let mut s = String::new();
    let items = report
        .inventory
        .as_ref()
        .map_or_else(|| report.collectors.iter().map(|c| c.items).sum(), Vec::len);
    let (root, os, name) = report.host.as_ref().map_or(("", "", ""), |h| {
        let os = if h.os.name.is_empty() {
            h.os.platform.map_or("", |p| p.as_str())
        } else {
            h.os.name.as_str()
        };
        (h.root.as_deref().unwrap_or_default(), os, h.name.as_str())
    });
    let _ = writeln!(
        s,
        "interdict scan of {} ({}{}) — {items} item(s) inventoried in {} ms",
        t(root),
        t(os),
        if name.is_empty() {
            String::new()
        } else {
            format!(", host {}", t(name))
        },
        report.duration_ms
    );
    if report.findings.is_empty() {
        let _ = writeln!(s, "\nNo covered product found.");
        return s;
    }
    let _ = writeln!(
        s,
        "\n{:<10} {:<11} {:<50} DIRECTIVES",
        "CONFIDENCE", "VENDOR", "PRODUCT"
    );
    // Most serious first for a reader; JSON and CSV keep the stable product order.
    let mut ordered: Vec<&Finding> = report.findings.iter().collect();
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
                e.weight.as_str(),
                t(&e.kind),
                t(&e.name)
            );
        }
    }
    s
}

/// SBOM and import reports: findings grouped by document or host, then the counts.
fn units_table(report: &Report) -> String {
    let mut s = String::new();
    let (unit_key, labels): (&str, Vec<String>) = if report.source == SourceKind::Sbom {
        let docs = report.documents.iter().flatten();
        ("document", docs.map(|d| d.file.clone()).collect())
    } else {
        let hosts = report.hosts.iter().flatten();
        ("host", hosts.map(|h| h.name.clone()).collect())
    };
    for label in &labels {
        let findings: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.document.as_deref().or(f.host.as_deref()) == Some(label.as_str()))
            .collect();
        let _ = writeln!(s, "{unit_key} {}: {} finding(s)", t(label), findings.len());
        for f in findings {
            let _ = writeln!(
                s,
                "  {:<10} {:<32} {}",
                f.confidence.as_str(),
                t(&f.product),
                t(&f.directives.join(", "))
            );
            for e in &f.evidence {
                let _ = writeln!(
                    s,
                    "      {} {}  @ {}",
                    t(&e.kind),
                    t(&e.name),
                    t(&e.location)
                );
            }
        }
    }
    let _ = writeln!(s, "\nPRODUCT                           COUNT");
    for p in report.products.iter().flatten() {
        let _ = writeln!(s, "  {:<32} {}", t(&p.product), p.count);
    }
    for (query, rows) in report.skipped.iter().flatten() {
        let _ = writeln!(s, "skipped: {} ({rows} row(s), no inventory)", t(query));
    }
    s
}

fn errors(s: &mut String, report: &Report) {
    if report.source != SourceKind::Scan {
        for e in &report.errors {
            let severity = if e.is_warning() { "warning" } else { "error" };
            let _ = writeln!(s, "{severity}: {}", t(&e.message));
        }
        return;
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
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}
