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
//!   package's configuration files.
//!
//! Attribution: when one item matches several products, the most specific wins (a strong
//! indicator over a weak one, then the longest pattern). Each item is one piece of
//! evidence per product, named for its best match. Evidence of the vendor's catch-all
//! ("generic") product — a vendor folder, a vendor-wide service — joins the vendor's
//! primary product on the host (the one with the most strong evidence); it stands as a
//! finding of its own only when no specific product is found. An installed package (or
//! SBOM component) known only by the vendor's publisher is a product in its own right that
//! the catalog cannot name yet, so it stays with the catch-all product rather than joining
//! another product.
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

pub mod rules;
mod values;

use interdict_catalog::{Catalog, Distribution, IndicatorKind, MatchMode, Strength};
use interdict_inventory::{Artifact, ArtifactKind, ArtifactState};
use rules::{CompileError, RuleSet};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub use values::artifact_values;

/// How sure a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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
        [
            Confidence::Possible,
            Confidence::Probable,
            Confidence::Confirmed,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// How much one piece of evidence weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Weight {
    /// A strong indicator on a present item.
    Strong,
    /// A weak indicator on a present item.
    Weak,
    /// A leftover indicator, or any indicator on a leftover item.
    Leftover,
}

/// One item that supports a finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Evidence {
    /// The artifact kind (`package`, `service`, `file`, …).
    pub kind: String,
    /// Where: a path relative to the root, or the database / hive file and key.
    pub location: String,
    /// The matched value.
    pub name: String,
    /// The artifact's own name, when it differs from the matched value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The artifact's version.
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub embedded: bool,
}

/// One product found on one host (or in one SBOM).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
    /// How sure.
    pub confidence: Confidence,
    /// Ids of the directives covering the product.
    pub directives: Vec<String>,
    /// Everything that supports it, sorted.
    pub evidence: Vec<Evidence>,
}

/// A catalog compiled for one platform.
pub struct Matcher {
    rules: RuleSet,
    catalog: Catalog,
}

impl Matcher {
    /// Compiles `catalog` for `platform` (`linux`, `windows`, `macos`, or `any`).
    pub fn new(catalog: &Catalog, platform: &str) -> Result<Matcher, CompileError> {
        Ok(Matcher {
            rules: RuleSet::compile(catalog, platform)?,
            catalog: catalog.clone(),
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
    /// vendor and product.
    pub fn match_artifacts(&self, artifacts: &[Artifact]) -> Vec<Finding> {
        let mut by_product: BTreeMap<String, BTreeSet<Evidence>> = BTreeMap::new();
        for a in artifacts {
            for (product, ev) in self.match_one(a) {
                by_product.entry(product).or_default().insert(ev);
            }
        }
        self.fold_generic(&mut by_product);
        by_product
            .into_iter()
            .filter_map(|(product_id, evidence)| {
                let product = self.catalog.product(&product_id)?;
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
                    confidence: confidence(&evidence, distribution),
                    directives: self.catalog.directives_for_as(product, distribution),
                    evidence,
                })
            })
            .collect()
    }

    /// The products one artifact is evidence for, most specific first.
    fn match_one(&self, a: &Artifact) -> Vec<(String, Evidence)> {
        let mut hits: Vec<(usize, &str)> = Vec::new();
        for (kind, value) in artifact_values(a) {
            self.rules.each_match(kind, value, |idx| {
                let rule = self.rules.rule(idx);
                // Files answer process indicators only for executable names (`avp.exe`).
                if a.kind == ArtifactKind::File
                    && kind == IndicatorKind::Process
                    && !rule.indicator.pattern.contains('.')
                {
                    return;
                }
                hits.push((idx, value));
            });
        }
        self.drop_contradicted(a, &mut hits);
        if hits.is_empty() {
            return Vec::new();
        }
        // Most specific non-generic product(s) on this item.
        let specificity = |idx: usize| {
            let i = &self.rules.rule(idx).indicator;
            (
                i.strength == Strength::Strong && !i.leftover,
                i.mode == MatchMode::Exact,
                i.pattern.len(),
            )
        };
        let best = hits
            .iter()
            .filter(|(idx, _)| !self.rules.rule(*idx).generic)
            .map(|(idx, _)| specificity(*idx))
            .max();
        let winners: BTreeSet<&str> = match best {
            Some(best) => hits
                .iter()
                .filter(|(idx, _)| !self.rules.rule(*idx).generic && specificity(*idx) == best)
                .map(|(idx, _)| self.rules.rule(*idx).product.as_str())
                .collect(),
            None => BTreeSet::new(),
        };
        // Winners whose own hits on this item are all leftover indicators: vendor-level
        // hits on the item weigh no more than those (a removal tool published by the vendor
        // is still a removal tool).
        let leftover_only: BTreeSet<&str> = winners
            .iter()
            .copied()
            .filter(|p| {
                hits.iter()
                    .map(|(idx, _)| self.rules.rule(*idx))
                    .filter(|r| !r.generic && r.product == *p)
                    .all(|r| r.indicator.leftover)
            })
            .collect();
        // One evidence item per product for this artifact: its best hit, listing every
        // indicator that matched.
        let mut per_product: BTreeMap<&str, (usize, &str, BTreeSet<&str>)> = BTreeMap::new();
        for (idx, value) in hits {
            let rule = self.rules.rule(idx);
            let targets: Vec<&str> = if winners.is_empty() {
                vec![rule.product.as_str()]
            } else if rule.generic || winners.contains(rule.product.as_str()) {
                winners.iter().copied().collect()
            } else {
                Vec::new()
            };
            for t in targets {
                let slot = per_product
                    .entry(t)
                    .or_insert((idx, value, BTreeSet::new()));
                slot.2.insert(rule.indicator.id.as_str());
                let cap = leftover_only.contains(t);
                if self.rank(a, idx, value, cap) > self.rank(a, slot.0, slot.1, cap) {
                    slot.0 = idx;
                    slot.1 = value;
                }
            }
        }
        per_product
            .into_iter()
            .map(|(product, (idx, value, ids))| {
                let mut ev = evidence(a, self.rules.rule(idx), value);
                if leftover_only.contains(product) {
                    ev.weight = Weight::Leftover;
                }
                ev.indicators = ids.into_iter().map(String::from).collect();
                (product.to_string(), ev)
            })
            .collect()
    }

    /// A file that names its maker (version info, a code signature) is not a vendor's
    /// product because of its name alone: `AvP.exe` signed by a game studio is not
    /// Kaspersky's `avp.exe`. Name-only hits of a vendor are dropped when the file's
    /// identity is known and does not point at that vendor.
    fn drop_contradicted(&self, a: &Artifact, hits: &mut Vec<(usize, &str)>) {
        if a.kind != ArtifactKind::File || (a.publisher.is_none() && a.signers.is_empty()) {
            return;
        }
        let identified: BTreeSet<&str> = hits
            .iter()
            .map(|(idx, _)| self.rules.rule(*idx))
            .filter(|r| {
                matches!(
                    r.indicator.kind,
                    IndicatorKind::Publisher | IndicatorKind::CertificateSubject
                )
            })
            .map(|r| r.vendor.as_str())
            .collect();
        hits.retain(|(idx, _)| {
            let r = self.rules.rule(*idx);
            !matches!(
                r.indicator.kind,
                IndicatorKind::Process | IndicatorKind::FileName
            ) || identified.contains(r.vendor.as_str())
        });
    }

    /// Orders the hits on one artifact: heavier first, then the artifact's own name over
    /// its other values, then specific over generic, exact over patterns, longer patterns.
    /// With `leftover_only` every hit weighs as a leftover, so the product's own
    /// indicator names the evidence.
    fn rank(
        &self,
        a: &Artifact,
        idx: usize,
        value: &str,
        leftover_only: bool,
    ) -> (u8, bool, bool, bool, usize) {
        let rule = self.rules.rule(idx);
        let i = &rule.indicator;
        let leftover = leftover_only || i.leftover || a.state == ArtifactState::Leftover;
        let weight = match (leftover, i.strength) {
            (true, _) => 0,
            (false, Strength::Weak) => 1,
            (false, Strength::Strong) => 2,
        };
        (
            weight,
            value == a.name,
            !rule.generic,
            i.mode == MatchMode::Exact,
            i.pattern.len(),
        )
    }

    /// Moves the evidence of each vendor's catch-all product into the specific products
    /// found for that vendor (see the crate docs).
    fn fold_generic(&self, by_product: &mut BTreeMap<String, BTreeSet<Evidence>>) {
        let generic_ids: Vec<String> = by_product
            .keys()
            .filter(|id| self.catalog.product(id).is_some_and(|p| p.generic))
            .cloned()
            .collect();
        for gid in generic_ids {
            let Some(vendor) = self.catalog.product(&gid).map(|p| p.vendor.clone()) else {
                continue;
            };
            let specific: Vec<String> = by_product
                .keys()
                .filter(|id| {
                    self.catalog
                        .product(id)
                        .is_some_and(|p| !p.generic && p.vendor == vendor)
                })
                .cloned()
                .collect();
            let active: Vec<String> = specific
                .iter()
                .filter(|id| by_product[*id].iter().any(|e| e.weight != Weight::Leftover))
                .cloned()
                .collect();
            let generic_has_active = by_product[&gid]
                .iter()
                .any(|e| e.weight != Weight::Leftover);
            // The primary product: the one with the most strong evidence, then the most
            // evidence; vendor-level evidence supports it rather than every product.
            let candidates = if !active.is_empty() {
                active
            } else if !generic_has_active {
                specific
            } else {
                Vec::new()
            };
            let primary = candidates.into_iter().max_by_key(|id| {
                let ev = &by_product[id];
                (
                    ev.iter().filter(|e| e.weight == Weight::Strong).count(),
                    ev.len(),
                    std::cmp::Reverse(id.clone()),
                )
            });
            let Some(primary) = primary else { continue };
            // Installed packages the catalog cannot name stay a finding of their own.
            let (stay, moved): (BTreeSet<Evidence>, BTreeSet<Evidence>) = by_product
                .remove(&gid)
                .unwrap_or_default()
                .into_iter()
                .partition(is_unnamed_product);
            by_product.entry(primary).or_default().extend(moved);
            if !stay.is_empty() {
                by_product.insert(gid, stay);
            }
        }
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

/// Whether a piece of the catch-all product's evidence is an installed product of its own
/// (a package or SBOM component matched by the vendor alone), which never joins another
/// product.
fn is_unnamed_product(e: &Evidence) -> bool {
    e.kind == ArtifactKind::Package.as_str() || e.kind == ArtifactKind::SbomComponent.as_str()
}

fn evidence(a: &Artifact, rule: &rules::Rule, value: &str) -> Evidence {
    let i = &rule.indicator;
    let weight = if i.leftover || a.state == ArtifactState::Leftover {
        Weight::Leftover
    } else if i.strength == Strength::Strong {
        Weight::Strong
    } else {
        Weight::Weak
    };
    Evidence {
        kind: a.kind.as_str().to_string(),
        location: a.location.clone(),
        name: value.to_string(),
        item: (a.name != value).then(|| a.name.clone()),
        version: a.version.clone(),
        state: a.state,
        collector: a.collector.clone(),
        indicator: i.id.clone(),
        indicators: Vec::new(),
        indicator_kind: i.kind,
        pattern: i.pattern.clone(),
        weight,
        source: i.source.clone(),
        embedded: a.attr("embedded") == Some("true"),
    }
}

/// The confidence rules of the crate docs. Open-source products are at most `probable`:
/// they are reported for review, not as confirmed violations.
fn confidence(evidence: &[Evidence], distribution: Distribution) -> Confidence {
    let strong = evidence.iter().any(|e| e.weight == Weight::Strong);
    let weak_sources: BTreeSet<&str> = evidence
        .iter()
        .filter(|e| e.weight == Weight::Weak)
        // Independent means different kinds of item (a folder and a service), not the
        // same file seen by two collectors.
        .map(|e| e.kind.as_str())
        .collect();
    let c = if strong || weak_sources.len() >= 2 {
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
