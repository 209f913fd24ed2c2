//! The lifecycle state of a finding, as the fleet server records it and the deliverables
//! report it: one type for the store, the API and the documents.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a finding is in its lifecycle.
///
/// `identified` → `planned` → `removal-in-progress` → `removed` → `verified`;
/// `reappeared` when a removed or verified product shows up again; `excepted` while an
/// exception holds (an expired exception reopens the finding as `identified`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum FindingState {
    /// A scan shows the product; nothing is planned yet.
    Identified,
    /// A removal is planned (owner, due date, method).
    Planned,
    /// The removal has begun.
    RemovalInProgress,
    /// A newer scan of the host no longer shows the product.
    Removed,
    /// A later clean scan (the collectors that found it ran without error) confirms it.
    Verified,
    /// The product showed up again after it was removed or verified.
    Reappeared,
    /// An exception (justification, approver, expiry) holds.
    Excepted,
}

impl FindingState {
    /// Every state, in lifecycle order.
    pub const ALL: [FindingState; 7] = [
        FindingState::Identified,
        FindingState::Planned,
        FindingState::RemovalInProgress,
        FindingState::Removed,
        FindingState::Verified,
        FindingState::Reappeared,
        FindingState::Excepted,
    ];

    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingState::Identified => "identified",
            FindingState::Planned => "planned",
            FindingState::RemovalInProgress => "removal-in-progress",
            FindingState::Removed => "removed",
            FindingState::Verified => "verified",
            FindingState::Reappeared => "reappeared",
            FindingState::Excepted => "excepted",
        }
    }

    /// Parses a kebab-case name.
    pub fn parse(s: &str) -> Option<FindingState> {
        FindingState::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The product is on the host and work is pending (not removed, verified or excepted).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            FindingState::Identified
                | FindingState::Planned
                | FindingState::RemovalInProgress
                | FindingState::Reappeared
        )
    }

    /// The last scan shows the product (open or excepted).
    pub fn is_present(self) -> bool {
        self.is_open() || self == FindingState::Excepted
    }
}
