//! Report ingest and host enrollment.

use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::auth::{Ingester, Principal, Reader};
use crate::error::{ApiError, ApiResult};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use interdict_findings::Report;
use interdict_store::IngestOutcome;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::ToSchema;

/// The answer to an ingested report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IngestResponse {
    /// The report id.
    pub id: String,
    /// What the store did.
    #[serde(flatten)]
    pub outcome: IngestOutcome,
}

/// Bytes of an oversized body read and discarded after the limit, so that the client,
/// still sending, gets the 413 rather than a broken connection.
const DRAIN_BYTES: usize = 8 << 20;
/// How long an oversized body is drained at most.
const DRAIN_TIME: Duration = Duration::from_secs(5);

/// Reads and discards the rest of `body` (up to [`DRAIN_BYTES`], for at most
/// [`DRAIN_TIME`]) before an early answer: a server that stops reading and closes makes
/// the client's send fail with a broken pipe or a reset before it can read the answer.
async fn drain(mut body: Body) {
    let deadline = tokio::time::Instant::now() + DRAIN_TIME;
    let mut discarded = 0usize;
    while discarded <= DRAIN_BYTES {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => discarded += frame.data_ref().map_or(0, |d| d.len()),
            _ => break,
        }
    }
}

/// Reads the body up to `limit` bytes; beyond it, answers 413 once the rest of the body
/// has been drained.
async fn body_bytes(headers: &HeaderMap, mut body: Body, limit: usize) -> ApiResult<Vec<u8>> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the report is larger than the server's limit of {limit} bytes"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        drain(body).await;
        return Err(too_large());
    }
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|e| ApiError::bad_request(format!("cannot read the body: {e}")))?;
        let Some(data) = frame.data_ref() else {
            continue;
        };
        if out.len() + data.len() > limit {
            drain(body).await;
            return Err(too_large());
        }
        out.extend_from_slice(data);
    }
    Ok(out)
}

/// Store a report document (scan, SBOM or import).
///
/// Idempotent by report id: a retry of a stored report answers 200 and changes nothing.
/// Answered only once the report is durable. A host credential may send only its own
/// host's reports. The body may be gzip-compressed (`Content-Encoding: gzip`).
#[utoipa::path(
    post,
    path = "/reports",
    request_body(content = Object, description = "An interdict report document (docs/report.schema.json)", content_type = "application/json"),
    responses(
        (status = 201, description = "Stored and applied", body = IngestResponse),
        (status = 200, description = "A report with this id was stored before; nothing changed", body = IngestResponse),
        (status = 422, description = "Not a report document, or an inconsistent one", body = crate::error::ErrorBody),
    ),
    tag = "reports"
)]
pub async fn ingest(
    State(state): State<AppState>,
    who: Result<Ingester, ApiError>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    // A refused credential is answered after the body was read: the agent, still
    // sending, must see the 401/403 (and keep its report), not a broken pipe.
    let who = match who {
        Ok(Ingester(who)) => who,
        Err(e) => {
            drain(body).await;
            return Err(e);
        }
    };
    let raw = body_bytes(&headers, body, state.limits.max_report_bytes).await?;
    let report = Report::from_json(&raw, "request body")
        .map_err(|e| ApiError::unprocessable(format!("not a report document: {e}")))?;
    if let Principal::Host { host_id } = &who {
        let hosts: Vec<&str> = report
            .all_hosts()
            .into_iter()
            .map(|h| h.id.as_str())
            .collect();
        if hosts.is_empty() || hosts.iter().any(|h| h != host_id) {
            return Err(ApiError::forbidden(format!(
                "the host credential of {host_id:?} may only send that host's scans \
                 (the report covers {hosts:?})"
            )));
        }
    }
    let evaluator = state.evaluator.clone();
    let (report, findings) = tokio::task::spawn_blocking(move || {
        let f = evaluator.report_findings(&report);
        (report, f)
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let findings = findings?;
    let outcome = state
        .store
        .ingest(
            &report,
            Some(&raw),
            &findings,
            Timestamp::now(),
            &who.actor(),
        )
        .await?;
    let status = match outcome {
        IngestOutcome::Duplicate => StatusCode::OK,
        IngestOutcome::Created { .. } => StatusCode::CREATED,
    };
    let body = IngestResponse {
        id: report.id.clone(),
        outcome,
    };
    Ok((status, Json(body)).into_response())
}

/// A stored report document, as it was received.
#[utoipa::path(
    get,
    path = "/reports/{id}",
    params(("id" = String, Path, description = "Report id")),
    responses((status = 200, description = "The document", body = Object)),
    tag = "reports"
)]
pub async fn report_document(
    State(state): State<AppState>,
    _who: Reader,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    match state.store.report_document(&id).await? {
        Some(doc) => Ok(([(header::CONTENT_TYPE, "application/json")], doc).into_response()),
        None => Err(ApiError::not_found(format!("report {id:?} not found"))),
    }
}

/// An enrollment request: the fleet's enrollment secret and the host's identity.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EnrollRequest {
    /// An enrollment secret (`interdict admin secret create`).
    pub secret: String,
    /// The host's stable id, as its reports name it (`machine-id:…`).
    #[schema(min_length = 1, max_length = 512)]
    pub host_id: String,
}

/// The credential an enrolled host sends its reports with.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EnrollResponse {
    /// The host id.
    pub host_id: String,
    /// The host credential (shown once): `Authorization: Bearer CREDENTIAL`.
    pub credential: String,
}

/// Enroll a host with an enrollment secret; answers its host credential.
#[utoipa::path(
    post,
    path = "/enroll",
    request_body = EnrollRequest,
    responses(
        (status = 201, description = "Enrolled", body = EnrollResponse),
        (status = 401, description = "Unknown, revoked or expired enrollment secret", body = crate::error::ErrorBody),
    ),
    security(()),
    tag = "reports"
)]
pub async fn enroll(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> ApiResult<Response> {
    let now = Timestamp::now();
    if !state
        .store
        .enrollment_secret_valid(&req.secret, now)
        .await?
    {
        return Err(ApiError::unauthorized(
            "the enrollment secret is unknown, revoked or expired",
        ));
    }
    let host_id = req.host_id.trim();
    if host_id.is_empty() || host_id.len() > 512 {
        return Err(ApiError::bad_request("host_id must be 1–512 characters"));
    }
    let credential = state
        .store
        .create_host_credential(host_id, now, "enrollment")
        .await?;
    let body = EnrollResponse {
        host_id: host_id.to_string(),
        credential,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
