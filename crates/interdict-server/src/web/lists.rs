//! Hosts, a host's page, findings with bulk planning and exceptions, the audit log.

use super::session::{Refused, WebUser, check_form};
use super::{UserView, failure, render};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use interdict_findings::Evidence;
use interdict_store::{
    AuditEntry, FindingFilter, FindingRecord, FindingState, HostFilter, HostRecord, Plan,
    ProductEndpoints, ScanRecord,
};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

/// Every finding state's name, for filters.
fn state_names() -> Vec<&'static str> {
    FindingState::ALL.iter().map(|s| s.as_str()).collect()
}

/// Percent-encodes a query value.
fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Filters of the hosts page.
#[derive(Debug, Default, Deserialize)]
pub struct HostQuery {
    #[serde(default)]
    search: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    os: String,
    #[serde(default)]
    stale: String,
    #[serde(default)]
    gaps: String,
    cursor: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "hosts.html")]
struct HostsPage {
    user: Option<UserView>,
    nav: &'static str,
    search: String,
    state: String,
    os: String,
    stale: String,
    gaps: bool,
    states: Vec<&'static str>,
    count: i64,
    hosts: Vec<HostRecord>,
    next: Option<String>,
}

/// The hosts list.
pub async fn hosts(
    State(state): State<AppState>,
    user: WebUser,
    Query(q): Query<HostQuery>,
) -> Response {
    let now = Timestamp::now();
    let stale_days: Option<i64> = q.stale.parse().ok();
    let filter = HostFilter {
        search: Some(q.search.clone()).filter(|s| !s.is_empty()),
        state: FindingState::parse(&q.state),
        os: Some(q.os.clone()).filter(|s| !s.is_empty()),
        seen_since: None,
        seen_before: stale_days
            .and_then(|d| now.saturating_sub(SignedDuration::from_hours(24 * d)).ok()),
    };
    let gaps = q.gaps == "1";
    let (count, page) = match tokio::try_join!(
        state.store.host_count(&filter),
        state.store.hosts(&filter, q.cursor.as_deref(), 200)
    ) {
        Ok(x) => x,
        Err(e) => return failure(e),
    };
    let next = page.next.map(|c| {
        format!(
            "/hosts?search={}&state={}&os={}&stale={}&gaps={}&cursor={}",
            enc(&q.search),
            enc(&q.state),
            enc(&q.os),
            enc(&q.stale),
            enc(&q.gaps),
            enc(&c)
        )
    });
    let hosts = page
        .items
        .into_iter()
        .filter(|h| !gaps || !h.coverage.failed.is_empty())
        .collect();
    render(&HostsPage {
        user: Some((&user).into()),
        nav: "hosts",
        search: q.search,
        state: q.state,
        os: q.os,
        stale: q.stale,
        gaps,
        states: state_names(),
        count,
        hosts,
        next,
    })
}

/// A finding with its evidence, for the host page.
pub struct FindingView {
    record: FindingRecord,
    evidence: Vec<Evidence>,
}

#[derive(askama::Template)]
#[template(path = "host.html")]
struct HostPage {
    user: Option<UserView>,
    nav: &'static str,
    host: HostRecord,
    findings: Vec<FindingView>,
    errors: Vec<String>,
    scans: Vec<ScanRecord>,
}

/// The `errors` of a stored report document, each as one line.
fn report_errors(doc: &[u8]) -> Vec<String> {
    #[derive(Deserialize)]
    struct Errors {
        #[serde(default)]
        errors: Vec<serde_json::Value>,
    }
    serde_json::from_slice::<Errors>(doc)
        .map(|e| {
            e.errors
                .iter()
                .map(|e| {
                    format!(
                        "[{}] {}: {}",
                        e["collector"].as_str().unwrap_or("?"),
                        e["location"].as_str().unwrap_or(""),
                        e["message"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A host: findings with evidence, the last scan's errors, scan history.
pub async fn host(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    let store = &state.store;
    let host = match store.host(&id).await {
        Ok(Some(h)) => h,
        Ok(None) => {
            return (StatusCode::NOT_FOUND, format!("host {id:?} not found")).into_response();
        }
        Err(e) => return failure(e),
    };
    let filter = FindingFilter {
        host: Some(id.clone()),
        ..FindingFilter::default()
    };
    let records = match store.findings(&filter, None, None, 1000).await {
        Ok(p) => p.items,
        Err(e) => return failure(e),
    };
    let mut findings = Vec::new();
    for record in records {
        match store.finding_evidence(&record.id).await {
            Ok(evidence) => findings.push(FindingView { record, evidence }),
            Err(e) => return failure(e),
        }
    }
    let errors = match store.report_document(&host.last_report).await {
        Ok(Some(doc)) => report_errors(&doc),
        Ok(None) => Vec::new(),
        Err(e) => return failure(e),
    };
    let scans = match store.scans(&id, None, 20).await {
        Ok(p) => p.items,
        Err(e) => return failure(e),
    };
    render(&HostPage {
        user: Some((&user).into()),
        nav: "hosts",
        host,
        findings,
        errors,
        scans,
    })
}

/// The format of a removal-plan download.
#[derive(Debug, Deserialize)]
pub struct PlanQuery {
    #[serde(default = "text_format")]
    format: String,
}

fn text_format() -> String {
    "text".into()
}

/// `/hosts/{id}/plan?format=text|sh|ps1|json`: the host's removal plan, scripts as
/// downloads (the server builds it as the API does and never runs it).
pub async fn host_plan(
    State(state): State<AppState>,
    _user: WebUser,
    Path(id): Path<String>,
    Query(q): Query<PlanQuery>,
) -> Response {
    match crate::routes::plan::render_host_plan(&state, &id, &q.format).await {
        Ok((text, media, file)) => {
            let disposition = if matches!(q.format.as_str(), "sh" | "ps1") {
                format!("attachment; filename=\"{file}\"")
            } else {
                "inline".to_string()
            };
            (
                [
                    (axum::http::header::CONTENT_TYPE, media.to_string()),
                    (axum::http::header::CONTENT_DISPOSITION, disposition),
                ],
                text,
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// Filters of the findings page.
#[derive(Debug, Default, Deserialize)]
pub struct FindingQuery {
    #[serde(default)]
    product: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    directive: String,
    cursor: Option<String>,
    message: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "findings.html")]
struct FindingsPage {
    user: Option<UserView>,
    nav: &'static str,
    csrf: String,
    can_write: bool,
    message: Option<String>,
    product: String,
    state: String,
    directive: String,
    states: Vec<&'static str>,
    products: Vec<ProductEndpoints>,
    findings: Vec<FindingRecord>,
    next: Option<String>,
}

/// Findings by product, a filtered list, bulk planning and exceptions.
pub async fn findings(
    State(state): State<AppState>,
    user: WebUser,
    Query(q): Query<FindingQuery>,
) -> Response {
    let store = &state.store;
    if let Err(e) = store.expire_exceptions(Timestamp::now(), "system").await {
        return failure(e);
    }
    let directive = Some(q.directive.clone()).filter(|d| !d.is_empty());
    let filter = FindingFilter {
        directive: directive.clone(),
        product: Some(q.product.clone()).filter(|p| !p.is_empty()),
        state: FindingState::parse(&q.state),
        host: None,
    };
    let (products, page) = match tokio::try_join!(
        store.products(directive.as_deref(), None, 1000),
        store.findings(&filter, None, q.cursor.as_deref(), 200)
    ) {
        Ok(x) => x,
        Err(e) => return failure(e),
    };
    let next = page.next.map(|c| {
        format!(
            "/findings?product={}&state={}&directive={}&cursor={}",
            enc(&q.product),
            enc(&q.state),
            enc(&q.directive),
            enc(&c)
        )
    });
    render(&FindingsPage {
        csrf: user.session.csrf.clone(),
        can_write: user.can_write(),
        user: Some((&user).into()),
        nav: "findings",
        message: q.message,
        product: q.product,
        state: q.state,
        directive: q.directive,
        states: state_names(),
        products: products.items,
        findings: page.items,
        next,
    })
}

/// The form's fields (`ids` may repeat).
fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Back to the findings page with a message.
fn back(message: &str) -> Response {
    Redirect::to(&format!("/findings?message={}", enc(message))).into_response()
}

/// Checks a dashboard form: same origin, CSRF token, a role that may write.
fn writable(
    headers: &HeaderMap,
    user: &WebUser,
    fields: &[(String, String)],
) -> Result<(), Refused> {
    check_form(headers, Some(user), field(fields, "csrf"))?;
    if !user.can_write() {
        return Err(Refused(
            "the auditor role is read-only: it cannot change findings or exceptions",
        ));
    }
    Ok(())
}

/// Bulk plan from the findings page.
pub async fn plan(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = form_fields(&body);
    if let Err(r) = writable(&headers, &user, &fields) {
        return r.into_response();
    }
    let ids: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "ids")
        .map(|(_, v)| v.clone())
        .collect();
    if ids.is_empty() {
        return back("Select at least one finding to plan.");
    }
    let Ok(due) = field(&fields, "due").parse() else {
        return back("The due date is not a date (YYYY-MM-DD).");
    };
    let plan = Plan {
        owner: field(&fields, "owner").trim().to_string(),
        due,
        removal_method: field(&fields, "removal_method").trim().to_string(),
    };
    match state
        .store
        .plan_findings(
            &ids,
            &plan,
            Timestamp::now(),
            &user.actor(),
            "planned in the dashboard",
        )
        .await
    {
        Ok(n) => back(&format!("{n} finding(s) planned.")),
        Err(e) => back(&format!("Nothing was planned: {e}")),
    }
}

/// An exception from the findings page.
pub async fn exception(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = form_fields(&body);
    if let Err(r) = writable(&headers, &user, &fields) {
        return r.into_response();
    }
    let now = Timestamp::now();
    let expires = match crate::routes::parse_instant(field(&fields, "expires"), "expires") {
        Ok(t) if t > now => t,
        Ok(_) => return back("The expiry must be in the future."),
        Err(e) => return back(&e.message),
    };
    match state
        .store
        .grant_exception(
            field(&fields, "finding"),
            field(&fields, "justification"),
            field(&fields, "approver"),
            expires,
            now,
            &user.actor(),
        )
        .await
    {
        Ok(e) => back(&format!("Exception granted until {}.", e.expires)),
        Err(e) => back(&format!("No exception was granted: {e}")),
    }
}

#[derive(askama::Template)]
#[template(path = "audit.html")]
struct AuditPage {
    user: Option<UserView>,
    nav: &'static str,
    intact: bool,
    entries: i64,
    broken_seq: i64,
    broken_problem: String,
    items: Vec<AuditEntry>,
    next: Option<String>,
}

/// Paging of the audit page.
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    cursor: Option<String>,
}

/// The audit log with the chain's verification.
pub async fn audit(
    State(state): State<AppState>,
    user: WebUser,
    Query(q): Query<AuditQuery>,
) -> Response {
    let (verification, page) = match tokio::try_join!(
        state.store.verify_audit(),
        state.store.audit_entries(q.cursor.as_deref(), 200)
    ) {
        Ok(x) => x,
        Err(e) => return failure(e),
    };
    let (broken_seq, broken_problem) = verification
        .first_broken
        .clone()
        .map_or((0, String::new()), |b| (b.seq, b.problem));
    render(&AuditPage {
        user: Some((&user).into()),
        nav: "audit",
        intact: verification.intact(),
        entries: verification.entries,
        broken_seq,
        broken_problem,
        items: page.items,
        next: page.next.map(|c| format!("/audit?cursor={}", enc(&c))),
    })
}
