//! The `interdict` command line: parse flags, run the library, map results to exit codes.
//!
//! Exit codes: 0 nothing at or above `--fail-on`; 1 findings at or above it; 2 error (bad
//! flags, unreadable catalog or root, or — with `--strict` — a source that could not be
//! read).
//!
//! Output goes through [`write_stdout`] and [`eprint_line`]: a closed standard output
//! (`interdict … | head -1`) ends the run quietly with exit 0, and every line on standard
//! error has its control characters escaped.

mod agent_cmd;
mod catalog_cmd;
mod cli;
mod evidence_cmd;
mod evidence_export;
mod evidence_pack;
mod plan_cmd;
mod report_cmd;
mod sbom_cmd;
mod server_cmd;

use anyhow::{Context, Result, bail};
use clap::Parser;
use cli::{Cli, Command, FailOn, Format, ScanArgs};
use interdict_catalog::Catalog;
use interdict_findings::{CatalogStamp, Confidence, Finding, Report, SourceKind};
use interdict_scan::{ScanEvent, ScanOptions};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// This interdict's version, as written in every report.
const VERSION: &str = env!("CARGO_PKG_VERSION");

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Sbom(args) => sbom_cmd::run_sbom(args),
        Command::Import(args) => sbom_cmd::run_import(args),
        Command::Catalog(cmd) => catalog_cmd::run(cmd),
        Command::Serve(args) => server_cmd::run_serve(args),
        Command::Admin(args) => server_cmd::run_admin(args),
        Command::Agent(cmd) => agent_cmd::run(cmd),
        Command::Upload(args) => agent_cmd::run_upload(args),
        Command::Evidence(cmd) => evidence_cmd::run(cmd),
        Command::Report(args) => report_cmd::run_report(args),
        Command::Plan(args) => plan_cmd::run_plan(args),
        Command::Policy(cmd) => plan_cmd::run_policy(cmd),
        Command::Completions { shell } => {
            write_stdout(&cli::completions(shell)).map(|()| ExitCode::SUCCESS)
        }
        Command::Manpage => cli::manpage()
            .map_err(anyhow::Error::from)
            .and_then(|page| write_stdout(&page))
            .map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        // The reader of our output has gone (`| head`): a normal end, nothing to report.
        Err(e) if e.downcast_ref::<StdoutClosed>().is_some() => ExitCode::SUCCESS,
        Err(e) => {
            eprint_line(&format!("interdict: error: {e:#}"));
            ExitCode::from(2)
        }
    }
}

/// Standard output was closed by its reader (`EPIPE`); `main` exits 0 without a message.
#[derive(Debug)]
struct StdoutClosed;

impl std::fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// Writes `text` to standard output and flushes it. Every command prints through this:
/// a closed pipe becomes [`StdoutClosed`], which `main` turns into a quiet exit 0
/// (Rust ignores `SIGPIPE`, so `print!` would panic instead).
fn write_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(StdoutClosed.into()),
        other => Ok(other?),
    }
}

/// Writes one line to standard error with control characters escaped
/// ([`interdict_report::terminal_safe`]), so data in a warning cannot drive the terminal.
/// A closed standard error is ignored (`eprintln!` would panic).
fn eprint_line(line: &str) {
    let _ = writeln!(
        std::io::stderr().lock(),
        "{}",
        interdict_report::terminal_safe(line)
    );
}

/// The bundled catalog, extended by `dir` when given.
fn load_catalog(dir: Option<&PathBuf>) -> Result<Catalog> {
    Ok(match dir {
        Some(d) => Catalog::with_dir(d)?,
        None => Catalog::bundled()?,
    })
}

/// The catalog's stamp for a report: its version and the digest of the files loaded.
fn catalog_stamp(catalog: &Catalog) -> CatalogStamp {
    CatalogStamp {
        version: catalog.version().to_string(),
        digest: catalog.digest(),
    }
}

/// An empty report of `source` made with `catalog`, started now.
fn new_report(source: SourceKind, catalog: &Catalog) -> Report {
    Report::new(
        source,
        VERSION,
        catalog_stamp(catalog),
        interdict_findings::now_millis(),
        uuid::Uuid::new_v4().to_string(),
    )
}

fn run_scan(args: ScanArgs) -> Result<ExitCode> {
    let check = &args.check;
    let catalog = load_catalog(check.catalog.as_ref())?;
    check_directive(&catalog, check.directive.as_deref())?;
    let options = ScanOptions {
        root: args.root.clone(),
        hash: args.hash,
        cross_mounts: args.cross_mounts,
        no_sweep: args.no_sweep,
        threads: args.threads,
        content: args.content,
    };
    if args.threads > 0 {
        // The collectors' rayon pool; a second call (tests in one process) is harmless.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(args.threads)
            .build_global();
    }
    let bar = progress_bar();
    let on_event = |e: ScanEvent| match e {
        ScanEvent::Planned(n) => bar.set_length(n as u64),
        ScanEvent::Finished(id) => {
            bar.set_message(id.to_string());
            bar.inc(1);
        }
    };
    let mut report = new_report(SourceKind::Scan, &catalog);
    interdict_scan::scan_into(&mut report, &catalog, &options, &on_event)?;
    bar.finish_and_clear();
    interdict_report::filter_directive(&mut report, check.directive.as_deref());

    let text = match check.format {
        Format::Table => interdict_report::to_table(&report),
        Format::Json => {
            if !args.inventory {
                report.inventory = None;
            }
            interdict_report::to_json(&report)?
        }
        Format::Csv => interdict_report::to_csv(&report)?,
        Format::Cyclonedx => {
            let host = report
                .host
                .as_ref()
                .map(|h| {
                    if h.name.is_empty() {
                        h.root.clone().unwrap_or_default()
                    } else {
                        h.name.clone()
                    }
                })
                .unwrap_or_default();
            let inventory = report.inventory.as_deref().unwrap_or_default();
            let bom = interdict_sbom::to_cyclonedx_json(inventory, &host, VERSION);
            serde_json::to_string_pretty(&bom)? + "\n"
        }
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => write_stdout(&text)?,
    }
    for e in &report.errors {
        if check.format != Format::Table || args.output.is_some() {
            eprint_line(&format!(
                "interdict: warning: [{}] {}: {}",
                e.collector, e.location, e.message
            ));
        }
    }
    let incomplete = args.strict && report.errors.iter().any(|e| !e.is_warning());
    Ok(exit_code(check.fail_on, report.findings.iter(), incomplete))
}

/// Fails with the known ids when `directive` is not in the catalog.
fn check_directive(catalog: &Catalog, directive: Option<&str>) -> Result<()> {
    if let Some(d) = directive
        && catalog.directive(d).is_none()
    {
        let known: Vec<_> = catalog.directives().map(|d| d.id.as_str()).collect();
        bail!("unknown directive `{d}` (known: {})", known.join(", "));
    }
    Ok(())
}

/// 2 when `incomplete` (a run that could not read everything proves nothing, whatever it
/// found); otherwise 1 when a finding reaches `fail_on`; otherwise 0.
fn exit_code<'a>(
    fail_on: FailOn,
    mut findings: impl Iterator<Item = &'a Finding>,
    incomplete: bool,
) -> ExitCode {
    let threshold = match fail_on {
        FailOn::Possible => Some(Confidence::Possible),
        FailOn::Probable => Some(Confidence::Probable),
        FailOn::Confirmed => Some(Confidence::Confirmed),
        FailOn::Never => None,
    };
    if incomplete {
        ExitCode::from(2)
    } else if threshold.is_some_and(|t| findings.any(|f| f.confidence >= t)) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// A progress bar on standard error when it is a terminal; hidden otherwise.
fn progress_bar() -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} scanning [{bar:30}] {pos}/{len} {msg}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
