//! The documents computed from hand-built snapshots: counts, burn-down, the fourteen
//! elements, and escaping in every format.

use interdict_catalog::Catalog;
use interdict_deliverables::*;
use interdict_findings::CatalogStamp;
use jiff::Timestamp;
use jiff::civil::{Date, date};

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn finding(product: &str, history: &[(&str, State)]) -> FindingSnapshot {
    let history: Vec<StateChange> = history
        .iter()
        .map(|(at, to)| StateChange { at: t(at), to: *to })
        .collect();
    FindingSnapshot {
        product: product.into(),
        product_name: format!("Kaspersky {product}"),
        confidence: "confirmed".into(),
        state: history.last().unwrap().to,
        evidence_kinds: vec!["package".into()],
        plan: None,
        exception: None,
        history,
    }
}

fn host(name: &str, last_scan: Option<&str>, findings: Vec<FindingSnapshot>) -> HostSnapshot {
    HostSnapshot {
        id: format!("machine-id:{name}"),
        name: name.into(),
        platform: "linux".into(),
        os: "Debian GNU/Linux 12".into(),
        last_scan: last_scan.map(t),
        last_report: last_scan.map(|s| format!("r-{name}-{s}")),
        collectors_ran: match last_scan {
            Some(_) => vec!["dpkg-status".into(), "files".into()],
            None => vec![],
        },
        collectors_failed: if name == "web2" {
            vec!["files".into()]
        } else {
            vec![]
        },
        findings,
    }
}

fn fleet(as_of: Date) -> FleetSnapshot {
    use State::*;
    let mut excepted = finding(
        "kesl",
        &[
            ("2026-01-02T10:00:00Z", Identified),
            ("2026-01-05T10:00:00Z", Excepted),
        ],
    );
    excepted.exception = Some(ExceptionSnapshot {
        justification: "=HYPERLINK(\"x\") <script>".into(),
        approver: "ciso".into(),
        granted: t("2026-01-05T10:00:00Z"),
        expires: t("2026-06-30T00:00:00Z"),
    });
    let mut planned = finding(
        "klnagent",
        &[
            ("2026-01-02T10:00:00Z", Identified),
            ("2026-01-03T10:00:00Z", Planned),
        ],
    );
    planned.plan = Some(PlannedRemoval {
        owner: "ops".into(),
        due: date(2026, 2, 1),
        method: "apt purge".into(),
    });
    FleetSnapshot {
        directive: "bod-17-01".into(),
        as_of,
        start: date(2026, 1, 1),
        catalog: CatalogStamp {
            version: "2026.12.1".into(),
            digest: "sha256:ab".into(),
        },
        reports: 9,
        hosts: vec![
            host(
                "web1",
                Some("2026-01-20T00:00:00Z"),
                vec![finding(
                    "kesl",
                    &[
                        ("2026-01-02T10:00:00Z", Identified),
                        ("2026-01-10T10:00:00Z", Removed),
                        ("2026-01-15T10:00:00Z", Verified),
                        ("2026-01-20T00:00:00Z", Reappeared),
                    ],
                )],
            ),
            host(
                "web2",
                Some("2026-01-20T00:00:00Z"),
                vec![excepted, planned],
            ),
            host("<img src=x>", Some("2025-11-01T00:00:00Z"), vec![]),
            host("web9", None, vec![]),
        ],
    }
}

fn bod() -> interdict_catalog::Directive {
    Catalog::bundled()
        .unwrap()
        .directive("bod-17-01")
        .unwrap()
        .clone()
}

#[test]
fn identification_counts_present_findings_and_coverage() {
    let d = identification(&fleet(date(2026, 1, 31)), &bod());
    let p: Vec<_> = d
        .products
        .iter()
        .map(|p| (p.product.as_str(), p.endpoints))
        .collect();
    assert_eq!(p, [("kesl", 2), ("klnagent", 1)]);
    assert_eq!((d.endpoints, d.hosts_known, d.hosts_scanned), (2, 4, 3));
    assert!(!d.none_found);
    let m = &d.methodology;
    let stale: Vec<_> = m
        .coverage
        .hosts_not_reporting
        .iter()
        .map(|h| h.name.as_str())
        .collect();
    assert_eq!(stale, ["<img src=x>", "web9"]);
    let files = m
        .collectors
        .iter()
        .find(|c| c.collector == "files")
        .unwrap();
    assert_eq!((files.hosts, files.hosts_with_errors), (3, 1));
    assert_eq!(m.confidence.confirmed, 3);
    assert_eq!(d.header.computed_from.scans, 3);
    // Before anything was found: none found, said explicitly.
    let mut early = fleet(date(2026, 1, 1));
    for h in &mut early.hosts {
        h.findings.clear();
    }
    let e = identification(&early, &bod());
    assert!(e.none_found && e.products.is_empty());
    assert!(render(&Document::Identification(e), Format::Html).contains("None found"));
}

#[test]
fn status_burn_down_follows_the_history() {
    let s = status(&fleet(date(2026, 1, 31)), &bod());
    let k = s.products.iter().find(|p| p.product == "kesl").unwrap();
    assert_eq!((k.outstanding, k.excepted, k.reappeared), (1, 1, 1));
    assert_eq!((s.totals.outstanding, s.totals.verified), (2, 0));
    assert!(!s.complete);
    let at = |d: Date| s.burn_down.iter().find(|p| p.date == d).cloned().unwrap();
    assert_eq!(at(date(2026, 1, 2)).outstanding, 3);
    assert_eq!(at(date(2026, 1, 5)).outstanding, 2);
    assert_eq!(at(date(2026, 1, 5)).excepted, 1);
    let d10 = at(date(2026, 1, 10));
    assert_eq!((d10.outstanding, d10.removed), (1, 1));
    assert_eq!(at(date(2026, 1, 15)).verified, 1);
    assert_eq!(at(date(2026, 1, 31)).outstanding, 2);
    assert_eq!(s.reappearances.len(), 1);
    assert_eq!(s.exceptions[0].approver, "ciso");
    // BOD 17-01 day 30 (identify-report) from day 0 2026-01-01.
    let m = s
        .milestones
        .iter()
        .find(|m| m.deliverable == "identify-report")
        .unwrap();
    assert_eq!((m.due, m.outstanding), (date(2026, 1, 31), Some(2)));
    let later = s
        .milestones
        .iter()
        .find(|m| m.deliverable == "removal-plan")
        .unwrap();
    assert_eq!(later.outstanding, None, "not yet due at the as-of date");
}

#[test]
fn plan_has_fourteen_elements_and_says_what_is_missing() {
    let details = PlanDetails {
        agency: Some("Department of Examples".into()),
        costs: Some("-2+3".into()),
        ..PlanDetails::default()
    };
    let p = plan_of_action(&fleet(date(2026, 1, 31)), &bod(), &details, None);
    let ids: String = p.elements.iter().map(|e| e.id).collect();
    assert_eq!(ids, "abcdefghijklmn");
    let missing: Vec<_> = p
        .elements
        .iter()
        .filter(|e| !e.provided)
        .map(|e| e.id)
        .collect();
    assert_eq!(missing, ["b", "g", "h", "j", "k", "l", "m"]);
    assert!(
        p.elements
            .iter()
            .filter(|e| !e.provided)
            .all(|e| e.text == "not yet provided")
    );
    let kl = p
        .removal_timeline
        .products
        .iter()
        .find(|t| t.product == "klnagent")
        .unwrap();
    assert_eq!((kl.planned, kl.first_due), (1, Some(date(2026, 2, 1))));
    let csv = render(&Document::Plan(p), Format::Csv);
    assert!(
        csv.contains(",'-2+3\n"),
        "a formula-like cell is neutralised: {csv}"
    );
}

#[test]
fn html_is_self_contained_and_escaped() {
    let doc = Document::Status(status(&fleet(date(2026, 1, 31)), &bod()));
    let html = render(&doc, Format::Html);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg") && html.contains("@media print"));
    assert!(!html.contains("<img src=x>") && html.contains("&lt;img src=x&gt;"));
    assert!(!html.contains("<script>"));
    for external in ["src=\"http", "href=", "<link", "<script", "url("] {
        assert!(!html.contains(external), "external reference {external}");
    }
    let json: serde_json::Value = serde_json::from_str(&render(&doc, Format::Json)).unwrap();
    assert_eq!(json["directive"], "bod-17-01");
    assert_eq!(json["as_of"], "2026-01-31");
    assert_eq!(json["kind"], "status");
}

#[test]
fn plan_details_errors_name_file_and_line() {
    let ok = PlanDetails::from_toml("agency = \"DoE\"\ncosts = \"none\"\n", "plan.toml").unwrap();
    assert_eq!(ok.agency.as_deref(), Some("DoE"));
    let e = PlanDetails::from_toml("agency = \"DoE\"\nagencyy = 1\n", "plan.toml").unwrap_err();
    let msg = e.to_string();
    assert!(msg.starts_with("plan.toml: line 2:"), "{msg}");
    assert!(msg.contains("agencyy"), "{msg}");
    let e = PlanDetails::from_toml("agency = [1]\n", "p.toml").unwrap_err();
    assert!(e.to_string().starts_with("p.toml: line 1:"), "{e}");
}
