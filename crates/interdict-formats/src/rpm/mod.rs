//! RPM databases: the three rpmdb backends and the header blob each of them stores.
//!
//! [`parse_ndb`] and [`parse_bdb`] yield raw header blobs (SQLite databases are read by the
//! caller with `SELECT blob FROM Packages`); [`parse_header_blob`] turns one blob into an
//! [`RpmHeader`]. A corrupt record does not hide the others, and it does not cost an error
//! of its own either: a [`BlobScan`] holds the readable blobs and an [`Unreadable`] tally
//! (a count and the first reason), so a database of 500,000 garbage slots is one counter.

pub mod bdb;
pub mod header;
pub mod ndb;

pub use bdb::parse_bdb;
#[cfg(any(test, feature = "test-support"))]
pub use header::build_header_blob;
pub use header::{RpmHeader, parse_header_blob};
pub use ndb::parse_ndb;

use crate::FormatError;
use std::fmt::Display;

/// One header blob read from a database, or why it could not be read.
pub type BlobResult = Result<Vec<u8>, FormatError>;

/// The records of one rpmdb: the header blobs that could be read, in database order, and a
/// tally of the records that could not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlobScan {
    /// Header blobs, in database order.
    pub blobs: Vec<Vec<u8>>,
    /// Records that could not be read.
    pub unreadable: Unreadable,
}

impl BlobScan {
    /// Records seen: the readable blobs plus the unreadable records.
    pub fn total(&self) -> usize {
        self.blobs.len() + self.unreadable.count
    }

    /// Adds one record: a blob, or a reason it could not be read.
    pub fn push(&mut self, record: BlobResult) {
        match record {
            Ok(b) => self.blobs.push(b),
            Err(e) => self.unreadable.note(|| e),
        }
    }
}

/// How many records of a database were unreadable, and why the first one was.
///
/// Only the first reason is kept (and only it is ever formatted), so memory stays
/// constant however many records are bad.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unreadable {
    /// Unreadable records.
    pub count: usize,
    /// Why the first unreadable record could not be read.
    pub first: Option<String>,
}

impl Unreadable {
    /// Counts one more unreadable record; `why` is called only for the first one.
    pub fn note<E: Display>(&mut self, why: impl FnOnce() -> E) {
        if self.first.is_none() {
            self.first = Some(why().to_string());
        }
        self.count += 1;
    }
}

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

    /// What this backend's records are called in error messages: `rows` (SQLite),
    /// `slots` (NDB) or `records` (BerkeleyDB hash values and pages).
    pub fn record_unit(self) -> &'static str {
        match self {
            RpmdbFormat::Sqlite => "rows",
            RpmdbFormat::Ndb => "slots",
            RpmdbFormat::Bdb => "records",
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
