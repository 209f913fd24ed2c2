//! Prevention policies: what a directive bans, as rules other tools enforce.
//!
//! Every export names the directive, the catalog version and the generation date in a
//! comment (JSON formats, which have no comments, in an `interdict` member).

mod network;
mod osquery;
mod packages;
mod santa;
mod windows;
mod yara;

use interdict_catalog::{Catalog, Directive, IndicatorKind, MatchMode, Product, Vendor};
use jiff::Timestamp;
use std::collections::BTreeMap;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyFormat {
    /// AppLocker policy XML (Exe and Msi deny rules by publisher and path).
    Applocker,
    /// WDAC (App Control for Business) policy XML with deny rules by file name and path.
    Wdac,
    /// apt preferences pinning the covered packages to -1.
    Apt,
    /// dnf `excludepkgs` for the covered packages.
    Dnf,
    /// A hosts file, one entry per domain.
    Hosts,
    /// A DNS response-policy zone.
    Rpz,
    /// An osquery pack whose queries find the covered products.
    Osquery,
    /// YARA rules matching the vendor's binaries.
    Yara,
    /// Santa rules (JSON for `santactl rule --import`) blocking the vendor's Team IDs.
    Santa,
}

impl PolicyFormat {
    /// Every format, by name.
    pub const ALL: [(&'static str, PolicyFormat); 9] = [
        ("applocker", PolicyFormat::Applocker),
        ("wdac", PolicyFormat::Wdac),
        ("apt", PolicyFormat::Apt),
        ("dnf", PolicyFormat::Dnf),
        ("hosts", PolicyFormat::Hosts),
        ("rpz", PolicyFormat::Rpz),
        ("osquery", PolicyFormat::Osquery),
        ("yara", PolicyFormat::Yara),
        ("santa", PolicyFormat::Santa),
    ];

    /// Parses a format name.
    pub fn parse(s: &str) -> Option<PolicyFormat> {
        Self::ALL.iter().find(|(n, _)| *n == s).map(|(_, f)| *f)
    }

    /// The format's name.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("", |(n, _)| n)
    }
}

/// Why a policy cannot be exported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// No directive with this id in the catalog.
    #[error("unknown directive `{id}` (known: {known})")]
    UnknownDirective {
        /// The id asked for.
        id: String,
        /// The ids the catalog has.
        known: String,
    },
    /// JSON serialisation failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

/// What a directive covers, gathered once for every format.
pub(crate) struct Covered<'a> {
    pub directive: &'a Directive,
    pub catalog_version: &'a str,
    pub generated: String,
    pub vendors: Vec<&'a Vendor>,
    pub products: Vec<&'a Product>,
}

impl Covered<'_> {
    /// The comment lines every export starts with.
    pub fn banner(&self, format: PolicyFormat) -> Vec<String> {
        vec![
            format!(
                "interdict {} policy for directive {}: {}",
                format.as_str(),
                self.directive.id,
                one_line(&self.directive.title)
            ),
            format!(
                "catalog version {}; generated {}",
                self.catalog_version, self.generated
            ),
            format!(
                "covered products: {}",
                self.products
                    .iter()
                    .map(|p| p.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ]
    }

    /// Active indicators of `kind` on `platform` (or `any`) of the covered products,
    /// with their product.
    pub fn indicators(
        &self,
        kind: IndicatorKind,
        platform: &str,
    ) -> impl Iterator<Item = (&Product, &interdict_catalog::Indicator)> {
        self.products.iter().flat_map(move |p| {
            p.indicators
                .iter()
                .filter(move |i| {
                    i.kind == kind
                        && i.is_active()
                        && !i.leftover
                        && (i.platforms.is_empty()
                            || i.platforms.iter().any(|q| q == platform || q == "any"))
                })
                .map(move |i| (*p, i))
        })
    }

    /// Every domain of the covered vendors and products, and the covered products'
    /// domain indicators (`exact` names, and `*.name` globs as names with subdomains):
    /// name → covers subdomains.
    pub fn domains(&self) -> BTreeMap<String, bool> {
        let mut out: BTreeMap<String, bool> = BTreeMap::new();
        let mut add = |name: &str, sub: bool| {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if valid_domain(&name) {
                let e = out.entry(name).or_insert(false);
                *e |= sub;
            }
        };
        for v in &self.vendors {
            for d in &v.domains {
                add(&d.name, d.subdomains);
            }
        }
        for p in &self.products {
            for d in &p.domains {
                add(&d.name, d.subdomains);
            }
        }
        for (_, i) in self.indicators(IndicatorKind::Domain, "any") {
            match i.mode {
                MatchMode::Exact => add(&i.pattern, false),
                MatchMode::Glob => {
                    if let Some(rest) = i.pattern.strip_prefix("*.") {
                        add(rest, true);
                    }
                }
                MatchMode::Prefix | MatchMode::Regex => {}
            }
        }
        out
    }
}

/// Letters, digits, `-` and `.`: a name every format can carry unquoted.
fn valid_domain(name: &str) -> bool {
    name.contains('.')
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Text on one line (for comments): control characters become spaces.
pub(crate) fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A stable GUID (upper-case, no braces) for `seed`.
pub(crate) fn guid(seed: &str) -> String {
    use sha2::{Digest, Sha256};
    let h = hex::encode_upper(Sha256::digest(seed.as_bytes()));
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The prevention policy of `directive` in `format`, generated at `now`.
pub fn export(
    catalog: &Catalog,
    directive: &str,
    format: PolicyFormat,
    now: Timestamp,
) -> Result<String, PolicyError> {
    let d = catalog
        .directive(directive)
        .ok_or_else(|| PolicyError::UnknownDirective {
            id: directive.to_string(),
            known: catalog
                .directives()
                .map(|d| d.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let products: Vec<&Product> = catalog.products().filter(|p| d.covers(p)).collect();
    let mut vendor_ids: Vec<&str> = d.vendors.iter().map(String::as_str).collect();
    vendor_ids.extend(products.iter().map(|p| p.vendor.as_str()));
    vendor_ids.sort_unstable();
    vendor_ids.dedup();
    let covered = Covered {
        directive: d,
        catalog_version: catalog.version(),
        generated: now.round(jiff::Unit::Second).unwrap_or(now).to_string(),
        vendors: vendor_ids
            .iter()
            .filter_map(|v| catalog.vendor(v))
            .collect(),
        products,
    };
    Ok(match format {
        PolicyFormat::Applocker => windows::applocker(&covered),
        PolicyFormat::Wdac => windows::wdac(&covered),
        PolicyFormat::Apt => packages::apt(&covered),
        PolicyFormat::Dnf => packages::dnf(&covered),
        PolicyFormat::Hosts => network::hosts(&covered),
        PolicyFormat::Rpz => network::rpz(&covered, now),
        PolicyFormat::Osquery => osquery::pack(&covered)?,
        PolicyFormat::Yara => yara::rules(&covered),
        PolicyFormat::Santa => santa::rules(&covered)?,
    })
}
