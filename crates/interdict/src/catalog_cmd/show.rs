//! The readable view of `interdict catalog show ID`. Every value from a catalog file is
//! escaped for the terminal (a user catalog may hold anything).

use super::directive_dates;
use anyhow::{Result, bail};
use interdict_catalog::{Catalog, Directive, Product, Vendor};
use interdict_report::terminal_safe as t;
use std::fmt::Write as _;

/// The readable view of the directive, vendor or product `id`.
pub fn entry(cat: &Catalog, id: &str) -> Result<String> {
    if let Some(d) = cat.directive(id) {
        Ok(directive(d))
    } else if let Some(v) = cat.vendor(id) {
        Ok(vendor(v))
    } else if let Some(p) = cat.product(id) {
        Ok(product(p, &cat.directives_for(p)))
    } else {
        bail!("no directive, vendor or product with id `{id}`")
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "-".to_string()
    } else {
        t(&items.join(", ")).into_owned()
    }
}

fn directive(d: &Directive) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{} — {}", t(&d.id), t(&d.title));
    let _ = writeln!(s, "  issuer       {}", t(&d.issuer));
    let _ = writeln!(s, "  legal basis  {}", t(&d.legal_basis));
    let _ = writeln!(s, "  issued       {}", d.issued);
    if let Some(e) = d.effective {
        let _ = writeln!(s, "  effective    {e}");
    }
    let _ = writeln!(s, "  vendors      {}", list(&d.vendors));
    let _ = writeln!(s, "  products     {}", list(&d.products));
    let distributions: Vec<String> = d
        .distributions
        .iter()
        .map(|x| x.as_str().to_string())
        .collect();
    let _ = writeln!(s, "  reaches      {}", list(&distributions));
    let _ = writeln!(s, "  excludes     {}", list(&d.excluded_families));
    for e in &d.exclusions {
        let _ = writeln!(s, "               {}", t(e));
    }
    let (_, calendar) = directive_dates(d);
    let _ = writeln!(s, "\nMILESTONES (from {}, first year)", d.issued);
    for m in &calendar {
        let every = m
            .every_days
            .map(|e| format!(" (every {e} days)"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  T+{:<4} {}  {}{every}",
            m.offset_days,
            m.due,
            t(m.deliverable.as_str())
        );
        if m.occurrence == 0 {
            let _ = writeln!(s, "           {}", t(&m.description));
        }
    }
    let _ = writeln!(s, "\nSOURCES");
    for src in &d.sources {
        let _ = writeln!(s, "  {}", t(src));
    }
    s
}

fn vendor(v: &Vendor) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{} — {}", t(&v.id), t(&v.name));
    let _ = writeln!(s, "  legal names  {}", list(&v.legal_names));
    let _ = writeln!(s, "  aliases      {}", list(&v.aliases));
    let _ = writeln!(s, "  signers      {}", list(&v.signer_subjects));
    let _ = writeln!(s, "\nSOURCES");
    for src in &v.sources {
        let _ = writeln!(s, "  {}", t(src));
    }
    s
}

fn product(p: &Product, directives: &[String]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{} — {}", t(&p.id), t(&p.name));
    let _ = writeln!(s, "  vendor        {}", t(&p.vendor));
    let _ = writeln!(s, "  family        {}", t(&p.family));
    let _ = writeln!(s, "  distribution  {}", p.distribution.as_str());
    let _ = writeln!(s, "  platforms     {}", list(&p.platforms));
    let _ = writeln!(s, "  directives    {}", list(directives));
    let _ = writeln!(s, "\nINDICATORS ({})", p.indicators.len());
    for i in &p.indicators {
        let _ = writeln!(
            s,
            "  {:<20} {:<7} {}{}",
            i.kind.as_str(),
            format!("{:?}", i.strength).to_lowercase(),
            t(&i.pattern),
            if i.leftover { "  (leftover)" } else { "" }
        );
        let _ = writeln!(s, "      source: {}", t(&i.source));
    }
    for r in &p.removal {
        let _ = writeln!(s, "\nREMOVAL ({})", t(&r.platform));
        for (n, step) in r.steps.iter().enumerate() {
            let _ = writeln!(s, "  {}. {}", n + 1, t(step));
        }
        for a in &r.actions {
            let _ = writeln!(s, "  action {}: {}", a.kind.as_str(), t(&a.description));
            let _ = writeln!(s, "      source: {}", t(&a.source));
        }
    }
    s
}
