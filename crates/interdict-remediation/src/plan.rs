//! Building a host's removal plan from the catalog and the evidence of its findings.

use interdict_catalog::{ActionKind, Catalog, Product, RemovalAction};
use interdict_findings::{Evidence, Finding, Host, Report};
use interdict_inventory::{Artifact, Platform};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The removal plan of one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostPlan {
    /// The host's stable id (machine-id, MachineGuid, hardware UUID, else its name).
    pub host_id: String,
    /// The host's name.
    pub host_name: String,
    /// The platform the steps are for.
    pub platform: Platform,
    /// The catalog version the plan was built with.
    pub catalog_version: String,
    /// The report the evidence comes from.
    pub report_id: String,
    /// When that report's scan finished (RFC 3339).
    pub scanned: String,
    /// One entry per product found, in removal order.
    pub products: Vec<ProductPlan>,
}

/// What to do about one product found on the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductPlan {
    /// Product id.
    pub product: String,
    /// Product name.
    pub product_name: String,
    /// The finding's confidence (`confirmed`, `probable`, `possible`).
    pub confidence: String,
    /// Directives covering it.
    pub directives: Vec<String>,
    /// The catalog's removal order (lower first).
    pub removal_order: i64,
    /// The structured steps that apply to this host.
    pub steps: Vec<Step>,
    /// The catalog's removal procedure in words (for the person running the plan).
    pub guidance: Vec<String>,
    /// Where the procedure in words is documented.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guidance_source: Option<String>,
    /// Why the plan has no automatic steps for this product, when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One step of a product's removal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The catalog action kind.
    pub kind: ActionKind,
    /// What it does, in words.
    pub description: String,
    /// Where the procedure is documented.
    pub source: String,
    /// What exactly it acts on.
    #[serde(flatten)]
    pub detail: StepDetail,
    /// The evidence locations the step was derived from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// The package manager whose database listed a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PackageManager {
    /// dpkg (Debian, Ubuntu).
    Dpkg,
    /// rpm (RHEL, SUSE, Fedora).
    Rpm,
}

/// A launchd job found on the host.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LaunchdJob {
    /// The job label.
    pub label: String,
    /// The property list, relative to the root.
    pub plist: String,
    /// A system-wide daemon (`Library/LaunchDaemons`) rather than a per-user agent.
    pub daemon: bool,
}

/// The concrete target of a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum StepDetail {
    /// `msiexec /x` of one product code.
    Msiexec {
        /// The Windows Installer product code, `{…}`.
        product_code: String,
        /// The uninstall entry's display name.
        display_name: String,
        /// Password properties passed when set in the script's environment.
        properties: Vec<String>,
    },
    /// Packages to remove with one package manager.
    Packages {
        /// The package manager.
        manager: PackageManager,
        /// Package names, as the database lists them.
        packages: Vec<String>,
    },
    /// The vendor's uninstaller.
    Program {
        /// The program, relative to the root.
        program: String,
        /// Its arguments.
        args: Vec<String>,
    },
    /// launchd jobs to unload and delete.
    Launchd {
        /// The jobs.
        jobs: Vec<LaunchdJob>,
    },
    /// pkg receipts to forget.
    Receipts {
        /// Receipt ids.
        receipts: Vec<String>,
    },
    /// Files and folders to delete, relative to the root.
    Paths {
        /// The paths.
        paths: Vec<String>,
    },
    /// A last resort when a step fails.
    Fallback {
        /// The tool to use.
        tool: String,
    },
}

/// The plan of every host in `report`: the scanned host, or each host of an import.
pub fn build_all(catalog: &Catalog, report: &Report) -> Vec<HostPlan> {
    let hosts = report.all_hosts();
    if let Some(host) = &report.host {
        return vec![build(catalog, report, host, &report.findings)];
    }
    let mut per: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    for f in &report.findings {
        let key = f
            .host_id
            .clone()
            .or_else(|| f.host.clone())
            .unwrap_or_default();
        per.entry(key).or_default().push(f.clone());
    }
    let mut out = Vec::new();
    for (key, findings) in per {
        let host = hosts
            .iter()
            .find(|h| h.id == key || h.name == key)
            .map(|h| (*h).clone())
            .unwrap_or_else(|| Host {
                id: key.clone(),
                name: key.clone(),
                ..Host::default()
            });
        out.push(build(catalog, report, &host, &findings));
    }
    out
}

/// The plan of one host of `report` from its `findings`.
pub fn build(catalog: &Catalog, report: &Report, host: &Host, findings: &[Finding]) -> HostPlan {
    let platform = host
        .os
        .platform
        .or(host.platform)
        .filter(|p| *p != Platform::Any)
        .unwrap_or_else(|| inferred_platform(catalog, findings));
    let inventory = host
        .inventory
        .as_deref()
        .or(report.inventory.as_deref())
        .unwrap_or(&[]);
    let mut products: Vec<ProductPlan> = findings
        .iter()
        .map(|f| product_plan(catalog, f, platform, inventory))
        .collect();
    products.sort_by(|a, b| (a.removal_order, &a.product).cmp(&(b.removal_order, &b.product)));
    HostPlan {
        host_id: host.id.clone(),
        host_name: host.name.clone(),
        platform,
        catalog_version: catalog.version().to_string(),
        report_id: report.id.clone(),
        scanned: report.finished.to_string(),
        products,
    }
}

/// The platform of a host whose report does not say (an import): the one platform the
/// osquery tables of its evidence belong to, else the one platform every catalogued
/// product found on it runs on, else `any`.
fn inferred_platform(catalog: &Catalog, findings: &[Finding]) -> Platform {
    let mut found: BTreeSet<Platform> = BTreeSet::new();
    // The osquery tables the evidence came from name their platform.
    for e in findings.iter().flat_map(|f| &f.evidence) {
        let table = e.location.rsplit('#').next().unwrap_or_default();
        match table {
            "deb_packages" | "rpm_packages" | "systemd_units" | "kernel_modules" => {
                found.insert(Platform::Linux);
            }
            "programs" | "services" => {
                found.insert(Platform::Windows);
            }
            "apps" | "launchd" => {
                found.insert(Platform::Macos);
            }
            _ => {}
        }
    }
    if let [one] = found.iter().copied().collect::<Vec<_>>().as_slice() {
        return *one;
    }
    found.clear();
    for f in findings {
        let Some(p) = catalog.product(&f.product) else {
            continue;
        };
        let own: Vec<Platform> = [Platform::Linux, Platform::Windows, Platform::Macos]
            .into_iter()
            .filter(|x| p.platforms.iter().any(|q| q == x.as_str()))
            .collect();
        if let [one] = own.as_slice() {
            found.insert(*one);
        }
    }
    match found.into_iter().collect::<Vec<_>>().as_slice() {
        [one] => *one,
        _ => Platform::Any,
    }
}

/// The package manager whose database listed a package: the collector's own, or the
/// osquery table an import's row came from.
fn package_manager(e: &Evidence) -> Option<PackageManager> {
    if e.collector.starts_with("dpkg") || e.location.ends_with("#deb_packages") {
        Some(PackageManager::Dpkg)
    } else if e.collector.starts_with("rpmdb") || e.location.ends_with("#rpm_packages") {
        Some(PackageManager::Rpm)
    } else {
        None
    }
}

/// An uninstall entry: from the Windows hive, or an osquery `programs` row.
fn uninstall_entry(e: &Evidence) -> bool {
    e.kind == "package"
        && (e.collector == "win-uninstall-hive" || e.location.ends_with("#programs"))
}

fn product_plan(
    catalog: &Catalog,
    f: &Finding,
    platform: Platform,
    inventory: &[Artifact],
) -> ProductPlan {
    let product = catalog.product(&f.product);
    let removal = product.and_then(|p| {
        p.removal
            .iter()
            .find(|r| r.platform == platform.as_str())
            .or_else(|| p.removal.iter().find(|r| r.platform == "any"))
    });
    let mut steps = Vec::new();
    for action in removal.map(|r| r.actions.as_slice()).unwrap_or(&[]) {
        let applies = action
            .when
            .as_ref()
            .is_none_or(|w| f.evidence.iter().any(|e| w.fits(e)));
        if applies {
            steps.extend(steps_for(action, &f.evidence, inventory));
        }
    }
    let note = match (product, removal) {
        (None, _) => Some("not in the catalog: remove it by hand, following its evidence".into()),
        (Some(_), None) => Some(format!(
            "the catalog has no removal procedure for {}: remove it by hand, following its evidence",
            platform.as_str()
        )),
        (Some(_), Some(_)) if steps.iter().all(|s| s.kind == ActionKind::Fallback) => {
            Some("no automatic step applies to the evidence found: follow the guidance".into())
        }
        _ => None,
    };
    ProductPlan {
        product: f.product.clone(),
        product_name: f.product_name.clone(),
        confidence: f.confidence.as_str().to_string(),
        directives: f.directives.clone(),
        removal_order: product.map_or(interdict_catalog::DEFAULT_REMOVAL_ORDER, |p: &Product| {
            p.removal_order
        }),
        steps,
        guidance: removal.map(|r| r.steps.clone()).unwrap_or_default(),
        guidance_source: removal.and_then(|r| r.source.clone()),
        note,
    }
}

/// A value from evidence that may go into a script: no control characters.
fn safe(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(char::is_control)
}

fn step(action: &RemovalAction, detail: StepDetail, evidence: Vec<String>) -> Step {
    Step {
        kind: action.kind,
        description: action.description.clone(),
        source: action.source.clone(),
        detail,
        evidence,
    }
}

/// The own name of an evidence item (the matched value may be a publisher or signer).
fn own_name(e: &Evidence) -> &str {
    e.item.as_deref().unwrap_or(&e.name)
}

fn has_prefix(action: &RemovalAction, name: &str) -> bool {
    action
        .prefix
        .as_ref()
        .is_none_or(|p| name.starts_with(p.as_str()))
}

fn steps_for(action: &RemovalAction, evidence: &[Evidence], inventory: &[Artifact]) -> Vec<Step> {
    match action.kind {
        ActionKind::MsiexecUninstall => {
            let mut codes: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
            for e in evidence.iter().filter(|e| uninstall_entry(e)) {
                if let Some(code) = product_code(e, inventory) {
                    let entry = codes
                        .entry(code)
                        .or_insert_with(|| (own_name(e).to_string(), Vec::new()));
                    entry.1.push(e.location.clone());
                }
            }
            codes
                .into_iter()
                .filter(|(_, (name, _))| safe(name))
                .map(|(code, (display_name, locations))| {
                    let detail = StepDetail::Msiexec {
                        product_code: code,
                        display_name,
                        properties: action.properties.clone(),
                    };
                    step(action, detail, locations)
                })
                .collect()
        }
        ActionKind::PackageRemove => {
            let mut per: BTreeMap<PackageManager, (BTreeSet<String>, BTreeSet<String>)> =
                BTreeMap::new();
            for e in evidence.iter().filter(|e| e.kind == "package") {
                let Some(manager) = package_manager(e) else {
                    continue;
                };
                let name = own_name(e);
                if safe(name) && has_prefix(action, name) {
                    let entry = per.entry(manager).or_default();
                    entry.0.insert(name.to_string());
                    entry.1.insert(e.location.clone());
                }
            }
            per.into_iter()
                .map(|(manager, (packages, locations))| {
                    let detail = StepDetail::Packages {
                        manager,
                        packages: packages.into_iter().collect(),
                    };
                    step(action, detail, locations.into_iter().collect())
                })
                .collect()
        }
        ActionKind::VendorUninstaller => {
            let program = action.paths.first().cloned().unwrap_or_default();
            let detail = StepDetail::Program {
                program,
                args: action.args.clone(),
            };
            vec![step(action, detail, Vec::new())]
        }
        ActionKind::LaunchdUnload => {
            let jobs: BTreeSet<LaunchdJob> = evidence
                .iter()
                .filter(|e| e.collector == "macos-launchd" && e.kind == "service")
                .filter(|e| safe(own_name(e)) && safe(&e.location))
                .filter(|e| has_prefix(action, own_name(e)))
                .map(|e| LaunchdJob {
                    label: own_name(e).to_string(),
                    plist: e.location.clone(),
                    daemon: e.location.starts_with("Library/LaunchDaemons/"),
                })
                .collect();
            if jobs.is_empty() {
                return Vec::new();
            }
            let locations = jobs.iter().map(|j| j.plist.clone()).collect();
            let detail = StepDetail::Launchd {
                jobs: jobs.into_iter().collect(),
            };
            vec![step(action, detail, locations)]
        }
        ActionKind::PkgutilForget => {
            let mut receipts = BTreeSet::new();
            let mut locations = BTreeSet::new();
            for e in evidence
                .iter()
                .filter(|e| e.collector == "macos-receipts" && e.kind == "package")
            {
                let id = own_name(e);
                if safe(id) && has_prefix(action, id) {
                    receipts.insert(id.to_string());
                    locations.insert(e.location.clone());
                }
            }
            if receipts.is_empty() {
                return Vec::new();
            }
            let detail = StepDetail::Receipts {
                receipts: receipts.into_iter().collect(),
            };
            vec![step(action, detail, locations.into_iter().collect())]
        }
        ActionKind::DeletePath => {
            let mut paths = BTreeSet::new();
            for pattern in &action.paths {
                if pattern.contains('*') {
                    paths.extend(expand(pattern, evidence));
                } else {
                    paths.insert(pattern.clone());
                }
            }
            if paths.is_empty() {
                return Vec::new();
            }
            let detail = StepDetail::Paths {
                paths: paths.into_iter().collect(),
            };
            vec![step(action, detail, Vec::new())]
        }
        ActionKind::Fallback => {
            let detail = StepDetail::Fallback {
                tool: action.paths.first().cloned().unwrap_or_default(),
            };
            vec![step(action, detail, Vec::new())]
        }
    }
}

/// The Windows Installer product code of an uninstall entry: the key's own name when it
/// is a product code, else the `/X{…}` of its uninstall string in the inventory.
fn product_code(e: &Evidence, inventory: &[Artifact]) -> Option<String> {
    let key = e.location.rsplit('\\').next().unwrap_or_default();
    if is_guid(key) {
        return Some(key.to_ascii_uppercase());
    }
    let artifact = inventory.iter().find(|a| a.location == e.location)?;
    for attr in ["product-code", "identifying-number"] {
        if let Some(code) = artifact.attributes.get(attr).filter(|c| is_guid(c)) {
            return Some(code.to_ascii_uppercase());
        }
    }
    let uninstall = artifact.attributes.get("uninstall-string")?;
    let upper = uninstall.to_ascii_uppercase();
    let start = upper
        .find("/X{")
        .map(|i| i + 2)
        .or_else(|| upper.find("/I{").map(|i| i + 2))?;
    let code = upper.get(start..start + 38)?;
    is_guid(code).then(|| code.to_string())
}

/// `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`.
fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 38
        && b[0] == b'{'
        && b[37] == b'}'
        && b[1..37].iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// The evidence locations (or their leading components) that a pattern with `*` (within
/// one component) matches.
fn expand(pattern: &str, evidence: &[Evidence]) -> BTreeSet<String> {
    let want: Vec<&str> = pattern.split('/').collect();
    let mut out = BTreeSet::new();
    for e in evidence {
        let parts: Vec<&str> = e.location.split('/').collect();
        if parts.len() < want.len() {
            continue;
        }
        let head = &parts[..want.len()];
        if head.iter().zip(&want).all(|(p, w)| glob_component(w, p)) {
            let path = head.join("/");
            if safe(&path) {
                out.insert(path);
            }
        }
    }
    out
}

/// `*` matches any run of characters within one path component; letter case is ignored.
fn glob_component(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    // Classic two-pointer wildcard match with backtracking to the last star.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_and_globs() {
        assert!(is_guid("{9A017278-F7F4-4DF9-A482-0B97B70DD7ED}"));
        assert!(!is_guid("{9A017278-F7F4-4DF9-A482-0B97B70DD7E}"));
        assert!(!is_guid("Kaspersky Password Manager"));
        assert!(glob_component(
            "Kaspersky*.app",
            "Kaspersky Internet Security.app"
        ));
        assert!(!glob_component("Kaspersky*.app", "Notes Fan.app"));
        assert!(glob_component("*", "x"));
        assert!(!glob_component("a*b", "ac"));
    }
}
