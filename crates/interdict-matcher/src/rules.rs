//! The catalog compiled into fast lookups: hash maps for exact values, anchored
//! Aho-Corasick automata for prefixes, `GlobSet`s and `RegexSet`s, one group per indicator
//! kind and case rule.

use aho_corasick::{AhoCorasick, Input, StartKind};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use interdict_catalog::{Catalog, Indicator, IndicatorKind, MatchMode, SourceConfidence, Strength};
use interdict_inventory::Platform;
use regex::RegexSet;
use std::collections::HashMap;

/// One compiled rule: an indicator and the product it reveals.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The indicator.
    pub indicator: Indicator,
    /// Product id.
    pub product: String,
    /// Vendor id.
    pub vendor: String,
    /// The product is the vendor's catch-all.
    pub generic: bool,
}

/// Errors compiling a catalog.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompileError {
    /// A glob could not be compiled.
    #[error("indicator `{id}`: invalid glob: {message}")]
    Glob {
        /// Indicator id.
        id: String,
        /// Why.
        message: String,
    },
    /// A regex (or the combined set) could not be compiled.
    #[error("indicator set: {0}")]
    Regex(String),
    /// The prefix automaton could not be built.
    #[error("prefix automaton: {0}")]
    Automaton(String),
}

/// Patterns of one indicator kind and one case rule.
#[derive(Debug, Default)]
struct Group {
    exact: HashMap<String, Vec<usize>>,
    prefixes: Vec<(String, usize)>,
    prefix_ac: Option<AhoCorasick>,
    /// Length of the longest prefix: a prefix match lies within that many bytes.
    longest_prefix: usize,
    globs: Vec<usize>,
    glob_set: Option<GlobSet>,
    regexes: Vec<usize>,
    regex_set: Option<RegexSet>,
}

/// All rules of a catalog for one platform, compiled.
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
    /// Index: kind, case-sensitive? → group.
    groups: HashMap<(IndicatorKind, bool), Group>,
}

impl RuleSet {
    /// Compiles the active indicators of `catalog` that apply to `platform` (`linux`,
    /// `windows`, `macos`, or `any` for SBOMs and imports), plus vendor-level rules
    /// derived from each vendor's publisher patterns and signer subjects.
    pub fn compile(catalog: &Catalog, platform: Platform) -> Result<RuleSet, CompileError> {
        let mut rules = Vec::new();
        for p in catalog.products() {
            for i in p
                .indicators
                .iter()
                .filter(|i| i.is_active() && i.applies_to(platform))
            {
                let mut indicator = i.clone();
                indicator.case_sensitive = i.case_sensitive_on(platform);
                rules.push(Rule {
                    indicator,
                    product: p.id.clone(),
                    vendor: p.vendor.clone(),
                    generic: p.generic,
                });
            }
        }
        rules.extend(vendor_rules(catalog));
        let mut groups: HashMap<(IndicatorKind, bool), Group> = HashMap::new();
        for (idx, r) in rules.iter().enumerate() {
            let i = &r.indicator;
            let g = groups.entry((i.kind, i.case_sensitive)).or_default();
            let pat = fold(&i.pattern, i.case_sensitive).into_owned();
            match i.mode {
                MatchMode::Exact => g.exact.entry(pat).or_default().push(idx),
                MatchMode::Prefix => g.prefixes.push((pat, idx)),
                MatchMode::Glob => g.globs.push(idx),
                MatchMode::Regex => g.regexes.push(idx),
            }
        }
        for g in groups.values_mut() {
            g.longest_prefix = g.prefixes.iter().map(|(p, _)| p.len()).max().unwrap_or(0);
            if !g.prefixes.is_empty() {
                // Overlapping search cannot be anchored; a prefix is a match starting at 0.
                let ac = AhoCorasick::builder()
                    .start_kind(StartKind::Unanchored)
                    .build(g.prefixes.iter().map(|(p, _)| p))
                    .map_err(|e| CompileError::Automaton(e.to_string()))?;
                g.prefix_ac = Some(ac);
            }
            if !g.globs.is_empty() {
                let mut b = GlobSetBuilder::new();
                for &idx in &g.globs {
                    let i = &rules[idx].indicator;
                    let glob = GlobBuilder::new(&fold(&i.pattern, i.case_sensitive))
                        .literal_separator(i.kind == IndicatorKind::Path)
                        .backslash_escape(false)
                        .build()
                        .map_err(|e| CompileError::Glob {
                            id: i.id.clone(),
                            message: e.to_string(),
                        })?;
                    b.add(glob);
                }
                g.glob_set = Some(b.build().map_err(|e| CompileError::Glob {
                    id: "set".into(),
                    message: e.to_string(),
                })?);
            }
            if !g.regexes.is_empty() {
                let pats = g.regexes.iter().map(|&idx| {
                    let i = &rules[idx].indicator;
                    if i.case_sensitive {
                        i.pattern.clone()
                    } else {
                        format!("(?i:{})", i.pattern)
                    }
                });
                g.regex_set =
                    Some(RegexSet::new(pats).map_err(|e| CompileError::Regex(e.to_string()))?);
            }
        }
        Ok(RuleSet { rules, groups })
    }

    /// A rule by index.
    pub fn rule(&self, idx: usize) -> &Rule {
        &self.rules[idx]
    }

    /// Number of compiled rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether no rule was compiled.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether any rule of this kind exists.
    pub fn has_kind(&self, kind: IndicatorKind) -> bool {
        self.groups.contains_key(&(kind, true)) || self.groups.contains_key(&(kind, false))
    }

    /// Calls `hit(rule index)` for every rule of `kind` that matches `value`.
    /// For path prefixes `value` is compared with a trailing `/` so that a folder matches
    /// its own `folder/` prefix.
    pub fn each_match(&self, kind: IndicatorKind, value: &str, mut hit: impl FnMut(usize)) {
        for case_sensitive in [true, false] {
            let Some(g) = self.groups.get(&(kind, case_sensitive)) else {
                continue;
            };
            let folded = fold(value, case_sensitive);
            if let Some(ids) = g.exact.get(folded.as_ref()) {
                ids.iter().copied().for_each(&mut hit);
            }
            if let Some(ac) = &g.prefix_ac {
                // Only the first `longest_prefix` bytes can hold a prefix match, so the
                // automaton never scans the rest of a long path.
                let mut cut = folded.len().min(g.longest_prefix);
                while !folded.is_char_boundary(cut) {
                    cut -= 1;
                }
                let mut hay = String::with_capacity(cut + 1);
                hay.push_str(&folded[..cut]);
                if kind == IndicatorKind::Path && cut == folded.len() {
                    hay.push('/');
                }
                for m in ac
                    .find_overlapping_iter(Input::new(&hay))
                    .filter(|m| m.start() == 0)
                {
                    hit(g.prefixes[m.pattern().as_usize()].1);
                }
            }
            if let Some(set) = &g.glob_set {
                for i in set.matches(folded.as_ref()) {
                    hit(g.globs[i]);
                }
            }
            if let Some(set) = &g.regex_set {
                for i in set.matches(value).iter() {
                    hit(g.regexes[i]);
                }
            }
        }
    }

    /// Whether some rule of `kind` matches `value` (see [`RuleSet::each_match`]).
    pub fn any_match(&self, kind: IndicatorKind, value: &str) -> bool {
        let mut found = false;
        self.each_match(kind, value, |_| found = true);
        found
    }

    /// The prefix patterns of `kind` that `value` falls under (for the sweep's
    /// shallowest-match rule).
    pub fn matching_prefixes(&self, kind: IndicatorKind, value: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.each_match(kind, value, |idx| {
            let i = &self.rules[idx].indicator;
            if i.mode == MatchMode::Prefix {
                out.push(fold(&i.pattern, i.case_sensitive).into_owned());
            }
        });
        out
    }
}

/// Lower-cases for case-insensitive comparison (borrowed when case matters).
pub fn fold(s: &str, case_sensitive: bool) -> std::borrow::Cow<'_, str> {
    if case_sensitive {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.to_lowercase())
    }
}

/// Rules derived from vendor facts, attached to the vendor's catch-all product.
fn vendor_rules(catalog: &Catalog) -> Vec<Rule> {
    let mut out = Vec::new();
    for v in catalog.vendors() {
        let Some(generic) = catalog.products().find(|p| p.vendor == v.id && p.generic) else {
            continue;
        };
        let source = v.sources.join("; ");
        let mut add =
            |kind: IndicatorKind, mode: MatchMode, pattern: String, what: &str, label: &str| {
                out.push(Rule {
                    indicator: Indicator {
                        id: format!("{}/vendor-{what}/{label}", v.id),
                        kind,
                        pattern,
                        mode,
                        case_sensitive: false,
                        case_explicit: true,
                        strength: Strength::Strong,
                        leftover: false,
                        platforms: Vec::new(),
                        source: source.clone(),
                        confidence: SourceConfidence::High,
                        note: None,
                        families: Vec::new(),
                        wide: false,
                    },
                    product: generic.id.clone(),
                    vendor: v.id.clone(),
                    generic: true,
                })
            };
        for p in &v.publisher_patterns {
            add(
                IndicatorKind::Publisher,
                MatchMode::Regex,
                p.clone(),
                "publisher",
                p,
            );
        }
        for s in &v.signer_subjects {
            // One relative distinguished name, matched whole within the subject.
            let pat = format!(r"(^|[,/]\s*){}\s*($|[,/+])", regex::escape(s));
            add(
                IndicatorKind::CertificateSubject,
                MatchMode::Regex,
                pat,
                "signer",
                s,
            );
        }
    }
    out
}
