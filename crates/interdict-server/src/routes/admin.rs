//! The audit log, tokens, enrollment secrets, the caller's identity and health.

use super::{ApiJson, ApiQuery, PageParams};
use crate::AppState;
use crate::auth::{Admin, Authenticated, Principal, Reader};
use crate::error::ApiResult;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use interdict_store::{ApiToken, AuditEntry, AuditVerification, Page, Role};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The audit log, oldest first.
#[utoipa::path(get, path = "/audit", params(PageParams),
    responses((status = 200, description = "A page of entries", body = Page<AuditEntry>)), tag = "audit")]
pub async fn audit(
    State(state): State<AppState>,
    _who: Reader,
    ApiQuery(p): ApiQuery<PageParams>,
) -> ApiResult<Json<Page<AuditEntry>>> {
    Ok(Json(
        state
            .store
            .audit_entries(p.cursor.as_deref(), p.limit())
            .await?,
    ))
}

/// Verify the audit chain; names the first broken link.
#[utoipa::path(get, path = "/audit/verify",
    responses((status = 200, description = "The verification", body = AuditVerification)), tag = "audit")]
pub async fn audit_verify(
    State(state): State<AppState>,
    _who: Reader,
) -> ApiResult<Json<AuditVerification>> {
    Ok(Json(state.store.verify_audit().await?))
}

/// API tokens (never their secrets).
#[utoipa::path(get, path = "/tokens",
    responses((status = 200, description = "Tokens", body = Page<ApiToken>)), tag = "admin")]
pub async fn tokens(State(state): State<AppState>, _who: Admin) -> ApiResult<Json<Page<ApiToken>>> {
    let items = state.store.tokens().await?;
    Ok(Json(Page { items, next: None }))
}

/// A new API token.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// A label.
    pub name: String,
    /// The role it acts with.
    pub role: Role,
}

/// A secret shown once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SecretResponse {
    /// The secret: keep it, the server stores only its hash.
    pub secret: String,
}

/// Create an API token; the answer is the only time it is shown.
#[utoipa::path(post, path = "/tokens", request_body = TokenRequest,
    responses((status = 201, description = "Created", body = SecretResponse),
              (status = 422, description = "Body is not a token request", body = crate::error::ErrorBody)),
    tag = "admin")]
pub async fn create_token(
    State(state): State<AppState>,
    Admin(who): Admin,
    ApiJson(req): ApiJson<TokenRequest>,
) -> ApiResult<(StatusCode, Json<SecretResponse>)> {
    let (_, secret) = state
        .store
        .create_token(&req.name, req.role, Timestamp::now(), &who.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(SecretResponse { secret })))
}

/// Create an enrollment secret (hosts enroll with it at `/enroll`).
#[utoipa::path(post, path = "/enrollment-secrets",
    responses((status = 201, description = "Created", body = SecretResponse)), tag = "admin")]
pub async fn create_enrollment_secret(
    State(state): State<AppState>,
    Admin(who): Admin,
) -> ApiResult<(StatusCode, Json<SecretResponse>)> {
    let secret = state
        .store
        .create_enrollment_secret(None, Timestamp::now(), &who.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(SecretResponse { secret })))
}

/// Who the caller is.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WhoAmI {
    /// `token` or `host`.
    pub kind: String,
    /// The actor name recorded with changes.
    pub actor: String,
    /// The role, for tokens.
    pub role: Option<Role>,
    /// The host id, for host credentials.
    pub host_id: Option<String>,
}

/// The caller's identity (any valid credential).
#[utoipa::path(get, path = "/whoami",
    responses((status = 200, description = "The caller", body = WhoAmI)), tag = "admin")]
pub async fn whoami(Authenticated(who): Authenticated) -> Json<WhoAmI> {
    let (kind, host_id) = match &who {
        Principal::Token { .. } => ("token", None),
        Principal::Host { host_id } => ("host", Some(host_id.clone())),
    };
    Json(WhoAmI {
        kind: kind.into(),
        actor: who.actor(),
        role: who.role(),
        host_id,
    })
}

/// Liveness and the database backend.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// The catalog digest the server evaluates with.
    pub catalog_digest: String,
}

/// Liveness: answers once the database answers (no credential needed).
#[utoipa::path(get, path = "/health",
    responses((status = 200, description = "Healthy", body = Health)), security(()), tag = "admin")]
pub async fn health(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    state.store.setting(interdict_store::CATALOG_DIGEST).await?;
    Ok(Json(Health {
        status: "ok".into(),
        backend: state.store.backend().into(),
        catalog_digest: state.evaluator.digest().to_string(),
    }))
}
