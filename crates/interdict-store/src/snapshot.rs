//! The fleet of one directive as of an instant, for the deliverables: every known host
//! with its last scan and its findings' states then ([`Store::hosts_as_of`]), the finding
//! event history ([`Store::directive_events`]), and the plan of action's manual elements,
//! kept versioned ([`Store::save_plan_details`], [`Store::plan_details`]).

use crate::Store;
use crate::audit;
use crate::db::args;
use crate::error::{Result, StoreError};
use crate::lifecycle::state_of;
use crate::model::{Coverage, FindingState, Plan};
use crate::overview::AS_OF_EVENTS;
use crate::util::{ms, parse_list, ts};
use interdict_findings::Evidence;
use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// A known host as of an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostAsOf {
    /// Host id.
    pub id: String,
    /// Host name (the id for a host enrolled that never reported).
    pub name: String,
    /// Platform family, empty when unknown.
    pub os_platform: String,
    /// Human-readable OS name.
    pub os_name: String,
    /// The last scan received by then: when it finished.
    pub last_scan: Option<Timestamp>,
    /// Its report.
    pub last_report: Option<String>,
    /// Its collectors.
    pub coverage: Coverage,
    /// The host's findings of the directive that existed by then, by product.
    pub findings: Vec<FindingAsOf>,
}

/// A finding as of an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingAsOf {
    /// Finding id.
    pub id: String,
    /// Product id.
    pub product: String,
    /// Product name.
    pub product_name: String,
    /// Confidence of its last evaluation.
    pub confidence: String,
    /// State then.
    pub state: FindingState,
    /// The plan recorded with that state.
    pub plan: Option<Plan>,
    /// The exception that held then (while excepted).
    pub exception: Option<crate::model::Exception>,
    /// Kinds of item its evidence is on (last evaluation).
    pub evidence_kinds: Vec<String>,
}

/// One state change of a finding of a directive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectiveEvent {
    /// The finding.
    pub finding: String,
    /// 1, 2, … per finding.
    pub seq: i64,
    /// When.
    pub at: Timestamp,
    /// State after.
    pub to: FindingState,
}

/// One saved version of a directive's plan details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct PlanDetailsVersion {
    /// Directive id.
    pub directive: String,
    /// 1, 2, … per directive.
    pub version: i64,
    /// When saved.
    pub saved: Timestamp,
    /// Who saved it.
    pub saved_by: String,
    /// The details, a JSON object (the deliverables' `PlanDetails`).
    pub details: serde_json::Value,
}

#[derive(sqlx::FromRow)]
struct HostRow {
    id: String,
    name: String,
    os_platform: String,
    os_name: String,
}

#[derive(sqlx::FromRow)]
struct ScanRow {
    host_id: String,
    report_id: String,
    scanned_ms: i64,
    collectors_ran: String,
    collectors_failed: String,
}

#[derive(sqlx::FromRow)]
struct FindingRow {
    id: String,
    host_id: String,
    product: String,
    product_name: String,
    confidence: String,
    evidence: String,
    state: String,
    owner: Option<String>,
    due_ms: Option<i64>,
    removal_method: Option<String>,
}

/// Findings of directive `$2` (the as-of join's `$1` is the instant).
const OF_DIRECTIVE: &str = "EXISTS (SELECT 1 FROM finding_directives fd \
     WHERE fd.finding_id = f.id AND fd.directive_id = $2)";

impl Store {
    /// Every host known at `at` (reported by then, or enrolled), by id, with its last scan
    /// received by then and its findings of `directive` in the state each had then (the
    /// as-of view of the event history; findings created later are absent). An exception
    /// is the one granted by then and not closed by then.
    pub async fn hosts_as_of(&self, directive: &str, at: Timestamp) -> Result<Vec<HostAsOf>> {
        let at_ms = ms(at);
        let hosts: Vec<HostRow> = self
            .db
            .read()
            .all(
                "SELECT id, name, os_platform, os_name FROM hosts WHERE first_seen_ms <= $1 \
                 UNION SELECT c.host_id AS id, c.host_id AS name, '' AS os_platform, \
                 '' AS os_name FROM host_credentials c WHERE c.created_ms <= $1 \
                 AND NOT EXISTS (SELECT 1 FROM hosts h WHERE h.id = c.host_id \
                 AND h.first_seen_ms <= $1) ORDER BY id",
                args![at_ms],
            )
            .await?;
        let scans: Vec<ScanRow> = self
            .db
            .read()
            .all(
                "SELECT s.host_id, s.report_id, s.scanned_ms, s.collectors_ran, \
                 s.collectors_failed FROM scans s WHERE s.received_ms = \
                 (SELECT max(x.received_ms) FROM scans x WHERE x.host_id = s.host_id \
                 AND x.received_ms <= $1) ORDER BY s.host_id, s.scanned_ms, s.report_id",
                args![at_ms],
            )
            .await?;
        // Several reports received in the same millisecond: the latest scan wins.
        let scans: BTreeMap<String, ScanRow> =
            scans.into_iter().map(|s| (s.host_id.clone(), s)).collect();
        let rows: Vec<FindingRow> = self
            .db
            .read()
            .all(
                &format!(
                    "SELECT f.id, f.host_id, f.product, f.product_name, f.confidence, \
                     f.evidence, e.to_state AS state, e.owner, e.due_ms, e.removal_method \
                     FROM {AS_OF_EVENTS} WHERE {OF_DIRECTIVE} ORDER BY f.host_id, f.product"
                ),
                args![at_ms, directive],
            )
            .await?;
        let exceptions: Vec<crate::lifecycle::ExceptionRow> = self
            .db
            .read()
            .all(
                "SELECT x.id, x.finding_id, x.justification, x.approver, x.created_ms, \
                 x.expires_ms, x.closed_ms, x.closed_reason FROM exceptions x \
                 JOIN finding_directives fd ON fd.finding_id = x.finding_id \
                 AND fd.directive_id = $2 WHERE x.created_ms <= $1 \
                 AND (x.closed_ms IS NULL OR x.closed_ms > $1) ORDER BY x.created_ms, x.id",
                args![at_ms, directive],
            )
            .await?;
        let mut exceptions: BTreeMap<String, crate::model::Exception> = exceptions
            .into_iter()
            .map(|r| {
                let e = crate::model::Exception::from(r);
                (e.finding.clone(), e)
            })
            .collect();
        let mut findings: BTreeMap<String, Vec<FindingAsOf>> = BTreeMap::new();
        for r in rows {
            let state = state_of(&r.state)?;
            let evidence: Vec<Evidence> =
                serde_json::from_str(&r.evidence).map_err(|e| StoreError::Corrupt {
                    what: format!("evidence of finding {}", r.id),
                    message: e.to_string(),
                })?;
            let kinds: BTreeSet<String> = evidence.into_iter().map(|e| e.kind).collect();
            let plan = match (r.owner, r.due_ms, r.removal_method) {
                (Some(owner), Some(due), Some(removal_method)) => Some(Plan {
                    owner,
                    due: ts(due).to_zoned(jiff::tz::TimeZone::UTC).date(),
                    removal_method,
                }),
                _ => None,
            };
            let exception = match state {
                FindingState::Excepted => exceptions.remove(&r.id),
                _ => None,
            };
            findings.entry(r.host_id).or_default().push(FindingAsOf {
                id: r.id,
                product: r.product,
                product_name: r.product_name,
                confidence: r.confidence,
                state,
                plan,
                exception,
                evidence_kinds: kinds.into_iter().collect(),
            });
        }
        let mut scans = scans;
        hosts
            .into_iter()
            .map(|h| {
                let scan = scans.remove(&h.id);
                let coverage = match &scan {
                    Some(s) => Coverage {
                        ran: parse_list(&s.collectors_ran, "scan coverage")?,
                        failed: parse_list(&s.collectors_failed, "scan coverage")?,
                    },
                    None => Coverage::default(),
                };
                Ok(HostAsOf {
                    findings: findings.remove(&h.id).unwrap_or_default(),
                    last_scan: scan.as_ref().map(|s| ts(s.scanned_ms)),
                    last_report: scan.map(|s| s.report_id),
                    coverage,
                    id: h.id,
                    name: h.name,
                    os_platform: h.os_platform,
                    os_name: h.os_name,
                })
            })
            .collect()
    }

    /// Every state change up to `at` of the findings `directive` covers, by finding and
    /// sequence.
    pub async fn directive_events(
        &self,
        directive: &str,
        at: Timestamp,
    ) -> Result<Vec<DirectiveEvent>> {
        let rows: Vec<(String, i64, i64, String)> = self
            .db
            .read()
            .all(
                "SELECT e.finding_id, e.seq, e.at_ms, e.to_state FROM finding_events e \
                 JOIN finding_directives fd ON fd.finding_id = e.finding_id \
                 AND fd.directive_id = $2 WHERE e.at_ms <= $1 ORDER BY e.finding_id, e.seq",
                args![ms(at), directive],
            )
            .await?;
        rows.into_iter()
            .map(|(finding, seq, at_ms, to)| {
                Ok(DirectiveEvent {
                    finding,
                    seq,
                    at: ts(at_ms),
                    to: state_of(&to)?,
                })
            })
            .collect()
    }

    /// Reports received by `at`.
    pub async fn reports_received_by(&self, at: Timestamp) -> Result<i64> {
        let (n,): (i64,) = self
            .db
            .read()
            .one(
                "SELECT count(*) FROM reports WHERE received_ms <= $1",
                args![ms(at)],
            )
            .await?;
        Ok(n)
    }

    /// Saves a new version of `directive`'s plan details (`details`, a JSON object) as
    /// `user`; returns it. Audited (`plan-details.save`). Two processes saving at once:
    /// one wins, the other gets a conflict.
    pub async fn save_plan_details(
        &self,
        directive: &str,
        details: &serde_json::Value,
        at: Timestamp,
        user: &str,
    ) -> Result<PlanDetailsVersion> {
        if !details.is_object() {
            return Err(StoreError::Invalid(
                "plan details must be a JSON object".into(),
            ));
        }
        let mut tx = self.db.begin().await?;
        let (last,): (Option<i64>,) = tx
            .exec()
            .one(
                "SELECT max(version) FROM plan_details WHERE directive_id = $1",
                args![directive],
            )
            .await?;
        let version = last.unwrap_or(0) + 1;
        let body = details.to_string();
        let inserted = tx
            .execute(
                "INSERT INTO plan_details (directive_id, version, saved_ms, saved_by, body) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (directive_id, version) DO NOTHING",
                args![directive, version, ms(at), user, body],
            )
            .await?;
        if inserted == 0 {
            tx.rollback().await?;
            return Err(StoreError::Conflict(format!(
                "plan details of {directive} were saved by someone else at the same time"
            )));
        }
        let detail = json!({"version": version, "details": details});
        audit::append(&mut tx, at, user, "plan-details.save", directive, &detail).await?;
        tx.commit().await?;
        Ok(PlanDetailsVersion {
            directive: directive.to_string(),
            version,
            saved: at,
            saved_by: user.to_string(),
            details: details.clone(),
        })
    }

    /// The current (highest) version of `directive`'s plan details saved by `at` (all
    /// versions when `at` is `None`), if any was saved.
    pub async fn plan_details(
        &self,
        directive: &str,
        at: Option<Timestamp>,
    ) -> Result<Option<PlanDetailsVersion>> {
        let row: Option<(i64, i64, String, String)> = self
            .db
            .read()
            .optional(
                "SELECT version, saved_ms, saved_by, body FROM plan_details \
                 WHERE directive_id = $1 AND saved_ms <= $2 ORDER BY version DESC LIMIT 1",
                args![directive, at.map_or(i64::MAX, ms)],
            )
            .await?;
        row.map(|(version, saved_ms, saved_by, body)| {
            let details = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
                what: format!("plan details {directive} v{version}"),
                message: e.to_string(),
            })?;
            Ok(PlanDetailsVersion {
                directive: directive.to_string(),
                version,
                saved: ts(saved_ms),
                saved_by,
                details,
            })
        })
        .transpose()
    }
}
