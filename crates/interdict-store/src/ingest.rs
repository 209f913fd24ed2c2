//! Report ingest and fleet re-evaluation.
//!
//! A report is stored in one transaction, committed before [`Store::ingest`] returns: the
//! raw document (zlib), one scan row per host, the hosts upserted, each host's inventory
//! content-addressed (SHA-256 of the canonical inventory: an unchanged inventory costs
//! one hash and one lookup), the findings reconciled with the lifecycle, and one audit
//! entry listing every change. The report id makes it idempotent: a second report with
//! the same id changes nothing and answers [`IngestOutcome::Duplicate`].
//!
//! A scan older than the host's last applied scan (out-of-order delivery) is kept in the
//! history but does not move the lifecycle or the host's current state.

use crate::Store;
use crate::audit;
use crate::db::{Tx, args, write_tx};
use crate::error::{Result, StoreError};
use crate::lifecycle::{Ctx, reconcile};
use crate::model::{Coverage, IngestOutcome, Page};
use crate::util::{
    compress, decode_cursor, decompress, json_list, ms, page_limit, paginate, sha256_hex,
};
use interdict_findings::{Finding, Os, Report, SourceKind};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Findings per host id, as the caller computed them (or as the report carries them:
/// [`findings_by_host`]).
pub type HostFindings = BTreeMap<String, Vec<Finding>>;

/// One host (or SBOM document) a report covers.
struct Unit {
    id: String,
    name: String,
    os: Os,
    /// (hash, canonical JSON, item count).
    inventory: Option<(String, Vec<u8>, i64)>,
}

/// The canonical form of an inventory: each item's JSON, sorted, as one JSON array — so
/// the same items in another order hash the same.
fn canonical_inventory<T: Serialize>(items: &[T]) -> (String, Vec<u8>, i64) {
    let mut parts: Vec<String> = items
        .iter()
        .filter_map(|i| serde_json::to_string(i).ok())
        .collect();
    parts.sort_unstable();
    let body = format!("[{}]", parts.join(",")).into_bytes();
    (sha256_hex(&body), body, parts.len() as i64)
}

/// The id of an SBOM document taken as a fleet unit.
fn sbom_unit_id(doc: &interdict_findings::Document) -> String {
    match &doc.serial_number {
        Some(s) if !s.trim().is_empty() => format!("sbom:{}", s.trim().to_lowercase()),
        _ => format!("sbom:{}", doc.file.trim().to_lowercase()),
    }
}

/// The units of a report: the scanned host; the imported hosts; or for an SBOM report,
/// each document (id `sbom:<serial number or file>`).
fn units(report: &Report) -> Result<Vec<Unit>> {
    let bad = |message: String| StoreError::Report {
        report: report.id.clone(),
        message,
    };
    let mut out = Vec::new();
    for h in report.all_hosts() {
        if h.id.trim().is_empty() || h.id == "name:" {
            return Err(bad(format!("host {:?} has no identity", h.name)));
        }
        let inventory = match (report.source, &h.inventory, &report.inventory) {
            (_, Some(items), _) => Some(canonical_inventory(items)),
            (SourceKind::Scan, None, Some(items)) => Some(canonical_inventory(items)),
            _ => None,
        };
        out.push(Unit {
            id: h.id.clone(),
            name: h.name.clone(),
            os: h.os.clone(),
            inventory,
        });
    }
    if out.is_empty() && report.source == SourceKind::Sbom {
        for d in report.documents.iter().flatten() {
            out.push(Unit {
                id: sbom_unit_id(d),
                name: d.name.clone().unwrap_or_else(|| d.file.clone()),
                os: Os::default(),
                inventory: None,
            });
        }
    }
    if out.is_empty() {
        return Err(bad("it names no host and no SBOM document".into()));
    }
    let mut seen = BTreeSet::new();
    out.retain(|u| seen.insert(u.id.clone()));
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Splits a report's own findings by host id: by the `host_id`, `host` name or `document`
/// a finding names; one naming none goes to the report's only host (a scan). A finding
/// naming no host or document of the report is an error.
pub fn findings_by_host(report: &Report) -> Result<HostFindings> {
    let units = units(report)?;
    let mut out: HostFindings = units.iter().map(|u| (u.id.clone(), Vec::new())).collect();
    let docs: BTreeMap<&str, String> = report
        .documents
        .iter()
        .flatten()
        .map(|d| (d.file.as_str(), sbom_unit_id(d)))
        .collect();
    for f in &report.findings {
        // The host or document a finding names; a finding naming none belongs to the
        // report's only unit.
        let named = f
            .host_id
            .clone()
            .or_else(|| {
                let name = f.host.as_ref()?;
                units.iter().find(|u| &u.name == name).map(|u| u.id.clone())
            })
            .or_else(|| f.document.as_deref().and_then(|d| docs.get(d).cloned()));
        let target = match named {
            Some(t) => Some(t),
            None if units.len() == 1 && f.host.is_none() => Some(units[0].id.clone()),
            None => None,
        };
        match target.and_then(|t| out.get_mut(&t)) {
            Some(list) => list.push(f.clone()),
            None => {
                return Err(StoreError::Report {
                    report: report.id.clone(),
                    message: format!(
                        "finding {} names no host or document of the report",
                        f.product
                    ),
                });
            }
        }
    }
    Ok(out)
}

/// Which collectors ran and which failed, from the report's collector stats and errors.
fn coverage(report: &Report) -> Coverage {
    let ran: BTreeSet<String> = report.collectors.iter().map(|c| c.id.clone()).collect();
    let failed: BTreeSet<String> = report
        .collectors
        .iter()
        .filter(|c| c.errors > 0)
        .map(|c| c.id.clone())
        .chain(report.errors.iter().map(|e| e.collector.clone()))
        .collect();
    Coverage {
        ran: ran.into_iter().collect(),
        failed: failed.into_iter().collect(),
    }
}

/// A platform's kebab-case name.
fn platform_name(os: &Os) -> String {
    os.platform
        .and_then(|p| serde_json::to_value(p).ok())
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A stored inventory and the hosts whose current inventory it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredInventory {
    /// SHA-256 of the canonical inventory.
    pub hash: String,
    /// The hosts holding it: (id, name, platform).
    pub hosts: Vec<InventoryHost>,
    /// The canonical inventory: a JSON array of artifacts (deserialize it as
    /// `Vec<interdict_inventory::Artifact>`).
    pub json: String,
}

/// A host holding a stored inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct InventoryHost {
    /// Host id.
    pub id: String,
    /// Host name.
    pub name: String,
    /// Platform family (`linux`, `windows`, `macos`), empty when unknown.
    pub os_platform: String,
}

impl Store {
    /// Stores `report` and applies `findings` (per host id; hosts the map lacks get none).
    /// `raw` is the document as received (kept compressed); without it the report is
    /// serialized. `at` is when it was received, `actor` who sent it. Exceptions expired by
    /// `at` are closed first. Retried on PostgreSQL deadlocks and serialization failures.
    pub async fn ingest(
        &self,
        report: &Report,
        raw: Option<&[u8]>,
        findings: &HostFindings,
        at: Timestamp,
        actor: &str,
    ) -> Result<IngestOutcome> {
        let units = units(report)?;
        if let Some(unknown) = findings.keys().find(|k| !units.iter().any(|u| &u.id == *k)) {
            return Err(StoreError::Report {
                report: report.id.clone(),
                message: format!("findings for host {unknown:?}, which the report does not name"),
            });
        }
        let raw = match raw {
            Some(r) => r.to_vec(),
            None => serde_json::to_vec(report).map_err(|e| StoreError::Report {
                report: report.id.clone(),
                message: e.to_string(),
            })?,
        };
        let packed = compress(&raw);
        self.expire_exceptions(at, "system").await?;
        write_tx!(self.db, tx => ingest_tx(&mut tx, report, &units, &raw, &packed, findings, at, actor)
        .await
        .map(|outcome| {
            let commit = outcome != IngestOutcome::Duplicate;
            (outcome, commit)
        }))
    }

    /// Stored inventories that hosts currently hold, each once however many hosts share
    /// it, paginated by hash: what a caller re-evaluates after a catalog change (then it
    /// calls [`Store::replace_findings`] per host).
    pub async fn inventories_for_reevaluation(
        &self,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<StoredInventory>> {
        let after = decode_cursor(cursor)?;
        let limit = page_limit(limit);
        let rows: Vec<(String, Vec<u8>)> = self
            .db
            .read()
            .all(
                "SELECT i.hash, i.body FROM inventories i WHERE i.hash > $1 \
                 AND EXISTS (SELECT 1 FROM hosts h WHERE h.inventory_hash = i.hash) \
                 ORDER BY i.hash LIMIT $2",
                args![after, limit + 1],
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (hash, body) in rows {
            let json = decompress(&body, &format!("inventory {hash}"))?;
            let json = String::from_utf8(json).map_err(|e| StoreError::Corrupt {
                what: format!("inventory {hash}"),
                message: e.to_string(),
            })?;
            let hosts: Vec<InventoryHost> = self
                .db
                .read()
                .all(
                    "SELECT id, name, os_platform FROM hosts WHERE inventory_hash = $1 ORDER BY id",
                    args![hash.as_str()],
                )
                .await?;
            out.push(StoredInventory { hash, hosts, json });
        }
        Ok(paginate(out, limit, |i| i.hash.clone()))
    }

    /// Replaces host `host_id`'s findings with ones the caller computed from its stored
    /// inventory; see [`Store::replace_findings_batch`].
    pub async fn replace_findings(
        &self,
        host_id: &str,
        findings: &[Finding],
        at: Timestamp,
        actor: &str,
    ) -> Result<usize> {
        let one = [(host_id.to_string(), findings.to_vec())];
        self.replace_findings_batch(&one, at, actor).await
    }

    /// Replaces the findings of each host in `hosts` with ones the caller computed from
    /// its stored inventory (a re-evaluation after a catalog change, no new report), in one
    /// transaction (all or nothing; one commit for many hosts keeps a fleet re-evaluation
    /// fast): new products become `identified`, known ones are updated (a removed one that
    /// now matches is `reappeared`); none is closed — only a scan shows a removal. Returns
    /// the number of lifecycle changes. Retried on PostgreSQL deadlocks.
    pub async fn replace_findings_batch(
        &self,
        hosts: &[(String, Vec<Finding>)],
        at: Timestamp,
        actor: &str,
    ) -> Result<usize> {
        let mut sorted: Vec<&(String, Vec<Finding>)> = hosts.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        write_tx!(self.db, tx => reevaluate_tx(&mut tx, &sorted, at, actor)
            .await
            .map(|n| (n, true)))
    }

    /// The raw document of report `id`, as received.
    pub async fn report_document(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let row: Option<(Vec<u8>,)> = self
            .db
            .read()
            .optional("SELECT raw FROM reports WHERE id = $1", args![id])
            .await?;
        row.map(|(b,)| decompress(&b, &format!("report {id}")))
            .transpose()
    }

    /// How many reports are stored.
    pub async fn report_count(&self) -> Result<i64> {
        let (n,): (i64,) = self
            .db
            .read()
            .one("SELECT count(*) FROM reports", args![])
            .await?;
        Ok(n)
    }
}

/// The body of one re-evaluation attempt: hosts locked in id order.
async fn reevaluate_tx(
    tx: &mut Tx,
    hosts: &[&(String, Vec<Finding>)],
    at: Timestamp,
    actor: &str,
) -> Result<usize> {
    let lock = format!("SELECT id FROM hosts WHERE id = $1{}", tx.for_update());
    let ctx = Ctx::manual(at, actor);
    let mut changes = Vec::new();
    for (host_id, findings) in hosts {
        let host: Option<(String,)> = tx.optional(&lock, args![host_id.as_str()]).await?;
        if host.is_none() {
            return Err(StoreError::NotFound {
                kind: "host",
                id: host_id.clone(),
            });
        }
        reconcile(tx, host_id, findings, None, &ctx, &mut changes).await?;
    }
    let n = changes.len();
    if n > 0 {
        let subject = format!("{} hosts", hosts.len());
        let detail = json!({"changes": changes});
        audit::append(tx, at, actor, "findings.reevaluate", &subject, &detail).await?;
    }
    Ok(n)
}

/// The body of one ingest attempt.
#[allow(clippy::too_many_arguments)]
async fn ingest_tx(
    tx: &mut Tx,
    report: &Report,
    units: &[Unit],
    raw: &[u8],
    packed: &[u8],
    findings: &HostFindings,
    at: Timestamp,
    actor: &str,
) -> Result<IngestOutcome> {
    let total: usize = findings.values().map(Vec::len).sum();
    let created: Option<(String,)> = tx
        .optional(
            "INSERT INTO reports (id, source, received_ms, started_ms, finished_ms, \
             catalog_digest, actor, hosts, findings, raw_len, raw) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (id) DO NOTHING RETURNING id",
            args![
                report.id.as_str(),
                report.source.as_str(),
                ms(at),
                ms(report.started),
                ms(report.finished),
                report.catalog.digest.as_str(),
                actor,
                units.len() as i64,
                total as i64,
                raw.len() as i64,
                packed.to_vec()
            ],
        )
        .await?;
    if created.is_none() {
        return Ok(IngestOutcome::Duplicate);
    }
    let cov = coverage(report);
    let ran = json_list(&cov.ran);
    let failed = json_list(&cov.failed);
    let scan_ms = ms(report.finished);
    let ctx = Ctx {
        at,
        actor,
        report: Some(&report.id),
    };
    let mut changes = Vec::new();
    let empty = Vec::new();
    for u in units {
        if let Some((hash, body, items)) = &u.inventory {
            let known: Option<(i64,)> = tx
                .optional(
                    "SELECT items FROM inventories WHERE hash = $1",
                    args![hash.as_str()],
                )
                .await?;
            if known.is_none() {
                tx.execute(
                    "INSERT INTO inventories (hash, items, created_ms, body) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (hash) DO NOTHING",
                    args![hash.as_str(), *items, ms(at), compress(body)],
                )
                .await?;
            }
        }
        let inventory_hash = u.inventory.as_ref().map(|i| i.0.clone());
        let applied = upsert_host(
            tx,
            u,
            report,
            scan_ms,
            &ran,
            &failed,
            inventory_hash.clone(),
            at,
        )
        .await?;
        let host_findings = findings.get(&u.id).unwrap_or(&empty);
        tx.execute(
            "INSERT INTO scans (report_id, host_id, scanned_ms, received_ms, collectors_ran, \
             collectors_failed, inventory_hash, findings, applied) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            args![
                report.id.as_str(),
                u.id.as_str(),
                scan_ms,
                ms(at),
                ran.as_str(),
                failed.as_str(),
                inventory_hash,
                host_findings.len() as i64,
                i64::from(applied)
            ],
        )
        .await?;
        if applied {
            reconcile(tx, &u.id, host_findings, Some(&cov), &ctx, &mut changes).await?;
        }
    }
    let n = changes.len();
    let detail = json!({
        "source": report.source.as_str(),
        "hosts": units.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(),
        "findings": total,
        "changes": changes,
    });
    audit::append(tx, at, actor, "report.ingest", &report.id, &detail).await?;
    Ok(IngestOutcome::Created {
        hosts: units.len(),
        findings: total,
        changes: n,
    })
}

/// Inserts or updates the host row of `u` under a row lock; returns whether this report
/// is the host's newest scan (and so moves its current state and lifecycle).
#[allow(clippy::too_many_arguments)]
async fn upsert_host(
    tx: &mut Tx,
    u: &Unit,
    report: &Report,
    scan_ms: i64,
    ran: &str,
    failed: &str,
    inventory_hash: Option<String>,
    at: Timestamp,
) -> Result<bool> {
    let lock = format!(
        "SELECT last_scan_ms FROM hosts WHERE id = $1{}",
        tx.for_update()
    );
    // One argument list for the insert and the update ($1 id … $12 inventory hash).
    let values = args![
        u.id.as_str(),
        u.name.as_str(),
        platform_name(&u.os),
        u.os.id.as_str(),
        u.os.version.as_str(),
        u.os.name.as_str(),
        ms(at),
        scan_ms,
        report.id.as_str(),
        ran,
        failed,
        inventory_hash
    ];
    loop {
        let prev: Option<(i64,)> = tx.optional(&lock, args![u.id.as_str()]).await?;
        let Some((prev,)) = prev else {
            let inserted = tx
                .execute(
                    "INSERT INTO hosts (id, name, os_platform, os_id, os_version, os_name, \
                     first_seen_ms, last_seen_ms, last_scan_ms, last_report_id, collectors_ran, \
                     collectors_failed, inventory_hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11, $12) \
                     ON CONFLICT (id) DO NOTHING",
                    values.clone(),
                )
                .await?;
            if inserted == 1 {
                return Ok(true);
            }
            // Another process inserted it meanwhile: lock it and update.
            continue;
        };
        if scan_ms < prev {
            tx.execute(
                "UPDATE hosts SET last_seen_ms = CASE WHEN last_seen_ms < $1 THEN $1 \
                 ELSE last_seen_ms END WHERE id = $2",
                args![ms(at), u.id.as_str()],
            )
            .await?;
            return Ok(false);
        }
        tx.execute(
            "UPDATE hosts SET name = $2, os_platform = $3, os_id = $4, os_version = $5, \
             os_name = $6, last_seen_ms = CASE WHEN last_seen_ms < $7 THEN $7 ELSE last_seen_ms END, \
             last_scan_ms = $8, last_report_id = $9, collectors_ran = $10, collectors_failed = $11, \
             inventory_hash = COALESCE($12, inventory_hash) WHERE id = $1",
            values,
        )
        .await?;
        return Ok(true);
    }
}
