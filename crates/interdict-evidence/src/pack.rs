//! The files of a pack, sealed (manifest + signatures) and written to or read from a
//! gzip-compressed tar archive.

use crate::keys::SigningKey;
use crate::manifest;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Component;

/// The manifest: every other file with its SHA-256.
pub const MANIFEST: &str = "SHA256SUMS";
/// The signer's raw Ed25519 signature of [`MANIFEST`].
pub const SIGNATURE: &str = "SHA256SUMS.sig";
/// The optional second signer's signature of [`MANIFEST`].
pub const COUNTERSIGNATURE: &str = "SHA256SUMS.countersig";
/// The signer's public key, for convenience (a verifier should bring its own copy).
pub const SIGNER_KEY: &str = "keys/signer.pub";
/// The second signer's public key.
pub const COUNTERSIGNER_KEY: &str = "keys/countersigner.pub";
/// The audit-chain segment, one JSON object per line.
pub const AUDIT_SEGMENT: &str = "audit/segment.jsonl";
/// The segment's anchors in the chain.
pub const AUDIT_ANCHORS: &str = "audit/anchors.json";

/// The largest file a pack may hold, and the largest pack, when read back.
const MAX_FILE: u64 = 1 << 30;
const MAX_TOTAL: u64 = 4 << 30;

/// A pack that cannot be built or read.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// A path that is not a plain relative path inside the pack.
    #[error("{path:?} is not a plain relative path inside the pack")]
    BadPath {
        /// The path.
        path: String,
    },
    /// A name the seal writes itself.
    #[error("{0} is written by the seal and cannot be added")]
    Reserved(String),
    /// Two entries with one path.
    #[error("{0} is in the pack twice")]
    Duplicate(String),
    /// An entry that is not a regular file or a directory.
    #[error("{0} is a link or a special file: a pack holds regular files only")]
    NotAFile(String),
    /// Entries not under one top folder.
    #[error("{0} is not under the pack's top folder {1}")]
    NotUnderTop(String, String),
    /// Too large to be a pack.
    #[error("{0} exceeds the size limit of a pack")]
    TooLarge(String),
    /// The archive cannot be read (not gzip, not tar, truncated).
    #[error("not a readable .tar.gz archive: {0}")]
    Archive(String),
}

/// The files of an evidence pack under one top folder (`name`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pack {
    /// The top folder the archive extracts into.
    pub name: String,
    files: BTreeMap<String, Vec<u8>>,
}

impl Pack {
    /// An empty pack whose archive extracts into the folder `name`.
    pub fn new(name: &str) -> Result<Pack, PackError> {
        check_path(name)?;
        if name.contains('/') {
            return Err(PackError::BadPath { path: name.into() });
        }
        Ok(Pack {
            name: name.to_string(),
            files: BTreeMap::new(),
        })
    }

    /// Adds a file (a later add of the same path is refused).
    pub fn add(&mut self, path: &str, bytes: impl Into<Vec<u8>>) -> Result<(), PackError> {
        check_path(path)?;
        if [
            MANIFEST,
            SIGNATURE,
            COUNTERSIGNATURE,
            SIGNER_KEY,
            COUNTERSIGNER_KEY,
        ]
        .contains(&path)
        {
            return Err(PackError::Reserved(path.into()));
        }
        self.insert(path, bytes.into())
    }

    fn insert(&mut self, path: &str, bytes: Vec<u8>) -> Result<(), PackError> {
        if self.files.insert(path.to_string(), bytes).is_some() {
            return Err(PackError::Duplicate(path.into()));
        }
        Ok(())
    }

    /// One file's bytes.
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    /// Every path, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// Removes a file (used by tests of tampering, and by re-sealing).
    pub fn remove(&mut self, path: &str) -> Option<Vec<u8>> {
        self.files.remove(path)
    }

    /// Replaces a file's bytes, or adds it, with no reserved-name check (tampering tests).
    pub fn put_raw(&mut self, path: &str, bytes: impl Into<Vec<u8>>) {
        self.files.insert(path.to_string(), bytes.into());
    }

    /// Adds the signers' public keys, the manifest of every file, and the signature (and
    /// countersignature) of the manifest.
    pub fn seal(
        mut self,
        signer: &SigningKey,
        countersigner: Option<&SigningKey>,
    ) -> Result<Pack, PackError> {
        for reserved in [MANIFEST, SIGNATURE, COUNTERSIGNATURE] {
            self.files.remove(reserved);
        }
        self.files
            .insert(SIGNER_KEY.into(), signer.public_key().to_pem().into_bytes());
        if let Some(c) = countersigner {
            self.files.insert(
                COUNTERSIGNER_KEY.into(),
                c.public_key().to_pem().into_bytes(),
            );
        }
        let hashes = self
            .files
            .iter()
            .map(|(p, b)| (p.clone(), manifest::sha256_hex(b)))
            .collect();
        let text = manifest::render(&hashes).into_bytes();
        self.insert(SIGNATURE, signer.sign(&text))?;
        if let Some(c) = countersigner {
            self.insert(COUNTERSIGNATURE, c.sign(&text))?;
        }
        self.insert(MANIFEST, text)?;
        Ok(self)
    }

    /// The pack as a `.tar.gz`: entries in path order under the top folder, mode 0644,
    /// owner 0, mtime 0, so the same pack gives the same bytes.
    pub fn to_archive(&self) -> Result<Vec<u8>, PackError> {
        let gz = GzEncoder::new(Vec::new(), Compression::default());
        let mut tar = tar::Builder::new(gz);
        tar.mode(tar::HeaderMode::Deterministic);
        let io = |e: std::io::Error| PackError::Archive(e.to_string());
        for (path, bytes) in &self.files {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_mtime(0);
            header.set_entry_type(tar::EntryType::Regular);
            tar.append_data(
                &mut header,
                format!("{}/{path}", self.name),
                bytes.as_slice(),
            )
            .map_err(io)?;
        }
        tar.into_inner().map_err(io)?.finish().map_err(io)
    }

    /// Reads a pack back from archive bytes: regular files only, one top folder, no
    /// duplicates, size-limited.
    pub fn from_archive(bytes: &[u8]) -> Result<Pack, PackError> {
        let arch = |e: std::io::Error| PackError::Archive(e.to_string());
        let mut archive = tar::Archive::new(GzDecoder::new(bytes));
        let mut pack = Pack::default();
        let mut total = 0u64;
        for entry in archive.entries().map_err(arch)? {
            let mut entry = entry.map_err(arch)?;
            let raw = entry.path().map_err(arch)?.to_path_buf();
            let shown = raw.to_string_lossy().into_owned();
            let mut parts = Vec::new();
            for c in raw.components() {
                match c {
                    Component::Normal(s) => parts.push(
                        s.to_str()
                            .ok_or_else(|| PackError::BadPath {
                                path: shown.clone(),
                            })?
                            .to_string(),
                    ),
                    Component::CurDir => {}
                    _ => return Err(PackError::BadPath { path: shown }),
                }
            }
            let Some((top, rest)) = parts.split_first() else {
                return Err(PackError::BadPath { path: shown });
            };
            if pack.name.is_empty() {
                pack.name = top.clone();
            } else if &pack.name != top {
                return Err(PackError::NotUnderTop(shown, pack.name.clone()));
            }
            match entry.header().entry_type() {
                tar::EntryType::Directory => continue,
                tar::EntryType::Regular | tar::EntryType::Continuous => {}
                _ => return Err(PackError::NotAFile(shown)),
            }
            if rest.is_empty() {
                return Err(PackError::BadPath { path: shown });
            }
            let size = entry.header().size().map_err(arch)?;
            total += size;
            if size > MAX_FILE || total > MAX_TOTAL {
                return Err(PackError::TooLarge(shown));
            }
            let mut data = Vec::with_capacity(size as usize);
            entry
                .by_ref()
                .take(MAX_FILE + 1)
                .read_to_end(&mut data)
                .map_err(arch)?;
            pack.insert(&rest.join("/"), data)?;
        }
        if pack.name.is_empty() {
            return Err(PackError::Archive("the archive is empty".into()));
        }
        Ok(pack)
    }
}

/// A plain relative path: `/`-separated non-empty parts, none `.` or `..`.
fn check_path(path: &str) -> Result<(), PackError> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path.contains('\0')
        || path
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..");
    if bad {
        return Err(PackError::BadPath { path: path.into() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_pack_round_trips_through_its_archive() {
        let key = SigningKey::generate().unwrap();
        let mut pack = Pack::new("evidence-bod-17-01").unwrap();
        pack.add("reports/a.json", b"{}".to_vec()).unwrap();
        pack.add("README.html", b"<html></html>".to_vec()).unwrap();
        let sealed = pack.seal(&key, None).unwrap();
        let bytes = sealed.to_archive().unwrap();
        assert_eq!(bytes, sealed.to_archive().unwrap(), "deterministic");
        let back = Pack::from_archive(&bytes).unwrap();
        assert_eq!(back, sealed);
        assert!(back.get(MANIFEST).is_some() && back.get(SIGNATURE).is_some());
    }

    #[test]
    fn bad_paths_and_archives_are_refused() {
        let mut pack = Pack::new("p").unwrap();
        for bad in ["", "/etc/passwd", "a/../b", "a//b", "./a", "a\\b"] {
            assert!(pack.add(bad, Vec::new()).is_err(), "{bad:?}");
        }
        assert!(matches!(
            pack.add(MANIFEST, Vec::new()),
            Err(PackError::Reserved(_))
        ));
        assert!(Pack::new("a/b").is_err());
        assert!(matches!(
            Pack::from_archive(b"not gzip"),
            Err(PackError::Archive(_))
        ));
        let key = SigningKey::generate().unwrap();
        pack.add("x", b"1".to_vec()).unwrap();
        let bytes = pack.seal(&key, None).unwrap().to_archive().unwrap();
        assert!(Pack::from_archive(&bytes[..bytes.len() / 2]).is_err());
    }
}
