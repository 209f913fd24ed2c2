//! Which values of an artifact each indicator kind is compared with.

use interdict_catalog::IndicatorKind;
use interdict_inventory::{Artifact, ArtifactKind, attr};

/// Attributes that name a supplier-like party (SBOMs, imports, PE version info).
const PUBLISHER_ATTRS: &[&str] = &[
    "supplier",
    "manufacturer",
    "publisher",
    "author",
    "originator",
    "company-name",
    "vendor",
    "packager",
];

fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The `(indicator kind, value)` pairs an artifact offers to the matcher.
pub fn artifact_values(a: &Artifact) -> Vec<(IndicatorKind, &str)> {
    use ArtifactKind as A;
    use IndicatorKind as I;
    let mut v: Vec<(IndicatorKind, &str)> = Vec::new();
    match a.kind {
        A::Package => v.push((I::Package, &a.name)),
        A::Service => v.push((I::Service, &a.name)),
        A::Driver => v.push((I::Driver, &a.name)),
        A::KernelModule => v.push((I::KernelModule, &a.name)),
        A::Process => {
            v.push((I::Process, &a.name));
            if let Some(exe) = a.attr("exe") {
                v.push((I::Process, base_name(exe)));
            }
        }
        A::File => {
            v.push((I::FileName, base_name(&a.name)));
            // An executable's file name also answers process indicators that carry an
            // extension (`avp.exe`): the image of a process that is not running.
            v.push((I::Process, base_name(&a.name)));
        }
        A::Certificate => v.push((I::CertificateSubject, &a.name)),
        A::Extension => v.push((I::BrowserExtension, &a.name)),
        A::Registry => v.push((I::RegistryKey, &a.name)),
        A::Bundle => v.push((I::BundleId, &a.name)),
        A::Content => {
            // What the file's bytes held; never its path (the sweep reports that).
            for (kind, key) in [
                (I::ContentString, attr::CONTENT_STRINGS),
                (I::ExportedSymbol, attr::EXPORTED_SYMBOLS),
                (I::Domain, attr::CONTENT_DOMAINS),
            ] {
                if let Some(val) = a.attr(key) {
                    v.extend(attr::lines(val).map(|l| (kind, l)));
                }
            }
        }
        A::SbomComponent => match a.attr(attr::INTERDICT_KIND) {
            // A component of interdict's own CycloneDX export: match it as what it was.
            Some("service") => v.push((I::Service, &a.name)),
            Some("driver") => v.push((I::Driver, &a.name)),
            Some("kernel-module") => v.push((I::KernelModule, &a.name)),
            Some("certificate") => v.push((I::CertificateSubject, &a.name)),
            Some("extension") => v.push((I::BrowserExtension, &a.name)),
            Some("bundle") => v.push((I::BundleId, &a.name)),
            Some("registry") => v.push((I::RegistryKey, &a.name)),
            _ => {
                v.push((I::Package, &a.name));
                v.push((I::BundleId, &a.name));
            }
        },
    }
    if let Some(p) = &a.publisher {
        v.push((I::Publisher, p));
    }
    for key in PUBLISHER_ATTRS {
        if let Some(val) = a.attr(key)
            && a.publisher.as_deref() != Some(val)
        {
            v.push((I::Publisher, val));
        }
    }
    for p in &a.paths {
        v.push((I::Path, p));
    }
    if a.kind == A::File && !a.paths.contains(&a.name) {
        v.push((I::Path, &a.name));
    }
    for s in &a.signers {
        v.push((I::CertificateSubject, s));
    }
    for (kind, key) in [
        (I::FileHash, attr::SHA256),
        (I::Purl, attr::PURL),
        (I::Cpe, "cpe"),
        (I::BundleId, "bundle-identifier"),
        (I::Domain, "domain"),
    ] {
        if let Some(val) = a.attr(key) {
            v.push((kind, val));
        }
    }
    v
}

/// Whether `s` is a reverse-DNS identifier (`com.kaspersky.kav`): at least three
/// dot-separated labels of letters, digits, `-` and `_`, the first all letters. Bundle ids,
/// installer package ids and launchd labels are spelled so.
pub fn is_identifier(s: &str) -> bool {
    let mut labels = s.split('.');
    let first_ok = labels
        .next()
        .is_some_and(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphabetic()));
    let mut rest = 0;
    let rest_ok = labels.all(|l| {
        rest += 1;
        !l.is_empty()
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    first_ok && rest_ok && rest >= 2
}

/// Kinds whose indicators name an identifier: a bundle id, an installer package id, a
/// launchd label, a kernel or system extension id.
const IDENTIFIER_KINDS: [IndicatorKind; 4] = [
    IndicatorKind::BundleId,
    IndicatorKind::Package,
    IndicatorKind::Service,
    IndicatorKind::Driver,
];

/// The identifier of an item that is known by one (a pkg receipt or install-history
/// entry, a launchd job, a bundle, an extension), offered to the identifier kinds other
/// than the item's own: a bundle-id indicator matches a receipt, a launchd label indicator
/// matches a bundle, and so on.
pub fn identifier_values(a: &Artifact) -> Vec<(IndicatorKind, &str)> {
    use ArtifactKind as A;
    use IndicatorKind as I;
    let own = match a.kind {
        A::Package => I::Package,
        A::Service => I::Service,
        A::Bundle => I::BundleId,
        A::Driver => I::Driver,
        _ => return Vec::new(),
    };
    if !is_identifier(&a.name) {
        return Vec::new();
    }
    IDENTIFIER_KINDS
        .into_iter()
        .filter(|k| *k != own)
        .map(|k| (k, a.name.as_str()))
        .collect()
}
