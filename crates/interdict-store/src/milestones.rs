//! Directive activation and milestone status (the rules are in the crate docs).

use crate::Store;
use crate::audit;
use crate::db::args;
use crate::error::{Result, StoreError};
use crate::model::{Activation, FindingState, MilestoneState, MilestoneStatus};
use crate::util::{end_of_day_ms, ms, ts};
use interdict_catalog::{Catalog, Deliverable, schedule};
use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::json;
use std::collections::BTreeMap;

/// A milestone not yet met is `at-risk` when it is due within this many days.
pub const AT_RISK_DAYS: i64 = 7;

const DAY_MS: i64 = 86_400_000;

/// What the data says about one directive at one instant.
#[derive(Debug, Default)]
struct Facts {
    /// Hosts known (reported or enrolled).
    known: i64,
    /// Known hosts with a scan received in the window.
    scanned: i64,
    /// Findings of the directive per state.
    states: BTreeMap<FindingState, i64>,
}

impl Facts {
    fn count(&self, pred: impl Fn(FindingState) -> bool) -> i64 {
        self.states
            .iter()
            .filter(|(s, _)| pred(**s))
            .map(|(_, n)| n)
            .sum()
    }
}

/// The rule of a deliverable: `None` when the data cannot tell; else whether it is met
/// and the figures in words.
fn rule(deliverable: &Deliverable, f: &Facts) -> Option<(bool, String)> {
    use FindingState as S;
    let unplanned = f.count(|s| matches!(s, S::Identified | S::Reappeared));
    let not_begun = f.count(|s| matches!(s, S::Identified | S::Planned | S::Reappeared));
    let open = f.count(S::is_open);
    let unproven = f.count(|s| s.is_open() || s == S::Removed);
    let fleet = f.known > 0;
    Some(match deliverable {
        Deliverable::IdentifyReport => (
            fleet && f.scanned == f.known,
            format!("{} of {} known hosts scanned", f.scanned, f.known),
        ),
        Deliverable::RemovalPlan => (
            fleet && unplanned == 0,
            format!("{unplanned} open findings without a plan"),
        ),
        Deliverable::BeginRemoval => (
            fleet && not_begun == 0,
            format!("{not_begun} findings whose removal has not begun"),
        ),
        Deliverable::StatusReport => (
            fleet && (unproven == 0 || f.scanned == f.known),
            format!(
                "{} of {} known hosts scanned in the period; {unproven} findings not yet \
                 verified removed",
                f.scanned, f.known
            ),
        ),
        Deliverable::RemoveAndBlock
        | Deliverable::ProhibitionEffective
        | Deliverable::UpdatesEnd => (fleet && open == 0, format!("{open} open findings")),
        Deliverable::ImplicationsReview
        | Deliverable::NoNewAgreements
        | Deliverable::Contracts
        | Deliverable::Solicitations
        | Deliverable::Other(_) => return None,
    })
}

#[derive(sqlx::FromRow)]
struct ActivationRow {
    directive_id: String,
    start_date: String,
    activated_ms: i64,
    actor: String,
}

impl Store {
    /// Activates `directive` (from `catalog`) with day 0 on `start` (default: its issue
    /// date). Activating again moves the start date.
    pub async fn activate(
        &self,
        catalog: &Catalog,
        directive: &str,
        start: Option<Date>,
        at: Timestamp,
        actor: &str,
    ) -> Result<Activation> {
        let d = catalog
            .directive(directive)
            .ok_or_else(|| StoreError::NotFound {
                kind: "directive",
                id: directive.to_string(),
            })?;
        let start = start.unwrap_or(d.issued);
        let mut tx = self.db.begin().await?;
        tx.execute(
            "INSERT INTO directive_activations (directive_id, start_date, activated_ms, actor) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (directive_id) DO UPDATE SET \
             start_date = excluded.start_date, activated_ms = excluded.activated_ms, \
             actor = excluded.actor",
            args![directive, start.to_string(), ms(at), actor],
        )
        .await?;
        let detail = json!({"start": start.to_string()});
        audit::append(&mut tx, at, actor, "directive.activate", directive, &detail).await?;
        tx.commit().await?;
        Ok(Activation {
            directive: directive.to_string(),
            start,
            activated: at,
            actor: actor.to_string(),
        })
    }

    /// Every activated directive, by id.
    pub async fn activations(&self) -> Result<Vec<Activation>> {
        let rows: Vec<ActivationRow> = self
            .db
            .read()
            .all(
                "SELECT directive_id, start_date, activated_ms, actor FROM directive_activations \
                 ORDER BY directive_id",
                args![],
            )
            .await?;
        rows.into_iter()
            .map(|r| {
                let start = r.start_date.parse().map_err(|e| StoreError::Corrupt {
                    what: format!("start date of {}", r.directive_id),
                    message: format!("{e}"),
                })?;
                Ok(Activation {
                    directive: r.directive_id,
                    start,
                    activated: ts(r.activated_ms),
                    actor: r.actor,
                })
            })
            .collect()
    }

    /// The status of every due date of every activated directive through `now` (each
    /// milestone's first date is always listed), evaluated from the data as of
    /// `min(now, due date)`. Passing a past instant gives the status as it was then.
    /// A directive the catalog no longer has is skipped.
    pub async fn milestones(
        &self,
        catalog: &Catalog,
        now: Timestamp,
    ) -> Result<Vec<MilestoneStatus>> {
        let now_ms = ms(now);
        let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
        let mut out = Vec::new();
        let earliest = self.earliest_fact_ms().await?;
        for act in self.activations().await? {
            let Some(directive) = catalog.directive(&act.directive) else {
                continue;
            };
            for m in schedule(directive, act.start, today) {
                let due_end = end_of_day_ms(m.due);
                let at = now_ms.min(due_end);
                let window_from = match (&m.deliverable, m.every_days) {
                    (Deliverable::StatusReport, Some(every)) => due_end - every * DAY_MS,
                    _ => i64::MIN,
                };
                // Before the first host, credential or finding event every count is
                // zero: the queries are skipped (a directive activated years back has
                // a hundred such status points).
                let facts = match earliest {
                    Some(first) if at >= first => {
                        self.facts(&act.directive, at, window_from).await?
                    }
                    _ => Facts::default(),
                };
                let (status, detail) = match rule(&m.deliverable, &facts) {
                    None => (
                        MilestoneState::Untracked,
                        "not measurable from scan data; tracked outside interdict".to_string(),
                    ),
                    Some((true, d)) => (MilestoneState::Met, d),
                    Some((false, d)) if now_ms > due_end => (MilestoneState::Missed, d),
                    Some((false, d)) if due_end - now_ms <= AT_RISK_DAYS * DAY_MS => {
                        (MilestoneState::AtRisk, d)
                    }
                    Some((false, d)) => (MilestoneState::NotYetDue, d),
                };
                out.push(MilestoneStatus {
                    directive: act.directive.clone(),
                    deliverable: m.deliverable.as_str().to_string(),
                    description: m.description.clone(),
                    occurrence: m.occurrence,
                    due: m.due,
                    status,
                    detail,
                });
            }
        }
        Ok(out)
    }

    /// The earliest instant any fact counts from: the first host seen, host credential
    /// created or finding event; `None` for an empty store.
    async fn earliest_fact_ms(&self) -> Result<Option<i64>> {
        let (first,): (Option<i64>,) = self
            .db
            .read()
            .one(
                "SELECT min(m) FROM (SELECT min(first_seen_ms) AS m FROM hosts \
                 UNION ALL SELECT min(created_ms) AS m FROM host_credentials \
                 UNION ALL SELECT min(at_ms) AS m FROM finding_events) x",
                args![],
            )
            .await?;
        Ok(first)
    }

    /// The facts of `directive` as of `at_ms`; scans counted in `(window_from, at_ms]`.
    async fn facts(&self, directive: &str, at_ms: i64, window_from: i64) -> Result<Facts> {
        const KNOWN: &str = "(SELECT id AS host FROM hosts WHERE first_seen_ms <= $1 \
             UNION SELECT host_id AS host FROM host_credentials WHERE created_ms <= $1) k";
        let (known,): (i64,) = self
            .db
            .read()
            .one(&format!("SELECT count(*) FROM {KNOWN}"), args![at_ms])
            .await?;
        let (scanned,): (i64,) = self
            .db
            .read()
            .one(
                &format!(
                    "SELECT count(*) FROM {KNOWN} WHERE EXISTS (SELECT 1 FROM scans s \
                     WHERE s.host_id = k.host AND s.received_ms > $2 AND s.received_ms <= $1)"
                ),
                args![at_ms, window_from],
            )
            .await?;
        let states = self.state_counts(at_ms, Some(directive)).await?;
        Ok(Facts {
            known,
            scanned,
            states,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(known: i64, scanned: i64, states: &[(FindingState, i64)]) -> Facts {
        Facts {
            known,
            scanned,
            states: states.iter().copied().collect(),
        }
    }

    #[test]
    fn identification_needs_every_known_host_scanned() {
        let d = Deliverable::IdentifyReport;
        assert!(rule(&d, &facts(3, 3, &[])).unwrap().0);
        assert!(!rule(&d, &facts(3, 2, &[])).unwrap().0);
        assert!(
            !rule(&d, &facts(0, 0, &[])).unwrap().0,
            "an empty fleet proves nothing"
        );
    }

    #[test]
    fn plan_and_removal_rules_count_the_right_states() {
        use FindingState as S;
        let f = facts(2, 2, &[(S::Planned, 1), (S::Removed, 1)]);
        assert!(rule(&Deliverable::RemovalPlan, &f).unwrap().0);
        assert!(!rule(&Deliverable::BeginRemoval, &f).unwrap().0);
        assert!(!rule(&Deliverable::RemoveAndBlock, &f).unwrap().0);
        let f = facts(2, 0, &[(S::Verified, 1), (S::Excepted, 1)]);
        assert!(
            rule(&Deliverable::StatusReport, &f).unwrap().0,
            "removal complete"
        );
        let f = facts(2, 1, &[(S::Removed, 1)]);
        assert!(!rule(&Deliverable::StatusReport, &f).unwrap().0);
        assert!(rule(&Deliverable::Contracts, &f).is_none());
    }
}
