//! Lifecycle changes: bulk plan, start of removal, exceptions.

use super::fleet::expire_due;
use super::{ApiJson, ApiPath, ApiQuery, parse_instant};
use crate::AppState;
use crate::auth::{Reader, Writer};
use crate::error::{ApiError, ApiResult};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use interdict_store::{Exception, Page, Plan};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Findings changed by a bulk operation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Changed {
    /// How many findings changed state or plan.
    pub changed: usize,
}

/// Most findings one bulk request may name.
const MAX_BULK: usize = 10_000;

fn check_ids(ids: &[String]) -> ApiResult<()> {
    if ids.is_empty() {
        return Err(ApiError::bad_request("ids must name at least one finding"));
    }
    if ids.len() > MAX_BULK {
        return Err(ApiError::bad_request(format!(
            "at most {MAX_BULK} findings per request"
        )));
    }
    Ok(())
}

/// A removal plan for many findings at once.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PlanRequest {
    /// The findings (each `identified`, `reappeared` or `planned`).
    #[schema(min_items = 1, max_items = 10000)]
    pub ids: Vec<String>,
    /// Who removes them.
    pub owner: String,
    /// By when (YYYY-MM-DD).
    #[schema(value_type = String, format = Date)]
    pub due: Date,
    /// How (`uninstall via SCCM`, `reimage`, …).
    pub removal_method: String,
    /// Why (recorded in each finding's history).
    #[serde(default)]
    pub reason: String,
}

/// Plan the removal of findings (all or nothing).
#[utoipa::path(post, path = "/findings/plan", request_body = PlanRequest,
    responses((status = 200, description = "Planned", body = Changed),
              (status = 409, description = "A finding's state does not allow it", body = crate::error::ErrorBody),
              (status = 404, description = "A finding does not exist", body = crate::error::ErrorBody),
              (status = 422, description = "Body is not a plan", body = crate::error::ErrorBody)),
    tag = "findings")]
pub async fn plan(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiJson(req): ApiJson<PlanRequest>,
) -> ApiResult<Json<Changed>> {
    check_ids(&req.ids)?;
    let plan = Plan {
        owner: req.owner,
        due: req.due,
        removal_method: req.removal_method,
    };
    let changed = state
        .store
        .plan_findings(&req.ids, &plan, Timestamp::now(), &who.actor(), &req.reason)
        .await?;
    Ok(Json(Changed { changed }))
}

/// Findings whose removal begins.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StartRemovalRequest {
    /// The findings (each `planned`).
    #[schema(min_items = 1, max_items = 10000)]
    pub ids: Vec<String>,
    /// Why.
    #[serde(default)]
    pub reason: String,
}

/// Mark planned findings `removal-in-progress` (all or nothing).
#[utoipa::path(post, path = "/findings/start-removal", request_body = StartRemovalRequest,
    responses((status = 200, description = "Started", body = Changed),
              (status = 409, description = "A finding is not planned", body = crate::error::ErrorBody),
              (status = 404, description = "A finding does not exist", body = crate::error::ErrorBody),
              (status = 422, description = "Body is not a request", body = crate::error::ErrorBody)),
    tag = "findings")]
pub async fn start_removal(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiJson(req): ApiJson<StartRemovalRequest>,
) -> ApiResult<Json<Changed>> {
    check_ids(&req.ids)?;
    let changed = state
        .store
        .start_removal(&req.ids, Timestamp::now(), &who.actor(), &req.reason)
        .await?;
    Ok(Json(Changed { changed }))
}

/// Filters of the exceptions list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExceptionParams {
    /// Only this finding's exceptions.
    pub finding: Option<String>,
}

/// Exceptions, newest first.
#[utoipa::path(get, path = "/exceptions", params(ExceptionParams),
    responses((status = 200, description = "Exceptions", body = Page<Exception>)), tag = "exceptions")]
pub async fn exceptions(
    State(state): State<AppState>,
    _who: Reader,
    ApiQuery(q): ApiQuery<ExceptionParams>,
) -> ApiResult<Json<Page<Exception>>> {
    expire_due(&state).await?;
    let items = state.store.exceptions(q.finding.as_deref()).await?;
    Ok(Json(Page { items, next: None }))
}

/// An exception to a finding's removal.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ExceptionRequest {
    /// The finding.
    pub finding: String,
    /// Why the product may stay.
    pub justification: String,
    /// Who approved it.
    pub approver: String,
    /// When it expires: a date (end of day, UTC) or an RFC 3339 instant, in the future.
    pub expires: String,
}

/// Grant an exception; the finding is `excepted` until it expires or is revoked.
#[utoipa::path(post, path = "/exceptions", request_body = ExceptionRequest,
    responses((status = 201, description = "Granted", body = Exception),
              (status = 409, description = "The finding's state does not allow it", body = crate::error::ErrorBody),
              (status = 404, description = "No such finding", body = crate::error::ErrorBody),
              (status = 422, description = "Body is not an exception", body = crate::error::ErrorBody)),
    tag = "exceptions")]
pub async fn grant_exception(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiJson(req): ApiJson<ExceptionRequest>,
) -> ApiResult<(StatusCode, Json<Exception>)> {
    let now = Timestamp::now();
    let expires = parse_instant(&req.expires, "expires")?;
    if expires <= now {
        return Err(ApiError::bad_request("expires must be in the future"));
    }
    let e = state
        .store
        .grant_exception(
            &req.finding,
            &req.justification,
            &req.approver,
            expires,
            now,
            &who.actor(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(e)))
}

/// Revoke an exception before it expires; its finding reopens.
#[utoipa::path(post, path = "/exceptions/{id}/revoke",
    params(("id" = String, Path, description = "Exception id")),
    responses((status = 200, description = "Revoked", body = Changed),
              (status = 409, description = "The exception expired or was revoked already", body = crate::error::ErrorBody)),
    tag = "exceptions")]
pub async fn revoke_exception(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Changed>> {
    state
        .store
        .revoke_exception(&id, Timestamp::now(), &who.actor())
        .await?;
    Ok(Json(Changed { changed: 1 }))
}
