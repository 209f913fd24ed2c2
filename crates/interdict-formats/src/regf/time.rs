//! Windows FILETIME timestamps.

use std::fmt;

/// Seconds between 1601-01-01 (the FILETIME epoch) and 1970-01-01.
const EPOCH_DIFF: i64 = 11_644_473_600;

/// A Windows FILETIME: 100-nanosecond intervals since 1601-01-01 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Filetime(pub u64);

impl Filetime {
    /// Whole seconds since the Unix epoch (negative before 1970).
    pub fn unix_seconds(self) -> i64 {
        // u64::MAX / 10^7 fits in i64 comfortably.
        i64::try_from(self.0 / 10_000_000)
            .unwrap_or(i64::MAX)
            .saturating_sub(EPOCH_DIFF)
    }
}

/// Formats as ISO 8601 in UTC, to the second: `2020-03-17T14:03:01Z`. A FILETIME beyond
/// the representable range (years after 9999) prints as its raw value.
impl fmt::Display for Filetime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match jiff::Timestamp::from_second(self.unix_seconds()) {
            Ok(ts) => write!(f, "{ts}"),
            Err(_) => write!(f, "filetime:{}", self.0),
        }
    }
}
