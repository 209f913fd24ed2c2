//! The inputs a fleet's state was made from, in the order they arrived: every report as
//! received, every enrollment, every lifecycle action people took. Replayed in that order
//! into an empty store with the same catalog they give the same deliverables — which is
//! how an evidence pack's verifier re-computes its reports without the server.

use crate::Store;
use crate::db::args;
use crate::error::Result;
use crate::util::{decompress, ms, ts};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A report as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedReport {
    /// Report id.
    pub id: String,
    /// When it was received.
    pub received: Timestamp,
    /// Who sent it (the host credential's host, a user, `interdict report --from`).
    pub actor: String,
    /// The document as received.
    pub raw: Vec<u8>,
}

/// A host enrolled (given a credential).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    /// The host id.
    pub host: String,
    /// When.
    pub at: Timestamp,
}

/// What a person (or the server's clock) did to a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum LifecycleAction {
    /// [`Store::plan_findings`].
    Plan {
        /// Who removes it.
        owner: String,
        /// By when.
        due: Date,
        /// How.
        method: String,
    },
    /// [`Store::start_removal`].
    StartRemoval,
    /// [`Store::grant_exception`].
    GrantException {
        /// The exception's id in the store it was taken from.
        exception: String,
        /// Why the product may stay.
        justification: String,
        /// Who approved it.
        approver: String,
        /// When it expires.
        expires: Timestamp,
    },
    /// [`Store::revoke_exception`].
    RevokeException {
        /// The exception's id in the store it was taken from.
        exception: String,
    },
    /// [`Store::expire_exceptions`] closed it.
    ExpireException {
        /// The exception's id in the store it was taken from.
        exception: String,
    },
}

/// One lifecycle action on the finding of `product` on `host`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedAction {
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: String,
    /// The host.
    pub host: String,
    /// The product.
    pub product: String,
    /// The reason recorded with it.
    pub reason: String,
    /// What was done.
    #[serde(flatten)]
    pub action: LifecycleAction,
}

impl Store {
    /// Every report received by `until`, oldest first, with its document.
    pub async fn reports_received(&self, until: Timestamp) -> Result<Vec<ReceivedReport>> {
        let rows: Vec<(String, i64, String, Vec<u8>)> = self
            .db
            .read()
            .all(
                "SELECT id, received_ms, actor, raw FROM reports WHERE received_ms <= $1 \
                 ORDER BY received_ms, id",
                args![ms(until)],
            )
            .await?;
        rows.into_iter()
            .map(|(id, received_ms, actor, packed)| {
                let raw = decompress(&packed, &format!("report {id}"))?;
                Ok(ReceivedReport {
                    id,
                    received: ts(received_ms),
                    actor,
                    raw,
                })
            })
            .collect()
    }

    /// Every enrollment by `until`, oldest first (one per credential issued).
    pub async fn enrollments(&self, until: Timestamp) -> Result<Vec<Enrollment>> {
        let rows: Vec<(String, i64)> = self
            .db
            .read()
            .all(
                "SELECT host_id, created_ms FROM host_credentials WHERE created_ms <= $1 \
                 ORDER BY created_ms, host_id",
                args![ms(until)],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(host, at_ms)| Enrollment {
                host,
                at: ts(at_ms),
            })
            .collect())
    }

    /// Every lifecycle action taken by `until` (plans, removals begun, exceptions granted,
    /// revoked or expired), oldest first. Changes scans and re-evaluations made are not
    /// listed: they follow from the reports and the catalog.
    pub async fn recorded_actions(&self, until: Timestamp) -> Result<Vec<RecordedAction>> {
        let mut out = Vec::new();
        let events: Vec<EventRow> = self
            .db
            .read()
            .all(
                "SELECT e.at_ms, e.actor, f.host_id, f.product, e.reason, e.to_state, e.owner, \
                 e.due_ms, e.removal_method FROM finding_events e \
                 JOIN findings f ON f.id = e.finding_id \
                 WHERE e.at_ms <= $1 AND e.report_id IS NULL \
                 AND e.to_state IN ('planned', 'removal-in-progress') \
                 ORDER BY e.at_ms, e.finding_id, e.seq",
                args![ms(until)],
            )
            .await?;
        for e in events {
            let action = if e.to_state == "planned" {
                LifecycleAction::Plan {
                    owner: e.owner.unwrap_or_default(),
                    due: ts(e.due_ms.unwrap_or_default())
                        .to_zoned(jiff::tz::TimeZone::UTC)
                        .date(),
                    method: e.removal_method.unwrap_or_default(),
                }
            } else {
                LifecycleAction::StartRemoval
            };
            out.push(RecordedAction {
                at: ts(e.at_ms),
                actor: e.actor,
                host: e.host_id,
                product: e.product,
                reason: e.reason,
                action,
            });
        }
        let exceptions: Vec<ExceptionEventRow> = self
            .db
            .read()
            .all(
                "SELECT x.id, f.host_id, f.product, x.justification, x.approver, x.created_ms, \
                 x.expires_ms, x.closed_ms, x.closed_reason FROM exceptions x \
                 JOIN findings f ON f.id = x.finding_id WHERE x.created_ms <= $1 \
                 ORDER BY x.created_ms, x.id",
                args![ms(until)],
            )
            .await?;
        for x in exceptions {
            let why = format!("exception approved by {}", x.approver);
            out.push(RecordedAction {
                at: ts(x.created_ms),
                actor: x.approver.clone(),
                host: x.host_id.clone(),
                product: x.product.clone(),
                reason: why,
                action: LifecycleAction::GrantException {
                    exception: x.id.clone(),
                    justification: x.justification,
                    approver: x.approver,
                    expires: ts(x.expires_ms),
                },
            });
            let Some(closed) = x.closed_ms.filter(|c| *c <= ms(until)) else {
                continue;
            };
            let exception = x.id;
            let action = match x.closed_reason.as_deref() {
                Some("revoked") => LifecycleAction::RevokeException { exception },
                _ => LifecycleAction::ExpireException { exception },
            };
            out.push(RecordedAction {
                at: ts(closed),
                actor: "system".into(),
                host: x.host_id,
                product: x.product,
                reason: x.closed_reason.unwrap_or_default(),
                action,
            });
        }
        out.sort_by_key(|a| a.at);
        Ok(out)
    }
}

impl Store {
    /// When, by `until`, a re-evaluation after a catalog change (actor
    /// `system:catalog …`) changed findings. Those changes follow from a catalog the
    /// store no longer has, so a replay with today's catalog cannot reproduce their
    /// timing: an evidence pack says so.
    pub async fn catalog_reevaluations(&self, until: Timestamp) -> Result<Vec<Timestamp>> {
        let rows: Vec<(i64,)> = self
            .db
            .read()
            .all(
                "SELECT DISTINCT at_ms FROM finding_events WHERE report_id IS NULL \
                 AND actor LIKE 'system:catalog%' AND at_ms <= $1 ORDER BY at_ms",
                args![ms(until)],
            )
            .await?;
        Ok(rows.into_iter().map(|(t,)| ts(t)).collect())
    }
}

#[derive(sqlx::FromRow)]
struct EventRow {
    at_ms: i64,
    actor: String,
    host_id: String,
    product: String,
    reason: String,
    to_state: String,
    owner: Option<String>,
    due_ms: Option<i64>,
    removal_method: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ExceptionEventRow {
    id: String,
    host_id: String,
    product: String,
    justification: String,
    approver: String,
    created_ms: i64,
    expires_ms: i64,
    closed_ms: Option<i64>,
    closed_reason: Option<String>,
}
