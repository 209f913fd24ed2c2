//! The directive catalog: which vendors and products a ban covers, with what deadlines,
//! and the indicators that reveal each product on a host or in an SBOM.
//!
//! The principal type is [`Catalog`]. [`Catalog::bundled`] gives the catalog compiled into
//! the binary (TOML files under `data/`); [`Catalog::with_dir`] adds a user's directory of
//! TOML files, whose entries add to or replace bundled entries with the same id. Every
//! problem is a [`CatalogError`] naming the file, the line and the field.
//!
//! **Boundary:** knows nothing of hosts or collectors. It takes the shared vocabulary
//! (`Distribution`, `IndicatorKind`) from `interdict-findings`, so catalog, matcher and
//! reports speak one set of types.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod load;
mod model;
mod schedule;

pub use model::*;
pub use schedule::{Deliverable, ScheduledMilestone, schedule};

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The bundled catalog files: (name, contents).
const BUNDLED: &[(&str, &str)] = &[
    ("directives.toml", include_str!("../data/directives.toml")),
    ("kaspersky.toml", include_str!("../data/kaspersky.toml")),
    (
        "kaspersky-linux.toml",
        include_str!("../data/kaspersky-linux.toml"),
    ),
    (
        "kaspersky-windows.toml",
        include_str!("../data/kaspersky-windows.toml"),
    ),
    (
        "kaspersky-macos.toml",
        include_str!("../data/kaspersky-macos.toml"),
    ),
    (
        "bytedance-deepseek.toml",
        include_str!("../data/bytedance-deepseek.toml"),
    ),
];

/// A catalog problem, naming where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// The file is not valid TOML or has an unknown or missing field.
    #[error("{file}:{line}: {message}")]
    Syntax {
        /// The catalog file.
        file: String,
        /// 1-based line, 0 when unknown.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A value is not acceptable.
    #[error("{file}:{line}: field `{field}`: {message}")]
    Invalid {
        /// The catalog file.
        file: String,
        /// 1-based line of the entry.
        line: usize,
        /// The field at fault.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// An entry refers to an id that does not exist, or an id is defined twice in one
    /// layer.
    #[error("{file}: field `{field}`: {message}")]
    Reference {
        /// The catalog file.
        file: String,
        /// The field at fault.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A file or directory could not be read.
    #[error("{path}: {message}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        message: String,
    },
}

/// The version of the bundled catalog data; bumped whenever a file under `data/` changes.
pub const BUNDLED_VERSION: &str = "2026.12.2";

/// A complete, cross-checked catalog.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    vendors: BTreeMap<String, Vendor>,
    products: BTreeMap<String, Product>,
    directives: BTreeMap<String, Directive>,
    /// Every file loaded, in load order: (name, SHA-256 of its text).
    files: Vec<(String, [u8; 32])>,
    /// The text of every file loaded, by layer, in load order (what an evidence pack
    /// carries so that its reports can be re-computed with the very same catalog).
    layers: Vec<Vec<(String, String)>>,
    /// The version of the catalog data, when it is not this binary's bundled one (a
    /// catalog read back from an evidence pack).
    version: Option<String>,
}

impl Catalog {
    /// The catalog shipped in the binary.
    pub fn bundled() -> Result<Catalog, CatalogError> {
        let mut cat = Catalog::default();
        cat.add_layer(
            BUNDLED
                .iter()
                .map(|(n, t)| (format!("<bundled>/{n}"), (*t).to_string())),
        )?;
        Ok(cat)
    }

    /// The bundled catalog extended with every `*.toml` file in `dir` (sorted by name).
    pub fn with_dir(dir: &Path) -> Result<Catalog, CatalogError> {
        let mut cat = Catalog::bundled()?;
        cat.add_layer(read_dir(dir)?)?;
        Ok(cat)
    }

    /// A catalog made of exactly `layers` (the first is usually the bundled files), whose
    /// data carries `version`: the catalog an evidence pack was made with, read back from
    /// the files it holds ([`Catalog::layers`]). Same files, same [`Catalog::digest`].
    pub fn from_layers(
        version: &str,
        layers: impl IntoIterator<Item = Vec<(String, String)>>,
    ) -> Result<Catalog, CatalogError> {
        let mut cat = Catalog {
            version: Some(version.to_string()),
            ..Catalog::default()
        };
        for layer in layers {
            cat.add_layer(layer)?;
        }
        Ok(cat)
    }

    /// The text of every file loaded, by layer (bundled first, then `--catalog`
    /// directories), each file as (name, text), in load order.
    pub fn layers(&self) -> &[Vec<(String, String)>] {
        &self.layers
    }

    /// Adds a layer of files; entries replace same-id entries of earlier layers. The
    /// result is cross-checked.
    pub fn add_layer(
        &mut self,
        files: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), CatalogError> {
        let mut texts = Vec::new();
        let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
        let dup = |file: &str, what: &str, id: &str| CatalogError::Reference {
            file: file.to_string(),
            field: format!("{what}.id"),
            message: format!("{what} `{id}` is defined twice"),
        };
        for (name, text) in files {
            let entries = load::parse_file(&name, &text)?;
            self.files
                .push((name.clone(), Sha256::digest(text.as_bytes()).into()));
            texts.push((name.clone(), text));
            for v in entries.vendors {
                if !seen.insert(("vendor".into(), v.id.clone())) {
                    return Err(dup(&name, "vendor", &v.id));
                }
                self.vendors.insert(v.id.clone(), v);
            }
            for p in entries.products {
                if !seen.insert(("product".into(), p.id.clone())) {
                    return Err(dup(&name, "product", &p.id));
                }
                self.products.insert(p.id.clone(), p);
            }
            for d in entries.directives {
                if !seen.insert(("directive".into(), d.id.clone())) {
                    return Err(dup(&name, "directive", &d.id));
                }
                self.directives.insert(d.id.clone(), d);
            }
        }
        self.layers.push(texts);
        self.check_references()
    }

    fn check_references(&self) -> Result<(), CatalogError> {
        let missing = |file: &str, field: &str, what: &str, id: &str| CatalogError::Reference {
            file: file.to_string(),
            field: field.to_string(),
            message: format!("unknown {what} `{id}`"),
        };
        for p in self.products.values() {
            if !self.vendors.contains_key(&p.vendor) {
                return Err(missing(
                    &p.origin,
                    &format!("product `{}`.vendor", p.id),
                    "vendor",
                    &p.vendor,
                ));
            }
        }
        for p in self.products.values() {
            for i in &p.indicators {
                let known = |f: &String| {
                    self.products
                        .values()
                        .any(|q| q.vendor == p.vendor && &q.family == f)
                };
                if let Some(f) = i.families.iter().find(|f| !known(f)) {
                    return Err(missing(
                        &p.origin,
                        &format!("indicator `{}`.families", i.id),
                        "product family of the vendor",
                        f,
                    ));
                }
            }
        }
        for d in self.directives.values() {
            if let Some(v) = d.vendors.iter().find(|v| !self.vendors.contains_key(*v)) {
                return Err(missing(
                    &d.origin,
                    &format!("directive `{}`.vendors", d.id),
                    "vendor",
                    v,
                ));
            }
            if let Some(p) = d.products.iter().find(|p| !self.products.contains_key(*p)) {
                return Err(missing(
                    &d.origin,
                    &format!("directive `{}`.products", d.id),
                    "product",
                    p,
                ));
            }
        }
        Ok(())
    }

    /// The catalog data's version: [`BUNDLED_VERSION`], or the version recorded with a
    /// catalog read back by [`Catalog::from_layers`].
    pub fn version(&self) -> &str {
        self.version.as_deref().unwrap_or(BUNDLED_VERSION)
    }

    /// `sha256:<hex>` over every file actually loaded — bundled and user files, each by
    /// name and content, in load order — so reports made with the same catalog carry the
    /// same digest and adding or editing a `--catalog` file changes it. A user file's name
    /// counts without its directory, so the same files give the same digest wherever they
    /// are kept.
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        for (name, sum) in &self.files {
            let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
            h.update((base.len() as u64).to_le_bytes());
            h.update(base.as_bytes());
            h.update(sum);
        }
        let sum: [u8; 32] = h.finalize().into();
        let hex: String = sum.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256:{hex}")
    }

    /// The names of the files loaded, in load order.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(n, _)| n.as_str())
    }

    /// All vendors, by id.
    pub fn vendors(&self) -> impl Iterator<Item = &Vendor> {
        self.vendors.values()
    }

    /// All products, by id.
    pub fn products(&self) -> impl Iterator<Item = &Product> {
        self.products.values()
    }

    /// All directives, by id.
    pub fn directives(&self) -> impl Iterator<Item = &Directive> {
        self.directives.values()
    }

    /// A vendor by id.
    pub fn vendor(&self, id: &str) -> Option<&Vendor> {
        self.vendors.get(id)
    }

    /// A product by id.
    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products.get(id)
    }

    /// A directive by id.
    pub fn directive(&self, id: &str) -> Option<&Directive> {
        self.directives.get(id)
    }

    /// The ids of the directives covering a product, sorted.
    pub fn directives_for(&self, product: &Product) -> Vec<String> {
        self.directives
            .values()
            .filter(|d| d.covers(product))
            .map(|d| d.id.clone())
            .collect()
    }

    /// The ids of the directives covering a product found as `distribution`, sorted.
    pub fn directives_for_as(&self, product: &Product, distribution: Distribution) -> Vec<String> {
        self.directives
            .values()
            .filter(|d| d.covers_as(product, distribution))
            .map(|d| d.id.clone())
            .collect()
    }

    /// Number of active (matchable) indicators.
    pub fn active_indicator_count(&self) -> usize {
        self.products
            .values()
            .flat_map(|p| &p.indicators)
            .filter(|i| i.is_active())
            .count()
    }
}

/// Reads every `*.toml` file of a directory, sorted by file name.
fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, CatalogError> {
    let io = |path: &Path, e: std::io::Error| CatalogError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let path = entry.map_err(|e| io(dir, e))?.path();
        if path.extension().is_some_and(|x| x == "toml") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).map_err(|e| io(&p, e))?;
            Ok((p.display().to_string(), text))
        })
        .collect()
}

#[cfg(test)]
mod tests;
