//! The shared inventory model.
//!
//! Every collector, whatever its source (a dpkg status file, a registry hive, an SBOM),
//! yields the same [`Artifact`] records: a normalized description of one thing found on a
//! host, with the place it was found ([`Artifact::location`]) and the collector that found
//! it ([`Artifact::collector`]). A source that cannot be read becomes a [`CollectError`]
//! instead of aborting the scan.
//!
//! **Boundary:** this crate knows nothing about vendors, bans or the catalog. It is a leaf:
//! it depends on `serde` only. Its JSON form is part of the `--inventory` output contract.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What kind of thing an artifact is. Serialized in kebab-case; these strings are also the
/// `kind` of a finding's evidence item.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactKind {
    /// An installed (or partly removed) package from a package manager or an uninstall list.
    Package,
    /// A service: a systemd unit, a SysV init script, a Windows service, a launchd job.
    Service,
    /// A kernel-mode driver (Windows) or kernel extension (macOS).
    Driver,
    /// A Linux kernel module, loaded or on disk.
    KernelModule,
    /// A running process (live hosts only).
    Process,
    /// A file or directory on disk.
    File,
    /// A certificate in a trust store.
    Certificate,
    /// A browser extension in a user profile.
    Extension,
    /// A registry key.
    Registry,
    /// An application bundle or other bundle-identified item (macOS, mobile).
    Bundle,
    /// A component listed in an SBOM or an imported inventory.
    SbomComponent,
    /// A file whose bytes matched content patterns (`scan --content`): one per file, the
    /// matches in [`attr::CONTENT_STRINGS`], [`attr::EXPORTED_SYMBOLS`] and
    /// [`attr::CONTENT_DOMAINS`].
    Content,
}

impl ArtifactKind {
    /// The stable kebab-case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactKind::Package => "package",
            ArtifactKind::Service => "service",
            ArtifactKind::Driver => "driver",
            ArtifactKind::KernelModule => "kernel-module",
            ArtifactKind::Process => "process",
            ArtifactKind::File => "file",
            ArtifactKind::Certificate => "certificate",
            ArtifactKind::Extension => "extension",
            ArtifactKind::Registry => "registry",
            ArtifactKind::Bundle => "bundle",
            ArtifactKind::SbomComponent => "sbom-component",
            ArtifactKind::Content => "content",
        }
    }
}

/// The lifecycle state of an artifact, as its source reports it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactState {
    /// Installed, present, enabled or loaded: the thing is in use or ready to be.
    Active,
    /// Present but switched off (a disabled unit, a disabled extension).
    Disabled,
    /// Remains of something removed, such as a package in `deinstall ok config-files`
    /// state. Leftovers are never counted as an installation.
    Leftover,
}

/// One normalized inventory item.
///
/// Fields that do not apply to a kind are `None` or empty. Anything format-specific goes
/// in [`Artifact::attributes`] under a descriptive key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Artifact {
    /// What the item is.
    pub kind: ArtifactKind,
    /// The primary name: package name, unit name, certificate subject, extension id,
    /// bundle id, the path of a file relative to the root.
    pub name: String,
    /// Version, when the source gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Vendor, maintainer, packager, company or author, when the source gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// Where it was found: a path relative to the root (for a database, the database
    /// file), or a `file:key` form for records inside containers such as hives.
    pub location: String,
    /// The stable id of the collector that found it, e.g. `dpkg-status`.
    pub collector: String,
    /// The state the source reports.
    pub state: ArtifactState,
    /// Paths on the host this item points at or owns (an executable, an install folder,
    /// files owned by a package), relative to the root, `/`-separated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// Code-signing or certificate subjects associated with the item (e.g. PE signers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signers: Vec<String>,
    /// Further facts by name (`arch`, `display-name`, `sha256`, `issuer`, `purl`, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

impl Artifact {
    /// A new active artifact with no optional facts.
    pub fn new(
        kind: ArtifactKind,
        name: impl Into<String>,
        location: impl Into<String>,
        collector: &str,
    ) -> Self {
        Artifact {
            kind,
            name: name.into(),
            version: None,
            publisher: None,
            location: location.into(),
            collector: collector.to_string(),
            state: ArtifactState::Active,
            paths: Vec::new(),
            signers: Vec::new(),
            attributes: BTreeMap::new(),
        }
    }

    /// Sets the version (builder style); empty strings are ignored.
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = non_empty(version.into());
        self
    }

    /// Sets the publisher (builder style); empty strings are ignored.
    pub fn with_publisher(mut self, publisher: impl Into<String>) -> Self {
        self.publisher = non_empty(publisher.into());
        self
    }

    /// Sets the state (builder style).
    pub fn with_state(mut self, state: ArtifactState) -> Self {
        self.state = state;
        self
    }

    /// Adds a path (builder style); empty strings are ignored.
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        if let Some(p) = non_empty(path.into()) {
            self.paths.push(p);
        }
        self
    }

    /// Adds an attribute (builder style); empty values are ignored.
    pub fn with_attr(mut self, key: &str, value: impl Into<String>) -> Self {
        if let Some(v) = non_empty(value.into()) {
            self.attributes.insert(key.to_string(), v);
        }
        self
    }

    /// An attribute by name.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }
}

fn non_empty(s: String) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else if t.len() == s.len() {
        Some(s)
    } else {
        Some(t.to_string())
    }
}

/// A source that could not be read (fully). The scan records it and goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CollectError {
    /// The collector id.
    pub collector: String,
    /// The file (relative to the root) or other place that failed.
    pub location: String,
    /// What went wrong, in lower case, naming the problem.
    pub message: String,
    /// When several collectors met the same failure at the same place (one registry
    /// hive read by four collectors), every one of them; `collector` is the first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collectors: Vec<String>,
    /// `warning` for a record skipped while the rest of its source was read (a nameless
    /// SBOM component); absent for an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
}

/// How bad a [`CollectError`] is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// One record was skipped; the source was read and checked.
    Warning,
    /// The source (or part of it) could not be read.
    Error,
}

impl CollectError {
    /// A new error record.
    pub fn new(collector: &str, location: impl Into<String>, message: impl Into<String>) -> Self {
        CollectError {
            collector: collector.to_string(),
            location: location.into(),
            message: message.into(),
            collectors: Vec::new(),
            severity: None,
        }
    }

    /// The same record as a warning: a skipped record, not an unread source.
    pub fn warning(mut self) -> Self {
        self.severity = Some(Severity::Warning);
        self
    }

    /// Whether this is only a warning (it does not make a run incomplete).
    pub fn is_warning(&self) -> bool {
        self.severity == Some(Severity::Warning)
    }
}

/// What one collector produced: items plus the errors met on the way.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Inventory {
    /// Items found.
    pub artifacts: Vec<Artifact>,
    /// Sources that failed.
    pub errors: Vec<CollectError>,
}

impl Inventory {
    /// Appends another inventory.
    pub fn extend(&mut self, other: Inventory) {
        self.artifacts.extend(other.artifacts);
        self.errors.extend(other.errors);
    }

    /// Sorts items and errors into a stable, reproducible order.
    pub fn sort(&mut self) {
        self.artifacts.sort_by(|a, b| {
            (a.kind, &a.name, &a.location, &a.collector).cmp(&(
                b.kind,
                &b.name,
                &b.location,
                &b.collector,
            ))
        });
        self.errors
            .sort_by(|a, b| (&a.collector, &a.location).cmp(&(&b.collector, &b.location)));
    }
}

/// The operating system family of a scanned root.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    /// Linux (live host, mounted image, container rootfs).
    Linux,
    /// A Windows system root.
    Windows,
    /// A macOS system root.
    Macos,
    /// Not tied to a platform (SBOMs, imported inventories).
    Any,
}

impl Platform {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Linux => "linux",
            Platform::Windows => "windows",
            Platform::Macos => "macos",
            Platform::Any => "any",
        }
    }
}

/// Names of the [`Artifact::attributes`] that one crate writes and another reads. A key
/// used only inside one collector may stay a literal there; every key that crosses a crate
/// boundary (collector → matcher, reader → exporter, scan → report) is named here.
pub mod attr {
    /// Package URL of the item (`pkg:deb/debian/kesl@12.0?arch=amd64`).
    pub const PURL: &str = "purl";
    /// `true` when the item sits inside another product (an SBOM component below the top).
    pub const EMBEDDED: &str = "embedded";
    /// Nesting depth of an SBOM component (0 for the top component).
    pub const DEPTH: &str = "depth";
    /// Names from the top SBOM component down to this one, joined by ` > `.
    pub const COMPONENT_PATH: &str = "component-path";
    /// Hex SHA-256 of a file's content.
    pub const SHA256: &str = "sha256";
    /// The artifact kind an SBOM component was exported from (round trip of interdict's
    /// own CycloneDX export).
    pub const INTERDICT_KIND: &str = "interdict-kind";
    /// Uninstall-list display name.
    pub const DISPLAY_NAME: &str = "display-name";
    /// Install folder of a package (uninstall `InstallLocation`).
    pub const INSTALL_LOCATION: &str = "install-location";
    /// Image path of a Windows service or driver.
    pub const IMAGE_PATH: &str = "image-path";
    /// Windows Installer product code (`{GUID}`).
    pub const PRODUCT_CODE: &str = "product-code";
    /// PE VERSIONINFO `ProductName`.
    pub const PRODUCT_NAME: &str = "product-name";
    /// PE VERSIONINFO `FileDescription`.
    pub const FILE_DESCRIPTION: &str = "file-description";
    /// PE VERSIONINFO `CompanyName`.
    pub const COMPANY_NAME: &str = "company-name";
    /// PE VERSIONINFO `OriginalFilename`.
    pub const ORIGINAL_FILENAME: &str = "original-filename";
    /// SBOM supplier name.
    pub const SUPPLIER: &str = "supplier";
    /// Apple code-signing Team ID.
    pub const TEAM_ID: &str = "team-id";
    /// Number of endpoints an aggregated inventory row stands for (an Intune or Tanium
    /// count).
    pub const ENDPOINT_COUNT: &str = "endpoint-count";
    /// Literal byte strings found in a file's content, one per line (the pattern text as
    /// given, whatever case or UTF-16 form matched).
    pub const CONTENT_STRINGS: &str = "content-strings";
    /// Names a file's ELF, PE or Mach-O export table declares, one per line (only names
    /// asked for).
    pub const EXPORTED_SYMBOLS: &str = "exported-symbols";
    /// Domain names found in a file's content, one per line.
    pub const CONTENT_DOMAINS: &str = "content-domains";
    /// The values of a multi-valued content attribute (one per line).
    pub fn lines(value: &str) -> impl Iterator<Item = &str> {
        value.split('\n').filter(|l| !l.is_empty())
    }
}
