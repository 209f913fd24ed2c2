//! Evidence packs: one gzip-compressed tar archive that an auditor verifies offline.
//!
//! A pack holds the deliverables of a directive as of a date, the report documents they
//! were computed from, the catalog files, the directive and its milestones, a segment of
//! the server's audit chain with its anchors, a `README.html`, and `SHA256SUMS` — every
//! other file with its SHA-256, in the format `sha256sum -c` reads. `SHA256SUMS` is signed
//! with Ed25519 (`SHA256SUMS.sig`, the raw 64-byte signature, so `openssl pkeyutl -verify
//! -rawin` checks it by hand) and may be counter-signed by a second key
//! (`SHA256SUMS.countersig`, the two-person rule).
//!
//! * [`keys`]: key generation, PEM files (PKCS#8 private, SPKI public), fingerprints.
//! * [`manifest`]: the `SHA256SUMS` text, rendered and parsed.
//! * [`Pack`]: the files of a pack, written to and read from archive bytes (read with
//!   limits: no paths outside the pack, no links, no duplicates).
//! * [`verify`]: signature(s), every file against the manifest, no unlisted file, and the
//!   audit segment's chain. The re-computation of the deliverables (a replay of the
//!   pack's inputs into a temporary store) is the `interdict` binary's, which has the
//!   store and the matcher.
//!
//! Pure over bytes: no file or network I/O, so the CLI, the server and tests share it.
//! Signing and verification use aws-lc-rs, the workspace's one crypto provider.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod keys;
pub mod manifest;
mod pack;
pub mod readme;
mod verify;

pub use keys::{PublicKey, SigningKey};
pub use pack::{
    AUDIT_ANCHORS, AUDIT_SEGMENT, COUNTERSIGNATURE, MANIFEST, Pack, PackError, SIGNATURE,
};
pub use verify::{AuditAnchors, Verified, VerifyError, verify};
