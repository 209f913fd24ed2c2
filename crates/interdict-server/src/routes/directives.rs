//! Directives of the server's catalog, their activation and milestone status.

use super::{ApiJson, ApiPath, ApiQuery, instant_or_now};
use crate::AppState;
use crate::auth::{Admin, Reader};
use crate::error::{ApiError, ApiResult};
use axum::Json;
use axum::extract::State;
use interdict_store::{Activation, MilestoneStatus, Page};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A directive of the catalog, with its activation on this server.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DirectiveSummary {
    /// Stable id (`bod-17-01`).
    pub id: String,
    /// Title.
    pub title: String,
    /// Issuing body.
    pub issuer: String,
    /// Issue date: the default day 0.
    #[schema(value_type = String, format = Date)]
    pub issued: Date,
    /// Vendors covered as a whole.
    pub vendors: Vec<String>,
    /// Products covered individually.
    pub products: Vec<String>,
    /// The activation, when the directive is tracked here.
    pub activation: Option<Activation>,
}

/// Every directive of the server's catalog.
#[utoipa::path(get, path = "/directives",
    responses((status = 200, description = "Directives", body = Page<DirectiveSummary>)), tag = "directives")]
pub async fn directives(
    State(state): State<AppState>,
    _who: Reader,
) -> ApiResult<Json<Page<DirectiveSummary>>> {
    let activations = state.store.activations().await?;
    let items = state
        .catalog
        .directives()
        .map(|d| DirectiveSummary {
            id: d.id.clone(),
            title: d.title.clone(),
            issuer: d.issuer.clone(),
            issued: d.issued,
            vendors: d.vendors.clone(),
            products: d.products.clone(),
            activation: activations.iter().find(|a| a.directive == d.id).cloned(),
        })
        .collect();
    Ok(Json(Page { items, next: None }))
}

/// Day 0 of a directive's schedule on this server.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ActivateRequest {
    /// Day 0 (YYYY-MM-DD); default the directive's issue date.
    #[schema(value_type = Option<String>, format = Date)]
    pub start: Option<Date>,
}

/// Activate a directive (or move its day 0).
#[utoipa::path(post, path = "/directives/{id}/activate",
    params(("id" = String, Path, description = "Directive id")),
    request_body = ActivateRequest,
    responses((status = 200, description = "Activated", body = Activation),
              (status = 422, description = "Body is not an activation", body = crate::error::ErrorBody)),
    tag = "directives")]
pub async fn activate(
    State(state): State<AppState>,
    Admin(who): Admin,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ActivateRequest>,
) -> ApiResult<Json<Activation>> {
    let a = state
        .store
        .activate(
            &state.catalog,
            &id,
            req.start,
            Timestamp::now(),
            &who.actor(),
        )
        .await?;
    Ok(Json(a))
}

/// Parameters of the milestones list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MilestoneParams {
    /// The status as of this date (end of day, UTC) or RFC 3339 instant; default now.
    pub as_of: Option<String>,
    /// Only this directive's milestones.
    pub directive: Option<String>,
}

/// Every due date of every activated directive, with its status.
#[utoipa::path(get, path = "/milestones", params(MilestoneParams),
    responses((status = 200, description = "Milestones", body = Page<MilestoneStatus>),
              (status = 404, description = "The `directive` filter names no directive of the catalog", body = crate::error::ErrorBody)),
    tag = "directives")]
pub async fn milestones(
    State(state): State<AppState>,
    _who: Reader,
    ApiQuery(q): ApiQuery<MilestoneParams>,
) -> ApiResult<Json<Page<MilestoneStatus>>> {
    super::fleet::expire_due(&state).await?;
    let at = instant_or_now(q.as_of.as_deref(), "as_of")?;
    if let Some(d) = &q.directive
        && state.catalog.directive(d).is_none()
    {
        return Err(ApiError::not_found(format!("directive {d:?} not found")));
    }
    let items = state
        .store
        .milestones(&state.catalog, at)
        .await?
        .into_iter()
        .filter(|m| q.directive.as_ref().is_none_or(|d| &m.directive == d))
        .collect();
    Ok(Json(Page { items, next: None }))
}
