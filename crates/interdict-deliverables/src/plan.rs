//! The plan of action (BOD 17-01 day 60): all fourteen elements. What scan data knows
//! (products, endpoints, methodology, components, removal timeline from the planned
//! findings) is computed; the rest comes from [`PlanDetails`] and is "not yet provided"
//! until someone enters it.

use crate::common::{
    Header, Methodology, ProductCount, affected_hosts, header, methodology, products,
};
use crate::snapshot::{FleetSnapshot, PlanDetails, PlanDetailsSource, State};
use interdict_catalog::Directive;
use jiff::civil::Date;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What a missing manual element says.
pub const NOT_PROVIDED: &str = "not yet provided";

/// One of the fourteen elements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Element {
    /// Its letter, `a` … `n`.
    pub id: &'static str,
    /// Machine name (`agency`, `point-of-contact`, …).
    pub name: &'static str,
    /// Title.
    pub title: &'static str,
    /// `data` (computed from the fleet) or `manual` (entered by people).
    pub source: &'static str,
    /// Whether it has a value (data elements always do).
    pub provided: bool,
    /// The value in words: the entered text, a summary of the data, or "not yet provided".
    pub text: String,
}

/// Affected hosts of one platform and OS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Component {
    /// Platform family.
    pub platform: String,
    /// OS name.
    pub os: String,
    /// Hosts with a present finding.
    pub hosts: usize,
    /// Present findings on them.
    pub findings: usize,
}

/// The removal timeline of one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductTimeline {
    /// Product id.
    pub product: String,
    /// Product name.
    pub name: String,
    /// Open findings without a plan (identified, reappeared).
    pub unplanned: usize,
    /// Planned.
    pub planned: usize,
    /// Removal in progress.
    pub in_progress: usize,
    /// Removed, not yet verified.
    pub removed: usize,
    /// Verified removed.
    pub verified: usize,
    /// Excepted.
    pub excepted: usize,
    /// Earliest planned due date of its open findings.
    pub first_due: Option<Date>,
    /// Latest planned due date of its open findings.
    pub last_due: Option<Date>,
    /// Removal methods planned.
    pub methods: Vec<String>,
}

/// Open findings planned for one due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueCount {
    /// The due date.
    pub due: Date,
    /// Open planned findings due then.
    pub findings: usize,
}

/// The removal timeline (element i).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemovalTimeline {
    /// Per product.
    pub products: Vec<ProductTimeline>,
    /// Open planned findings per due date.
    pub by_due: Vec<DueCount>,
}

/// The plan of action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanOfAction {
    /// The stamp.
    #[serde(flatten)]
    pub header: Header,
    /// Which version of the manual elements was used (`null`: none entered).
    pub plan_details: Option<PlanDetailsSource>,
    /// The fourteen elements, `a` … `n`, in words.
    pub elements: Vec<Element>,
    /// (c, d) Products and endpoints.
    pub products: Vec<ProductCount>,
    /// (d) Distinct hosts with a product.
    pub endpoints: usize,
    /// (e) Identification methodology.
    pub methodology: Methodology,
    /// (f) Components affected, by platform and OS.
    pub components: Vec<Component>,
    /// (i) Removal timeline.
    pub removal_timeline: RemovalTimeline,
}

fn manual(
    id: &'static str,
    name: &'static str,
    title: &'static str,
    value: &Option<String>,
) -> Element {
    let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty());
    Element {
        id,
        name,
        title,
        source: "manual",
        provided: value.is_some(),
        text: value.unwrap_or(NOT_PROVIDED).to_string(),
    }
}

fn data(id: &'static str, name: &'static str, title: &'static str, text: String) -> Element {
    Element {
        id,
        name,
        title,
        source: "data",
        provided: true,
        text,
    }
}

fn components(s: &FleetSnapshot) -> Vec<Component> {
    let mut out: BTreeMap<(&str, &str), Component> = BTreeMap::new();
    for h in &s.hosts {
        let present = h.findings.iter().filter(|f| f.state.is_present()).count();
        if present == 0 {
            continue;
        }
        let c = out
            .entry((h.platform.as_str(), h.os.as_str()))
            .or_insert_with(|| Component {
                platform: h.platform.clone(),
                os: h.os.clone(),
                hosts: 0,
                findings: 0,
            });
        c.hosts += 1;
        c.findings += present;
    }
    out.into_values().collect()
}

fn timeline(s: &FleetSnapshot) -> RemovalTimeline {
    let mut products: BTreeMap<&str, (ProductTimeline, BTreeSet<String>)> = BTreeMap::new();
    let mut by_due: BTreeMap<Date, usize> = BTreeMap::new();
    for f in s.hosts.iter().flat_map(|h| &h.findings) {
        let (p, methods) = products.entry(f.product.as_str()).or_insert_with(|| {
            let p = ProductTimeline {
                product: f.product.clone(),
                name: f.product_name.clone(),
                unplanned: 0,
                planned: 0,
                in_progress: 0,
                removed: 0,
                verified: 0,
                excepted: 0,
                first_due: None,
                last_due: None,
                methods: Vec::new(),
            };
            (p, BTreeSet::new())
        });
        match f.state {
            State::Identified | State::Reappeared => p.unplanned += 1,
            State::Planned => p.planned += 1,
            State::RemovalInProgress => p.in_progress += 1,
            State::Removed => p.removed += 1,
            State::Verified => p.verified += 1,
            State::Excepted => p.excepted += 1,
        }
        if let (Some(plan), true) = (&f.plan, f.state.is_open()) {
            p.first_due = Some(p.first_due.map_or(plan.due, |d| d.min(plan.due)));
            p.last_due = Some(p.last_due.map_or(plan.due, |d| d.max(plan.due)));
            methods.insert(plan.method.clone());
            *by_due.entry(plan.due).or_default() += 1;
        }
    }
    RemovalTimeline {
        products: products
            .into_values()
            .map(|(mut p, m)| {
                p.methods = m.into_iter().collect();
                p
            })
            .collect(),
        by_due: by_due
            .into_iter()
            .map(|(due, findings)| DueCount { due, findings })
            .collect(),
    }
}

/// The plan of action of `snapshot` with the manual elements `details`.
pub fn plan_of_action(
    snapshot: &FleetSnapshot,
    directive: &Directive,
    details: &PlanDetails,
    source: Option<&PlanDetailsSource>,
) -> PlanOfAction {
    let products = products(snapshot);
    let methodology = methodology(snapshot);
    let components = components(snapshot);
    let removal_timeline = timeline(snapshot);
    let endpoints = affected_hosts(snapshot);
    let d = details;
    let product_text = if products.is_empty() {
        "none found".to_string()
    } else {
        let names: Vec<String> = products
            .iter()
            .map(|p| format!("{} ({})", p.name, p.product))
            .collect();
        names.join("; ")
    };
    let endpoint_text = {
        let per: Vec<String> = products
            .iter()
            .map(|p| format!("{}: {}", p.product, p.endpoints))
            .collect();
        format!(
            "{endpoints} hosts affected; per product: {}",
            per.join(", ")
        )
    };
    let component_text = {
        let per: Vec<String> = components
            .iter()
            .map(|c| format!("{} hosts on {}", c.hosts, display_os(c)))
            .collect();
        let mut t = if per.is_empty() {
            "no host affected".to_string()
        } else {
            per.join("; ")
        };
        if let Some(note) = d
            .system_components
            .as_deref()
            .filter(|n| !n.trim().is_empty())
        {
            t = format!("{t}. {}", note.trim());
        }
        t
    };
    let timeline_text = {
        let t = &removal_timeline;
        let unplanned: usize = t.products.iter().map(|p| p.unplanned).sum();
        let planned: usize = t.products.iter().map(|p| p.planned + p.in_progress).sum();
        let span = match (t.by_due.first(), t.by_due.last()) {
            (Some(a), Some(b)) => format!(", due {} to {}", a.due, b.due),
            _ => String::new(),
        };
        format!("{planned} findings planned or in progress{span}; {unplanned} without a plan")
    };
    let elements = vec![
        manual("a", "agency", "Agency name", &d.agency),
        manual(
            "b",
            "point-of-contact",
            "Agency point of contact",
            &d.point_of_contact,
        ),
        data("c", "products", "Products identified", product_text),
        data(
            "d",
            "endpoints",
            "Number of endpoints affected",
            endpoint_text,
        ),
        data(
            "e",
            "methodology",
            "Identification methodologies",
            methodology.summary.clone(),
        ),
        data(
            "f",
            "components",
            "Information-system components affected",
            component_text,
        ),
        manual(
            "g",
            "mission-functions",
            "Mission functions affected",
            &d.mission_functions,
        ),
        manual(
            "h",
            "contracts",
            "Contracts, service-level and other agreements with the vendor",
            &d.contracts,
        ),
        data("i", "removal-timeline", "Removal timeline", timeline_text),
        manual(
            "j",
            "fisma-controls",
            "FISMA security controls affected",
            &d.fisma_controls,
        ),
        manual(
            "k",
            "replacement-products",
            "Replacement products",
            &d.replacement_products,
        ),
        manual(
            "l",
            "replacement-timeline",
            "Timeline for replacement",
            &d.replacement_timeline,
        ),
        manual("m", "obstacles", "Challenges or obstacles", &d.obstacles),
        manual("n", "costs", "Associated costs", &d.costs),
    ];
    PlanOfAction {
        header: header(snapshot, directive, "plan"),
        plan_details: source.cloned(),
        elements,
        products,
        endpoints,
        methodology,
        components,
        removal_timeline,
    }
}

/// An OS name for text, with the platform when the name is empty.
pub(crate) fn display_os(c: &Component) -> String {
    match (c.os.is_empty(), c.platform.is_empty()) {
        (false, _) => c.os.clone(),
        (true, false) => c.platform.clone(),
        (true, true) => "an unknown OS".to_string(),
    }
}
