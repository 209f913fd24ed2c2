//! Network exports: a hosts file and a DNS response-policy zone.

use super::{Covered, PolicyFormat};
use jiff::Timestamp;
use std::fmt::Write;

/// One `0.0.0.0 name` line per domain (a hosts file cannot say "and subdomains").
pub(super) fn hosts(c: &Covered) -> String {
    let mut s = String::new();
    for line in c.banner(PolicyFormat::Hosts) {
        let _ = writeln!(s, "# {line}");
    }
    s += "# One entry per domain; a hosts file cannot block subdomains (use the rpz export).\n";
    for name in c.domains().keys() {
        let _ = writeln!(s, "0.0.0.0 {name}");
    }
    s
}

/// A response-policy zone (`rpz.interdict.`): every domain answers NXDOMAIN (`CNAME .`),
/// and its subdomains too where the catalog says they belong to the vendor.
pub(super) fn rpz(c: &Covered, now: Timestamp) -> String {
    let mut s = String::new();
    for line in c.banner(PolicyFormat::Rpz) {
        let _ = writeln!(s, "; {line}");
    }
    let date = now.strftime("%Y%m%d").to_string();
    s += "$TTL 300\n";
    let _ = writeln!(
        s,
        "@ IN SOA localhost. hostmaster.localhost. ({date}01 3600 600 86400 300)"
    );
    s += "@ IN NS localhost.\n";
    for (name, subdomains) in c.domains() {
        let _ = writeln!(s, "{name} CNAME .");
        if subdomains {
            let _ = writeln!(s, "*.{name} CNAME .");
        }
    }
    s
}
