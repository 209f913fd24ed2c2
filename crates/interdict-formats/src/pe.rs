//! Windows PE files: machine, kind (DLL, driver, .NET), VERSIONINFO strings and
//! Authenticode signers, including nested (dual) signatures.
//!
//! Headers and resources are read with `goblin`; the attribute certificate table is decoded
//! with the `authenticode` crate and `cms`. Goblin's `VsFixedFileInfo::file_version()` reads
//! the wrong fields (it uses the file date), so the fixed version is built from
//! `file_version_ms/ls` directly.

use crate::FormatError;
use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::asn1::{BmpString, Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef};
use der::oid::ObjectIdentifier;
use der::{Decode, Reader, SliceReader, Tag, Tagged};
use goblin::pe::options::{ParseMode, ParseOptions};
use goblin::pe::{PE, header};
use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::Name;

mod reader;
mod resources;
mod signature;
pub use reader::{
    Counted, HEAD_READ, MAX_CERT_TABLE, MAX_HEADERS, MAX_VERSION_INFO, ReadAt, parse_pe_info_at,
    parse_pe_info_at_cached,
};
pub use resources::MAX_RESOURCE_LEVELS;
pub use signature::{CertCache, MAX_CACHED_CERTS};

/// The OID of the unsigned attribute carrying a nested Authenticode signature.
const NESTED_SIGNATURE_OID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.2.4.1");

/// Most levels of nested signatures followed.
const MAX_NESTING: usize = 4;

/// `WIN_CERT_TYPE_PKCS_SIGNED_DATA`.
const WIN_CERT_TYPE_PKCS_SIGNED_DATA: u16 = 0x0002;

/// `IMAGE_SUBSYSTEM_NATIVE`: kernel drivers.
const SUBSYSTEM_NATIVE: u16 = 1;

/// What a PE file says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeInfo {
    /// Target machine: `x86`, `x64`, `arm64`, `arm`, `ia64`, or the hex code (`0x1234`).
    pub machine: String,
    /// PE32+ (64-bit optional header).
    pub is_64: bool,
    /// The `IMAGE_FILE_DLL` characteristic is set.
    pub is_dll: bool,
    /// Subsystem native: a kernel-mode driver.
    pub is_driver: bool,
    /// A CLR runtime header is present: a .NET assembly.
    pub is_dotnet: bool,
    /// The optional header's subsystem (`0` without an optional header).
    pub subsystem: u16,
    /// The VERSIONINFO resource, when present.
    pub version_info: Option<VersionInfo>,
    /// An Authenticode signature (PKCS#7 signed data) was found and decoded.
    pub signed: bool,
    /// Signers of every embedded signature, primary first, nested after.
    pub signers: Vec<Signer>,
    /// Why a present certificate table could not be decoded, if it could not.
    pub signature_error: Option<String>,
}

/// The VERSIONINFO resource: the fixed part and the first string table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionInfo {
    /// `CompanyName`.
    pub company_name: Option<String>,
    /// `ProductName`.
    pub product_name: Option<String>,
    /// `FileDescription`.
    pub file_description: Option<String>,
    /// `OriginalFilename`.
    pub original_filename: Option<String>,
    /// `InternalName`.
    pub internal_name: Option<String>,
    /// `FileVersion` (the string, as written by the vendor).
    pub file_version: Option<String>,
    /// `ProductVersion` (the string).
    pub product_version: Option<String>,
    /// `LegalCopyright`.
    pub legal_copyright: Option<String>,
    /// The fixed file version `a.b.c.d` from `VS_FIXEDFILEINFO`.
    pub fixed_file_version: Option<String>,
    /// The fixed product version `a.b.c.d` from `VS_FIXEDFILEINFO`.
    pub fixed_product_version: Option<String>,
}

/// The signer of one Authenticode signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// Subject of the signing certificate, `CN=…, O=…, L=…, S=…, C=…` (most specific first).
    pub subject: String,
    /// Issuer of the signing certificate, same form.
    pub issuer: String,
    /// Serial number of the signing certificate, upper-case hex.
    pub serial: String,
    /// Authenticode digest algorithm: `sha1`, `sha256`, … (or the OID).
    pub digest_alg: String,
    /// Found in a nested signature rather than the primary one.
    pub nested: bool,
}

/// Parses a PE file. Errors when the headers cannot be read; a bad resource section or a
/// bad signature only leaves the matching fields empty.
pub fn parse_pe_info(bytes: &[u8]) -> Result<PeInfo, FormatError> {
    if bytes.get(0..2) != Some(b"MZ") {
        return Err(FormatError::BadMagic {
            offset: 0,
            what: "pe file (mz)".into(),
        });
    }
    let mut opts = ParseOptions::default().with_parse_mode(ParseMode::Permissive);
    opts.parse_imports = false;
    opts.parse_tls_data = false;
    // Resources are read apart (`resources::version_info`), after a bound on the tree's
    // depth; a broken resource tree never hides the rest.
    opts.parse_resources = false;
    let pe = guarded_parse(bytes, &opts)?;
    let mut info = header_info(&pe);
    info.version_info = resources::version_info(bytes, &pe, &opts)
        .as_ref()
        .map(convert_version);
    add_signatures(
        &mut info,
        pe.certificates
            .iter()
            .map(|c| (c.certificate_type as u16, c.certificate)),
        &CertCache::default(),
    );
    Ok(info)
}

/// The facts the PE headers give: machine, word size, DLL, subsystem, .NET.
fn header_info(pe: &PE<'_>) -> PeInfo {
    let mut info = PeInfo {
        machine: machine_name(pe.header.coff_header.machine),
        is_64: pe.is_64,
        is_dll: pe.is_lib,
        ..PeInfo::default()
    };
    if let Some(oh) = &pe.header.optional_header {
        info.subsystem = oh.windows_fields.subsystem;
        info.is_driver = info.subsystem == SUBSYSTEM_NATIVE;
        info.is_dotnet = oh
            .data_directories
            .get_clr_runtime_header()
            .is_some_and(|d| d.virtual_address != 0 && d.size != 0);
    }
    info
}

/// Decodes the signers of every PKCS#7 entry of an attribute certificate table, given as
/// `(wCertificateType, bCertificate)` pairs.
fn add_signatures<'a>(
    info: &mut PeInfo,
    certs: impl Iterator<Item = (u16, &'a [u8])>,
    cache: &CertCache,
) {
    for (kind, der_bytes) in certs {
        if kind != WIN_CERT_TYPE_PKCS_SIGNED_DATA {
            continue;
        }
        match signature::signers_of(der_bytes, false, 0, cache) {
            Ok(mut s) => {
                info.signed = true;
                info.signers.append(&mut s);
            }
            Err(e) => info.signature_error = Some(e),
        }
    }
}

/// Runs goblin, turning both its errors and (defensively) its panics into errors.
fn guarded_parse<'a>(bytes: &'a [u8], opts: &ParseOptions) -> Result<PE<'a>, FormatError> {
    let run = std::panic::AssertUnwindSafe(|| PE::parse_with_opts(bytes, opts));
    match std::panic::catch_unwind(run) {
        Ok(Ok(pe)) => Ok(pe),
        Ok(Err(e)) => Err(FormatError::malformed(
            0,
            format!("pe: {}", e.to_string().to_lowercase()),
        )),
        Err(_) => Err(FormatError::malformed(
            0,
            "pe: parser failed on malformed input",
        )),
    }
}

fn machine_name(m: u16) -> String {
    match m {
        header::COFF_MACHINE_X86 => "x86".into(),
        header::COFF_MACHINE_X86_64 => "x64".into(),
        header::COFF_MACHINE_ARM64 => "arm64".into(),
        header::COFF_MACHINE_ARM | header::COFF_MACHINE_ARMNT | header::COFF_MACHINE_THUMB => {
            "arm".into()
        }
        header::COFF_MACHINE_IA64 => "ia64".into(),
        header::COFF_MACHINE_EBC => "ebc".into(),
        header::COFF_MACHINE_RISCV64 => "riscv64".into(),
        header::COFF_MACHINE_LOONGARCH64 => "loongarch64".into(),
        other => format!("{other:#06x}"),
    }
}

/// `VS_FIXEDFILEINFO` fields used: signature, file and product versions (`ms`, `ls`).
#[derive(Debug, Clone, Copy)]
struct FixedVersion {
    signature: u32,
    file: (u32, u32),
    product: (u32, u32),
}

/// The string keys read from the VERSIONINFO string table.
const VERSION_KEYS: [&str; 8] = [
    "CompanyName",
    "ProductName",
    "FileDescription",
    "OriginalFilename",
    "InternalName",
    "FileVersion",
    "ProductVersion",
    "LegalCopyright",
];

/// Builds [`VersionInfo`] from the fixed part and a lookup of the [`VERSION_KEYS`]: both
/// parsers (whole file and positioned reads) end here, so they trim and filter alike.
fn version_info(
    fixed: Option<FixedVersion>,
    string: impl Fn(&str) -> Option<String>,
) -> VersionInfo {
    let get = |key: &str| {
        string(key)
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
    };
    let fixed = fixed.filter(|f| f.signature == 0xFEEF_04BD);
    VersionInfo {
        company_name: get(VERSION_KEYS[0]),
        product_name: get(VERSION_KEYS[1]),
        file_description: get(VERSION_KEYS[2]),
        original_filename: get(VERSION_KEYS[3]),
        internal_name: get(VERSION_KEYS[4]),
        file_version: get(VERSION_KEYS[5]),
        product_version: get(VERSION_KEYS[6]),
        legal_copyright: get(VERSION_KEYS[7]),
        fixed_file_version: fixed.map(|f| four_part(f.file.0, f.file.1)),
        fixed_product_version: fixed.map(|f| four_part(f.product.0, f.product.1)),
    }
}

fn convert_version(v: &goblin::pe::resource::VersionInfo<'_>) -> VersionInfo {
    let s = &v.string_info;
    let fixed = v.fixed_info.as_ref().map(|f| FixedVersion {
        signature: f.signature,
        file: (f.file_version_ms, f.file_version_ls),
        product: (f.product_version_ms, f.product_version_ls),
    });
    version_info(fixed, |key| match key {
        "CompanyName" => s.company_name(),
        "ProductName" => s.product_name(),
        "FileDescription" => s.file_description(),
        "OriginalFilename" => s.original_filename(),
        "InternalName" => s.internal_name(),
        "FileVersion" => s.file_version(),
        "ProductVersion" => s.product_version(),
        "LegalCopyright" => s.legal_copyright(),
        _ => None,
    })
}

fn four_part(ms: u32, ls: u32) -> String {
    format!("{}.{}.{}.{}", ms >> 16, ms & 0xffff, ls >> 16, ls & 0xffff)
}

/// The certificates embedded in a CMS `SignedData` (other certificate choices skipped).
pub(crate) fn embedded_certificates(signed: &SignedData) -> Vec<&Certificate> {
    signed
        .certificates
        .as_ref()
        .map(|set| {
            set.0
                .iter()
                .filter_map(|c| match c {
                    CertificateChoices::Certificate(c) => Some(c),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The certificate a signer identifier names: issuer and serial number, or subject key id.
pub(crate) fn signer_certificate<'a>(
    certs: &[&'a Certificate],
    sid: &SignerIdentifier,
) -> Option<&'a Certificate> {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(isn) => certs
            .iter()
            .find(|c| {
                c.tbs_certificate.issuer == isn.issuer
                    && c.tbs_certificate.serial_number == isn.serial_number
            })
            .copied(),
        SignerIdentifier::SubjectKeyIdentifier(ski) => certs
            .iter()
            .find(|c| cert_has_ski(c, ski.0.as_bytes()))
            .copied(),
    }
}

/// Decodes a DER `ContentInfo` holding `SignedData`; trailing bytes are allowed.
pub(crate) fn decode_signed_data(der_bytes: &[u8]) -> Result<SignedData, String> {
    let mut reader = SliceReader::new(der_bytes).map_err(|e| format!("cms: {e}"))?;
    let ci = ContentInfo::decode(&mut reader).map_err(|e| format!("cms content info: {e}"))?;
    // Trailing padding after the ContentInfo is normal in the certificate table.
    let _ = reader.remaining_len();
    ci.content
        .decode_as::<SignedData>()
        .map_err(|e| format!("cms signed data: {e}"))
}

fn cert_has_ski(cert: &Certificate, ski: &[u8]) -> bool {
    const SKI_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
    cert.tbs_certificate
        .extensions
        .as_ref()
        .is_some_and(|exts| {
            exts.iter().any(|e| {
                e.extn_id == SKI_OID
                    && der::asn1::OctetString::from_der(e.extn_value.as_bytes())
                        .is_ok_and(|o| o.as_bytes() == ski)
            })
        })
}

fn digest_name(oid: &ObjectIdentifier) -> String {
    match oid.to_string().as_str() {
        "1.3.14.3.2.26" => "sha1".into(),
        "2.16.840.1.101.3.4.2.1" => "sha256".into(),
        "2.16.840.1.101.3.4.2.2" => "sha384".into(),
        "2.16.840.1.101.3.4.2.3" => "sha512".into(),
        "1.2.840.113549.2.5" => "md5".into(),
        other => other.to_string(),
    }
}

pub(crate) fn hex_upper(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// A distinguished name in the Windows display form: most specific RDN first,
/// `CN=…, OU=…, O=…, L=…, S=…, C=…`; values with separators are double-quoted.
pub fn format_name(name: &Name) -> String {
    let mut parts = Vec::new();
    for rdn in name.0.iter().rev() {
        for atv in rdn.0.iter() {
            parts.push(format_atv(atv));
        }
    }
    parts.join(", ")
}

fn format_atv(atv: &AttributeTypeAndValue) -> String {
    let key = match atv.oid.to_string().as_str() {
        "2.5.4.3" => "CN".to_string(),
        "2.5.4.11" => "OU".to_string(),
        "2.5.4.10" => "O".to_string(),
        "2.5.4.7" => "L".to_string(),
        "2.5.4.8" => "S".to_string(),
        "2.5.4.6" => "C".to_string(),
        "2.5.4.9" => "STREET".to_string(),
        "2.5.4.17" => "PostalCode".to_string(),
        "2.5.4.5" => "SERIALNUMBER".to_string(),
        "2.5.4.15" => "businessCategory".to_string(),
        "1.2.840.113549.1.9.1" => "E".to_string(),
        "0.9.2342.19200300.100.1.25" => "DC".to_string(),
        "1.3.6.1.4.1.311.60.2.1.1" => "jurisdictionL".to_string(),
        "1.3.6.1.4.1.311.60.2.1.2" => "jurisdictionST".to_string(),
        "1.3.6.1.4.1.311.60.2.1.3" => "jurisdictionC".to_string(),
        other => format!("OID.{other}"),
    };
    let value = atv_string(atv).unwrap_or_else(|| {
        let raw = atv.value.value();
        format!("#{}", hex_upper(raw))
    });
    let needs_quotes =
        value.contains([',', '+', '=', '"', ';', '<', '>']) || value.starts_with(' ');
    if needs_quotes {
        format!("{key}=\"{}\"", value.replace('"', "\"\""))
    } else {
        format!("{key}={value}")
    }
}

fn atv_string(atv: &AttributeTypeAndValue) -> Option<String> {
    let v = &atv.value;
    match v.tag() {
        Tag::PrintableString => PrintableStringRef::try_from(v)
            .ok()
            .map(|s| s.as_str().to_string()),
        Tag::Utf8String => Utf8StringRef::try_from(v)
            .ok()
            .map(|s| s.as_str().to_string()),
        Tag::Ia5String => Ia5StringRef::try_from(v)
            .ok()
            .map(|s| s.as_str().to_string()),
        Tag::TeletexString => TeletexStringRef::try_from(v)
            .ok()
            .map(|s| s.as_str().to_string()),
        Tag::BmpString => BmpString::from_ucs2(v.value()).ok().map(|s| s.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_pe_is_bad_magic() {
        assert!(matches!(
            parse_pe_info(b"\x7fELF"),
            Err(FormatError::BadMagic { .. })
        ));
        assert!(parse_pe_info(b"").is_err());
        assert!(parse_pe_info(b"MZ").is_err());
    }

    #[test]
    fn fixed_version_uses_version_fields() {
        assert_eq!(four_part(0x0006_0001, 0x1DB0_4001), "6.1.7600.16385");
    }
}
