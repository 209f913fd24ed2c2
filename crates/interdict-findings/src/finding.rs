//! Findings and their evidence: what the matcher concludes about one product on one host.

use interdict_inventory::ArtifactState;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How sure a finding is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    /// Only leftovers or remediation traces.
    Possible,
    /// One weak indicator.
    Probable,
    /// A strong indicator, or two independent weak ones.
    Confirmed,
}

impl Confidence {
    /// Every level, weakest first.
    pub const ALL: [Confidence; 3] = [
        Confidence::Possible,
        Confidence::Probable,
        Confidence::Confirmed,
    ];

    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Possible => "possible",
            Confidence::Probable => "probable",
            Confidence::Confirmed => "confirmed",
        }
    }

    /// Parses a kebab-case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// How much one piece of evidence weighs.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Weight {
    /// A strong indicator on a present item.
    Strong,
    /// A weak indicator on a present item.
    Weak,
    /// A leftover indicator, or any indicator on a leftover item.
    Leftover,
}

impl Weight {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Weight::Strong => "strong",
            Weight::Weak => "weak",
            Weight::Leftover => "leftover",
        }
    }
}

/// How a product reaches a host: under the vendor's own brand, or inside someone else's.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Distribution {
    /// Sold or installed as the vendor's own product.
    Branded,
    /// The vendor's code inside another company's product (OEM engine, SDK).
    Embedded,
    /// Open-source code published by the vendor; reported for human review.
    OpenSource,
}

impl Distribution {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Distribution::Branded => "branded",
            Distribution::Embedded => "embedded",
            Distribution::OpenSource => "open-source",
        }
    }
}

/// What an indicator is matched against.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum IndicatorKind {
    /// A package name or an uninstall-list display name.
    Package,
    /// A publisher, vendor, maintainer, supplier or company name.
    Publisher,
    /// A service, unit or launchd job name.
    Service,
    /// A driver or kernel-extension name.
    Driver,
    /// A Linux kernel module name.
    KernelModule,
    /// A process or executable name.
    Process,
    /// A path relative to the root, `/`-separated.
    Path,
    /// A file's base name.
    FileName,
    /// A file's SHA-256.
    FileHash,
    /// A certificate subject (trust store or code signer).
    CertificateSubject,
    /// A bundle or package identifier (macOS, mobile).
    BundleId,
    /// A browser extension id.
    BrowserExtension,
    /// A network domain.
    Domain,
    /// A package URL.
    Purl,
    /// A CPE name.
    Cpe,
    /// A registry key path.
    RegistryKey,
    /// A literal byte string in a file's content (`case`, `wide` options in the catalog).
    ContentString,
    /// A name in a library's or executable's export table (ELF, PE, Mach-O).
    ExportedSymbol,
}

impl IndicatorKind {
    /// Every kind, in declaration order.
    pub const ALL: [IndicatorKind; 18] = [
        IndicatorKind::Package,
        IndicatorKind::Publisher,
        IndicatorKind::Service,
        IndicatorKind::Driver,
        IndicatorKind::KernelModule,
        IndicatorKind::Process,
        IndicatorKind::Path,
        IndicatorKind::FileName,
        IndicatorKind::FileHash,
        IndicatorKind::CertificateSubject,
        IndicatorKind::BundleId,
        IndicatorKind::BrowserExtension,
        IndicatorKind::Domain,
        IndicatorKind::Purl,
        IndicatorKind::Cpe,
        IndicatorKind::RegistryKey,
        IndicatorKind::ContentString,
        IndicatorKind::ExportedSymbol,
    ];

    /// The kebab-case name used in catalog files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorKind::Package => "package",
            IndicatorKind::Publisher => "publisher",
            IndicatorKind::Service => "service",
            IndicatorKind::Driver => "driver",
            IndicatorKind::KernelModule => "kernel-module",
            IndicatorKind::Process => "process",
            IndicatorKind::Path => "path",
            IndicatorKind::FileName => "file-name",
            IndicatorKind::FileHash => "file-hash",
            IndicatorKind::CertificateSubject => "certificate-subject",
            IndicatorKind::BundleId => "bundle-id",
            IndicatorKind::BrowserExtension => "browser-extension",
            IndicatorKind::Domain => "domain",
            IndicatorKind::Purl => "purl",
            IndicatorKind::Cpe => "cpe",
            IndicatorKind::RegistryKey => "registry-key",
            IndicatorKind::ContentString => "content-string",
            IndicatorKind::ExportedSymbol => "exported-symbol",
        }
    }

    /// Parses a kebab-case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One item that supports a finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Evidence {
    /// The artifact kind (`package`, `service`, `file`, …).
    pub kind: String,
    /// Where: a path relative to the root, or the database / hive file and key.
    pub location: String,
    /// The matched value.
    pub name: String,
    /// The artifact's own name, when it differs from the matched value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The artifact's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The artifact's state.
    pub state: ArtifactState,
    /// The collector that found it.
    pub collector: String,
    /// The id of the indicator this evidence is named for (the strongest that matched).
    pub indicator: String,
    /// Every indicator that matched the item.
    pub indicators: Vec<String>,
    /// The indicator kind.
    pub indicator_kind: IndicatorKind,
    /// The indicator's pattern.
    pub pattern: String,
    /// What this evidence weighs.
    pub weight: Weight,
    /// The indicator's public source.
    pub source: String,
    /// The item sits inside another product (an SBOM component below the top one).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub embedded: bool,
    /// The installed product whose files hold the item (the package owning the file, the
    /// uninstall entry whose install folder contains it), for vendor code embedded in
    /// another company's product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
}

/// One product found on one host (or in one SBOM).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// Vendor id.
    pub vendor: String,
    /// Product id.
    pub product: String,
    /// Product name.
    pub product_name: String,
    /// Product family.
    pub family: String,
    /// Branded, embedded or open-source.
    pub distribution: Distribution,
    /// The installed products (packages, uninstall entries) the vendor's code was found
    /// embedded in, sorted; empty for a product installed in its own right.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub embedded_in: Vec<String>,
    /// How sure.
    pub confidence: Confidence,
    /// Ids of the directives covering the product.
    pub directives: Vec<String>,
    /// The product is in the catalog. `false` for an installed product of a catalogued
    /// vendor that the catalog does not name yet: its id is `<vendor>/<name as slug>`, its
    /// name the one the host gives it, its family `uncatalogued`.
    #[serde(default = "yes")]
    pub catalogued: bool,
    /// Everything that supports it, sorted.
    pub evidence: Vec<Evidence>,
    /// The host name this finding belongs to, in a document that covers several hosts
    /// (an import).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The stable id of that host ([`crate::Host::id`]), in a document that covers several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_id: Option<String>,
    /// The SBOM file this finding comes from, in a document that covers several SBOMs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

fn yes() -> bool {
    true
}
