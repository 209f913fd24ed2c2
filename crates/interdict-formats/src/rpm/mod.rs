//! RPM databases: the three rpmdb backends and the header blob each of them stores.
//!
//! [`parse_ndb`] and [`parse_bdb`] yield raw header blobs (SQLite databases are read by the
//! caller with `SELECT blob FROM Packages`); [`parse_header_blob`] turns one blob into an
//! [`RpmHeader`]. Each blob is a separate `Result`, so one corrupt package does not hide
//! the others.

pub mod bdb;
pub mod header;
pub mod ndb;

pub use bdb::parse_bdb;
pub use header::{RpmHeader, build_header_blob, parse_header_blob};
pub use ndb::parse_ndb;

use crate::FormatError;

/// One header blob read from a database, or why it could not be read.
pub type BlobResult = Result<Vec<u8>, FormatError>;

/// The storage backend of an rpmdb file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RpmdbFormat {
    /// SQLite (`rpmdb.sqlite`, rpm ≥ 4.16).
    Sqlite,
    /// NDB (`Packages.db`, SUSE).
    Ndb,
    /// BerkeleyDB hash (`Packages`, older distributions).
    Bdb,
}

impl RpmdbFormat {
    /// A short lowercase name: `sqlite`, `ndb` or `bdb`.
    pub fn as_str(self) -> &'static str {
        match self {
            RpmdbFormat::Sqlite => "sqlite",
            RpmdbFormat::Ndb => "ndb",
            RpmdbFormat::Bdb => "bdb",
        }
    }
}

/// Sniffs the backend from the first bytes of a file: `SQLite format 3\0` is SQLite,
/// `RpmP` is NDB, anything else is taken for BerkeleyDB.
pub fn sniff_rpmdb(head: &[u8]) -> RpmdbFormat {
    if head.starts_with(b"SQLite format 3\0") {
        RpmdbFormat::Sqlite
    } else if head.starts_with(b"RpmP") {
        RpmdbFormat::Ndb
    } else {
        RpmdbFormat::Bdb
    }
}
