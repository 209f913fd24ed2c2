//! Finding lifecycle: the state changes a scan causes ([`reconcile`]), the ones people
//! make (plan, start removal, exceptions) and exception expiry. Every change updates the
//! finding row and appends a `finding_events` row (who, when, why, the plan as it then
//! was) — the history the as-of queries read.

use crate::Store;
use crate::audit;
use crate::db::{Tx, args};
use crate::error::{Result, StoreError};
use crate::model::{Coverage, Exception, FindingState, Plan};
use crate::util::{end_of_day_ms, json_list, ms, new_id, parse_list, ts};
use interdict_findings::Finding;
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Who makes a change, when, and for which report.
pub(crate) struct Ctx<'a> {
    /// When the change is recorded.
    pub at: Timestamp,
    /// Who makes it.
    pub actor: &'a str,
    /// The report causing it, if any.
    pub report: Option<&'a str>,
}

impl<'a> Ctx<'a> {
    /// A change made by a person (or the system), not by a report.
    pub(crate) fn manual(at: Timestamp, actor: &'a str) -> Ctx<'a> {
        Ctx {
            at,
            actor,
            report: None,
        }
    }
}

/// Applies one state change to finding `id` (currently `from`): updates the row, sets
/// `plan` fields when given, sets the exception (cleared unless `exception` is given),
/// appends the event and describes it in `changes`.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn transition(
    tx: &mut Tx,
    id: &str,
    from: Option<FindingState>,
    to: FindingState,
    plan: Option<&Plan>,
    exception: Option<&str>,
    reason: &str,
    ctx: &Ctx<'_>,
    changes: &mut Vec<Value>,
) -> Result<()> {
    let (owner, due, method) = match plan {
        Some(p) => (
            Some(p.owner.clone()),
            Some(end_of_day_ms(p.due)),
            Some(p.removal_method.clone()),
        ),
        None => (None, None, None),
    };
    let (seq, owner, due, method): (i64, Option<String>, Option<i64>, Option<String>) = tx
        .exec()
        .one(
            "UPDATE findings SET state = $1, updated_ms = $2, event_seq = event_seq + 1, \
             owner = COALESCE($3, owner), due_ms = COALESCE($4, due_ms), \
             removal_method = COALESCE($5, removal_method), exception_id = $6 \
             WHERE id = $7 RETURNING event_seq, owner, due_ms, removal_method",
            args![to.as_str(), ms(ctx.at), owner, due, method, exception, id],
        )
        .await?;
    tx.execute(
        "INSERT INTO finding_events (finding_id, seq, at_ms, from_state, to_state, actor, \
         reason, owner, due_ms, removal_method, report_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        args![
            id,
            seq,
            ms(ctx.at),
            from.map(FindingState::as_str),
            to.as_str(),
            ctx.actor,
            reason,
            owner,
            due,
            method,
            ctx.report
        ],
    )
    .await?;
    changes.push(json!({
        "finding": id,
        "from": from.map(FindingState::as_str),
        "to": to.as_str(),
        "reason": reason,
    }));
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ExistingRow {
    id: String,
    product: String,
    state: String,
    collectors: String,
    directives: String,
}

pub(crate) fn state_of(s: &str) -> Result<FindingState> {
    FindingState::parse(s).ok_or_else(|| StoreError::Corrupt {
        what: "finding state".into(),
        message: format!("unknown state {s:?}"),
    })
}

/// The distinct collectors of a finding's evidence.
fn collectors_of(f: &Finding) -> Vec<String> {
    let set: BTreeSet<&str> = f.evidence.iter().map(|e| e.collector.as_str()).collect();
    set.into_iter().map(str::to_string).collect()
}

/// Brings host `host_id`'s findings in line with `findings` (one per product; the first
/// wins). With `coverage` (a scan) products no longer shown are `removed` and removed ones
/// still absent are `verified` — both only when the collectors that had found the product
/// ran without error (else the absence proves nothing and the state stays); without it (a re-evaluation of a stored
/// inventory) findings are only added or updated, never closed: only a scan can show a
/// removal. The host row must be locked by the caller.
pub(crate) async fn reconcile(
    tx: &mut Tx,
    host_id: &str,
    findings: &[Finding],
    coverage: Option<&Coverage>,
    ctx: &Ctx<'_>,
    changes: &mut Vec<Value>,
) -> Result<()> {
    let existing: Vec<ExistingRow> = tx
        .all(
            "SELECT id, product, state, collectors, directives FROM findings WHERE host_id = $1",
            args![host_id],
        )
        .await?;
    let mut existing: BTreeMap<String, ExistingRow> = existing
        .into_iter()
        .map(|r| (r.product.clone(), r))
        .collect();
    let mut seen = BTreeSet::new();
    let why_found = match ctx.report {
        Some(r) => format!("report {r} shows it"),
        None => "re-evaluation of the stored inventory shows it".to_string(),
    };
    for f in findings {
        if !seen.insert(f.product.as_str()) {
            continue;
        }
        let directives = json_list(&f.directives);
        let known = existing.remove(&f.product);
        let id = known.as_ref().map_or_else(new_id, |r| r.id.clone());
        // One argument list for the insert and the update ($1 id … $13 time).
        let values = args![
            id.as_str(),
            host_id,
            f.product.as_str(),
            f.product_name.as_str(),
            f.vendor.as_str(),
            f.family.as_str(),
            f.distribution.as_str(),
            f.confidence.as_str(),
            i64::from(f.catalogued),
            directives.clone(),
            json_list(&collectors_of(f)),
            serde_json::to_string(&f.evidence).unwrap_or_else(|_| "[]".into()),
            ms(ctx.at)
        ];
        match known {
            None => {
                tx.execute(
                    "INSERT INTO findings (id, host_id, product, product_name, vendor, family, \
                     distribution, confidence, catalogued, directives, collectors, evidence, \
                     first_seen_ms, last_seen_ms, updated_ms, state, event_seq) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $13, \
                     'identified', 0)",
                    values,
                )
                .await?;
                set_directives(tx, &id, &f.directives).await?;
                let to = FindingState::Identified;
                transition(tx, &id, None, to, None, None, &why_found, ctx, changes).await?;
            }
            Some(row) => {
                let state = state_of(&row.state)?;
                tx.execute(
                    "UPDATE findings SET product_name = $4, vendor = $5, family = $6, \
                     distribution = $7, confidence = $8, catalogued = $9, directives = $10, \
                     collectors = $11, evidence = $12, last_seen_ms = $13 \
                     WHERE id = $1 AND host_id = $2 AND product = $3",
                    values,
                )
                .await?;
                if row.directives != directives {
                    tx.execute(
                        "DELETE FROM finding_directives WHERE finding_id = $1",
                        args![row.id.as_str()],
                    )
                    .await?;
                    set_directives(tx, &row.id, &f.directives).await?;
                }
                if !state.is_present() {
                    let why = format!("{why_found} again after it was {}", state.as_str());
                    let to = FindingState::Reappeared;
                    transition(tx, &row.id, Some(state), to, None, None, &why, ctx, changes)
                        .await?;
                }
            }
        }
    }
    let (Some(coverage), Some(report)) = (coverage, ctx.report) else {
        return Ok(());
    };
    for row in existing.into_values() {
        let state = state_of(&row.state)?;
        // The absence proves something only where the collectors that found the product
        // ran without error.
        let found_by = parse_list(&row.collectors, "finding collectors")?;
        if !found_by.iter().all(|c| coverage.clean(c)) {
            continue;
        }
        let (to, why) = if state.is_present() {
            let why = format!("report {report} no longer shows it");
            (FindingState::Removed, why)
        } else if state == FindingState::Removed {
            let why = format!(
                "report {report} still does not show it and its collectors that found it \
                 ({}) ran without error",
                found_by.join(", ")
            );
            (FindingState::Verified, why)
        } else {
            continue;
        };
        transition(tx, &row.id, Some(state), to, None, None, &why, ctx, changes).await?;
    }
    Ok(())
}

async fn set_directives(tx: &mut Tx, finding: &str, directives: &[String]) -> Result<()> {
    for d in directives.iter().collect::<BTreeSet<_>>() {
        tx.execute(
            "INSERT INTO finding_directives (finding_id, directive_id) VALUES ($1, $2) \
             ON CONFLICT (finding_id, directive_id) DO NOTHING",
            args![finding, d.as_str()],
        )
        .await?;
    }
    Ok(())
}

/// Locks finding `id` and returns its state.
async fn lock_finding(tx: &mut Tx, id: &str) -> Result<FindingState> {
    let sql = format!(
        "SELECT state FROM findings WHERE id = $1{}",
        tx.for_update()
    );
    let row: Option<(String,)> = tx.optional(&sql, args![id]).await?;
    match row {
        Some((s,)) => state_of(&s),
        None => Err(StoreError::NotFound {
            kind: "finding",
            id: id.to_string(),
        }),
    }
}

/// Closes exception `id` of `finding` for `reason` (`expired`, `revoked`) unless it is
/// closed already (perhaps by another process); a finding still `excepted` by it reopens as
/// `identified`. Returns whether this call closed it.
async fn close_exception(
    tx: &mut Tx,
    id: &str,
    finding: &str,
    reason: &str,
    ctx: &Ctx<'_>,
    changes: &mut Vec<Value>,
) -> Result<bool> {
    let from = lock_finding(tx, finding).await?;
    let closed = tx
        .execute(
            "UPDATE exceptions SET closed_ms = $1, closed_reason = $2 \
             WHERE id = $3 AND closed_ms IS NULL",
            args![ms(ctx.at), reason, id],
        )
        .await?;
    if closed == 0 {
        return Ok(false);
    }
    let current: Option<(Option<String>,)> = tx
        .optional(
            "SELECT exception_id FROM findings WHERE id = $1",
            args![finding],
        )
        .await?;
    if from == FindingState::Excepted && current.and_then(|c| c.0).as_deref() == Some(id) {
        let why = format!("exception {id} {reason}");
        let to = FindingState::Identified;
        transition(tx, finding, Some(from), to, None, None, &why, ctx, changes).await?;
    }
    Ok(true)
}

impl Store {
    /// Plans the removal of every finding in `ids` (the bulk plan): each must be
    /// `identified`, `reappeared` or already `planned` (a re-plan). All or nothing.
    pub async fn plan_findings(
        &self,
        ids: &[String],
        plan: &Plan,
        at: Timestamp,
        actor: &str,
        reason: &str,
    ) -> Result<usize> {
        if plan.owner.trim().is_empty() {
            return Err(StoreError::Invalid("a plan needs an owner".into()));
        }
        let allowed = [
            FindingState::Identified,
            FindingState::Reappeared,
            FindingState::Planned,
        ];
        self.change_states(
            ids,
            FindingState::Planned,
            &allowed,
            Some(plan),
            at,
            actor,
            reason,
        )
        .await
    }

    /// Marks every finding in `ids` as `removal-in-progress`; each must be `planned`.
    pub async fn start_removal(
        &self,
        ids: &[String],
        at: Timestamp,
        actor: &str,
        reason: &str,
    ) -> Result<usize> {
        let allowed = [FindingState::Planned];
        let to = FindingState::RemovalInProgress;
        self.change_states(ids, to, &allowed, None, at, actor, reason)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn change_states(
        &self,
        ids: &[String],
        to: FindingState,
        allowed: &[FindingState],
        plan: Option<&Plan>,
        at: Timestamp,
        actor: &str,
        reason: &str,
    ) -> Result<usize> {
        let mut tx = self.db.begin().await?;
        let ctx = Ctx::manual(at, actor);
        let mut changes = Vec::new();
        let ids: BTreeSet<&String> = ids.iter().collect();
        for id in &ids {
            let from = lock_finding(&mut tx, id).await?;
            if !allowed.contains(&from) {
                tx.rollback().await?;
                return Err(StoreError::InvalidTransition {
                    finding: id.to_string(),
                    from: from.as_str().into(),
                    to: to.as_str().into(),
                });
            }
            transition(
                &mut tx,
                id,
                Some(from),
                to,
                plan,
                None,
                reason,
                &ctx,
                &mut changes,
            )
            .await?;
        }
        let action = format!("finding.{}", to.as_str());
        let detail = json!({"changes": changes, "plan": plan});
        audit::append(
            &mut tx,
            at,
            actor,
            &action,
            &format!("{} findings", ids.len()),
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(ids.len())
    }

    /// Grants an exception to an open finding until `expires`; the finding becomes
    /// `excepted`. When the exception expires ([`Store::expire_exceptions`]) the finding
    /// reopens as `identified`.
    #[allow(clippy::too_many_arguments)]
    pub async fn grant_exception(
        &self,
        finding: &str,
        justification: &str,
        approver: &str,
        expires: Timestamp,
        at: Timestamp,
        actor: &str,
    ) -> Result<Exception> {
        if justification.trim().is_empty() || approver.trim().is_empty() {
            return Err(StoreError::Invalid(
                "an exception needs a justification and an approver".into(),
            ));
        }
        if expires <= at {
            return Err(StoreError::Invalid(
                "an exception must expire in the future".into(),
            ));
        }
        let mut tx = self.db.begin().await?;
        let from = lock_finding(&mut tx, finding).await?;
        if !from.is_open() {
            tx.rollback().await?;
            return Err(StoreError::InvalidTransition {
                finding: finding.to_string(),
                from: from.as_str().into(),
                to: FindingState::Excepted.as_str().into(),
            });
        }
        let id = new_id();
        tx.execute(
            "INSERT INTO exceptions (id, finding_id, justification, approver, created_ms, \
             expires_ms) VALUES ($1, $2, $3, $4, $5, $6)",
            args![
                id.clone(),
                finding,
                justification,
                approver,
                ms(at),
                ms(expires)
            ],
        )
        .await?;
        let ctx = Ctx::manual(at, actor);
        let mut changes = Vec::new();
        let why = format!("exception {id} approved by {approver}: {justification}");
        let to = FindingState::Excepted;
        transition(
            &mut tx,
            finding,
            Some(from),
            to,
            None,
            Some(&id),
            &why,
            &ctx,
            &mut changes,
        )
        .await?;
        let detail = json!({"finding": finding, "justification": justification,
            "approver": approver, "expires": expires.to_string(), "changes": changes});
        audit::append(&mut tx, at, actor, "exception.grant", &id, &detail).await?;
        tx.commit().await?;
        Ok(Exception {
            id,
            finding: finding.to_string(),
            justification: justification.to_string(),
            approver: approver.to_string(),
            created: at,
            expires,
            closed: None,
            closed_reason: None,
        })
    }

    /// Closes every exception that has expired by `at`; each finding still `excepted`
    /// reopens as `identified`. Returns how many expired. The server calls this
    /// periodically; [`Store::ingest`] calls it first.
    pub async fn expire_exceptions(&self, at: Timestamp, actor: &str) -> Result<usize> {
        let due: Vec<(String, String)> = self
            .db
            .read()
            .all(
                "SELECT id, finding_id FROM exceptions WHERE closed_ms IS NULL AND expires_ms <= $1 \
                 ORDER BY id",
                args![ms(at)],
            )
            .await?;
        if due.is_empty() {
            return Ok(0);
        }
        let mut tx = self.db.begin().await?;
        let ctx = Ctx::manual(at, actor);
        let mut changes = Vec::new();
        let mut expired = 0;
        for (id, finding) in due {
            if close_exception(&mut tx, &id, &finding, "expired", &ctx, &mut changes).await? {
                expired += 1;
            }
        }
        if expired > 0 {
            let detail = json!({"expired": expired, "changes": changes});
            audit::append(
                &mut tx,
                at,
                actor,
                "exception.expire",
                "exceptions",
                &detail,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(expired)
    }

    /// Revokes exception `id` before its expiry; its finding, if still `excepted`,
    /// reopens as `identified`.
    pub async fn revoke_exception(&self, id: &str, at: Timestamp, actor: &str) -> Result<()> {
        let row: Option<(String,)> = self
            .db
            .read()
            .optional("SELECT finding_id FROM exceptions WHERE id = $1", args![id])
            .await?;
        let Some((finding,)) = row else {
            return Err(StoreError::NotFound {
                kind: "exception",
                id: id.to_string(),
            });
        };
        let mut tx = self.db.begin().await?;
        let ctx = Ctx::manual(at, actor);
        let mut changes = Vec::new();
        if !close_exception(&mut tx, id, &finding, "revoked", &ctx, &mut changes).await? {
            tx.rollback().await?;
            return Err(StoreError::Conflict(format!(
                "exception {id} is closed already"
            )));
        }
        let detail = json!({"finding": finding, "changes": changes});
        audit::append(&mut tx, at, actor, "exception.revoke", id, &detail).await?;
        tx.commit().await
    }

    /// Exceptions of a finding (all of them when `finding` is `None`), newest first.
    pub async fn exceptions(&self, finding: Option<&str>) -> Result<Vec<Exception>> {
        let rows: Vec<ExceptionRow> = self
            .db
            .read()
            .all(
                "SELECT id, finding_id, justification, approver, created_ms, expires_ms, \
                 closed_ms, closed_reason FROM exceptions \
                 WHERE ($1 IS NULL OR finding_id = $1) ORDER BY created_ms DESC, id",
                args![finding],
            )
            .await?;
        Ok(rows.into_iter().map(Exception::from).collect())
    }
}

/// An `exceptions` row as selected (`id, finding_id, justification, approver,
/// created_ms, expires_ms, closed_ms, closed_reason`).
#[derive(sqlx::FromRow)]
pub(crate) struct ExceptionRow {
    id: String,
    finding_id: String,
    justification: String,
    approver: String,
    created_ms: i64,
    expires_ms: i64,
    closed_ms: Option<i64>,
    closed_reason: Option<String>,
}

impl From<ExceptionRow> for Exception {
    fn from(r: ExceptionRow) -> Self {
        Exception {
            id: r.id,
            finding: r.finding_id,
            justification: r.justification,
            approver: r.approver,
            created: ts(r.created_ms),
            expires: ts(r.expires_ms),
            closed: r.closed_ms.map(ts),
            closed_reason: r.closed_reason,
        }
    }
}
