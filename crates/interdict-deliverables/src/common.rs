//! What the three deliverables share: the stamp, scan coverage, the methodology and the
//! endpoints per product.

use crate::snapshot::{FleetSnapshot, STALE_DAYS};
use interdict_catalog::Directive;
use interdict_findings::CatalogStamp;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The last instant of `date`, UTC: the instant an as-of date describes.
pub fn end_of_day(date: Date) -> Timestamp {
    let next = date.tomorrow().unwrap_or(date);
    next.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp() - SignedDuration::from_millis(1))
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The stamp every document opens with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Header {
    /// `identification`, `plan` or `status`.
    pub kind: &'static str,
    /// The directive's id.
    pub directive: String,
    /// The directive's title.
    pub directive_title: String,
    /// The day described (the fleet as it was at its end, UTC).
    pub as_of: Date,
    /// The catalog the findings were evaluated with.
    pub catalog: CatalogStamp,
    /// The data the document was computed from.
    pub computed_from: ComputedFrom,
}

/// The data a document was computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComputedFrom {
    /// Reports received by the as-of date.
    pub reports: i64,
    /// Hosts' last scans used (one per scanned host).
    pub scans: usize,
    /// SHA-256 over the sorted ids of those scans' reports, one per line: two documents
    /// with the same value were computed from the same scans.
    pub report_ids_sha256: String,
}

/// A host named in a list (not reporting, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostRef {
    /// Host id.
    pub host: String,
    /// Host name.
    pub name: String,
    /// Its last scan by then (`null`: never scanned).
    pub last_scan: Option<Timestamp>,
}

/// Scan coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Hosts known by then (reported or enrolled).
    pub hosts_known: usize,
    /// Of those, hosts with at least one scan.
    pub hosts_scanned: usize,
    /// Hosts never scanned, or whose last scan is older than `stale_days`.
    pub hosts_not_reporting: Vec<HostRef>,
    /// The staleness limit, in days.
    pub stale_days: i64,
}

/// One collector's use across the hosts' last scans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CollectorUse {
    /// Collector id.
    pub collector: String,
    /// Hosts whose last scan ran it.
    pub hosts: usize,
    /// Of those, hosts where it met errors.
    pub hosts_with_errors: usize,
}

/// Findings per kind of evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindCount {
    /// Evidence kind (`package`, `service`, `file`, …).
    pub kind: String,
    /// Present findings with evidence of that kind.
    pub findings: usize,
}

/// Findings per confidence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConfidenceCounts {
    /// A strong indicator, or two independent weak ones.
    pub confirmed: usize,
    /// One weak indicator.
    pub probable: usize,
    /// Only leftovers.
    pub possible: usize,
}

impl ConfidenceCounts {
    fn add(&mut self, confidence: &str) {
        match confidence {
            "confirmed" => self.confirmed += 1,
            "probable" => self.probable += 1,
            _ => self.possible += 1,
        }
    }
}

/// How the products were identified: what ran, with what catalog, over which hosts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Methodology {
    /// What was done, in words.
    pub summary: String,
    /// The catalog (version and digest) the findings were evaluated with.
    pub catalog: CatalogStamp,
    /// Collectors of the hosts' last scans and their error counts.
    pub collectors: Vec<CollectorUse>,
    /// Kinds of evidence the present findings rest on.
    pub evidence_kinds: Vec<KindCount>,
    /// Present findings per confidence.
    pub confidence: ConfidenceCounts,
    /// How confidence is decided.
    pub confidence_rules: Vec<String>,
    /// Hosts scanned vs known, hosts not reporting.
    pub coverage: Coverage,
}

/// Endpoints of one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductCount {
    /// Product id.
    pub product: String,
    /// Product name.
    pub name: String,
    /// Hosts whose last scan shows it (open or excepted findings).
    pub endpoints: usize,
    /// Those findings per confidence.
    pub confidence: ConfidenceCounts,
}

/// How the matcher decides confidence (interdict-matcher's rules).
const CONFIDENCE_RULES: [&str; 3] = [
    "confirmed: a strong catalog indicator on a present item, or weak indicators from two \
     independent kinds of item agreeing",
    "probable: one weak indicator on a present item",
    "possible: only leftovers (a bare vendor folder, a removal tool, configuration files of \
     a removed package)",
];

pub(crate) fn header(s: &FleetSnapshot, d: &Directive, kind: &'static str) -> Header {
    let ids: BTreeSet<&str> = s
        .hosts
        .iter()
        .filter_map(|h| h.last_report.as_deref())
        .collect();
    let mut hash = Sha256::new();
    for id in &ids {
        hash.update(id.as_bytes());
        hash.update(b"\n");
    }
    Header {
        kind,
        directive: s.directive.clone(),
        directive_title: d.title.clone(),
        as_of: s.as_of,
        catalog: s.catalog.clone(),
        computed_from: ComputedFrom {
            reports: s.reports,
            scans: s.hosts.iter().filter(|h| h.last_scan.is_some()).count(),
            report_ids_sha256: hex::encode(hash.finalize()),
        },
    }
}

pub(crate) fn coverage(s: &FleetSnapshot) -> Coverage {
    let limit = end_of_day(s.as_of) - SignedDuration::from_hours(STALE_DAYS * 24);
    let hosts_not_reporting = s
        .hosts
        .iter()
        .filter(|h| h.last_scan.is_none_or(|t| t < limit))
        .map(|h| HostRef {
            host: h.id.clone(),
            name: h.name.clone(),
            last_scan: h.last_scan,
        })
        .collect();
    Coverage {
        hosts_known: s.hosts.len(),
        hosts_scanned: s.hosts.iter().filter(|h| h.last_scan.is_some()).count(),
        hosts_not_reporting,
        stale_days: STALE_DAYS,
    }
}

pub(crate) fn methodology(s: &FleetSnapshot) -> Methodology {
    let mut collectors: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut confidence = ConfidenceCounts::default();
    for h in &s.hosts {
        for c in &h.collectors_ran {
            collectors.entry(c.as_str()).or_default().0 += 1;
        }
        for c in &h.collectors_failed {
            collectors.entry(c.as_str()).or_default().1 += 1;
        }
        for f in h.findings.iter().filter(|f| f.state.is_present()) {
            confidence.add(&f.confidence);
            for k in f.evidence_kinds.iter().collect::<BTreeSet<_>>() {
                *kinds.entry(k.as_str()).or_default() += 1;
            }
        }
    }
    let coverage = coverage(s);
    let summary = format!(
        "Each host's last scan (or imported inventory) up to {} was matched against catalog \
         {} ({}): {} of {} known hosts scanned, {} collectors, {} hosts not reporting within \
         {} days.",
        s.as_of,
        s.catalog.version,
        s.catalog.digest,
        coverage.hosts_scanned,
        coverage.hosts_known,
        collectors.len(),
        coverage.hosts_not_reporting.len(),
        coverage.stale_days
    );
    Methodology {
        summary,
        catalog: s.catalog.clone(),
        collectors: collectors
            .into_iter()
            .map(|(c, (hosts, errors))| CollectorUse {
                collector: c.to_string(),
                hosts,
                hosts_with_errors: errors,
            })
            .collect(),
        evidence_kinds: kinds
            .into_iter()
            .map(|(kind, findings)| KindCount {
                kind: kind.to_string(),
                findings,
            })
            .collect(),
        confidence,
        confidence_rules: CONFIDENCE_RULES.iter().map(|r| r.to_string()).collect(),
        coverage,
    }
}

/// Products with at least one endpoint, by id.
pub(crate) fn products(s: &FleetSnapshot) -> Vec<ProductCount> {
    let mut out: BTreeMap<&str, ProductCount> = BTreeMap::new();
    for f in s.hosts.iter().flat_map(|h| &h.findings) {
        if !f.state.is_present() {
            continue;
        }
        let p = out
            .entry(f.product.as_str())
            .or_insert_with(|| ProductCount {
                product: f.product.clone(),
                name: f.product_name.clone(),
                endpoints: 0,
                confidence: ConfidenceCounts::default(),
            });
        p.endpoints += 1;
        p.confidence.add(&f.confidence);
    }
    out.into_values().collect()
}

/// Distinct hosts with a present finding.
pub(crate) fn affected_hosts(s: &FleetSnapshot) -> usize {
    s.hosts
        .iter()
        .filter(|h| h.findings.iter().any(|f| f.state.is_present()))
        .count()
}
