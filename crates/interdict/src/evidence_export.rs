//! `interdict evidence export`: the evidence pack of a directive as of a date, from the
//! server's database or from saved report documents (`--from`), signed (and optionally
//! countersigned). The layout is [`crate::evidence_pack`]'s.

use crate::evidence_pack::{
    self, DIRECTIVE, Inputs, PACK_INFO, PLAN_DETAILS, PackInfo, PlanDetailsUsed, README,
    deliverable_path, json,
};
use crate::report_cmd::{FleetArgs, read_plan_details, saved_reports, scratch_store};
use crate::server_cmd::{DatabaseArgs, runtime};
use crate::{eprint_line, load_catalog, write_stdout};
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use interdict_catalog::Catalog;
use interdict_deliverables::{Document, Format, Kind, end_of_day};
use interdict_evidence::readme::{self, ReadmeInfo};
use interdict_evidence::{AUDIT_ANCHORS, AUDIT_SEGMENT, AuditAnchors, Pack, SigningKey};
use interdict_findings::CatalogStamp;
use interdict_server::deliverables::{self, pdf};
use interdict_store::{CATALOG_DIGEST, Store};
use jiff::Timestamp;
use jiff::civil::Date;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// When to print the deliverables to PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PdfMode {
    /// When Chromium is installed.
    Auto,
    /// Always (fails without Chromium).
    Always,
    /// Never.
    Never,
}

/// `interdict evidence export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Which fleet, as of which day.
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// The Ed25519 signing key (PEM, from `evidence keygen` or `admin signing-key
    /// create`). Default: the data directory's key.
    #[arg(long, value_name = "KEY")]
    pub signing_key: Option<PathBuf>,
    /// A second person's key to countersign the manifest with (two-person rule).
    #[arg(long, value_name = "KEY")]
    pub countersign_key: Option<PathBuf>,
    /// Print the deliverables to PDF too.
    #[arg(long, value_enum, default_value_t = PdfMode::Auto)]
    pub pdf: PdfMode,
    /// The pack to write (.tar.gz); an existing file is replaced only once the new pack
    /// is complete.
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,
}

/// The data directory's signing key (`admin signing-key create` writes it).
pub fn data_dir_key(db: &DatabaseArgs) -> PathBuf {
    db.data_dir
        .clone()
        .unwrap_or_else(DatabaseArgs::default_data_dir)
        .join("signing")
        .join("evidence.key")
}

/// Reads a signing key, refusing one that others may read.
fn read_key(path: &Path) -> Result<SigningKey> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).with_context(|| format!("{}", path.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        bail!(
            "{}: the signing key is readable by others (mode {:o}); chmod 600 it",
            path.display(),
            meta.permissions().mode() & 0o777
        );
    }
    let pem = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
    SigningKey::from_pem(&pem).with_context(|| format!("{}", path.display()))
}

/// What goes into a pack besides the seal.
struct Contents {
    info: PackInfo,
    inputs: Inputs,
    details: PlanDetailsUsed,
    docs: Vec<(Kind, Document)>,
    audit: Vec<interdict_findings::audit::AuditRecord>,
    anchors: AuditAnchors,
    start: Date,
}

/// Runs `interdict evidence export`.
pub fn run_export(args: ExportArgs) -> Result<ExitCode> {
    let fleet = &args.fleet;
    let catalog = load_catalog(fleet.catalog.as_ref())?;
    let directive = deliverables::directive(&catalog, &fleet.directive)?.clone();
    // Everything that can be refused is read before any work is done.
    let key_path = args
        .signing_key
        .clone()
        .unwrap_or_else(|| data_dir_key(&fleet.db));
    let signer = read_key(&key_path).context(
        "no usable signing key: pass --signing-key, or create one with `interdict admin \
         signing-key create`",
    )?;
    let countersigner = args.countersign_key.as_deref().map(read_key).transpose()?;
    if let Some(c) = &countersigner
        && c.public_key() == signer.public_key()
    {
        bail!("--countersign-key is the signing key: a countersignature needs a second key");
    }
    if args.pdf == PdfMode::Always && pdf::browser().is_none() {
        bail!("--pdf always: no Chromium found to print with");
    }
    let file_details = fleet
        .plan_details
        .as_deref()
        .map(read_plan_details)
        .transpose()?
        .map(|(details, source)| PlanDetailsUsed {
            details,
            source: Some(source),
        });
    let saved = if fleet.from.is_empty() {
        None
    } else {
        Some(saved_reports(
            &fleet.from,
            "interdict evidence export --from",
        )?)
    };
    let as_of = fleet.as_of();
    let mut reevaluated = Vec::new();
    let contents = runtime()?.block_on(async {
        let (store, _scratch, inputs, source) = match saved {
            None => {
                let store = fleet.db.open().await?;
                if let Err(e) = check_evaluated_with(&store, &catalog).await {
                    store.close().await;
                    return Err(e);
                }
                let inputs = server_inputs(&store, &fleet.directive, as_of).await?;
                reevaluated = store.catalog_reevaluations(end_of_day(as_of)).await?;
                if let Some(t) = reevaluated.first() {
                    eprint_line(&format!(
                        "interdict: warning: the server re-evaluated findings after a catalog \
                         change on {t}; `evidence verify` replays every report with the \
                         current catalog and may find the deliverables' history differs"
                    ));
                }
                (store, None, inputs, "server database")
            }
            Some(inputs) => {
                let (store, dir) = scratch_store(&catalog, &fleet.directive, &inputs).await?;
                (store, Some(dir), inputs, "report documents")
            }
        };
        let result = gather(
            &store,
            &catalog,
            &fleet.directive,
            as_of,
            file_details,
            inputs,
        )
        .await;
        store.close().await;
        let mut c = result?;
        c.info.source = source.to_string();
        c.info.catalog_reevaluations = std::mem::take(&mut reevaluated);
        anyhow::Ok(c)
    })?;
    let pack = assemble(
        &catalog,
        &directive,
        contents,
        &signer,
        countersigner.as_ref(),
        args.pdf,
    )?;
    let bytes = pack.to_archive()?;
    write_atomically(&args.output, &bytes)?;
    write_stdout(&format!(
        "wrote {} ({} files, {} bytes)\nsigned by {}{}\n",
        args.output.display(),
        pack.paths().count(),
        bytes.len(),
        signer.public_key().fingerprint(),
        countersigner
            .map(|c| format!("\ncountersigned by {}", c.public_key().fingerprint()))
            .unwrap_or_default()
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// Refuses a server whose findings were evaluated with another catalog than `catalog`
/// (the pack's re-computation would differ).
async fn check_evaluated_with(store: &Store, catalog: &Catalog) -> Result<()> {
    let evaluated = store.setting(CATALOG_DIGEST).await?;
    if let Some(d) = evaluated.filter(|d| *d != catalog.digest()) {
        bail!(
            "the server's findings were evaluated with catalog {d}, this catalog is {}: pass \
             the --catalog directory `serve` uses",
            catalog.digest()
        );
    }
    Ok(())
}

/// The server's inputs up to the end of `as_of`.
async fn server_inputs(store: &Store, directive: &str, as_of: Date) -> Result<Inputs> {
    let until = end_of_day(as_of);
    Ok(Inputs {
        reports: store.reports_received(until).await?,
        enrollments: store.enrollments(until).await?,
        actions: store.recorded_actions(until).await?,
        activation_start: store
            .activations()
            .await?
            .into_iter()
            .find(|a| a.directive == directive)
            .map(|a| a.start),
    })
}

/// Computes the deliverables and reads the audit segment from `store`.
async fn gather(
    store: &Store,
    catalog: &Catalog,
    directive: &str,
    as_of: Date,
    file_details: Option<PlanDetailsUsed>,
    inputs: Inputs,
) -> Result<Contents> {
    let details = match file_details {
        Some(d) => d,
        None => {
            let (details, source) = deliverables::plan_details(store, directive, as_of).await?;
            PlanDetailsUsed { details, source }
        }
    };
    let (docs, start) =
        evidence_pack::documents(store, catalog, directive, as_of, &details).await?;
    let until = end_of_day(as_of);
    let since = start
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map_or(Timestamp::MIN, |z| z.timestamp());
    let audit = store.audit_segment(since, until).await?;
    let (head_seq, head_hash) = store.audit_head().await?;
    let anchors = AuditAnchors {
        prev_hash: audit
            .first()
            .map(|r| r.prev_hash.clone())
            .unwrap_or_default(),
        first_seq: audit.first().map(|r| r.seq),
        last_seq: audit.last().map(|r| r.seq),
        last_hash: audit.last().map(|r| r.hash.clone()),
        head_seq,
        head_hash,
    };
    Ok(Contents {
        info: PackInfo {
            format: evidence_pack::FORMAT.into(),
            directive: directive.to_string(),
            as_of,
            generated: Timestamp::now().round(jiff::Unit::Second)?,
            made_by: format!("interdict {}", crate::VERSION),
            source: String::new(),
            catalog: CatalogStamp {
                version: catalog.version().to_string(),
                digest: catalog.digest(),
            },
            activation_start: inputs.activation_start,
            catalog_reevaluations: Vec::new(),
        },
        inputs,
        details,
        docs,
        audit,
        anchors,
        start,
    })
}

/// Lays the pack out and seals it.
fn assemble(
    catalog: &Catalog,
    directive: &interdict_catalog::Directive,
    c: Contents,
    signer: &SigningKey,
    countersigner: Option<&SigningKey>,
    pdf_mode: PdfMode,
) -> Result<Pack> {
    let name = format!("interdict-evidence-{}-{}", c.info.directive, c.info.as_of);
    let mut pack = Pack::new(&name)?;
    pack.add(PACK_INFO, json(&c.info)?)?;
    let schedule = interdict_catalog::schedule(directive, c.start, c.info.as_of);
    let directive_doc = serde_json::json!({
        "directive": directive,
        "day_0": c.start,
        "schedule_through_as_of": schedule,
    });
    pack.add(DIRECTIVE, json(&directive_doc)?)?;
    evidence_pack::add_catalog(&mut pack, catalog)?;
    evidence_pack::add_inputs(&mut pack, &c.inputs)?;
    pack.add(PLAN_DETAILS, json(&c.details)?)?;
    let print = match pdf_mode {
        PdfMode::Always => true,
        PdfMode::Never => false,
        PdfMode::Auto => pdf::browser().is_some(),
    };
    for (kind, doc) in &c.docs {
        for (format, ext) in evidence_pack::RENDERINGS {
            let text = interdict_deliverables::render(doc, format);
            if print && format == Format::Html {
                let bytes = pdf::html_to_pdf(&text)?;
                pack.add(&deliverable_path(*kind, "pdf"), bytes)?;
            }
            pack.add(&deliverable_path(*kind, ext), text)?;
        }
    }
    let mut segment = Vec::new();
    for r in &c.audit {
        serde_json::to_writer(&mut segment, r)?;
        segment.push(b'\n');
    }
    pack.add(AUDIT_SEGMENT, segment)?;
    pack.add(AUDIT_ANCHORS, json(&c.anchors)?)?;
    let info = ReadmeInfo {
        directive: c.info.directive.clone(),
        directive_title: directive.title.clone(),
        as_of: c.info.as_of.to_string(),
        generated: c.info.generated.to_string(),
        top: name.clone(),
        signer: signer.public_key().fingerprint(),
        countersigner: countersigner.map(|k| k.public_key().fingerprint()),
        catalog: format!("{} ({})", c.info.catalog.version, c.info.catalog.digest),
        contents: readme_contents(&c, print),
    };
    pack.add(README, readme::render(&info))?;
    Ok(pack.seal(signer, countersigner)?)
}

fn readme_contents(c: &Contents, pdf: bool) -> Vec<(String, String)> {
    let formats = if pdf {
        "JSON, CSV, HTML, PDF"
    } else {
        "JSON, CSV, HTML"
    };
    let rows = [
        ("README.html", "this page".to_string()),
        (
            "SHA256SUMS",
            "every other file with its SHA-256 (sha256sum format)".into(),
        ),
        ("SHA256SUMS.sig", "the Ed25519 signature of SHA256SUMS".into()),
        ("keys/", "the signer's (and countersigner's) public key, PEM".into()),
        (
            "pack.json",
            format!(
                "directive, as-of date, where the data came from ({}), catalog stamp",
                c.info.source
            ),
        ),
        (
            "deliverables/",
            format!("identification report, plan of action, status report as of {} ({formats})", c.info.as_of),
        ),
        (
            "reports/",
            format!("the {} report documents received by then, as received", c.inputs.reports.len()),
        ),
        ("inputs/", format!("the reports' arrival order, {} enrollments, {} lifecycle actions, the plan details used", c.inputs.enrollments.len(), c.inputs.actions.len())),
        ("catalog/", "the catalog files the findings were evaluated with, by layer, and their digest".into()),
        ("directive.json", "the directive as catalogued (issuer, legal basis, covered vendors and products, sources), day 0 and every due date through the as-of date".into()),
        (AUDIT_SEGMENT, format!("{} entries of the audit chain over the period, one JSON object per line", c.audit.len())),
        (AUDIT_ANCHORS, "where the segment sits in the chain: the hash before it, its ends, the head when the pack was made".into()),
    ];
    rows.into_iter().map(|(p, w)| (p.to_string(), w)).collect()
}

/// Writes `bytes` to a temporary file beside `path`, fsyncs it, and renames it over
/// `path`: a reader never sees half a pack.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".interdict-evidence-")
        .tempfile_in(dir)
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
