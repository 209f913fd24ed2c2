//! The input of every deliverable: the fleet as it was on one day, and the plan's manual
//! elements.

use interdict_findings::CatalogStamp;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A host is "not reporting" when its last scan is older than this many days at the
/// as-of date (the status-report period of BOD 17-01).
pub const STALE_DAYS: i64 = 30;

/// A finding's lifecycle state (the vocabulary's, as the store records it).
pub use interdict_findings::FindingState as State;

/// The fleet of one directive as it was at the end of `as_of` (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetSnapshot {
    /// The directive's id.
    pub directive: String,
    /// The day described (its end, UTC).
    pub as_of: Date,
    /// Day 0 of the directive's schedule (its activation, else its issue date).
    pub start: Date,
    /// The catalog the findings were evaluated with.
    pub catalog: CatalogStamp,
    /// Reports received by then.
    pub reports: i64,
    /// Every host known by then (reported or enrolled), by id.
    pub hosts: Vec<HostSnapshot>,
}

/// One known host as of the date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostSnapshot {
    /// Stable identity (`machine-id:…`).
    pub id: String,
    /// Host name.
    pub name: String,
    /// Platform family (`linux`, `windows`, `macos`), empty when unknown.
    pub platform: String,
    /// Human-readable OS name.
    pub os: String,
    /// The last scan received by then: when it finished, `None` for a host enrolled
    /// that never reported.
    pub last_scan: Option<Timestamp>,
    /// That scan's report id.
    pub last_report: Option<String>,
    /// Collectors that scan ran.
    pub collectors_ran: Vec<String>,
    /// Collectors that met errors in it.
    pub collectors_failed: Vec<String>,
    /// The host's findings of the directive that existed by then, by product.
    pub findings: Vec<FindingSnapshot>,
}

/// One finding as of the date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingSnapshot {
    /// Product id.
    pub product: String,
    /// Product name.
    pub product_name: String,
    /// Confidence of its last evaluation (`confirmed`, `probable`, `possible`).
    pub confidence: String,
    /// Its state then.
    pub state: State,
    /// Kinds of item its evidence was found on (`package`, `service`, …).
    pub evidence_kinds: Vec<String>,
    /// The removal plan recorded with that state, if any.
    pub plan: Option<PlannedRemoval>,
    /// The exception that held then, while excepted.
    pub exception: Option<ExceptionSnapshot>,
    /// Every state change by then, oldest first.
    pub history: Vec<StateChange>,
}

/// One state change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateChange {
    /// When.
    pub at: Timestamp,
    /// The state after it.
    pub to: State,
}

/// A removal plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedRemoval {
    /// Who removes it.
    pub owner: String,
    /// By when.
    pub due: Date,
    /// How.
    pub method: String,
}

/// An exception to a removal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionSnapshot {
    /// Why the product may stay.
    pub justification: String,
    /// Who approved it.
    pub approver: String,
    /// When it was granted.
    pub granted: Timestamp,
    /// When it expires.
    pub expires: Timestamp,
}

/// The plan of action's elements that scan data cannot know, entered by people (through
/// the API, the dashboard or a TOML file). Each is free text; `None` is shown as
/// "not yet provided".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanDetails {
    /// (a) The agency's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    /// (b) The agency's point of contact (name, e-mail, telephone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point_of_contact: Option<String>,
    /// (f) Notes on the information-system components affected, beside the hosts the
    /// data lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_components: Option<String>,
    /// (g) Mission functions affected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mission_functions: Option<String>,
    /// (h) Contracts, service-level agreements and other agreements with the vendor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contracts: Option<String>,
    /// (j) FISMA security controls affected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fisma_controls: Option<String>,
    /// (k) Replacement products.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacement_products: Option<String>,
    /// (l) Timeline for the replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacement_timeline: Option<String>,
    /// (m) Challenges or obstacles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obstacles: Option<String>,
    /// (n) Associated costs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub costs: Option<String>,
}

/// Where the plan details came from: a stored version, or a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanDetailsSource {
    /// The stored version (1, 2, …), `None` for details read from a file.
    pub version: Option<i64>,
    /// When that version was saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved: Option<Timestamp>,
    /// Who saved it, or the file it was read from.
    pub by: String,
}

/// An error reading plan details.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct PlanDetailsError {
    /// The file (or `request body`).
    pub origin: String,
    /// What is wrong, with the line when known.
    pub message: String,
}

impl PlanDetails {
    /// Parses plan details from TOML text read from `origin` (a file name); errors name
    /// the file, the line and the field.
    pub fn from_toml(text: &str, origin: &str) -> Result<PlanDetails, PlanDetailsError> {
        toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            let message = e.message().trim().to_string();
            PlanDetailsError {
                origin: origin.to_string(),
                message: match line {
                    Some(l) => format!("line {l}: {message}"),
                    None => message,
                },
            }
        })
    }

    /// Parses plan details from a JSON object (the API's body); errors name `origin`.
    pub fn from_json(text: &str, origin: &str) -> Result<PlanDetails, PlanDetailsError> {
        let fail = |message: String| PlanDetailsError {
            origin: origin.to_string(),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| fail(e.to_string()))?;
        // serde would also read a struct from an array of its fields in order.
        if !value.is_object() {
            return Err(fail("plan details must be a JSON object".into()));
        }
        serde_json::from_value(value).map_err(|e| fail(e.to_string()))
    }
}
