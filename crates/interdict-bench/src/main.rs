//! `interdict-bench` exists only to time library pieces of interdict for
//! `benches/run.sh`, which runs each subcommand under hyperfine beside a reference tool.
//!
//! Every subcommand does its work `--repeat N` times (default 1) and prints nothing but a
//! one-line summary, so the timing measures the work and not the output.
//!
//! ```text
//! interdict-bench dpkg ROOT            dpkg status only (like `dpkg-query -W`)
//! interdict-bench dpkg-full ROOT       dpkg status and every info/*.list
//! interdict-bench inventory ROOT       every collector of the root's platform but the sweep
//! interdict-bench sweep DIR            the file sweep with a filter that selects nothing
//! interdict-bench sweep-catalog DIR    the file sweep with the bundled catalog's filter
//!                                      (both sweeps take --cross-mounts, fd's default, and --threads N)
//! interdict-bench content DIR          the content pass alone (the bundled catalog's
//!                                      literals, one automaton), --threads N, --hash
//! interdict-bench content-literals     the content pass's literals, one JSON object a line
//!                                      (text, case_insensitive, wide): benches/content.sh
//!                                      builds the YARA rules and the rg pattern file from it
//! interdict-bench hive FILE            parse a registry hive, walk every key and value
//! interdict-bench sbom FILE            read an SBOM and match it (platform `any`)
//! interdict-bench json-value FILE      serde_json::Value parse only (the parse floor)
//! interdict-bench pe-root DIR          the Windows PE collector on a root
//! interdict-bench pe-bytes DIR         bytes read per PE image found on a root (median, p90, max)
//! interdict-bench head-floor DIR       the sweep opening every file and reading its first 4 KiB,
//!                                      parsing nothing (the floor under header identification)
//! interdict-bench make-pe-root DIR N [CORPUS]   build a Windows-like root with N PE files
//! interdict-bench make-policy-catalog DIR N    a catalog of N indicators (benches/policy-export.sh)
//! interdict-bench server-load [--hosts N] [--clients K] [--backend sqlite|postgres|both] …
//!                                      the fleet server under load (see server_load.rs;
//!                                      benches/server-load.sh runs it)
//! interdict-bench make-deliverables-fleet DIR [--hosts N] [--days D] [--every K]
//!                                      import reports of a synthetic fleet for
//!                                      benches/deliverables.sh (see deliverables_fleet.rs)
//! interdict-bench load-deliverables-fleet DIR (--data-dir D | --database URL)
//!                                      ingest them into a store, each at its `finished` time
//! interdict-bench make-volume-root DIR FILES PE [CORPUS]
//!                                      build a Windows volume of FILES files, PE of them PE
//!                                      images in arbitrary folders under arbitrary names
//! ```
#![forbid(unsafe_code)]

mod deliverables_fleet;
mod policy_catalog;
mod server_load;
mod volume;

use interdict_catalog::Catalog;
use interdict_collectors::dpkg::DpkgCollector;
use interdict_collectors::sweep::{FileInspector, SweepCollector, SweepFilter};
use interdict_collectors::{Collector, Root, pe};
use interdict_formats::regf::{Hive, Key, ValueType};
use interdict_matcher::Matcher;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

type Res<T> = Result<T, String>;

/// A sweep filter that selects nothing: the sweep is then a pure walk.
struct Nothing;

impl SweepFilter for Nothing {
    fn select(&self, _rel: &str, _name: &str, _is_dir: bool) -> bool {
        false
    }
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("interdict-bench: {e}");
            ExitCode::from(2)
        }
    }
}

/// Removes a bare flag from the arguments; whether it was there.
fn take_flag(args: &mut Vec<String>, flag: &str) -> bool {
    let before = args.len();
    args.retain(|a| a != flag);
    args.len() != before
}

/// Splits `FLAG N` off the arguments.
fn take_number(args: &mut Vec<String>, flag: &str) -> Res<Option<usize>> {
    let Some(i) = args.iter().position(|a| a == flag) else {
        return Ok(None);
    };
    let n = args
        .get(i + 1)
        .ok_or(format!("{flag} needs a number"))?
        .parse::<usize>()
        .map_err(|e| format!("{flag}: {e}"))?;
    args.drain(i..i + 2);
    Ok(Some(n))
}

/// Splits `--repeat N` off the arguments (at least 1).
fn take_repeat(args: &mut Vec<String>) -> Res<usize> {
    Ok(take_number(args, "--repeat")?.unwrap_or(1).max(1))
}

/// How the sweep subcommands configure the walk.
#[derive(Clone, Copy)]
struct SweepOpts {
    /// Descend into other file systems (fd's default).
    cross_mounts: bool,
    /// Walker threads (0 = the collector's default).
    threads: usize,
}

fn run(mut args: Vec<String>) -> Res<String> {
    if args.first().map(String::as_str) == Some("make-deliverables-fleet") {
        let mut rest = args[1..].to_vec();
        let hosts = take_number(&mut rest, "--hosts")?.unwrap_or(10_000);
        let days = take_number(&mut rest, "--days")?.unwrap_or(90);
        let every = take_number(&mut rest, "--every")?.unwrap_or(7);
        let dir = rest.first().ok_or(USAGE)?;
        return deliverables_fleet::run(Path::new(dir), hosts, days, every);
    }
    if args.first().map(String::as_str) == Some("load-deliverables-fleet") {
        let (dir, target) = match &args[1..] {
            [dir, flag, target] if flag == "--data-dir" || flag == "--database" => (dir, target),
            _ => return Err(USAGE.to_string()),
        };
        return deliverables_fleet::load(Path::new(dir), target);
    }
    if args.first().map(String::as_str) == Some("server-load") {
        return server_load::run(&args[1..]);
    }
    let repeat = take_repeat(&mut args)?;
    let cross_mounts = take_flag(&mut args, "--cross-mounts");
    let hash = take_flag(&mut args, "--hash");
    let threads = take_number(&mut args, "--threads")?.unwrap_or(0);
    let sweep_opts = SweepOpts {
        cross_mounts,
        threads,
    };
    let (cmd, rest) = args.split_first().ok_or(USAGE)?;
    let arg = |i: usize| rest.get(i).map(String::as_str).ok_or(USAGE.to_string());
    let mut last = String::new();
    match cmd.as_str() {
        "make-pe-root" => {
            let n = arg(1)?.parse::<usize>().map_err(|e| e.to_string())?;
            let corpus = rest.get(2).map_or("../shared/corpus/pe", String::as_str);
            return make_pe_root(Path::new(arg(0)?), n, Path::new(corpus));
        }
        "make-policy-catalog" => {
            let n = arg(1)?.parse::<usize>().map_err(|e| e.to_string())?;
            return policy_catalog::make_policy_catalog(Path::new(arg(0)?), n);
        }
        "make-volume-root" => {
            let number = |i: usize| arg(i)?.parse::<usize>().map_err(|e| e.to_string());
            let corpus = rest.get(3).map_or("../shared/corpus/pe", String::as_str);
            let mut sources = Vec::new();
            collect_pe(Path::new(corpus), &mut sources)?;
            sources.sort();
            return volume::make_volume_root(Path::new(arg(0)?), number(1)?, number(2)?, &sources);
        }
        "sbom" => {
            let catalog = Catalog::bundled().map_err(|e| e.to_string())?;
            let matcher = Matcher::new(&catalog, interdict_inventory::Platform::Any)
                .map_err(|e| e.to_string())?;
            for _ in 0..repeat {
                last = sbom(&matcher, arg(0)?)?;
            }
        }
        "content-literals" => return content_literals(),
        "content" => {
            let catalog = Catalog::bundled().map_err(|e| e.to_string())?;
            let matcher = Matcher::new(&catalog, interdict_inventory::Platform::Linux)
                .map_err(|e| e.to_string())?;
            let filter =
                Arc::new(interdict_scan::content_filter(&matcher).map_err(|e| e.to_string())?);
            let root = root_of(arg(0)?)?;
            for _ in 0..repeat {
                let mut sweep = SweepCollector::new(Box::new(Nothing));
                sweep.threads = sweep_opts.threads;
                sweep.cross_mounts = sweep_opts.cross_mounts;
                sweep.hash = hash;
                sweep.inspector = Some(Box::new(
                    interdict_collectors::content::ContentInspector::new(filter.clone()),
                ));
                let (inv, stats) = sweep.sweep(&root);
                last = format!(
                    "content: {} entries, {} files matched, {} hashed, {} errors",
                    stats.entries,
                    inv.artifacts.len(),
                    stats.hashed,
                    inv.errors.len()
                );
            }
        }
        "sweep-catalog" => {
            let catalog = Catalog::bundled().map_err(|e| e.to_string())?;
            let root = root_of(arg(0)?)?;
            let platform = interdict_collectors::os::detect(&root).platform;
            let matcher = Matcher::new(&catalog, platform).map_err(|e| e.to_string())?;
            let filter = Arc::new(matcher);
            for _ in 0..repeat {
                last = sweep(
                    &root,
                    interdict_scan::sweep_filter(filter.clone()),
                    sweep_opts,
                );
            }
        }
        _ => {
            for _ in 0..repeat {
                last = once(cmd, arg(0)?, sweep_opts)?;
            }
        }
    }
    Ok(format!("{last} (x{repeat})"))
}

const USAGE: &str = "usage: interdict-bench <dpkg|dpkg-full|inventory|sweep|sweep-catalog|hive|\
sbom|json-value|pe-root|pe-bytes|head-floor> PATH [--repeat N] | make-pe-root DIR N [CORPUS] | \
make-volume-root DIR FILES PE [CORPUS] | make-policy-catalog DIR N | server-load [--hosts N] [--clients K] \
[--reads R] [--backend sqlite|postgres|both] [--interdict PATH] [--pg URL] [--time-limit S] [--out F]";

/// The bundled catalog's content literals (Linux), one JSON object a line.
fn content_literals() -> Res<String> {
    let catalog = Catalog::bundled().map_err(|e| e.to_string())?;
    let matcher =
        Matcher::new(&catalog, interdict_inventory::Platform::Linux).map_err(|e| e.to_string())?;
    let filter = interdict_scan::content_filter(&matcher).map_err(|e| e.to_string())?;
    let lines: Vec<String> = filter
        .literals()
        .iter()
        .map(|l| {
            serde_json::json!({
                "text": l.text,
                "case_insensitive": l.case_insensitive,
                "wide": l.wide,
            })
            .to_string()
        })
        .collect();
    Ok(lines.join("\n"))
}

/// One run of a subcommand that needs no set-up.
fn once(cmd: &str, path: &str, sweep_opts: SweepOpts) -> Res<String> {
    match cmd {
        "dpkg" | "dpkg-full" => {
            let c = DpkgCollector {
                owned_files: cmd == "dpkg-full",
            };
            let inv = c.collect(&root_of(path)?);
            let files: usize = inv.artifacts.iter().map(|a| a.paths.len()).sum();
            Ok(format!(
                "{cmd}: {} packages, {files} owned files, {} errors",
                inv.artifacts.len(),
                inv.errors.len()
            ))
        }
        "inventory" => inventory(&root_of(path)?),
        "sweep" => Ok(sweep(&root_of(path)?, Box::new(Nothing), sweep_opts)),
        "hive" => hive(path),
        "json-value" => {
            let bytes = read(path)?;
            let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
            let n = v
                .get("components")
                .and_then(|c| c.as_array())
                .map_or(0, Vec::len);
            Ok(format!("json-value: {n} top-level components"))
        }
        "pe-root" => {
            let inv = pe::WinPeFiles.collect(&root_of(path)?);
            Ok(format!(
                "pe-root: {} PE files, {} errors",
                inv.artifacts.len(),
                inv.errors.len()
            ))
        }
        "pe-bytes" => Ok(pe_bytes(&root_of(path)?)),
        "head-floor" => {
            let floor = volume::HeadFloor::default();
            let mut sweep = SweepCollector::new(Box::new(Nothing));
            sweep.inspector = Some(Box::new(floor.clone()));
            let (inv, stats) = sweep.sweep(&root_of(path)?);
            Ok(format!(
                "head-floor: {} entries, {} bytes read, {} errors",
                stats.entries,
                floor.0.load(std::sync::atomic::Ordering::Relaxed),
                inv.errors.len()
            ))
        }
        _ => Err(USAGE.to_string()),
    }
}

/// Records `(bytes read, file size)` for each PE image the sweep's walk meets.
#[derive(Default, Clone)]
struct BytesPerPe(Arc<Mutex<Vec<(u64, u64)>>>);

impl FileInspector for BytesPerPe {
    fn inspect(
        &self,
        root: &Root,
        rel: &str,
        name: &str,
        out: &mut interdict_inventory::Inventory,
    ) {
        match pe::read_pe(root, rel, name) {
            Ok(Some(read)) => {
                let size = root.metadata(rel).map_or(0, |m| m.len());
                self.0
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((read.bytes_read, size));
            }
            Ok(None) => {}
            Err(e) => out.errors.push(e),
        }
    }
}

/// Walks a root as the scan does and reports the bytes read per PE image found.
fn pe_bytes(root: &Root) -> String {
    let counter = BytesPerPe::default();
    let mut sweep = SweepCollector::new(Box::new(Nothing));
    sweep.inspector = Some(Box::new(counter.clone()));
    let (inv, stats) = sweep.sweep(root);
    let seen = std::mem::take(&mut *counter.0.lock().unwrap_or_else(|e| e.into_inner()));
    let mut read: Vec<u64> = seen.iter().map(|s| s.0).collect();
    let total_size: u64 = seen.iter().map(|s| s.1).sum();
    let total_read: u64 = read.iter().sum();
    let (median, p90, max) = volume::percentiles(&mut read);
    format!(
        "pe-bytes: {} entries, {} PE files, bytes read per PE: median {median}, p90 {p90}, \
         max {max}; {} of {} MB read ({:.2} %), {} errors",
        stats.entries,
        read.len(),
        total_read / 1_000_000,
        total_size / 1_000_000,
        100.0 * total_read as f64 / total_size.max(1) as f64,
        inv.errors.len()
    )
}

/// `/` is the live host; anything else an offline root.
fn root_of(path: &str) -> Res<Root> {
    if path == "/" {
        Ok(Root::live())
    } else {
        Root::offline(Path::new(path)).map_err(|e| format!("{path}: {e}"))
    }
}

fn read(path: &str) -> Res<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("{path}: {e}"))
}

/// Every collector of the root's platform except the file sweep, in parallel as
/// `interdict_scan::scan` runs them.
fn inventory(root: &Root) -> Res<String> {
    let platform = interdict_collectors::os::detect(root).platform;
    let collectors = interdict_scan::collectors_for(platform);
    let counts: Vec<(usize, usize)> = collectors
        .par_iter()
        .map(|c| {
            let inv = c.collect(root);
            (inv.artifacts.len(), inv.errors.len())
        })
        .collect();
    let items: usize = counts.iter().map(|c| c.0).sum();
    let errors: usize = counts.iter().map(|c| c.1).sum();
    Ok(format!(
        "inventory: {} collectors, {items} items, {errors} errors",
        collectors.len()
    ))
}

/// One sweep with the given walk options.
fn sweep(root: &Root, filter: Box<dyn SweepFilter>, opts: SweepOpts) -> String {
    let mut collector = SweepCollector::new(filter);
    collector.cross_mounts = opts.cross_mounts;
    collector.threads = opts.threads;
    let (inv, stats) = collector.sweep(root);
    format!(
        "sweep: {} entries, {} selected, {} errors",
        stats.entries,
        inv.artifacts.len(),
        inv.errors.len()
    )
}

/// Parses a hive and decodes every key name and every value (strings as strings, the
/// rest as raw data), like `hivexml` does.
fn hive(path: &str) -> Res<String> {
    let bytes = read(path)?;
    let hive = Hive::parse(&bytes).map_err(|e| e.to_string())?;
    let (mut keys, mut values, mut data_bytes) = (0usize, 0usize, 0usize);
    let mut visit = |_: &str, key: &Key| {
        keys += 1;
        data_bytes += key.name().len();
        for v in key.values().unwrap_or_default() {
            values += 1;
            data_bytes += v.name().len();
            data_bytes += match v.value_type() {
                ValueType::Sz | ValueType::ExpandSz => v.as_string().map_or(0, |s| s.len()),
                ValueType::MultiSz => v
                    .as_multi_string()
                    .map_or(0, |l| l.iter().map(String::len).sum()),
                _ => v.data().map_or(0, |d| d.len()),
            };
        }
    };
    hive.walk(&mut visit).map_err(|e| e.to_string())?;
    Ok(format!(
        "hive: {keys} keys, {values} values, {data_bytes} bytes decoded"
    ))
}

fn sbom(matcher: &Matcher, path: &str) -> Res<String> {
    let bytes = read(path)?;
    let doc = interdict_sbom::read_sbom(&bytes, path).map_err(|e| e.to_string())?;
    let findings = matcher.match_artifacts(&doc.components);
    Ok(format!(
        "sbom: {} components, {} findings",
        doc.components.len(),
        findings.len()
    ))
}

/// Where the i-th PE file of a synthetic root goes (relative to the root).
fn pe_destination(i: usize, ext: &str) -> String {
    let group = i / 40;
    match i % 5 {
        0 => format!("Program Files/App{group}/bin/file{i}{ext}"),
        1 => format!("Program Files (x86)/Vendor{group}/App/lib/file{i}{ext}"),
        2 => format!("ProgramData/Svc{group}/file{i}{ext}"),
        3 => format!("Windows/System32/drivers/d{group}/file{i}{ext}"),
        _ => format!("Users/user{}/AppData/Local/Tool{group}/file{i}{ext}", i % 3),
    }
}

/// Creates a Windows-like root with `n` PE files copied round-robin from `corpus`.
fn make_pe_root(dir: &Path, n: usize, corpus: &Path) -> Res<String> {
    let mut sources: Vec<PathBuf> = Vec::new();
    collect_pe(corpus, &mut sources)?;
    sources.sort();
    if sources.is_empty() {
        return Err(format!("no PE files under {}", corpus.display()));
    }
    let mut bytes = 0u64;
    for i in 0..n {
        let src = &sources[i % sources.len()];
        let name = src
            .file_name()
            .map(|s| s.to_string_lossy())
            .unwrap_or_default();
        let ext = name
            .rfind('.')
            .map_or("", |p| &name[p..])
            .to_ascii_lowercase();
        let dest = dir.join(pe_destination(i, &ext));
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        let data = std::fs::read(src).map_err(|e| format!("{}: {e}", src.display()))?;
        bytes += data.len() as u64;
        std::fs::write(&dest, data).map_err(|e| format!("{}: {e}", dest.display()))?;
    }
    Ok(format!(
        "make-pe-root: {n} PE files ({} MB) from {} corpus files in {}",
        bytes / 1_000_000,
        sources.len(),
        dir.display()
    ))
}

fn collect_pe(dir: &Path, out: &mut Vec<PathBuf>) -> Res<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for e in entries.flatten() {
        let path = e.path();
        let ft = e.file_type().map_err(|e| e.to_string())?;
        if ft.is_dir() {
            collect_pe(&path, out)?;
        } else if ft.is_file() && pe::has_pe_extension(&e.file_name().to_string_lossy()) {
            out.push(path);
        }
    }
    Ok(())
}
