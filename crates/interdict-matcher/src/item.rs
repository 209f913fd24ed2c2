//! One artifact against the compiled rules: which indicators hit it, which product it
//! names itself, and the evidence it gives. Host-level placement of items that name no
//! product is in [`crate::attribution`].

use crate::rules::{self, Rule, RuleSet};
use crate::values::{artifact_values, identifier_values};
use crate::{Evidence, Weight};
use interdict_catalog::{IndicatorKind, MatchMode, Strength};
use interdict_inventory::{Artifact, ArtifactKind, ArtifactState};
use std::collections::{BTreeMap, BTreeSet};

/// PE version-info and bundle attributes that name the product an item belongs to, in the
/// order they are trusted.
const PRODUCT_NAME_ATTRS: &[&str] = &[
    "product-name",
    "bundle-name",
    "display-name",
    "file-description",
];

/// What one artifact is evidence of, before the host-level attribution.
#[derive(Debug)]
pub(crate) enum Placed {
    /// The item names its product: a product's own indicator matched, or its version info
    /// names a catalogued product.
    Fixed {
        /// Product id.
        product: String,
        /// The evidence.
        evidence: Evidence,
        /// Install folders the item declares (an uninstall entry's `InstallLocation`).
        folders: Vec<String>,
        /// The MSI product code the item declares.
        product_code: Option<String>,
    },
    /// Only vendor-level indicators matched.
    Open(OpenItem),
}

/// An item that only vendor-level indicators matched; [`crate::attribution`] places it.
#[derive(Debug)]
pub(crate) struct OpenItem {
    /// The vendor.
    pub vendor: String,
    /// The vendor's catch-all product, where the item stays when nothing places it.
    pub generic: String,
    /// The evidence.
    pub evidence: Evidence,
    /// Product families the matched indicators tie the item to (empty: any product).
    pub families: BTreeSet<String>,
    /// The item's own paths (a file, a service's image, an install folder).
    pub paths: Vec<String>,
    /// The MSI product code the item declares.
    pub product_code: Option<String>,
    /// The product name the item declares when it is an installed product of its own (an
    /// uninstall entry, an app bundle) that no catalog product matched.
    pub own_name: Option<String>,
    /// An SBOM component: a product of its own the catalog cannot name; it stays with the
    /// vendor.
    pub component: bool,
}

/// One indicator hit: rule index, the value it matched, and whether the value is an
/// identifier offered across artifact kinds (a receipt's id against a bundle-id rule).
type Hit<'a> = (usize, &'a str, bool);

/// Matches one artifact.
pub(crate) fn match_item(rules: &RuleSet, a: &Artifact) -> Vec<Placed> {
    let mut hits: Vec<Hit<'_>> = Vec::new();
    for (kind, value) in artifact_values(a) {
        rules.each_match(kind, value, |idx| {
            let rule = rules.rule(idx);
            // Files answer process indicators only for executable names (`avp.exe`).
            if a.kind == ArtifactKind::File
                && kind == IndicatorKind::Process
                && !rule.indicator.pattern.contains('.')
            {
                return;
            }
            hits.push((idx, value, false));
        });
    }
    for (kind, value) in identifier_values(a) {
        rules.each_match(kind, value, |idx| hits.push((idx, value, true)));
    }
    drop_contradicted(rules, a, &mut hits);
    if hits.is_empty() {
        return Vec::new();
    }
    let specificity = |idx: usize| {
        let i = &rules.rule(idx).indicator;
        (
            i.strength == Strength::Strong && !i.leftover,
            i.mode == MatchMode::Exact,
            i.pattern.len(),
        )
    };
    // The most specific product(s) by their own indicators.
    let best = hits
        .iter()
        .filter(|(idx, _, _)| !rules.rule(*idx).generic)
        .map(|(idx, _, _)| specificity(*idx))
        .max();
    let mut winners: BTreeSet<&str> = match best {
        Some(best) => hits
            .iter()
            .filter(|(idx, _, _)| !rules.rule(*idx).generic && specificity(*idx) == best)
            .map(|(idx, _, _)| rules.rule(*idx).product.as_str())
            .collect(),
        None => BTreeSet::new(),
    };
    // What the item says of itself (a PE's ProductName) outweighs a folder or any other
    // weak indicator of a product; only a product's own strong indicator stands above it.
    let vendors: BTreeSet<&str> = hits
        .iter()
        .map(|(idx, _, _)| rules.rule(*idx).vendor.as_str())
        .collect();
    if let Some(named) = named_product(rules, a, &vendors)
        && (best.is_none_or(|b| !b.0) || winners.contains(named))
    {
        winners = BTreeSet::from([named]);
    }
    // Winners whose own hits on this item are all leftover indicators: vendor-level hits on
    // the item weigh no more than those (a removal tool published by the vendor is still a
    // removal tool).
    let leftover_only: BTreeSet<&str> = winners
        .iter()
        .copied()
        .filter(|p| {
            let mut own = hits
                .iter()
                .map(|(idx, _, _)| rules.rule(*idx))
                .filter(|r| !r.generic && r.product == *p)
                .peekable();
            own.peek().is_some() && own.all(|r| r.indicator.leftover)
        })
        .collect();
    // One evidence item per product for this artifact: its best hit, listing every
    // indicator that matched.
    let mut per_product: BTreeMap<&str, (Hit<'_>, BTreeSet<&str>, BTreeSet<String>)> =
        BTreeMap::new();
    for hit in hits {
        let rule = rules.rule(hit.0);
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
                .or_insert((hit, BTreeSet::new(), BTreeSet::new()));
            slot.1.insert(rule.indicator.id.as_str());
            slot.2.extend(rule.indicator.families.iter().cloned());
            let cap = leftover_only.contains(t);
            if rank(rules, a, hit, cap) > rank(rules, a, slot.0, cap) {
                slot.0 = hit;
            }
        }
    }
    let product_code = product_code(a);
    per_product
        .into_iter()
        .map(|(product, ((idx, value, _), ids, families))| {
            let rule = rules.rule(idx);
            let mut ev = evidence(a, rule, value);
            if leftover_only.contains(product) {
                ev.weight = Weight::Leftover;
            }
            ev.indicators = ids.into_iter().map(String::from).collect();
            if winners.is_empty() {
                Placed::Open(OpenItem {
                    vendor: rule.vendor.clone(),
                    generic: product.to_string(),
                    evidence: ev,
                    families,
                    paths: item_paths(a),
                    product_code: product_code.clone(),
                    own_name: own_name(a),
                    component: a.kind == ArtifactKind::SbomComponent,
                })
            } else {
                Placed::Fixed {
                    product: product.to_string(),
                    evidence: ev,
                    folders: if a.kind == ArtifactKind::Package {
                        a.paths.clone()
                    } else {
                        Vec::new()
                    },
                    product_code: product_code.clone(),
                }
            }
        })
        .collect()
}

/// The catalogued product an item names itself — a PE's ProductName or FileDescription, an
/// app bundle's name — matched against the products' package (uninstall name) indicators.
/// Only products of a vendor whose indicators hit the item count.
fn named_product<'r>(
    rules: &'r RuleSet,
    a: &Artifact,
    vendors: &BTreeSet<&str>,
) -> Option<&'r str> {
    if !matches!(a.kind, ArtifactKind::File | ArtifactKind::Bundle) {
        return None;
    }
    PRODUCT_NAME_ATTRS.iter().find_map(|key| {
        let value = a.attr(key)?;
        let mut best: Option<(bool, bool, usize, &'r Rule)> = None;
        rules.each_match(IndicatorKind::Package, value, |idx| {
            let r = rules.rule(idx);
            if r.generic || r.indicator.leftover || !vendors.contains(r.vendor.as_str()) {
                return;
            }
            let i = &r.indicator;
            let key = (
                i.strength == Strength::Strong,
                i.mode == MatchMode::Exact,
                i.pattern.len(),
                r,
            );
            if best.is_none_or(|b| (key.0, key.1, key.2) > (b.0, b.1, b.2)) {
                best = Some(key);
            }
        });
        best.map(|b| b.3.product.as_str())
    })
}

/// The paths an item stands for: its own path (a file) and the paths it points at.
fn item_paths(a: &Artifact) -> Vec<String> {
    let mut out = a.paths.clone();
    if a.kind == ArtifactKind::File && !out.contains(&a.name) {
        out.push(a.name.clone());
    }
    out
}

/// The name of an installed product of its own: an uninstall entry's display name, an app
/// bundle's name. Not for reverse-DNS package ids (receipts) nor SBOM components.
fn own_name(a: &Artifact) -> Option<String> {
    let name = match a.kind {
        ArtifactKind::Package => Some(a.name.as_str()),
        ArtifactKind::Bundle => a
            .attr("bundle-name")
            .or(a.attr("display-name"))
            .or(Some(a.name.as_str())),
        _ => None,
    }?;
    let name = name.trim();
    (!name.is_empty() && !crate::values::is_identifier(name)).then(|| name.to_string())
}

/// The MSI product code an item declares: its own (`Installer\Products`), its uninstall
/// key's name, or the code its uninstall command removes. Upper case, with braces.
pub(crate) fn product_code(a: &Artifact) -> Option<String> {
    let candidates = [
        a.attr("product-code"),
        a.attr("registry-key")
            .and_then(|k| k.rsplit('\\').next())
            .filter(|k| k.starts_with('{')),
        a.attr("uninstall-string")
            .and_then(|s| s.find('{').map(|at| &s[at..])),
    ];
    candidates.into_iter().flatten().find_map(guid)
}

/// The `{8-4-4-4-12}` GUID at the start of `s`, upper-cased.
fn guid(s: &str) -> Option<String> {
    let g = s.get(..38)?;
    let shape = g.starts_with('{')
        && g.ends_with('}')
        && g[1..37].char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    shape.then(|| g.to_ascii_uppercase())
}

/// A file that names its maker (version info, a code signature) is not a vendor's product
/// because of its name alone: `AvP.exe` signed by a game studio is not Kaspersky's
/// `avp.exe`. Name-only hits of a vendor are dropped when the file's identity is known and
/// does not point at that vendor.
fn drop_contradicted(rules: &RuleSet, a: &Artifact, hits: &mut Vec<Hit<'_>>) {
    if a.kind != ArtifactKind::File || (a.publisher.is_none() && a.signers.is_empty()) {
        return;
    }
    let identified: BTreeSet<&str> = hits
        .iter()
        .map(|(idx, _, _)| rules.rule(*idx))
        .filter(|r| {
            matches!(
                r.indicator.kind,
                IndicatorKind::Publisher | IndicatorKind::CertificateSubject
            )
        })
        .map(|r| r.vendor.as_str())
        .collect();
    hits.retain(|(idx, _, _)| {
        let r = rules.rule(*idx);
        !matches!(
            r.indicator.kind,
            IndicatorKind::Process | IndicatorKind::FileName
        ) || identified.contains(r.vendor.as_str())
    });
}

/// Orders the hits on one artifact: heavier first, then the artifact's own name over its
/// other values, then the artifact's own kind over identifiers offered across kinds, then
/// specific over generic, exact over patterns, longer patterns. With `leftover_only` every
/// hit weighs as a leftover, so the product's own indicator names the evidence.
fn rank(
    rules: &RuleSet,
    a: &Artifact,
    (idx, value, cross): Hit<'_>,
    leftover_only: bool,
) -> (u8, bool, bool, bool, bool, usize) {
    let rule = rules.rule(idx);
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
        !cross,
        !rule.generic,
        i.mode == MatchMode::Exact,
        i.pattern.len(),
    )
}

/// The evidence `a` gives through `rule` matching `value`.
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
        embedded: a.attr(interdict_inventory::attr::EMBEDDED) == Some("true"),
        container: None,
    }
}
