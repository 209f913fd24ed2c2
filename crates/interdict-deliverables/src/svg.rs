//! Inline SVG charts (no script, no external reference); every label HTML-escaped.

use crate::html::esc;
use crate::status::{BurnPoint, MilestonePoint};
use std::fmt::Write;

const WIDTH: f64 = 640.0;

/// A horizontal bar chart of `(label, value)`.
pub(crate) fn bars(title: &str, items: &[(String, usize)]) -> String {
    let row = 24.0;
    let left = 220.0;
    let height = 30.0 + row * items.len().max(1) as f64;
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let mut s = format!(
        r#"<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}"><title>{}</title>"#,
        esc(title)
    );
    if items.is_empty() {
        let _ = write!(s, r#"<text x="10" y="30">none</text>"#);
    }
    for (i, (label, value)) in items.iter().enumerate() {
        let y = 10.0 + row * i as f64;
        let w = (WIDTH - left - 60.0) * (*value as f64) / max;
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text><rect x="{left}" y="{y}" width="{w:.1}" height="{}" class="bar"/><text x="{:.1}" y="{}">{value}</text>"#,
            left - 8.0,
            y + 15.0,
            esc(label),
            row - 6.0,
            left + w + 6.0,
            y + 15.0,
        );
    }
    s.push_str("</svg>");
    s
}

/// The burn-down: outstanding and verified findings over time, milestones as dashed
/// vertical lines.
pub(crate) fn burn_down(points: &[BurnPoint], milestones: &[MilestonePoint]) -> String {
    let (h, top, bottom, left, right) = (260.0, 20.0, 40.0, 50.0, 20.0);
    let mut s = format!(
        r#"<svg class="chart" role="img" viewBox="0 0 {WIDTH} {h}" width="{WIDTH}" height="{h}"><title>Burn-down: outstanding findings over time</title>"#
    );
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        s.push_str("</svg>");
        return s;
    };
    let span = (last.date - first.date).get_days().max(1) as f64;
    let max = points
        .iter()
        .map(|p| p.outstanding.max(p.verified).max(p.removed))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let x = |d: jiff::civil::Date| {
        left + (WIDTH - left - right) * ((d - first.date).get_days() as f64) / span
    };
    let y = |v: usize| top + (h - top - bottom) * (1.0 - v as f64 / max);
    let _ = write!(
        s,
        r#"<line x1="{left}" y1="{}" x2="{}" y2="{}" class="axis"/><line x1="{left}" y1="{top}" x2="{left}" y2="{}" class="axis"/><text x="{}" y="{}" text-anchor="end">{}</text><text x="{}" y="{}" text-anchor="end">0</text><text x="{left}" y="{}">{}</text><text x="{}" y="{}" text-anchor="end">{}</text>"#,
        y(0),
        WIDTH - right,
        y(0),
        y(0),
        left - 6.0,
        top + 5.0,
        max as usize,
        left - 6.0,
        y(0),
        h - 8.0,
        first.date,
        WIDTH - right,
        h - 8.0,
        last.date
    );
    for m in milestones
        .iter()
        .filter(|m| m.due >= first.date && m.due <= last.date)
    {
        let mx = x(m.due);
        let _ = write!(
            s,
            r#"<line x1="{mx:.1}" y1="{top}" x2="{mx:.1}" y2="{}" class="milestone"><title>{} {}</title></line>"#,
            y(0),
            esc(&m.deliverable),
            m.due
        );
    }
    for (class, value) in [
        (
            "outstanding",
            (|p: &BurnPoint| p.outstanding) as fn(&BurnPoint) -> usize,
        ),
        ("verified", |p: &BurnPoint| p.verified),
    ] {
        // A step line: the count holds until the next change.
        let mut path = String::new();
        let mut prev: Option<f64> = None;
        for p in points {
            let (px, py) = (x(p.date), y(value(p)));
            match prev {
                None => {
                    let _ = write!(path, "M{px:.1},{py:.1}");
                }
                Some(_) => {
                    let _ = write!(path, " H{px:.1} V{py:.1}");
                }
            }
            prev = Some(py);
        }
        let _ = write!(s, r#"<path d="{path}" class="{class}"/>"#);
    }
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" class="legend-outstanding">outstanding</text><text x="{}" y="{}" class="legend-verified">verified</text>"#,
        WIDTH - right - 160.0,
        top + 5.0,
        WIDTH - right - 70.0,
        top + 5.0
    );
    s.push_str("</svg>");
    s
}
