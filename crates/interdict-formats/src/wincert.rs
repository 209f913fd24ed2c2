//! The serialized certificate property list that Windows stores in the `Blob` value of a
//! registry certificate store entry (`…\SystemCertificates\ROOT\Certificates\<sha1>`).
//!
//! The blob is a run of records `{ u32 property id, u32 reserved, u32 length, data }`
//! (little-endian). The DER certificate itself is property [`CERT_CERT_PROP_ID`].

use crate::{FormatError, bytes};

/// Property id of the encoded (DER) certificate.
pub const CERT_CERT_PROP_ID: u32 = 32;

/// Property id of the SHA-1 thumbprint.
pub const CERT_SHA1_HASH_PROP_ID: u32 = 3;

/// One property record of a certificate blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertProperty<'a> {
    /// The property id (`CERT_*_PROP_ID`).
    pub id: u32,
    /// The property's bytes.
    pub data: &'a [u8],
}

/// Splits a certificate blob into its property records.
pub fn parse_cert_properties(blob: &[u8]) -> Result<Vec<CertProperty<'_>>, FormatError> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < blob.len() {
        let id = bytes::u32_le(blob, at, "certificate property id")?;
        let len =
            bytes::u32_le(blob, at.saturating_add(8), "certificate property length")? as usize;
        let start = at.saturating_add(12);
        let data = bytes::slice(blob, start, len, "certificate property data")?;
        out.push(CertProperty { id, data });
        at = start.saturating_add(len);
    }
    Ok(out)
}

/// The DER certificate of a blob. A blob without one is malformed.
pub fn cert_der(blob: &[u8]) -> Result<&[u8], FormatError> {
    parse_cert_properties(blob)?
        .into_iter()
        .find(|p| p.id == CERT_CERT_PROP_ID)
        .map(|p| p.data)
        .ok_or_else(|| {
            FormatError::malformed(0, "certificate blob has no certificate property (id 32)")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: u32, data: &[u8]) -> Vec<u8> {
        [
            &id.to_le_bytes()[..],
            &1u32.to_le_bytes(),
            &(data.len() as u32).to_le_bytes(),
            data,
        ]
        .concat()
    }

    #[test]
    fn finds_the_der_among_other_properties() {
        let blob = [
            record(3, &[0xaa; 20]),
            record(32, b"\x30\x03\x02\x01\x01"),
            record(20, b"x"),
        ]
        .concat();
        let props = parse_cert_properties(&blob).unwrap();
        assert_eq!(props.iter().map(|p| p.id).collect::<Vec<_>>(), [3, 32, 20]);
        assert_eq!(cert_der(&blob).unwrap(), b"\x30\x03\x02\x01\x01");
    }

    #[test]
    fn truncated_or_missing_certificates_are_errors() {
        let blob = record(32, b"abcdef");
        assert!(
            cert_der(&blob[..blob.len() - 1])
                .unwrap_err()
                .to_string()
                .contains("truncated")
        );
        assert!(
            cert_der(&record(3, b"x"))
                .unwrap_err()
                .to_string()
                .contains("id 32")
        );
        assert!(cert_der(&[1, 2, 3]).is_err());
    }
}
