//! The adapter from the store to the pure deliverables crate: the fleet of a directive as
//! of a date ([`snapshot`]), the plan details current then ([`plan_details`]) and the
//! computed document ([`document`]). The API routes and the CLI (`interdict report`, also
//! with `--from` over a temporary store) both come through here, so they give the same
//! document for the same data by construction.

pub mod pdf;

use interdict_catalog::Catalog;
use interdict_deliverables::{
    Document, ExceptionSnapshot, FindingSnapshot, FleetSnapshot, HostSnapshot, Kind, PlanDetails,
    PlanDetailsSource, PlannedRemoval, StateChange, end_of_day,
};
use interdict_findings::CatalogStamp;
use interdict_store::{Store, StoreError};
use jiff::civil::Date;
use std::collections::BTreeMap;

/// Why a deliverable could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum DeliverableError {
    /// The catalog has no such directive.
    #[error("unknown directive `{directive}` (known: {known})")]
    UnknownDirective {
        /// The id asked for.
        directive: String,
        /// The catalog's directive ids.
        known: String,
    },
    /// The stored plan details do not parse.
    #[error("{0}")]
    PlanDetails(#[from] interdict_deliverables::PlanDetailsError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The directive `id` of `catalog`, or [`DeliverableError::UnknownDirective`].
pub fn directive<'a>(
    catalog: &'a Catalog,
    id: &str,
) -> Result<&'a interdict_catalog::Directive, DeliverableError> {
    catalog
        .directive(id)
        .ok_or_else(|| DeliverableError::UnknownDirective {
            directive: id.to_string(),
            known: catalog
                .directives()
                .map(|d| d.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// The fleet of `directive` as it was at the end of `as_of` (UTC), from the store's
/// history. Day 0 is the directive's activation, else its issue date.
pub async fn snapshot(
    store: &Store,
    catalog: &Catalog,
    directive_id: &str,
    as_of: Date,
) -> Result<FleetSnapshot, DeliverableError> {
    let d = directive(catalog, directive_id)?;
    let at = end_of_day(as_of);
    let start = store
        .activations()
        .await?
        .into_iter()
        .find(|a| a.directive == directive_id)
        .map_or(d.issued, |a| a.start);
    let mut history: BTreeMap<String, Vec<StateChange>> = BTreeMap::new();
    for e in store.directive_events(directive_id, at).await? {
        history
            .entry(e.finding)
            .or_default()
            .push(StateChange { at: e.at, to: e.to });
    }
    let hosts = store
        .hosts_as_of(directive_id, at)
        .await?
        .into_iter()
        .map(|h| HostSnapshot {
            findings: h
                .findings
                .into_iter()
                .map(|f| FindingSnapshot {
                    history: history.remove(&f.id).unwrap_or_default(),
                    product: f.product,
                    product_name: f.product_name,
                    confidence: f.confidence,
                    state: f.state,
                    evidence_kinds: f.evidence_kinds,
                    plan: f.plan.map(|p| PlannedRemoval {
                        owner: p.owner,
                        due: p.due,
                        method: p.removal_method,
                    }),
                    exception: f.exception.map(|e| ExceptionSnapshot {
                        justification: e.justification,
                        approver: e.approver,
                        granted: e.created,
                        expires: e.expires,
                    }),
                })
                .collect(),
            id: h.id,
            name: h.name,
            platform: h.os_platform,
            os: h.os_name,
            last_scan: h.last_scan,
            last_report: h.last_report,
            collectors_ran: h.coverage.ran,
            collectors_failed: h.coverage.failed,
        })
        .collect();
    Ok(FleetSnapshot {
        directive: directive_id.to_string(),
        as_of,
        start,
        catalog: CatalogStamp {
            version: catalog.version().to_string(),
            digest: catalog.digest(),
        },
        reports: store.reports_received_by(at).await?,
        hosts,
    })
}

/// The plan details of `directive` current at the end of `as_of`, with their version
/// (empty details and no source when none were saved by then).
pub async fn plan_details(
    store: &Store,
    directive: &str,
    as_of: Date,
) -> Result<(PlanDetails, Option<PlanDetailsSource>), DeliverableError> {
    let Some(v) = store
        .plan_details(directive, Some(end_of_day(as_of)))
        .await?
    else {
        return Ok((PlanDetails::default(), None));
    };
    let origin = format!("stored plan details of {directive} (version {})", v.version);
    let details = PlanDetails::from_json(&v.details.to_string(), &origin)?;
    let source = PlanDetailsSource {
        version: Some(v.version),
        saved: Some(v.saved),
        by: v.saved_by,
    };
    Ok((details, Some(source)))
}

/// The deliverable `kind` of `directive` as of `as_of`: the fleet from the store, the
/// plan details given (a file's) or else those stored.
pub async fn document(
    store: &Store,
    catalog: &Catalog,
    directive_id: &str,
    kind: Kind,
    as_of: Date,
    details: Option<(PlanDetails, PlanDetailsSource)>,
) -> Result<Document, DeliverableError> {
    let d = directive(catalog, directive_id)?;
    let snap = snapshot(store, catalog, directive_id, as_of).await?;
    let (details, source) = match details {
        Some((details, source)) => (details, Some(source)),
        None if kind == Kind::Plan => plan_details(store, directive_id, as_of).await?,
        None => (PlanDetails::default(), None),
    };
    Ok(interdict_deliverables::compute(
        kind,
        &snap,
        d,
        &details,
        source.as_ref(),
    ))
}
