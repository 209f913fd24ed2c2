//! Scan orchestration: recognise the root's system, run its collectors in parallel, match
//! the inventory against the catalog, and fill in the report document
//! ([`interdict_findings::Report`]).
//!
//! The entry point is [`scan_into`]. The collector set for each platform is chosen in
//! [`collectors_for`]; the file sweep runs beside the other collectors with a filter
//! compiled from the catalog, so it reports only paths an indicator cares about.
//!
//! **Boundary:** the only crate that knows both the catalog (through the matcher) and the
//! collectors. It does no output formatting.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use interdict_catalog::Catalog;
use interdict_collectors::content::{
    self, ContentCollector, ContentFilter, ContentInspector, Literal, LiteralClass,
};
use interdict_collectors::identity::{host_identifiers, live_kernel};
use interdict_collectors::os::{OsInfo, detect_checked, hostname_checked};
use interdict_collectors::sweep;
use interdict_collectors::sweep::{FileInspector, Inspectors, SweepCollector, SweepFilter};
use interdict_collectors::{Collector, Root, pe};
use interdict_findings::{CollectorStats, Host, Os, Report};
use interdict_inventory::{CollectError, Inventory, Platform};
use interdict_matcher::Matcher;
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// What to scan and how.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// An offline root; `None` scans the live host.
    pub root: Option<PathBuf>,
    /// Hash swept files (SHA-256) so hash indicators can match.
    pub hash: bool,
    /// Let the file sweep descend into other mounted file systems.
    pub cross_mounts: bool,
    /// Skip the file sweep entirely.
    pub no_sweep: bool,
    /// Worker threads of the file sweep (0: one per core). The agent runs with 1.
    pub threads: usize,
    /// Match every regular file's content against the catalog's content indicators
    /// (`--content`): vendor code embedded in other products' files.
    pub content: bool,
}

/// A scan that could not run at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// The root is missing or not a directory.
    #[error("cannot scan root {path}: {message}")]
    Root {
        /// The root given.
        path: String,
        /// Why.
        message: String,
    },
    /// The catalog could not be compiled.
    #[error("catalog: {0}")]
    Catalog(String),
}

/// Progress events, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub enum ScanEvent<'a> {
    /// The collectors about to run.
    Planned(usize),
    /// A collector finished.
    Finished(&'a str),
}

/// The collectors for a platform, without the file sweep.
pub fn collectors_for(platform: Platform) -> Vec<Box<dyn Collector>> {
    use interdict_collectors::*;
    match platform {
        Platform::Linux | Platform::Any => vec![
            Box::new(dpkg::DpkgCollector::default()),
            Box::new(rpm::RpmCollector),
            Box::new(apk::ApkCollector),
            Box::new(pacman::PacmanCollector),
            Box::new(snap::SnapCollector),
            Box::new(flatpak::FlatpakCollector),
            Box::new(systemd::SystemdCollector),
            Box::new(sysv::SysvInitCollector),
            Box::new(kmod::KernelModulesCollector),
            Box::new(trust_store::TrustStoreCollector),
            Box::new(browser::BrowserExtensionsCollector),
            Box::new(processes::ProcessCollector),
        ],
        Platform::Windows => vec![
            Box::new(windows::WinUninstallHive),
            Box::new(windows::WinServicesHive),
            Box::new(windows::WinRegistryKeys),
            Box::new(windows::WinCertStoreHive),
            Box::new(pe::WinPeFiles),
            Box::new(browser::BrowserExtensionsCollector),
        ],
        Platform::Macos => vec![
            Box::new(macos::MacosAppBundle),
            Box::new(macos::MacosLaunchd),
            Box::new(macos::MacosKext),
            Box::new(macos::MacosSystemExtension),
            Box::new(macos::MacosReceipts),
            Box::new(browser::BrowserExtensionsCollector),
        ],
    }
}

/// On Windows every PE image already has its `win-pe-files` artifact (the sweep's walk
/// identified it by header), so a path the sweep also selected by name is not reported a
/// second time; the PE artifact carries the version info and signers that identify a
/// renamed binary or clear a look-alike name.
fn drop_swept_pe_files(inv: &mut Inventory) {
    use interdict_collectors::pe;
    let known: std::collections::HashSet<String> = inv
        .artifacts
        .iter()
        .filter(|a| a.collector == pe::ID)
        .map(|a| a.name.to_lowercase())
        .collect();
    inv.artifacts
        .retain(|a| a.collector != sweep::ID || !known.contains(&a.name.to_lowercase()));
}

/// Moves the artifacts and errors of collector `id` out of `inv`.
fn split_collector(inv: &mut Inventory, id: &str) -> Inventory {
    let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut inv.artifacts)
        .into_iter()
        .partition(|a| a.collector == id);
    inv.artifacts = rest;
    let (errors, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut inv.errors)
        .into_iter()
        .partition(|e| e.collector == id);
    inv.errors = rest;
    Inventory {
        artifacts: mine,
        errors,
    }
}

/// Merges errors with the same location and message (one source, read by several
/// collectors, failing the same way) into one: `collector` names the first collector
/// that met it, `collectors` lists them all; order is kept.
fn merge_shared_errors(errors: Vec<CollectError>) -> Vec<CollectError> {
    let mut out: Vec<CollectError> = Vec::with_capacity(errors.len());
    let mut seen: std::collections::HashMap<(String, String), usize> =
        std::collections::HashMap::new();
    for e in errors {
        match seen.get(&(e.location.clone(), e.message.clone())) {
            Some(&i) => {
                if let Some(first) = out.get_mut(i)
                    && first.collector != e.collector
                    && !first.collectors.contains(&e.collector)
                {
                    if first.collectors.is_empty() {
                        first.collectors.push(first.collector.clone());
                    }
                    first.collectors.push(e.collector);
                }
            }
            None => {
                seen.insert((e.location.clone(), e.message.clone()), out.len());
                out.push(e);
            }
        }
    }
    out
}

/// The file sweep's filter: the matcher's compiled path, file-name and hash rules.
struct CatalogFilter(Arc<Matcher>);

impl SweepFilter for CatalogFilter {
    fn select(&self, rel: &str, name: &str, is_dir: bool) -> bool {
        self.0.path_is_interesting(rel, name, is_dir)
    }

    fn select_hash(&self, sha256: &str) -> bool {
        self.0.hash_is_interesting(sha256)
    }
}

/// The file sweep's filter for a compiled catalog, as [`scan`] uses it (exposed for
/// benchmarks and for callers that run the sweep on its own).
pub fn sweep_filter(matcher: Arc<Matcher>) -> Box<dyn SweepFilter> {
    Box::new(CatalogFilter(matcher))
}

/// The content pass's filter: the matcher's content literals (content strings, exported
/// symbols, literal domains) as plain literals, so the collector never sees the catalog.
pub fn content_filter(matcher: &Matcher) -> Result<ContentFilter, ScanError> {
    use interdict_catalog::IndicatorKind as K;
    let literals = matcher
        .content_literals()
        .into_iter()
        .filter_map(|l| {
            let class = match l.kind {
                K::ContentString => LiteralClass::String,
                K::ExportedSymbol => LiteralClass::Symbol,
                K::Domain => LiteralClass::Domain,
                _ => return None,
            };
            Some(Literal {
                text: l.text,
                case_insensitive: !l.case_sensitive,
                wide: l.wide,
                class,
            })
        })
        .collect();
    ContentFilter::new(literals).map_err(ScanError::Catalog)
}

/// Runs one scan and fills `report` with what it found: the host, the per-collector
/// counts, the findings, the errors and the whole inventory; `finished`, `duration_ms` and
/// `summary` are set last. The caller made `report` (its id, tool version, catalog stamp
/// and start time), so the same scan serves the CLI and the agent.
pub fn scan_into(
    report: &mut Report,
    catalog: &Catalog,
    options: &ScanOptions,
    progress: &(dyn Fn(ScanEvent) + Sync),
) -> Result<(), ScanError> {
    let root = match &options.root {
        None => Root::live(),
        Some(p) => Root::offline(p).map_err(|e| ScanError::Root {
            path: p.display().to_string(),
            message: e.to_string(),
        })?,
    };
    let (os, os_errors) = detect_checked(&root);
    // Collectors read the detected system from the root instead of detecting it again.
    root.set_os(os.clone());
    let matcher = Arc::new(
        Matcher::new(catalog, os.platform).map_err(|e| ScanError::Catalog(e.to_string()))?,
    );

    let mut collectors = collectors_for(os.platform);
    let mut sweep = SweepCollector::new(Box::new(CatalogFilter(matcher.clone())));
    sweep.hash = options.hash;
    sweep.cross_mounts = options.cross_mounts;
    sweep.threads = options.threads;
    // One walk for both: on Windows the sweep identifies PE images by header as it goes,
    // instead of the PE collector walking the volume a second time.
    let pe_in_sweep = os.platform == Platform::Windows && !options.no_sweep;
    let mut inspectors: Vec<Box<dyn FileInspector>> = Vec::new();
    if pe_in_sweep {
        collectors.retain(|c| c.id() != pe::ID);
        inspectors.push(Box::new(pe::PeInspector::default()));
    }
    // The content pass rides the sweep's walk (and hashes from its own read); without a
    // sweep it walks alone.
    let content_in_sweep = options.content && !options.no_sweep;
    if options.content {
        let filter = Arc::new(content_filter(&matcher)?);
        if content_in_sweep {
            inspectors.push(Box::new(ContentInspector::new(filter)));
        } else {
            let mut c = ContentCollector::new(filter);
            c.threads = options.threads;
            c.cross_mounts = options.cross_mounts;
            collectors.push(Box::new(c));
        }
    }
    sweep.inspector = match inspectors.len() {
        0 => None,
        1 => inspectors.pop(),
        _ => Some(Box::new(Inspectors(inspectors))),
    };
    progress(ScanEvent::Planned(
        collectors.len()
            + usize::from(!options.no_sweep)
            + usize::from(pe_in_sweep)
            + usize::from(content_in_sweep),
    ));

    let run = |c: &dyn Collector| {
        let t = Instant::now();
        let inv = c.collect(&root);
        progress(ScanEvent::Finished(c.id()));
        (c.id(), inv, t.elapsed().as_millis() as u64)
    };
    let (mut results, sweep_result) = rayon::join(
        || {
            collectors
                .par_iter()
                .map(|c| run(c.as_ref()))
                .collect::<Vec<_>>()
        },
        || (!options.no_sweep).then(|| run(&sweep)),
    );
    if let Some((id, mut inv, millis)) = sweep_result {
        if pe_in_sweep {
            // Reported as its own collector, with the walk's time.
            results.push((pe::ID, split_collector(&mut inv, pe::ID), millis));
            progress(ScanEvent::Finished(pe::ID));
        }
        if content_in_sweep {
            results.push((content::ID, split_collector(&mut inv, content::ID), millis));
            progress(ScanEvent::Finished(content::ID));
        }
        results.push((id, inv, millis));
    }

    let mut all = Inventory {
        errors: os_errors,
        ..Inventory::default()
    };
    let (host, host_errors) = host_info(&root, &os);
    all.errors.extend(host_errors);
    let mut stats = Vec::new();
    for (id, inv, millis) in results {
        stats.push(CollectorStats {
            id: id.to_string(),
            items: inv.artifacts.len(),
            errors: inv.errors.len(),
            millis,
        });
        all.extend(inv);
    }
    if os.platform == Platform::Windows {
        drop_swept_pe_files(&mut all);
    }
    // What the answer-only file checks could not tell (an unreadable folder) is reported
    // too, so it is never taken for an absence.
    all.errors.extend(root.take_noted());
    all.sort();
    all.errors = merge_shared_errors(std::mem::take(&mut all.errors));
    stats.sort_by(|a, b| a.id.cmp(&b.id));
    report.findings = matcher.match_artifacts(&all.artifacts);
    report.host = Some(host);
    report.errors = all.errors;
    report.collectors = stats;
    report.inventory = Some(all.artifacts);
    report.finish(interdict_findings::now_millis());
    Ok(())
}

/// The identity of the host at `root` (the live host when `None`): name, OS and the
/// identifiers its `id` comes from — what a scan of it would report, without the scan
/// (the agent enrolls with it).
pub fn identify(root: Option<&std::path::Path>) -> Result<Host, ScanError> {
    let root = match root {
        None => Root::live(),
        Some(p) => Root::offline(p).map_err(|e| ScanError::Root {
            path: p.display().to_string(),
            message: e.to_string(),
        })?,
    };
    let (os, _) = detect_checked(&root);
    root.set_os(os.clone());
    Ok(host_info(&root, &os).0)
}

/// The host's identity (name, OS, the identifiers its records hold), with the files naming
/// the host that could not be read.
fn host_info(root: &Root, os: &OsInfo) -> (Host, Vec<CollectError>) {
    let (hostname, errors) = if root.is_live() {
        (sysinfo::System::host_name().unwrap_or_default(), Vec::new())
    } else {
        hostname_checked(root, os.platform)
    };
    let info = Os {
        platform: Some(os.platform),
        id: os.id.clone(),
        version: os.version.clone(),
        name: os.pretty_name.clone(),
        kernel: live_kernel(root).unwrap_or_default(),
    };
    let host = Host::new(&hostname, info, host_identifiers(root, os.platform))
        .with_scan_fields(&root.base().display().to_string(), root.is_live());
    (host, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_source_failing_for_several_collectors_is_one_error() {
        let e = |c: &str, l: &str, m: &str| CollectError::new(c, l, m);
        let merged = merge_shared_errors(vec![
            e("a", "hive", "truncated"),
            e("b", "hive", "truncated"),
            e("b", "hive", "truncated"),
            e("b", "other", "truncated"),
            e("c", "hive", "unreadable"),
        ]);
        let mut shared = e("a", "hive", "truncated");
        shared.collectors = vec!["a".into(), "b".into()];
        assert_eq!(
            merged,
            [
                shared,
                e("b", "other", "truncated"),
                e("c", "hive", "unreadable"),
            ]
        );
    }
}
