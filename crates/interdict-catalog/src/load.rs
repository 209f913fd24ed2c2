//! Reading catalog TOML files into the model, with errors that name file, line and field.

use crate::CatalogError;
use crate::model::*;
use jiff::civil::Date;
use serde::Deserialize;
use toml::Spanned;

/// The contents of one catalog file. Every section is optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    #[serde(default)]
    vendor: Vec<Spanned<RawVendor>>,
    #[serde(default)]
    product: Vec<Spanned<RawProduct>>,
    #[serde(default)]
    directive: Vec<Spanned<RawDirective>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVendor {
    id: String,
    name: String,
    #[serde(default)]
    legal_names: Vec<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    signer_subjects: Vec<String>,
    #[serde(default)]
    publisher_patterns: Vec<String>,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    team_ids: Vec<String>,
    #[serde(default)]
    domain: Vec<Spanned<RawDomain>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDomain {
    name: String,
    #[serde(default)]
    subdomains: bool,
    role: Option<String>,
    source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProduct {
    id: String,
    vendor: String,
    name: String,
    family: String,
    #[serde(default)]
    platforms: Vec<String>,
    distribution: String,
    #[serde(default)]
    generic: bool,
    #[serde(default)]
    indicator: Vec<Spanned<RawIndicator>>,
    #[serde(default)]
    removal: Vec<RawRemoval>,
    removal_order: Option<i64>,
    #[serde(default)]
    domain: Vec<Spanned<RawDomain>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRemoval {
    platform: String,
    steps: Vec<String>,
    source: Option<String>,
    #[serde(default)]
    action: Vec<Spanned<RawAction>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    kind: String,
    description: String,
    source: Option<String>,
    #[serde(default)]
    properties: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    args: Vec<String>,
    prefix: Option<String>,
    when: Option<RawWhen>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWhen {
    collector: Option<String>,
    kind: Option<String>,
    location_prefix: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    kind: String,
    pattern: Option<String>,
    #[serde(default)]
    patterns: Vec<String>,
    #[serde(rename = "match", default)]
    mode: Option<String>,
    case_sensitive: Option<bool>,
    /// `sensitive` or `insensitive`: the content-string spelling of `case_sensitive`.
    case: Option<String>,
    /// A content string also searched as UTF-16LE.
    #[serde(default)]
    wide: bool,
    strength: String,
    #[serde(default)]
    leftover: bool,
    #[serde(default)]
    platforms: Vec<String>,
    source: Option<String>,
    confidence: String,
    note: Option<String>,
    #[serde(default)]
    families: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDirective {
    id: String,
    title: String,
    issuer: String,
    legal_basis: String,
    issued: toml::value::Datetime,
    effective: Option<toml::value::Datetime>,
    #[serde(default)]
    vendors: Vec<String>,
    #[serde(default)]
    products: Vec<String>,
    distributions: Vec<String>,
    #[serde(default)]
    excluded_families: Vec<String>,
    #[serde(default)]
    exclusions: Vec<String>,
    #[serde(default)]
    milestone: Vec<RawMilestone>,
    #[serde(default)]
    sources: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMilestone {
    offset_days: i64,
    deliverable: String,
    description: String,
    every_days: Option<i64>,
}

/// The entries of one parsed file.
#[derive(Debug, Default)]
pub(crate) struct Entries {
    pub vendors: Vec<Vendor>,
    pub products: Vec<Product>,
    pub directives: Vec<Directive>,
}

/// Line (1-based) of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    /// An error for `field` of the entry starting at `offset`: the line is the field's own
    /// line when the entry spells it out, else the entry's first line.
    fn err(&self, offset: usize, field: &str, message: impl Into<String>) -> CatalogError {
        let key = field.rsplit('.').next().unwrap_or(field);
        let entry_line = line_of(self.text, offset);
        let field_line = self
            .text
            .lines()
            .enumerate()
            .skip(entry_line)
            .take_while(|(_, l)| !l.trim_start().starts_with('['))
            .find(|(_, l)| {
                l.trim_start()
                    .strip_prefix(key)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            })
            .map(|(i, _)| i + 1);
        CatalogError::Invalid {
            file: self.file.to_string(),
            line: field_line.unwrap_or(entry_line),
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// Parses one catalog file.
pub(crate) fn parse_file(file: &str, text: &str) -> Result<Entries, CatalogError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
        CatalogError::Syntax {
            file: file.to_string(),
            line,
            message: e.message().to_string(),
        }
    })?;
    let cx = Ctx { file, text };
    let mut out = Entries::default();
    for v in raw.vendor {
        let at = v.span().start;
        let v = v.into_inner();
        require_id(&cx, at, "vendor.id", &v.id)?;
        for p in &v.publisher_patterns {
            regex::Regex::new(p)
                .map_err(|e| cx.err(at, "vendor.publisher_patterns", e.to_string()))?;
        }
        for t in &v.team_ids {
            let ok = t.len() == 10
                && t.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            if !ok {
                return Err(cx.err(
                    at,
                    "vendor.team_ids",
                    format!("`{t}` is not an Apple Team ID (10 upper-case letters or digits)"),
                ));
            }
        }
        let domains = domains(&cx, "vendor.domain", v.domain)?;
        out.vendors.push(Vendor {
            team_ids: v.team_ids,
            domains,
            id: v.id,
            name: v.name,
            legal_names: v.legal_names,
            aliases: v.aliases,
            signer_subjects: v.signer_subjects,
            publisher_patterns: v.publisher_patterns,
            sources: v.sources,
            origin: file.to_string(),
        });
    }
    for p in raw.product {
        out.products.push(product(&cx, p)?);
    }
    for d in raw.directive {
        out.directives.push(directive(&cx, d)?);
    }
    Ok(out)
}

fn require_id(cx: &Ctx, at: usize, field: &str, id: &str) -> Result<(), CatalogError> {
    let ok = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(cx.err(
            at,
            field,
            format!("`{id}` is not a valid id (lower-case letters, digits, `-`, `.`)"),
        ))
    }
}

const PLATFORMS: [&str; 6] = ["linux", "windows", "macos", "android", "ios", "any"];

fn check_platforms(cx: &Ctx, at: usize, field: &str, list: &[String]) -> Result<(), CatalogError> {
    match list.iter().find(|p| !PLATFORMS.contains(&p.as_str())) {
        Some(bad) => Err(cx.err(
            at,
            field,
            format!("unknown platform `{bad}` (expected one of {PLATFORMS:?})"),
        )),
        None => Ok(()),
    }
}

fn distribution(cx: &Ctx, at: usize, field: &str, s: &str) -> Result<Distribution, CatalogError> {
    match s {
        "branded" => Ok(Distribution::Branded),
        "embedded" => Ok(Distribution::Embedded),
        "open-source" => Ok(Distribution::OpenSource),
        other => Err(cx.err(
            at,
            field,
            format!("unknown distribution `{other}` (branded, embedded, open-source)"),
        )),
    }
}

fn product(cx: &Ctx, raw: Spanned<RawProduct>) -> Result<Product, CatalogError> {
    let at = raw.span().start;
    let p = raw.into_inner();
    require_id(cx, at, "product.id", &p.id)?;
    check_platforms(cx, at, "product.platforms", &p.platforms)?;
    let dist = distribution(cx, at, "product.distribution", &p.distribution)?;
    let mut indicators = Vec::new();
    for raw_ind in p.indicator {
        indicators.extend(indicator(cx, &p.id, &p.platforms, raw_ind)?);
    }
    let mut removal = Vec::new();
    for r in p.removal {
        check_platforms(
            cx,
            at,
            "product.removal.platform",
            std::slice::from_ref(&r.platform),
        )?;
        let mut actions = Vec::with_capacity(r.action.len());
        for a in r.action {
            let at = a.span().start;
            actions.push(action(cx, at, a.into_inner())?);
        }
        removal.push(RemovalSteps {
            platform: r.platform,
            steps: r.steps,
            source: r.source,
            actions,
        });
    }
    let domains = domains(cx, "product.domain", p.domain)?;
    Ok(Product {
        removal_order: p.removal_order.unwrap_or(DEFAULT_REMOVAL_ORDER),
        domains,
        id: p.id,
        vendor: p.vendor,
        name: p.name,
        family: p.family,
        platforms: p.platforms,
        distribution: dist,
        generic: p.generic,
        indicators,
        removal,
        origin: cx.file.to_string(),
    })
}

/// Domain names: lower-case labels of letters, digits and `-`, at least two labels.
fn domains(
    cx: &Ctx,
    field: &str,
    raw: Vec<Spanned<RawDomain>>,
) -> Result<Vec<Domain>, CatalogError> {
    let mut out = Vec::with_capacity(raw.len());
    for d in raw {
        let at = d.span().start;
        let d = d.into_inner();
        let labels: Vec<&str> = d.name.split('.').collect();
        let ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
        if !ok {
            return Err(cx.err(
                at,
                &format!("{field}.name"),
                format!("`{}` is not a domain name (lower-case labels, no wildcard: set `subdomains = true`)", d.name),
            ));
        }
        let source = match d.source {
            Some(s) if !s.trim().is_empty() => s,
            _ => {
                return Err(cx.err(
                    at,
                    &format!("{field}.source"),
                    format!("domain `{}` needs its public source", d.name),
                ));
            }
        };
        out.push(Domain {
            name: d.name,
            subdomains: d.subdomains,
            role: d.role,
            source,
        });
    }
    Ok(out)
}

/// One removal action: a known kind, a public source, and the fields its kind needs.
fn action(cx: &Ctx, at: usize, a: RawAction) -> Result<RemovalAction, CatalogError> {
    let kind = ActionKind::parse(&a.kind).ok_or_else(|| {
        let all: Vec<_> = ActionKind::ALL.iter().map(|k| k.as_str()).collect();
        cx.err(
            at,
            "product.removal.action.kind",
            format!(
                "unknown action kind `{}` (expected one of {})",
                a.kind,
                all.join(", ")
            ),
        )
    })?;
    let source = match a.source {
        Some(s) if !s.trim().is_empty() => s,
        _ => {
            return Err(cx.err(
                at,
                "product.removal.action.source",
                format!(
                    "every removal action needs its public source ({})",
                    kind.as_str()
                ),
            ));
        }
    };
    let needs_paths = matches!(
        kind,
        ActionKind::VendorUninstaller | ActionKind::DeletePath | ActionKind::Fallback
    );
    if needs_paths && a.paths.is_empty() {
        return Err(cx.err(
            at,
            "product.removal.action.paths",
            format!("a `{}` action needs `paths`", kind.as_str()),
        ));
    }
    let relative = matches!(kind, ActionKind::VendorUninstaller | ActionKind::DeletePath);
    for p in &a.paths {
        let bad =
            p.is_empty() || (relative && (p.starts_with('/') || p.split('/').any(|c| c == "..")));
        if bad {
            return Err(cx.err(
                at,
                "product.removal.action.paths",
                format!("path `{p}` must be relative to the root (no leading `/`, no `..`)"),
            ));
        }
    }
    if !a.properties.iter().all(|p| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    }) {
        return Err(cx.err(
            at,
            "product.removal.action.properties",
            "Windows Installer property names are upper-case letters, digits and `_`",
        ));
    }
    let when = match a.when {
        Some(w) if w.collector.is_none() && w.kind.is_none() && w.location_prefix.is_none() => {
            return Err(cx.err(
                at,
                "product.removal.action.when",
                "`when` needs `collector`, `kind` or `location_prefix`",
            ));
        }
        Some(w) => Some(When {
            collector: w.collector,
            kind: w.kind,
            location_prefix: w.location_prefix,
        }),
        None => None,
    };
    Ok(RemovalAction {
        kind,
        description: a.description,
        source,
        properties: a.properties,
        paths: a.paths,
        args: a.args,
        prefix: a.prefix.filter(|p| !p.is_empty()),
        when,
    })
}

/// Case rules: names on Linux are case-sensitive; Windows and macOS file systems and
/// registries are not, and neither are publisher, certificate, domain or id comparisons.
fn default_case_sensitive(kind: IndicatorKind, platforms: &[String]) -> bool {
    let linux_only = !platforms.is_empty() && platforms.iter().all(|p| p == "linux");
    linux_only
        && matches!(
            kind,
            IndicatorKind::Package
                | IndicatorKind::Path
                | IndicatorKind::FileName
                | IndicatorKind::Service
                | IndicatorKind::KernelModule
                | IndicatorKind::Process
        )
}

fn indicator(
    cx: &Ctx,
    product: &str,
    product_platforms: &[String],
    raw: Spanned<RawIndicator>,
) -> Result<Vec<Indicator>, CatalogError> {
    let at = raw.span().start;
    let r = raw.into_inner();
    let kind = IndicatorKind::parse(&r.kind).ok_or_else(|| {
        let all: Vec<_> = IndicatorKind::ALL.iter().map(|k| k.as_str()).collect();
        cx.err(
            at,
            "indicator.kind",
            format!(
                "unknown kind `{}` (expected one of {})",
                r.kind,
                all.join(", ")
            ),
        )
    })?;
    let mode = match r.mode.as_deref().unwrap_or("exact") {
        "exact" => MatchMode::Exact,
        "prefix" => MatchMode::Prefix,
        "glob" => MatchMode::Glob,
        "regex" => MatchMode::Regex,
        other => {
            return Err(cx.err(
                at,
                "indicator.match",
                format!("unknown match mode `{other}` (exact, prefix, glob, regex)"),
            ));
        }
    };
    let strength = match r.strength.as_str() {
        "strong" => Strength::Strong,
        "weak" => Strength::Weak,
        other => {
            return Err(cx.err(
                at,
                "indicator.strength",
                format!("unknown strength `{other}` (strong, weak)"),
            ));
        }
    };
    let confidence = match r.confidence.as_str() {
        "high" => SourceConfidence::High,
        "medium" => SourceConfidence::Medium,
        "low" => SourceConfidence::Low,
        "unverified" => SourceConfidence::Unverified,
        other => {
            return Err(cx.err(
                at,
                "indicator.confidence",
                format!("unknown confidence `{other}` (high, medium, low, unverified)"),
            ));
        }
    };
    let source = match r.source {
        Some(s) if !s.trim().is_empty() => s,
        _ if confidence == SourceConfidence::Unverified => String::new(),
        _ => {
            return Err(cx.err(
                at,
                "indicator.source",
                "every indicator needs its public source",
            ));
        }
    };
    check_platforms(cx, at, "indicator.platforms", &r.platforms)?;
    let platforms = if r.platforms.is_empty() {
        product_platforms.to_vec()
    } else {
        r.platforms
    };
    let mut patterns = r.patterns;
    if let Some(p) = r.pattern {
        patterns.insert(0, p);
    }
    if patterns.is_empty() {
        return Err(cx.err(
            at,
            "indicator.pattern",
            "an indicator needs `pattern` or `patterns`",
        ));
    }
    let content = matches!(
        kind,
        IndicatorKind::ContentString | IndicatorKind::ExportedSymbol
    );
    if content && mode != MatchMode::Exact {
        return Err(cx.err(
            at,
            "indicator.match",
            format!(
                "`{}` indicators are literals: only `match = \"exact\"` is allowed",
                kind.as_str()
            ),
        ));
    }
    if r.wide && kind != IndicatorKind::ContentString {
        return Err(cx.err(
            at,
            "indicator.wide",
            "`wide` applies to `content-string` indicators only",
        ));
    }
    let case = match r.case.as_deref() {
        None => None,
        Some(_) if kind != IndicatorKind::ContentString => {
            return Err(cx.err(
                at,
                "indicator.case",
                "`case` applies to `content-string` indicators only (others: `case_sensitive`)",
            ));
        }
        Some("sensitive") => Some(true),
        Some("insensitive") => Some(false),
        Some(other) => {
            return Err(cx.err(
                at,
                "indicator.case",
                format!("unknown case `{other}` (sensitive, insensitive)"),
            ));
        }
    };
    if case.is_some() && r.case_sensitive.is_some() {
        return Err(cx.err(
            at,
            "indicator.case",
            "give either `case` or `case_sensitive`, not both",
        ));
    }
    let explicit = case.or(r.case_sensitive);
    // Content is bytes: a literal matches as written unless the catalog says otherwise.
    let case_sensitive =
        explicit.unwrap_or_else(|| content || default_case_sensitive(kind, &platforms));
    let mut out = Vec::with_capacity(patterns.len());
    for pattern in patterns {
        if pattern.is_empty() {
            return Err(cx.err(at, "indicator.pattern", "empty pattern"));
        }
        match mode {
            MatchMode::Regex => {
                regex::RegexBuilder::new(&pattern)
                    .case_insensitive(!case_sensitive)
                    .build()
                    .map_err(|e| {
                        cx.err(
                            at,
                            "indicator.pattern",
                            format!("invalid regex `{pattern}`: {e}"),
                        )
                    })?;
            }
            MatchMode::Glob => {
                if pattern.contains("[]")
                    || pattern.matches('[').count() != pattern.matches(']').count()
                {
                    return Err(cx.err(
                        at,
                        "indicator.pattern",
                        format!("invalid glob `{pattern}`: unbalanced brackets"),
                    ));
                }
            }
            MatchMode::Exact | MatchMode::Prefix => {}
        }
        if kind == IndicatorKind::Path && pattern.starts_with('/') {
            return Err(cx.err(
                at,
                "indicator.pattern",
                format!("path `{pattern}` must be relative to the root (no leading `/`)"),
            ));
        }
        out.push(Indicator {
            id: format!("{product}/{}/{pattern}", kind.as_str()),
            kind,
            pattern,
            mode,
            case_sensitive,
            case_explicit: explicit.is_some() || content,
            strength,
            leftover: r.leftover,
            platforms: platforms.clone(),
            source: source.clone(),
            confidence,
            note: r.note.clone(),
            families: r.families.clone(),
            wide: r.wide,
        });
    }
    Ok(out)
}

fn date(
    cx: &Ctx,
    at: usize,
    field: &str,
    dt: &toml::value::Datetime,
) -> Result<Date, CatalogError> {
    match (&dt.date, &dt.time) {
        (Some(d), None) => Date::new(d.year as i16, d.month as i8, d.day as i8)
            .map_err(|e| cx.err(at, field, e.to_string())),
        _ => Err(cx.err(
            at,
            field,
            format!("`{dt}` must be a plain date like 2017-09-13"),
        )),
    }
}

fn directive(cx: &Ctx, raw: Spanned<RawDirective>) -> Result<Directive, CatalogError> {
    let at = raw.span().start;
    let d = raw.into_inner();
    require_id(cx, at, "directive.id", &d.id)?;
    let issued = date(cx, at, "directive.issued", &d.issued)?;
    let effective = d
        .effective
        .as_ref()
        .map(|e| date(cx, at, "directive.effective", e))
        .transpose()?;
    let mut distributions = Vec::new();
    for s in &d.distributions {
        distributions.push(distribution(cx, at, "directive.distributions", s)?);
    }
    if d.vendors.is_empty() && d.products.is_empty() {
        return Err(cx.err(
            at,
            "directive.vendors",
            "a directive must cover at least one vendor or product",
        ));
    }
    let mut milestones = Vec::new();
    for m in d.milestone {
        if m.offset_days < 0 || m.every_days.is_some_and(|e| e <= 0) {
            return Err(cx.err(
                at,
                "directive.milestone.offset_days",
                "offsets and periods must be positive day counts",
            ));
        }
        milestones.push(Milestone {
            offset_days: m.offset_days,
            deliverable: crate::Deliverable::parse(&m.deliverable),
            description: m.description,
            every_days: m.every_days,
        });
    }
    milestones.sort_by_key(|m| m.offset_days);
    Ok(Directive {
        id: d.id,
        title: d.title,
        issuer: d.issuer,
        legal_basis: d.legal_basis,
        issued,
        effective,
        vendors: d.vendors,
        products: d.products,
        distributions,
        excluded_families: d.excluded_families,
        exclusions: d.exclusions,
        milestones,
        sources: d.sources,
        origin: cx.file.to_string(),
    })
}
