//! CSV: one row per piece of evidence of each finding.

use crate::escape::csv_cell;
use interdict_findings::Report;

/// The columns, in order. `host` and `document` (added in 1.1, at the end so positional
/// readers of the older columns keep working) say which host or SBOM a row of an import or
/// SBOM report belongs to; they are empty in a scan report.
pub const COLUMNS: [&str; 13] = [
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
    "host",
    "document",
];

/// CSV: one row per evidence item of each finding. Every cell goes through [`csv_cell`].
pub fn to_csv(report: &Report) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS)?;
    for f in &report.findings {
        let directives = f.directives.join(";");
        let host = f.host.as_deref().unwrap_or_default();
        let document = f.document.as_deref().unwrap_or_default();
        for e in &f.evidence {
            let row = [
                f.vendor.as_str(),
                &f.product,
                &f.product_name,
                f.confidence.as_str(),
                &directives,
                &e.kind,
                &e.location,
                &e.name,
                e.weight.as_str(),
                &e.indicator,
                &e.source,
                host,
                document,
            ];
            w.write_record(row.map(csv_cell).iter().map(|c| c.as_bytes()))?;
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
