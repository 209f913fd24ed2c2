//! The audit log: append-only and hash-chained. Each entry's hash is SHA-256 over the
//! previous entry's hash and the entry's own fields; a one-row chain head (`audit_head`)
//! holds the last sequence number and hash. Appends lock the head row (`FOR UPDATE` on
//! PostgreSQL; SQLite's single writer serializes them), so concurrent writers from any
//! number of processes still build one chain.

use crate::Store;
use crate::db::{Tx, args};
use crate::error::Result;
use crate::model::{AuditEntry, AuditVerification, BrokenLink, Page};
use crate::util::{decode_cursor, ms, page_limit, paginate, ts};
use interdict_findings::audit::{AuditRecord, entry_hash};
use jiff::Timestamp;

/// Appends one entry inside `tx`; returns its sequence number.
pub(crate) async fn append(
    tx: &mut Tx,
    at: Timestamp,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &serde_json::Value,
) -> Result<i64> {
    let lock = format!(
        "SELECT seq, hash FROM audit_head WHERE id = 1{}",
        tx.for_update()
    );
    let (last, prev): (i64, String) = tx.exec().one(&lock, args![]).await?;
    let seq = last + 1;
    let detail = detail.to_string();
    let hash = entry_hash(&prev, seq, ms(at), actor, action, subject, &detail);
    tx.execute(
        "INSERT INTO audit_log (seq, at_ms, actor, action, subject, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        args![
            seq,
            ms(at),
            actor,
            action,
            subject,
            detail,
            prev,
            hash.clone()
        ],
    )
    .await?;
    tx.execute(
        "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
        args![seq, hash],
    )
    .await?;
    Ok(seq)
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    seq: i64,
    at_ms: i64,
    actor: String,
    action: String,
    subject: String,
    detail: String,
    prev_hash: String,
    hash: String,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            seq: r.seq,
            at: ts(r.at_ms),
            actor: r.actor,
            action: r.action,
            subject: r.subject,
            detail: r.detail,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

const SELECT_AUDIT: &str = "SELECT seq, at_ms, actor, action, subject, detail, prev_hash, hash \
     FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2";

impl Store {
    /// Audit entries in order, paginated.
    pub async fn audit_entries(
        &self,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<AuditEntry>> {
        let after: i64 = match decode_cursor(cursor)?.as_str() {
            "" => 0,
            s => s
                .parse()
                .map_err(|_| crate::StoreError::Invalid("invalid cursor".into()))?,
        };
        let limit = page_limit(limit);
        let rows: Vec<AuditRow> = self
            .db
            .read()
            .all(SELECT_AUDIT, args![after, limit + 1])
            .await?;
        Ok(paginate(
            rows.into_iter().map(AuditEntry::from).collect(),
            limit,
            |e| e.seq.to_string(),
        ))
    }

    /// The contiguous run of audit entries from the first recorded at or after `since` to
    /// the last recorded at or before `until` (entries between them are kept whatever
    /// their clock says, so the run has no gap), as evidence packs carry them. The first
    /// entry's `prev_hash` anchors the segment to the rest of the chain.
    pub async fn audit_segment(
        &self,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<AuditRecord>> {
        let rows: Vec<AuditRow> = self
            .db
            .read()
            .all(
                "SELECT seq, at_ms, actor, action, subject, detail, prev_hash, hash \
                 FROM audit_log WHERE seq >= (SELECT coalesce(min(seq), 9223372036854775807) \
                 FROM audit_log WHERE at_ms >= $1) AND seq <= (SELECT coalesce(max(seq), 0) \
                 FROM audit_log WHERE at_ms <= $2) ORDER BY seq",
                args![ms(since), ms(until)],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| AuditRecord {
                seq: r.seq,
                at_ms: r.at_ms,
                actor: r.actor,
                action: r.action,
                subject: r.subject,
                detail: r.detail,
                prev_hash: r.prev_hash,
                hash: r.hash,
            })
            .collect())
    }

    /// The chain head now: the last entry's sequence number and hash (`0` and empty for an
    /// empty log), the anchor an exported segment is checked against later.
    pub async fn audit_head(&self) -> Result<(i64, String)> {
        self.db
            .read()
            .one("SELECT seq, hash FROM audit_head WHERE id = 1", args![])
            .await
    }

    /// Walks the whole chain and names the first broken link: a missing entry (deleted),
    /// an entry whose content no longer matches its hash (edited), an entry whose
    /// `prev_hash` is not its predecessor's hash, or a chain head that points past the
    /// last entry (entries deleted at the end).
    pub async fn verify_audit(&self) -> Result<AuditVerification> {
        let mut expected = 1i64;
        let mut prev = String::new();
        let mut entries = 0i64;
        let broken = |entries: i64, seq: i64, problem: String| {
            Ok(AuditVerification {
                entries,
                first_broken: Some(BrokenLink { seq, problem }),
            })
        };
        loop {
            let rows: Vec<AuditRow> = self
                .db
                .read()
                .all(SELECT_AUDIT, args![expected - 1, 1000i64])
                .await?;
            if rows.is_empty() {
                break;
            }
            for r in rows {
                if r.seq != expected {
                    return broken(
                        entries,
                        expected,
                        format!(
                            "entry {expected} is missing (deleted); the next is {}",
                            r.seq
                        ),
                    );
                }
                if r.prev_hash != prev {
                    return broken(
                        entries,
                        r.seq,
                        format!("prev_hash does not match entry {}'s hash", r.seq - 1),
                    );
                }
                let h = entry_hash(
                    &prev, r.seq, r.at_ms, &r.actor, &r.action, &r.subject, &r.detail,
                );
                if h != r.hash {
                    return broken(
                        entries,
                        r.seq,
                        "content does not match its hash (edited)".to_string(),
                    );
                }
                prev = r.hash;
                expected += 1;
                entries += 1;
            }
        }
        let (head_seq, head_hash): (i64, String) = self
            .db
            .read()
            .one("SELECT seq, hash FROM audit_head WHERE id = 1", args![])
            .await?;
        if head_seq != entries || head_hash != prev {
            return broken(
                entries,
                entries + 1,
                format!(
                    "the chain head names entry {head_seq} but the log ends at entry {entries} \
                     (entries deleted at the end)"
                ),
            );
        }
        Ok(AuditVerification {
            entries,
            first_broken: None,
        })
    }
}
