//! `interdict report`: the directive's deliverables from a fixture fleet — several hosts,
//! scans across dates, a removal verified, an exception, a reappearance, a host that stopped
//! reporting and one that never reported — built through the store's API into a data dir,
//! then computed by the real binary. JSON and CSV are compared with golden files
//! (`tests/data/deliverables/`, regenerate with `UPDATE_GOLDEN=1`; the bundled catalog's
//! version and digest are replaced by placeholders, and checked separately), HTML is
//! checked for structure and self-containment, an earlier as-of date shows the earlier
//! state, `report --from` over saved scans gives the same identification as a real
//! `interdict serve` given the same reports, and the PDF printed by headless Chromium
//! holds the numbers (`pdftotext`).

mod support;

use interdict_catalog::Catalog;
use interdict_store::testing::{day, finding, scan};
use interdict_store::{Plan, Store};
use jiff::civil::date;
use serde_json::{Value, json};
use std::path::Path;
use support::interdict;
use support::server::*;

const BOD: &str = "bod-17-01";

/// Ingests scan `id` of host `name` finished and received on day `d` (`failed`
/// collectors with an error).
async fn scan_on(store: &Store, id: &str, name: &str, d: i64, found: &[&str], failed: &[&str]) {
    let findings = found
        .iter()
        .map(|p| finding(p, BOD, "dpkg-status"))
        .collect();
    let report = scan(id, name, day(d), findings, failed, None);
    let by_host = interdict_store::findings_by_host(&report).unwrap();
    store
        .ingest(&report, None, &by_host, day(d), "host")
        .await
        .unwrap();
}

async fn finding_id(store: &Store, name: &str, product: &str) -> String {
    let host = format!("machine-id:{name}");
    store.finding_of(&host, product).await.unwrap().unwrap().id
}

/// The fixture fleet (day 0 = 2026-01-01, BOD 17-01 activated on it):
/// - web1: kesl found day 1, planned day 3, removal begun day 8, removed day 10,
///   verified day 20;
/// - web2: kesl found day 1, excepted day 5 until day 120, still there day 40;
/// - web3: kesl and ksc-network-agent found day 2, both removed day 12, kesl reappears
///   day 30 (the agent is verified then);
/// - web4: clean day 1, never again (not reporting later);
/// - web5: enrolled day 1, never reported;
/// - web6: ksc-network-agent found day 2; day 15 its package collector fails, so the
///   absence proves nothing and it stays identified.
///
/// Plan details saved by alice on day 40.
fn build_fleet(dir: &Path) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::open_data_dir(dir).await.unwrap();
        let catalog = Catalog::bundled().unwrap();
        store
            .activate(&catalog, BOD, Some(date(2026, 1, 1)), day(0), "admin")
            .await
            .unwrap();
        store
            .create_host_credential("machine-id:web5", day(1), "admin")
            .await
            .unwrap();
        scan_on(&store, "r01", "web1", 1, &["kesl"], &[]).await;
        scan_on(&store, "r02", "web2", 1, &["kesl"], &[]).await;
        scan_on(&store, "r03", "web4", 1, &[], &[]).await;
        scan_on(
            &store,
            "r04",
            "web3",
            2,
            &["kesl", "ksc-network-agent"],
            &[],
        )
        .await;
        scan_on(&store, "r05", "web6", 2, &["ksc-network-agent"], &[]).await;
        let w1 = finding_id(&store, "web1", "kesl").await;
        let plan = Plan {
            owner: "ops team".into(),
            due: date(2026, 2, 15),
            removal_method: "apt purge kesl".into(),
        };
        store
            .plan_findings(std::slice::from_ref(&w1), &plan, day(3), "alice", "plan")
            .await
            .unwrap();
        let w2 = finding_id(&store, "web2", "kesl").await;
        store
            .grant_exception(
                &w2,
                "malware analysis lab",
                "ciso",
                day(120),
                day(5),
                "alice",
            )
            .await
            .unwrap();
        store
            .start_removal(std::slice::from_ref(&w1), day(8), "alice", "begun")
            .await
            .unwrap();
        scan_on(&store, "r06", "web1", 10, &[], &[]).await;
        scan_on(&store, "r07", "web3", 12, &[], &[]).await;
        scan_on(&store, "r08", "web6", 15, &[], &["dpkg-status"]).await;
        scan_on(&store, "r09", "web1", 20, &[], &[]).await;
        scan_on(&store, "r10", "web3", 30, &["kesl"], &[]).await;
        scan_on(&store, "r11", "web2", 40, &["kesl"], &[]).await;
        let details = json!({
            "agency": "Department of Examples",
            "point_of_contact": "Jane Roe <jane.roe@example.gov>",
            "obstacles": "Two hosts in a lab are excepted until June."
        });
        store
            .save_plan_details(BOD, &details, day(40), "alice")
            .await
            .unwrap();
        store.close().await;
    });
}

/// Runs `interdict report --data-dir DIR ARGS`; asserts exit 0 and returns stdout.
fn report(dir: &Path, args: &[&str]) -> String {
    let d = dir.to_str().unwrap();
    let mut all = vec!["report", "--data-dir", d, "--directive", BOD];
    all.extend_from_slice(args);
    let (code, out, err) = interdict(&all);
    assert_eq!(code, 0, "interdict {all:?} failed: {err}");
    out
}

/// The bundled catalog's version and digest replaced by placeholders (so a catalog
/// change does not rewrite the golden files); asserts they were there.
fn normalise(text: &str) -> String {
    let c = Catalog::bundled().unwrap();
    assert!(text.contains(&c.digest()), "the catalog digest is stamped");
    text.replace(&c.digest(), "<catalog-digest>")
        .replace(c.version(), "<catalog-version>")
}

/// Compares `actual` with golden file `name` (or writes it with `UPDATE_GOLDEN=1`).
fn golden(name: &str, actual: &str) {
    let path = format!(
        "{}/tests/data/deliverables/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (UPDATE_GOLDEN=1 writes it)"));
    assert!(
        actual == expected,
        "{name} differs from its golden file (UPDATE_GOLDEN=1 accepts the new output)\n--- actual\n{actual}"
    );
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// (product, field) of every product row of a document.
fn per_product(doc: &Value, field: &str) -> Vec<(String, u64)> {
    doc["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["product"].as_str().unwrap().to_string(),
                p[field].as_u64().unwrap(),
            )
        })
        .collect()
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn deliverables_of_the_fixture_fleet_match_their_golden_files() {
    let dir = tempfile::tempdir().unwrap();
    build_fleet(dir.path());
    let as_of = ["--as-of", "2026-02-14"];
    for kind in ["identification", "plan", "status"] {
        for format in ["json", "csv"] {
            let mut args = vec!["--kind", kind, "--format", format];
            args.extend_from_slice(&as_of);
            let out = report(dir.path(), &args);
            golden(&format!("{kind}.{format}"), &normalise(&out));
        }
    }

    // The figures, independently of the golden files.
    let id = json(&report(
        dir.path(),
        &[
            "--kind",
            "identification",
            "--format",
            "json",
            "--as-of",
            "2026-02-14",
        ],
    ));
    assert_eq!(id["directive"], BOD);
    assert_eq!(id["as_of"], "2026-02-14");
    assert_eq!(
        per_product(&id, "endpoints"),
        [("kesl".into(), 2), ("ksc-network-agent".into(), 1)],
        "kesl on web2 (excepted) and web3 (reappeared); the agent on web6"
    );
    assert_eq!(id["products"][0]["name"], "Kaspersky kesl");
    assert_eq!(
        (id["hosts_known"].as_u64(), id["hosts_scanned"].as_u64()),
        (Some(6), Some(5))
    );
    let m = &id["methodology"];
    assert_eq!(
        names(&m["coverage"]["hosts_not_reporting"]),
        ["web4", "machine-id:web5"]
    );
    let dpkg = m["collectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["collector"] == "dpkg-status")
        .unwrap();
    assert_eq!(
        (dpkg["hosts"].as_u64(), dpkg["hosts_with_errors"].as_u64()),
        (Some(5), Some(1))
    );
    assert_eq!(m["catalog"]["digest"], Catalog::bundled().unwrap().digest());
    assert_eq!(id["computed_from"]["reports"], 11);

    let st = json(&report(
        dir.path(),
        &[
            "--kind",
            "status",
            "--format",
            "json",
            "--as-of",
            "2026-02-14",
        ],
    ));
    assert_eq!(
        per_product(&st, "outstanding"),
        [("kesl".into(), 1), ("ksc-network-agent".into(), 1)]
    );
    assert_eq!(
        per_product(&st, "verified"),
        [("kesl".into(), 1), ("ksc-network-agent".into(), 1)]
    );
    assert_eq!(
        per_product(&st, "excepted"),
        [("kesl".into(), 1), ("ksc-network-agent".into(), 0)]
    );
    assert_eq!(st["exceptions"][0]["name"], "web2");
    assert_eq!(st["exceptions"][0]["expires"], day(120).to_string());
    assert_eq!(st["reappearances"][0]["name"], "web3");
    assert_eq!(st["reappearances"][0]["at"], day(30).to_string());
    assert_eq!(
        names(&st["hosts_not_reporting"]),
        ["web4", "machine-id:web5"]
    );
    assert_eq!(st["complete"], false);
    let identify = st["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["deliverable"] == "identify-report")
        .unwrap();
    assert_eq!(identify["due"], "2026-01-31");
    assert_eq!(
        identify["outstanding"], 2,
        "web6's agent and web3's reappeared kesl"
    );

    let plan = json(&report(
        dir.path(),
        &[
            "--kind",
            "plan",
            "--format",
            "json",
            "--as-of",
            "2026-02-14",
        ],
    ));
    let elements = plan["elements"].as_array().unwrap();
    assert_eq!(elements.len(), 14);
    assert_eq!(plan["plan_details"]["version"], 1, "the stored version");
    assert_eq!(elements[0]["text"], "Department of Examples");
    assert_eq!(
        elements[7]["text"], "not yet provided",
        "contracts: {:#}",
        elements[7]
    );
}

#[test]
fn an_earlier_date_shows_the_earlier_state() {
    let dir = tempfile::tempdir().unwrap();
    build_fleet(dir.path());
    // 2026-01-11 ends after web1's removal (day 10) but before web3's (day 12).
    let st = json(&report(
        dir.path(),
        &[
            "--kind",
            "status",
            "--format",
            "json",
            "--as-of",
            "2026-01-11",
        ],
    ));
    golden(
        "status-2026-01-11.json",
        &normalise(&serde_json::to_string_pretty(&st).unwrap()),
    );
    assert_eq!(st["as_of"], "2026-01-11");
    assert_eq!(
        per_product(&st, "removed"),
        [("kesl".into(), 1), ("ksc-network-agent".into(), 0)]
    );
    assert_eq!(
        per_product(&st, "outstanding"),
        [("kesl".into(), 1), ("ksc-network-agent".into(), 2)]
    );
    assert_eq!(st["reappearances"], json!([]), "the reappearance is later");
    assert_eq!(st["computed_from"]["reports"], 6);
    let id = json(&report(
        dir.path(),
        &[
            "--kind",
            "identification",
            "--format",
            "json",
            "--as-of",
            "2026-01-11",
        ],
    ));
    assert_eq!(
        per_product(&id, "endpoints"),
        [("kesl".into(), 2), ("ksc-network-agent".into(), 2)]
    );
    // Before any report: none found, said so.
    let none = json(&report(
        dir.path(),
        &[
            "--kind",
            "identification",
            "--format",
            "json",
            "--as-of",
            "2025-12-31",
        ],
    ));
    assert_eq!(none["none_found"], true);
    assert_eq!(none["products"], json!([]));
    // The plan details saved on day 40 did not exist yet.
    let plan = json(&report(
        dir.path(),
        &[
            "--kind",
            "plan",
            "--format",
            "json",
            "--as-of",
            "2026-01-11",
        ],
    ));
    assert_eq!(plan["plan_details"], Value::Null);
    assert_eq!(plan["elements"][0]["text"], "not yet provided");
}

#[test]
fn html_is_one_self_contained_print_ready_document() {
    let dir = tempfile::tempdir().unwrap();
    build_fleet(dir.path());
    for kind in ["identification", "plan", "status"] {
        let html = report(
            dir.path(),
            &["--kind", kind, "--format", "html", "--as-of", "2026-02-14"],
        );
        assert!(html.starts_with("<!DOCTYPE html>"), "{kind}");
        assert_eq!(html.matches("<html").count(), 1, "{kind}: one document");
        assert!(html.contains("<svg"), "{kind}: an inline SVG chart");
        assert!(
            html.contains("<style>") && html.contains("@media print"),
            "{kind}"
        );
        for external in [
            "src=\"http",
            "<link href=",
            "<link",
            "<script",
            "href=\"http",
            "@import",
        ] {
            assert!(
                !html.contains(external),
                "{kind}: external reference {external}"
            );
        }
        assert!(html.contains("2026-02-14"), "{kind}: stamped with the date");
    }
    let plan = report(
        dir.path(),
        &[
            "--kind",
            "plan",
            "--format",
            "html",
            "--as-of",
            "2026-02-14",
        ],
    );
    assert!(
        plan.contains("Jane Roe &lt;jane.roe@example.gov&gt;"),
        "escaped: {plan}"
    );
    assert!(plan.contains("not yet provided"));
}

#[test]
fn plan_details_from_a_file_and_errors_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    build_fleet(dir.path());
    let file = format!(
        "{}/tests/data/deliverables/plan-details.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let args = [
        "--kind",
        "plan",
        "--format",
        "json",
        "--as-of",
        "2026-02-14",
    ];
    let mut with_file = args.to_vec();
    with_file.extend_from_slice(&["--plan-details", &file]);
    let plan = json(&report(dir.path(), &with_file));
    assert_eq!(plan["plan_details"]["by"], "file plan-details.toml");
    assert_eq!(
        plan["elements"][7]["text"],
        "Contract EX-2017-042 (endpoint protection licences, renewal 2018-03-31)"
    );
    assert_eq!(
        plan["elements"][6]["text"], "not yet provided",
        "mission functions"
    );
    let mut csv_args = with_file.clone();
    csv_args[3] = "csv";
    let csv = report(dir.path(), &csv_args);
    assert!(
        csv.contains(",\"'=SUM(A1:A9) licences USD 18,000\""),
        "neutralised: {csv}"
    );

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "agency = \"x\"\n\ncost = 3\n").unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, _, err) = interdict(&[
        "report",
        "--data-dir",
        d,
        "--directive",
        BOD,
        "--kind",
        "plan",
        "--plan-details",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("bad.toml: line 3:") && err.contains("cost"),
        "{err}"
    );
    let (code, _, err) = interdict(&[
        "report",
        "--data-dir",
        d,
        "--directive",
        "bod-99-99",
        "--kind",
        "status",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown directive `bod-99-99`") && err.contains(BOD),
        "{err}"
    );
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{not json").unwrap();
    let (code, _, err) = interdict(&[
        "report",
        "--from",
        junk.to_str().unwrap(),
        "--directive",
        BOD,
        "--kind",
        "status",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("junk.json"), "{err}");
}

/// `report --from` over the scanner's own outputs and a real server given the same
/// reports over HTTP give the same identification report.
#[test]
fn report_from_saved_scans_matches_the_server_path() {
    let roots = [
        host_root("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &[KESL]),
        host_root("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", &[]),
        host_root("cccccccccccccccccccccccccccccccc", &[KESL]),
    ];
    let saved = tempfile::tempdir().unwrap();
    let docs: Vec<Value> = roots.iter().map(|r| scan_report(r.path())).collect();
    let files: Vec<String> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let p = saved.path().join(format!("scan-{i}.json"));
            std::fs::write(&p, serde_json::to_vec(d).unwrap()).unwrap();
            p.to_str().unwrap().to_string()
        })
        .collect();
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .to_string();
    let flags = [
        "--directive",
        BOD,
        "--kind",
        "identification",
        "--format",
        "json",
        "--as-of",
        &today,
    ];
    let mut from_args = vec!["report", "--from"];
    from_args.extend(files.iter().map(String::as_str));
    from_args.extend_from_slice(&flags);
    let (code, out, err) = interdict(&from_args);
    assert_eq!(code, 0, "{err}");
    let from = json(&out);
    assert_eq!(per_product(&from, "endpoints"), [("kesl".into(), 2)]);
    assert_eq!(from["hosts_scanned"], 3);

    let db = Db::sqlite();
    let mut server = Server::start(&db, &[]);
    let api = Api::new(&server, &token(&db, "analyst"));
    for d in &docs {
        let (status, body) = api.post("/reports", d);
        assert_eq!(status, 201, "{body}");
    }
    let path = format!("/directives/{BOD}/reports/identification?as_of={today}&format=json");
    let (status, from_api) = api.get(&path);
    assert_eq!(status, 200, "{from_api}");
    let db_args = db.args();
    let mut served_args: Vec<&str> = vec!["report"];
    served_args.extend(db_args.iter().map(String::as_str));
    served_args.extend_from_slice(&flags);
    let (code, out, err) = interdict(&served_args);
    assert_eq!(code, 0, "{err}");
    let served = json(&out);
    server.stop();
    assert_eq!(
        from, served,
        "report --from and the server's store disagree"
    );
    assert_eq!(
        from, from_api,
        "report --from and the server's API disagree"
    );
}

/// Headless Chromium prints the status report to PDF; its text holds the figures. Fails
/// (never skips) without chromium or pdftotext: .ci/run installs them.
#[test]
fn the_status_report_prints_to_pdf() {
    let dir = tempfile::tempdir().unwrap();
    build_fleet(dir.path());
    let pdf = dir.path().join("status.pdf");
    report(
        dir.path(),
        &[
            "--kind",
            "status",
            "--format",
            "pdf",
            "--as-of",
            "2026-02-14",
            "-o",
            pdf.to_str().unwrap(),
        ],
    );
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(
        bytes.starts_with(b"%PDF") && bytes.len() > 1000,
        "not a PDF"
    );
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (Debian poppler-utils) must be installed");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "Status report",
        "bod-17-01",
        "2026-02-14",
        "5 of 6 known hosts scanned",
        "2 not reporting",
        "malware analysis lab",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not in the PDF text:\n{text}"
        );
    }
}
