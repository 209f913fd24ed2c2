//! `interdict report`: the directive's deliverables (identification, plan of action,
//! status) as of a date, from the fleet server's database (`--data-dir` / `--database`)
//! or, without a server, from saved report documents (`--from FILE…`, ingested into a
//! temporary SQLite store, each at its `finished` time, then read back through the same
//! snapshot path as the server's — so both give the same document for the same data).

use crate::evidence_pack::Inputs;
use crate::server_cmd::{DatabaseArgs, runtime};
use crate::{StdoutClosed, eprint_line, load_catalog};
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use interdict_catalog::Catalog;
use interdict_deliverables::{Format, Kind, PlanDetails, PlanDetailsSource};
use interdict_findings::Report;
use interdict_server::deliverables::{self, pdf};
use interdict_store::{ReceivedReport, Store};
use jiff::civil::Date;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Which deliverable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// The identification report (T+30): products, endpoints, methodology.
    Identification,
    /// The plan of action (T+60): the fourteen elements.
    Plan,
    /// The status report (T+90 and every 30 days): burn-down, exceptions, reappearances.
    Status,
}

/// Output formats of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One self-contained, print-ready HTML document.
    Html,
    /// JSON (field names are a contract).
    Json,
    /// One CSV table.
    Csv,
    /// PDF, printed by headless Chromium (must be installed).
    Pdf,
}

/// Which fleet, as of which day: the data `report` and `evidence export` compute from.
#[derive(Args, Debug)]
pub struct FleetArgs {
    /// The directive (e.g. bod-17-01).
    #[arg(long, value_name = "ID")]
    pub directive: String,
    /// The day described: the fleet as it was at its end (UTC). Default: today.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<Date>,
    /// The server's database.
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Compute from saved report documents (`scan`, `sbom`, `import` JSON) instead of a
    /// server's database; each counts as received when its scan finished.
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with = "data_dir")]
    pub from: Vec<PathBuf>,
    /// The plan's manual elements (agency, point of contact, contracts, …) from a TOML
    /// file, instead of those stored.
    #[arg(long, value_name = "FILE")]
    pub plan_details: Option<PathBuf>,
    /// Add the catalog files (*.toml) in DIR to the bundled catalog (for a server's
    /// data: the directory `serve` uses).
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
}

impl FleetArgs {
    /// The as-of date, today (UTC) by default.
    pub fn as_of(&self) -> Date {
        self.as_of.unwrap_or_else(|| {
            jiff::Timestamp::now()
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date()
        })
    }
}

/// `interdict report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Which fleet, as of which day.
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// Which deliverable.
    #[arg(long, value_enum)]
    pub kind: KindArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    pub format: ReportFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Reads the plan details file.
pub(crate) fn read_plan_details(path: &Path) -> Result<(PlanDetails, PlanDetailsSource)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let details = PlanDetails::from_toml(&text, &path.display().to_string())?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let source = PlanDetailsSource {
        version: None,
        saved: None,
        by: format!("file {name}"),
    };
    Ok((details, source))
}

/// Saved report documents as inputs: each received when its scan finished, oldest
/// first, each report id once (a repeat is a warning).
pub(crate) fn saved_reports(files: &[PathBuf], actor: &str) -> Result<Inputs> {
    let mut reports = Vec::new();
    let mut seen = BTreeSet::new();
    for f in files {
        let raw = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
        let report = Report::from_json(&raw, &f.display().to_string())?;
        if !seen.insert(report.id.clone()) {
            eprint_line(&format!(
                "interdict: {}: report {} was given already; kept once",
                f.display(),
                report.id
            ));
            continue;
        }
        reports.push(ReceivedReport {
            id: report.id.clone(),
            received: report.finished,
            actor: actor.to_string(),
            raw,
        });
    }
    reports.sort_by(|a, b| (a.received, &a.id).cmp(&(b.received, &b.id)));
    Ok(Inputs {
        reports,
        ..Inputs::default()
    })
}

/// A temporary store holding `inputs`, replayed as the server would have received them
/// (removed when the returned directory is dropped, after the store is closed).
pub(crate) async fn scratch_store(
    catalog: &Catalog,
    directive: &str,
    inputs: &Inputs,
) -> Result<(Store, tempfile::TempDir)> {
    let dir = tempfile::Builder::new()
        .prefix("interdict-")
        .tempdir()
        .context("creating the temporary store")?;
    let store = Store::open_scratch(dir.path()).await?;
    if let Err(e) = crate::evidence_pack::replay(&store, catalog, directive, inputs).await {
        store.close().await;
        return Err(e);
    }
    Ok((store, dir))
}

/// Runs `interdict report`.
pub fn run_report(args: ReportArgs) -> Result<ExitCode> {
    let fleet = &args.fleet;
    let catalog = load_catalog(fleet.catalog.as_ref())?;
    deliverables::directive(&catalog, &fleet.directive)?;
    let kind = match args.kind {
        KindArg::Identification => Kind::Identification,
        KindArg::Plan => Kind::Plan,
        KindArg::Status => Kind::Status,
    };
    if fleet.plan_details.is_some() && kind != Kind::Plan {
        bail!("--plan-details applies to --kind plan only");
    }
    let details = fleet
        .plan_details
        .as_deref()
        .map(read_plan_details)
        .transpose()?;
    let inputs = if fleet.from.is_empty() {
        None
    } else {
        Some(saved_reports(&fleet.from, "interdict report --from")?)
    };
    let as_of = fleet.as_of();
    let doc = runtime()?.block_on(async {
        // The temporary store of --from lives (and is removed) with `scratch`.
        let (store, _scratch) = match &inputs {
            None => (fleet.db.open().await?, None),
            Some(inputs) => {
                let (store, dir) = scratch_store(&catalog, &fleet.directive, inputs).await?;
                (store, Some(dir))
            }
        };
        let doc =
            deliverables::document(&store, &catalog, &fleet.directive, kind, as_of, details).await;
        store.close().await;
        anyhow::Ok(doc?)
    })?;
    let bytes = match args.format {
        ReportFormat::Json => interdict_deliverables::render(&doc, Format::Json).into_bytes(),
        ReportFormat::Csv => interdict_deliverables::render(&doc, Format::Csv).into_bytes(),
        ReportFormat::Html => interdict_deliverables::render(&doc, Format::Html).into_bytes(),
        ReportFormat::Pdf => pdf::html_to_pdf(&interdict_deliverables::render(&doc, Format::Html))?,
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?
        }
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(&bytes).and_then(|()| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    return Err(StdoutClosed.into());
                }
                other => other?,
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
