//! Who is calling: `Authorization: Bearer TOKEN` resolved to an API token (with its
//! role) or a host credential, and the extractors that enforce a role on every route.
//!
//! | extractor | admin | analyst | auditor | host credential | none |
//! |---|---|---|---|---|---|
//! | [`Reader`] | yes | yes | yes | 403 | 401 |
//! | [`Writer`] | yes | yes | 403 | 403 | 401 |
//! | [`Admin`] | yes | 403 | 403 | 403 | 401 |
//! | [`Ingester`] | yes | yes | 403 | yes (its own host only) | 401 |
//! | [`Authenticated`] | yes | yes | yes | yes | 401 |

use crate::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use interdict_store::Role;

/// A caller the server recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An API token, acting with its role.
    Token {
        /// The token's label.
        name: String,
        /// Its role.
        role: Role,
    },
    /// A host credential: may only send that host's reports.
    Host {
        /// The enrolled host id.
        host_id: String,
    },
}

impl Principal {
    /// The name recorded as the actor of changes (`token:NAME`, `host:ID`).
    pub fn actor(&self) -> String {
        match self {
            Principal::Token { name, .. } => format!("token:{name}"),
            Principal::Host { host_id } => format!("host:{host_id}"),
        }
    }

    /// The role, for tokens.
    pub fn role(&self) -> Option<Role> {
        match self {
            Principal::Token { role, .. } => Some(*role),
            Principal::Host { .. } => None,
        }
    }
}

/// The bearer token of a request, when it has one.
pub(crate) fn bearer(parts: &Parts) -> Result<Option<&str>, ApiError> {
    let Some(value) = parts.headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not valid text"))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err(ApiError::unauthorized(
            "the Authorization header must be `Bearer TOKEN`",
        )),
    }
}

/// Resolves the request's credential (401 when missing or unknown).
async fn principal(parts: &Parts, state: &AppState) -> Result<Principal, ApiError> {
    let Some(secret) = bearer(parts)? else {
        return Err(ApiError::unauthorized(
            "authentication required: send `Authorization: Bearer TOKEN`",
        ));
    };
    if let Some(token) = state.store.token_by_secret(secret).await?
        && token.revoked.is_none()
    {
        return Ok(Principal::Token {
            name: token.name,
            role: token.role,
        });
    }
    if let Some(host_id) = state.store.host_by_credential(secret).await? {
        return Ok(Principal::Host { host_id });
    }
    Err(ApiError::unauthorized(
        "the bearer credential is not a valid API token or host credential",
    ))
}

/// Checks that `p` holds one of `roles` (403 otherwise).
fn require(p: &Principal, roles: &[Role], what: &str) -> Result<(), ApiError> {
    match p.role() {
        Some(r) if roles.contains(&r) => Ok(()),
        Some(r) => Err(ApiError::forbidden(format!(
            "the {} role may not {what}",
            r.as_str()
        ))),
        None => Err(ApiError::forbidden(format!(
            "a host credential may only send its host's reports, not {what}"
        ))),
    }
}

macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, [$($role:expr),*], $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Principal);

        impl FromRequestParts<AppState> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, Self::Rejection> {
                let p = principal(parts, state).await?;
                require(&p, &[$($role),*], $what)?;
                Ok($name(p))
            }
        }
    };
}

role_extractor!(
    /// Any user role (admin, analyst, auditor): reads.
    Reader,
    [Role::Admin, Role::Analyst, Role::Auditor],
    "read fleet data"
);
role_extractor!(
    /// Admin or analyst: lifecycle changes (plans, exceptions).
    Writer,
    [Role::Admin, Role::Analyst],
    "change findings or exceptions"
);
role_extractor!(
    /// Admin only: directive activation, token and enrollment management.
    Admin,
    [Role::Admin],
    "administer the server"
);

/// Admin, analyst, or a host credential (for its own host's reports): report ingest.
#[derive(Debug, Clone)]
pub struct Ingester(pub Principal);

impl FromRequestParts<AppState> for Ingester {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let p = principal(parts, state).await?;
        if let Principal::Token { .. } = p {
            require(&p, &[Role::Admin, Role::Analyst], "send reports")?;
        }
        Ok(Ingester(p))
    }
}

/// Any valid credential, whatever its role (an API token or a host credential): `/whoami`.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        principal(parts, state).await.map(Authenticated)
    }
}
