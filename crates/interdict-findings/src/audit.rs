//! The audit chain's hashing: shared by the store, which writes the chain, and the
//! evidence pack, which re-checks an exported segment of it offline.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One audit-log entry with exactly the fields its hash covers, as an evidence pack
/// carries it (one JSON object per line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// 1, 2, … without gaps.
    pub seq: i64,
    /// When, in milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// Who.
    pub actor: String,
    /// What kind of change (`report.ingest`, `finding.plan`, …).
    pub action: String,
    /// What it changed.
    pub subject: String,
    /// The change itself (JSON text, hashed as stored).
    pub detail: String,
    /// The previous entry's hash (empty for the first entry of the log).
    pub prev_hash: String,
    /// SHA-256 (hex) over `prev_hash` and this entry's fields.
    pub hash: String,
}

impl AuditRecord {
    /// The hash this entry's fields call for (equal to `hash` unless it was edited).
    pub fn computed_hash(&self) -> String {
        entry_hash(
            &self.prev_hash,
            self.seq,
            self.at_ms,
            &self.actor,
            &self.action,
            &self.subject,
            &self.detail,
        )
    }
}

/// The hash of one entry: SHA-256 over length-prefixed fields, so no two different
/// entries share a preimage.
pub fn entry_hash(
    prev: &str,
    seq: i64,
    at_ms: i64,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> String {
    let mut pre = String::new();
    for field in [
        prev,
        &seq.to_string(),
        &at_ms.to_string(),
        actor,
        action,
        subject,
        detail,
    ] {
        pre.push_str(&field.len().to_string());
        pre.push(':');
        pre.push_str(field);
        pre.push('\n');
    }
    hex::encode(Sha256::digest(pre.as_bytes()))
}

/// Where a segment of the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit entry {seq}: {problem}")]
pub struct ChainBreak {
    /// The entry at fault.
    pub seq: i64,
    /// What is wrong with it.
    pub problem: String,
}

/// Checks a contiguous segment of the chain: sequence numbers without gaps, the first
/// entry's `prev_hash` equal to `anchor` (the hash of the entry before the segment, empty
/// when the segment starts the log), each `prev_hash` its predecessor's hash, and each
/// hash recomputed from the entry's fields.
pub fn verify_segment(records: &[AuditRecord], anchor: &str) -> Result<(), ChainBreak> {
    let mut prev = anchor;
    let mut expected: Option<i64> = None;
    for r in records {
        if let Some(seq) = expected
            && r.seq != seq
        {
            return Err(ChainBreak {
                seq,
                problem: format!("entry {seq} is missing; the next is {}", r.seq),
            });
        }
        if r.prev_hash != prev {
            return Err(ChainBreak {
                seq: r.seq,
                problem: "prev_hash does not match the previous entry's hash".into(),
            });
        }
        if r.computed_hash() != r.hash {
            return Err(ChainBreak {
                seq: r.seq,
                problem: "content does not match its hash (edited)".into(),
            });
        }
        prev = &r.hash;
        expected = Some(r.seq + 1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut out: Vec<AuditRecord> = Vec::new();
        for seq in 1..=n {
            let prev_hash = out.last().map(|r| r.hash.clone()).unwrap_or_default();
            let mut r = AuditRecord {
                seq,
                at_ms: 1_700_000_000_000 + seq,
                actor: "admin".into(),
                action: "finding.plan".into(),
                subject: format!("f{seq}"),
                detail: "{}".into(),
                prev_hash,
                hash: String::new(),
            };
            r.hash = r.computed_hash();
            out.push(r);
        }
        out
    }

    #[test]
    fn an_intact_segment_verifies_from_its_anchor() {
        let c = chain(5);
        assert_eq!(verify_segment(&c, ""), Ok(()));
        assert_eq!(verify_segment(&c[2..], &c[1].hash), Ok(()));
        assert_eq!(verify_segment(&c[2..], "").unwrap_err().seq, 3);
    }

    #[test]
    fn edits_gaps_and_relinks_are_named() {
        let mut c = chain(4);
        c[2].actor = "mallory".into();
        let e = verify_segment(&c, "").unwrap_err();
        assert_eq!((e.seq, e.problem.contains("edited")), (3, true));

        let mut c = chain(4);
        c.remove(1);
        let e = verify_segment(&c, "").unwrap_err();
        assert_eq!((e.seq, e.problem.contains("missing")), (2, true));
    }

    #[test]
    fn the_preimage_is_length_prefixed() {
        assert_ne!(
            entry_hash("", 1, 2, "ab", "c", "", ""),
            entry_hash("", 1, 2, "a", "bc", "", "")
        );
    }
}
