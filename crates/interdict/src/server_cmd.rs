//! `interdict serve` (the fleet server) and `interdict admin` (users, tokens, enrollment
//! secrets, directive activation, audit verification) — both against the same database:
//! the SQLite file in `--data-dir`, or PostgreSQL with `--database postgres://…`.

use crate::{eprint_line, load_catalog, write_stdout};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use interdict_server::{AppState, Limits, Listen};
use interdict_store::{Role, Store};
use jiff::Timestamp;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Where the server's database is.
#[derive(Args, Debug, Clone)]
pub struct DatabaseArgs {
    /// Directory of the embedded SQLite database (`interdict.sqlite`); created when
    /// missing. Default: $INTERDICT_DATA_DIR, else $XDG_DATA_HOME/interdict or
    /// ~/.local/share/interdict.
    #[arg(long, value_name = "DIR", conflicts_with = "database")]
    pub data_dir: Option<PathBuf>,
    /// A PostgreSQL URL (`postgres://user@host/db`) instead of the SQLite file: the
    /// scale-out path, several `serve` processes may share it.
    #[arg(long, value_name = "URL", env = "INTERDICT_DATABASE")]
    pub database: Option<String>,
}

impl DatabaseArgs {
    /// The default data directory.
    pub(crate) fn default_data_dir() -> PathBuf {
        let var = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if let Some(d) = var("INTERDICT_DATA_DIR") {
            return d;
        }
        if let Some(d) = var("XDG_DATA_HOME") {
            return d.join("interdict");
        }
        match var("HOME") {
            Some(h) => h.join(".local/share/interdict"),
            None => PathBuf::from("/var/lib/interdict"),
        }
    }

    /// Opens the store (migrations applied).
    pub async fn open(&self) -> Result<Store> {
        match (&self.database, &self.data_dir) {
            (Some(url), _)
                if url.starts_with("postgres://") || url.starts_with("postgresql://") =>
            {
                Ok(Store::connect(url).await?)
            }
            (Some(url), _) => match url.strip_prefix("sqlite://") {
                Some(path) => Ok(Store::open_sqlite(Path::new(path)).await?),
                None => bail!("--database {url:?}: expected a postgres:// or sqlite:// URL"),
            },
            (None, dir) => {
                let dir = dir.clone().unwrap_or_else(Self::default_data_dir);
                Ok(Store::open_data_dir(&dir).await?)
            }
        }
    }
}

/// `interdict serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The database.
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// PEM certificate chain: serve HTTPS (with --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Add the catalog files (*.toml) in DIR to the bundled catalog. A changed catalog
    /// is re-evaluated over every stored inventory at start.
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
    /// Largest report accepted, in MiB (after gzip decoding).
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    pub max_report_mib: usize,
}

/// Runs the server until SIGINT or SIGTERM.
pub fn run_serve(args: ServeArgs) -> Result<ExitCode> {
    init_logging();
    let catalog = load_catalog(args.catalog.as_ref())?;
    runtime()?.block_on(async move {
        let store = args.db.open().await?;
        let limits = Limits {
            max_report_bytes: args.max_report_mib.saturating_mul(1 << 20),
            ..Limits::default()
        };
        let (state, reevaluated) = AppState::new(store.clone(), catalog, limits).await?;
        if let Some(r) = reevaluated.filter(|r| r.inventories > 0) {
            eprint_line(&format!(
                "interdict: catalog {} evaluated over {} stored inventories ({} hosts, {} \
                 changes) in {} ms",
                interdict_server::evaluate::short(state.evaluator.digest()),
                r.inventories,
                r.hosts,
                r.changes,
                r.elapsed.as_millis()
            ));
        }
        let listen = Listen {
            addr: args.listen,
            tls: args.tls_cert.clone().zip(args.tls_key.clone()),
        };
        let location = format!("{}: {}", store.backend(), store.location());
        interdict_server::serve(
            state,
            &listen,
            |addr, scheme| {
                eprint_line(&format!(
                    "interdict: listening on {scheme}://{addr} ({location})"
                ))
            },
            shutdown_signal(),
        )
        .await?;
        store.close().await;
        eprint_line("interdict: stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Request and error logs on standard error; `INTERDICT_LOG` sets the filter
/// (default `warn,interdict_server=info`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("INTERDICT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,interdict_server=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// `interdict admin`.
#[derive(Args, Debug)]
pub struct AdminArgs {
    /// The database.
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: AdminCommand,
}

/// The `admin` subcommands.
#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Users (for the dashboard).
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Enrollment secrets (agents enroll with one).
    #[command(subcommand)]
    Secret(SecretCommand),
    /// Directives tracked on this server.
    #[command(subcommand)]
    Directive(DirectiveCommand),
    /// Enrolled hosts.
    #[command(subcommand)]
    Host(HostCommand),
    /// Verify the audit chain: exit 0 when intact, 1 naming the first broken entry.
    AuditVerify,
    /// The key evidence packs are signed with, kept in the data directory.
    #[command(subcommand)]
    SigningKey(SigningKeyCommand),
}

/// `admin signing-key …`.
#[derive(Subcommand, Debug)]
pub enum SigningKeyCommand {
    /// Create the Ed25519 signing key: DATA_DIR/signing/evidence.key (mode 0600) and
    /// evidence.pub; prints the public key's fingerprint. An existing key is never
    /// replaced.
    Create,
    /// Print the public key (PEM) and its fingerprint, to hand to auditors.
    Show,
}

/// `admin user …`.
#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user.
    Add {
        /// Login name.
        name: String,
        /// admin, analyst or auditor (read-only).
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// A file whose first line is the password (`-` for standard input). Without
        /// it the user has no password yet.
        #[arg(long, value_name = "F")]
        password_file: Option<PathBuf>,
    },
    /// List users.
    List,
}

/// `admin token …`.
#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token; prints the token alone (shown once).
    Create {
        /// A label.
        #[arg(long)]
        name: String,
        /// admin, analyst or auditor.
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by id.
    Revoke {
        /// The token id (`token list`).
        id: String,
    },
}

/// `admin secret …`.
#[derive(Subcommand, Debug)]
pub enum SecretCommand {
    /// Create an enrollment secret; prints the secret alone (shown once).
    Create {
        /// Valid until this date (end of day, UTC); default forever.
        #[arg(long, value_name = "YYYY-MM-DD")]
        expires: Option<jiff::civil::Date>,
    },
}

/// `admin directive …`.
#[derive(Subcommand, Debug)]
pub enum DirectiveCommand {
    /// Track a directive: its milestones count from START (default its issue date).
    Activate {
        /// Directive id (`interdict catalog list`).
        id: String,
        /// Day 0.
        #[arg(long, value_name = "YYYY-MM-DD")]
        start: Option<jiff::civil::Date>,
        /// Add the catalog files (*.toml) in DIR to the bundled catalog.
        #[arg(long, value_name = "DIR")]
        catalog: Option<PathBuf>,
    },
    /// List activated directives.
    List,
}

/// `admin host …`.
#[derive(Subcommand, Debug)]
pub enum HostCommand {
    /// Revoke a host's credentials: its agent is refused until it enrolls again.
    Revoke {
        /// The host id (`machine-id:…`).
        id: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("{s:?} is not a role (admin, analyst, auditor)"))
}

/// Who the admin command acts as, in the audit log.
fn cli_actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}

/// Reads the first line of `path` (`-`: standard input) as a password.
fn read_password(path: &Path) -> Result<String> {
    let text = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).context("cannot read the password from stdin")?
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the password file", path.display()))?
    };
    let line = text.lines().next().unwrap_or_default().to_string();
    if line.is_empty() {
        bail!("{}: the password file is empty", path.display());
    }
    Ok(line)
}

/// Runs an admin command.
pub fn run_admin(args: AdminArgs) -> Result<ExitCode> {
    // The signing key lives beside the database, not in it.
    if let AdminCommand::SigningKey(cmd) = &args.command {
        return crate::evidence_cmd::signing_key(&args.db, cmd);
    }
    // Read files before touching the database, so a bad flag changes nothing.
    let password = match &args.command {
        AdminCommand::User(UserCommand::Add {
            password_file: Some(f),
            ..
        }) => Some(read_password(f)?),
        _ => None,
    };
    runtime()?.block_on(async move {
        let store = args.db.open().await?;
        let result = admin(&store, args.command, password).await;
        store.close().await;
        result
    })
}

async fn admin(store: &Store, command: AdminCommand, password: Option<String>) -> Result<ExitCode> {
    let now = Timestamp::now();
    let actor = cli_actor();
    match command {
        AdminCommand::User(UserCommand::Add { name, role, .. }) => {
            let user = store
                .create_user(&name, role, password.as_deref(), now, &actor)
                .await?;
            eprint_line(&format!(
                "interdict: user {} added ({})",
                user.name,
                user.role.as_str()
            ));
        }
        AdminCommand::User(UserCommand::List) => {
            let mut out = String::new();
            for u in store.users().await? {
                out.push_str(&format!("{}\t{}\t{}\n", u.name, u.role.as_str(), u.created));
            }
            write_stdout(&out)?;
        }
        AdminCommand::Token(TokenCommand::Create { name, role }) => {
            let (_, secret) = store.create_token(&name, role, now, &actor).await?;
            write_stdout(&format!("{secret}\n"))?;
        }
        AdminCommand::Token(TokenCommand::List) => {
            let mut out = String::new();
            for t in store.tokens().await? {
                let state = t
                    .revoked
                    .map_or("active".to_string(), |r| format!("revoked {r}"));
                out.push_str(&format!(
                    "{}\t{}\t{}\t{}\n",
                    t.id,
                    t.name,
                    t.role.as_str(),
                    state
                ));
            }
            write_stdout(&out)?;
        }
        AdminCommand::Token(TokenCommand::Revoke { id }) => {
            store.revoke_token(&id, now, &actor).await?;
            eprint_line(&format!("interdict: token {id} revoked"));
        }
        AdminCommand::Secret(SecretCommand::Create { expires }) => {
            let expires = expires
                .map(|d| {
                    d.at(23, 59, 59, 999_000_000)
                        .to_zoned(jiff::tz::TimeZone::UTC)
                        .map(|z| z.timestamp())
                })
                .transpose()?;
            let secret = store.create_enrollment_secret(expires, now, &actor).await?;
            write_stdout(&format!("{secret}\n"))?;
        }
        AdminCommand::Directive(DirectiveCommand::Activate { id, start, catalog }) => {
            let catalog = load_catalog(catalog.as_ref())?;
            crate::check_directive(&catalog, Some(&id))?;
            let a = store.activate(&catalog, &id, start, now, &actor).await?;
            eprint_line(&format!(
                "interdict: directive {} activated, day 0 = {}",
                a.directive, a.start
            ));
        }
        AdminCommand::Directive(DirectiveCommand::List) => {
            let mut out = String::new();
            for a in store.activations().await? {
                out.push_str(&format!(
                    "{}\t{}\t{}\t{}\n",
                    a.directive, a.start, a.activated, a.actor
                ));
            }
            write_stdout(&out)?;
        }
        AdminCommand::Host(HostCommand::Revoke { id }) => {
            let n = store.revoke_host_credentials(&id, now, &actor).await?;
            eprint_line(&format!(
                "interdict: {n} credential(s) of host {id} revoked"
            ));
        }
        AdminCommand::SigningKey(_) => unreachable!("handled before the store is opened"),
        AdminCommand::AuditVerify => {
            let v = store.verify_audit().await?;
            return Ok(match v.first_broken {
                None => {
                    write_stdout(&format!("audit log intact: {} entries\n", v.entries))?;
                    ExitCode::SUCCESS
                }
                Some(b) => {
                    write_stdout(&format!(
                        "audit log BROKEN at entry {}: {} ({} entries checked)\n",
                        b.seq, b.problem, v.entries
                    ))?;
                    ExitCode::from(1)
                }
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}
