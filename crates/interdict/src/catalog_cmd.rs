//! `interdict catalog list | show ID | validate [DIR]`.

use anyhow::{Result, bail};
use clap::Subcommand;
use interdict_catalog::{Catalog, Directive, ScheduledMilestone, schedule};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

mod show;

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
    /// Show one directive (with its milestone dates), vendor or product (with its
    /// indicators and sources).
    Show {
        /// The id.
        id: String,
        /// Add the catalog files in DIR to the bundled catalog.
        #[arg(long, value_name = "DIR")]
        catalog: Option<PathBuf>,
        /// A readable view, or the entry as JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Table)]
        format: ShowFormat,
    },
    /// Check the bundled catalog, and DIR's files on top of it when given.
    Validate {
        /// A directory of user catalog files.
        dir: Option<PathBuf>,
    },
}

/// How `catalog show` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShowFormat {
    /// A readable view.
    Table,
    /// The entry as JSON.
    Json,
}

/// How far `catalog show` lists a directive's recurring milestones: a year of them.
const CALENDAR_DAYS: i64 = 365;

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
        CatalogCommand::Show {
            id,
            catalog,
            format,
        } => {
            let cat = crate::load_catalog(catalog.as_ref())?;
            let text = match format {
                ShowFormat::Json => serde_json::to_string_pretty(&show_json(&cat, &id)?)? + "\n",
                ShowFormat::Table => show::entry(&cat, &id)?,
            };
            crate::write_stdout(&text)?;
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

/// A directive's dates from its issue date: each milestone's first due date, and the
/// calendar of every due date (recurring status points included) for its first year.
fn directive_dates(d: &Directive) -> (Vec<ScheduledMilestone>, Vec<ScheduledMilestone>) {
    let until = d
        .issued
        .checked_add(jiff::Span::new().days(CALENDAR_DAYS))
        .unwrap_or(d.issued);
    let calendar = schedule(d, d.issued, until);
    let firsts = calendar
        .iter()
        .filter(|m| m.occurrence == 0)
        .cloned()
        .collect();
    (firsts, calendar)
}

/// The JSON of `catalog show`.
fn show_json(cat: &Catalog, id: &str) -> Result<serde_json::Value> {
    Ok(if let Some(d) = cat.directive(id) {
        let (firsts, calendar) = directive_dates(d);
        json!({"directive": d, "schedule": firsts, "calendar": calendar})
    } else if let Some(v) = cat.vendor(id) {
        json!({"vendor": v})
    } else if let Some(p) = cat.product(id) {
        json!({"product": p, "directives": cat.directives_for(p)})
    } else {
        bail!("no directive, vendor or product with id `{id}`");
    })
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
