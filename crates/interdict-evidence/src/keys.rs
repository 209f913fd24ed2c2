//! Ed25519 signing keys as PEM files: the private key as PKCS#8 (`PRIVATE KEY`, what
//! `openssl genpkey -algorithm ED25519` writes) and the public key as SPKI (`PUBLIC
//! KEY`), so both interdict and OpenSSL read them.

use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use pem_rfc7468::LineEnding;
use sha2::{Digest, Sha256};

/// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the algorithm
/// identifier 1.3.101.112 and the bit-string header of the 32-byte key.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// A key file that could not be read or a key that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Not a PEM document, or not the expected label.
    #[error("not a PEM {expected} document: {message}")]
    Pem {
        /// The label expected (`PRIVATE KEY`, `PUBLIC KEY`).
        expected: &'static str,
        /// What is wrong.
        message: String,
    },
    /// PEM, but not an Ed25519 key.
    #[error("not an Ed25519 key: {0}")]
    NotEd25519(String),
    /// The system's random source failed.
    #[error("could not generate a key: {0}")]
    Generate(String),
}

/// An Ed25519 private key.
pub struct SigningKey {
    pair: Ed25519KeyPair,
    pkcs8: Vec<u8>,
}

impl SigningKey {
    /// A new random key.
    pub fn generate() -> Result<SigningKey, KeyError> {
        let pair = Ed25519KeyPair::generate().map_err(|e| KeyError::Generate(e.to_string()))?;
        let pkcs8 = pair
            .to_pkcs8v1()
            .map_err(|e| KeyError::Generate(e.to_string()))?
            .as_ref()
            .to_vec();
        Ok(SigningKey { pair, pkcs8 })
    }

    /// Reads a `PRIVATE KEY` PEM document (PKCS#8 v1 or v2).
    pub fn from_pem(text: &[u8]) -> Result<SigningKey, KeyError> {
        let der = pem_body(text, "PRIVATE KEY")?;
        let pair =
            Ed25519KeyPair::from_pkcs8(&der).map_err(|e| KeyError::NotEd25519(e.to_string()))?;
        Ok(SigningKey { pair, pkcs8: der })
    }

    /// The key as a `PRIVATE KEY` PEM document (PKCS#8 v1).
    pub fn to_pem(&self) -> String {
        pem(&self.pkcs8, "PRIVATE KEY")
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        let mut raw = [0u8; 32];
        raw.copy_from_slice(self.pair.public_key().as_ref());
        PublicKey { raw }
    }

    /// The 64-byte signature of `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair.sign(message).as_ref().to_vec()
    }
}

/// An Ed25519 public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    raw: [u8; 32],
}

impl PublicKey {
    /// Reads a `PUBLIC KEY` PEM document (SPKI).
    pub fn from_pem(text: &[u8]) -> Result<PublicKey, KeyError> {
        let der = pem_body(text, "PUBLIC KEY")?;
        let raw = der
            .strip_prefix(&SPKI_PREFIX[..])
            .filter(|k| k.len() == 32)
            .ok_or_else(|| KeyError::NotEd25519("the key is not an Ed25519 SPKI".into()))?;
        let mut key = [0u8; 32];
        key.copy_from_slice(raw);
        Ok(PublicKey { raw: key })
    }

    /// The key as a `PUBLIC KEY` PEM document (SPKI).
    pub fn to_pem(&self) -> String {
        let mut der = SPKI_PREFIX.to_vec();
        der.extend_from_slice(&self.raw);
        pem(&der, "PUBLIC KEY")
    }

    /// `SHA256:` and the hex SHA-256 of the 32 raw key bytes: what a key's owner
    /// publishes and an auditor compares.
    pub fn fingerprint(&self) -> String {
        format!("SHA256:{}", hex::encode(Sha256::digest(self.raw)))
    }

    /// Whether `signature` is this key's signature of `message`.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&ED25519, &self.raw)
            .verify(message, signature)
            .is_ok()
    }
}

fn pem(der: &[u8], label: &str) -> String {
    // Encoding into a String cannot fail for a valid label and any bytes.
    pem_rfc7468::encode_string(label, LineEnding::LF, der).unwrap_or_default()
}

fn pem_body(text: &[u8], expected: &'static str) -> Result<Vec<u8>, KeyError> {
    let text = String::from_utf8_lossy(text);
    let (label, der) =
        pem_rfc7468::decode_vec(text.trim().as_bytes()).map_err(|e| KeyError::Pem {
            expected,
            message: e.to_string(),
        })?;
    if label != expected {
        return Err(KeyError::Pem {
            expected,
            message: format!("the document is a {label}"),
        });
    }
    Ok(der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_pem_and_sign() {
        let key = SigningKey::generate().unwrap();
        let again = SigningKey::from_pem(key.to_pem().as_bytes()).unwrap();
        let public = PublicKey::from_pem(key.public_key().to_pem().as_bytes()).unwrap();
        assert_eq!(again.public_key(), public);
        let sig = again.sign(b"manifest");
        assert_eq!(sig.len(), 64);
        assert!(public.verifies(b"manifest", &sig));
        assert!(!public.verifies(b"manifesto", &sig));
        assert!(public.fingerprint().starts_with("SHA256:"));
        assert_eq!(public.fingerprint().len(), 7 + 64);
    }

    #[test]
    fn wrong_documents_are_named() {
        let key = SigningKey::generate().unwrap();
        let e = SigningKey::from_pem(key.public_key().to_pem().as_bytes())
            .err()
            .unwrap();
        assert!(e.to_string().contains("PUBLIC KEY"), "{e}");
        assert!(PublicKey::from_pem(b"hello").is_err());
    }
}
