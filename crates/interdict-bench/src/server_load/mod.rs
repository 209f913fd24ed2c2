//! `interdict-bench server-load`: the fleet server under load, on loopback only.
//!
//! ```text
//! interdict-bench server-load [--hosts N] [--clients K] [--reads R]
//!     [--backend sqlite|postgres|both] [--interdict PATH] [--pg ADMIN_URL]
//!     [--time-limit SECS] [--out FILE]
//! ```
//!
//! Per backend: `interdict admin` creates a token and activates `bod-17-01`; `interdict
//! serve --listen 127.0.0.1:0` starts on a fresh SQLite data dir or a scratch PostgreSQL
//! database (`interdict_bench_<uuid>`, created through `--pg`, dropped at the end); K
//! clients POST N gzip scan reports of 1,500 items (generated once, before any timing,
//! by [`fleet`]); R sequential GETs time each read endpoint; the server is stopped and
//! restarted with `--catalog DIR` adding a directive and a product that ≈ 10 % of hosts
//! carry, and the time until it listens again is the fleet re-evaluation; the new
//! findings are counted through the API; the database size is taken last. Everything is
//! bounded: N ≤ 100,000, every wait has a deadline, and a backend's run stops with an
//! error past `--time-limit` (default 3,600 s).

mod fleet;
mod measure;
mod server;
mod web;

use interdict_catalog::Catalog;
use measure::{Api, Ingest, Latency};
use server::{Db, ReevalLine, Scratch, Server};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Errors are messages.
type Res<T> = Result<T, String>;

/// The largest fleet the command accepts.
const MAX_HOSTS: usize = 100_000;

/// The command line.
struct Opts {
    hosts: usize,
    clients: usize,
    reads: usize,
    backends: Vec<&'static str>,
    interdict: PathBuf,
    pg_admin: String,
    time_limit: Duration,
    out: Option<PathBuf>,
}

fn value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    let i = args.iter().position(|a| a == flag)?;
    args.get(i + 1).map(String::as_str)
}

fn number(args: &[String], flag: &str, default: usize) -> Res<usize> {
    value(args, flag).map_or(Ok(default), |v| {
        v.parse().map_err(|e| format!("{flag} {v}: {e}"))
    })
}

fn parse(args: &[String]) -> Res<Opts> {
    const KNOWN: [&str; 8] = [
        "--hosts",
        "--clients",
        "--reads",
        "--backend",
        "--interdict",
        "--pg",
        "--time-limit",
        "--out",
    ];
    for pair in args.chunks(2) {
        if !KNOWN.contains(&pair[0].as_str()) || pair.len() < 2 {
            return Err(format!(
                "server-load: unknown or incomplete option {:?}",
                pair[0]
            ));
        }
    }
    let hosts = number(args, "--hosts", 10_000)?;
    if hosts == 0 || hosts > MAX_HOSTS {
        return Err(format!("--hosts must be 1..={MAX_HOSTS}"));
    }
    let backends = match value(args, "--backend").unwrap_or("both") {
        "sqlite" => vec!["sqlite"],
        "postgres" => vec!["postgres"],
        "both" => vec!["sqlite", "postgres"],
        other => {
            return Err(format!(
                "--backend {other}: expected sqlite, postgres or both"
            ));
        }
    };
    let interdict = match value(args, "--interdict") {
        Some(p) => PathBuf::from(p),
        None => std::env::current_exe()
            .map_err(|e| e.to_string())?
            .with_file_name("interdict"),
    };
    let pg_admin = value(args, "--pg").map(str::to_string).unwrap_or_else(|| {
        std::env::var("INTERDICT_TEST_PG")
            .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".into())
    });
    Ok(Opts {
        hosts,
        clients: number(args, "--clients", 8)?.clamp(1, 256),
        reads: number(args, "--reads", 200)?.clamp(1, 10_000),
        backends,
        interdict,
        pg_admin,
        time_limit: Duration::from_secs(number(args, "--time-limit", 3600)? as u64),
        out: value(args, "--out").map(PathBuf::from),
    })
}

/// What one backend measured.
/// The dashboard user the benchmark logs in as.
const WEB_USER: &str = "load-web";
/// Its password (the benchmark's own throwaway database).
const WEB_PASSWORD: &str = "load-web-password-1";

struct Outcome {
    backend: &'static str,
    ingest: Ingest,
    reads: Vec<(String, Latency)>,
    kesl_findings: usize,
    reeval_wall: Duration,
    reeval: ReevalLine,
    /// Server CPU time during the ingest and during the start with re-evaluation.
    ingest_cpu: Option<Duration>,
    reeval_cpu: Option<Duration>,
    new_findings: usize,
    size: u64,
    rss_kib: Option<u64>,
}

/// Runs the command; the table (Markdown) is its summary.
pub fn run(args: &[String]) -> Res<String> {
    let opts = parse(args)?;
    if !opts.interdict.is_file() {
        return Err(format!(
            "{}: no interdict binary (build it: cargo build --release -p interdict)",
            opts.interdict.display()
        ));
    }
    let catalog = Catalog::bundled().map_err(|e| e.to_string())?;
    let t = Instant::now();
    let mut fleet = fleet::generate(opts.hosts, &catalog)?;
    let gen_time = t.elapsed();
    eprintln!(
        "server-load: {} reports generated in {:.1} s ({} MB JSON, {} MB gzip)",
        opts.hosts,
        gen_time.as_secs_f64(),
        fleet.json_bytes / 1_000_000,
        fleet.gzip_bytes / 1_000_000
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let bodies = Arc::new(std::mem::take(&mut fleet.bodies));
    let mut outcomes = Vec::new();
    for backend in &opts.backends {
        eprintln!("server-load: {backend}");
        let o = runtime.block_on(run_backend(backend, &opts, &fleet, bodies.clone()))?;
        outcomes.push(o);
    }
    let table = render(&opts, &fleet, gen_time, &outcomes);
    if let Some(out) = &opts.out {
        std::fs::write(out, &table).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    Ok(table)
}

/// One backend: set up its database, run the phases, always drop a scratch database.
async fn run_backend(
    backend: &'static str,
    opts: &Opts,
    fleet: &fleet::Fleet,
    bodies: Arc<Vec<Vec<u8>>>,
) -> Res<Outcome> {
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    if backend == "sqlite" {
        let db = Db::Sqlite(work.path().join("data"));
        return phases(backend, opts, fleet, bodies, &db, work.path()).await;
    }
    let scratch = Scratch::create(&opts.pg_admin).await?;
    let db = Db::Postgres(scratch.url.clone());
    let outcome = phases(backend, opts, fleet, bodies, &db, work.path()).await;
    let dropped = scratch.drop_now().await;
    let outcome = outcome?;
    dropped?;
    Ok(outcome)
}

/// Fails unless `got == want`, naming what was counted.
fn expect_count(what: &str, got: usize, want: usize) -> Res<()> {
    if got != want {
        return Err(format!("{what}: the API lists {got}, expected {want}"));
    }
    Ok(())
}

async fn phases(
    backend: &'static str,
    opts: &Opts,
    fleet: &fleet::Fleet,
    bodies: Arc<Vec<Vec<u8>>>,
    db: &Db,
    work: &Path,
) -> Res<Outcome> {
    let bin = opts.interdict.as_path();
    let token = server::admin(
        bin,
        db,
        &["token", "create", "--name", "load", "--role", "admin"],
    )?;
    server::admin(bin, db, &["directive", "activate", "bod-17-01"])?;
    let password_file = work.join(format!("{backend}-password"));
    std::fs::write(&password_file, WEB_PASSWORD).map_err(|e| e.to_string())?;
    let password_arg = password_file.to_string_lossy().into_owned();
    server::admin(
        bin,
        db,
        &[
            "user",
            "add",
            WEB_USER,
            "--role",
            "admin",
            "--password-file",
            &password_arg,
        ],
    )?;
    let start_limit = Duration::from_secs(120);
    let srv = Server::start(bin, db, None, start_limit)?;
    let api = Api::new(&srv.base, &token)?;
    let cpu_before = srv.cpu_time();
    eprintln!("  ingest: {} reports, {} clients", opts.hosts, opts.clients);
    let ingest = api.ingest(bodies, opts.clients, opts.time_limit).await?;
    eprintln!(
        "  ingest: {:.1} s, {:.1} reports/s",
        ingest.elapsed.as_secs_f64(),
        ingest.reports as f64 / ingest.elapsed.as_secs_f64()
    );
    let ingest_cpu = srv
        .cpu_time()
        .zip(cpu_before)
        .map(|(a, b)| a.saturating_sub(b));
    let overview = api.get("/overview").await?;
    let hosts_listed = overview["hosts"].as_u64().unwrap_or(0) as usize;
    expect_count("hosts in the overview", hosts_listed, opts.hosts)?;
    let (hosts_paged, deep) = api.count("/hosts", opts.hosts * 9 / 10).await?;
    expect_count("hosts paged through", hosts_paged, opts.hosts)?;
    let (kesl_findings, _) = api.count("/findings?product=kesl", 0).await?;
    expect_count("kesl findings", kesl_findings, fleet.kaspersky_hosts)?;
    let deep = deep.map_or("/hosts".to_string(), |c| format!("/hosts?cursor={c}"));
    let paths = [
        ("GET /overview", "/overview".to_string()),
        ("GET /hosts (first page)", "/hosts".to_string()),
        ("GET /hosts (page at 90 %, by cursor)", deep),
        ("GET /findings", "/findings".to_string()),
        (
            "GET /findings?directive=bod-17-01",
            "/findings?directive=bod-17-01".to_string(),
        ),
        ("GET /products", "/products".to_string()),
        ("GET /milestones", "/milestones".to_string()),
    ];
    let mut reads = Vec::new();
    for (label, path) in paths {
        let l = api.time_get(&path, opts.reads).await?;
        eprintln!("  {label}: p50 {:?} p95 {:?}", l.p50, l.p95);
        reads.push((label.to_string(), l));
    }
    // The dashboard's pages, logged in as a browser is (form login, session cookie).
    let kesl_host = api.get("/findings?product=kesl&limit=1").await?["items"][0]["host_id"]
        .as_str()
        .ok_or("GET /findings?product=kesl: no host_id")?
        .to_string();
    let dash = web::Dashboard::login(&srv.base, WEB_USER, WEB_PASSWORD).await?;
    let pages = [
        ("page / (overview, burn-down)", "/".to_string(), "<svg"),
        ("page /hosts", "/hosts".to_string(), "<table"),
        (
            "page /hosts?state=identified",
            "/hosts?state=identified".to_string(),
            "<table",
        ),
        (
            "page /hosts/{id} (a Kaspersky host)",
            format!("/hosts/{kesl_host}"),
            "kesl",
        ),
        ("page /findings", "/findings".to_string(), "<table"),
        (
            "page /directives/bod-17-01",
            "/directives/bod-17-01".to_string(),
            "Kaspersky",
        ),
        (
            "page /audit (with chain verification)",
            "/audit".to_string(),
            "audit-status",
        ),
    ];
    for (label, path, must) in pages {
        let l = dash.time_page(&path, must, opts.reads).await?;
        eprintln!("  {label}: p50 {:?} p95 {:?}", l.p50, l.p95);
        reads.push((label.to_string(), l));
    }
    let mut rss_kib = srv.peak_rss_kib();
    srv.stop()?;
    // Re-evaluation: a catalog with a new directive and product, then a restart.
    let catalog_dir = work.join("catalog");
    std::fs::create_dir_all(&catalog_dir).map_err(|e| e.to_string())?;
    std::fs::write(catalog_dir.join("bench.toml"), fleet::reeval_catalog())
        .map_err(|e| e.to_string())?;
    let srv = Server::start(bin, db, Some(&catalog_dir), opts.time_limit)?;
    let reeval_cpu = srv.cpu_time();
    let reeval = srv
        .reeval
        .clone()
        .ok_or("the restarted server printed no re-evaluation line")?;
    eprintln!(
        "  re-evaluation: listening after {:.1} s ({} ms re-evaluating)",
        srv.startup.as_secs_f64(),
        reeval.millis
    );
    let api = Api::new(&srv.base, &token)?;
    let product = format!("/findings?product={}", fleet::REEVAL_PRODUCT);
    let (new_findings, _) = api.count(&product, 0).await?;
    expect_count("new product findings", new_findings, fleet.reeval_hosts)?;
    let directive = format!("/findings?directive={}", fleet::REEVAL_DIRECTIVE);
    let (by_directive, _) = api.count(&directive, 0).await?;
    expect_count("new directive findings", by_directive, fleet.reeval_hosts)?;
    let size = db.size().await?;
    rss_kib = rss_kib.max(srv.peak_rss_kib());
    let reeval_wall = srv.startup;
    srv.stop()?;
    Ok(Outcome {
        backend,
        ingest,
        reads,
        kesl_findings,
        reeval_wall,
        reeval,
        ingest_cpu,
        reeval_cpu,
        new_findings,
        size,
        rss_kib,
    })
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.0}")
    }
}

fn verdict(ok: bool, ratio: f64) -> String {
    format!("{} ({ratio:.2}×)", if ok { "met" } else { "MISSED" })
}

/// The Markdown table of every backend's figures.
fn render(opts: &Opts, fleet: &fleet::Fleet, generation: Duration, out: &[Outcome]) -> String {
    let n = opts.hosts as f64;
    let mut rows: Vec<(String, Vec<String>, String)> = Vec::new();
    let mut row = |what: &str, cells: Vec<String>, target: &str| {
        rows.push((what.to_string(), cells, target.to_string()))
    };
    let per = |f: &dyn Fn(&Outcome) -> String| out.iter().map(f).collect::<Vec<_>>();
    row(
        "ingest: reports/s",
        per(&|o| {
            let rate = o.ingest.reports as f64 / o.ingest.elapsed.as_secs_f64();
            if o.backend == "sqlite" {
                format!("{rate:.1} — {}", verdict(rate >= 50.0, rate / 50.0))
            } else {
                format!("{rate:.1}")
            }
        }),
        "≥ 50 reports/s on SQLite",
    );
    row(
        "ingest: items/s",
        per(&|o| {
            let items = (o.ingest.reports * fleet::ITEMS) as f64;
            format!("{:.0}", items / o.ingest.elapsed.as_secs_f64())
        }),
        "",
    );
    row(
        "ingest: wall time, s",
        per(&|o| format!("{:.1}", o.ingest.elapsed.as_secs_f64())),
        "",
    );
    row(
        "ingest: server CPU per report, ms",
        per(&|o| {
            o.ingest_cpu.map_or("—".into(), |c| {
                format!("{:.1}", c.as_secs_f64() * 1000.0 / o.ingest.reports as f64)
            })
        }),
        "",
    );
    row(
        "ingest: POST p50 / p95 / max, ms",
        per(&|o| {
            let l = o.ingest.latency;
            format!("{} / {} / {}", ms(l.p50), ms(l.p95), ms(l.max))
        }),
        "",
    );
    for i in 0..out.first().map_or(0, |o| o.reads.len()) {
        let label = format!("{}: p50 / p95, ms", out[0].reads[i].0);
        row(
            &label,
            per(&|o| {
                let l = o.reads[i].1;
                let p95 = l.p95.as_secs_f64() * 1000.0;
                let v = verdict(p95 < 300.0, p95 / 300.0);
                format!("{} / {} — {v}", ms(l.p50), ms(l.p95))
            }),
            "p95 < 300 ms",
        );
    }
    row(
        "re-evaluation: restart → listening, s",
        per(&|o| {
            let s = o.reeval_wall.as_secs_f64();
            format!("{s:.1} — {}", verdict(s < 60.0, s / 60.0))
        }),
        "< 60 s",
    );
    row(
        "re-evaluation: as printed (inventories, hosts, changes)",
        per(&|o| {
            let r = &o.reeval;
            format!(
                "{} ms ({}, {}, {})",
                r.millis, r.inventories, r.hosts, r.changes
            )
        }),
        "",
    );
    row(
        "re-evaluation: server CPU (user + sys) until listening, s",
        per(&|o| {
            o.reeval_cpu
                .map_or("—".into(), |c| format!("{:.1}", c.as_secs_f64()))
        }),
        "",
    );
    row(
        "findings: kesl before / new product after (via API)",
        per(&|o| format!("{} / {}", o.kesl_findings, o.new_findings)),
        &format!("{} / {}", fleet.kaspersky_hosts, fleet.reeval_hosts),
    );
    row(
        "database size, MB",
        per(&|o| format!("{:.0}", o.size as f64 / 1e6)),
        "",
    );
    row(
        "server peak RSS, MB",
        per(&|o| {
            o.rss_kib
                .map_or("—".into(), |k| format!("{:.0}", k as f64 / 1024.0))
        }),
        "",
    );
    let mut md = format!(
        "{} hosts × {} items, {} clients, {} reads per endpoint; reports {:.0} KB JSON / {:.0} KB \
         gzip on average, generated in {:.1} s before timing; {} distinct inventories ({:.1} %), \
         {:.1} % of inventory items distinct over the fleet\n\n| measurement | {} | target |\n|---|{}---|\n",
        opts.hosts,
        fleet::ITEMS,
        opts.clients,
        opts.reads,
        fleet.json_bytes as f64 / n / 1e3,
        fleet.gzip_bytes as f64 / n / 1e3,
        generation.as_secs_f64(),
        fleet.distinct_inventories,
        100.0 * fleet.distinct_inventories as f64 / n,
        100.0 * fleet.distinct_items as f64 / (n * fleet::ITEMS as f64),
        out.iter()
            .map(|o| o.backend)
            .collect::<Vec<_>>()
            .join(" | "),
        "---:|".repeat(out.len()),
    );
    for (what, cells, target) in rows {
        md.push_str(&format!("| {what} | {} | {target} |\n", cells.join(" | ")));
    }
    md
}
