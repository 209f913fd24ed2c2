//! The command-line definitions: every subcommand and flag, defined once. The same
//! definitions generate shell completions (`interdict completions SHELL`) and the man page
//! (`interdict manpage`).

use crate::agent_cmd::{AgentCommand, UploadArgs};
use crate::catalog_cmd::CatalogCommand;
use crate::report_cmd::ReportArgs;
use crate::sbom_cmd::{ImportArgs, SbomArgs};
use crate::server_cmd::{AdminArgs, ServeArgs};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// From a government ban on a vendor's software to proven compliance.
#[derive(Parser, Debug)]
#[command(name = "interdict", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan this host, or an offline root, for products a directive covers.
    Scan(ScanArgs),
    /// Check SBOMs (CycloneDX, SPDX) for covered products, embedded ones included.
    Sbom(SbomArgs),
    /// Findings from inventories other tools collected (osquery results, CSV exports).
    Import(ImportArgs),
    /// List, show or validate catalog entries.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Run the fleet server: report ingest, finding lifecycle, milestones, audit, JSON API.
    Serve(ServeArgs),
    /// Administer the fleet server's database: users, tokens, enrollment secrets,
    /// directive activation, audit verification.
    Admin(AdminArgs),
    /// The agent: enroll this host, scan on a schedule within a resource budget, spool
    /// and upload reports to the fleet server.
    #[command(subcommand)]
    Agent(AgentCommand),
    /// Send saved report documents (`scan`, `sbom`, `import` JSON) to the fleet server.
    Upload(UploadArgs),
    /// Evidence packs: create a signing key, verify a pack offline.
    #[command(subcommand)]
    Evidence(crate::evidence_cmd::EvidenceCommand),
    /// The directive's deliverables as of a date: identification report, plan of action,
    /// status report (HTML, JSON, CSV or PDF), from the server's database or saved reports.
    Report(ReportArgs),
    /// Print the removal plan of a host (text, JSON, or a sh / PowerShell script to
    /// review and run there): from saved reports, or from the fleet server.
    Plan(PlanArgs),
    /// Prevention policies of a directive (AppLocker, WDAC, apt, dnf, hosts, RPZ,
    /// osquery, YARA, Santa).
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) of interdict and its subcommands.
    Manpage,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable table.
    Table,
    /// The JSON report document (a stable contract; schema in docs/report.schema.json).
    Json,
    /// One row per piece of evidence.
    Csv,
    /// `scan` only: the host's inventory as a CycloneDX 1.6 JSON SBOM.
    Cyclonedx,
}

/// The `--fail-on` threshold.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    /// Any finding.
    Possible,
    /// Probable or confirmed findings.
    Probable,
    /// Confirmed findings only.
    Confirmed,
    /// Never exit 1 for findings.
    Never,
}

/// The flags every checking command shares (`scan`, `sbom`, `import`).
#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Report only findings covered by this directive (e.g. bod-17-01).
    #[arg(long, value_name = "ID")]
    pub directive: Option<String>,
    /// Add the catalog files (*.toml) in DIR to the bundled catalog.
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
    /// Exit 1 when a finding has at least this confidence.
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = FailOn::Possible)]
    pub fail_on: FailOn,
}

/// `interdict scan`.
#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Scan an offline root (a mounted disk image, a container rootfs) instead of this host.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The shared checking flags.
    #[command(flatten)]
    pub check: CheckArgs,
    /// Include the whole normalized inventory in JSON output.
    #[arg(long)]
    pub inventory: bool,
    /// Hash swept files with SHA-256 so hash indicators can match (slower).
    #[arg(long)]
    pub hash: bool,
    /// Match every regular file's content against the catalog's content indicators
    /// (strings, exported symbols, domains): vendor code embedded in other products. With
    /// --hash, files are hashed from the same read.
    #[arg(long)]
    pub content: bool,
    /// Skip the file sweep.
    #[arg(long)]
    pub no_sweep: bool,
    /// Let the file sweep cross into other mounted file systems.
    #[arg(long)]
    pub cross_mounts: bool,
    /// Worker threads of the file sweep and the collectors (0: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Exit 2 when any source could not be read (before findings: an incomplete scan
    /// proves nothing).
    #[arg(long)]
    pub strict: bool,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Plan output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormatArg {
    /// Numbered steps with evidence and sources.
    Text,
    /// The plans as JSON.
    Json,
    /// A POSIX sh script (Linux, macOS hosts).
    Sh,
    /// A PowerShell script (Windows hosts).
    Ps1,
}

/// `interdict plan`.
#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("input").required(true).multiple(true).args(["from", "host"])))]
pub struct PlanArgs {
    /// Saved report documents (JSON of `scan` or `import`): the plan of each host in them.
    #[arg(long = "from", value_name = "FILE", num_args = 1..)]
    pub from: Vec<PathBuf>,
    /// The host (its id or name): with --from, picks it among the reports' hosts; alone,
    /// asks the fleet server (--server, --token) for the plan of its latest report.
    #[arg(long, value_name = "ID")]
    pub host: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormatArg::Text)]
    pub format: PlanFormatArg,
    /// Add the catalog files (*.toml) in DIR to the bundled catalog.
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
    /// The fleet server (with --host and no --from).
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// An API token (any role) for --server.
    #[arg(
        long,
        value_name = "T",
        env = "INTERDICT_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Trust only the CA certificates in this PEM file (default: the system's roots).
    #[arg(long, value_name = "F")]
    pub ca_file: Option<PathBuf>,
}

/// Policy export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyFormatArg {
    /// AppLocker policy XML.
    Applocker,
    /// WDAC (App Control for Business) policy XML.
    Wdac,
    /// apt preferences (pin priority -1).
    Apt,
    /// dnf excludepkgs.
    Dnf,
    /// hosts file entries.
    Hosts,
    /// DNS response-policy zone.
    Rpz,
    /// osquery pack (JSON).
    Osquery,
    /// YARA rules.
    Yara,
    /// Santa rules (JSON for santactl rule --import).
    Santa,
}

/// `interdict policy`.
#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Print the prevention policy of a directive on standard output.
    Export {
        /// The directive (e.g. bod-17-01).
        #[arg(long, value_name = "ID")]
        directive: String,
        /// The policy format.
        #[arg(long, value_enum)]
        format: PolicyFormatArg,
        /// Add the catalog files (*.toml) in DIR to the bundled catalog.
        #[arg(long, value_name = "DIR")]
        catalog: Option<PathBuf>,
    },
}

/// The completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> String {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "interdict", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The man page: `interdict(1)` followed by one section per subcommand.
pub fn manpage() -> std::io::Result<String> {
    let cmd = <Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut out)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let title = format!("interdict-{}", sub.get_name());
        clap_mangen::Man::new(sub.clone())
            .title(title)
            .render(&mut out)?;
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}
