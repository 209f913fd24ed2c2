//! Print-ready, self-contained HTML: inline CSS (with `@media print`), inline SVG charts,
//! no script and no external reference; every value from the data is escaped.

use crate::common::{Coverage, Header, HostRef, Methodology, ProductCount};
use crate::identification::Identification;
use crate::plan::{PlanOfAction, display_os};
use crate::status::Status;
use crate::svg;
use std::fmt::Write;

pub(crate) use interdict_report::html_text as esc;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#111;max-width:60em}\
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;border-bottom:1px solid #999;margin-top:1.6em}\
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #bbb;padding:.25em .5em;\
text-align:left;vertical-align:top}td.n{text-align:right}th{background:#eee}.stamp{font-size:.85em;color:#444}\
.missing{color:#a00;font-style:italic}.chart text{font-size:12px}.bar{fill:#3b6ea5}.axis{stroke:#333}\
.milestone{stroke:#a00;stroke-dasharray:4 3}.outstanding{fill:none;stroke:#c0392b;stroke-width:2}\
.verified{fill:none;stroke:#27ae60;stroke-width:2}.legend-outstanding{fill:#c0392b}.legend-verified{fill:#27ae60}\
@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,svg{break-inside:avoid}\
th{background:#eee;-webkit-print-color-adjust:exact;print-color-adjust:exact}}\
@page{size:A4;margin:15mm}";

fn page(title: &str, h: &Header, body: &str) -> String {
    let title = format!("{title} — {} as of {}", h.directive, h.as_of);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>{STYLE}</style></head><body><header><h1>{t}</h1><p>{dt}</p>\
         <p class=\"stamp\">As of the end of {asof} (UTC) · catalog {cv} ({cd}) · computed from \
         {reports} reports, the last scans of {scans} hosts (report ids SHA-256 {rid})</p></header>\
         <main>{body}</main></body></html>\n",
        t = esc(&title),
        dt = esc(&h.directive_title),
        asof = h.as_of,
        cv = esc(&h.catalog.version),
        cd = esc(&h.catalog.digest),
        reports = h.computed_from.reports,
        scans = h.computed_from.scans,
        rid = esc(&h.computed_from.report_ids_sha256),
    )
}

/// A table with a header row; cells are already HTML (escape data before).
fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = String::from("<table><thead><tr>");
    for h in head {
        let _ = write!(s, "<th>{}</th>", esc(h));
    }
    s.push_str("</tr></thead><tbody>");
    for r in rows {
        s.push_str("<tr>");
        for c in r {
            s.push_str(c);
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>");
    s
}

fn td(text: &str) -> String {
    format!("<td>{}</td>", esc(text))
}

fn num(n: impl std::fmt::Display) -> String {
    format!("<td class=\"n\">{n}</td>")
}

fn products_section(products: &[ProductCount], endpoints: usize) -> String {
    if products.is_empty() {
        return "<p><strong>None found:</strong> no product the directive covers is on any \
                scanned host.</p>"
            .to_string();
    }
    let rows: Vec<Vec<String>> = products
        .iter()
        .map(|p| {
            let c = &p.confidence;
            vec![
                td(&p.product),
                td(&p.name),
                num(p.endpoints),
                num(c.confirmed),
                num(c.probable),
                num(c.possible),
            ]
        })
        .collect();
    let bars: Vec<(String, usize)> = products
        .iter()
        .map(|p| (p.name.clone(), p.endpoints))
        .collect();
    format!(
        "{}<p>{endpoints} distinct hosts affected.</p>{}",
        table(
            &[
                "Product",
                "Name",
                "Endpoints",
                "Confirmed",
                "Probable",
                "Possible"
            ],
            &rows
        ),
        svg::bars("Endpoints per product", &bars)
    )
}

fn hosts_table(hosts: &[HostRef]) -> String {
    if hosts.is_empty() {
        return "<p>None.</p>".to_string();
    }
    let rows: Vec<Vec<String>> = hosts
        .iter()
        .map(|h| {
            let last = h
                .last_scan
                .map_or_else(|| "never".to_string(), |t| t.to_string());
            vec![td(&h.name), td(&h.host), td(&last)]
        })
        .collect();
    table(&["Host", "Id", "Last scan"], &rows)
}

fn coverage_section(c: &Coverage) -> String {
    format!(
        "<p>{} of {} known hosts scanned; {} not reporting (no scan within {} days):</p>{}",
        c.hosts_scanned,
        c.hosts_known,
        c.hosts_not_reporting.len(),
        c.stale_days,
        hosts_table(&c.hosts_not_reporting)
    )
}

fn methodology_section(m: &Methodology) -> String {
    let collectors: Vec<Vec<String>> = m
        .collectors
        .iter()
        .map(|c| vec![td(&c.collector), num(c.hosts), num(c.hosts_with_errors)])
        .collect();
    let kinds: Vec<String> = m
        .evidence_kinds
        .iter()
        .map(|k| format!("{} ({})", esc(&k.kind), k.findings))
        .collect();
    let rules: String = m
        .confidence_rules
        .iter()
        .map(|r| format!("<li>{}</li>", esc(r)))
        .collect();
    format!(
        "<p>{}</p><h3>Collectors</h3>{}<p>Evidence kinds: {}.</p><p>Confidence: {} confirmed, \
         {} probable, {} possible.</p><ul>{rules}</ul><h3>Coverage</h3>{}",
        esc(&m.summary),
        table(&["Collector", "Hosts", "Hosts with errors"], &collectors),
        if kinds.is_empty() {
            "none".to_string()
        } else {
            kinds.join(", ")
        },
        m.confidence.confirmed,
        m.confidence.probable,
        m.confidence.possible,
        coverage_section(&m.coverage)
    )
}

/// The identification report as HTML.
pub(crate) fn identification(d: &Identification) -> String {
    let body = format!(
        "<h2>Products found</h2>{}<h2>Methodology</h2>{}",
        products_section(&d.products, d.endpoints),
        methodology_section(&d.methodology)
    );
    page("Identification report", &d.header, &body)
}

/// The plan of action as HTML.
pub(crate) fn plan(d: &PlanOfAction) -> String {
    let version = match &d.plan_details {
        Some(v) => match (v.version, v.saved) {
            (Some(n), Some(t)) => format!("version {n}, saved {t} by {}", esc(&v.by)),
            _ => format!("from {}", esc(&v.by)),
        },
        None => "none entered yet".to_string(),
    };
    let rows: Vec<Vec<String>> = d
        .elements
        .iter()
        .map(|e| {
            let text = if e.provided {
                td(&e.text)
            } else {
                format!("<td class=\"missing\">{}</td>", esc(&e.text))
            };
            vec![td(e.id), td(e.title), td(e.source), text]
        })
        .collect();
    let components: Vec<Vec<String>> = d
        .components
        .iter()
        .map(|c| {
            vec![
                td(&display_os(c)),
                td(&c.platform),
                num(c.hosts),
                num(c.findings),
            ]
        })
        .collect();
    let timeline: Vec<Vec<String>> = d
        .removal_timeline
        .products
        .iter()
        .map(|p| {
            let due = match (p.first_due, p.last_due) {
                (Some(a), Some(b)) if a == b => a.to_string(),
                (Some(a), Some(b)) => format!("{a} – {b}"),
                _ => "—".to_string(),
            };
            vec![
                td(&p.product),
                num(p.unplanned),
                num(p.planned),
                num(p.in_progress),
                num(p.removed),
                num(p.verified),
                num(p.excepted),
                td(&due),
                td(&p.methods.join("; ")),
            ]
        })
        .collect();
    let body = format!(
        "<p class=\"stamp\">Manual elements: {version}.</p><h2>The fourteen elements</h2>{}\
         <h2>(c, d) Products and endpoints</h2>{}<h2>(e) Methodology</h2>{}\
         <h2>(f) Components affected</h2>{}<h2>(i) Removal timeline</h2>{}",
        table(&["", "Element", "Source", "Value"], &rows),
        products_section(&d.products, d.endpoints),
        methodology_section(&d.methodology),
        table(&["OS", "Platform", "Hosts", "Findings"], &components),
        table(
            &[
                "Product",
                "Unplanned",
                "Planned",
                "In progress",
                "Removed",
                "Verified",
                "Excepted",
                "Due",
                "Methods"
            ],
            &timeline
        ),
    );
    page("Plan of action", &d.header, &body)
}

/// The status report as HTML.
pub(crate) fn status(d: &Status) -> String {
    let rows: Vec<Vec<String>> = d
        .products
        .iter()
        .chain(std::iter::once(&d.totals))
        .map(|p| {
            vec![
                td(&p.name),
                num(p.outstanding),
                num(p.removed),
                num(p.verified),
                num(p.excepted),
                num(p.reappeared),
            ]
        })
        .collect();
    let milestones: Vec<Vec<String>> = d
        .milestones
        .iter()
        .map(|m| {
            let open = m
                .outstanding
                .map_or_else(|| "not yet due".to_string(), |n| n.to_string());
            vec![
                td(&m.due.to_string()),
                td(&m.deliverable),
                td(&m.description),
                td(&open),
            ]
        })
        .collect();
    let exceptions: Vec<Vec<String>> = d
        .exceptions
        .iter()
        .map(|e| {
            vec![
                td(&e.name),
                td(&e.product),
                td(&e.approver),
                td(&e.justification),
                td(&e.expires.to_string()),
            ]
        })
        .collect();
    let reappearances: Vec<Vec<String>> = d
        .reappearances
        .iter()
        .map(|r| {
            vec![
                td(&r.name),
                td(&r.product),
                td(&r.at.to_string()),
                td(r.state_now.as_str()),
            ]
        })
        .collect();
    let complete = if d.complete {
        "Removal is complete."
    } else {
        "Removal is not complete."
    };
    let body = format!(
        "<p>Schedule day 0: {}. {complete}</p><h2>Per product</h2>{}<h2>Burn-down</h2>{}\
         <h2>Milestones</h2>{}<h2>Exceptions</h2>{}<h2>Reappearances</h2>{}\
         <h2>Hosts not reporting</h2>{}",
        d.start,
        table(
            &[
                "Product",
                "Outstanding",
                "Removed",
                "Verified",
                "Excepted",
                "Reappeared"
            ],
            &rows
        ),
        svg::burn_down(&d.burn_down, &d.milestones),
        table(
            &["Due", "Deliverable", "What", "Outstanding then"],
            &milestones
        ),
        if exceptions.is_empty() {
            "<p>None.</p>".to_string()
        } else {
            table(
                &["Host", "Product", "Approver", "Justification", "Expires"],
                &exceptions,
            )
        },
        if reappearances.is_empty() {
            "<p>None.</p>".to_string()
        } else {
            table(
                &["Host", "Product", "Seen again", "State now"],
                &reappearances,
            )
        },
        coverage_section(&d.coverage),
    );
    page("Status report", &d.header, &body)
}
