//! The `/api/v1` routes, their shared extractors and the OpenAPI document they make.

mod admin;
pub(crate) mod deliverables;
mod directives;
mod fleet;
mod lifecycle;
pub(crate) mod plan;
mod reports;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use jiff::Timestamp;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi, RefOr, Response, ResponseBuilder};
use utoipa::{IntoParams, Modify, OpenApi as _};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The prefix of every API route.
pub const API_PREFIX: &str = "/api/v1";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "interdict fleet API",
        description = "Report ingest, hosts, findings and their lifecycle, products with \
            endpoint counts, directive milestones, exceptions and the audit log. \
            Authenticate with `Authorization: Bearer TOKEN` (an API token, or a host \
            credential for its own reports). Lists answer `{\"items\": [...], \"next\": CURSOR|null}`; \
            pass `next` back as `cursor`."
    ),
    modifiers(&Security),
    components(schemas(
        ErrorBody,
        deliverables::ReportKindName,
        deliverables::ReportFormatName
    ))
)]
struct ApiDoc;

/// Declares the bearer scheme and makes it the default requirement.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
}

/// The routes and the OpenAPI document describing them (paths under [`API_PREFIX`]).
pub fn api() -> (axum::Router<AppState>, OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(reports::ingest))
        .routes(routes!(reports::report_document))
        .routes(routes!(reports::enroll))
        .routes(routes!(fleet::overview))
        .routes(routes!(fleet::hosts))
        .routes(routes!(fleet::host))
        .routes(routes!(fleet::host_scans))
        .routes(routes!(plan::host_plan))
        .routes(routes!(fleet::findings))
        .routes(routes!(fleet::finding))
        .routes(routes!(fleet::products))
        .routes(routes!(lifecycle::plan))
        .routes(routes!(lifecycle::start_removal))
        .routes(routes!(lifecycle::exceptions, lifecycle::grant_exception))
        .routes(routes!(lifecycle::revoke_exception))
        .routes(routes!(directives::directives))
        .routes(routes!(directives::activate))
        .routes(routes!(directives::milestones))
        .routes(routes!(deliverables::report))
        .routes(routes!(
            deliverables::plan_details,
            deliverables::save_plan_details
        ))
        .routes(routes!(admin::audit))
        .routes(routes!(admin::audit_verify))
        .routes(routes!(admin::tokens, admin::create_token))
        .routes(routes!(admin::create_enrollment_secret))
        .routes(routes!(admin::whoami))
        .routes(routes!(admin::health))
        .split_for_parts();
    // Paths are relative to the API prefix: clients resolve them against this server URL.
    doc.servers = Some(vec![utoipa::openapi::Server::new(API_PREFIX)]);
    add_error_responses(&mut doc);
    (router, doc)
}

/// The OpenAPI document alone.
pub fn openapi() -> OpenApi {
    api().1
}

/// Documents the error answers every operation can give (all share [`ErrorBody`]), so
/// clients and property-based tests know them: 400 malformed parameters, 401 no or bad
/// credential, 403 wrong role, 413 too large, 500/503 server trouble; where a path
/// names a thing, 404; where the body is JSON, 415 and 422.
fn add_error_responses(doc: &mut OpenApi) {
    let error = |text: &str| -> RefOr<Response> {
        ResponseBuilder::new()
            .description(text)
            .content(
                "application/json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .into()
    };
    // Routes without a bearer credential (paths are relative to the server URL,
    // [`API_PREFIX`]); `/enroll` documents its own 401 (a bad enrollment secret).
    let public = ["/health", "/enroll"];
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops = [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.delete.as_mut(),
            item.patch.as_mut(),
        ];
        for op in ops.into_iter().flatten() {
            let r = &mut op.responses.responses;
            let mut add = |code: &str, text: &str| {
                r.entry(code.to_string()).or_insert_with(|| error(text));
            };
            add("400", "Malformed parameters or body");
            if !public.contains(&path.as_str()) {
                add("401", "No credential, or an unknown one");
                add("403", "The credential's role may not do this");
            }
            add("413", "Request body too large");
            // A JSON body (every body but the report's, which is read as bytes).
            if op.request_body.is_some() && path != "/reports" {
                add("415", "The body is not `Content-Type: application/json`");
                add("422", "The body is JSON but not of the documented shape");
            }
            add("500", "Server error");
            add("503", "The database is unavailable");
            if path.contains('{') {
                add("404", "No such thing");
            }
        }
    }
}

/// A query string, rejected with a JSON 400 naming the problem.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| ApiError::bad_request(format!("invalid query: {}", e.body_text())))
    }
}

/// A JSON body, rejected with a JSON error naming the problem (400, 413, 415 or 422).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|j| ApiJson(j.0))
            .map_err(|e| ApiError::new(e.status(), e.body_text()))
    }
}

/// A path parameter, rejected with a JSON 400.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e| ApiError::bad_request(format!("invalid path: {}", e.body_text())))
    }
}

/// Pagination of every list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// The `next` of the previous page.
    pub cursor: Option<String>,
    /// Items per page (1–1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

impl PageParams {
    /// The page size asked for (default 100, within 1–1000).
    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(100).clamp(1, 1000)
    }
}

/// Parses an as-of instant: an RFC 3339 timestamp, or a date (the end of that day, UTC).
pub fn parse_instant(s: &str, what: &str) -> Result<Timestamp, ApiError> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    let date: jiff::civil::Date = s.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "{what}: {s:?} is neither a date (YYYY-MM-DD) nor an RFC 3339 timestamp"
        ))
    })?;
    date.at(23, 59, 59, 999_000_000)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .map_err(|e| ApiError::bad_request(format!("{what}: {e}")))
}

/// An optional as-of parameter, or now.
pub fn instant_or_now(s: Option<&str>, what: &str) -> Result<Timestamp, ApiError> {
    s.map_or_else(|| Ok(Timestamp::now()), |s| parse_instant(s, what))
}
