//! `interdict sbom FILE...` and `interdict import --from osquery|csv FILE...`: findings
//! from SBOMs and from inventories other tools already collected.

use crate::{FailOn, Format, load_catalog};
use anyhow::{Result, bail};
use interdict_catalog::Catalog;
use interdict_inventory::Artifact;
use interdict_matcher::{Finding, Matcher};
use interdict_sbom::{CsvMapping, OsqueryTable};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

/// Options shared by `sbom` and `import`.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Report only findings covered by this directive.
    #[arg(long, value_name = "ID")]
    pub directive: Option<String>,
    /// Add the catalog files (*.toml) in DIR to the bundled catalog.
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
    /// Exit 1 when a finding has at least this confidence.
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = FailOn::Possible)]
    pub fail_on: FailOn,
}

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
    endpoints: BTreeMap<String, u64>,
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
    fn endpoint_count(&self, finding: &Finding) -> u64 {
        let locations: std::collections::BTreeSet<&str> = finding
            .evidence
            .iter()
            .map(|e| e.location.as_str())
            .collect();
        let devices: u64 = locations
            .into_iter()
            .filter_map(|l| self.endpoints.get(l))
            .sum();
        devices.max(1)
    }
}

fn matcher(check: &CheckArgs) -> Result<(Catalog, Matcher)> {
    let catalog = load_catalog(check.catalog.as_ref())?;
    crate::check_directive(&catalog, check.directive.as_deref())?;
    let m = Matcher::new(&catalog, "any")?;
    Ok((catalog, m))
}

/// Runs `interdict sbom`.
pub fn run_sbom(args: SbomArgs) -> Result<ExitCode> {
    let (_, m) = matcher(&args.check)?;
    let mut units = Vec::new();
    let mut errors = Vec::new();
    let mut documents = Vec::new();
    for file in &args.files {
        let name = file.display().to_string();
        let doc = std::fs::read(file)
            .map_err(|e| format!("{name}: {e}"))
            .and_then(|bytes| interdict_sbom::read_sbom(&bytes, &name).map_err(|e| e.to_string()));
        match doc {
            Ok(doc) => {
                documents.push(json!({"file": name, "format": doc.format, "spec_version": doc.spec_version,
                    "name": doc.name, "serial_number": doc.serial_number, "components": doc.components.len(),
                    "warnings": doc.warnings.len()}));
                // Skipped components: reported, but the document was read and checked.
                errors.extend(doc.warnings.iter().map(|w| {
                    json!({"collector": "sbom", "location": name, "message": w.to_string(), "severity": "warning"})
                }));
                units.push(Unit::new(name, m.match_artifacts(&doc.components)));
            }
            Err(message) => {
                errors.push(json!({"collector": "sbom", "location": name, "message": message}))
            }
        }
    }
    finish(
        &args.check,
        "document",
        units,
        errors,
        json!({ "documents": documents }),
    )
}

/// Runs `interdict import`.
pub fn run_import(args: ImportArgs) -> Result<ExitCode> {
    let (_, m) = matcher(&args.check)?;
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
    let mut errors = Vec::new();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for file in &args.files {
        let name = file.display().to_string();
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                errors.push(
                    json!({"collector": "import", "location": name, "message": format!("{name}: {e}")}),
                );
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
                for e in imp.errors {
                    errors.push(
                        json!({"collector": "import", "location": name, "message": e.to_string()}),
                    );
                }
                for (query, rows) in imp.skipped {
                    *skipped.entry(query).or_default() += rows;
                }
                for (host, a) in imp.artifacts {
                    by_host.entry(host).or_default().push(a);
                }
            }
            Err(e) => errors
                .push(json!({"collector": "import", "location": name, "message": e.to_string()})),
        }
    }
    let hosts = by_host.len();
    let units = by_host
        .into_iter()
        .map(|(host, artifacts)| {
            let mut unit = Unit::new(host, m.match_artifacts(&artifacts));
            unit.endpoints = artifacts
                .iter()
                .filter_map(|a| {
                    let count = a.attr("endpoint-count")?.parse().ok()?;
                    Some((a.location.clone(), count))
                })
                .collect();
            unit
        })
        .collect();
    finish(
        &args.check,
        "host",
        units,
        errors,
        json!({ "hosts_seen": hosts, "skipped": skipped }),
    )
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

/// Filters, renders, prints and picks the exit code.
fn finish(
    check: &CheckArgs,
    unit_key: &str,
    mut units: Vec<Unit>,
    errors: Vec<Value>,
    extra: Value,
) -> Result<ExitCode> {
    for u in &mut units {
        interdict_report::filter_directive(&mut u.findings, check.directive.as_deref());
    }
    let all: Vec<&Finding> = units.iter().flat_map(|u| &u.findings).collect();
    // The T+30 counts: products found and how many units (endpoints, documents) have each;
    // an aggregated export's row counts the devices it reports.
    let mut per_product: BTreeMap<&str, (String, Vec<&str>, u64)> = BTreeMap::new();
    for u in &units {
        for f in &u.findings {
            let slot = per_product
                .entry(&f.product)
                .or_insert_with(|| (f.product_name.clone(), Vec::new(), 0));
            slot.1.push(&u.label);
            slot.2 += u.endpoint_count(f);
        }
    }
    let text = match check.format {
        Format::Json => {
            let findings: Vec<Value> = units
                .iter()
                .flat_map(|u| {
                    u.findings.iter().map(move |f| {
                        let mut v = json!(f);
                        v[unit_key] = json!(u.label);
                        v
                    })
                })
                .collect();
            let products: Vec<Value> = per_product
                .iter()
                .map(|(id, (name, labels, count))| json!({"product": id, "product_name": name, "count": count, format!("{unit_key}s"): labels}))
                .collect();
            let mut doc = json!({"findings": findings, "errors": errors, "products": products,
                "summary": interdict_report::summary(all.iter().copied())});
            if let (Some(d), Some(e)) = (doc.as_object_mut(), extra.as_object()) {
                d.extend(e.clone());
            }
            serde_json::to_string_pretty(&doc)? + "\n"
        }
        Format::Csv => {
            let mut out = String::new();
            for (i, u) in units.iter().enumerate() {
                let csv = interdict_report::to_csv(&u.findings)?;
                let body = if i == 0 {
                    csv.as_str()
                } else {
                    csv.split_once('\n').map(|x| x.1).unwrap_or("")
                };
                out.push_str(body);
            }
            if out.is_empty() {
                out = interdict_report::to_csv(&[])?;
            }
            out
        }
        Format::Table => {
            let t = interdict_report::terminal_safe;
            let mut s = String::new();
            for u in &units {
                s += &format!(
                    "{unit_key} {}: {} finding(s)\n",
                    t(&u.label),
                    u.findings.len()
                );
                for f in &u.findings {
                    s += &format!(
                        "  {:<10} {:<32} {}\n",
                        f.confidence.as_str(),
                        t(&f.product),
                        t(&f.directives.join(", "))
                    );
                    for e in &f.evidence {
                        s += &format!(
                            "      {} {}  @ {}\n",
                            t(&e.kind),
                            t(&e.name),
                            t(&e.location)
                        );
                    }
                }
            }
            s += "\nPRODUCT                           COUNT\n";
            for (id, (_, _, count)) in &per_product {
                s += &format!("  {:<32} {}\n", t(id), count);
            }
            if let Some(skipped) = extra.get("skipped").and_then(Value::as_object) {
                for (query, rows) in skipped {
                    s += &format!("skipped: {} ({rows} row(s), no inventory)\n", t(query));
                }
            }
            for e in &errors {
                let severity = e["severity"].as_str().unwrap_or("error");
                s += &format!(
                    "{severity}: {}\n",
                    t(e["message"].as_str().unwrap_or_default())
                );
            }
            s
        }
        Format::Cyclonedx => bail!("--format cyclonedx is only for `interdict scan`"),
    };
    crate::write_stdout(&text)?;
    for e in &errors {
        crate::eprint_line(&format!(
            "interdict: {}: {}",
            e["severity"].as_str().unwrap_or("error"),
            e["message"].as_str().unwrap_or_default()
        ));
    }
    let code = crate::exit_code(check.fail_on, all.into_iter(), false);
    let failed = errors.iter().any(|e| e["severity"] != "warning");
    Ok(if code == ExitCode::SUCCESS && failed {
        ExitCode::from(2)
    } else {
        code
    })
}
