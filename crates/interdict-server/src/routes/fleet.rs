//! Reads: the overview, hosts and their scans, findings, products with endpoint counts.

use super::{ApiPath, ApiQuery, PageParams, instant_or_now, parse_instant};
use crate::AppState;
use crate::auth::Reader;
use crate::error::{ApiError, ApiResult};
use axum::Json;
use axum::extract::State;
use interdict_store::{
    Exception, FindingEvent, FindingFilter, FindingRecord, FindingState, HostFilter, HostRecord,
    Overview, Page, ProductEndpoints, ScanRecord,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Closes exceptions that expired by now, so no read shows a stale `excepted`.
pub(super) async fn expire_due(state: &AppState) -> ApiResult<()> {
    state
        .store
        .expire_exceptions(Timestamp::now(), "system")
        .await?;
    Ok(())
}

/// Parses a finding state name (400 naming the allowed ones).
fn state_param(s: Option<&str>) -> ApiResult<Option<FindingState>> {
    s.map(|s| {
        FindingState::parse(s).ok_or_else(|| {
            let all: Vec<&str> = FindingState::ALL.iter().map(|s| s.as_str()).collect();
            ApiError::bad_request(format!("state {s:?} is not one of {}", all.join(", ")))
        })
    })
    .transpose()
}

/// Parameters of the overview.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverviewParams {
    /// The state as of this date (end of day, UTC) or RFC 3339 instant; default now.
    pub as_of: Option<String>,
    /// Only findings this directive covers.
    pub directive: Option<String>,
}

/// The fleet at a glance (now, or as of a past date).
#[utoipa::path(get, path = "/overview", params(OverviewParams),
    responses((status = 200, description = "Counts", body = Overview)), tag = "fleet")]
pub async fn overview(
    State(state): State<AppState>,
    _who: Reader,
    ApiQuery(q): ApiQuery<OverviewParams>,
) -> ApiResult<Json<Overview>> {
    expire_due(&state).await?;
    let at = instant_or_now(q.as_of.as_deref(), "as_of")?;
    Ok(Json(
        state.store.overview(at, q.directive.as_deref()).await?,
    ))
}

/// Filters of the hosts list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HostParams {
    /// Case-insensitive substring of the host name or id.
    pub search: Option<String>,
    /// Hosts with a finding in this state.
    pub state: Option<String>,
    /// Platform (`linux`, `windows`, `macos`) or OS id (`debian`, …).
    pub os: Option<String>,
    /// Hosts whose last report arrived at or after this date/instant.
    pub seen_since: Option<String>,
    /// Hosts whose last report arrived before this date/instant (stale hosts).
    pub seen_before: Option<String>,
}

/// Hosts, by id.
#[utoipa::path(get, path = "/hosts", params(HostParams, PageParams),
    responses((status = 200, description = "A page of hosts", body = Page<HostRecord>)), tag = "fleet")]
pub async fn hosts(
    State(state): State<AppState>,
    _who: Reader,
    ApiQuery(q): ApiQuery<HostParams>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> ApiResult<Json<Page<HostRecord>>> {
    let filter = HostFilter {
        search: q.search,
        state: state_param(q.state.as_deref())?,
        os: q.os,
        seen_since: q
            .seen_since
            .as_deref()
            .map(|s| parse_instant(s, "seen_since"))
            .transpose()?,
        seen_before: q
            .seen_before
            .as_deref()
            .map(|s| parse_instant(s, "seen_before"))
            .transpose()?,
    };
    let page = state
        .store
        .hosts(&filter, p.cursor.as_deref(), p.limit())
        .await?;
    Ok(Json(page))
}

/// One host.
#[utoipa::path(get, path = "/hosts/{id}", params(("id" = String, Path, description = "Host id")),
    responses((status = 200, description = "The host", body = HostRecord)), tag = "fleet")]
pub async fn host(
    State(state): State<AppState>,
    _who: Reader,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<HostRecord>> {
    match state.store.host(&id).await? {
        Some(h) => Ok(Json(h)),
        None => Err(ApiError::not_found(format!("host {id:?} not found"))),
    }
}

/// A host's scans, newest first.
#[utoipa::path(get, path = "/hosts/{id}/scans",
    params(("id" = String, Path, description = "Host id"), PageParams),
    responses((status = 200, description = "A page of scans", body = Page<ScanRecord>)), tag = "fleet")]
pub async fn host_scans(
    State(state): State<AppState>,
    _who: Reader,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> ApiResult<Json<Page<ScanRecord>>> {
    if state.store.host(&id).await?.is_none() {
        return Err(ApiError::not_found(format!("host {id:?} not found")));
    }
    let page = state
        .store
        .scans(&id, p.cursor.as_deref(), p.limit())
        .await?;
    Ok(Json(page))
}

/// Filters of the findings list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindingParams {
    /// Findings this directive covers.
    pub directive: Option<String>,
    /// Of this product id.
    pub product: Option<String>,
    /// In this state.
    pub state: Option<String>,
    /// On this host id.
    pub host: Option<String>,
    /// The state as of this date (end of day, UTC) or RFC 3339 instant.
    pub as_of: Option<String>,
}

/// Findings (host × product), now or as of a past date.
#[utoipa::path(get, path = "/findings", params(FindingParams, PageParams),
    responses((status = 200, description = "A page of findings", body = Page<FindingRecord>)), tag = "findings")]
pub async fn findings(
    State(state): State<AppState>,
    _who: Reader,
    ApiQuery(q): ApiQuery<FindingParams>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> ApiResult<Json<Page<FindingRecord>>> {
    expire_due(&state).await?;
    let filter = FindingFilter {
        directive: q.directive,
        product: q.product,
        state: state_param(q.state.as_deref())?,
        host: q.host,
    };
    let as_of = q
        .as_of
        .as_deref()
        .map(|s| parse_instant(s, "as_of"))
        .transpose()?;
    let page = state
        .store
        .findings(&filter, as_of, p.cursor.as_deref(), p.limit())
        .await?;
    Ok(Json(page))
}

/// A finding with its evidence, its history and its exceptions.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FindingDetail {
    /// The finding.
    pub finding: FindingRecord,
    /// What proves it (from the last evaluation).
    #[schema(value_type = Vec<Object>)]
    pub evidence: Vec<interdict_findings::Evidence>,
    /// Every state change: who, when, why.
    pub history: Vec<FindingEvent>,
    /// Exceptions granted for it, newest first.
    pub exceptions: Vec<Exception>,
}

/// One finding, with evidence and history.
#[utoipa::path(get, path = "/findings/{id}", params(("id" = String, Path, description = "Finding id")),
    responses((status = 200, description = "The finding", body = FindingDetail)), tag = "findings")]
pub async fn finding(
    State(state): State<AppState>,
    _who: Reader,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<FindingDetail>> {
    expire_due(&state).await?;
    let finding = state.store.finding(&id).await?;
    Ok(Json(FindingDetail {
        evidence: state.store.finding_evidence(&id).await?,
        history: state.store.finding_history(&id).await?,
        exceptions: state.store.exceptions(Some(&id)).await?,
        finding,
    }))
}

/// Filters of the products list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductParams {
    /// Only products this directive covers.
    pub directive: Option<String>,
}

/// Products with the number of endpoints affected.
#[utoipa::path(get, path = "/products", params(ProductParams, PageParams),
    responses((status = 200, description = "A page of products", body = Page<ProductEndpoints>)), tag = "fleet")]
pub async fn products(
    State(state): State<AppState>,
    _who: Reader,
    ApiQuery(q): ApiQuery<ProductParams>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> ApiResult<Json<Page<ProductEndpoints>>> {
    expire_due(&state).await?;
    let page = state
        .store
        .products(q.directive.as_deref(), p.cursor.as_deref(), p.limit())
        .await?;
    Ok(Json(page))
}
