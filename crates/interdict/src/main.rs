//! The `interdict` command line: parse flags, run the library, map results to exit codes.
//!
//! Exit codes: 0 nothing at or above `--fail-on`; 1 findings at or above it; 2 error (bad
//! flags, unreadable catalog or root, or — with `--strict` — a source that could not be
//! read).
//!
//! Output goes through [`write_stdout`] and [`eprint_line`]: a closed standard output
//! (`interdict … | head -1`) ends the run quietly with exit 0, and every line on standard
//! error has its control characters escaped.

mod catalog_cmd;
mod sbom_cmd;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use interdict_catalog::Catalog;
use interdict_matcher::Confidence;
use interdict_scan::{ScanEvent, ScanOptions};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// From a government ban on a vendor's software to proven compliance.
#[derive(Parser, Debug)]
#[command(name = "interdict", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan this host, or an offline root, for products a directive covers.
    Scan(ScanArgs),
    /// Check SBOMs (CycloneDX, SPDX) for covered products, embedded ones included.
    Sbom(sbom_cmd::SbomArgs),
    /// Findings from inventories other tools collected (osquery results, CSV exports).
    Import(sbom_cmd::ImportArgs),
    /// List, show or validate catalog entries.
    #[command(subcommand)]
    Catalog(catalog_cmd::CatalogCommand),
}

/// Output formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// A readable table.
    Table,
    /// The JSON report (a stable contract).
    Json,
    /// One row per piece of evidence.
    Csv,
    /// `scan` only: the host's inventory as a CycloneDX 1.6 JSON SBOM.
    Cyclonedx,
}

/// The `--fail-on` threshold.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum FailOn {
    Possible,
    Probable,
    Confirmed,
    Never,
}

#[derive(clap::Args, Debug)]
struct ScanArgs {
    /// Scan an offline root (a mounted disk image, a container rootfs) instead of this host.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Report only findings covered by this directive (e.g. bod-17-01).
    #[arg(long, value_name = "ID")]
    directive: Option<String>,
    /// Add the catalog files (*.toml) in DIR to the bundled catalog.
    #[arg(long, value_name = "DIR")]
    catalog: Option<PathBuf>,
    /// Exit 1 when a finding has at least this confidence.
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = FailOn::Possible)]
    fail_on: FailOn,
    /// Include the whole normalized inventory in JSON output.
    #[arg(long)]
    inventory: bool,
    /// Hash swept files with SHA-256 so hash indicators can match (slower).
    #[arg(long)]
    hash: bool,
    /// Skip the file sweep.
    #[arg(long)]
    no_sweep: bool,
    /// Let the file sweep cross into other mounted file systems.
    #[arg(long)]
    cross_mounts: bool,
    /// Exit 2 when any source could not be read.
    #[arg(long)]
    strict: bool,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Sbom(args) => sbom_cmd::run_sbom(args),
        Command::Import(args) => sbom_cmd::run_import(args),
        Command::Catalog(cmd) => catalog_cmd::run(cmd),
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

fn run_scan(args: ScanArgs) -> Result<ExitCode> {
    let catalog = load_catalog(args.catalog.as_ref())?;
    check_directive(&catalog, args.directive.as_deref())?;
    let options = ScanOptions {
        root: args.root.clone(),
        hash: args.hash,
        cross_mounts: args.cross_mounts,
        no_sweep: args.no_sweep,
    };
    let bar = progress_bar();
    let on_event = |e: ScanEvent| match e {
        ScanEvent::Planned(n) => bar.set_length(n as u64),
        ScanEvent::Finished(id) => {
            bar.set_message(id.to_string());
            bar.inc(1);
        }
    };
    let mut report = interdict_scan::scan(&catalog, &options, &on_event)?;
    bar.finish_and_clear();
    interdict_report::filter_directive(&mut report.findings, args.directive.as_deref());

    let version = env!("CARGO_PKG_VERSION");
    let text = match args.format {
        Format::Table => interdict_report::to_table(&report, &report.findings),
        Format::Json => {
            let doc = interdict_report::to_json(&report, version, args.inventory);
            serde_json::to_string_pretty(&doc)? + "\n"
        }
        Format::Csv => interdict_report::to_csv(&report.findings)?,
        Format::Cyclonedx => {
            let host = if report.host.hostname.is_empty() {
                report.host.root.clone()
            } else {
                report.host.hostname.clone()
            };
            let bom = interdict_sbom::to_cyclonedx_json(&report.inventory, &host, version);
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
        if !matches!(args.format, Format::Table) || args.output.is_some() {
            eprint_line(&format!(
                "interdict: warning: [{}] {}: {}",
                e.collector, e.location, e.message
            ));
        }
    }
    Ok(exit_code(
        args.fail_on,
        report.findings.iter(),
        args.strict && !report.errors.is_empty(),
    ))
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

/// 1 when a finding reaches `fail_on`; otherwise 2 when `incomplete`; otherwise 0.
fn exit_code<'a>(
    fail_on: FailOn,
    mut findings: impl Iterator<Item = &'a interdict_matcher::Finding>,
    incomplete: bool,
) -> ExitCode {
    let threshold = match fail_on {
        FailOn::Possible => Some(Confidence::Possible),
        FailOn::Probable => Some(Confidence::Probable),
        FailOn::Confirmed => Some(Confidence::Confirmed),
        FailOn::Never => None,
    };
    if threshold.is_some_and(|t| findings.any(|f| f.confidence >= t)) {
        ExitCode::from(1)
    } else if incomplete {
        ExitCode::from(2)
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
