//! The matcher: catalog × inventory → findings.
//!
//! The principal type is [`Matcher`]: built once from a [`Catalog`] for one platform, it
//! compiles every active indicator into fast lookups ([`rules::RuleSet`]) and turns a list
//! of [`Artifact`]s into [`Finding`]s — one per product — each with its confidence, the
//! directives it falls under, and every piece of evidence. It also answers the file
//! sweep's question "is this path interesting?" ([`Matcher::path_is_interesting`]).
//!
//! Confidence rules:
//! * `confirmed`: a strong indicator on a present item, or weak indicators from two
//!   independent kinds of item (a folder and a service, say) agreeing;
//! * `probable`: one weak indicator on a present item;
//! * `possible`: only leftovers — a bare vendor folder, a removal tool, a removed
//!   package's configuration files — or one weak content match alone (a file that holds
//!   one vendor domain or one generic SDK string: a document may mention it).
//!
//! Content matches (`content` items, from `scan --content`): two different weak literals
//! in one file count as two independent weak indicators (`confirmed`); a distinctive
//! exported SDK symbol is strong. A product whose code is found inside another installed
//! product — a file that a package's file list names, or that lies in an uninstall
//! entry's install folder, the product not being the vendor's own — is named "<product>
//! embedded in <container>", with `embedded_in` and each evidence item's `container`.
//!
//! Attribution — each item is one piece of evidence, placed with the one product it
//! belongs to, by what the item itself says, strongest first:
//! 1. **A product's own strong indicator** (an uninstall name, a service or process the
//!    catalog gives that product). When several products match one item the most specific
//!    wins (strong over weak, exact over patterns, then the longest pattern).
//! 2. **Version info**: a PE's VERSIONINFO `ProductName` (then `FileDescription`), an app
//!    bundle's name, matched against the catalog's product (uninstall) names of the vendor
//!    whose indicators hit the item. It outweighs a product's weak indicators (its folder)
//!    and names the product even when nothing else on the host does.
//! 3. **Install folder**: a file, a service's image or a driver's path under a product's
//!    folder belongs to that product — the catalog's folders (weak path indicators) and the
//!    folders the host's own uninstall entries declare (`InstallLocation`), compared by
//!    whole path components, the deepest folder winning.
//! 4. **MSI product code**: an item declaring the product code (its own, its uninstall
//!    key's name, the code its uninstall command removes) of a product on the host.
//! 5. **Catalog families**: an indicator may tie its item to product families (the `AVP`
//!    service, `avp.exe` and the `klif` drivers belong to the anti-malware products). The
//!    item goes to the one product of those families on the host.
//!
//! Vendor-level evidence (a vendor folder, a vendor-wide service, a signed binary) that
//! rules 2–5 leave open joins the vendor's product on the host that fits it — of its
//! families, if it names any; when several fit and nothing on the item chooses, the primary
//! one among them (the most strong evidence, then the most evidence). When none fits it
//! stays in the vendor's catch-all ("generic") finding: it is never folded into an
//! unrelated product (`klif` on a host with only the Network Agent stays with the vendor).
//! An active item joins only an active product; a leftover item joins a product known only
//! by leftovers (a removal tool) when nothing is active.
//!
//! An installed product known only by the vendor's publisher — an uninstall entry, a
//! package or an app bundle the catalog does not name — is a product in its own right: it
//! gets its own finding (`catalogued: false`, id `<vendor>/<name as slug>`, the name the
//! host gives it, family `uncatalogued`) unless its install folder or product code ties it
//! to a product on the host; files in its folder join it. An SBOM component known only by
//! its supplier stays with the catch-all product.
//!
//! Identifiers cross artifact kinds: a reverse-DNS identifier (`com.kaspersky.kav`) of a
//! pkg receipt, an install-history entry, a launchd job, an app bundle or an extension
//! answers bundle-id, package, service and driver indicators alike; the evidence is named
//! for the item's own kind when that matches too.
//!
//! A product known only by leftover indicators (a removal tool) stays a leftover: when an
//! item's winning product matched it only through leftover indicators, vendor-level
//! evidence on the same item (the removal tool's Kaspersky company name or signature)
//! weighs as a leftover too.
//!
//! **Boundary:** pure and deterministic: no I/O. Depends on the catalog and the inventory
//! model only.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod attribution;
mod content;
mod item;
pub mod rules;
mod values;

use interdict_catalog::{Catalog, Distribution, IndicatorKind, MatchMode};
use interdict_inventory::{Artifact, Platform};
use rules::{CompileError, RuleSet};
use std::collections::BTreeSet;

pub use attribution::UNCATALOGUED_FAMILY;
pub use content::ContentLiteral;
pub use interdict_findings::{Confidence, Evidence, Finding, Weight};
pub use values::{artifact_values, identifier_values, is_identifier};

/// A catalog compiled for one platform.
pub struct Matcher {
    rules: RuleSet,
    catalog: Catalog,
    /// Paths of the scanned platform are case-sensitive (Linux).
    paths_case_sensitive: bool,
}

impl Matcher {
    /// Compiles `catalog` for `platform` (`Any` for SBOMs and imports).
    pub fn new(catalog: &Catalog, platform: Platform) -> Result<Matcher, CompileError> {
        Ok(Matcher {
            rules: RuleSet::compile(catalog, platform)?,
            catalog: catalog.clone(),
            paths_case_sensitive: platform == Platform::Linux,
        })
    }

    /// The compiled rules.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The catalog the matcher was built from.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Matches a host's (or one document's) inventory and returns its findings, sorted by
    /// vendor and product. Each item is placed with the product it belongs to by the
    /// attribution rules of the crate docs.
    pub fn match_artifacts(&self, artifacts: &[Artifact]) -> Vec<Finding> {
        let placed: Vec<item::Placed> = artifacts
            .iter()
            .flat_map(|a| item::match_item(&self.rules, a))
            .collect();
        let attributed = attribution::attribute(&self.catalog, placed, self.paths_case_sensitive);
        let mut findings: Vec<Finding> = attributed
            .by_product
            .into_iter()
            .filter_map(|(product_id, evidence)| {
                let (product, catalogued) = match self.catalog.product(&product_id) {
                    Some(p) => (p, true),
                    None => (attributed.uncatalogued.get(&product_id)?, false),
                };
                let evidence: Vec<Evidence> = evidence.into_iter().collect();
                // A branded product seen only inside other products is embedded there.
                let distribution = if product.distribution == Distribution::Branded
                    && evidence.iter().all(|e| e.embedded)
                {
                    Distribution::Embedded
                } else {
                    product.distribution
                };
                Some(Finding {
                    vendor: product.vendor.clone(),
                    product: product.id.clone(),
                    product_name: product.name.clone(),
                    family: product.family.clone(),
                    distribution,
                    embedded_in: Vec::new(),
                    confidence: confidence(&evidence, distribution),
                    directives: self.catalog.directives_for_as(product, distribution),
                    catalogued,
                    evidence,
                    host: None,
                    host_id: None,
                    document: None,
                })
            })
            .collect();
        content::name_containers(&mut findings, artifacts, self.paths_case_sensitive);
        findings
    }

    /// The literals the content pass (`scan --content`) looks for: every content-string and
    /// exported-symbol indicator, and the domains that are literals, of this platform.
    pub fn content_literals(&self) -> Vec<ContentLiteral> {
        content::content_literals(&self.rules)
    }

    /// Whether the file sweep should report the entry at `rel` (relative to the root).
    ///
    /// Exact paths, path globs and file names are reported wherever they are; a path
    /// prefix (a vendor folder) is reported only at its top, so a folder with thousands
    /// of files yields one item, not thousands.
    pub fn path_is_interesting(&self, rel: &str, name: &str, _is_dir: bool) -> bool {
        let r = &self.rules;
        if r.any_match(IndicatorKind::FileName, name) {
            return true;
        }
        if name.contains('.') {
            let mut exe = false;
            r.each_match(IndicatorKind::Process, name, |idx| {
                exe |= r.rule(idx).indicator.pattern.contains('.')
            });
            if exe {
                return true;
            }
        }
        let mut selected = false;
        let mut prefixes = Vec::new();
        r.each_match(IndicatorKind::Path, rel, |idx| {
            let i = &r.rule(idx).indicator;
            if i.mode == MatchMode::Prefix {
                prefixes.push(rules::fold(&i.pattern, i.case_sensitive).into_owned());
            } else {
                selected = true;
            }
        });
        if selected || prefixes.is_empty() {
            return selected;
        }
        let parent = rel.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
        let parent_prefixes = if parent.is_empty() {
            Vec::new()
        } else {
            r.matching_prefixes(IndicatorKind::Path, parent)
        };
        prefixes.iter().any(|p| !parent_prefixes.contains(p))
    }

    /// Whether a file hash is a known indicator.
    pub fn hash_is_interesting(&self, sha256: &str) -> bool {
        self.rules.any_match(IndicatorKind::FileHash, sha256)
    }
}

/// The evidence kind of a content match.
const CONTENT: &str = "content";

/// The confidence rules of the crate docs. Open-source products are at most `probable`:
/// they are reported for review, not as confirmed violations.
fn confidence(evidence: &[Evidence], distribution: Distribution) -> Confidence {
    let strong = evidence.iter().any(|e| e.weight == Weight::Strong);
    let mut weak_sources: BTreeSet<&str> = evidence
        .iter()
        .filter(|e| e.weight == Weight::Weak)
        // Independent means different kinds of item (a folder and a service), not the
        // same file seen by two collectors.
        .map(|e| e.kind.as_str())
        .collect();
    // Content: one weak literal alone (a document can mention a domain) is only
    // `possible`; two different weak literals in one file are two independent indicators.
    let content_pair = evidence
        .iter()
        .any(|e| e.kind == CONTENT && e.weight == Weight::Weak && e.indicators.len() >= 2);
    if weak_sources.len() == 1 && weak_sources.contains(CONTENT) && !content_pair {
        weak_sources.clear();
    }
    let c = if strong || weak_sources.len() >= 2 || content_pair {
        Confidence::Confirmed
    } else if !weak_sources.is_empty() {
        Confidence::Probable
    } else {
        Confidence::Possible
    };
    if distribution == Distribution::OpenSource {
        c.min(Confidence::Probable)
    } else {
        c
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_attribution;
