//! The status report (BOD 17-01 day 90 and every 30 days until removal is complete):
//! removed / verified / outstanding per product, the burn-down against the milestones,
//! exceptions with their expiry, reappearances, hosts not reporting.

use crate::common::{Coverage, Header, HostRef, coverage, end_of_day, header};
use crate::snapshot::{FleetSnapshot, State};
use interdict_catalog::{Directive, schedule};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Counts of one product (or of every product: the totals).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProductStatus {
    /// Product id (`*` for the totals).
    pub product: String,
    /// Product name.
    pub name: String,
    /// Open findings: identified, planned, removal in progress, reappeared.
    pub outstanding: usize,
    /// Removed, not yet verified by a later clean scan.
    pub removed: usize,
    /// Verified removed.
    pub verified: usize,
    /// Excepted.
    pub excepted: usize,
    /// Findings that reappeared at least once by then.
    pub reappeared: usize,
}

/// The fleet's counts at the end of one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BurnPoint {
    /// The day.
    pub date: Date,
    /// Open findings then.
    pub outstanding: usize,
    /// Removed, not yet verified.
    pub removed: usize,
    /// Verified.
    pub verified: usize,
    /// Excepted.
    pub excepted: usize,
}

/// A milestone of the directive's schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MilestonePoint {
    /// Deliverable (`identify-report`, `status-report`, …).
    pub deliverable: String,
    /// What is due.
    pub description: String,
    /// 0 for the first date, 1, 2, … for recurring points.
    pub occurrence: u32,
    /// The due date.
    pub due: Date,
    /// Open findings at the end of the due date (`null` when it is after the as-of date).
    pub outstanding: Option<usize>,
}

/// An exception that held at the as-of date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExceptionRow {
    /// Host id.
    pub host: String,
    /// Host name.
    pub name: String,
    /// Product id.
    pub product: String,
    /// Who approved it.
    pub approver: String,
    /// Why.
    pub justification: String,
    /// When granted.
    pub granted: Timestamp,
    /// When it expires.
    pub expires: Timestamp,
}

/// A product that showed up again after its removal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reappearance {
    /// Host id.
    pub host: String,
    /// Host name.
    pub name: String,
    /// Product id.
    pub product: String,
    /// When it was seen again.
    pub at: Timestamp,
    /// Its state at the as-of date.
    pub state_now: State,
}

/// The status report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// The stamp.
    #[serde(flatten)]
    pub header: Header,
    /// Day 0 of the schedule.
    pub start: Date,
    /// Removal is complete: no finding open or awaiting verification.
    pub complete: bool,
    /// Per product, by id.
    pub products: Vec<ProductStatus>,
    /// Every product together.
    pub totals: ProductStatus,
    /// Counts at the end of each day something changed, of each milestone since the data
    /// begins, and of the as-of date.
    pub burn_down: Vec<BurnPoint>,
    /// The schedule's due dates (recurring points from one period before the data
    /// begins).
    pub milestones: Vec<MilestonePoint>,
    /// Exceptions that held then, by expiry.
    pub exceptions: Vec<ExceptionRow>,
    /// Reappearances by then, oldest first.
    pub reappearances: Vec<Reappearance>,
    /// Scan coverage, with the hosts not reporting.
    pub coverage: Coverage,
    /// Hosts not reporting (also in `coverage`).
    pub hosts_not_reporting: Vec<HostRef>,
}

fn tally(p: &mut ProductStatus, state: State, reappeared: bool) {
    match state {
        s if s.is_open() => p.outstanding += 1,
        State::Removed => p.removed += 1,
        State::Verified => p.verified += 1,
        _ => p.excepted += 1,
    }
    p.reappeared += usize::from(reappeared);
}

fn utc_date(t: Timestamp) -> Date {
    t.to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// The counts at the end of each of `dates` (sorted), from every finding's history.
fn burn_down(s: &FleetSnapshot, dates: &BTreeSet<Date>) -> Vec<BurnPoint> {
    let mut events: Vec<(Timestamp, usize, State)> = Vec::new();
    let findings: Vec<_> = s.hosts.iter().flat_map(|h| &h.findings).collect();
    for (i, f) in findings.iter().enumerate() {
        events.extend(f.history.iter().map(|c| (c.at, i, c.to)));
    }
    events.sort();
    let mut current: Vec<Option<State>> = vec![None; findings.len()];
    let mut counts: BTreeMap<u8, usize> = BTreeMap::new();
    let bucket = |st: State| -> u8 {
        match st {
            s if s.is_open() => 0,
            State::Removed => 1,
            State::Verified => 2,
            _ => 3,
        }
    };
    let mut next = 0;
    let mut out = Vec::new();
    for &date in dates {
        let until = end_of_day(date);
        while next < events.len() && events[next].0 <= until {
            let (_, i, to) = events[next];
            if let Some(old) = current[i] {
                *counts.entry(bucket(old)).or_default() -= 1;
            }
            *counts.entry(bucket(to)).or_default() += 1;
            current[i] = Some(to);
            next += 1;
        }
        let n = |b: u8| counts.get(&b).copied().unwrap_or(0);
        out.push(BurnPoint {
            date,
            outstanding: n(0),
            removed: n(1),
            verified: n(2),
            excepted: n(3),
        });
    }
    out
}

/// The status report of `snapshot`.
pub fn status(snapshot: &FleetSnapshot, directive: &Directive) -> Status {
    let s = snapshot;
    let mut products: BTreeMap<&str, ProductStatus> = BTreeMap::new();
    let mut totals = ProductStatus {
        product: "*".into(),
        name: "all products".into(),
        ..ProductStatus::default()
    };
    let mut exceptions = Vec::new();
    let mut reappearances = Vec::new();
    let mut first_event: Option<Date> = None;
    let mut dates = BTreeSet::from([s.as_of]);
    for h in &s.hosts {
        for f in &h.findings {
            let reappeared = f.history.iter().any(|c| c.to == State::Reappeared);
            let p = products
                .entry(f.product.as_str())
                .or_insert_with(|| ProductStatus {
                    product: f.product.clone(),
                    name: f.product_name.clone(),
                    ..ProductStatus::default()
                });
            tally(p, f.state, reappeared);
            tally(&mut totals, f.state, reappeared);
            if let (State::Excepted, Some(e)) = (f.state, &f.exception) {
                exceptions.push(ExceptionRow {
                    host: h.id.clone(),
                    name: h.name.clone(),
                    product: f.product.clone(),
                    approver: e.approver.clone(),
                    justification: e.justification.clone(),
                    granted: e.granted,
                    expires: e.expires,
                });
            }
            for c in &f.history {
                let d = utc_date(c.at);
                dates.insert(d);
                first_event = Some(first_event.map_or(d, |x| x.min(d)));
                if c.to == State::Reappeared {
                    reappearances.push(Reappearance {
                        host: h.id.clone(),
                        name: h.name.clone(),
                        product: f.product.clone(),
                        at: c.at,
                        state_now: f.state,
                    });
                }
            }
        }
    }
    exceptions
        .sort_by(|a, b| (a.expires, &a.host, &a.product).cmp(&(b.expires, &b.host, &b.product)));
    reappearances.sort_by(|a, b| (a.at, &a.host, &a.product).cmp(&(b.at, &b.host, &b.product)));
    let data_from = first_event.unwrap_or(s.as_of);
    let mut milestones: Vec<MilestonePoint> = schedule(directive, s.start, s.as_of)
        .into_iter()
        .filter(|m| {
            let period = m.every_days.unwrap_or(0);
            m.occurrence == 0 || m.due.saturating_add(jiff::Span::new().days(period)) >= data_from
        })
        .map(|m| MilestonePoint {
            deliverable: m.deliverable.as_str().to_string(),
            description: m.description.clone(),
            occurrence: m.occurrence,
            due: m.due,
            outstanding: None,
        })
        .collect();
    for m in &milestones {
        if m.due >= data_from && m.due <= s.as_of {
            dates.insert(m.due);
        }
    }
    let burn = burn_down(s, &dates);
    for m in &mut milestones {
        if m.due <= s.as_of {
            m.outstanding = Some(match burn.iter().rev().find(|p| p.date <= m.due) {
                Some(p) => p.outstanding,
                None => 0,
            });
        }
    }
    let coverage = coverage(s);
    Status {
        header: header(s, directive, "status"),
        start: s.start,
        complete: !s.hosts.is_empty() && totals.outstanding == 0 && totals.removed == 0,
        products: products.into_values().collect(),
        totals,
        burn_down: burn,
        milestones,
        exceptions,
        reappearances,
        hosts_not_reporting: coverage.hosts_not_reporting.clone(),
        coverage,
    }
}
