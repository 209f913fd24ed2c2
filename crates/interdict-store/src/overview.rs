//! The fleet overview (now or as of a past instant) and the as-of state counts the
//! milestone rules share.

use crate::Store;
use crate::db::args;
use crate::error::Result;
use crate::lifecycle::state_of;
use crate::model::FindingState;
use crate::util::ms;
use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The fleet at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct Overview {
    /// The instant described.
    pub at: Timestamp,
    /// Hosts that had reported by then.
    pub hosts: i64,
    /// Of those, hosts with at least one open finding.
    pub affected_hosts: i64,
    /// Findings per state (states with none left out).
    pub findings: BTreeMap<FindingState, i64>,
    /// Reports received by then.
    pub reports: i64,
}

/// Each finding's latest event at or before `$1`: the as-of join used by the overview and
/// the milestone rules.
pub(crate) const AS_OF_EVENTS: &str = "findings f JOIN finding_events e ON e.finding_id = f.id \
     AND e.seq = (SELECT max(l.seq) FROM finding_events l WHERE l.finding_id = f.id \
     AND l.at_ms <= $1)";

impl Store {
    /// Counts of hosts, affected hosts, findings per state and reports, as of `at` (from
    /// the stored history; pass the current time for the present), optionally only for
    /// findings a directive covers.
    pub async fn overview(&self, at: Timestamp, directive: Option<&str>) -> Result<Overview> {
        let at_ms = ms(at);
        let (hosts,): (i64,) = self
            .db
            .read()
            .one(
                "SELECT count(*) FROM hosts WHERE first_seen_ms <= $1",
                args![at_ms],
            )
            .await?;
        let (reports,): (i64,) = self
            .db
            .read()
            .one(
                "SELECT count(*) FROM reports WHERE received_ms <= $1",
                args![at_ms],
            )
            .await?;
        let (affected_hosts,): (i64,) = self
            .db
            .read()
            .one(
                &format!(
                    "SELECT count(DISTINCT f.host_id) FROM {AS_OF_EVENTS} WHERE e.to_state IN \
                     ('identified', 'planned', 'removal-in-progress', 'reappeared') \
                     AND {DIRECTIVE_FILTER}"
                ),
                args![at_ms, directive],
            )
            .await?;
        Ok(Overview {
            at,
            hosts,
            affected_hosts,
            findings: self.state_counts(at_ms, directive).await?,
            reports,
        })
    }

    /// Findings per state as of `at_ms`, optionally of one directive only.
    pub(crate) async fn state_counts(
        &self,
        at_ms: i64,
        directive: Option<&str>,
    ) -> Result<BTreeMap<FindingState, i64>> {
        let rows: Vec<(String, i64)> = self
            .db
            .read()
            .all(
                &format!(
                    "SELECT e.to_state, count(*) FROM {AS_OF_EVENTS} WHERE {DIRECTIVE_FILTER} \
                     GROUP BY e.to_state"
                ),
                args![at_ms, directive],
            )
            .await?;
        let mut states = BTreeMap::new();
        for (s, n) in rows {
            states.insert(state_of(&s)?, n);
        }
        Ok(states)
    }
}

/// `$2` is a directive id, or NULL for every finding.
const DIRECTIVE_FILTER: &str = "($2 IS NULL OR EXISTS (SELECT 1 FROM finding_directives fd \
     WHERE fd.finding_id = f.id AND fd.directive_id = $2))";
