//! The web dashboard at `/`: server-rendered HTML (askama templates), server-drawn SVG
//! charts, one stylesheet served from the binary, no script and no outside asset, so it
//! works air-gapped and prints. Login with a user name and password (argon2, via the
//! store), a session cookie (`HttpOnly`, `SameSite=Strict`, `Secure` under TLS), a
//! synchronizer CSRF token and a same-origin check on every form, login throttling
//! ([`session::MAX_FAILURES`] per user name per [`session::LOCKOUT`]); auditors see no
//! forms and their submissions are refused.

pub mod charts;
pub mod deliverables;
mod lists;
mod pages;
pub mod session;

use crate::AppState;
use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::Timestamp;
use serde::Deserialize;
use session::{WebUser, check_form};

/// The dashboard's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::overview))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/directives/{id}", get(pages::directive))
        .route("/directives/{id}/reports/{kind}", get(deliverables::report))
        .route(
            "/directives/{id}/plan-details",
            post(deliverables::save_plan),
        )
        .route("/hosts", get(lists::hosts))
        .route("/hosts/{id}", get(lists::host))
        .route("/hosts/{id}/plan", get(lists::host_plan))
        .route("/findings", get(lists::findings))
        .route("/findings/plan", post(lists::plan))
        .route("/findings/exception", post(lists::exception))
        .route("/audit", get(lists::audit))
        .route("/static/app.css", get(stylesheet))
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

/// What the layout shows of the user.
#[derive(Debug, Clone)]
pub struct UserView {
    /// User name.
    pub name: String,
    /// Role name.
    pub role: &'static str,
    /// The session's CSRF token (for the logout form).
    pub csrf: String,
}

impl From<&WebUser> for UserView {
    fn from(u: &WebUser) -> UserView {
        UserView {
            name: u.session.user.name.clone(),
            role: u.session.user.role.as_str(),
            csrf: u.session.csrf.clone(),
        }
    }
}

/// A page rendered, or a plain 500 naming the template error.
pub(crate) fn render(t: &impl askama::Template) -> Response {
    match t.render() {
        Ok(html) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("template error: {e}"),
            )
                .into_response()
        }
    }
}

/// A store error as a page.
pub(crate) fn failure(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "dashboard");
    (StatusCode::INTERNAL_SERVER_ERROR, format!("error: {e}")).into_response()
}

#[derive(askama::Template)]
#[template(path = "login.html")]
struct LoginPage {
    user: Option<UserView>,
    nav: &'static str,
    error: Option<String>,
    name: String,
}

async fn login_page(user: Option<WebUser>) -> Response {
    if user.is_some() {
        return Redirect::to("/").into_response();
    }
    render(&LoginPage {
        user: None,
        nav: "",
        error: None,
        name: String::new(),
    })
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    if let Err(refused) = check_form(&headers, None, "") {
        return refused.into_response();
    }
    let now = Timestamp::now();
    let page = |status: StatusCode, error: &str| {
        let mut r = render(&LoginPage {
            user: None,
            nav: "",
            error: Some(error.to_string()),
            name: f.name.clone(),
        });
        *r.status_mut() = status;
        r
    };
    let since = now.saturating_sub(session::LOCKOUT).unwrap_or(now);
    match state.store.login_failures(&f.name, since).await {
        Ok(n) if n >= session::MAX_FAILURES => {
            return page(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many failed logins for this user; try again in 15 minutes.",
            );
        }
        Ok(_) => {}
        Err(e) => return failure(e),
    }
    let user = match state.store.authenticate_user(&f.name, &f.password).await {
        Ok(u) => u,
        Err(e) => return failure(e),
    };
    let Some(user) = user else {
        if let Err(e) = state.store.record_login_failure(&f.name, now).await {
            return failure(e);
        }
        return page(StatusCode::UNAUTHORIZED, "Wrong user name or password.");
    };
    let _ = state.store.clear_login_failures(&f.name).await;
    match state
        .store
        .create_session(&user, now, session::SESSION_TTL)
        .await
    {
        Ok((token, _)) => {
            let cookie = session::session_cookie(
                &token,
                state.secure_cookies,
                session::SESSION_TTL.as_secs(),
            );
            let mut r = Redirect::to("/").into_response();
            r.headers_mut().insert(header::SET_COOKIE, cookie);
            r
        }
        Err(e) => failure(e),
    }
}

/// A form carrying only the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(refused) = check_form(&headers, Some(&user), &f.csrf) {
        return refused.into_response();
    }
    if let Some(token) = session::cookie(&headers, session::COOKIE) {
        let _ = state.store.delete_session(token).await;
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        session::session_cookie("", state.secure_cookies, 0),
    );
    r
}
