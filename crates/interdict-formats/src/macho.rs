//! Mach-O code signatures: the signing identifier and Team ID from the CodeDirectory, and
//! the CMS signer subject, for thin and fat (universal) binaries.
//!
//! Load commands are read with goblin; the embedded signature (`LC_CODE_SIGNATURE` →
//! SuperBlob `0xfade0cc0` → CodeDirectory `0xfade0c02` / CMS blob `0xfade0b01`) is decoded
//! here with bounds-checked big-endian reads.

use crate::FormatError;
use crate::bytes::{slice, u32_be};
use goblin::mach::load_command::CommandVariant;
use goblin::mach::{Mach, MachO};

/// SuperBlob (embedded signature) magic.
pub const CSMAGIC_EMBEDDED_SIGNATURE: u32 = 0xfade_0cc0;
/// CodeDirectory magic.
pub const CSMAGIC_CODEDIRECTORY: u32 = 0xfade_0c02;
/// CMS signature blob magic.
pub const CSMAGIC_BLOBWRAPPER: u32 = 0xfade_0b01;
/// First CodeDirectory version with a `teamOffset` field.
pub const CS_SUPPORTSTEAMID: u32 = 0x20200;

/// Slot of the primary CodeDirectory.
const CSSLOT_CODEDIRECTORY: u32 = 0;
/// First alternate CodeDirectory slot.
const CSSLOT_ALTERNATE_CODEDIRECTORIES: u32 = 0x1000;
/// Slot of the CMS signature.
const CSSLOT_SIGNATURESLOT: u32 = 0x10000;
/// Most blobs read from one SuperBlob index.
const MAX_BLOBS: u32 = 64;
/// Longest identifier or team id read.
const MAX_STRING: usize = 1024;

/// The code signature of one architecture slice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeSignature {
    /// The Mach-O `cputype` of the slice.
    pub cpu_type: u32,
    /// Signing identifier from the CodeDirectory (usually the bundle id).
    pub identifier: Option<String>,
    /// Team ID from the CodeDirectory (version ≥ 0x20200), e.g. `2Y8XE5CQ94`.
    pub team_id: Option<String>,
    /// Subjects of the CMS signers, `CN=…, OU=…, O=…, C=…`; empty for ad-hoc signatures.
    pub signer_subjects: Vec<String>,
}

/// The code signatures of every slice that has one (thin: at most one; fat: one per arch).
pub fn parse_code_signatures(bytes: &[u8]) -> Result<Vec<CodeSignature>, FormatError> {
    let run = std::panic::AssertUnwindSafe(|| signatures_inner(bytes));
    match std::panic::catch_unwind(run) {
        Ok(r) => r,
        Err(_) => Err(FormatError::malformed(
            0,
            "mach-o: parser failed on malformed input",
        )),
    }
}

/// The first Team ID found in any slice's code signature.
pub fn team_id(bytes: &[u8]) -> Result<Option<String>, FormatError> {
    Ok(parse_code_signatures(bytes)?
        .into_iter()
        .find_map(|s| s.team_id))
}

fn goblin_err(e: goblin::error::Error) -> FormatError {
    FormatError::malformed(0, format!("mach-o: {}", e.to_string().to_lowercase()))
}

fn signatures_inner(bytes: &[u8]) -> Result<Vec<CodeSignature>, FormatError> {
    let magic = u32_be(bytes, 0, "mach-o magic")?;
    if !matches!(
        magic,
        0xfeed_face | 0xfeed_facf | 0xcefa_edfe | 0xcffa_edfe | 0xcafe_babe
    ) {
        return Err(FormatError::BadMagic {
            offset: 0,
            what: "mach-o or fat binary".into(),
        });
    }
    let mut out = Vec::new();
    match Mach::parse_lossy(bytes).map_err(goblin_err)? {
        Mach::Binary(m) => {
            if let Some(sig) = slice_signature(bytes, &m)? {
                out.push(sig);
            }
        }
        Mach::Fat(multi) => {
            for arch in multi.iter_arches() {
                let arch = arch.map_err(goblin_err)?;
                let start = arch.offset as usize;
                let data = slice(bytes, start, arch.size as usize, "fat arch slice")?;
                let m = MachO::parse_lossy(data, 0).map_err(goblin_err)?;
                if let Some(sig) = slice_signature(data, &m)? {
                    out.push(sig);
                }
            }
        }
    }
    Ok(out)
}

fn slice_signature(data: &[u8], m: &MachO<'_>) -> Result<Option<CodeSignature>, FormatError> {
    let Some((off, size)) = m.load_commands.iter().find_map(|lc| match &lc.command {
        CommandVariant::CodeSignature(c) => Some((c.dataoff as usize, c.datasize as usize)),
        _ => None,
    }) else {
        return Ok(None);
    };
    let blob = slice(data, off, size, "code signature")?;
    let mut sig = parse_superblob(blob)?;
    sig.cpu_type = m.header.cputype;
    Ok(Some(sig))
}

/// Decodes an embedded-signature SuperBlob (the bytes `LC_CODE_SIGNATURE` points at).
pub fn parse_superblob(blob: &[u8]) -> Result<CodeSignature, FormatError> {
    let magic = u32_be(blob, 0, "superblob magic")?;
    if magic != CSMAGIC_EMBEDDED_SIGNATURE {
        return Err(FormatError::BadMagic {
            offset: 0,
            what: "code signature superblob (0xfade0cc0)".into(),
        });
    }
    let length = u32_be(blob, 4, "superblob length")? as usize;
    let blob = slice(blob, 0, length.min(blob.len()), "superblob")?;
    let count = u32_be(blob, 8, "superblob count")?;
    if count > MAX_BLOBS {
        return Err(FormatError::malformed(
            8,
            format!("superblob announces {count} blobs"),
        ));
    }
    let mut sig = CodeSignature::default();
    for i in 0..count as usize {
        let at = 12 + i * 8;
        let slot = u32_be(blob, at, "superblob index type")?;
        let offset = u32_be(blob, at + 4, "superblob index offset")? as usize;
        let is_cd = slot == CSSLOT_CODEDIRECTORY
            || (CSSLOT_ALTERNATE_CODEDIRECTORIES..CSSLOT_ALTERNATE_CODEDIRECTORIES + 5)
                .contains(&slot);
        if is_cd {
            let (ident, team) = parse_code_directory(blob, offset)?;
            if sig.identifier.is_none() {
                sig.identifier = ident;
            }
            if sig.team_id.is_none() {
                sig.team_id = team;
            }
        } else if slot == CSSLOT_SIGNATURESLOT {
            sig.signer_subjects = cms_signers(blob, offset).unwrap_or_default();
        }
    }
    Ok(sig)
}

/// Identifier and team id of the CodeDirectory at `at` inside the SuperBlob.
fn parse_code_directory(
    blob: &[u8],
    at: usize,
) -> Result<(Option<String>, Option<String>), FormatError> {
    let magic = u32_be(blob, at, "code directory magic")?;
    if magic != CSMAGIC_CODEDIRECTORY {
        return Err(FormatError::BadMagic {
            offset: at,
            what: "code directory (0xfade0c02)".into(),
        });
    }
    let length = u32_be(blob, at + 4, "code directory length")? as usize;
    let cd = slice(blob, at, length, "code directory")?;
    let version = u32_be(cd, 8, "code directory version")?;
    let ident_off = u32_be(cd, 20, "code directory identOffset")? as usize;
    let identifier = c_string(cd, ident_off)?;
    let team = if version >= CS_SUPPORTSTEAMID {
        match u32_be(cd, 48, "code directory teamOffset")? as usize {
            0 => None,
            off => c_string(cd, off)?,
        }
    } else {
        None
    };
    Ok((identifier, team))
}

/// A NUL-terminated string at `off`; `None` when empty.
fn c_string(data: &[u8], off: usize) -> Result<Option<String>, FormatError> {
    let rest = data
        .get(off..)
        .ok_or_else(|| FormatError::truncated(off, "code directory string"))?;
    let bytes = rest
        .iter()
        .take(MAX_STRING)
        .position(|&b| b == 0)
        .and_then(|end| rest.get(..end))
        .ok_or_else(|| FormatError::truncated(off, "unterminated code directory string"))?;
    let s = String::from_utf8_lossy(bytes).trim().to_string();
    Ok(if s.is_empty() { None } else { Some(s) })
}

/// Subjects of the signers of the CMS blob at `at` (empty for ad-hoc signatures).
fn cms_signers(blob: &[u8], at: usize) -> Result<Vec<String>, FormatError> {
    let magic = u32_be(blob, at, "signature blob magic")?;
    if magic != CSMAGIC_BLOBWRAPPER {
        return Err(FormatError::BadMagic {
            offset: at,
            what: "cms blob (0xfade0b01)".into(),
        });
    }
    let length = u32_be(blob, at + 4, "signature blob length")? as usize;
    let inner = slice(blob, at + 8, length.saturating_sub(8), "signature blob")?;
    if inner.is_empty() {
        return Ok(Vec::new());
    }
    let signed = crate::pe::decode_signed_data(inner).map_err(|e| FormatError::malformed(at, e))?;
    let certs = crate::pe::embedded_certificates(&signed);
    Ok(signed
        .signer_infos
        .0
        .iter()
        .filter_map(|si| crate::pe::signer_certificate(&certs, &si.sid))
        .map(|c| crate::pe::format_name(&c.tbs_certificate.subject))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_macho_is_bad_magic() {
        assert!(matches!(
            parse_code_signatures(b"MZ\0\0\0\0"),
            Err(FormatError::BadMagic { .. })
        ));
        assert!(parse_code_signatures(b"").is_err());
        assert!(parse_code_signatures(&[0xcf, 0xfa, 0xed, 0xfe]).is_err());
    }

    #[test]
    fn superblob_bounds_are_checked() {
        let mut b = Vec::new();
        b.extend_from_slice(&CSMAGIC_EMBEDDED_SIGNATURE.to_be_bytes());
        b.extend_from_slice(&100u32.to_be_bytes());
        b.extend_from_slice(&1u32.to_be_bytes());
        b.extend_from_slice(&0u32.to_be_bytes());
        b.extend_from_slice(&0xffff_fff0u32.to_be_bytes());
        assert!(parse_superblob(&b).is_err());
    }
}
