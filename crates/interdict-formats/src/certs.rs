//! Certificates in trust stores: single PEM or DER files and PEM bundles.

use crate::FormatError;
use x509_parser::prelude::*;

/// The facts of one certificate that inventory needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateSummary {
    /// Subject distinguished name, e.g. `C=RU, O=AO Kaspersky Lab, CN=…`.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Serial number in upper-case hex.
    pub serial: String,
    /// Not-after date (RFC 2822 form as x509-parser prints it).
    pub not_after: String,
    /// Whether basic constraints say CA.
    pub is_ca: bool,
    /// Index of the certificate in its file (0 for single files).
    pub index: usize,
}

/// Parses one DER certificate.
pub fn parse_der_certificate(der: &[u8]) -> Result<CertificateSummary, FormatError> {
    let (_, cert) = X509Certificate::from_der(der)
        .map_err(|e| FormatError::malformed(0, format!("not a DER certificate: {e}")))?;
    Ok(CertificateSummary {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial: cert
            .raw_serial_as_string()
            .replace(':', "")
            .to_ascii_uppercase(),
        not_after: cert.validity().not_after.to_string(),
        is_ca: cert.is_ca(),
        index: 0,
    })
}

/// Parses a certificate file: PEM (one or many `CERTIFICATE` blocks) or a single DER
/// certificate. Returns the certificates read and one error per block that failed;
/// a file with neither is an error.
pub fn parse_certificate_file(
    data: &[u8],
) -> Result<(Vec<CertificateSummary>, Vec<FormatError>), FormatError> {
    if data.windows(11).any(|w| w == b"-----BEGIN ") {
        let mut certs = Vec::new();
        let mut errors = Vec::new();
        for (index, pem) in Pem::iter_from_buffer(data).enumerate() {
            match pem {
                Ok(pem) if pem.label == "CERTIFICATE" || pem.label == "TRUSTED CERTIFICATE" => {
                    match parse_der_certificate(&pem.contents) {
                        Ok(mut c) => {
                            c.index = index;
                            certs.push(c);
                        }
                        Err(e) => errors.push(FormatError::malformed(
                            index,
                            format!("certificate #{index}: {e}"),
                        )),
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    errors.push(FormatError::malformed(
                        index,
                        format!("pem block #{index}: {e}"),
                    ));
                    break;
                }
            }
        }
        if certs.is_empty() && errors.is_empty() {
            return Err(FormatError::malformed(0, "no certificate in pem file"));
        }
        Ok((certs, errors))
    } else {
        parse_der_certificate(data).map(|c| (vec![c], Vec::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(rel: &str) -> Vec<u8> {
        let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/");
        std::fs::read(format!("{p}{rel}")).expect("corpus file missing")
    }

    #[test]
    fn kaspersky_ev_code_signing_certificate() {
        let (c, errs) =
            parse_certificate_file(&corpus("kaspersky/certs/KLBOOTEV_2018.cer")).unwrap();
        assert!(errs.is_empty());
        let c = &c[0];
        assert!(c.subject.contains("CN=Kaspersky Lab"), "{}", c.subject);
        assert!(c.subject.contains("O=Kaspersky Lab"));
        assert!(c.subject.contains("1027739867473"));
        assert!(
            c.issuer.contains("CN=DigiCert EV Code Signing CA (SHA2)"),
            "{}",
            c.issuer
        );
        assert_eq!(c.serial, "0AFC3579727084945815545985EA2CCD");
        assert!(!c.is_ca);
    }

    #[test]
    fn kaspersky_uk_certificate_and_pem_ca() {
        let (c, _) = parse_certificate_file(&corpus("kaspersky/certs/KLFDEEV_2017.cer")).unwrap();
        assert!(
            c[0].subject.contains("O=Kaspersky Lab UK Ltd."),
            "{}",
            c[0].subject
        );
        assert_eq!(c[0].serial, "0682E31C1BA499FE0049BA31F13FDF73");
        let (c, _) = parse_certificate_file(&corpus("pe/signify/kdbazis.dll.crt")).unwrap();
        assert_eq!(c.len(), 1);
        assert!(
            c[0].subject.contains("CN=VirtualKD-Redux CA"),
            "{}",
            c[0].subject
        );
        assert_eq!(c[0].subject, c[0].issuer);
    }

    #[test]
    fn truncated_certificates_are_errors() {
        let der = corpus("kaspersky/certs/KLBOOTEV_2018.cer");
        for cut in [0, 1, 10, 100, der.len() / 2, der.len() - 1] {
            assert!(parse_certificate_file(&der[..cut]).is_err(), "cut {cut}");
        }
        let pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let r = parse_certificate_file(pem);
        assert!(r.is_err() || !r.unwrap().1.is_empty());
    }
}
