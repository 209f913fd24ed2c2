//! Server-drawn SVG charts (no script, no outside asset): a burn-down line of affected
//! endpoints against milestone dates, and horizontal bars of endpoints per product.
//! Written by hand: two chart shapes do not need a charting crate, and this markup is
//! accessible (`<title>`, `<desc>`, `role="img"`) and prints as it shows.

use jiff::civil::Date;
use std::fmt::Write;

/// Escapes text for SVG/HTML.
pub use interdict_report::html_text as escape;

/// A vertical marker on the burn-down (a milestone's due date).
#[derive(Debug, Clone)]
pub struct Marker {
    /// The date.
    pub date: Date,
    /// Its label (`T+30 identify-report`).
    pub label: String,
    /// CSS class (`met`, `missed`, `at-risk`, …).
    pub class: String,
}

const W: f64 = 720.0;
const H: f64 = 260.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;

/// The burn-down: `points` (date, affected endpoints), oldest first, with `markers`.
/// An empty series draws an explicit "no data yet" chart, never a blank box.
pub fn burn_down(title: &str, points: &[(Date, i64)], markers: &[Marker]) -> String {
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart burn-down" viewBox="0 0 {W} {H}" role="img" aria-labelledby="bd-t bd-d" xmlns="http://www.w3.org/2000/svg"><title id="bd-t">{}</title>"#,
        escape(title)
    );
    let (Some(first), Some(last)) = (
        points
            .first()
            .map(|p| p.0)
            .into_iter()
            .chain(markers.iter().map(|m| m.date))
            .min(),
        points
            .last()
            .map(|p| p.0)
            .into_iter()
            .chain(markers.iter().map(|m| m.date))
            .max(),
    ) else {
        let _ = write!(
            svg,
            r#"<desc id="bd-d">No reports yet.</desc><text x="{}" y="{}" text-anchor="middle" class="empty">No reports yet</text></svg>"#,
            W / 2.0,
            H / 2.0
        );
        return svg;
    };
    let span = (last - first).get_days().max(1) as f64;
    let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1) as f64;
    let x = |d: Date| LEFT + (W - LEFT - RIGHT) * ((d - first).get_days() as f64 / span);
    let y = |v: i64| TOP + (H - TOP - BOTTOM) * (1.0 - v as f64 / max);
    let desc: Vec<String> = points.iter().map(|(d, v)| format!("{d}: {v}")).collect();
    let _ = write!(
        svg,
        r#"<desc id="bd-d">Affected endpoints by date: {}.</desc>"#,
        escape(&desc.join(", "))
    );
    // Axes and the y scale (0 and the maximum).
    let _ = write!(
        svg,
        r#"<line class="axis" x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}"/><line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{b}"/><text class="tick" x="{tx}" y="{b}" text-anchor="end">0</text><text class="tick" x="{tx}" y="{ty}" text-anchor="end">{max}</text>"#,
        b = H - BOTTOM,
        r = W - RIGHT,
        tx = LEFT - 6.0,
        ty = TOP + 4.0,
        max = max as i64
    );
    for m in markers {
        let mx = x(m.date);
        let _ = write!(
            svg,
            r#"<g class="marker {}"><line x1="{mx:.1}" y1="{TOP}" x2="{mx:.1}" y2="{b}"/><text x="{mx:.1}" y="{ly}" text-anchor="middle">{}</text></g>"#,
            escape(&m.class),
            escape(&m.label),
            b = H - BOTTOM,
            ly = H - BOTTOM + 14.0
        );
    }
    let path: Vec<String> = points
        .iter()
        .map(|(d, v)| format!("{:.1},{:.1}", x(*d), y(*v)))
        .collect();
    let _ = write!(
        svg,
        r#"<polyline class="series" fill="none" points="{}"/>"#,
        path.join(" ")
    );
    for (d, v) in points {
        let _ = write!(
            svg,
            r#"<circle class="point" cx="{:.1}" cy="{:.1}" r="3"><title>{d}: {v}</title></circle>"#,
            x(*d),
            y(*v)
        );
    }
    let _ = write!(
        svg,
        r#"<text class="tick" x="{LEFT}" y="{}">{first}</text><text class="tick" x="{}" y="{}" text-anchor="end">{last}</text></svg>"#,
        H - 6.0,
        W - RIGHT,
        H - 6.0
    );
    svg
}

/// Horizontal bars: (label, value), drawn in the given order.
pub fn bars(title: &str, rows: &[(String, i64)]) -> String {
    let row_h = 26.0;
    let h = (rows.len().max(1) as f64) * row_h + 12.0;
    let label_w = 260.0;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart bars" viewBox="0 0 {W} {h}" role="img" aria-labelledby="bars-t bars-d" xmlns="http://www.w3.org/2000/svg"><title id="bars-t">{}</title>"#,
        escape(title)
    );
    if rows.is_empty() {
        let _ = write!(
            svg,
            r#"<desc id="bars-d">No affected endpoints.</desc><text x="{}" y="22" text-anchor="middle" class="empty">No affected endpoints</text></svg>"#,
            W / 2.0
        );
        return svg;
    }
    let desc: Vec<String> = rows.iter().map(|(l, v)| format!("{l}: {v}")).collect();
    let _ = write!(
        svg,
        r#"<desc id="bars-d">{}.</desc>"#,
        escape(&desc.join(", "))
    );
    for (i, (label, v)) in rows.iter().enumerate() {
        let y = 6.0 + i as f64 * row_h;
        let w = ((W - label_w - 60.0) * (*v as f64 / max)).max(if *v > 0 { 2.0 } else { 0.0 });
        let _ = write!(
            svg,
            r#"<text class="label" x="{lx}" y="{ty:.1}" text-anchor="end">{}</text><rect class="bar" x="{label_w}" y="{y:.1}" width="{w:.1}" height="18"/><text class="value" x="{vx:.1}" y="{ty:.1}">{v}</text>"#,
            escape(label),
            lx = label_w - 8.0,
            ty = y + 13.0,
            vx = label_w + w + 6.0
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn burn_down_draws_points_markers_and_escapes() {
        let svg = burn_down(
            "BOD <17-01>",
            &[(date(2017, 9, 13), 10), (date(2017, 10, 13), 4)],
            &[Marker {
                date: date(2017, 12, 12),
                label: "T+90".into(),
                class: "missed".into(),
            }],
        );
        assert!(svg.contains("BOD &lt;17-01&gt;"));
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains(r#"class="marker missed""#));
        assert!(svg.contains("2017-09-13: 10, 2017-10-13: 4"));
    }

    #[test]
    fn empty_charts_say_so() {
        assert!(burn_down("x", &[], &[]).contains("No reports yet"));
        assert!(bars("x", &[]).contains("No affected endpoints"));
    }

    #[test]
    fn bars_scale_to_the_largest() {
        let svg = bars("p", &[("KES".into(), 10), ("KSC".into(), 5)]);
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains(">KES<") && svg.contains(">10<"));
    }
}
