//! `interdict sbom FILE...` and `interdict import --from osquery|csv FILE...`: findings
//! from SBOMs and from inventories other tools already collected.

use crate::cli::{CheckArgs, Format};
use crate::{load_catalog, new_report};
use anyhow::{Result, bail};
use interdict_catalog::Catalog;
use interdict_findings::{Document, Finding, Host, Os, Report, SourceKind, product_counts};
use interdict_inventory::{Artifact, CollectError, Platform};
use interdict_matcher::Matcher;
use interdict_sbom::{CsvMapping, OsqueryTable};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

/// `interdict sbom`.
#[derive(clap::Args, Debug)]
pub struct SbomArgs {
    /// CycloneDX (JSON or XML) or SPDX (JSON or tag-value) files.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub check: CheckArgs,
}

/// Where an imported inventory comes from.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Source {
    /// osquery JSON (`osqueryi --json`) or the osqueryd results log.
    Osquery,
    /// A CSV export with a header row.
    Csv,
}

/// `interdict import`.
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The kind of export; without it, told from each file's content (JSON → osquery,
    /// anything else → CSV).
    #[arg(long = "from", value_enum)]
    pub from: Option<Source>,
    /// Export files.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// osquery: the table queried, when the file does not say (programs, deb_packages, …).
    #[arg(long, value_name = "TABLE")]
    pub table: Option<String>,
    /// Host name for files that carry none (osqueryi output, single-host CSV).
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,
    /// CSV: column holding the host name.
    #[arg(long, value_name = "COLUMN")]
    pub host_column: Option<String>,
    /// CSV: column holding the product name.
    #[arg(long, value_name = "COLUMN")]
    pub name_column: Option<String>,
    /// CSV: column holding the version.
    #[arg(long, value_name = "COLUMN")]
    pub version_column: Option<String>,
    /// CSV: column holding the publisher.
    #[arg(long, value_name = "COLUMN")]
    pub publisher_column: Option<String>,
    #[command(flatten)]
    pub check: CheckArgs,
}

/// Findings of one unit (an SBOM document, or a host), with its label.
struct Unit {
    label: String,
    findings: Vec<Finding>,
    /// Endpoint counts of aggregated export rows (`endpoint-count`), by artifact
    /// location: a finding on such rows counts their devices, not one unit.
    endpoints: BTreeMap<String, usize>,
}

impl Unit {
    fn new(label: String, findings: Vec<Finding>) -> Self {
        Unit {
            label,
            findings,
            endpoints: BTreeMap::new(),
        }
    }

    /// How many endpoints `finding` stands for: the devices of the aggregated rows it
    /// was found on, else this one unit.
    fn endpoint_count(&self, finding: &Finding) -> usize {
        let locations: std::collections::BTreeSet<&str> = finding
            .evidence
            .iter()
            .map(|e| e.location.as_str())
            .collect();
        let devices: usize = locations
            .into_iter()
            .filter_map(|l| self.endpoints.get(l))
            .sum();
        devices.max(1)
    }
}

fn matcher(check: &CheckArgs) -> Result<(Catalog, Matcher)> {
    let catalog = load_catalog(check.catalog.as_ref())?;
    crate::check_directive(&catalog, check.directive.as_deref())?;
    let m = Matcher::new(&catalog, Platform::Any)?;
    Ok((catalog, m))
}

/// Runs `interdict sbom`.
pub fn run_sbom(args: SbomArgs) -> Result<ExitCode> {
    let (catalog, m) = matcher(&args.check)?;
    let mut report = new_report(SourceKind::Sbom, &catalog);
    let mut units = Vec::new();
    let mut documents = Vec::new();
    for file in &args.files {
        let name = file.display().to_string();
        let doc = std::fs::read(file)
            .map_err(|e| format!("{name}: {e}"))
            .and_then(|bytes| interdict_sbom::read_sbom(&bytes, &name).map_err(|e| e.to_string()));
        match doc {
            Ok(doc) => {
                documents.push(Document {
                    file: name.clone(),
                    format: doc.format.as_str().to_string(),
                    spec_version: doc.spec_version.clone(),
                    name: doc.name.clone(),
                    serial_number: doc.serial_number.clone(),
                    components: doc.components.len(),
                    warnings: doc.warnings.len(),
                });
                // Skipped components: reported, but the document was read and checked.
                report.errors.extend(
                    doc.warnings
                        .iter()
                        .map(|w| CollectError::new("sbom", &name, w.to_string()).warning()),
                );
                units.push(Unit::new(name, m.match_artifacts(&doc.components)));
            }
            Err(message) => report
                .errors
                .push(CollectError::new("sbom", &name, message)),
        }
    }
    for u in &mut units {
        for f in &mut u.findings {
            f.document = Some(u.label.clone());
        }
    }
    report.documents = Some(documents);
    finish(&args.check, report, units)
}

/// Runs `interdict import`.
pub fn run_import(args: ImportArgs) -> Result<ExitCode> {
    let (catalog, m) = matcher(&args.check)?;
    let mut report = new_report(SourceKind::Import, &catalog);
    let table = match &args.table {
        Some(t) => Some(
            OsqueryTable::from_name(t)
                .ok_or_else(|| anyhow::anyhow!("unknown osquery table `{t}`"))?,
        ),
        None => None,
    };
    let mut mapping = CsvMapping::default();
    for (field, column) in [
        (&mut mapping.host, &args.host_column),
        (&mut mapping.name, &args.name_column),
        (&mut mapping.version, &args.version_column),
        (&mut mapping.publisher, &args.publisher_column),
    ] {
        if let Some(c) = column {
            *field = vec![c.clone()];
        }
    }
    let mut by_host: BTreeMap<String, Vec<Artifact>> = BTreeMap::new();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for file in &args.files {
        let name = file.display().to_string();
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                report
                    .errors
                    .push(CollectError::new("import", &name, format!("{name}: {e}")));
                continue;
            }
        };
        let imported = match args.from.unwrap_or_else(|| detect_source(&bytes)) {
            Source::Osquery => {
                interdict_sbom::import_osquery(&bytes, &name, args.host.as_deref(), table)
            }
            Source::Csv => {
                interdict_sbom::import_csv(&bytes, &name, &mapping, args.host.as_deref())
            }
        };
        match imported {
            Ok(imp) => {
                report.errors.extend(
                    imp.errors
                        .iter()
                        .map(|e| CollectError::new("import", &name, e.to_string())),
                );
                for (query, rows) in imp.skipped {
                    *skipped.entry(query).or_default() += rows;
                }
                for (host, a) in imp.artifacts {
                    by_host.entry(host).or_default().push(a);
                }
            }
            Err(e) => report
                .errors
                .push(CollectError::new("import", &name, e.to_string())),
        }
    }
    let mut hosts = Vec::new();
    let mut units = Vec::new();
    for (name, artifacts) in by_host {
        let host = imported_host(&name, &artifacts);
        let mut unit = Unit::new(name, m.match_artifacts(&artifacts));
        for f in &mut unit.findings {
            f.host = Some(host.name.clone());
            f.host_id = Some(host.id.clone());
        }
        unit.endpoints = artifacts
            .iter()
            .filter_map(|a| {
                let count = a
                    .attr(interdict_inventory::attr::ENDPOINT_COUNT)?
                    .parse()
                    .ok()?;
                Some((a.location.clone(), count))
            })
            .collect();
        hosts.push(host);
        units.push(unit);
    }
    report.hosts_seen = Some(hosts.len());
    report.hosts = Some(hosts);
    report.skipped = Some(skipped);
    finish(&args.check, report, units)
}

/// A host of an import: its name and what the rows say about it (the platform, and any
/// identifier column the export carries, such as Intune's device id).
fn imported_host(name: &str, artifacts: &[Artifact]) -> Host {
    let mut identifiers = BTreeMap::new();
    for key in interdict_findings::IDENTIFIER_PRECEDENCE {
        if let Some(v) = artifacts.iter().find_map(|a| a.attr(key)) {
            identifiers.insert((*key).to_string(), v.to_string());
        }
    }
    let os = Os {
        platform: None,
        name: artifacts
            .iter()
            .find_map(|a| a.attr("platform"))
            .unwrap_or_default()
            .to_string(),
        ..Os::default()
    };
    Host::new(name, os, identifiers)
}

/// The kind of export in `bytes` when `--from` is not given: osquery writes JSON (an
/// array, or one object per line); everything else is read as CSV.
fn detect_source(bytes: &[u8]) -> Source {
    let text = interdict_sbom::text::decode(bytes).unwrap_or_default();
    match text.trim_start().as_bytes().first() {
        Some(b'[' | b'{') => Source::Osquery,
        _ => Source::Csv,
    }
}

/// Filters by directive, counts endpoints per product, renders, prints and picks the
/// exit code. Warnings (skipped records) do not make a run fail; errors exit 2.
fn finish(check: &CheckArgs, mut report: Report, mut units: Vec<Unit>) -> Result<ExitCode> {
    if let Some(d) = check.directive.as_deref() {
        for u in &mut units {
            u.findings.retain(|f| f.directives.iter().any(|x| x == d));
        }
    }
    // The T+30 counts: products found and how many endpoints (hosts, documents) have each;
    // an aggregated export's row counts the devices it reports.
    // Looked up once per finding: an import may carry tens of thousands of hosts.
    let by_label: BTreeMap<&str, &Unit> = units.iter().map(|u| (u.label.as_str(), u)).collect();
    let products = product_counts(
        units
            .iter()
            .map(|u| (u.label.as_str(), u.findings.as_slice())),
        report.source,
        |label, f| by_label.get(label).map_or(1, |u| u.endpoint_count(f)),
    );
    report.products = Some(products);
    report.findings = units.into_iter().flat_map(|u| u.findings).collect();
    report.finish(interdict_findings::now_millis());
    let text = match check.format {
        Format::Json => interdict_report::to_json(&report)?,
        Format::Csv => interdict_report::to_csv(&report)?,
        Format::Table => interdict_report::to_table(&report),
        Format::Cyclonedx => bail!("--format cyclonedx is only for `interdict scan`"),
    };
    crate::write_stdout(&text)?;
    for e in &report.errors {
        let severity = if e.is_warning() { "warning" } else { "error" };
        crate::eprint_line(&format!("interdict: {severity}: {}", e.message));
    }
    // Findings decide first (1); a file that could not be read makes an otherwise clean
    // run exit 2.
    let code = crate::exit_code(check.fail_on, report.findings.iter(), false);
    let failed = report.errors.iter().any(|e| !e.is_warning());
    Ok(if code == ExitCode::SUCCESS && failed {
        ExitCode::from(2)
    } else {
        code
    })
}
