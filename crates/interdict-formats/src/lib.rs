//! Pure readers over bytes for the on-disk formats interdict inventories.
//!
//! Each module parses one format: `parse_<format>(bytes: &[u8]) -> Result<…, FormatError>`.
//! No function here does I/O, so every reader can be fuzzed and tested on fixtures.
//! Untrusted input never panics: every read is bounds-checked and errors carry the offset.
//!
//! **Boundary:** a leaf crate; records are plain structs, not the inventory model.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use thiserror::Error;

/// Why bytes could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The data ends before a structure it announces.
    #[error("truncated at offset {offset}: {what}")]
    Truncated {
        /// Byte offset where more data was needed.
        offset: usize,
        /// What was being read.
        what: String,
    },
    /// The data is not in the expected format.
    #[error("bad magic at offset {offset}: {what}")]
    BadMagic {
        /// Byte offset of the magic.
        offset: usize,
        /// What was expected.
        what: String,
    },
    /// A structure is inconsistent.
    #[error("malformed at offset {offset}: {message}")]
    Malformed {
        /// Byte offset of the structure.
        offset: usize,
        /// What is wrong.
        message: String,
    },
    /// A valid but unsupported variant.
    #[error("unsupported: {0}")]
    Unsupported(String),
}

impl FormatError {
    /// A truncation error.
    pub fn truncated(offset: usize, what: impl Into<String>) -> Self {
        FormatError::Truncated {
            offset,
            what: what.into(),
        }
    }

    /// A malformed-structure error.
    pub fn malformed(offset: usize, message: impl Into<String>) -> Self {
        FormatError::Malformed {
            offset,
            message: message.into(),
        }
    }
}

/// Bounds-checked little/big-endian reads on a byte slice.
pub mod bytes;
pub mod certs;
pub mod dpkg;
pub mod systemd;

/// RPM databases (SQLite blobs, NDB, BerkeleyDB hash) and RPM header blobs.
pub mod rpm;

/// Windows PE files: machine, kind, VERSIONINFO strings and Authenticode signers.
pub mod pe;

/// macOS property lists: bundle `Info.plist`, launchd jobs, installer receipts.
pub mod plist;

/// Mach-O code signatures: Team ID, signing identifier and CMS signer.
pub mod macho;

/// Windows registry hive files (`regf`), read-only.
pub mod regf;

/// Windows certificate-store property lists (the `Blob` value of a store entry).
pub mod wincert;

/// Alpine apk installed-package database.
pub mod apk;
/// Browser extension manifests, preferences and Firefox `extensions.json`.
pub mod browser;
/// Export tables of ELF, PE and Mach-O files (exported symbol names).
pub mod exports;
/// Flatpak deployment metadata and AppStream metainfo.
pub mod flatpak;
/// Kernel module `.modinfo` sections and `/proc/modules`.
pub mod modinfo;
/// Arch Linux pacman local database.
pub mod pacman;
/// Snap `snap.yaml`, snapd `state.json` and assertions.
pub mod snap;
/// SysV init script LSB headers.
pub mod sysv;
