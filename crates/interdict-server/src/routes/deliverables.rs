//! The directive's deliverables (identification, plan of action, status) as of a date, in
//! JSON, CSV, HTML or PDF, and the plan of action's manual elements (read by readers,
//! saved — versioned and audited — by writers).

use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::{Reader, Writer};
use crate::deliverables::{self, DeliverableError, pdf};
use crate::error::{ApiError, ApiResult};
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use interdict_deliverables::{Format, Kind, PlanDetails};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

impl From<DeliverableError> for ApiError {
    fn from(e: DeliverableError) -> ApiError {
        match e {
            DeliverableError::UnknownDirective { .. } => ApiError::not_found(e.to_string()),
            DeliverableError::Store(s) => s.into(),
            DeliverableError::PlanDetails(p) => {
                ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, p.to_string())
            }
        }
    }
}

/// Parameters of a deliverable.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// The day described (YYYY-MM-DD; the fleet at its end, UTC); default today.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<String>,
    /// `json` (default), `csv`, `html` or `pdf` (needs headless Chromium on the server).
    #[param(value_type = Option<ReportFormatName>)]
    pub format: Option<String>,
}

/// The deliverables, by name (the OpenAPI schema of the `kind` path segment).
#[derive(Debug, ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ReportKindName {
    /// The identification report (T+30).
    Identification,
    /// The plan of action (T+60).
    Plan,
    /// The status report (T+90 and every 30 days).
    Status,
}

/// The formats of a deliverable (the OpenAPI schema of the `format` parameter).
#[derive(Debug, ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ReportFormatName {
    /// A JSON object.
    Json,
    /// One CSV table.
    Csv,
    /// One self-contained HTML document.
    Html,
    /// PDF printed by headless Chromium.
    Pdf,
}

fn as_of(s: Option<&str>) -> ApiResult<Date> {
    match s {
        None => Ok(Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()),
        Some(s) => s
            .parse()
            .map_err(|_| ApiError::bad_request(format!("as_of: {s:?} is not a date (YYYY-MM-DD)"))),
    }
}

/// A deliverable of a directive as of a date: `identification` (T+30), `plan` (T+60, all
/// fourteen elements) or `status` (T+90 and every 30 days).
#[utoipa::path(get, path = "/directives/{id}/reports/{kind}",
    params(("id" = String, Path, description = "Directive id"),
           ("kind" = ReportKindName, Path, description = "identification, plan or status"),
           ReportParams),
    responses((status = 200, description = "The document (JSON object, CSV table, HTML or PDF)",
               content((Object = "application/json"), (String = "text/csv"),
                       (String = "text/html"), (String = "application/pdf"))),
              (status = 503, description = "PDF asked for and headless Chromium is not installed",
               body = crate::error::ErrorBody)),
    tag = "directives")]
pub async fn report(
    State(state): State<AppState>,
    _who: Reader,
    ApiPath((id, kind)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<ReportParams>,
) -> ApiResult<Response> {
    respond(&state, &id, &kind, q.as_of.as_deref(), q.format.as_deref()).await
}

/// The deliverable `kind` of directive `id` as of `as_of` in `format` (default JSON), as
/// a response with its content type: shared by the API route and the dashboard's links.
pub(crate) async fn respond(
    state: &AppState,
    id: &str,
    kind: &str,
    as_of_param: Option<&str>,
    format_param: Option<&str>,
) -> ApiResult<Response> {
    let kind = Kind::parse(kind).ok_or_else(|| {
        ApiError::not_found(format!(
            "no report kind {kind:?} (identification, plan or status)"
        ))
    })?;
    let format = format_param.unwrap_or("json");
    let (format, mime) = match format {
        "json" => (Format::Json, "application/json"),
        "csv" => (Format::Csv, "text/csv; charset=utf-8"),
        "html" | "pdf" => (Format::Html, "text/html; charset=utf-8"),
        other => {
            return Err(ApiError::bad_request(format!(
                "format {other:?} is not one of json, csv, html, pdf"
            )));
        }
    };
    let pdf = format_param == Some("pdf");
    super::fleet::expire_due(state).await?;
    let date = as_of(as_of_param)?;
    let doc = deliverables::document(&state.store, &state.catalog, id, kind, date, None).await?;
    let text = interdict_deliverables::render(&doc, format);
    if !pdf {
        return Ok(([(header::CONTENT_TYPE, mime)], text).into_response());
    }
    let bytes = tokio::task::spawn_blocking(move || pdf::html_to_pdf(&text))
        .await
        .map_err(|e| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(|e| match e {
            pdf::PdfError::NoBrowser => {
                ApiError::new(axum::http::StatusCode::SERVICE_UNAVAILABLE, e.to_string())
            }
            other => ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                other.to_string(),
            ),
        })?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], bytes).into_response())
}

/// The plan details current for a directive.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PlanDetailsAnswer {
    /// Directive id.
    pub directive: String,
    /// The current version (`null`: none saved yet).
    pub version: Option<i64>,
    /// When it was saved.
    pub saved: Option<Timestamp>,
    /// Who saved it.
    pub saved_by: Option<String>,
    /// The manual elements: `agency`, `point_of_contact`, `system_components`,
    /// `mission_functions`, `contracts`, `fisma_controls`, `replacement_products`,
    /// `replacement_timeline`, `obstacles`, `costs` (each text; absent: not yet provided).
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

fn answer(directive: &str, v: Option<interdict_store::PlanDetailsVersion>) -> PlanDetailsAnswer {
    match v {
        Some(v) => PlanDetailsAnswer {
            directive: v.directive,
            version: Some(v.version),
            saved: Some(v.saved),
            saved_by: Some(v.saved_by),
            details: v.details,
        },
        None => PlanDetailsAnswer {
            directive: directive.to_string(),
            version: None,
            saved: None,
            saved_by: None,
            details: serde_json::json!({}),
        },
    }
}

/// The plan of action's manual elements for a directive, current version.
#[utoipa::path(get, path = "/directives/{id}/plan-details",
    params(("id" = String, Path, description = "Directive id")),
    responses((status = 200, description = "The current version", body = PlanDetailsAnswer)),
    tag = "directives")]
pub async fn plan_details(
    State(state): State<AppState>,
    _who: Reader,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<PlanDetailsAnswer>> {
    deliverables::directive(&state.catalog, &id)?;
    let v = state.store.plan_details(&id, None).await?;
    Ok(Json(answer(&id, v)))
}

/// Save a new version of a directive's plan details (the whole set: an element left out
/// is "not yet provided").
#[utoipa::path(put, path = "/directives/{id}/plan-details",
    params(("id" = String, Path, description = "Directive id")),
    request_body(content = Object, description = "agency, point_of_contact, system_components, \
        mission_functions, contracts, fisma_controls, replacement_products, replacement_timeline, \
        obstacles, costs: each an optional string"),
    responses((status = 200, description = "The new version", body = PlanDetailsAnswer),
              (status = 422, description = "Not plan details", body = crate::error::ErrorBody)),
    tag = "directives")]
pub async fn save_plan_details(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Json<PlanDetailsAnswer>> {
    deliverables::directive(&state.catalog, &id)?;
    let details = PlanDetails::from_json(&body.to_string(), "request body")
        .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    let value =
        serde_json::to_value(&details).map_err(|e| ApiError::unprocessable(e.to_string()))?;
    let v = state
        .store
        .save_plan_details(&id, &value, Timestamp::now(), &who.actor())
        .await?;
    Ok(Json(answer(&id, Some(v))))
}
