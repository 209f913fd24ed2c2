//! `interdict catalog list | show ID | validate [DIR]`.

use anyhow::{Result, bail};
use clap::Subcommand;
use interdict_catalog::Catalog;
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

/// Catalog subcommands.
#[derive(Subcommand, Debug)]
pub enum CatalogCommand {
    /// List directives, vendors and products.
    List {
        /// Add the catalog files in DIR to the bundled catalog.
        #[arg(long, value_name = "DIR")]
        catalog: Option<PathBuf>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one directive, vendor or product (with its indicators and sources) as JSON.
    Show {
        /// The id.
        id: String,
        /// Add the catalog files in DIR to the bundled catalog.
        #[arg(long, value_name = "DIR")]
        catalog: Option<PathBuf>,
    },
    /// Check the bundled catalog, and DIR's files on top of it when given.
    Validate {
        /// A directory of user catalog files.
        dir: Option<PathBuf>,
    },
}

/// Runs a catalog subcommand.
pub fn run(cmd: CatalogCommand) -> Result<ExitCode> {
    match cmd {
        CatalogCommand::List { catalog, json } => {
            let cat = crate::load_catalog(catalog.as_ref())?;
            if json {
                let doc = json!({
                    "directives": cat.directives().collect::<Vec<_>>(),
                    "vendors": cat.vendors().collect::<Vec<_>>(),
                    "products": cat.products().map(|p| json!({
                        "id": p.id, "vendor": p.vendor, "name": p.name, "family": p.family,
                        "distribution": p.distribution, "platforms": p.platforms,
                        "indicators": p.indicators.len(), "directives": cat.directives_for(p),
                    })).collect::<Vec<_>>(),
                });
                crate::write_stdout(&(serde_json::to_string_pretty(&doc)? + "\n"))?;
            } else {
                crate::write_stdout(&list_table(&cat))?;
            }
        }
        CatalogCommand::Show { id, catalog } => {
            let cat = crate::load_catalog(catalog.as_ref())?;
            let doc = if let Some(d) = cat.directive(&id) {
                let due: Vec<_> = d
                    .milestones
                    .iter()
                    .map(|m| json!({"offset_days": m.offset_days, "due": m.due(d.issued).to_string(), "deliverable": m.deliverable, "every_days": m.every_days, "description": m.description}))
                    .collect();
                json!({"directive": d, "schedule": due})
            } else if let Some(v) = cat.vendor(&id) {
                json!({"vendor": v})
            } else if let Some(p) = cat.product(&id) {
                json!({"product": p, "directives": cat.directives_for(p)})
            } else {
                bail!("no directive, vendor or product with id `{id}`");
            };
            crate::write_stdout(&(serde_json::to_string_pretty(&doc)? + "\n"))?;
        }
        CatalogCommand::Validate { dir } => {
            let cat = crate::load_catalog(dir.as_ref())?;
            crate::write_stdout(&format!(
                "catalog ok: {} directive(s), {} vendor(s), {} product(s), {} active indicator(s)\n",
                cat.directives().count(),
                cat.vendors().count(),
                cat.products().count(),
                cat.active_indicator_count()
            ))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The catalog as a table; names and titles (user catalog files may hold anything) are
/// escaped for the terminal.
fn list_table(cat: &Catalog) -> String {
    let t = interdict_report::terminal_safe;
    let mut s = String::from("DIRECTIVES\n");
    for d in cat.directives() {
        s += &format!("  {:<20} {}  {}\n", t(&d.id), d.issued, t(&d.title));
    }
    s += "\nVENDORS\n";
    for v in cat.vendors() {
        s += &format!("  {:<20} {}\n", t(&v.id), t(&v.name));
    }
    s += "\nPRODUCTS\n";
    for p in cat.products() {
        s += &format!(
            "  {:<32} {:<11} {:<11} {:>3} indicators  {}\n",
            t(&p.id),
            t(&p.vendor),
            p.distribution.as_str(),
            p.indicators.len(),
            t(&p.name)
        );
    }
    s
}
