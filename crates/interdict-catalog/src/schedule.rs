//! The milestone schedule of an activated directive: every due date from a start date,
//! recurring status points included. Used by `interdict catalog show`, the server's
//! milestone tracking and the deliverables.

use crate::model::Directive;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// What a milestone asks for. Known deliverables have their own variant; a user catalog
/// may name others, kept as [`Deliverable::Other`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Deliverable {
    /// Identify the covered products and report the endpoints (BOD 17-01 day 30).
    IdentifyReport,
    /// A plan of action for removal (BOD 17-01 day 60).
    RemovalPlan,
    /// Begin removal / discontinue use (BOD 17-01 day 90).
    BeginRemoval,
    /// Status reports until removal is complete (BOD 17-01, every 30 days from day 90).
    StatusReport,
    /// Review the implications of a prohibition.
    ImplicationsReview,
    /// The prohibition takes effect.
    ProhibitionEffective,
    /// No new agreements with the vendor.
    NoNewAgreements,
    /// The vendor's updates and signatures end.
    UpdatesEnd,
    /// Remove the product and block it.
    RemoveAndBlock,
    /// Contracts brought into line.
    Contracts,
    /// Solicitations brought into line.
    Solicitations,
    /// A deliverable a user catalog names, by its machine name.
    Other(String),
}

const KNOWN: &[(&str, Deliverable)] = &[
    ("identify-report", Deliverable::IdentifyReport),
    ("removal-plan", Deliverable::RemovalPlan),
    ("begin-removal", Deliverable::BeginRemoval),
    ("status-report", Deliverable::StatusReport),
    ("implications-review", Deliverable::ImplicationsReview),
    ("prohibition-effective", Deliverable::ProhibitionEffective),
    ("no-new-agreements", Deliverable::NoNewAgreements),
    ("updates-end", Deliverable::UpdatesEnd),
    ("remove-and-block", Deliverable::RemoveAndBlock),
    ("contracts", Deliverable::Contracts),
    ("solicitations", Deliverable::Solicitations),
];

impl Deliverable {
    /// The machine name used in catalog files and documents (`identify-report`, …).
    pub fn as_str(&self) -> &str {
        match self {
            Deliverable::Other(name) => name,
            known => KNOWN
                .iter()
                .find(|(_, d)| d == known)
                .map(|(n, _)| *n)
                .unwrap_or_default(),
        }
    }

    /// The deliverable of a machine name; an unknown name is [`Deliverable::Other`].
    pub fn parse(name: &str) -> Deliverable {
        KNOWN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, d)| d.clone())
            .unwrap_or_else(|| Deliverable::Other(name.to_string()))
    }
}

impl Serialize for Deliverable {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Deliverable {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Deliverable::parse(&String::deserialize(d)?))
    }
}

/// One due date of a directive's schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledMilestone {
    /// What is due.
    pub deliverable: Deliverable,
    /// What must be done, in the directive's words.
    pub description: String,
    /// Days after the start date.
    pub offset_days: i64,
    /// The calendar date.
    pub due: Date,
    /// 0 for a milestone's first due date; 1, 2, … for the recurring points after it.
    pub occurrence: u32,
    /// The period of a recurring milestone, in days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_days: Option<i64>,
}

/// Every due date of `directive` activated on `start`, through `until` (inclusive): each
/// milestone's first date at its offset, and for a recurring one every `every_days` after
/// that. A first date after `until` is still listed (the next deadline is always known);
/// recurring points after `until` are not. Sorted by date, then by milestone order.
pub fn schedule(directive: &Directive, start: Date, until: Date) -> Vec<ScheduledMilestone> {
    let mut out = Vec::new();
    for m in &directive.milestones {
        let first = add_days(start, m.offset_days);
        out.push(ScheduledMilestone {
            deliverable: m.deliverable.clone(),
            description: m.description.clone(),
            offset_days: m.offset_days,
            due: first,
            occurrence: 0,
            every_days: m.every_days,
        });
        let Some(every) = m.every_days.filter(|e| *e > 0) else {
            continue;
        };
        let mut occurrence = 1u32;
        loop {
            let offset = m.offset_days + every * i64::from(occurrence);
            let due = add_days(start, offset);
            if due > until || due == first {
                break;
            }
            out.push(ScheduledMilestone {
                deliverable: m.deliverable.clone(),
                description: m.description.clone(),
                offset_days: offset,
                due,
                occurrence,
                every_days: Some(every),
            });
            occurrence += 1;
        }
    }
    out.sort_by_key(|s| s.due);
    out
}

/// `date` plus `days`, saturating at the calendar's end (a catalog cannot make it panic).
fn add_days(date: Date, days: i64) -> Date {
    date.checked_add(jiff::Span::new().days(days.clamp(-7_000_000, 7_000_000)))
        .unwrap_or(if days < 0 { Date::MIN } else { Date::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;
    use jiff::civil::date;

    #[test]
    fn bod_17_01_schedule_from_its_issue_date() {
        let cat = Catalog::bundled().unwrap();
        let bod = cat.directive("bod-17-01").unwrap();
        let s = schedule(bod, bod.issued, date(2018, 3, 15));
        let firsts: Vec<(&str, Date)> = s
            .iter()
            .filter(|m| m.occurrence == 0)
            .map(|m| (m.deliverable.as_str(), m.due))
            .collect();
        assert_eq!(
            firsts,
            [
                ("identify-report", date(2017, 10, 13)),
                ("removal-plan", date(2017, 11, 12)),
                ("begin-removal", date(2017, 12, 12)),
                ("status-report", date(2018, 1, 11)),
            ]
        );
        // Status reports every 30 days after day 90 (first at day 120), through the end.
        let status: Vec<Date> = s
            .iter()
            .filter(|m| m.deliverable == Deliverable::StatusReport)
            .map(|m| m.due)
            .collect();
        assert_eq!(
            status,
            [date(2018, 1, 11), date(2018, 2, 10), date(2018, 3, 12)],
            "{s:#?}"
        );
        assert_eq!(s.last().unwrap().offset_days, 180);
    }

    #[test]
    fn a_later_activation_moves_every_date() {
        let cat = Catalog::bundled().unwrap();
        let bod = cat.directive("bod-17-01").unwrap();
        let s = schedule(bod, date(2026, 12, 1), date(2026, 12, 1));
        // Nothing recurs before `until`, but every first date is listed.
        assert_eq!(s.len(), bod.milestones.len());
        assert_eq!(s[0].due, date(2026, 12, 31));
    }

    #[test]
    fn deliverable_names_round_trip_and_unknown_ones_are_kept() {
        for (name, d) in KNOWN {
            assert_eq!(Deliverable::parse(name), *d);
            assert_eq!(d.as_str(), *name);
        }
        let other = Deliverable::parse("contract-review");
        assert_eq!(other, Deliverable::Other("contract-review".into()));
        assert_eq!(other.as_str(), "contract-review");
    }
}
