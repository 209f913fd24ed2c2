//! The validated catalog model: what the rest of interdict reads.

pub use interdict_findings::{Distribution, IndicatorKind};
pub use interdict_inventory::Platform;
use jiff::civil::Date;
use serde::Serialize;

/// A vendor whose products a directive may cover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vendor {
    /// Stable id other tools key on, e.g. `kaspersky`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Legal entity names (current and former), subsidiaries and affiliates.
    pub legal_names: Vec<String>,
    /// Other names the vendor appears under (brands, short forms).
    pub aliases: Vec<String>,
    /// Code-signing certificate subjects known for the vendor.
    pub signer_subjects: Vec<String>,
    /// Regular expressions matched against publisher, supplier or company fields.
    pub publisher_patterns: Vec<String>,
    /// Where the vendor facts come from.
    pub sources: Vec<String>,
    /// Apple Developer Team IDs the vendor signs macOS software with.
    pub team_ids: Vec<String>,
    /// Update, activation and telemetry domains of the vendor (prevention policies).
    pub domains: Vec<Domain>,
    /// The catalog file this entry came from.
    pub origin: String,
}

/// A domain a vendor's or product's software talks to, with its public source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Domain {
    /// The domain name, e.g. `kaspersky.com`.
    pub name: String,
    /// Its subdomains belong to the vendor too (`*.kaspersky.com`).
    pub subdomains: bool,
    /// What it serves (update, activation, telemetry, …).
    pub role: Option<String>,
    /// Where the fact comes from.
    pub source: String,
}

/// A product of a vendor, with the indicators that reveal it and the steps that remove it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Product {
    /// Stable id, e.g. `kesl`.
    pub id: String,
    /// The vendor id.
    pub vendor: String,
    /// Full product name.
    pub name: String,
    /// Product family, e.g. `endpoint-security`; directives may exclude families.
    pub family: String,
    /// Platforms the product runs on (`linux`, `windows`, `macos`, `android`, `ios`, `any`).
    pub platforms: Vec<String>,
    /// Branded, embedded or open-source.
    pub distribution: Distribution,
    /// The vendor's catch-all product: its indicators identify the vendor, not a product,
    /// and are merged into a specific product when one is identified on the same item.
    pub generic: bool,
    /// Detection indicators.
    pub indicators: Vec<Indicator>,
    /// Removal steps per platform.
    pub removal: Vec<RemovalSteps>,
    /// Where the product goes in a host's removal plan: lower first (the endpoint product
    /// before the management agent that could reinstall it).
    pub removal_order: i64,
    /// Domains of this product (besides the vendor's).
    pub domains: Vec<Domain>,
    /// The catalog file this entry came from.
    pub origin: String,
}

/// The default [`Product::removal_order`].
pub const DEFAULT_REMOVAL_ORDER: i64 = 50;

/// The removal procedure for one platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemovalSteps {
    /// Platform name.
    pub platform: String,
    /// Ordered steps.
    pub steps: Vec<String>,
    /// Where the procedure is documented.
    pub source: Option<String>,
    /// Structured actions a removal plan renders from a host's evidence.
    pub actions: Vec<RemovalAction>,
}

/// What a removal action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    /// `msiexec /x {ProductCode}` with the product code from the Windows evidence and
    /// optional password properties.
    MsiexecUninstall,
    /// Remove the packages found, with the package manager whose database listed them.
    PackageRemove,
    /// Run the vendor's own uninstaller (path and arguments).
    VendorUninstaller,
    /// Unload and delete the launchd jobs found.
    LaunchdUnload,
    /// `pkgutil --forget` the installer receipts found.
    PkgutilForget,
    /// Delete leftover files and folders.
    DeletePath,
    /// A last resort when the steps above fail (e.g. kavremover).
    Fallback,
}

impl ActionKind {
    /// Every kind.
    pub const ALL: [ActionKind; 7] = [
        ActionKind::MsiexecUninstall,
        ActionKind::PackageRemove,
        ActionKind::VendorUninstaller,
        ActionKind::LaunchdUnload,
        ActionKind::PkgutilForget,
        ActionKind::DeletePath,
        ActionKind::Fallback,
    ];

    /// The kebab-case name used in catalog files.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::MsiexecUninstall => "msiexec-uninstall",
            ActionKind::PackageRemove => "package-remove",
            ActionKind::VendorUninstaller => "vendor-uninstaller",
            ActionKind::LaunchdUnload => "launchd-unload",
            ActionKind::PkgutilForget => "pkgutil-forget",
            ActionKind::DeletePath => "delete-path",
            ActionKind::Fallback => "fallback",
        }
    }

    /// Parses a kebab-case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One structured removal action of a product on a platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemovalAction {
    /// What it does.
    pub kind: ActionKind,
    /// What it does, in words.
    pub description: String,
    /// Where the procedure is documented (required, like an indicator's source).
    pub source: String,
    /// `msiexec-uninstall`: Windows Installer properties (e.g. `KLLOGIN`, `KLPASSWD`)
    /// passed when set in the environment of the script.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<String>,
    /// `vendor-uninstaller`: the program (relative to the root); `delete-path`: the paths
    /// (relative, `*` matches within one component and is resolved against the evidence);
    /// `fallback`: the tool.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// `vendor-uninstaller`: its arguments.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// `launchd-unload`, `pkgutil-forget`, `package-remove`: only evidence whose name
    /// starts with this prefix (e.g. `com.kaspersky.`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// The action applies only when some evidence of the finding fits this condition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<When>,
}

/// A condition on a finding's evidence; every field given must hold for one evidence item.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct When {
    /// The collector that found it (e.g. `dpkg-status`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collector: Option<String>,
    /// The evidence kind (`package`, `file`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The evidence location starts with this (letter case ignored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_prefix: Option<String>,
}

impl When {
    /// Whether one evidence item fits.
    pub fn fits(&self, e: &interdict_findings::Evidence) -> bool {
        self.collector.as_ref().is_none_or(|c| c == &e.collector)
            && self.kind.as_ref().is_none_or(|k| k == &e.kind)
            && self.location_prefix.as_ref().is_none_or(|p| {
                e.location
                    .get(..p.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(p))
            })
    }
}

/// How an indicator's pattern is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchMode {
    /// The whole value equals the pattern.
    Exact,
    /// The value starts with the pattern.
    Prefix,
    /// A shell glob (`*`, `?`, `[…]`, `**` across `/`).
    Glob,
    /// A regular expression, unanchored unless it anchors itself.
    Regex,
}

/// How much one matching indicator proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strength {
    /// Confirms the product on its own.
    Strong,
    /// Needs an independent second indicator.
    Weak,
}

/// How well the public sources support an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceConfidence {
    /// A primary source or several independent secondary ones.
    High,
    /// One credible secondary source.
    Medium,
    /// One informal source; not bundled.
    Low,
    /// No source found; never an active rule.
    Unverified,
}

/// One detection rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Indicator {
    /// Stable id: `<product>/<kind>/<pattern>`.
    pub id: String,
    /// What the pattern is compared with.
    pub kind: IndicatorKind,
    /// The pattern text.
    pub pattern: String,
    /// How the pattern is compared.
    pub mode: MatchMode,
    /// Whether letter case matters, by the indicator's own platforms (see
    /// [`Indicator::case_sensitive_on`] for a scan of one platform).
    pub case_sensitive: bool,
    /// The catalog file set `case_sensitive` itself (no per-platform default applies).
    pub case_explicit: bool,
    /// Strong or weak.
    pub strength: Strength,
    /// A leftover or remediation trace (a removal tool, a bare vendor folder): it never
    /// makes a finding more than `possible`.
    pub leftover: bool,
    /// Platforms the rule applies to; empty means all.
    pub platforms: Vec<String>,
    /// Where the fact comes from (URL or document).
    pub source: String,
    /// How well the source supports it.
    pub confidence: SourceConfidence,
    /// Free-text remark.
    pub note: Option<String>,
    /// Product families the indicated item belongs to (a catalog fact such as "the `AVP`
    /// service runs in the anti-malware products"): when several products of the vendor
    /// are on a host, the matcher attributes the item only to a product of these families.
    /// Empty: any product of the vendor.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub families: Vec<String>,
    /// A `content-string` also matched in its UTF-16LE form (Windows wide strings).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub wide: bool,
}

impl Indicator {
    /// Whether the indicator is matched against file contents (`scan --content`): content
    /// strings and exported symbols, and the kinds whose patterns are literals a file can
    /// carry (exact or `*.`-suffix domains).
    pub fn is_content(&self) -> bool {
        match self.kind {
            IndicatorKind::ContentString | IndicatorKind::ExportedSymbol => true,
            IndicatorKind::Domain => self.content_literal().is_some(),
            _ => false,
        }
    }

    /// The literal a file's bytes are searched for, for a content indicator: the pattern
    /// of a content string or an exported symbol (export names appear verbatim in the
    /// string tables), a domain's name without a leading `*` (`*.kaspersky.com` →
    /// `.kaspersky.com`). `None` for other kinds and for patterns that are not literals.
    pub fn content_literal(&self) -> Option<&str> {
        match (self.kind, self.mode) {
            (IndicatorKind::ContentString | IndicatorKind::ExportedSymbol, MatchMode::Exact) => {
                Some(&self.pattern)
            }
            (IndicatorKind::Domain, MatchMode::Exact) => Some(&self.pattern),
            (IndicatorKind::Domain, MatchMode::Glob) => self
                .pattern
                .strip_prefix('*')
                .filter(|rest| rest.starts_with('.') && !rest.contains(['*', '?', '[', '{'])),
            _ => None,
        }
    }

    /// Unverified indicators are kept for reference but never matched.
    pub fn is_active(&self) -> bool {
        self.confidence != SourceConfidence::Unverified
    }

    /// Whether letter case matters when scanning `platform`: names and paths on Linux are
    /// case-sensitive, on Windows and macOS they are not; an explicit catalog setting wins,
    /// and for `any` (SBOMs, imports) the indicator's own rule holds.
    pub fn case_sensitive_on(&self, platform: Platform) -> bool {
        let name_like = matches!(
            self.kind,
            IndicatorKind::Package
                | IndicatorKind::Path
                | IndicatorKind::FileName
                | IndicatorKind::Service
                | IndicatorKind::KernelModule
                | IndicatorKind::Process
        );
        match platform {
            _ if self.case_explicit || !name_like => self.case_sensitive,
            Platform::Linux => true,
            Platform::Windows | Platform::Macos => false,
            Platform::Any => self.case_sensitive,
        }
    }

    /// Whether the rule applies when scanning `platform` (`any` matches everything).
    pub fn applies_to(&self, platform: Platform) -> bool {
        self.platforms.is_empty()
            || platform == Platform::Any
            || self
                .platforms
                .iter()
                .any(|p| p == platform.as_str() || p == "any")
    }
}

/// Which directives a product falls under is decided by vendor or product coverage, the
/// distribution kinds the directive reaches, and excluded product families.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// Stable id, e.g. `bod-17-01`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Issuing body.
    pub issuer: String,
    /// Legal basis.
    pub legal_basis: String,
    /// Issue (or enactment, announcement) date: day 0 of the milestones.
    pub issued: Date,
    /// Date the prohibition takes effect, when different from `issued`.
    pub effective: Option<Date>,
    /// Vendor ids covered as a whole.
    pub vendors: Vec<String>,
    /// Individual product ids covered.
    pub products: Vec<String>,
    /// Distribution kinds the directive reaches (BOD 17-01: branded only).
    pub distributions: Vec<Distribution>,
    /// Product families the directive excludes.
    pub excluded_families: Vec<String>,
    /// Exclusions in the directive's words.
    pub exclusions: Vec<String>,
    /// Deadlines.
    pub milestones: Vec<Milestone>,
    /// Where the directive text is.
    pub sources: Vec<String>,
    /// The catalog file this entry came from.
    pub origin: String,
}

/// A deadline at a day offset from the directive's date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Milestone {
    /// Days after `issued`.
    pub offset_days: i64,
    /// The deliverable, e.g. `identify-report`.
    pub deliverable: crate::Deliverable,
    /// What must be done.
    pub description: String,
    /// For recurring deliverables: repeat every this many days after the first.
    pub every_days: Option<i64>,
}

impl Milestone {
    /// The calendar date of the first occurrence.
    pub fn due(&self, issued: Date) -> Date {
        issued
            .checked_add(jiff::Span::new().days(self.offset_days))
            .unwrap_or(issued)
    }
}

impl Directive {
    /// Whether the directive covers the product as the catalog describes it.
    pub fn covers(&self, product: &Product) -> bool {
        self.covers_as(product, product.distribution)
    }

    /// Whether the directive covers the product when it reaches the host as
    /// `distribution` — a branded product found embedded inside another company's
    /// product (an SBOM component) is `embedded` there.
    pub fn covers_as(&self, product: &Product, distribution: Distribution) -> bool {
        let named = self.vendors.iter().any(|v| v == &product.vendor)
            || self.products.iter().any(|p| p == &product.id);
        named
            && self.distributions.contains(&distribution)
            && !self.excluded_families.iter().any(|f| f == &product.family)
    }
}
