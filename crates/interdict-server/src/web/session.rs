//! Dashboard sessions: login (argon2 through the store, throttled per user name),
//! logout, the session cookie, and the checks every form passes (a same-origin request
//! carrying the session's synchronizer token).

use crate::AppState;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use interdict_store::{Role, Session};
use jiff::{SignedDuration, Timestamp};

/// The session cookie's name.
pub const COOKIE: &str = "interdict_session";
/// How long a session lasts.
pub const SESSION_TTL: SignedDuration = SignedDuration::from_hours(12);
/// Failed logins of one user name that lock it for [`LOCKOUT`].
pub const MAX_FAILURES: i64 = 5;
/// The window failures are counted over, and how long the lock lasts.
pub const LOCKOUT: SignedDuration = SignedDuration::from_mins(15);

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The `Set-Cookie` value of a session (`Secure` when served over TLS).
pub fn session_cookie(token: &str, secure: bool, max_age: i64) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// A logged-in dashboard user (redirects to the login page when there is none).
#[derive(Debug, Clone)]
pub struct WebUser {
    /// The session.
    pub session: Session,
}

impl WebUser {
    /// Whether the user may change findings and exceptions (admin, analyst).
    pub fn can_write(&self) -> bool {
        matches!(self.session.user.role, Role::Admin | Role::Analyst)
    }

    /// The actor recorded with changes.
    pub fn actor(&self) -> String {
        format!("user:{}", self.session.user.name)
    }
}

/// The rejection of pages without a session: to the login page.
pub struct ToLogin;

impl IntoResponse for ToLogin {
    fn into_response(self) -> Response {
        Redirect::to("/login").into_response()
    }
}

async fn session_of(parts: &Parts, state: &AppState) -> Option<Session> {
    let token = cookie(&parts.headers, COOKIE)?;
    state
        .store
        .session(token, Timestamp::now())
        .await
        .ok()
        .flatten()
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = ToLogin;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ToLogin> {
        session_of(parts, state)
            .await
            .map(|session| WebUser { session })
            .ok_or(ToLogin)
    }
}

impl OptionalFromRequestParts<AppState> for WebUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(session_of(parts, state)
            .await
            .map(|session| WebUser { session }))
    }
}

/// Compares two secrets in time independent of where they differ (written by hand: a
/// three-line fold does not need a crate).
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A refused form submission: 403 with the reason.
#[derive(Debug, Clone, Copy)]
pub struct Refused(pub &'static str);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (StatusCode::FORBIDDEN, self.0).into_response()
    }
}

/// A form submission's checks: the request is same-origin (its `Origin`, when sent,
/// names this host) and carries the session's CSRF token; 403 otherwise.
pub fn check_form(headers: &HeaderMap, user: Option<&WebUser>, csrf: &str) -> Result<(), Refused> {
    let refuse = Refused;
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        let origin_host = origin.split("://").nth(1).unwrap_or(origin);
        if origin != "null" && origin_host != host {
            return Err(refuse("cross-origin form submissions are refused"));
        }
    }
    if let Some(user) = user
        && !same_secret(csrf, &user.session.csrf)
    {
        return Err(refuse(
            "the form's CSRF token is missing or wrong; reload the page and try again",
        ));
    }
    Ok(())
}
