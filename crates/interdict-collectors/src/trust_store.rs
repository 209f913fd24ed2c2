//! Certificates in the system trust stores (Debian, Red Hat, SUSE, Arch, Alpine layouts).

use crate::{Collector, Root, error_at};
use interdict_formats::certs::parse_certificate_file;
use interdict_inventory::{Artifact, ArtifactKind, Inventory};
use std::collections::BTreeMap;

const ID: &str = "trust-store";

/// Single bundle files.
const BUNDLES: &[&str] = &[
    "etc/ssl/certs/ca-certificates.crt",
    "etc/pki/tls/certs/ca-bundle.crt",
    "etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "etc/ssl/cert.pem",
    "etc/ssl/ca-bundle.pem",
];

/// Directories of individual certificates (searched recursively, two levels).
const DIRS: &[&str] = &[
    "etc/ssl/certs",
    "usr/local/share/ca-certificates",
    "usr/share/ca-certificates",
    "etc/pki/ca-trust/source/anchors",
    "usr/share/pki/ca-trust-source/anchors",
    "etc/pki/trust/anchors",
    "etc/ca-certificates/trust-source/anchors",
];

/// Largest certificate file or bundle read: the system bundles are about 200 kB.
pub const MAX_CERT_FILE: u64 = 16 * 1024 * 1024;

const CERT_SUFFIXES: &[&str] = &[".pem", ".crt", ".cer", ".der"];

/// Reads trust-store files and bundles. A certificate present in several places is one
/// artifact listing every place in `paths`.
#[derive(Debug, Default, Clone)]
pub struct TrustStoreCollector;

impl Collector for TrustStoreCollector {
    fn id(&self) -> &'static str {
        ID
    }

    fn collect(&self, root: &Root) -> Inventory {
        let mut inv = Inventory::default();
        let mut files: Vec<String> = Vec::new();
        for b in BUNDLES {
            match root.probe(b) {
                Ok(None) => {}
                Ok(Some(_)) => files.push(b.to_string()),
                Err(e) => inv.errors.push(error_at(ID, b, e)),
            }
        }
        for dir in DIRS {
            list_cert_files(root, dir, 2, &mut files, &mut inv);
        }
        files.dedup();
        let mut by_key: BTreeMap<(String, String), Artifact> = BTreeMap::new();
        for file in files {
            let bytes = match root.read_limited(&file, MAX_CERT_FILE) {
                Ok(b) => b,
                Err(e) => {
                    inv.errors.push(error_at(ID, &file, e));
                    continue;
                }
            };
            match parse_certificate_file(&bytes) {
                Ok((certs, errors)) => {
                    for e in errors {
                        inv.errors.push(error_at(ID, &file, e));
                    }
                    for c in certs {
                        let location = if c.index > 0 || BUNDLES.contains(&file.as_str()) {
                            format!("{file}#{}", c.index)
                        } else {
                            file.clone()
                        };
                        by_key
                            .entry((c.subject.clone(), c.serial.clone()))
                            .and_modify(|a| a.paths.push(location.clone()))
                            .or_insert_with(|| {
                                Artifact::new(ArtifactKind::Certificate, &c.subject, &location, ID)
                                    .with_path(&location)
                                    .with_attr("issuer", &c.issuer)
                                    .with_attr("serial", &c.serial)
                                    .with_attr("not-after", &c.not_after)
                                    .with_attr("ca", c.is_ca.to_string())
                            });
                    }
                }
                Err(e) => inv.errors.push(error_at(ID, &file, e)),
            }
        }
        inv.artifacts.extend(by_key.into_values());
        inv
    }
}

/// Certificate files under `dir`, skipping symlinks (hash links and links into other
/// store directories, which are read there).
fn list_cert_files(
    root: &Root,
    dir: &str,
    depth: usize,
    out: &mut Vec<String>,
    inv: &mut Inventory,
) {
    let entries = match root.read_dir(dir) {
        Ok(e) => e,
        Err(e) if crate::root::is_absent(&e) => return,
        Err(e) => return inv.errors.push(error_at(ID, dir, e)),
    };
    for e in entries {
        if e.is_symlink || BUNDLES.contains(&e.rel.as_str()) {
            continue;
        }
        if e.is_dir {
            if depth > 0 {
                list_cert_files(root, &e.rel, depth - 1, out, inv);
            }
        } else if CERT_SUFFIXES
            .iter()
            .any(|s| e.name.to_ascii_lowercase().ends_with(s))
        {
            out.push(e.rel);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(rel: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../../shared/corpus/{rel}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("corpus")
    }

    #[test]
    fn certificates_in_bundles_and_anchor_dirs() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        let der = corpus("kaspersky/certs/KLBOOTEV_2018.cer");
        let pem = corpus("pe/signify/kdbazis.dll.crt");
        std::fs::create_dir_all(p.join("etc/ssl/certs")).unwrap();
        std::fs::create_dir_all(p.join("etc/pki/ca-trust/source/anchors")).unwrap();
        let mut bundle = b"junk before\n".to_vec();
        bundle.extend_from_slice(&pem);
        std::fs::write(p.join("etc/ssl/certs/ca-certificates.crt"), &bundle).unwrap();
        std::fs::write(p.join("etc/pki/ca-trust/source/anchors/kl.cer"), &der).unwrap();
        std::fs::write(p.join("etc/ssl/certs/vkd.pem"), &pem).unwrap();
        std::fs::write(
            p.join("etc/ssl/certs/broken.pem"),
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let inv = TrustStoreCollector.collect(&Root::offline(p).unwrap());
        assert_eq!(inv.artifacts.len(), 2, "{:#?}", inv.artifacts);
        let vkd = inv
            .artifacts
            .iter()
            .find(|a| a.name.contains("VirtualKD"))
            .unwrap();
        assert_eq!(
            vkd.paths,
            [
                "etc/ssl/certs/ca-certificates.crt#0",
                "etc/ssl/certs/vkd.pem"
            ]
        );
        let kl = inv
            .artifacts
            .iter()
            .find(|a| a.name.contains("Kaspersky"))
            .unwrap();
        assert_eq!(kl.location, "etc/pki/ca-trust/source/anchors/kl.cer");
        assert_eq!(inv.errors.len(), 1);
        assert_eq!(inv.errors[0].location, "etc/ssl/certs/broken.pem");
    }
}
