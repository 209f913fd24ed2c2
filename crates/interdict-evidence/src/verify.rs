//! Offline verification of a pack: the signature(s) over the manifest, every file against
//! the manifest, no file the manifest does not list, and the audit segment's chain.

use crate::keys::PublicKey;
use crate::manifest::{self, ManifestError};
use crate::pack::{
    AUDIT_ANCHORS, AUDIT_SEGMENT, COUNTERSIGNATURE, COUNTERSIGNER_KEY, MANIFEST, Pack, SIGNATURE,
    SIGNER_KEY,
};
use interdict_findings::audit::{AuditRecord, ChainBreak, verify_segment};
use serde::{Deserialize, Serialize};

/// Where an audit segment sits in the server's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAnchors {
    /// The hash of the entry just before the segment (empty when it starts the log).
    pub prev_hash: String,
    /// The first and last sequence numbers (none for an empty segment).
    pub first_seq: Option<i64>,
    /// The last sequence number.
    pub last_seq: Option<i64>,
    /// The last entry's hash (the anchor a later segment continues from).
    pub last_hash: Option<String>,
    /// The chain head when the pack was made.
    pub head_seq: i64,
    /// The chain head's hash when the pack was made.
    pub head_hash: String,
}

/// What a successful verification checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Files checked against the manifest.
    pub files: usize,
    /// The fingerprint of the key the signature verified with.
    pub signer: String,
    /// Whether that key came from the pack itself rather than from the verifier.
    pub signer_key_from_pack: bool,
    /// The countersigner's fingerprint, when the pack is countersigned.
    pub countersigner: Option<String>,
    /// Audit entries whose chain was re-checked.
    pub audit_entries: usize,
}

/// The first check that failed.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// A file the seal writes is missing.
    #[error("{0} is missing from the pack")]
    Missing(String),
    /// The manifest does not parse.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A key file in the pack does not parse.
    #[error("{path}: {message}")]
    Key {
        /// The key file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The signature does not verify with the key.
    #[error("{file}: the signature of SHA256SUMS does not verify with key {fingerprint}")]
    Signature {
        /// The signature file.
        file: String,
        /// The key tried.
        fingerprint: String,
    },
    /// A listed file is not in the pack.
    #[error("{0}: listed in SHA256SUMS but missing from the pack")]
    Removed(String),
    /// A listed file's bytes differ.
    #[error("{0}: SHA-256 differs from SHA256SUMS (the file was changed)")]
    Changed(String),
    /// A file the manifest does not list.
    #[error("{0}: in the pack but not listed in SHA256SUMS (a file was added)")]
    Added(String),
    /// An audit segment line that is not an entry.
    #[error("{AUDIT_SEGMENT} line {line}: {message}")]
    AuditFormat {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The chain within the segment is broken.
    #[error("{AUDIT_SEGMENT}: {0}")]
    AuditChain(#[from] ChainBreak),
    /// The segment does not end where its anchors say.
    #[error("{AUDIT_ANCHORS}: {0}")]
    AuditAnchors(String),
}

/// Verifies `pack`. `keys[0]`, when given, is the signer's public key and `keys[1]` the
/// countersigner's; without them the keys inside the pack are used (and
/// [`Verified::signer_key_from_pack`] says so: compare the fingerprint with the
/// published one).
pub fn verify(pack: &Pack, keys: &[PublicKey]) -> Result<Verified, VerifyError> {
    let text = pack
        .get(MANIFEST)
        .ok_or_else(|| VerifyError::Missing(MANIFEST.into()))?;
    let signer = match keys.first() {
        Some(k) => *k,
        None => pack_key(pack, SIGNER_KEY)?,
    };
    check_signature(pack, SIGNATURE, text, &signer)?;
    let countersigner = if pack.get(COUNTERSIGNATURE).is_some() {
        let key = match keys.get(1) {
            Some(k) => *k,
            None => pack_key(pack, COUNTERSIGNER_KEY)?,
        };
        check_signature(pack, COUNTERSIGNATURE, text, &key)?;
        Some(key.fingerprint())
    } else if keys.len() > 1 {
        return Err(VerifyError::Missing(COUNTERSIGNATURE.into()));
    } else {
        None
    };

    let text = String::from_utf8_lossy(text);
    let listed = manifest::parse(&text)?;
    for (path, hash) in &listed {
        let bytes = pack
            .get(path)
            .ok_or_else(|| VerifyError::Removed(path.clone()))?;
        if &manifest::sha256_hex(bytes) != hash {
            return Err(VerifyError::Changed(path.clone()));
        }
    }
    if let Some(extra) = pack
        .paths()
        .find(|p| ![MANIFEST, SIGNATURE, COUNTERSIGNATURE].contains(p) && !listed.contains_key(*p))
    {
        return Err(VerifyError::Added(extra.into()));
    }
    let audit_entries = check_audit(pack)?;
    Ok(Verified {
        files: listed.len(),
        signer: signer.fingerprint(),
        signer_key_from_pack: keys.is_empty(),
        countersigner,
        audit_entries,
    })
}

fn pack_key(pack: &Pack, path: &str) -> Result<PublicKey, VerifyError> {
    let pem = pack
        .get(path)
        .ok_or_else(|| VerifyError::Missing(path.into()))?;
    PublicKey::from_pem(pem).map_err(|e| VerifyError::Key {
        path: path.into(),
        message: e.to_string(),
    })
}

fn check_signature(
    pack: &Pack,
    file: &str,
    text: &[u8],
    key: &PublicKey,
) -> Result<(), VerifyError> {
    let sig = pack
        .get(file)
        .ok_or_else(|| VerifyError::Missing(file.into()))?;
    if !key.verifies(text, sig) {
        return Err(VerifyError::Signature {
            file: file.into(),
            fingerprint: key.fingerprint(),
        });
    }
    Ok(())
}

/// Re-checks the audit segment against its anchors; a pack without one has nothing to
/// check (0 entries).
fn check_audit(pack: &Pack) -> Result<usize, VerifyError> {
    let (Some(segment), Some(anchors)) = (pack.get(AUDIT_SEGMENT), pack.get(AUDIT_ANCHORS)) else {
        return match (pack.get(AUDIT_SEGMENT), pack.get(AUDIT_ANCHORS)) {
            (None, None) => Ok(0),
            (None, _) => Err(VerifyError::Missing(AUDIT_SEGMENT.into())),
            _ => Err(VerifyError::Missing(AUDIT_ANCHORS.into())),
        };
    };
    let anchors: AuditAnchors = serde_json::from_slice(anchors)
        .map_err(|e| VerifyError::AuditAnchors(format!("not valid anchors: {e}")))?;
    let mut records = Vec::new();
    for (i, line) in String::from_utf8_lossy(segment).lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let r: AuditRecord = serde_json::from_str(line).map_err(|e| VerifyError::AuditFormat {
            line: i + 1,
            message: e.to_string(),
        })?;
        records.push(r);
    }
    verify_segment(&records, &anchors.prev_hash)?;
    let ends = (
        records.first().map(|r| r.seq),
        records.last().map(|r| r.seq),
        records.last().map(|r| r.hash.clone()),
    );
    if ends
        != (
            anchors.first_seq,
            anchors.last_seq,
            anchors.last_hash.clone(),
        )
    {
        return Err(VerifyError::AuditAnchors(
            "the segment does not start and end where the anchors say (entries removed)".into(),
        ));
    }
    if let Some(last) = anchors.last_seq
        && anchors.head_seq < last
    {
        return Err(VerifyError::AuditAnchors(
            "the chain head is older than the segment's last entry".into(),
        ));
    }
    Ok(records.len())
}
