//! `interdict agent enroll|run|install` and `interdict upload`: the command-line side of
//! [`interdict_agent`]. The agent's scan is this binary's own `scan`, run as a governed
//! child process.

use crate::{eprint_line, write_stdout};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use interdict_agent::client::{Client, Delivery};
use interdict_agent::enrollment::Enrollment;
use interdict_agent::governor::{self, Budget};
use interdict_agent::runner::{self, ScanCommand};
use interdict_agent::spool::DEFAULT_MAX_REPORTS;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// The agent subcommands.
#[derive(Subcommand, Debug)]
pub enum AgentCommand {
    /// Enroll this host (or the offline root --root) with the fleet server; the host
    /// credential is stored in the state directory (mode 0600).
    Enroll(EnrollArgs),
    /// Scan and report: once, or every --interval (with jitter), within the resource
    /// budget; reports the server cannot take now are spooled and sent later.
    Run(RunArgs),
    /// Write the systemd unit (hardened, lowest priority, resource limits).
    Install(InstallArgs),
}

/// Where the agent keeps its state.
#[derive(Args, Debug, Clone)]
pub struct StateArgs {
    /// State directory: credential, spool, rejected reports. Default:
    /// $INTERDICT_STATE_DIR, else /var/lib/interdict-agent for root, else
    /// ~/.local/state/interdict-agent.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

impl StateArgs {
    fn dir(&self) -> PathBuf {
        if let Some(d) = &self.state_dir {
            return d.clone();
        }
        if let Some(d) = std::env::var_os("INTERDICT_STATE_DIR").filter(|d| !d.is_empty()) {
            return PathBuf::from(d);
        }
        use std::os::unix::fs::MetadataExt;
        let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
        match std::env::var_os("HOME").filter(|_| !root) {
            Some(h) => PathBuf::from(h).join(".local/state/interdict-agent"),
            None => PathBuf::from("/var/lib/interdict-agent"),
        }
    }
}

/// `agent enroll`.
#[derive(Args, Debug)]
pub struct EnrollArgs {
    /// The fleet server (`https://fleet.example:8443`).
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// An enrollment secret (`interdict admin secret create`).
    #[arg(
        long,
        value_name = "S",
        env = "INTERDICT_ENROLL_SECRET",
        hide_env_values = true
    )]
    pub secret: String,
    /// Trust only the CA certificates in this PEM file (default: the system's roots).
    #[arg(long, value_name = "F")]
    pub ca_file: Option<PathBuf>,
    /// The state directory.
    #[command(flatten)]
    pub state: StateArgs,
    /// Enroll the identity of the offline root DIR instead of this host's.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

/// `agent run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// One cycle (scan, spool, upload), then exit.
    #[arg(long, conflicts_with = "interval")]
    pub once: bool,
    /// Time between scans (`30m`, `6h`, `1d`), moved ±10% at random.
    #[arg(long, value_name = "DUR", value_parser = parse_duration, default_value = "24h")]
    pub interval: Duration,
    /// The state directory.
    #[command(flatten)]
    pub state: StateArgs,
    /// Scan the offline root DIR instead of this host (mounted images, tests).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Add the catalog files (*.toml) in DIR to the bundled catalog.
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
    /// Hash swept files (SHA-256) for hash indicators.
    #[arg(long)]
    pub hash: bool,
    /// Match file contents against the catalog's content indicators in each scheduled
    /// scan (`scan --content`).
    #[arg(long)]
    pub content: bool,
    /// CPU budget: percent of one core over every 12-second window.
    #[arg(long, value_name = "PCT", default_value_t = 5.0)]
    pub cpu_percent: f64,
    /// Reports kept in the spool before the oldest are dropped.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_REPORTS)]
    pub max_spool: usize,
    /// Log format on standard error (the journal, under systemd).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// Log formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// `agent install`.
#[derive(Args, Debug)]
pub struct InstallArgs {
    /// Where to write `interdict-agent.service`.
    #[arg(long, value_name = "DIR", default_value = "/etc/systemd/system")]
    pub unit_dir: PathBuf,
    /// The scan interval written into the unit.
    #[arg(long, value_name = "DUR", default_value = "24h")]
    pub interval: String,
    /// Schedule content scans (`agent run --content`) in the unit.
    #[arg(long)]
    pub content: bool,
}

/// `upload`.
#[derive(Args, Debug)]
pub struct UploadArgs {
    /// Report documents (JSON of `scan`, `sbom`, `import`; `.gz` files are sent as they
    /// are).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The fleet server.
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// An API token (analyst or admin).
    #[arg(
        long,
        value_name = "T",
        env = "INTERDICT_TOKEN",
        hide_env_values = true
    )]
    pub token: String,
    /// Trust only the CA certificates in this PEM file (default: the system's roots).
    #[arg(long, value_name = "F")]
    pub ca_file: Option<PathBuf>,
}

/// Parses `90s`, `30m`, `6h`, `1d` (or plain seconds).
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?}: expected a number and a unit (s, m, h, d)"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (s, m, h, d)")),
    };
    if secs == 0 {
        return Err("the interval must be longer than 0".into());
    }
    Ok(Duration::from_secs(secs))
}

/// Runs an agent subcommand.
pub fn run(cmd: AgentCommand) -> Result<ExitCode> {
    match cmd {
        AgentCommand::Enroll(a) => enroll(a),
        AgentCommand::Run(a) => run_agent(a),
        AgentCommand::Install(a) => install(a),
    }
}

fn enroll(a: EnrollArgs) -> Result<ExitCode> {
    let host = interdict_scan::identify(a.root.as_deref())?;
    let ca_file = a
        .ca_file
        .as_deref()
        .map(|f| std::path::absolute(f).unwrap_or_else(|_| f.to_path_buf()));
    let client = Client::new(&a.server, ca_file.as_deref())?;
    let (credential, _) = Enrollment::request(&client, &a.secret, &host.id)?;
    let enrollment = Enrollment {
        server: client.server().to_string(),
        host_id: host.id.clone(),
        credential,
        ca_file,
        enrolled: jiff::Timestamp::now().to_string(),
    };
    let path = enrollment.save(&a.state.dir())?;
    eprint_line(&format!(
        "interdict: enrolled {} ({}) with {}; credential in {}",
        host.id,
        host.name,
        client.server(),
        path.display()
    ));
    Ok(ExitCode::SUCCESS)
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("INTERDICT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// The scan the agent runs: this binary's `scan`, JSON with the inventory, one thread.
fn scan_command(a: &RunArgs) -> Result<ScanCommand> {
    let program = std::env::current_exe().context("cannot find the interdict binary")?;
    let mut args: Vec<OsString> = [
        "scan",
        "--format",
        "json",
        "--inventory",
        "--fail-on",
        "never",
    ]
    .into_iter()
    .map(OsString::from)
    .collect();
    args.extend(["--threads", "1"].map(OsString::from));
    if let Some(r) = &a.root {
        args.push("--root".into());
        args.push(r.clone().into_os_string());
    }
    if let Some(c) = &a.catalog {
        args.push("--catalog".into());
        args.push(c.clone().into_os_string());
    }
    if a.hash {
        args.push("--hash".into());
    }
    if a.content {
        args.push("--content".into());
    }
    Ok(ScanCommand { program, args })
}

fn run_agent(a: RunArgs) -> Result<ExitCode> {
    init_logging(a.log_format);
    if !(a.cpu_percent > 0.0 && a.cpu_percent <= 100.0) {
        bail!("--cpu-percent must be within (0, 100]");
    }
    let state_dir = a.state.dir();
    // Fail early, before a long scan, when the host is not enrolled.
    Enrollment::load(&state_dir)?;
    governor::lower_priority();
    let budget = Budget {
        share: a.cpu_percent / 100.0,
        ..Budget::default()
    };
    let scan = scan_command(&a)?;
    loop {
        let outcome = runner::cycle(&state_dir, &scan, Some(budget), a.max_spool);
        let mut retry_flush = false;
        match &outcome {
            Ok(c) => {
                tracing::info!(
                    spooled = %c.spooled.display(),
                    held_ms = c.held.as_millis() as u64,
                    created = c.flush.created,
                    duplicates = c.flush.duplicates,
                    rejected = c.flush.rejected,
                    left = c.flush.left,
                    "scan reported"
                );
                if let Some(why) = &c.flush.credential_refused {
                    tracing::error!(%why, "the server refused this host's credential; reports stay spooled; enroll again");
                    if a.once {
                        bail!("the server refused this host's credential ({why}); enroll again");
                    }
                } else if let Some(why) = &c.flush.stopped {
                    tracing::warn!(%why, left = c.flush.left, "server unavailable; reports spooled for later");
                    retry_flush = true;
                }
            }
            Err(e) => tracing::error!(error = %e, "agent cycle failed"),
        }
        if a.once {
            return match outcome {
                Ok(_) => Ok(ExitCode::SUCCESS),
                Err(e) => Err(e.into()),
            };
        }
        wait_for_next_scan(&state_dir, a.interval, a.max_spool, retry_flush);
    }
}

/// Sleeps until the next scan is due; meanwhile retries a failed flush with exponential
/// back-off.
fn wait_for_next_scan(state_dir: &Path, interval: Duration, max_spool: usize, mut retry: bool) {
    let due = std::time::Instant::now() + runner::jittered(interval);
    let mut failures = 0;
    loop {
        let now = std::time::Instant::now();
        if now >= due {
            return;
        }
        let wait = if retry {
            runner::backoff(failures, interval)
        } else {
            due - now
        };
        std::thread::sleep(wait.min(due - now));
        if retry && std::time::Instant::now() < due {
            match runner::flush(state_dir, max_spool) {
                Ok(f) if f.stopped.is_none() && f.credential_refused.is_none() => {
                    tracing::info!(created = f.created, duplicates = f.duplicates, "spool sent");
                    retry = false;
                }
                Ok(_) | Err(_) => failures += 1,
            }
        }
    }
}

/// The unit file, with the binary and interval filled in (and `--content` after the
/// interval when content scans are scheduled).
pub fn unit_text(binary: &Path, interval: &str, content: bool) -> String {
    let interval = if content {
        format!("{interval} --content")
    } else {
        interval.to_string()
    };
    include_str!("../../../packaging/systemd/interdict-agent.service")
        .replace("@BINARY@", &binary.display().to_string())
        .replace("@INTERVAL@", &interval)
}

fn install(a: InstallArgs) -> Result<ExitCode> {
    parse_duration(&a.interval).map_err(anyhow::Error::msg)?;
    let binary = std::env::current_exe().context("cannot find the interdict binary")?;
    let path = a.unit_dir.join("interdict-agent.service");
    std::fs::create_dir_all(&a.unit_dir)
        .with_context(|| format!("{}: cannot create the directory", a.unit_dir.display()))?;
    std::fs::write(&path, unit_text(&binary, &a.interval, a.content))
        .with_context(|| format!("{}: cannot write the unit", path.display()))?;
    eprint_line(&format!(
        "interdict: wrote {}; enroll, then: systemctl daemon-reload && systemctl enable --now interdict-agent",
        path.display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// Sends saved reports; one line per file; exit 1 when any failed.
pub fn run_upload(a: UploadArgs) -> Result<ExitCode> {
    let client = Client::new(&a.server, a.ca_file.as_deref())?;
    let mut failed = 0;
    let mut out = String::new();
    for file in &a.files {
        let line = match std::fs::read(file) {
            Err(e) => {
                failed += 1;
                format!("{}: failed: cannot read: {e}", file.display())
            }
            Ok(bytes) => {
                let gzip = bytes.starts_with(&[0x1f, 0x8b]);
                match client.upload(&mut bytes.as_slice(), gzip, &a.token) {
                    Delivery::Created => format!("{}: created", file.display()),
                    Delivery::Duplicate => {
                        format!("{}: duplicate (already stored)", file.display())
                    }
                    Delivery::Rejected { status, message } => {
                        failed += 1;
                        format!("{}: rejected: HTTP {status}: {message}", file.display())
                    }
                    Delivery::Unavailable(why) => {
                        failed += 1;
                        format!("{}: failed: {why}", file.display())
                    }
                }
            }
        };
        out.push_str(&line);
        out.push('\n');
    }
    write_stdout(&out)?;
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("6h"), Ok(Duration::from_secs(21_600)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("5w").is_err());
        assert!(parse_duration("h").is_err());
    }
}
