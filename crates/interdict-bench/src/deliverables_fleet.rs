//! `make-deliverables-fleet DIR [--hosts N] [--days D] [--every K]`: the synthetic fleet
//! of `benches/deliverables.sh` — one import report per scan day (every K days over D
//! days), each covering all N hosts, made with the bundled catalog (so the server keeps
//! their findings). About 30 % of the hosts carry `kesl` and 5 % `ksc-network-agent` at
//! first; each host's products disappear on a day of its own (removed, then verified by the
//! next scan), and every 97th host's `kesl` comes back near the end (reappeared).

use interdict_catalog::Catalog;
use serde_json::{Value, json};
use std::path::Path;

type Res<T> = Result<T, String>;

/// The day host `i` removes its products (day 20 to 79).
fn removal_day(i: usize) -> usize {
    20 + (i * 7919) % 60
}

fn finding(product: &str, name: &str, host: &str, id: &str) -> Value {
    json!({
        "vendor": "kaspersky", "product": product, "product_name": name,
        "family": "endpoint-security", "distribution": "branded", "confidence": "confirmed",
        "directives": ["bod-17-01"], "host": host, "host_id": id,
        "evidence": [{
            "kind": "package", "location": "intune.csv#1", "name": product,
            "version": "12.0.0", "state": "active", "collector": "import-csv",
            "indicator": format!("{product}-package"), "indicators": [format!("{product}-package")],
            "indicator_kind": "package", "pattern": product, "weight": "strong",
            "source": "https://support.kaspersky.com/"
        }]
    })
}

/// `load-deliverables-fleet DIR (--data-dir D | --database URL)`: ingests the reports of
/// `dir` into the store, oldest first, each received at its `finished` time (as
/// `interdict report --from` does), so the store holds the fleet's real 90-day history.
pub fn load(dir: &Path, target: &str) -> Res<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    rt.block_on(async {
        let store = if target.starts_with("postgres") {
            interdict_store::Store::connect(target).await
        } else {
            interdict_store::Store::open_data_dir(Path::new(target)).await
        }
        .map_err(|e| e.to_string())?;
        let started = std::time::Instant::now();
        for f in &files {
            let bytes = std::fs::read(f).map_err(|e| format!("{}: {e}", f.display()))?;
            let report = interdict_findings::Report::from_json(&bytes, &f.display().to_string())
                .map_err(|e| e.to_string())?;
            let findings = interdict_store::findings_by_host(&report).map_err(|e| e.to_string())?;
            store
                .ingest(&report, Some(&bytes), &findings, report.finished, "bench")
                .await
                .map_err(|e| format!("{}: {e}", f.display()))?;
        }
        store.close().await;
        Ok(format!(
            "{} reports ingested in {:.1} s",
            files.len(),
            started.elapsed().as_secs_f64()
        ))
    })
}

/// Writes `day-NNN.json` import reports into `dir`; returns a summary line.
pub fn run(dir: &Path, hosts: usize, days: usize, every: usize) -> Res<String> {
    let catalog = Catalog::bundled().map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let start: jiff::Timestamp = "2026-01-01T06:00:00Z".parse().map_err(|e| format!("{e}"))?;
    let mut files = 0;
    let mut findings_total = 0;
    for day in (0..days).step_by(every.max(1)) {
        let finished = start + jiff::SignedDuration::from_hours(24 * day as i64);
        let mut listed = Vec::with_capacity(hosts);
        let mut findings = Vec::new();
        for i in 0..hosts {
            let name = format!("ws-{i:05}");
            let id = format!("machine-id:{:032x}", 0xbe4c_0000_u64 + i as u64);
            let gone = day >= removal_day(i);
            let back = i % 97 == 0 && day >= 80;
            if i % 10 < 3 && (!gone || back) {
                findings.push(finding(
                    "kesl",
                    "Kaspersky Endpoint Security for Linux",
                    &name,
                    &id,
                ));
            }
            if i % 20 == 7 && !gone {
                findings.push(finding(
                    "ksc-network-agent",
                    "Kaspersky Network Agent",
                    &name,
                    &id,
                ));
            }
            listed.push(json!({
                "id": id, "name": name, "inventory": [],
                "os": {"platform": "linux", "id": "debian", "version": "12",
                       "name": "Debian GNU/Linux 12"}
            }));
        }
        findings_total += findings.len();
        let doc = json!({
            "schema_version": interdict_findings::SCHEMA_VERSION,
            "id": format!("bench-day-{day:03}"),
            "tool": {"name": "interdict", "version": "bench"},
            "source": "import",
            "catalog": {"version": catalog.version(), "digest": catalog.digest()},
            "started": finished.to_string(), "finished": finished.to_string(),
            "duration_ms": 0,
            "summary": {"confirmed": findings.len(), "probable": 0, "possible": 0},
            "findings": findings, "errors": [], "hosts": listed, "hosts_seen": hosts
        });
        let bytes = serde_json::to_vec(&doc).map_err(|e| e.to_string())?;
        interdict_findings::Report::from_json(&bytes, "generated").map_err(|e| e.to_string())?;
        let path = dir.join(format!("day-{day:03}.json"));
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        files += 1;
    }
    Ok(format!(
        "{files} import reports of {hosts} hosts over {days} days ({findings_total} findings in all)"
    ))
}
