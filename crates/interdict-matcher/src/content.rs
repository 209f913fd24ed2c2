//! Content matching: the literals the content pass looks for, and the installed product a
//! vendor's embedded code sits in (its *container*).
//!
//! Container rule: a file belongs to the package whose file list (dpkg `info/*.list`, the
//! rpm header) names it; otherwise to the installed product whose declared install folder
//! (a Windows uninstall entry's `InstallLocation`) contains it, the deepest folder winning.
//! Packages that are themselves evidence of the same vendor are not containers: a vendor's
//! own package holding its own engine is the vendor's product, not an embedding.

use crate::rules::RuleSet;
use interdict_catalog::IndicatorKind;
use interdict_findings::Finding;
use interdict_inventory::{Artifact, ArtifactKind, attr};
use std::collections::{BTreeSet, HashMap};

/// A literal the content pass looks for, from one content indicator.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContentLiteral {
    /// What the literal stands for: `content-string`, `exported-symbol` or `domain`.
    pub kind: IndicatorKind,
    /// The text searched for (and reported back when found).
    pub text: String,
    /// Letter case matters.
    pub case_sensitive: bool,
    /// Also searched as UTF-16LE.
    pub wide: bool,
}

/// Every distinct content literal of the compiled rules, sorted.
pub(crate) fn content_literals(rules: &RuleSet) -> Vec<ContentLiteral> {
    let set: BTreeSet<ContentLiteral> = (0..rules.len())
        .map(|i| &rules.rule(i).indicator)
        .filter(|i| i.is_content())
        .filter_map(|i| {
            Some(ContentLiteral {
                kind: i.kind,
                text: i.content_literal()?.to_string(),
                case_sensitive: i.case_sensitive,
                wide: i.wide,
            })
        })
        .collect();
    set.into_iter().collect()
}

/// The installed products of a host and the files and folders they declare.
struct Containers<'a> {
    /// Owned file path (folded) → package names.
    files: HashMap<String, Vec<&'a str>>,
    /// Install folder (folded, with a trailing `/`) → product name.
    folders: Vec<(String, &'a str)>,
    case_sensitive: bool,
}

impl<'a> Containers<'a> {
    fn new(artifacts: &'a [Artifact], case_sensitive: bool) -> Self {
        let fold = |p: &str| fold_path(p, case_sensitive);
        let mut files: HashMap<String, Vec<&str>> = HashMap::new();
        let mut folders = Vec::new();
        for a in artifacts.iter().filter(|a| a.kind == ArtifactKind::Package) {
            if a.attr(attr::INSTALL_LOCATION).is_some() {
                for p in &a.paths {
                    let mut k = fold(p);
                    // A folder of at least two components: never a drive or `Program Files`.
                    if k.split('/').filter(|c| !c.is_empty()).count() >= 2 {
                        k.push('/');
                        folders.push((k, a.name.as_str()));
                    }
                }
            } else {
                for p in &a.paths {
                    files.entry(fold(p)).or_default().push(a.name.as_str());
                }
            }
        }
        Containers {
            files,
            folders,
            case_sensitive,
        }
    }

    /// The products holding the file at `rel`.
    fn of(&self, rel: &str) -> Vec<&'a str> {
        let key = fold_path(rel, self.case_sensitive);
        if let Some(owners) = self.files.get(&key) {
            return owners.clone();
        }
        let best = self
            .folders
            .iter()
            .filter(|(f, _)| key.starts_with(f.as_str()))
            .map(|(f, _)| f.len())
            .max();
        match best {
            Some(len) => self
                .folders
                .iter()
                .filter(|(f, _)| f.len() == len && key.starts_with(f.as_str()))
                .map(|(_, n)| *n)
                .collect(),
            None => Vec::new(),
        }
    }
}

fn fold_path(p: &str, case_sensitive: bool) -> String {
    let t = p.trim_matches('/');
    if case_sensitive {
        t.to_string()
    } else {
        t.to_lowercase()
    }
}

/// Names, for every content and file evidence item of an embedded product's finding, the
/// installed product holding that file (`Evidence::container`), lists them in
/// `Finding::embedded_in` and names the finding "<product> embedded in <containers>".
pub(crate) fn name_containers(
    findings: &mut [Finding],
    artifacts: &[Artifact],
    case_sensitive: bool,
) {
    let containers = Containers::new(artifacts, case_sensitive);
    // Packages that are evidence of a vendor are that vendor's own products.
    let mut own: HashMap<String, BTreeSet<String>> = HashMap::new();
    for f in findings.iter() {
        for e in f.evidence.iter().filter(|e| e.kind == "package") {
            let name = e.item.clone().unwrap_or_else(|| e.name.clone());
            own.entry(f.vendor.clone()).or_default().insert(name);
        }
    }
    for f in findings.iter_mut() {
        if f.distribution != interdict_findings::Distribution::Embedded {
            continue;
        }
        let vendor_own = own.get(&f.vendor);
        let mut all = BTreeSet::new();
        for e in f
            .evidence
            .iter_mut()
            .filter(|e| e.kind == "content" || e.kind == "file")
        {
            let found: Vec<&str> = containers
                .of(&e.location)
                .into_iter()
                .filter(|c| vendor_own.is_none_or(|o| !o.contains(*c)))
                .collect();
            if !found.is_empty() {
                let joined = found.join(", ");
                all.extend(found.iter().map(|s| s.to_string()));
                e.container = Some(joined);
            }
        }
        if !all.is_empty() {
            f.embedded_in = all.into_iter().collect();
            f.product_name = format!(
                "{} embedded in {}",
                f.product_name,
                f.embedded_in.join(", ")
            );
        }
    }
}
