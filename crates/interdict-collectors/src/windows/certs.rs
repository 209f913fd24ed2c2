//! `win-cert-store-hive`: certificates in the registry certificate stores.

use super::{SOFTWARE_HIVE, find_hive, hive_error, join, open_spelled, user_hives, with_hive};
use crate::{Collector, Root, error_at};
use interdict_formats::regf::{Hive, Key};
use interdict_formats::wincert::{CERT_SHA1_HASH_PROP_ID, cert_der, parse_cert_properties};
use interdict_inventory::{Artifact, ArtifactKind, Inventory};
use x509_parser::prelude::{FromDer, X509Certificate};

const ID: &str = "win-cert-store-hive";

/// Machine stores read from `SOFTWARE\Microsoft\SystemCertificates`.
const MACHINE_STORES: [&str; 3] = ["ROOT", "AuthRoot", "CA"];

/// Certificates (kind Certificate, named by subject) from the `Blob` values of
/// `SOFTWARE\Microsoft\SystemCertificates\{ROOT,AuthRoot,CA}\Certificates\*` and of each
/// user's `Software\Microsoft\SystemCertificates\Root\Certificates\*`.
#[derive(Debug, Default, Clone, Copy)]
pub struct WinCertStoreHive;

impl Collector for WinCertStoreHive {
    fn id(&self) -> &'static str {
        ID
    }

    fn collect(&self, root: &Root) -> Inventory {
        let mut inv = Inventory::default();
        if let Some(rel) = find_hive(ID, root, SOFTWARE_HIVE, &mut inv) {
            with_hive(ID, root, &rel, &mut inv, |hive, inv| {
                for store in MACHINE_STORES {
                    read_store(
                        hive,
                        &rel,
                        r"Microsoft\SystemCertificates",
                        store,
                        None,
                        inv,
                    );
                }
            });
        }
        for (user, rel) in user_hives(ID, root, &mut inv) {
            with_hive(ID, root, &rel, &mut inv, |hive, inv| {
                read_store(
                    hive,
                    &rel,
                    r"Software\Microsoft\SystemCertificates",
                    "Root",
                    Some(&user),
                    inv,
                );
            });
        }
        inv
    }
}

fn read_store(
    hive: &Hive<'_>,
    rel: &str,
    base: &str,
    store: &str,
    user: Option<&str>,
    inv: &mut Inventory,
) {
    let path = format!(r"{base}\{store}\Certificates");
    let found = hive.root().and_then(|r| open_spelled(&r, "", &path));
    let (list, spelled) = match found {
        Ok(Some(found)) => found,
        Ok(None) => return,
        Err(e) => return inv.errors.push(hive_error(ID, rel, &path, &e)),
    };
    let entries = match list.subkeys() {
        Ok(k) => k,
        Err(e) => return inv.errors.push(hive_error(ID, rel, &spelled, &e)),
    };
    for entry in entries {
        let key_path = join(&spelled, entry.name());
        let location = format!("{rel}:{key_path}");
        match certificate(&entry, store, &location) {
            Ok(Some(a)) => {
                let a = match user {
                    Some(u) => a.with_attr("scope", "user").with_attr("user", u),
                    None => a.with_attr("scope", "machine"),
                };
                inv.artifacts.push(a);
            }
            Ok(None) => {}
            Err(message) => inv.errors.push(error_at(ID, &location, message)),
        }
    }
}

/// The certificate of one store entry; `None` if the entry has no `Blob` value.
fn certificate(entry: &Key<'_>, store: &str, location: &str) -> Result<Option<Artifact>, String> {
    let Some(blob) = entry.value_ci("Blob") else {
        return Ok(None);
    };
    let blob = blob.data().map_err(|e| format!("certificate blob: {e}"))?;
    let der = cert_der(&blob).map_err(|e| format!("certificate blob: {e}"))?;
    let (_, cert) = X509Certificate::from_der(der).map_err(|e| format!("certificate der: {e}"))?;
    let sha1 = parse_cert_properties(&blob)
        .ok()
        .and_then(|props| {
            props
                .into_iter()
                .find(|p| p.id == CERT_SHA1_HASH_PROP_ID && p.data.len() == 20)
        })
        .map(|p| hex::encode(p.data))
        .or_else(|| {
            let name = entry.name();
            (name.len() == 40 && name.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| name.to_ascii_lowercase())
        });
    let subject = cert.subject().to_string();
    let name = if subject.is_empty() {
        sha1.clone().unwrap_or_default()
    } else {
        subject
    };
    Ok(Some(
        Artifact::new(ArtifactKind::Certificate, name, location, ID)
            .with_attr("issuer", cert.issuer().to_string())
            .with_attr("serial", hex::encode(cert.raw_serial()))
            .with_attr("sha1", sha1.unwrap_or_default())
            .with_attr("store", store)
            .with_attr("not-after", cert.validity().not_after.to_string()),
    ))
}
