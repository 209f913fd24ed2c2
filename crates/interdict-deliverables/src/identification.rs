//! The identification report (BOD 17-01 day 30): the products found (or an explicit
//! "none found"), the endpoints per product, and the methodology actually used.

use crate::common::{
    Header, Methodology, ProductCount, affected_hosts, header, methodology, products,
};
use crate::snapshot::FleetSnapshot;
use interdict_catalog::Directive;
use serde::Serialize;

/// The identification report. JSON fields `directive`, `as_of`, `products`
/// (`product`, `name`, `endpoints`), `hosts_scanned` and `methodology` are a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identification {
    /// The stamp.
    #[serde(flatten)]
    pub header: Header,
    /// No covered product is on any host.
    pub none_found: bool,
    /// Products found, by id.
    pub products: Vec<ProductCount>,
    /// Distinct hosts with at least one product.
    pub endpoints: usize,
    /// Hosts known by then.
    pub hosts_known: usize,
    /// Hosts scanned by then.
    pub hosts_scanned: usize,
    /// How the products were identified.
    pub methodology: Methodology,
}

/// The identification report of `snapshot`.
pub fn identification(snapshot: &FleetSnapshot, directive: &Directive) -> Identification {
    let products = products(snapshot);
    let methodology = methodology(snapshot);
    Identification {
        header: header(snapshot, directive, "identification"),
        none_found: products.is_empty(),
        endpoints: affected_hosts(snapshot),
        hosts_known: methodology.coverage.hosts_known,
        hosts_scanned: methodology.coverage.hosts_scanned,
        products,
        methodology,
    }
}
