//! The deliverables in the dashboard: the three reports of a directive (HTML to read and
//! print, PDF, CSV, JSON; the same documents as the API's) and the form that saves the plan
//! of action's manual elements (same origin, CSRF, analysts and admins only).

use super::session::{Refused, WebUser, check_form};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use interdict_deliverables::PlanDetails;
use jiff::Timestamp;
use serde::Deserialize;

/// The manual elements: (form field, label), in the plan's order.
pub(crate) const FIELDS: [(&str, &str); 10] = [
    ("agency", "(a) Agency name"),
    ("point_of_contact", "(b) Point of contact"),
    (
        "system_components",
        "(f) Notes on the system components affected",
    ),
    ("mission_functions", "(g) Mission functions affected"),
    ("contracts", "(h) Contracts and agreements with the vendor"),
    ("fisma_controls", "(j) FISMA security controls affected"),
    ("replacement_products", "(k) Replacement products"),
    ("replacement_timeline", "(l) Timeline for replacement"),
    ("obstacles", "(m) Challenges or obstacles"),
    ("costs", "(n) Associated costs"),
];

/// The reports linked from the directive page: (kind, title).
pub(crate) const REPORTS: [(&str, &str); 3] = [
    ("identification", "Identification report (T+30)"),
    ("plan", "Plan of action (T+60)"),
    ("status", "Status report (T+90, every 30 days)"),
];

/// `?as_of=DATE&format=html|pdf|csv|json`.
#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    as_of: Option<String>,
    format: Option<String>,
}

/// A deliverable, HTML by default.
pub async fn report(
    State(state): State<AppState>,
    _user: WebUser,
    Path((id, kind)): Path<(String, String)>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let format = q.format.as_deref().unwrap_or("html");
    match crate::routes::deliverables::respond(&state, &id, &kind, q.as_of.as_deref(), Some(format))
        .await
    {
        Ok(r) => r,
        Err(e) => (e.status, e.message).into_response(),
    }
}

fn back(id: &str, message: &str) -> Response {
    let m: String = form_urlencoded::byte_serialize(message.as_bytes()).collect();
    Redirect::to(&format!("/directives/{id}?message={m}#plan-details")).into_response()
}

/// Saves the plan details form as a new version.
pub async fn save_plan(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let fields: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    if let Err(r) = check_form(&headers, Some(&user), get("csrf")) {
        return r.into_response();
    }
    if !user.can_write() {
        return Refused("the auditor role is read-only: it cannot change the plan details")
            .into_response();
    }
    if state.catalog.directive(&id).is_none() {
        return (
            StatusCode::NOT_FOUND,
            format!("directive {id:?} is not in the catalog"),
        )
            .into_response();
    }
    let mut object = serde_json::Map::new();
    for (name, _) in FIELDS {
        let v = get(name).trim();
        if !v.is_empty() {
            object.insert(name.to_string(), serde_json::Value::String(v.to_string()));
        }
    }
    let value = serde_json::Value::Object(object);
    if let Err(e) = PlanDetails::from_json(&value.to_string(), "the form") {
        return back(&id, &format!("Nothing was saved: {e}"));
    }
    match state
        .store
        .save_plan_details(&id, &value, Timestamp::now(), &user.actor())
        .await
    {
        Ok(v) => back(
            &id,
            &format!("Plan details saved as version {}.", v.version),
        ),
        Err(e) => back(&id, &format!("Nothing was saved: {e}")),
    }
}
