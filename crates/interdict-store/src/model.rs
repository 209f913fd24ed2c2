//! The store's public record types: what the server's API returns.

use jiff::Timestamp;
use jiff::civil::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A user's role.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Everything, including users, tokens and directive activation.
    Admin,
    /// Reads everything; plans findings, grants exceptions, ingests reports.
    Analyst,
    /// Reads everything, changes nothing.
    Auditor,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 3] = [Role::Admin, Role::Analyst, Role::Auditor];

    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Auditor => "auditor",
        }
    }

    /// Parses a kebab-case name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

pub use interdict_findings::FindingState;

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct User {
    /// Generated id.
    pub id: String,
    /// Login name (unique).
    pub name: String,
    /// Role.
    pub role: Role,
    /// When created.
    pub created: Timestamp,
}

/// An API token (the plain token is returned once, by [`crate::Store::create_token`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct ApiToken {
    /// Generated id.
    pub id: String,
    /// A label.
    pub name: String,
    /// The role the token acts with.
    pub role: Role,
    /// When created.
    pub created: Timestamp,
    /// Who created it.
    pub created_by: String,
    /// When revoked, if it is.
    pub revoked: Option<Timestamp>,
}

/// Which collectors ran for a host's last applied scan, and which failed.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema,
)]
pub struct Coverage {
    /// Collectors the report lists (empty for imports and SBOMs, whose source is one export).
    pub ran: Vec<String>,
    /// Collectors with errors.
    pub failed: Vec<String>,
}

impl Coverage {
    /// Whether `collector` ran without error: listed and not failed, or — for a report that
    /// lists no collectors (imports, SBOMs) — not named by an error.
    pub fn clean(&self, collector: &str) -> bool {
        let failed = self.failed.iter().any(|c| c == collector);
        !failed && (self.ran.is_empty() || self.ran.iter().any(|c| c == collector))
    }
}

/// A host of the fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct HostRecord {
    /// Stable identity from the report (`machine-id:…`, `name:…`).
    pub id: String,
    /// Host name.
    pub name: String,
    /// Platform family (`linux`, `windows`, `macos`), empty when unknown.
    pub os_platform: String,
    /// Distribution or product id.
    pub os_id: String,
    /// OS version.
    pub os_version: String,
    /// Human-readable OS name.
    pub os_name: String,
    /// First report received.
    pub first_seen: Timestamp,
    /// Last report received.
    pub last_seen: Timestamp,
    /// When the last applied scan finished (the report's `finished`).
    pub last_scan: Timestamp,
    /// The report of the last applied scan.
    pub last_report: String,
    /// Coverage of the last applied scan.
    pub coverage: Coverage,
    /// Hash of the host's current inventory, when a report carried one.
    pub inventory_hash: Option<String>,
    /// Findings in an open state.
    pub open_findings: i64,
}

/// A removal plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct Plan {
    /// Who removes it.
    pub owner: String,
    /// By when.
    pub due: Date,
    /// How (`uninstall via SCCM`, `reimage`, …).
    pub removal_method: String,
}

/// One finding: a product on a host, with its lifecycle state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct FindingRecord {
    /// Generated id.
    pub id: String,
    /// The host's id.
    pub host_id: String,
    /// The host's name.
    pub host_name: String,
    /// Product id.
    pub product: String,
    /// Product name.
    pub product_name: String,
    /// Vendor id.
    pub vendor: String,
    /// Product family.
    pub family: String,
    /// Branded, embedded or open-source.
    pub distribution: String,
    /// Confidence of the last evaluation.
    pub confidence: String,
    /// The product is in the catalog.
    pub catalogued: bool,
    /// Directives covering it.
    pub directives: Vec<String>,
    /// Lifecycle state (at the time asked for, in as-of queries).
    pub state: FindingState,
    /// The removal plan, when one was made.
    pub plan: Option<Plan>,
    /// The exception that holds, while `excepted`.
    pub exception: Option<String>,
    /// First seen.
    pub first_seen: Timestamp,
    /// Last seen by a scan.
    pub last_seen: Timestamp,
    /// Last state change (at the time asked for, in as-of queries).
    pub changed: Timestamp,
}

/// One state change of a finding: who, when, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct FindingEvent {
    /// 1, 2, … per finding.
    pub seq: i64,
    /// When.
    pub at: Timestamp,
    /// State before (none for the first event).
    pub from: Option<FindingState>,
    /// State after.
    pub to: FindingState,
    /// Who (a user, a token, a host credential, `system`).
    pub actor: String,
    /// Why.
    pub reason: String,
    /// The report that caused it, for changes made by a scan.
    pub report: Option<String>,
}

/// An exception to a finding's removal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct Exception {
    /// Generated id.
    pub id: String,
    /// The finding.
    pub finding: String,
    /// Why the product may stay.
    pub justification: String,
    /// Who approved it.
    pub approver: String,
    /// When granted.
    pub created: Timestamp,
    /// When it expires.
    pub expires: Timestamp,
    /// When it ended (expired or revoked).
    pub closed: Option<Timestamp>,
    /// Why it ended.
    pub closed_reason: Option<String>,
}

/// Endpoints per product.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema, sqlx::FromRow,
)]
pub struct ProductEndpoints {
    /// Product id.
    pub product: String,
    /// Product name.
    pub product_name: String,
    /// Hosts whose last scan shows it (open or excepted findings).
    pub endpoints: i64,
    /// Of those, hosts with an open finding.
    pub open: i64,
    /// Hosts where it was removed or verified.
    pub closed: i64,
}

/// A page of a listing: `{"items": [...], "next": CURSOR|null}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct Page<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// Pass back to get the next page; `null` on the last page.
    pub next: Option<String>,
}

/// What [`crate::Store::ingest`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case", tag = "outcome")]
pub enum IngestOutcome {
    /// A new report, stored and applied.
    Created {
        /// Hosts it covered.
        hosts: usize,
        /// Findings it carried.
        findings: usize,
        /// Lifecycle changes it caused.
        changes: usize,
    },
    /// A report with this id was stored before; nothing changed.
    Duplicate,
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct AuditEntry {
    /// 1, 2, … without gaps.
    pub seq: i64,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: String,
    /// What kind of change (`report.ingest`, `finding.plan`, …).
    pub action: String,
    /// What it changed (a report id, a finding id, …).
    pub subject: String,
    /// The change itself (JSON).
    pub detail: String,
    /// The previous entry's hash (empty for the first).
    pub prev_hash: String,
    /// SHA-256 over this entry and `prev_hash`.
    pub hash: String,
}

/// The first broken link of the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct BrokenLink {
    /// The entry at fault (the missing one, for a deletion).
    pub seq: i64,
    /// What is wrong.
    pub problem: String,
}

/// The result of [`crate::Store::verify_audit`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct AuditVerification {
    /// Entries checked.
    pub entries: i64,
    /// The first broken link; `None` when the chain is intact.
    pub first_broken: Option<BrokenLink>,
}

impl AuditVerification {
    /// The chain is intact.
    pub fn intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// Milestone status.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum MilestoneState {
    /// The rule holds (at the due date, or already before it).
    Met,
    /// Not met, and due within [`crate::AT_RISK_DAYS`] days.
    AtRisk,
    /// Not met by the due date.
    Missed,
    /// Not met, and due later than [`crate::AT_RISK_DAYS`] days from now.
    NotYetDue,
    /// The data cannot tell (contracts, agreements, reviews): tracked outside.
    Untracked,
}

impl MilestoneState {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            MilestoneState::Met => "met",
            MilestoneState::AtRisk => "at-risk",
            MilestoneState::Missed => "missed",
            MilestoneState::NotYetDue => "not-yet-due",
            MilestoneState::Untracked => "untracked",
        }
    }
}

/// An activated directive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct Activation {
    /// Directive id.
    pub directive: String,
    /// Day 0 of its schedule.
    pub start: Date,
    /// When activated.
    pub activated: Timestamp,
    /// Who activated it.
    pub actor: String,
}

/// The status of one due date of an activated directive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct MilestoneStatus {
    /// Directive id.
    pub directive: String,
    /// Deliverable machine name (`identify-report`, …).
    pub deliverable: String,
    /// What must be done.
    pub description: String,
    /// 0 for the first due date, 1, 2, … for recurring points.
    pub occurrence: u32,
    /// Due date (end of that day, UTC).
    pub due: Date,
    /// Status.
    pub status: MilestoneState,
    /// The figures behind the status, in words.
    pub detail: String,
}

/// One scan of a host: its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct ScanRecord {
    /// The report.
    pub report: String,
    /// The host.
    pub host_id: String,
    /// When the scan finished (the report's `finished`).
    pub scanned: Timestamp,
    /// When the report was received.
    pub received: Timestamp,
    /// Which collectors ran and failed.
    pub coverage: Coverage,
    /// Hash of the inventory it carried.
    pub inventory_hash: Option<String>,
    /// Findings it carried for the host.
    pub findings: i64,
    /// It was the host's newest scan when it arrived, so it moved the lifecycle (an older
    /// scan delivered late is kept but moves nothing).
    pub applied: bool,
}
