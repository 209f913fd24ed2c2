//! `interdict report`: the directive's deliverables (identification, plan of action,
//! status) as of a date, from the fleet server's database (`--data-dir` / `--database`)
//! or, without a server, from saved report documents (`--from FILE…`, ingested into a
//! temporary SQLite store, each at its `finished` time, then read back through the same
//! snapshot path as the server's — so both give the same document for the same data).

use crate::server_cmd::{DatabaseArgs, runtime};
use crate::{StdoutClosed, load_catalog};
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use interdict_deliverables::{Format, Kind, PlanDetails, PlanDetailsSource};
use interdict_findings::Report;
use interdict_server::Evaluator;
use interdict_server::deliverables::{self, pdf};
use interdict_store::Store;
use jiff::civil::Date;
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

/// `interdict report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The directive (e.g. bod-17-01).
    #[arg(long, value_name = "ID")]
    pub directive: String,
    /// Which deliverable.
    #[arg(long, value_enum)]
    pub kind: KindArg,
    /// The day described: the fleet as it was at its end (UTC). Default: today.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<Date>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    pub format: ReportFormat,
    /// The server's database.
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Compute from saved report documents (`scan`, `sbom`, `import` JSON) instead of a
    /// server's database.
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with = "data_dir")]
    pub from: Vec<PathBuf>,
    /// The plan's manual elements (agency, point of contact, contracts, …) from a TOML
    /// file, instead of those stored.
    #[arg(long, value_name = "FILE")]
    pub plan_details: Option<PathBuf>,
    /// Add the catalog files (*.toml) in DIR to the bundled catalog.
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
    /// Write to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Reads the plan details file.
fn read_plan_details(path: &Path) -> Result<(PlanDetails, PlanDetailsSource)> {
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

/// A saved report document: the report, its bytes as read, the file.
type Saved = (Report, Vec<u8>, PathBuf);

/// Reads the saved reports, oldest `finished` first.
fn read_reports(files: &[PathBuf]) -> Result<Vec<Saved>> {
    let mut out = Vec::new();
    for f in files {
        let bytes = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
        let report = Report::from_json(&bytes, &f.display().to_string())?;
        out.push((report, bytes, f.clone()));
    }
    out.sort_by(|a, b| (a.0.finished, &a.0.id).cmp(&(b.0.finished, &b.0.id)));
    Ok(out)
}

/// Ingests `reports` into `store` as the server would (its evaluator's findings), each
/// received at its `finished` time.
async fn ingest_all(store: &Store, evaluator: &Evaluator, reports: &[Saved]) -> Result<()> {
    for (report, raw, file) in reports {
        let findings = evaluator
            .report_findings(report)
            .with_context(|| format!("{}", file.display()))?;
        store
            .ingest(
                report,
                Some(raw),
                &findings,
                report.finished,
                "interdict report --from",
            )
            .await
            .with_context(|| format!("{}", file.display()))?;
    }
    Ok(())
}

/// Runs `interdict report`.
pub fn run_report(args: ReportArgs) -> Result<ExitCode> {
    let catalog = load_catalog(args.catalog.as_ref())?;
    deliverables::directive(&catalog, &args.directive)?;
    let kind = match args.kind {
        KindArg::Identification => Kind::Identification,
        KindArg::Plan => Kind::Plan,
        KindArg::Status => Kind::Status,
    };
    if args.plan_details.is_some() && kind != Kind::Plan {
        bail!("--plan-details applies to --kind plan only");
    }
    let details = args
        .plan_details
        .as_deref()
        .map(read_plan_details)
        .transpose()?;
    let as_of = args.as_of.unwrap_or_else(|| {
        jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
    });
    let doc = runtime()?.block_on(async {
        // The temporary store of --from lives (and is removed) with `scratch`.
        let (store, _scratch) = if args.from.is_empty() {
            (args.db.open().await?, None)
        } else {
            let reports = read_reports(&args.from)?;
            let dir = tempfile::Builder::new()
                .prefix("interdict-report-")
                .tempdir()
                .context("creating the temporary store")?;
            let store = Store::open_data_dir(dir.path()).await?;
            let evaluator = Evaluator::new(&catalog).map_err(anyhow::Error::msg)?;
            ingest_all(&store, &evaluator, &reports).await?;
            (store, Some(dir))
        };
        let doc =
            deliverables::document(&store, &catalog, &args.directive, kind, as_of, details).await;
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
