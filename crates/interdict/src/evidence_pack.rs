//! What an evidence pack holds beyond its seal, shared by `evidence export` (which writes
//! it) and `evidence verify` (which re-computes the deliverables from it):
//!
//! | path | what |
//! |---|---|
//! | `pack.json` | [`PackInfo`]: directive, as-of date, where the data came from, catalog stamp |
//! | `directive.json` | the directive as catalogued, day 0 and every due date through the as-of date |
//! | `catalog/layers.json`, `catalog/layer-N/*.toml` | the catalog files, by layer, and their digest |
//! | `inputs/reports.json`, `reports/*.json` | every report document received by then, as received, in arrival order |
//! | `inputs/enrollments.json`, `inputs/actions.json` | enrollments and lifecycle actions by then |
//! | `inputs/plan-details.json` | the plan of action's manual elements used |
//! | `deliverables/{identification,plan,status}.{json,csv,html,pdf}` | the deliverables as of the date |
//! | `audit/segment.jsonl`, `audit/anchors.json` | the audit chain over the period, anchored |
//!
//! The re-computation ([`recompute`]) replays the inputs, in arrival order, into an empty
//! temporary SQLite store with the pack's own catalog — the same ingest, evaluation and
//! deliverables code the server runs — and renders the deliverables again.

use anyhow::{Context, Result, anyhow, bail};
use interdict_catalog::Catalog;
use interdict_deliverables::{Document, Format, Kind, PlanDetails, PlanDetailsSource};
use interdict_evidence::Pack;
use interdict_evidence::manifest::sha256_hex;
use interdict_findings::{CatalogStamp, Report};
use interdict_server::Evaluator;
use interdict_server::deliverables;
use interdict_store::{Enrollment, LifecycleAction, ReceivedReport, RecordedAction, Store};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The pack's description.
pub const PACK_INFO: &str = "pack.json";
/// The directive and its schedule.
pub const DIRECTIVE: &str = "directive.json";
/// The catalog's layers and digest.
pub const CATALOG_INDEX: &str = "catalog/layers.json";
/// The report documents' index.
pub const REPORTS_INDEX: &str = "inputs/reports.json";
/// Enrollments.
pub const ENROLLMENTS: &str = "inputs/enrollments.json";
/// Lifecycle actions.
pub const ACTIONS: &str = "inputs/actions.json";
/// The plan details used.
pub const PLAN_DETAILS: &str = "inputs/plan-details.json";
/// The human-readable guide.
pub const README: &str = "README.html";
/// The value of [`PackInfo::format`].
pub const FORMAT: &str = "interdict-evidence/1";

/// `deliverables/<kind>.<ext>`.
pub fn deliverable_path(kind: Kind, ext: &str) -> String {
    format!("deliverables/{}.{ext}", kind.as_str())
}

/// The renderings re-computed and compared (PDF is printed by a browser: not compared).
pub const RENDERINGS: [(Format, &str); 3] = [
    (Format::Json, "json"),
    (Format::Csv, "csv"),
    (Format::Html, "html"),
];

/// `pack.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackInfo {
    /// [`FORMAT`].
    pub format: String,
    /// The directive's id.
    pub directive: String,
    /// The day the deliverables describe.
    pub as_of: Date,
    /// When the pack was made.
    pub generated: Timestamp,
    /// The program that made it (`interdict 0.x.y`).
    pub made_by: String,
    /// `report documents` (`--from`) or `server database`.
    pub source: String,
    /// The catalog the deliverables were computed with.
    pub catalog: CatalogStamp,
    /// Day 0 set on the server (`admin directive activate`), when it was set.
    pub activation_start: Option<Date>,
    /// When the server re-evaluated findings after a catalog change, by the as-of date:
    /// changes a replay with the pack's (current) catalog cannot reproduce in time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub catalog_reevaluations: Vec<Timestamp>,
}

/// `catalog/layers.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogIndex {
    /// The catalog data's version.
    pub version: String,
    /// Its digest (`sha256:…`), over the files by name and content.
    pub digest: String,
    /// The files of each layer, in load order.
    pub layers: Vec<Vec<CatalogFile>>,
}

/// One catalog file in the pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogFile {
    /// The name it was loaded under (`<bundled>/kaspersky.toml`, `site.toml`).
    pub name: String,
    /// Its path in the pack.
    pub path: String,
}

/// One entry of `inputs/reports.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportEntry {
    /// Report id.
    pub id: String,
    /// Its document in the pack.
    pub file: String,
    /// When it was received (for `--from`: when the scan finished).
    pub received: Timestamp,
    /// Who sent it.
    pub actor: String,
}

/// `inputs/plan-details.json`: the details and where they came from (`null` source:
/// none were entered by then).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanDetailsUsed {
    /// The details.
    pub details: PlanDetails,
    /// Their version or file.
    pub source: Option<PlanDetailsSource>,
}

/// What the deliverables are computed from.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Reports, in arrival order.
    pub reports: Vec<ReceivedReport>,
    /// Enrollments.
    pub enrollments: Vec<Enrollment>,
    /// Lifecycle actions.
    pub actions: Vec<RecordedAction>,
    /// Day 0 set on the server.
    pub activation_start: Option<Date>,
}

/// Adds the catalog's files and index to `pack`.
pub fn add_catalog(pack: &mut Pack, catalog: &Catalog) -> Result<()> {
    let mut layers = Vec::new();
    for (i, layer) in catalog.layers().iter().enumerate() {
        let mut files = Vec::new();
        for (name, text) in layer {
            let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
            let path = format!("catalog/layer-{}/{base}", i + 1);
            pack.add(&path, text.as_bytes())?;
            let name = if i == 0 {
                name.clone()
            } else {
                base.to_string()
            };
            files.push(CatalogFile { name, path });
        }
        layers.push(files);
    }
    let index = CatalogIndex {
        version: catalog.version().to_string(),
        digest: catalog.digest(),
        layers,
    };
    pack.add(CATALOG_INDEX, json(&index)?)?;
    Ok(())
}

/// The catalog a pack holds, checked against the digest it records.
pub fn read_catalog(pack: &Pack) -> Result<Catalog> {
    let index: CatalogIndex = read_json(pack, CATALOG_INDEX)?;
    let mut layers = Vec::new();
    for layer in &index.layers {
        let mut files = Vec::new();
        for f in layer {
            let bytes = pack
                .get(&f.path)
                .ok_or_else(|| anyhow!("{}: missing from the pack", f.path))?;
            let text = String::from_utf8(bytes.to_vec())
                .map_err(|_| anyhow!("{}: not UTF-8 text", f.path))?;
            files.push((f.name.clone(), text));
        }
        layers.push(files);
    }
    let catalog = Catalog::from_layers(&index.version, layers)
        .with_context(|| format!("the catalog in the pack ({CATALOG_INDEX})"))?;
    if catalog.digest() != index.digest {
        bail!(
            "{CATALOG_INDEX}: the catalog files give digest {}, the index records {}",
            catalog.digest(),
            index.digest
        );
    }
    Ok(catalog)
}

/// Adds the inputs to `pack`: each report document under `reports/`, the indexes.
pub fn add_inputs(pack: &mut Pack, inputs: &Inputs) -> Result<()> {
    let mut index = Vec::new();
    for (n, r) in inputs.reports.iter().enumerate() {
        let safe = !r.id.is_empty()
            && r.id.len() <= 100
            && r.id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            && !r.id.starts_with('.');
        let file = if safe {
            format!("reports/{}.json", r.id)
        } else {
            format!("reports/report-{:05}.json", n + 1)
        };
        pack.add(&file, r.raw.clone())?;
        index.push(ReportEntry {
            id: r.id.clone(),
            file,
            received: r.received,
            actor: r.actor.clone(),
        });
    }
    pack.add(REPORTS_INDEX, json(&index)?)?;
    pack.add(ENROLLMENTS, json(&inputs.enrollments)?)?;
    pack.add(ACTIONS, json(&inputs.actions)?)?;
    Ok(())
}

/// The inputs a pack holds.
pub fn read_inputs(pack: &Pack, info: &PackInfo) -> Result<Inputs> {
    let index: Vec<ReportEntry> = read_json(pack, REPORTS_INDEX)?;
    let mut reports = Vec::new();
    for e in index {
        let raw = pack
            .get(&e.file)
            .ok_or_else(|| anyhow!("{}: listed in {REPORTS_INDEX} but missing", e.file))?;
        reports.push(ReceivedReport {
            id: e.id,
            received: e.received,
            actor: e.actor,
            raw: raw.to_vec(),
        });
    }
    Ok(Inputs {
        reports,
        enrollments: read_json(pack, ENROLLMENTS)?,
        actions: read_json(pack, ACTIONS)?,
        activation_start: info.activation_start,
    })
}

/// Pretty JSON with a final newline.
pub fn json<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut v = serde_json::to_vec_pretty(value)?;
    v.push(b'\n');
    Ok(v)
}

/// Parses the JSON file `path` of `pack`.
pub fn read_json<T: serde::de::DeserializeOwned>(pack: &Pack, path: &str) -> Result<T> {
    let bytes = pack
        .get(path)
        .ok_or_else(|| anyhow!("{path}: missing from the pack"))?;
    serde_json::from_slice(bytes).with_context(|| format!("{path}: not what interdict wrote"))
}

/// One step of the replay, in arrival order.
enum Step<'a> {
    Enroll(&'a Enrollment),
    Expire(&'a RecordedAction),
    Report(&'a ReceivedReport),
    Act(&'a RecordedAction),
}

impl Step<'_> {
    /// Order within one millisecond: enrollments, then expiries (ingest expires first
    /// too), then reports, then what people did to the findings those reports made.
    fn key(&self) -> (Timestamp, u8) {
        match self {
            Step::Enroll(e) => (e.at, 0),
            Step::Expire(a) => (a.at, 1),
            Step::Report(r) => (r.received, 2),
            Step::Act(a) => (a.at, 3),
        }
    }
}

/// Replays `inputs` into `store` (empty) with `catalog`, as the server received them.
pub async fn replay(
    store: &Store,
    catalog: &Catalog,
    directive: &str,
    inputs: &Inputs,
) -> Result<()> {
    const BY: &str = "interdict evidence (replay)";
    let evaluator = Evaluator::new(catalog).map_err(anyhow::Error::msg)?;
    if let Some(start) = inputs.activation_start {
        store
            .activate(catalog, directive, Some(start), Timestamp::UNIX_EPOCH, BY)
            .await?;
    }
    let mut steps: Vec<Step> = Vec::new();
    steps.extend(inputs.enrollments.iter().map(Step::Enroll));
    steps.extend(inputs.reports.iter().map(Step::Report));
    for a in &inputs.actions {
        steps.push(match a.action {
            LifecycleAction::ExpireException { .. } => Step::Expire(a),
            _ => Step::Act(a),
        });
    }
    // Stable: equal keys keep the order the inputs list them in.
    steps.sort_by_key(Step::key);
    // Exception ids of the original store → those the replay created.
    let mut exceptions: BTreeMap<String, String> = BTreeMap::new();
    for step in steps {
        match step {
            Step::Enroll(e) => {
                store.create_host_credential(&e.host, e.at, BY).await?;
            }
            Step::Expire(a) => {
                store.expire_exceptions(a.at, &a.actor).await?;
            }
            Step::Report(r) => {
                let what = || format!("report {}", r.id);
                let report = Report::from_json(&r.raw, &what())?;
                let findings = evaluator.report_findings(&report).with_context(what)?;
                store
                    .ingest(&report, Some(&r.raw), &findings, r.received, &r.actor)
                    .await
                    .with_context(what)?;
            }
            Step::Act(a) => act(store, a, &mut exceptions).await.with_context(|| {
                format!(
                    "replaying {} on {} / {} at {}",
                    action_name(&a.action),
                    a.host,
                    a.product,
                    a.at
                )
            })?,
        }
    }
    Ok(())
}

fn action_name(a: &LifecycleAction) -> &'static str {
    match a {
        LifecycleAction::Plan { .. } => "plan",
        LifecycleAction::StartRemoval => "start-removal",
        LifecycleAction::GrantException { .. } => "grant-exception",
        LifecycleAction::RevokeException { .. } => "revoke-exception",
        LifecycleAction::ExpireException { .. } => "expire-exception",
    }
}

async fn act(
    store: &Store,
    a: &RecordedAction,
    exceptions: &mut BTreeMap<String, String>,
) -> Result<()> {
    let finding = store
        .finding_of(&a.host, &a.product)
        .await?
        .ok_or_else(|| anyhow!("no such finding after the reports before it"))?;
    let ids = [finding.id.clone()];
    match &a.action {
        LifecycleAction::Plan { owner, due, method } => {
            let plan = interdict_store::Plan {
                owner: owner.clone(),
                due: *due,
                removal_method: method.clone(),
            };
            store
                .plan_findings(&ids, &plan, a.at, &a.actor, &a.reason)
                .await?;
        }
        LifecycleAction::StartRemoval => {
            store.start_removal(&ids, a.at, &a.actor, &a.reason).await?;
        }
        LifecycleAction::GrantException {
            exception,
            justification,
            approver,
            expires,
        } => {
            let x = store
                .grant_exception(
                    &finding.id,
                    justification,
                    approver,
                    *expires,
                    a.at,
                    &a.actor,
                )
                .await?;
            exceptions.insert(exception.clone(), x.id);
        }
        LifecycleAction::RevokeException { exception } => {
            let id = exceptions
                .get(exception)
                .ok_or_else(|| anyhow!("exception {exception} was never granted"))?;
            store.revoke_exception(id, a.at, &a.actor).await?;
        }
        LifecycleAction::ExpireException { .. } => {
            store.expire_exceptions(a.at, &a.actor).await?;
        }
    }
    Ok(())
}

/// The three deliverables of `directive` as of `as_of` from `store`, computed from one
/// snapshot of the fleet (the plan with `details`), and that snapshot's day 0.
pub async fn documents(
    store: &Store,
    catalog: &Catalog,
    directive: &str,
    as_of: Date,
    details: &PlanDetailsUsed,
) -> Result<(Vec<(Kind, Document)>, Date)> {
    let d = deliverables::directive(catalog, directive)?;
    let snap = deliverables::snapshot(store, catalog, directive, as_of).await?;
    let docs = Kind::ALL
        .into_iter()
        .map(|kind| {
            let doc = interdict_deliverables::compute(
                kind,
                &snap,
                d,
                &details.details,
                details.source.as_ref(),
            );
            (kind, doc)
        })
        .collect();
    Ok((docs, snap.start))
}

/// What the re-computation found equal.
#[derive(Debug, Clone)]
pub struct Recomputed {
    /// Report documents replayed.
    pub reports: usize,
    /// Lifecycle actions replayed.
    pub actions: usize,
    /// Files found equal to their re-computation.
    pub files: Vec<String>,
}

/// Re-computes the deliverables from the pack's inputs and catalog and compares them with
/// the pack's, byte for byte; the error names the first file that differs and where.
pub fn recompute(pack: &Pack) -> Result<Recomputed> {
    let info: PackInfo = read_json(pack, PACK_INFO)?;
    if info.format != FORMAT {
        bail!("{PACK_INFO}: format {:?} is not {FORMAT:?}", info.format);
    }
    let catalog = read_catalog(pack)?;
    if catalog.digest() != info.catalog.digest {
        bail!(
            "{PACK_INFO}: the deliverables name catalog {}, the pack holds {}",
            info.catalog.digest,
            catalog.digest()
        );
    }
    let inputs = read_inputs(pack, &info)?;
    let details: PlanDetailsUsed = read_json(pack, PLAN_DETAILS)?;
    let (docs, _) = crate::server_cmd::runtime()?.block_on(async {
        let (store, _dir) =
            crate::report_cmd::scratch_store(&catalog, &info.directive, &inputs).await?;
        let result = documents(&store, &catalog, &info.directive, info.as_of, &details).await;
        store.close().await;
        result
    })?;
    let mut files = Vec::new();
    for (kind, doc) in &docs {
        for (format, ext) in RENDERINGS {
            let path = deliverable_path(*kind, ext);
            let Some(included) = pack.get(&path) else {
                if format == Format::Json {
                    bail!("{path}: missing from the pack");
                }
                continue;
            };
            let again = interdict_deliverables::render(doc, format);
            if again.as_bytes() != included {
                let me = format!("interdict {}", crate::VERSION);
                let versions = if info.made_by == me {
                    String::new()
                } else {
                    format!(
                        "; made by {}, re-computed by {me}: a change of rendering between \
                         versions shows here too",
                        info.made_by
                    )
                };
                let reevaluated = match info.catalog_reevaluations.first() {
                    None => String::new(),
                    Some(t) => format!(
                        "; the server re-evaluated findings after a catalog change on {t}, \
                         which a replay with the pack's catalog does not reproduce"
                    ),
                };
                bail!(
                    "{path}: differs from its re-computation from the included report \
                     documents ({}{versions}{reevaluated})",
                    first_difference(included, again.as_bytes())
                );
            }
            files.push(path);
        }
    }
    Ok(Recomputed {
        reports: inputs.reports.len(),
        actions: inputs.actions.len(),
        files,
    })
}

/// Where two texts first differ: `line N: "included" vs "recomputed"`.
fn first_difference(included: &[u8], again: &[u8]) -> String {
    let a = String::from_utf8_lossy(included);
    let b = String::from_utf8_lossy(again);
    let short = |s: &str| s.trim().chars().take(80).collect::<String>();
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!(
                "line {}: {:?} in the pack, {:?} re-computed",
                i + 1,
                short(x),
                short(y)
            );
        }
    }
    format!(
        "{} lines in the pack, {} re-computed (SHA-256 {} vs {})",
        a.lines().count(),
        b.lines().count(),
        &sha256_hex(included)[..12],
        &sha256_hex(again)[..12]
    )
}
