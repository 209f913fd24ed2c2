//! Host-level attribution: places the items that only vendor-level indicators matched (a
//! vendor-wide service, a driver, a signed binary, an unnamed uninstall entry) with the
//! product they belong to, using what the host says about its products (install folders,
//! MSI product codes) and catalog facts (product families). The rules are in the crate
//! docs.

use crate::item::{OpenItem, Placed};
use crate::{Evidence, Weight};
use interdict_catalog::{Catalog, Distribution, Product};
use std::collections::{BTreeMap, BTreeSet};

/// The family of a product the catalog does not know.
pub const UNCATALOGUED_FAMILY: &str = "uncatalogued";

/// Evidence placed with its products.
#[derive(Debug, Default)]
pub(crate) struct Attributed {
    /// Evidence per product id (catalogued, or one of `uncatalogued`).
    pub by_product: BTreeMap<String, BTreeSet<Evidence>>,
    /// The products the catalog does not know, by id.
    pub uncatalogued: BTreeMap<String, Product>,
}

/// What the host says about its products: install folders and MSI product codes.
#[derive(Debug, Default)]
struct HostFacts {
    /// `(folder key, product id)`: see [`folder_key`].
    folders: Vec<(String, String)>,
    /// Product code → the products declaring it.
    codes: BTreeMap<String, BTreeSet<String>>,
}

impl HostFacts {
    fn add(&mut self, product: &str, folders: &[String], code: Option<&str>, cs: bool) {
        for f in folders {
            if let Some(k) = folder_key(f, cs) {
                self.folders.push((k, product.to_string()));
            }
        }
        if let Some(c) = code {
            self.codes
                .entry(c.to_string())
                .or_default()
                .insert(product.to_string());
        }
    }

    /// The product whose install folder holds one of `paths` (the deepest folder wins; two
    /// products claiming the same folder decide nothing), then the product declaring
    /// `code`. Only products of `vendor` count.
    fn declared(
        &self,
        catalog: &Catalog,
        uncatalogued: &BTreeMap<String, Product>,
        o: &OpenItem,
        cs: bool,
    ) -> Option<String> {
        let of_vendor = |id: &str| {
            catalog
                .product(id)
                .or(uncatalogued.get(id))
                .is_some_and(|p| p.vendor == o.vendor)
        };
        let mut best: Option<(usize, BTreeSet<&str>)> = None;
        for path in &o.paths {
            let Some(path) = folder_key(path, cs) else {
                continue;
            };
            for (folder, product) in &self.folders {
                if !path.starts_with(folder.as_str()) || !of_vendor(product) {
                    continue;
                }
                match &mut best {
                    Some((len, set)) if *len == folder.len() => {
                        set.insert(product);
                    }
                    Some((len, _)) if *len > folder.len() => {}
                    _ => best = Some((folder.len(), BTreeSet::from([product.as_str()]))),
                }
            }
        }
        if let Some((_, set)) = best
            && set.len() == 1
        {
            return set.into_iter().next().map(String::from);
        }
        let products = self.codes.get(o.product_code.as_deref()?)?;
        let mut products = products.iter().filter(|p| of_vendor(p));
        match (products.next(), products.next()) {
            (Some(p), None) => Some(p.clone()),
            _ => None,
        }
    }
}

/// A folder (or path) compared by whole components: `/`-terminated, folded when paths are
/// case-insensitive. Folders shallower than two components (a drive root, `Program
/// Files`) hold too much to say anything and give `None`.
fn folder_key(path: &str, case_sensitive: bool) -> Option<String> {
    let trimmed = path.trim_matches('/');
    if trimmed.split('/').filter(|c| !c.is_empty()).count() < 2 {
        return None;
    }
    let mut k = if case_sensitive {
        trimmed.to_string()
    } else {
        trimmed.to_lowercase()
    };
    k.push('/');
    Some(k)
}

/// Places every item: fixed items where they are, open items by the rules of the crate
/// docs. `cs`: paths are case-sensitive.
pub(crate) fn attribute(catalog: &Catalog, placed: Vec<Placed>, cs: bool) -> Attributed {
    let mut out = Attributed::default();
    let mut facts = HostFacts::default();
    let mut open = Vec::new();
    for p in placed {
        match p {
            Placed::Fixed {
                product,
                evidence,
                folders,
                product_code,
            } => {
                facts.add(&product, &folders, product_code.as_deref(), cs);
                out.by_product.entry(product).or_default().insert(evidence);
            }
            Placed::Open(o) => open.push(o),
        }
    }
    // Installed products the catalog does not name (an uninstall entry known only by its
    // publisher): their own finding, unless the host ties them to a catalogued product.
    let (named, open): (Vec<OpenItem>, Vec<OpenItem>) = open
        .into_iter()
        .partition(|o| o.own_name.is_some() && !o.component && o.families.is_empty());
    for o in named {
        let target = match facts.declared(catalog, &out.uncatalogued, &o, cs) {
            Some(p) => p,
            None => {
                let product = uncatalogued_product(&o);
                facts.add(&product.id, &o.paths, o.product_code.as_deref(), cs);
                let id = product.id.clone();
                out.uncatalogued.entry(id.clone()).or_insert(product);
                id
            }
        };
        out.by_product.entry(target).or_default().insert(o.evidence);
    }
    // What the item itself says: it lies in a product's install folder, or names its MSI
    // product code.
    let mut rest = Vec::new();
    for o in open {
        match facts.declared(catalog, &out.uncatalogued, &o, cs) {
            Some(p) => {
                out.by_product.entry(p).or_default().insert(o.evidence);
            }
            None => rest.push(o),
        }
    }
    // Catalog facts and the products on the host: the product the item fits, or the
    // vendor-level finding. Items tied to families first, so that the products they join
    // weigh with their evidence when vendor-wide items pick the primary product.
    let (tied, vendor_wide): (Vec<OpenItem>, Vec<OpenItem>) =
        rest.into_iter().partition(|o| !o.families.is_empty());
    for batch in [tied, vendor_wide] {
        let present = present_products(catalog, &out);
        let placed: Vec<(String, Evidence)> = batch
            .into_iter()
            .map(|o| {
                let target = fitting_product(&present, &o).unwrap_or_else(|| o.generic.clone());
                (target, o.evidence)
            })
            .collect();
        for (target, ev) in placed {
            out.by_product.entry(target).or_default().insert(ev);
        }
    }
    out
}

/// The specific products placed so far, with the weight of their evidence.
fn present_products<'a>(catalog: &'a Catalog, out: &'a Attributed) -> Vec<Present<'a>> {
    out.by_product
        .iter()
        .filter_map(|(id, ev)| {
            let p = catalog.product(id).or(out.uncatalogued.get(id))?;
            (!p.generic).then(|| Present {
                product: p,
                active: ev.iter().any(|e| e.weight != Weight::Leftover),
                strong: ev.iter().filter(|e| e.weight == Weight::Strong).count(),
                items: ev.len(),
            })
        })
        .collect()
}

/// A product found on the host, with the weight of its evidence.
struct Present<'a> {
    product: &'a Product,
    /// Some evidence is more than a leftover.
    active: bool,
    /// Pieces of strong evidence.
    strong: usize,
    /// Pieces of evidence.
    items: usize,
}

/// The product on the host an open item fits: of its vendor, of the families its
/// indicators name (any family when none), a catalogued product (not one only the host
/// names), and active unless the item itself is a leftover and no product is active.
/// When several fit, the primary one among them: the most strong evidence, then the most
/// evidence, then the first id. `None` when none fits, and for SBOM components, which are
/// products of their own.
fn fitting_product(present: &[Present<'_>], o: &OpenItem) -> Option<String> {
    if o.component {
        return None;
    }
    let fits: Vec<&Present<'_>> = present
        .iter()
        .filter(|p| {
            p.product.vendor == o.vendor
                && p.product.family != UNCATALOGUED_FAMILY
                && (o.families.is_empty() || o.families.contains(&p.product.family))
        })
        .collect();
    let active: Vec<&Present<'_>> = fits.iter().copied().filter(|p| p.active).collect();
    let pool = if !active.is_empty() {
        active
    } else if o.evidence.weight == Weight::Leftover {
        fits
    } else {
        Vec::new()
    };
    pool.into_iter()
        .max_by_key(|p| (p.strong, p.items, std::cmp::Reverse(&p.product.id)))
        .map(|p| p.product.id.clone())
}

/// The product an uncatalogued installed product stands for: `<vendor>/<name as slug>`.
fn uncatalogued_product(o: &OpenItem) -> Product {
    let name = o.own_name.clone().unwrap_or_default();
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    Product {
        id: format!("{}/{slug}", o.vendor),
        vendor: o.vendor.clone(),
        name,
        family: UNCATALOGUED_FAMILY.to_string(),
        platforms: Vec::new(),
        distribution: Distribution::Branded,
        generic: false,
        indicators: Vec::new(),
        removal: Vec::new(),
        removal_order: interdict_catalog::DEFAULT_REMOVAL_ORDER,
        domains: Vec::new(),
        origin: String::new(),
    }
}
