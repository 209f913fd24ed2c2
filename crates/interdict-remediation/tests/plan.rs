//! Plans built from hand-made reports: only the steps the evidence supports, and hostile
//! evidence values quoted (or refused) so a script can never run them.

use interdict_catalog::{ActionKind, Catalog};
use interdict_findings::{
    CatalogStamp, Confidence, Distribution, Evidence, Finding, Host, IndicatorKind, Os, Report,
    SourceKind, Weight,
};
use interdict_inventory::{ArtifactState, Platform};
use interdict_remediation::{PlanFormat, StepDetail, build_all, render};

fn evidence(kind: &str, collector: &str, location: &str, name: &str) -> Evidence {
    Evidence {
        kind: kind.into(),
        location: location.into(),
        name: name.into(),
        item: None,
        version: None,
        state: ArtifactState::Active,
        collector: collector.into(),
        indicator: "x".into(),
        indicators: vec!["x".into()],
        indicator_kind: IndicatorKind::Package,
        pattern: "x".into(),
        weight: Weight::Strong,
        source: "s".into(),
        embedded: false,
        container: None,
    }
}

fn finding(product: &str, evidence: Vec<Evidence>) -> Finding {
    Finding {
        vendor: "kaspersky".into(),
        product: product.into(),
        product_name: format!("{product} name"),
        family: "endpoint-security".into(),
        distribution: Distribution::Branded,
        confidence: Confidence::Confirmed,
        directives: vec!["bod-17-01".into()],
        catalogued: true,
        evidence,
        host: None,
        host_id: None,
        document: None,
        embedded_in: Vec::new(),
    }
}

fn report(platform: Platform, findings: Vec<Finding>) -> Report {
    let mut r = Report::new(
        SourceKind::Scan,
        "0",
        CatalogStamp {
            version: "v".into(),
            digest: "d".into(),
        },
        "2026-12-08T00:00:00Z".parse().unwrap(),
        "report-1".into(),
    );
    r.host = Some(Host {
        id: "host-1".into(),
        name: "web'01".into(),
        os: Os {
            platform: Some(platform),
            ..Os::default()
        },
        ..Host::default()
    });
    r.findings = findings;
    r
}

#[test]
fn only_steps_with_evidence_apply_in_removal_order() {
    let cat = Catalog::bundled().unwrap();
    let r = report(
        Platform::Linux,
        vec![
            finding(
                "ksc-network-agent",
                vec![evidence(
                    "package",
                    "rpmdb-sqlite",
                    "var/lib/rpm/rpmdb.sqlite",
                    "klnagent64",
                )],
            ),
            finding(
                "kesl",
                vec![evidence(
                    "package",
                    "dpkg-status",
                    "var/lib/dpkg/status",
                    "kesl",
                )],
            ),
        ],
    );
    let plans = build_all(&cat, &r);
    assert_eq!(plans.len(), 1);
    let p = &plans[0];
    assert_eq!(p.products[0].product, "kesl", "endpoint product first");
    assert_eq!(p.products[1].product, "ksc-network-agent");
    let kesl = &p.products[0].steps;
    assert_eq!(kesl[0].kind, ActionKind::PackageRemove);
    match &kesl[0].detail {
        StepDetail::Packages { packages, .. } => assert_eq!(packages, &["kesl"]),
        other => panic!("{other:?}"),
    }
    // No rpm evidence for KESL: no rpm step.
    assert_eq!(
        kesl.iter()
            .filter(|s| s.kind == ActionKind::PackageRemove)
            .count(),
        1
    );
    let sh = render(&plans, PlanFormat::Sh).unwrap();
    assert!(sh.contains("dpkg --purge") && sh.contains("rpm -e"));
    assert!(render(&plans, PlanFormat::Ps1).is_err());
}

#[test]
fn hostile_evidence_is_quoted_or_refused() {
    let cat = Catalog::bundled().unwrap();
    let r = report(
        Platform::Linux,
        vec![finding(
            "kesl",
            vec![
                evidence(
                    "package",
                    "dpkg-status",
                    "var/lib/dpkg/status",
                    "kesl'; touch /tmp/owned; '",
                ),
                evidence(
                    "package",
                    "dpkg-status",
                    "var/lib/dpkg/status",
                    "kesl$(reboot)",
                ),
                evidence(
                    "package",
                    "dpkg-status",
                    "var/lib/dpkg/status",
                    "kesl\nreboot",
                ),
            ],
        )],
    );
    let plans = build_all(&cat, &r);
    let sh = render(&plans, PlanFormat::Sh).unwrap();
    assert!(sh.contains(r"'kesl'\''; touch /tmp/owned; '\'''"), "{sh}");
    assert!(sh.contains("'kesl$(reboot)'"), "{sh}");
    assert!(
        !sh.contains("kesl\nreboot"),
        "a value with a newline is refused"
    );
    // The host name with a quote is quoted in log lines too.
    assert!(
        !sh.lines()
            .any(|l| l.starts_with("log ") && l.contains("web'01"))
    );
    let dir = tempfile_dir();
    let file = dir.join("hostile.sh");
    std::fs::write(&file, &sh).unwrap();
    let out = std::process::Command::new("shellcheck")
        .args(["--shell=sh"])
        .arg(&file)
        .output()
        .expect("shellcheck must be installed (.ci/run installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn windows_product_codes_come_from_the_uninstall_key() {
    let cat = Catalog::bundled().unwrap();
    let key = r"Windows/System32/config/SOFTWARE:WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\{9a017278-f7f4-4df9-a482-0b97b70dd7ed}";
    let r = report(
        Platform::Windows,
        vec![finding(
            "kes-windows",
            vec![
                evidence(
                    "package",
                    "win-uninstall-hive",
                    key,
                    "Kaspersky Endpoint Security for Windows",
                ),
                evidence("service", "win-services-hive", "x", "AVP21.3"),
            ],
        )],
    );
    let plans = build_all(&cat, &r);
    let ps1 = render(&plans, PlanFormat::Ps1).unwrap();
    assert!(
        ps1.contains("-Code '{9A017278-F7F4-4DF9-A482-0B97B70DD7ED}'"),
        "{ps1}"
    );
    assert!(ps1.contains("@('KLLOGIN', 'KLPASSWD')"));
    // Nothing but a service: no product code, so no msiexec step, and a note says why.
    let r = report(
        Platform::Windows,
        vec![finding(
            "kes-windows",
            vec![evidence("service", "win-services-hive", "x", "AVP21.3")],
        )],
    );
    let plans = build_all(&cat, &r);
    assert!(
        plans[0].products[0]
            .steps
            .iter()
            .all(|s| s.kind != ActionKind::MsiexecUninstall)
    );
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("interdict-remediation-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn when_conditions_and_globs_follow_the_evidence() {
    let mut cat = Catalog::bundled().unwrap();
    let site = r#"
[[product]]
id = "acme-agent"
vendor = "kaspersky"
name = "Acme agent"
family = "endpoint-security"
platforms = ["linux"]
distribution = "branded"
removal_order = 5

[[product.removal]]
platform = "linux"
steps = ["Run the vendor uninstaller"]

[[product.removal.action]]
kind = "vendor-uninstaller"
description = "The vendor's uninstaller"
paths = ["opt/acme/uninstall.sh"]
args = ["--silent", "--keep-logs=no"]
when = { location_prefix = "opt/acme/" }
source = "https://example.org/acme-uninstall"

[[product.removal.action]]
kind = "delete-path"
description = "Leftover profiles"
paths = ["home/*/.acme"]
source = "https://example.org/acme-files"
"#;
    cat.add_layer([("site.toml".to_string(), site.to_string())])
        .unwrap();
    let with = |locations: &[&str]| {
        let ev = locations
            .iter()
            .map(|l| evidence("file", "file-sweep", l, "x"))
            .collect();
        let plans = build_all(
            &cat,
            &report(Platform::Linux, vec![finding("acme-agent", ev)]),
        );
        plans[0].products[0].steps.clone()
    };
    let steps = with(&[
        "opt/acme/bin/agent",
        "home/alice/.acme/state",
        "home/bob/.acmefan/x",
    ]);
    assert_eq!(steps[0].kind, ActionKind::VendorUninstaller);
    match &steps[1].detail {
        StepDetail::Paths { paths } => assert_eq!(paths, &["home/alice/.acme"]),
        other => panic!("{other:?}"),
    }
    let plans = build_all(
        &cat,
        &report(
            Platform::Linux,
            vec![finding(
                "acme-agent",
                vec![evidence("file", "file-sweep", "opt/acme/bin/agent", "x")],
            )],
        ),
    );
    let sh = render(&plans, PlanFormat::Sh).unwrap();
    assert!(sh.contains("if [ -x '/opt/acme/uninstall.sh' ]; then\n    run '/opt/acme/uninstall.sh' '--silent' '--keep-logs=no'"), "{sh}");
    // Without evidence under opt/acme/ the uninstaller does not apply, nor does a glob
    // with nothing to match: no step, and the plan says so.
    let steps = with(&["usr/lib/acme.so"]);
    assert!(steps.is_empty(), "{steps:?}");
    let plans = build_all(
        &cat,
        &report(
            Platform::Linux,
            vec![finding(
                "acme-agent",
                vec![evidence("file", "file-sweep", "usr/lib/acme.so", "x")],
            )],
        ),
    );
    assert!(
        plans[0].products[0]
            .note
            .as_deref()
            .unwrap()
            .contains("no automatic step")
    );
}
