//! A host's removal plan, built from its latest stored report (re-matched when the
//! catalog changed since) by `interdict-remediation`, as the CLI builds it.

use super::{ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::Reader;
use crate::error::{ApiError, ApiResult};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use interdict_findings::Report;
use interdict_remediation::PlanFormat;
use serde::Deserialize;
use utoipa::IntoParams;

/// The plan's format.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanParams {
    /// `json` (default), `text`, `sh` (Linux, macOS hosts) or `ps1` (Windows hosts).
    pub format: Option<String>,
}

/// The plan of host `id` as `format`, with its media type and a download file name.
pub(crate) async fn render_host_plan(
    state: &AppState,
    id: &str,
    format: &str,
) -> ApiResult<(String, &'static str, String)> {
    let plan_format = PlanFormat::parse(format).ok_or_else(|| {
        ApiError::bad_request(format!(
            "format {format:?} is not one of json, text, sh, ps1"
        ))
    })?;
    if state.store.host(id).await?.is_none() {
        return Err(ApiError::not_found(format!("host {id:?} not found")));
    }
    let page = state.store.scans(id, None, 1).await?;
    let Some(scan) = page.items.first() else {
        return Err(ApiError::not_found(format!(
            "host {id:?} has no stored report"
        )));
    };
    let name = format!("report {}", scan.report);
    let Some(doc) = state.store.report_document(&scan.report).await? else {
        return Err(ApiError::not_found(format!("{name} not found")));
    };
    let report =
        Report::from_json(&doc, &name).map_err(|e| ApiError::unprocessable(e.to_string()))?;
    let mut per_host = state.evaluator.report_findings(&report)?;
    let findings = per_host.remove(id).unwrap_or_default();
    let host = report
        .all_hosts()
        .into_iter()
        .find(|h| h.id == id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("{name} does not cover host {id:?}")))?;
    let plan = interdict_remediation::build(&state.catalog, &report, &host, &findings);
    let text = interdict_remediation::render(&[plan], plan_format)
        .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    let (media, ext) = match plan_format {
        PlanFormat::Json => ("application/json", "json"),
        PlanFormat::Text => ("text/plain; charset=utf-8", "txt"),
        PlanFormat::Sh => ("text/x-shellscript; charset=utf-8", "sh"),
        PlanFormat::Ps1 => ("text/plain; charset=utf-8", "ps1"),
    };
    let file: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((text, media, format!("removal-plan-{file}.{ext}")))
}

/// The removal plan of a host: for each product found, the catalog's steps its evidence
/// supports, in removal order. Scripts are for review; the server never runs anything.
#[utoipa::path(get, path = "/hosts/{id}/plan",
    params(("id" = String, Path, description = "Host id"), PlanParams),
    responses(
        (status = 200, description = "The plan: a JSON array with the host's plan, text, or a script",
               content(([Object] = "application/json"), (String = "text/plain"),
                       (String = "text/x-shellscript"))),
        (status = 400, description = "Unknown format", body = crate::error::ErrorBody),
        (status = 404, description = "Unknown host, or no stored report", body = crate::error::ErrorBody),
        (status = 422, description = "A script format that does not fit the host's platform", body = crate::error::ErrorBody),
    ),
    tag = "fleet")]
pub async fn host_plan(
    State(state): State<AppState>,
    _who: Reader,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<PlanParams>,
) -> ApiResult<Response> {
    let format = q.format.as_deref().unwrap_or("json");
    let (text, media, file) = render_host_plan(&state, &id, format).await?;
    Ok((
        [
            (header::CONTENT_TYPE, media.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{file}\""),
            ),
        ],
        text,
    )
        .into_response())
}
