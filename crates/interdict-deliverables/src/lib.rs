//! The directive's deliverables, computed from the fleet as it was on a date: the
//! **identification report** (BOD 17-01 day 30: products found or none, endpoints per
//! product, the methodology actually used), the **plan of action** (day 60: all fourteen
//! elements, the ones scan data cannot know entered as [`PlanDetails`] and shown as
//! "not yet provided" until they are) and the **status report** (day 90 and every 30 days:
//! removed / verified / outstanding per product, burn-down against the milestones,
//! exceptions with expiry, reappearances, hosts not reporting).
//!
//! Input: a [`FleetSnapshot`] (the caller reads it from the store as of a date); output:
//! [`Identification`], [`PlanOfAction`], [`Status`], each rendered by [`render`] as JSON
//! (serde; field names are a contract), CSV (one table per kind, cells neutralised with
//! [`interdict_report::csv_cell`]) or one self-contained print-ready HTML document (inline
//! CSS with `@media print`, inline SVG charts, every data value HTML-escaped, no external
//! reference). Every document is stamped with its as-of date, the catalog version and
//! digest, and the data it was computed from ([`ComputedFrom`]).
//!
//! **Boundary:** pure — no I/O, no HTTP, no store; depends on the catalog, the output
//! vocabulary and the report renderer's CSV escaping only, so the server, the CLI and
//! tests share one implementation.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod common;
mod csv_out;
mod html;
mod identification;
mod plan;
mod snapshot;
mod status;
mod svg;

pub use common::{
    CollectorUse, ComputedFrom, ConfidenceCounts, Coverage, Header, HostRef, KindCount,
    Methodology, ProductCount, end_of_day,
};
pub use identification::{Identification, identification};
pub use plan::{
    Component, DueCount, Element, PlanOfAction, ProductTimeline, RemovalTimeline, plan_of_action,
};
pub use snapshot::{
    ExceptionSnapshot, FindingSnapshot, FleetSnapshot, HostSnapshot, PlanDetails, PlanDetailsError,
    PlanDetailsSource, PlannedRemoval, STALE_DAYS, State, StateChange,
};
pub use status::{
    BurnPoint, ExceptionRow, MilestonePoint, ProductStatus, Reappearance, Status, status,
};

use interdict_catalog::Directive;

/// The three deliverables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The identification report (T+30).
    Identification,
    /// The plan of action (T+60).
    Plan,
    /// The status report (T+90 and every 30 days).
    Status,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 3] = [Kind::Identification, Kind::Plan, Kind::Status];

    /// The name used in URLs and flags (`identification`, `plan`, `status`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Identification => "identification",
            Kind::Plan => "plan",
            Kind::Status => "status",
        }
    }

    /// Parses a name.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Output formats of [`render`] (PDF is HTML printed by a browser, outside this crate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Pretty JSON with a final newline.
    Json,
    /// One CSV table.
    Csv,
    /// One self-contained HTML document.
    Html,
}

/// A computed deliverable of any kind.
#[derive(Debug, Clone)]
pub enum Document {
    /// An identification report.
    Identification(Identification),
    /// A plan of action.
    Plan(PlanOfAction),
    /// A status report.
    Status(Status),
}

/// Computes the deliverable `kind` of `directive` from `snapshot` (and, for the plan,
/// the manual elements `details` with where they came from).
pub fn compute(
    kind: Kind,
    snapshot: &FleetSnapshot,
    directive: &Directive,
    details: &PlanDetails,
    details_source: Option<&PlanDetailsSource>,
) -> Document {
    match kind {
        Kind::Identification => Document::Identification(identification(snapshot, directive)),
        Kind::Plan => Document::Plan(plan_of_action(snapshot, directive, details, details_source)),
        Kind::Status => Document::Status(status(snapshot, directive)),
    }
}

/// Renders `doc` in `format`.
pub fn render(doc: &Document, format: Format) -> String {
    match format {
        Format::Json => {
            let value = match doc {
                Document::Identification(d) => serde_json::to_string_pretty(d),
                Document::Plan(d) => serde_json::to_string_pretty(d),
                Document::Status(d) => serde_json::to_string_pretty(d),
            };
            // Plain structs of strings and numbers: serialization cannot fail.
            value.unwrap_or_default() + "\n"
        }
        Format::Csv => match doc {
            Document::Identification(d) => csv_out::identification(d),
            Document::Plan(d) => csv_out::plan(d),
            Document::Status(d) => csv_out::status(d),
        },
        Format::Html => match doc {
            Document::Identification(d) => html::identification(d),
            Document::Plan(d) => html::plan(d),
            Document::Status(d) => html::status(d),
        },
    }
}
