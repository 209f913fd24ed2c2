//! CSV: one table per kind, every row stamped with the directive, the as-of date and the
//! catalog digest; text cells neutralised against spreadsheet formulas.

use crate::common::Header;
use crate::identification::Identification;
use crate::plan::PlanOfAction;
use crate::status::Status;
use interdict_report::csv_cell;

/// A table with `columns`, each row prefixed by the header's stamp.
struct Table {
    out: csv::Writer<Vec<u8>>,
    stamp: [String; 3],
}

impl Table {
    fn new(header: &Header, columns: &[&str]) -> Table {
        let mut out = csv::Writer::from_writer(Vec::new());
        let mut head = vec!["directive", "as_of", "catalog_digest"];
        head.extend_from_slice(columns);
        // Writing into a Vec cannot fail.
        let _ = out.write_record(&head);
        Table {
            out,
            stamp: [
                header.directive.clone(),
                header.as_of.to_string(),
                header.catalog.digest.clone(),
            ],
        }
    }

    /// One row: `text` cells are neutralised, numbers written as they are.
    fn row(&mut self, cells: &[Cell]) {
        let mut record: Vec<String> = self
            .stamp
            .iter()
            .map(|s| csv_cell(s).into_owned())
            .collect();
        record.extend(cells.iter().map(|c| match c {
            Cell::Text(t) => csv_cell(t).into_owned(),
            Cell::Num(n) => n.to_string(),
        }));
        let _ = self.out.write_record(&record);
    }

    fn finish(self) -> String {
        let bytes = self.out.into_inner().unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

enum Cell<'a> {
    Text(&'a str),
    Num(usize),
}
use Cell::{Num, Text};

/// Products with their endpoints and confidence breakdown.
pub(crate) fn identification(d: &Identification) -> String {
    let mut t = Table::new(
        &d.header,
        &[
            "product",
            "name",
            "endpoints",
            "confirmed",
            "probable",
            "possible",
        ],
    );
    for p in &d.products {
        let c = &p.confidence;
        t.row(&[
            Text(&p.product),
            Text(&p.name),
            Num(p.endpoints),
            Num(c.confirmed),
            Num(c.probable),
            Num(c.possible),
        ]);
    }
    t.finish()
}

/// The fourteen elements, one row each.
pub(crate) fn plan(d: &PlanOfAction) -> String {
    let mut t = Table::new(
        &d.header,
        &["element", "name", "title", "source", "provided", "text"],
    );
    for e in &d.elements {
        t.row(&[
            Text(e.id),
            Text(e.name),
            Text(e.title),
            Text(e.source),
            Text(if e.provided { "yes" } else { "no" }),
            Text(&e.text),
        ]);
    }
    t.finish()
}

/// Removed / verified / outstanding per product, then the totals.
pub(crate) fn status(d: &Status) -> String {
    let mut t = Table::new(
        &d.header,
        &[
            "product",
            "name",
            "outstanding",
            "removed",
            "verified",
            "excepted",
            "reappeared",
        ],
    );
    for p in d.products.iter().chain(std::iter::once(&d.totals)) {
        t.row(&[
            Text(&p.product),
            Text(&p.name),
            Num(p.outstanding),
            Num(p.removed),
            Num(p.verified),
            Num(p.excepted),
            Num(p.reappeared),
        ]);
    }
    t.finish()
}
