//! Authenticode signers, with each distinct certificate decoded once per scan.
//!
//! Decoding a signature's whole certificate chain (three or four X.509 certificates, often
//! again in a nested signature) is most of the cost of identifying a signed PE, and on a
//! real volume the same few signer and CA certificates repeat thousands of times. So the
//! fast path decodes only the `SignedData` shell and its signer infos, takes the embedded
//! certificates as raw DER, and decodes each distinct one once through a [`CertCache`]
//! shared by the caller (one per scan). Whenever the signature is anything but the plain,
//! well-formed shape (a CRL set, a non-X.509 certificate choice, duplicate certificates,
//! two certificates matching one signer, any decoding error) the blob is decoded the
//! complete way with `cms`, so results and error texts are exactly those of that decoder.

use super::{MAX_NESTING, NESTED_SIGNATURE_OID, Signer, digest_name, embedded_certificates};
use super::{format_name, hex_upper, signer_certificate};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    DigestAlgorithmIdentifiers, EncapsulatedContentInfo, SignedData, SignerInfos,
};
use der::oid::ObjectIdentifier;
use der::{Decode, Encode, Header, Reader, SliceReader, Tag, TagNumber};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};
use x509_cert::Certificate;

/// Most distinct certificates a [`CertCache`] keeps (a few MB); past it, new ones are
/// decoded each time they are met, so a volume crafted with endless certificates cannot
/// grow memory.
pub const MAX_CACHED_CERTS: usize = 2048;

/// Certificates longer than this are decoded every time rather than kept.
const MAX_CACHED_CERT_LEN: usize = 16 * 1024;

/// `id-signedData`.
const SIGNED_DATA_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

/// Decoded X.509 certificates by their DER bytes, shared by the threads of one scan.
#[derive(Debug, Default)]
pub struct CertCache {
    /// A cheap fingerprint (length and the trailing signature bytes) to the certificates
    /// that have it; equality is always checked on the whole DER.
    map: Mutex<HashMap<u64, Vec<Cached>>>,
}

/// A certificate's DER bytes and its decoded form.
type Cached = (Box<[u8]>, Arc<Decoded>);

/// A decoded certificate with the text a [`Signer`] shows of it, formatted on first use.
#[derive(Debug)]
struct Decoded {
    cert: Certificate,
    described: std::sync::OnceLock<Described>,
}

/// Subject, issuer and serial number of a certificate as a [`Signer`] shows them.
type Described = (String, String, String);

fn describe(cert: &Certificate) -> Described {
    (
        format_name(&cert.tbs_certificate.subject),
        format_name(&cert.tbs_certificate.issuer),
        hex_upper(cert.tbs_certificate.serial_number.as_bytes()),
    )
}

impl CertCache {
    /// Distinct certificates held.
    pub fn len(&self) -> usize {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.values().map(Vec::len).sum()
    }

    /// Whether no certificate is held yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The certificate whose DER encoding is `der`, decoded on first sight.
    fn get(&self, der: &[u8]) -> der::Result<Arc<Decoded>> {
        let key = fingerprint(der);
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = map
            .get(&key)
            .and_then(|v| v.iter().find(|(d, _)| **d == *der))
        {
            return Ok(hit.1.clone());
        }
        let full = map.len() >= MAX_CACHED_CERTS || der.len() > MAX_CACHED_CERT_LEN;
        drop(map);
        let cert = Arc::new(Decoded {
            cert: Certificate::from_der(der)?,
            described: Default::default(),
        });
        if !full {
            let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
            let bucket = map.entry(key).or_default();
            if !bucket.iter().any(|(d, _)| **d == *der) {
                bucket.push((der.into(), cert.clone()));
            }
        }
        Ok(cert)
    }
}

/// Length and the last 64 bytes (inside the certificate's signature value, which differs
/// between any two certificates) hashed: cheaper than hashing a whole 1.5 KB certificate.
fn fingerprint(der: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    der.len().hash(&mut h);
    der[der.len().saturating_sub(64)..].hash(&mut h);
    h.finish()
}

/// The signers of one PKCS#7 Authenticode blob, then those of its nested signatures.
pub(super) fn signers_of(
    der_bytes: &[u8],
    nested: bool,
    depth: usize,
    cache: &CertCache,
) -> Result<Vec<Signer>, String> {
    signers_with(der_bytes, nested, depth, Some(cache))
}

/// [`signers_of`]; without a cache, every blob (nested ones too) is decoded completely.
fn signers_with(
    der_bytes: &[u8],
    nested: bool,
    depth: usize,
    cache: Option<&CertCache>,
) -> Result<Vec<Signer>, String> {
    if let Some(cache) = cache
        && let Some(out) = fast_signers(der_bytes, nested, depth, cache)
    {
        return Ok(out);
    }
    let (signed, digest_alg) = decode_authenticode(der_bytes)?;
    let certs = embedded_certificates(&signed);
    Ok(signers_from(
        &certs,
        &describe,
        &signed.signer_infos,
        &digest_alg,
        nested,
        depth,
        cache,
    ))
}

/// The fast path of [`signers_of`]; `None` when the blob must be decoded completely.
fn fast_signers(
    der_bytes: &[u8],
    nested: bool,
    depth: usize,
    cache: &CertCache,
) -> Option<Vec<Signer>> {
    let shell = decode_shell(der_bytes).ok()?;
    let digest_alg = check_shape(
        &shell.version,
        &shell.digest_algorithms,
        &shell.encap,
        &shell.signer_infos,
    )
    .ok()?;
    let mut raw = shell.certs.clone();
    raw.sort_unstable();
    if raw.windows(2).any(|w| w[0] == w[1]) {
        // A set with a duplicate is an error for the complete decoder.
        return None;
    }
    let decoded: Vec<Arc<Decoded>> = shell
        .certs
        .iter()
        .map(|der| cache.get(der))
        .collect::<der::Result<_>>()
        .ok()?;
    let certs: Vec<&Certificate> = decoded.iter().map(|d| &d.cert).collect();
    // Each distinct certificate's text is formatted once, too.
    let described = |cert: &Certificate| {
        decoded
            .iter()
            .find(|d| std::ptr::eq(&d.cert, cert))
            .map(|d| d.described.get_or_init(|| describe(&d.cert)).clone())
            .unwrap_or_else(|| describe(cert))
    };
    // The complete decoder sorts the set; which certificate is found first matters only
    // when more than one matches a signer.
    for si in shell.signer_infos.0.iter() {
        let matching = certs
            .iter()
            .filter(|c| signer_certificate(std::slice::from_ref(*c), &si.sid).is_some())
            .count();
        if matching > 1 {
            return None;
        }
    }
    Some(signers_from(
        &certs,
        &described,
        &shell.signer_infos,
        &digest_alg,
        nested,
        depth,
        Some(cache),
    ))
}

/// The signers named by `signer_infos` among `certs`, then their nested signatures'.
fn signers_from(
    certs: &[&Certificate],
    describe: &dyn Fn(&Certificate) -> Described,
    signer_infos: &SignerInfos,
    digest_alg: &str,
    nested: bool,
    depth: usize,
    cache: Option<&CertCache>,
) -> Vec<Signer> {
    let mut out = Vec::new();
    for si in signer_infos.0.iter() {
        if let Some(cert) = signer_certificate(certs, &si.sid) {
            let (subject, issuer, serial) = describe(cert);
            out.push(Signer {
                subject,
                issuer,
                serial,
                digest_alg: digest_alg.to_string(),
                nested,
            });
        }
        if depth >= MAX_NESTING {
            continue;
        }
        let Some(attrs) = &si.unsigned_attrs else {
            continue;
        };
        for attr in attrs.iter().filter(|a| a.oid == NESTED_SIGNATURE_OID) {
            for value in attr.values.iter() {
                let Ok(inner) = value.to_der() else { continue };
                // A broken nested signature does not void the primary one.
                if let Ok(mut more) = signers_with(&inner, true, depth + 1, cache) {
                    out.append(&mut more);
                }
            }
        }
    }
    out
}

/// A `SignedData` with its certificates left as DER.
struct Shell<'a> {
    version: CmsVersion,
    digest_algorithms: DigestAlgorithmIdentifiers,
    encap: EncapsulatedContentInfo,
    certs: Vec<&'a [u8]>,
    signer_infos: SignerInfos,
}

/// Decodes `ContentInfo { signedData, [0] SignedData }` keeping the certificates as DER;
/// an error for anything but that plain shape (no CRLs, X.509 certificates only).
/// Trailing bytes after the `ContentInfo` are allowed, as in the complete decoder.
fn decode_shell(der_bytes: &[u8]) -> der::Result<Shell<'_>> {
    let unexpected = |tag: Tag| {
        der::Error::from(der::ErrorKind::TagUnexpected {
            expected: None,
            actual: tag,
        })
    };
    let mut reader = SliceReader::new(der_bytes)?;
    reader.sequence(|r| {
        if ObjectIdentifier::decode(r)? != SIGNED_DATA_OID {
            return Err(der::ErrorKind::Failed.into());
        }
        let explicit = Header::decode(r)?;
        if explicit.tag
            != (Tag::ContextSpecific {
                constructed: true,
                number: TagNumber::N0,
            })
        {
            return Err(unexpected(explicit.tag));
        }
        r.read_nested(explicit.length, |r| {
            r.sequence(|r| {
                let version = CmsVersion::decode(r)?;
                let digest_algorithms = DigestAlgorithmIdentifiers::decode(r)?;
                let encap = EncapsulatedContentInfo::decode(r)?;
                let mut certs = Vec::new();
                let certs_tag = Tag::ContextSpecific {
                    constructed: true,
                    number: TagNumber::N0,
                };
                if r.peek_tag()? == certs_tag {
                    let header = Header::decode(r)?;
                    let mut set = SliceReader::new(r.read_slice(header.length)?)?;
                    while !set.is_finished() {
                        let tag = set.peek_tag()?;
                        if tag != Tag::Sequence {
                            return Err(unexpected(tag));
                        }
                        certs.push(set.tlv_bytes()?);
                    }
                }
                let tag = r.peek_tag()?;
                if tag != Tag::Set {
                    return Err(unexpected(tag));
                }
                let signer_infos = SignerInfos::decode(r)?;
                Ok(Shell {
                    version,
                    digest_algorithms,
                    encap,
                    certs,
                    signer_infos,
                })
            })
        })
    })
}

/// Checks the shape `authenticode::AuthenticodeSignature::from_bytes` requires (signed
/// data v1 with one digest algorithm, `SpcIndirectDataContent` inside, one v1 signer using
/// that algorithm, a message digest among its signed attributes); returns the digest
/// algorithm of the signed image hash.
fn check_shape(
    version: &CmsVersion,
    digest_algorithms: &DigestAlgorithmIdentifiers,
    encap: &EncapsulatedContentInfo,
    signer_infos: &SignerInfos,
) -> Result<String, String> {
    const MESSAGE_DIGEST_OID: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
    let bad = |what: &str| format!("authenticode: {what}");
    if *version != CmsVersion::V1 {
        return Err(bad("signed data version is not 1"));
    }
    let [digest] = digest_algorithms.as_slice() else {
        return Err(bad("not exactly one digest algorithm"));
    };
    if encap.econtent_type != authenticode::SPC_INDIRECT_DATA_OBJID {
        return Err(bad("encapsulated content is not spc indirect data"));
    }
    let indirect = encap
        .econtent
        .as_ref()
        .ok_or_else(|| bad("empty encapsulated content"))?
        .decode_as::<authenticode::SpcIndirectDataContent>()
        .map_err(|e| bad(&format!("invalid spc indirect data: {e}")))?;
    let [signer] = signer_infos.0.as_slice() else {
        return Err(bad("not exactly one signer"));
    };
    if signer.version != CmsVersion::V1 || signer.digest_alg != *digest {
        return Err(bad("signer version or digest algorithm mismatch"));
    }
    if let Some(attrs) = &signer.signed_attrs
        && !attrs.iter().any(|a| a.oid == MESSAGE_DIGEST_OID)
    {
        return Err(bad("signed attributes without a message digest"));
    }
    Ok(digest_name(&indirect.message_digest.digest_algorithm.oid))
}

/// Decodes an Authenticode signature completely with `cms` and checks its shape
/// ([`check_shape`]). Done here rather than through
/// `authenticode::AuthenticodeSignature::from_bytes` because that clones the whole
/// `SignedData` twice and cannot hand it back, so every signature was decoded twice.
fn decode_authenticode(der_bytes: &[u8]) -> Result<(SignedData, String), String> {
    let bad = |what: &str| format!("authenticode: {what}");
    let mut reader = SliceReader::new(der_bytes).map_err(|_| bad("empty signature"))?;
    let ci =
        ContentInfo::decode(&mut reader).map_err(|e| bad(&format!("invalid content info: {e}")))?;
    if ci.content_type != SIGNED_DATA_OID {
        return Err(bad(&format!(
            "content type {} is not signed data",
            ci.content_type
        )));
    }
    let signed = ci
        .content
        .decode_as::<SignedData>()
        .map_err(|e| bad(&format!("invalid signed data: {e}")))?;
    let alg = check_shape(
        &signed.version,
        &signed.digest_algorithms,
        &signed.encap_content_info,
        &signed.signer_infos,
    )?;
    Ok((signed, alg))
}

#[cfg(test)]
mod tests;
