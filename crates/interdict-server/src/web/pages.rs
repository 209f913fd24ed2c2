//! The overview (per activated directive: countdown, milestone status, burn-down; hosts;
//! endpoints per product) and the directive page.

use super::charts::{Marker, bars, burn_down};
use super::session::WebUser;
use super::{UserView, failure, render};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use interdict_store::{FindingState, HostFilter, MilestoneStatus, ProductEndpoints, Store};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp, tz::TimeZone};

/// The next milestone of a directive.
pub struct Next {
    deliverable: String,
    due: Date,
    days_text: String,
    status: &'static str,
}

/// One milestone row.
pub struct MilestoneRow {
    deliverable: String,
    description: String,
    occurrence: u32,
    due: Date,
    status: &'static str,
    detail: String,
}

impl From<&MilestoneStatus> for MilestoneRow {
    fn from(m: &MilestoneStatus) -> MilestoneRow {
        MilestoneRow {
            deliverable: m.deliverable.clone(),
            description: m.description.clone(),
            occurrence: m.occurrence,
            due: m.due,
            status: m.status.as_str(),
            detail: m.detail.clone(),
        }
    }
}

/// One activated directive on the overview.
pub struct DirectiveView {
    id: String,
    title: String,
    next: Option<Next>,
    affected: i64,
    planned: i64,
    closed: i64,
    excepted: i64,
    burn_down: String,
    milestones: Vec<MilestoneRow>,
}

#[derive(askama::Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    user: Option<UserView>,
    nav: &'static str,
    hosts_total: i64,
    hosts_affected: i64,
    hosts_clean: i64,
    hosts_stale: i64,
    directives: Vec<DirectiveView>,
    products: Vec<ProductEndpoints>,
    products_chart: String,
}

fn today() -> Date {
    Timestamp::now().to_zoned(TimeZone::UTC).date()
}

/// The last instant of `d` (UTC).
fn end_of(d: Date) -> Timestamp {
    d.at(23, 59, 59, 999_000_000)
        .to_zoned(TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or_else(|_| Timestamp::now())
}

fn count(o: &interdict_store::Overview, states: &[FindingState]) -> i64 {
    states
        .iter()
        .map(|s| o.findings.get(s).copied().unwrap_or(0))
        .sum()
}

const OPEN: [FindingState; 4] = [
    FindingState::Identified,
    FindingState::Planned,
    FindingState::RemovalInProgress,
    FindingState::Reappeared,
];

/// Affected endpoints of `directive` at about 20 dates from `start` to `until`.
async fn burn_down_points(
    store: &Store,
    directive: &str,
    start: Date,
    until: Date,
) -> interdict_store::Result<Vec<(Date, i64)>> {
    let days = (until - start).get_days().max(0);
    let step = (days / 20).max(1);
    let mut points = Vec::new();
    let mut d = start;
    loop {
        let o = store.overview(end_of(d), Some(directive)).await?;
        points.push((d, count(&o, &OPEN)));
        if d >= until {
            break;
        }
        d = d
            .checked_add(jiff::Span::new().days(step))
            .unwrap_or(until)
            .min(until);
    }
    Ok(points)
}

/// The overview page.
pub async fn overview(State(state): State<AppState>, user: WebUser) -> Response {
    match overview_page(&state, &user).await {
        Ok(page) => render(&page),
        Err(e) => failure(e),
    }
}

async fn overview_page(state: &AppState, user: &WebUser) -> interdict_store::Result<OverviewPage> {
    let store = &state.store;
    let now = Timestamp::now();
    store.expire_exceptions(now, "system").await?;
    let all = store.overview(now, None).await?;
    let stale_before = now
        .saturating_sub(SignedDuration::from_hours(24 * 7))
        .unwrap_or(now);
    let hosts_stale = store
        .host_count(&HostFilter {
            seen_before: Some(stale_before),
            ..HostFilter::default()
        })
        .await?;
    let milestones = store.milestones(&state.catalog, now).await?;
    let today = today();
    let mut directives = Vec::new();
    for act in store.activations().await? {
        let Some(d) = state.catalog.directive(&act.directive) else {
            continue;
        };
        let mine: Vec<&MilestoneStatus> =
            milestones.iter().filter(|m| m.directive == d.id).collect();
        let next = mine
            .iter()
            .filter(|m| m.due >= today)
            .min_by_key(|m| m.due)
            .map(|m| {
                let days = (m.due - today).get_days();
                Next {
                    deliverable: m.deliverable.clone(),
                    due: m.due,
                    days_text: match days {
                        0 => "due today".into(),
                        1 => "1 day left".into(),
                        n => format!("{n} days left"),
                    },
                    status: m.status.as_str(),
                }
            });
        let o = store.overview(now, Some(&d.id)).await?;
        let last_due = mine.iter().map(|m| m.due).max().unwrap_or(today);
        let until = today.min(last_due.max(act.start));
        let points = burn_down_points(store, &d.id, act.start, until.max(act.start)).await?;
        let markers: Vec<Marker> = mine
            .iter()
            .filter(|m| m.occurrence == 0)
            .map(|m| Marker {
                date: m.due,
                label: format!("T+{} {}", (m.due - act.start).get_days(), m.deliverable),
                class: m.status.as_str().to_string(),
            })
            .collect();
        directives.push(DirectiveView {
            id: d.id.clone(),
            title: d.title.clone(),
            next,
            affected: count(&o, &OPEN),
            planned: count(
                &o,
                &[FindingState::Planned, FindingState::RemovalInProgress],
            ),
            closed: count(&o, &[FindingState::Removed, FindingState::Verified]),
            excepted: count(&o, &[FindingState::Excepted]),
            burn_down: burn_down(&format!("Affected endpoints, {}", d.id), &points, &markers),
            milestones: mine.into_iter().map(MilestoneRow::from).collect(),
        });
    }
    let products = store.products(None, None, 1000).await?.items;
    let mut ranked: Vec<(String, i64)> = products
        .iter()
        .filter(|p| p.open > 0)
        .map(|p| (p.product_name.clone(), p.open))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(15);
    Ok(OverviewPage {
        user: Some(user.into()),
        nav: "overview",
        hosts_total: all.hosts,
        hosts_affected: all.affected_hosts,
        hosts_clean: all.hosts - all.affected_hosts,
        hosts_stale,
        directives,
        products_chart: bars("Affected endpoints per product", &ranked),
        products,
    })
}

#[derive(askama::Template)]
#[template(path = "directive.html")]
struct DirectivePage<'a> {
    user: Option<UserView>,
    nav: &'static str,
    d: &'a interdict_catalog::Directive,
    start: Option<Date>,
    vendors: String,
    products: String,
    distributions: String,
    milestones: Vec<MilestoneRow>,
    /// The deliverables linked: (kind, title).
    reports: &'static [(&'static str, &'static str)],
    /// The plan details form: (field, label, current value).
    plan_fields: Vec<(&'static str, &'static str, String)>,
    /// The current plan details version, if any.
    plan_version: Option<i64>,
    csrf: String,
    can_write: bool,
    message: Option<String>,
}

/// `?message=` after a form.
#[derive(Debug, serde::Deserialize)]
pub struct MessageQuery {
    message: Option<String>,
}

/// A directive: text, scope, exclusions, milestones and their status.
pub async fn directive(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<MessageQuery>,
) -> Response {
    let Some(d) = state.catalog.directive(&id) else {
        return (
            StatusCode::NOT_FOUND,
            format!("directive {id:?} is not in the catalog"),
        )
            .into_response();
    };
    let activation = match state.store.activations().await {
        Ok(a) => a.into_iter().find(|a| a.directive == id),
        Err(e) => return failure(e),
    };
    let milestones = match &activation {
        Some(_) => match state
            .store
            .milestones(&state.catalog, Timestamp::now())
            .await
        {
            Ok(all) => all
                .iter()
                .filter(|m| m.directive == id)
                .map(MilestoneRow::from)
                .collect(),
            Err(e) => return failure(e),
        },
        None => interdict_catalog::schedule(d, d.issued, today())
            .iter()
            .map(|m| MilestoneRow {
                deliverable: m.deliverable.as_str().to_string(),
                description: m.description.clone(),
                occurrence: m.occurrence,
                due: m.due,
                status: "not activated",
                detail: String::new(),
            })
            .collect(),
    };
    let or_none = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    let distributions: Vec<String> = d
        .distributions
        .iter()
        .map(|x| format!("{x:?}").to_lowercase())
        .collect();
    let stored = match state.store.plan_details(&id, None).await {
        Ok(v) => v,
        Err(e) => return failure(e),
    };
    let plan_fields = super::deliverables::FIELDS
        .iter()
        .map(|(name, label)| {
            let value = stored
                .as_ref()
                .and_then(|v| v.details.get(*name))
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string();
            (*name, *label, value)
        })
        .collect();
    render(&DirectivePage {
        reports: &super::deliverables::REPORTS,
        plan_fields,
        plan_version: stored.map(|v| v.version),
        csrf: user.session.csrf.clone(),
        can_write: user.can_write(),
        message: q.message,
        user: Some((&user).into()),
        nav: "",
        d,
        start: activation.map(|a| a.start),
        vendors: or_none(&d.vendors),
        products: or_none(&d.products),
        distributions: or_none(&distributions),
        milestones,
    })
}
