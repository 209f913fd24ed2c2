//! Listings: hosts, findings (now or as of a past instant), products with endpoint
//! counts, finding history. Keyset pagination with opaque cursors.

use crate::Store;
use crate::db::{Arg, args};
use crate::error::{Result, StoreError};
use crate::lifecycle::state_of;
use crate::model::{
    Coverage, FindingEvent, FindingRecord, FindingState, HostRecord, Page, Plan, ProductEndpoints,
    ScanRecord,
};
use crate::overview::AS_OF_EVENTS;
use crate::util::{decode_cursor, ms, page_limit, paginate, parse_list, ts};
use interdict_findings::Evidence;
use jiff::Timestamp;

/// Filters of the hosts listing; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct HostFilter {
    /// Case-insensitive substring of the name or id.
    pub search: Option<String>,
    /// Hosts with at least one finding in this state.
    pub state: Option<FindingState>,
    /// Platform (`linux`, …) or OS id (`debian`, …).
    pub os: Option<String>,
    /// Hosts whose last report arrived at or after this instant.
    pub seen_since: Option<Timestamp>,
    /// Hosts whose last report arrived before this instant (stale hosts).
    pub seen_before: Option<Timestamp>,
}

/// Filters of the findings listing; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    /// Findings covered by this directive.
    pub directive: Option<String>,
    /// Of this product id.
    pub product: Option<String>,
    /// In this state.
    pub state: Option<FindingState>,
    /// On this host id.
    pub host: Option<String>,
}

/// Appends `clause` with its value as the next placeholder.
fn push(where_: &mut Vec<String>, args: &mut Vec<Arg>, clause: &str, value: impl Into<Arg>) {
    args.push(value.into());
    where_.push(clause.replace('?', &format!("${}", args.len())));
}

/// The WHERE clauses and arguments of a host filter (`h` is the hosts table).
fn host_where(filter: &HostFilter, w: &mut Vec<String>, a: &mut Vec<Arg>) {
    if let Some(s) = &filter.search {
        let pat = format!("%{}%", s.to_lowercase());
        push(w, a, "(lower(h.name) LIKE ? OR h.id LIKE ?)", pat);
    }
    if let Some(state) = filter.state {
        // An uncorrelated `IN` list is built once; a correlated `EXISTS` let SQLite walk
        // every finding in that state once per host (seconds at 10k hosts).
        push(
            w,
            a,
            "h.id IN (SELECT x.host_id FROM findings x WHERE x.state = ?)",
            state.as_str(),
        );
    }
    if let Some(os) = &filter.os {
        push(w, a, "(h.os_platform = ? OR h.os_id = ?)", os.as_str());
    }
    if let Some(t) = filter.seen_since {
        push(w, a, "h.last_seen_ms >= ?", ms(t));
    }
    if let Some(t) = filter.seen_before {
        push(w, a, "h.last_seen_ms < ?", ms(t));
    }
}

#[derive(sqlx::FromRow)]
struct HostRow {
    id: String,
    name: String,
    os_platform: String,
    os_id: String,
    os_version: String,
    os_name: String,
    first_seen_ms: i64,
    last_seen_ms: i64,
    last_scan_ms: i64,
    last_report_id: String,
    collectors_ran: String,
    collectors_failed: String,
    inventory_hash: Option<String>,
    open_findings: i64,
}

#[derive(sqlx::FromRow)]
struct FindingRow {
    id: String,
    host_id: String,
    host_name: String,
    product: String,
    product_name: String,
    vendor: String,
    family: String,
    distribution: String,
    confidence: String,
    catalogued: i64,
    directives: String,
    state: String,
    owner: Option<String>,
    due_ms: Option<i64>,
    removal_method: Option<String>,
    exception_id: Option<String>,
    first_seen_ms: i64,
    last_seen_ms: i64,
    changed_ms: i64,
}

impl FindingRow {
    fn record(self) -> Result<FindingRecord> {
        let plan = match (self.owner, self.due_ms, self.removal_method) {
            (Some(owner), Some(due), Some(removal_method)) => Some(Plan {
                owner,
                due: ts(due).to_zoned(jiff::tz::TimeZone::UTC).date(),
                removal_method,
            }),
            _ => None,
        };
        let state = state_of(&self.state)?;
        Ok(FindingRecord {
            id: self.id,
            host_id: self.host_id,
            host_name: self.host_name,
            product: self.product,
            product_name: self.product_name,
            vendor: self.vendor,
            family: self.family,
            distribution: self.distribution,
            confidence: self.confidence,
            catalogued: self.catalogued != 0,
            directives: parse_list(&self.directives, "finding directives")?,
            state,
            plan,
            exception: self
                .exception_id
                .filter(|_| state == FindingState::Excepted),
            first_seen: ts(self.first_seen_ms),
            last_seen: ts(self.last_seen_ms),
            changed: ts(self.changed_ms),
        })
    }
}

const HOST_SELECT: &str = "SELECT h.id, h.name, h.os_platform, h.os_id, h.os_version, \
     h.os_name, h.first_seen_ms, h.last_seen_ms, h.last_scan_ms, h.last_report_id, \
     h.collectors_ran, h.collectors_failed, h.inventory_hash, \
     (SELECT count(*) FROM findings o WHERE o.host_id = h.id AND o.state IN \
      ('identified', 'planned', 'removal-in-progress', 'reappeared')) AS open_findings \
     FROM hosts h";

impl HostRow {
    fn record(self) -> Result<HostRecord> {
        Ok(HostRecord {
            coverage: Coverage {
                ran: parse_list(&self.collectors_ran, "host coverage")?,
                failed: parse_list(&self.collectors_failed, "host coverage")?,
            },
            id: self.id,
            name: self.name,
            os_platform: self.os_platform,
            os_id: self.os_id,
            os_version: self.os_version,
            os_name: self.os_name,
            first_seen: ts(self.first_seen_ms),
            last_seen: ts(self.last_seen_ms),
            last_scan: ts(self.last_scan_ms),
            last_report: self.last_report_id,
            inventory_hash: self.inventory_hash,
            open_findings: self.open_findings,
        })
    }
}

const FINDING_COLUMNS: &str = "f.id, f.host_id, h.name AS host_name, f.product, f.product_name, \
     f.vendor, f.family, f.distribution, f.confidence, f.catalogued, f.directives";

impl Store {
    /// Hosts by id, filtered, paginated.
    pub async fn hosts(
        &self,
        filter: &HostFilter,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<HostRecord>> {
        let limit = page_limit(limit);
        let mut w = Vec::new();
        let mut a = Vec::new();
        push(&mut w, &mut a, "h.id > ?", decode_cursor(cursor)?);
        host_where(filter, &mut w, &mut a);
        a.push(Arg::from(limit + 1));
        let sql = format!(
            "{HOST_SELECT} WHERE {} ORDER BY h.id LIMIT ${}",
            w.join(" AND "),
            a.len()
        );
        let rows: Vec<HostRow> = self.db.read().all(&sql, a).await?;
        let items = rows
            .into_iter()
            .map(HostRow::record)
            .collect::<Result<Vec<_>>>()?;
        Ok(paginate(items, limit, |h| h.id.clone()))
    }

    /// How many hosts `filter` selects.
    pub async fn host_count(&self, filter: &HostFilter) -> Result<i64> {
        let mut w = vec!["1 = 1".to_string()];
        let mut a = Vec::new();
        host_where(filter, &mut w, &mut a);
        let sql = format!("SELECT count(*) FROM hosts h WHERE {}", w.join(" AND "));
        let (n,): (i64,) = self.db.read().one(&sql, a).await?;
        Ok(n)
    }

    /// One host.
    pub async fn host(&self, id: &str) -> Result<Option<HostRecord>> {
        let sql = format!("{HOST_SELECT} WHERE h.id = $1");
        let row: Option<HostRow> = self.db.read().optional(&sql, args![id]).await?;
        row.map(HostRow::record).transpose()
    }

    /// Findings by id, filtered, paginated: the current state, or with `as_of` the state
    /// each finding had at that instant (findings that did not exist yet are left out; the
    /// plan is the one recorded with that state; directives are today's).
    pub async fn findings(
        &self,
        filter: &FindingFilter,
        as_of: Option<Timestamp>,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<FindingRecord>> {
        let limit = page_limit(limit);
        let mut w = Vec::new();
        let mut a = Vec::new();
        // The as-of instant, when given, is always `$1` (see AS_OF_EVENTS).
        let (state_cols, from) = match as_of {
            None => (
                "f.state, f.owner, f.due_ms, f.removal_method, f.exception_id, \
                 f.updated_ms AS changed_ms",
                "findings f",
            ),
            Some(t) => {
                a.push(Arg::from(ms(t)));
                (
                    "e.to_state AS state, e.owner, e.due_ms, e.removal_method, \
                     f.exception_id, e.at_ms AS changed_ms",
                    AS_OF_EVENTS,
                )
            }
        };
        push(&mut w, &mut a, "f.id > ?", decode_cursor(cursor)?);
        let state_col = if as_of.is_some() {
            "e.to_state"
        } else {
            "f.state"
        };
        if let Some(d) = &filter.directive {
            push(
                &mut w,
                &mut a,
                "EXISTS (SELECT 1 FROM finding_directives fd WHERE fd.finding_id = f.id \
                 AND fd.directive_id = ?)",
                d.as_str(),
            );
        }
        if let Some(p) = &filter.product {
            push(&mut w, &mut a, "f.product = ?", p.as_str());
        }
        if let Some(s) = filter.state {
            push(&mut w, &mut a, &format!("{state_col} = ?"), s.as_str());
        }
        if let Some(h) = &filter.host {
            push(&mut w, &mut a, "f.host_id = ?", h.as_str());
        }
        a.push(Arg::from(limit + 1));
        let sql = format!(
            "SELECT {FINDING_COLUMNS}, {state_cols}, f.first_seen_ms, f.last_seen_ms \
             FROM {from} JOIN hosts h ON h.id = f.host_id WHERE {} ORDER BY f.id LIMIT ${}",
            w.join(" AND "),
            a.len()
        );
        let rows: Vec<FindingRow> = self.db.read().all(&sql, a).await?;
        let items = rows
            .into_iter()
            .map(FindingRow::record)
            .collect::<Result<Vec<_>>>()?;
        Ok(paginate(items, limit, |f| f.id.clone()))
    }

    /// One finding as it is now.
    pub async fn finding(&self, id: &str) -> Result<FindingRecord> {
        let sql = format!(
            "SELECT {FINDING_COLUMNS}, f.state, f.owner, f.due_ms, f.removal_method, \
             f.exception_id, f.updated_ms AS changed_ms, f.first_seen_ms, f.last_seen_ms \
             FROM findings f JOIN hosts h ON h.id = f.host_id WHERE f.id = $1"
        );
        let row: Option<FindingRow> = self.db.read().optional(&sql, args![id]).await?;
        row.ok_or_else(|| StoreError::NotFound {
            kind: "finding",
            id: id.to_string(),
        })?
        .record()
    }

    /// The finding of `product` on `host`, if any.
    pub async fn finding_of(&self, host: &str, product: &str) -> Result<Option<FindingRecord>> {
        let row: Option<(String,)> = self
            .db
            .read()
            .optional(
                "SELECT id FROM findings WHERE host_id = $1 AND product = $2",
                args![host, product],
            )
            .await?;
        match row {
            Some((id,)) => self.finding(&id).await.map(Some),
            None => Ok(None),
        }
    }

    /// The evidence of a finding's last evaluation.
    pub async fn finding_evidence(&self, id: &str) -> Result<Vec<Evidence>> {
        let row: Option<(String,)> = self
            .db
            .read()
            .optional("SELECT evidence FROM findings WHERE id = $1", args![id])
            .await?;
        let (text,) = row.ok_or_else(|| StoreError::NotFound {
            kind: "finding",
            id: id.to_string(),
        })?;
        serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
            what: format!("evidence of finding {id}"),
            message: e.to_string(),
        })
    }

    /// Every state change of a finding, oldest first.
    pub async fn finding_history(&self, id: &str) -> Result<Vec<FindingEvent>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            seq: i64,
            at_ms: i64,
            from_state: Option<String>,
            to_state: String,
            actor: String,
            reason: String,
            report_id: Option<String>,
        }
        let rows: Vec<Row> = self
            .db
            .read()
            .all(
                "SELECT seq, at_ms, from_state, to_state, actor, reason, report_id \
                 FROM finding_events WHERE finding_id = $1 ORDER BY seq",
                args![id],
            )
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(FindingEvent {
                    seq: r.seq,
                    at: ts(r.at_ms),
                    from: r.from_state.as_deref().map(state_of).transpose()?,
                    to: state_of(&r.to_state)?,
                    actor: r.actor,
                    reason: r.reason,
                    report: r.report_id,
                })
            })
            .collect()
    }

    /// The scans of host `host`, newest received first, paginated.
    pub async fn scans(
        &self,
        host: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<ScanRecord>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            report_id: String,
            host_id: String,
            scanned_ms: i64,
            received_ms: i64,
            collectors_ran: String,
            collectors_failed: String,
            inventory_hash: Option<String>,
            findings: i64,
            applied: i64,
        }
        let limit = page_limit(limit);
        let after = decode_cursor(cursor)?;
        let (before_ms, before_id) = match after.split_once('|') {
            Some((t, id)) => (
                t.parse::<i64>()
                    .map_err(|_| StoreError::Invalid("invalid cursor".into()))?,
                id.to_string(),
            ),
            None => (i64::MAX, String::new()),
        };
        let rows: Vec<Row> = self
            .db
            .read()
            .all(
                "SELECT report_id, host_id, scanned_ms, received_ms, collectors_ran, \
                 collectors_failed, inventory_hash, findings, applied FROM scans \
                 WHERE host_id = $1 AND (received_ms < $2 OR (received_ms = $2 AND report_id < $3)) \
                 ORDER BY received_ms DESC, report_id DESC LIMIT $4",
                args![host, before_ms, before_id, limit + 1],
            )
            .await?;
        let items = rows
            .into_iter()
            .map(|r| {
                Ok(ScanRecord {
                    coverage: Coverage {
                        ran: parse_list(&r.collectors_ran, "scan coverage")?,
                        failed: parse_list(&r.collectors_failed, "scan coverage")?,
                    },
                    report: r.report_id,
                    host_id: r.host_id,
                    scanned: ts(r.scanned_ms),
                    received: ts(r.received_ms),
                    inventory_hash: r.inventory_hash,
                    findings: r.findings,
                    applied: r.applied != 0,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(paginate(items, limit, |s| {
            format!("{}|{}", ms(s.received), s.report)
        }))
    }

    /// Products with endpoint counts (optionally only those a directive covers), by
    /// product id, paginated.
    pub async fn products(
        &self,
        directive: Option<&str>,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<ProductEndpoints>> {
        let limit = page_limit(limit);
        let rows: Vec<ProductEndpoints> = self
            .db
            .read()
            .all(
                "SELECT f.product, max(f.product_name) AS product_name, \
                 count(CASE WHEN f.state IN ('identified', 'planned', 'removal-in-progress', \
                   'reappeared', 'excepted') THEN 1 END) AS endpoints, \
                 count(CASE WHEN f.state IN ('identified', 'planned', 'removal-in-progress', \
                   'reappeared') THEN 1 END) AS open, \
                 count(CASE WHEN f.state IN ('removed', 'verified') THEN 1 END) AS closed \
                 FROM findings f WHERE f.product > $1 AND ($2 IS NULL OR EXISTS \
                 (SELECT 1 FROM finding_directives fd WHERE fd.finding_id = f.id \
                  AND fd.directive_id = $2)) \
                 GROUP BY f.product ORDER BY f.product LIMIT $3",
                args![decode_cursor(cursor)?, directive, limit + 1],
            )
            .await?;
        Ok(paginate(rows, limit, |p| p.product.clone()))
    }
}
