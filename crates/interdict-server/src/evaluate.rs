//! Matching on the server: the catalog compiled once per platform, used to re-evaluate
//! stored inventories after a catalog change and to re-match a report made with another
//! catalog than the server's.
//!
//! The server is the authority on what the fleet's inventories mean: a report whose
//! catalog digest equals the server's keeps its own findings; one made with another
//! catalog (an agent not yet updated) is re-matched here from the inventory it carries.
//! At start, when the catalog digest differs from the one the stored findings were last
//! evaluated against ([`interdict_store::CATALOG_DIGEST`]), every stored inventory is
//! matched again — each distinct inventory once, however many hosts share it — and new
//! findings appear for hosts that reported earlier, with no new scan.

use interdict_catalog::Catalog;
use interdict_findings::{Finding, Report, SourceKind};
use interdict_inventory::{Artifact, Platform};
use interdict_matcher::Matcher;
use interdict_store::{HostFindings, Store, StoreError, StoredInventory};
use jiff::Timestamp;
use std::time::{Duration, Instant};

/// The findings of each host holding one stored inventory.
type HostsFindings = Vec<(String, Vec<Finding>)>;

/// Hosts whose findings are replaced in one transaction during a re-evaluation.
const BATCH_HOSTS: usize = 500;

/// The catalog compiled for each platform.
pub struct Evaluator {
    digest: String,
    linux: Matcher,
    windows: Matcher,
    macos: Matcher,
    any: Matcher,
}

/// What a fleet re-evaluation did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reevaluation {
    /// Distinct inventories matched.
    pub inventories: usize,
    /// Hosts whose findings were replaced.
    pub hosts: usize,
    /// Lifecycle changes (new findings, reappearances).
    pub changes: usize,
    /// Wall time.
    pub elapsed: Duration,
}

/// The platform a host record's `os_platform` names (unknown → `Any`).
pub fn platform_of(os_platform: &str) -> Platform {
    match os_platform {
        "linux" => Platform::Linux,
        "windows" => Platform::Windows,
        "macos" => Platform::Macos,
        _ => Platform::Any,
    }
}

impl Evaluator {
    /// Compiles `catalog` for every platform.
    pub fn new(catalog: &Catalog) -> Result<Evaluator, String> {
        let m = |p| Matcher::new(catalog, p).map_err(|e| e.to_string());
        Ok(Evaluator {
            digest: catalog.digest(),
            linux: m(Platform::Linux)?,
            windows: m(Platform::Windows)?,
            macos: m(Platform::Macos)?,
            any: m(Platform::Any)?,
        })
    }

    /// The digest of the catalog.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    fn matcher(&self, platform: Platform) -> &Matcher {
        match platform {
            Platform::Linux => &self.linux,
            Platform::Windows => &self.windows,
            Platform::Macos => &self.macos,
            Platform::Any => &self.any,
        }
    }

    /// Findings of one inventory on `platform`.
    pub fn match_inventory(&self, platform: Platform, items: &[Artifact]) -> Vec<Finding> {
        self.matcher(platform).match_artifacts(items)
    }

    /// The findings per host to store with `report`: its own when it was made with this
    /// catalog, else (for every host whose inventory it carries) the server's matching.
    /// Errors name what in the report is inconsistent.
    pub fn report_findings(&self, report: &Report) -> Result<HostFindings, StoreError> {
        let mut findings = interdict_store::findings_by_host(report)?;
        if report.catalog.digest == self.digest {
            return Ok(findings);
        }
        for host in report.all_hosts() {
            let inventory = match (&host.inventory, report.source, &report.inventory) {
                (Some(items), _, _) => items,
                (None, SourceKind::Scan, Some(items)) => items,
                _ => continue,
            };
            let platform = match report.source {
                SourceKind::Scan => host.os.platform.unwrap_or(Platform::Any),
                _ => Platform::Any,
            };
            findings.insert(host.id.clone(), self.match_inventory(platform, inventory));
        }
        Ok(findings)
    }

    /// Re-evaluates every stored inventory when the catalog differs from the one the
    /// stored findings were last evaluated against; records the new digest when done (an
    /// interrupted run is simply run again at the next start).
    pub async fn reevaluate_if_changed(
        &self,
        store: &Store,
    ) -> Result<Option<Reevaluation>, StoreError> {
        let stored = store.setting(interdict_store::CATALOG_DIGEST).await?;
        if stored.as_deref() == Some(self.digest.as_str()) {
            return Ok(None);
        }
        let done = self.reevaluate(store).await?;
        let now = Timestamp::now();
        store
            .set_setting(interdict_store::CATALOG_DIGEST, &self.digest, now)
            .await?;
        Ok(Some(done))
    }

    /// Matches every stored inventory again and replaces its hosts' findings. Each page
    /// of inventories is parsed and matched on every core (the catalog is compiled once
    /// and shared) while the next page is read; the store writes stay in batches of
    /// [`BATCH_HOSTS`] hosts.
    pub async fn reevaluate(&self, store: &Store) -> Result<Reevaluation, StoreError> {
        let started = Instant::now();
        let at = Timestamp::now();
        let actor = format!("system:catalog {}", short(&self.digest));
        let mut out = Reevaluation::default();
        let mut batch: Vec<(String, Vec<Finding>)> = Vec::new();
        // The next page is read (and inflated) by another task while this one matches.
        let fetch = |cursor: Option<String>| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .inventories_for_reevaluation(cursor.as_deref(), 100)
                    .await
            })
        };
        let mut pending = Some(fetch(None));
        while let Some(task) = pending.take() {
            let page = task.await.map_err(|e| StoreError::Corrupt {
                what: "re-evaluation".into(),
                message: format!("reading stored inventories failed: {e}"),
            })??;
            pending = page.next.clone().map(|next| fetch(Some(next)));
            out.inventories += page.items.len();
            for hosts in self.match_page(&page.items)? {
                out.hosts += hosts.len();
                batch.extend(hosts);
                if batch.len() >= BATCH_HOSTS {
                    out.changes += store.replace_findings_batch(&batch, at, &actor).await?;
                    batch.clear();
                }
            }
        }
        if !batch.is_empty() {
            out.changes += store.replace_findings_batch(&batch, at, &actor).await?;
        }
        out.elapsed = started.elapsed();
        Ok(out)
    }

    /// The findings of every host of each stored inventory, in page order; the page is
    /// split over the available cores (scoped threads: this runs before the server
    /// listens, and the matchers are shared by reference).
    fn match_page(&self, page: &[StoredInventory]) -> Result<Vec<HostsFindings>, StoreError> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = page.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            let parts: Vec<_> = page
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|inv| self.match_stored(inv))
                            .collect::<Result<Vec<_>, _>>()
                    })
                })
                .collect();
            let mut out = Vec::with_capacity(page.len());
            for part in parts {
                let matched = part.join().map_err(|_| StoreError::Corrupt {
                    what: "re-evaluation".into(),
                    message: "a matching thread panicked".into(),
                })??;
                out.extend(matched);
            }
            Ok(out)
        })
    }

    /// Parses one stored inventory and matches it once per platform among its hosts.
    fn match_stored(&self, inv: &StoredInventory) -> Result<HostsFindings, StoreError> {
        let items: Vec<Artifact> =
            serde_json::from_str(&inv.json).map_err(|e| StoreError::Corrupt {
                what: format!("inventory {}", inv.hash),
                message: e.to_string(),
            })?;
        let mut per_platform: Vec<(Platform, Vec<Finding>)> = Vec::new();
        let mut out = Vec::with_capacity(inv.hosts.len());
        for host in &inv.hosts {
            let platform = platform_of(&host.os_platform);
            let findings = match per_platform.iter().find(|(p, _)| *p == platform) {
                Some((_, f)) => f.clone(),
                None => {
                    let f = self.match_inventory(platform, &items);
                    per_platform.push((platform, f.clone()));
                    f
                }
            };
            out.push((host.id.clone(), findings));
        }
        Ok(out)
    }
}

/// The first 12 hex digits of a digest, for names.
pub fn short(digest: &str) -> &str {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    hex.get(..12).unwrap_or(hex)
}

#[cfg(test)]
mod tests {
    use super::*;
    use interdict_findings::{CatalogStamp, Host, Os};
    use interdict_inventory::{ArtifactKind, Platform};
    use std::collections::BTreeMap;

    /// A scan of host `h` made with another catalog and no findings; host 0 has `kesl`.
    fn report(h: usize, at: Timestamp) -> Report {
        let stamp = CatalogStamp {
            version: "0".into(),
            digest: "sha256:old".into(),
        };
        let mut r = Report::new(SourceKind::Scan, "0.1.0", stamp, at, format!("r{h}"));
        let os = Os {
            platform: Some(Platform::Linux),
            ..Os::default()
        };
        let ids = BTreeMap::from([("machine-id".to_string(), format!("m{h:04}"))]);
        r.host = Some(Host::new(&format!("host{h}"), os, ids));
        let name = if h == 0 {
            "kesl".to_string()
        } else {
            format!("pkg{h}")
        };
        let item = Artifact::new(
            ArtifactKind::Package,
            name,
            "var/lib/dpkg/status",
            "dpkg-status",
        );
        r.inventory = Some(vec![item]);
        r
    }

    #[tokio::test]
    async fn reevaluation_pages_through_every_inventory_on_a_current_thread_runtime() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open_data_dir(dir.path()).await.expect("store");
        let at = Timestamp::now();
        // More than one page of 100 inventories, so the read-ahead is exercised.
        for h in 0..130 {
            let none = HostFindings::new();
            store
                .ingest(&report(h, at), None, &none, at, "test")
                .await
                .expect("ingest");
        }
        let catalog = Catalog::bundled().expect("catalog");
        let evaluator = Evaluator::new(&catalog).expect("evaluator");
        let done = evaluator.reevaluate(&store).await.expect("re-evaluation");
        assert_eq!(
            (done.inventories, done.hosts, done.changes),
            (130, 130, 1),
            "every inventory matched once, and only host 0's kesl is new: {done:?}"
        );
        let again = evaluator
            .reevaluate(&store)
            .await
            .expect("second re-evaluation");
        assert_eq!(again.changes, 0, "a second pass changes nothing: {again:?}");
    }
}
