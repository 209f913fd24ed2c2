//! End to end: offline Windows roots scanned through the binary. The registry hives are
//! the collectors' generated test hives (`interdict-collectors/testdata/windows`), the PE
//! files are built by `tests/data/windows/make-pe.sh`. Asserts exactly the findings and
//! confidences, the key evidence, that nothing in the root ran and the root is unchanged.

mod support;

use serde_json::Value;
use support::*;

const SOFTWARE: &str = "Windows/System32/config/SOFTWARE";
const SYSTEM: &str = "Windows/System32/config/SYSTEM";
const NTUSER: &str = "Users/alice/NTUSER.DAT";
const KES_DIR: &str = "Program Files (x86)/Kaspersky Lab";
const AVP: &str = "Program Files (x86)/Kaspersky Lab/KES.11.11.0/avp.exe";
const TOOL: &str = "Users/alice/Downloads/tool.exe";
const GAME: &str = "Program Files/Rebellion/Aliens vs Predator/AvP.exe";
const UNINSTALL: &str = r"Microsoft\Windows\CurrentVersion\Uninstall";
const KES_GUID: &str = "{9A017278-F7F4-4DF9-A482-0B97B70DD7ED}";
const SIGNER: &str = "CN=AO Kaspersky Lab, O=AO Kaspersky Lab, L=Moscow, C=RU";

/// The on-disk spelling of canonical paths: `(canonical prefix, on-disk prefix)`, first
/// match wins. Empty for the canonical layout.
type Spelling = &'static [(&'static str, &'static str)];

/// Unusual case everywhere the scanner looks things up.
const ODD_CASE: Spelling = &[
    (SOFTWARE, "windows/system32/CONFIG/software"),
    (SYSTEM, "windows/system32/CONFIG/System"),
    ("Windows/System32/", "windows/system32/"),
    (NTUSER, "users/alice/ntuser.dat"),
    ("Users/", "users/"),
    ("Program Files (x86)/", "PROGRAM FILES (X86)/"),
    ("Program Files/", "program files/"),
];

/// `rel` as spelled on disk.
fn spell(spelling: Spelling, rel: &str) -> String {
    spelling
        .iter()
        .find_map(|(from, to)| rel.strip_prefix(from).map(|rest| format!("{to}{rest}")))
        .unwrap_or_else(|| rel.to_string())
}

/// The main fixture: KES (WOW6432Node uninstall entry, MSI product, vendor key, AVP21.3 and
/// klif in the current control set, avp.exe with Kaspersky version info), a per-user
/// Kaspersky Password Manager, the Kaspersky TLS root in the ROOT store, a renamed binary
/// signed by "AO Kaspersky Lab" (a Kaspersky product no evidence names), and decoys: Firefox, McAfee, the AvP.exe game, klim6 and
/// kneps in the stale control set. `marker` is where a trap would write if anything ran.
fn windows_root(marker: &std::path::Path, spelling: Spelling) -> Fixture {
    let fx = Fixture::new();
    let put = |rel: &str, bytes: Vec<u8>| {
        fx.write(&spell(spelling, rel), bytes);
    };
    put(SOFTWARE, hive("software.hive"));
    put(SYSTEM, hive("system.hive"));
    put(NTUSER, hive("ntuser.hive"));
    put(AVP, data("windows/kes-avp.exe"));
    put(TOOL, data("windows/signed-tool.exe"));
    put(GAME, data("windows/avp-game.exe"));
    put(
        "Program Files/Mozilla Firefox/firefox.exe",
        data("windows/firefox.exe"),
    );
    put(
        "Program Files/McAfee/VirusScan Enterprise/readme.txt",
        b"McAfee".to_vec(),
    );
    put(
        "Users/alice/Documents/kaspersky-removal-plan.txt",
        b"Remove Kaspersky Endpoint Security (avp.exe) by day 90.\n".to_vec(),
    );
    // Programs that would leave a marker if anything ran them (shell scripts, not PEs).
    for trap in [
        "Windows/System32/reg.exe",
        "Windows/System32/certutil.exe",
        "Program Files (x86)/Kaspersky Lab/KES.11.11.0/setup.exe",
        "Users/alice/Downloads/install.cmd",
    ] {
        fx.trap(&spell(spelling, trap), marker);
    }
    fx
}

/// The expected findings of [`windows_root`], whatever its spelling.
fn expected() -> Vec<(String, String)> {
    [
        ("kaspersky-https-scanning-root", "confirmed"),
        ("kaspersky-password-manager", "confirmed"),
        ("kes-windows", "confirmed"),
    ]
    .iter()
    .map(|(p, c)| (p.to_string(), c.to_string()))
    .collect()
}

/// `(kind, location)` of the KES evidence, as spelled on disk: its own items, and the
/// vendor-wide ones (vendor folder and key, a binary known only by its Kaspersky signer),
/// which join the primary product of those they fit.
fn kes_evidence(spelling: Spelling) -> Vec<(String, String)> {
    let sw = spell(spelling, SOFTWARE);
    let sys = spell(spelling, SYSTEM);
    let mut v: Vec<(String, String)> = [
        ("driver", format!(r"{sys}:ControlSet002\Services\klif")),
        ("file", spell(spelling, KES_DIR)),
        ("file", spell(spelling, AVP)),
        ("file", spell(spelling, TOOL)),
        (
            "package",
            format!(r"{sw}:Classes\Installer\Products\872710A94F7F9FD44A28B0797BD07DDE"),
        ),
        (
            "package",
            format!(r"{sw}:WOW6432Node\{UNINSTALL}\{KES_GUID}"),
        ),
        ("registry", format!(r"{sw}:WOW6432Node\KasperskyLab")),
        ("service", format!(r"{sys}:ControlSet002\Services\AVP21.3")),
    ]
    .into_iter()
    .map(|(k, l)| (k.to_string(), l))
    .collect();
    v.sort();
    v
}

/// Findings, KES evidence and decoys shared by the canonical and odd-case layouts.
fn assert_windows_findings(doc: &Value, spelling: Spelling) {
    assert_eq!(findings(doc), expected(), "{doc:#}");
    assert_eq!(doc["host"]["platform"], "windows");
    assert_eq!(doc["host"]["live"], false);
    assert_eq!(doc["errors"], serde_json::json!([]), "{doc:#}");

    let kes = finding(doc, "kes-windows");
    assert_eq!(evidence_at(kes), kes_evidence(spelling), "{kes:#}");
    // avp.exe: Kaspersky's process name on a file whose version info names Kaspersky.
    let avp = evidence_item(kes, &spell(spelling, AVP));
    assert_eq!(
        (&avp["name"], &avp["weight"], &avp["collector"]),
        (
            &Value::from("avp.exe"),
            &Value::from("strong"),
            &Value::from("win-pe-files")
        )
    );
    // tool.exe: renamed, neutral company name; found by its signer alone.
    let tool = evidence_item(kes, &spell(spelling, TOOL));
    assert_eq!(tool["name"], SIGNER);
    assert_eq!(tool["indicator_kind"], "certificate-subject");
    assert_eq!(tool["weight"], "strong");
    let svc = evidence_item(
        kes,
        &format!(
            r"{}:ControlSet002\Services\AVP21.3",
            spell(spelling, SYSTEM)
        ),
    );
    assert_eq!(svc["name"], "AVP21.3");
    let folder = evidence_item(kes, &spell(spelling, KES_DIR));
    assert_eq!(folder["weight"], "weak");

    // Kaspersky Password Manager, per user: its own finding.
    let kpm = finding(doc, "kaspersky-password-manager");
    assert_eq!(kpm["catalogued"], true);
    assert_eq!(
        evidence_at(kpm),
        [(
            "package".to_string(),
            format!(
                r"{}:Software\{UNINSTALL}\Kaspersky Password Manager",
                spell(spelling, NTUSER)
            )
        )]
    );
    let e = &kpm["evidence"][0];
    assert_eq!(
        (&e["name"], &e["indicator_kind"], &e["version"]),
        (
            &Value::from("Kaspersky Password Manager"),
            &Value::from("package"),
            &Value::from("9.0.2.1186")
        )
    );

    let cert = finding(doc, "kaspersky-https-scanning-root");
    assert_eq!(evidence(cert).len(), 1);
    assert!(
        cert["evidence"][0]["location"]
            .as_str()
            .unwrap()
            .starts_with(&format!(
                r"{}:Microsoft\SystemCertificates\ROOT\Certificates\",
                spell(spelling, SOFTWARE)
            )),
        "{cert:#}"
    );
    assert_eq!(
        cert["evidence"][0]["name"],
        "C=RU, O=AO Kaspersky Lab, CN=Kaspersky Anti-Virus Personal Root Certificate"
    );

    let text = doc["findings"].to_string();
    for decoy in [
        "klim6",
        "kneps",
        "ControlSet001",
        "Firefox",
        "Mozilla",
        "McAfee",
        "CE208ED4",
        "Rebellion",
        "Aliens",
        "AvP.exe",
        "Steam",
        "removal-plan",
        "WinDefend",
    ] {
        assert!(!text.contains(decoy), "decoy {decoy} reported");
    }
}

#[test]
fn windows_root_exact_findings_no_execution_no_writes() {
    let outside = tempfile::tempdir().unwrap();
    let marker = outside.path().join("executed");
    let fx = windows_root(&marker, &[]);
    let before = snapshot(fx.path());

    let (code, doc) = scan_json(fx.path(), &["--inventory"]);
    assert_eq!(code, 1, "findings exit 1");
    assert_windows_findings(&doc, &[]);
    let kes = finding(&doc, "kes-windows");
    assert_eq!(
        kes["directives"],
        serde_json::json!([
            "bis-icts-2021-002",
            "bod-17-01",
            "fcc-covered-list",
            "ndaa-fy18-1634"
        ])
    );
    // The decoys were looked at and cleared, not missed.
    let inventory = doc["inventory"].as_array().unwrap();
    let item = |name: &str| {
        inventory
            .iter()
            .find(|a| a["name"] == name)
            .unwrap_or_else(|| panic!("{name} not in the inventory"))
    };
    assert_eq!(item(GAME)["publisher"], "Rebellion Developments");
    assert_eq!(item(TOOL)["attributes"]["signed"], "true");
    assert_eq!(item(TOOL)["publisher"], "Tools");
    assert_eq!(item("McAfee VirusScan Enterprise")["kind"], "package");
    assert!(
        inventory
            .iter()
            .all(|a| a["name"] != "klim6" && a["name"] != "kneps"),
        "stale control set read"
    );

    assert!(
        !marker.exists(),
        "something from the scanned root was executed"
    );
    assert_eq!(snapshot(fx.path()), before, "the scan changed the root");
}

#[test]
fn unusual_case_on_disk_gives_the_same_findings() {
    let outside = tempfile::tempdir().unwrap();
    let marker = outside.path().join("executed");
    let fx = windows_root(&marker, ODD_CASE);
    assert!(fx.path().join("windows/system32/CONFIG/software").is_file());
    assert!(fx.path().join("PROGRAM FILES (X86)").is_dir());
    let before = snapshot(fx.path());
    let (code, doc) = scan_json(fx.path(), &[]);
    assert_eq!(code, 1);
    assert_windows_findings(&doc, ODD_CASE);
    assert!(!marker.exists());
    assert_eq!(snapshot(fx.path()), before);
}

#[test]
fn removal_tool_and_vendor_folder_are_only_leftovers() {
    let outside = tempfile::tempdir().unwrap();
    let marker = outside.path().join("executed");
    let fx = Fixture::new();
    fx.mkdir("Windows/System32/config");
    fx.write(
        "ProgramData/Kaspersky Lab/KES.11.11.0/Data/settings.dat",
        "x",
    );
    fx.write(
        "Users/bob/Downloads/kavremover.exe",
        data("windows/kavremover.exe"),
    );
    fx.trap("ProgramData/Kaspersky Lab/cleanup.exe", &marker);
    let before = snapshot(fx.path());

    let (code, doc) = scan_json(fx.path(), &[]);
    assert_eq!(code, 1, "possible findings fail at the default --fail-on");
    assert_eq!(
        findings(&doc),
        [(
            "kaspersky-removal-tools".to_string(),
            "possible".to_string()
        )],
        "{doc:#}"
    );
    let f = finding(&doc, "kaspersky-removal-tools");
    assert_eq!(
        evidence_at(f),
        [
            ("file".to_string(), "ProgramData/Kaspersky Lab".to_string()),
            (
                "file".to_string(),
                "Users/bob/Downloads/kavremover.exe".to_string()
            ),
        ]
    );
    assert!(
        f["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["weight"] == "leftover"),
        "{f:#}"
    );
    // Named for the removal tool, with its Kaspersky company name listed beside it.
    let tool = evidence_item(f, "Users/bob/Downloads/kavremover.exe");
    assert_eq!(tool["name"], "kavremover.exe");
    assert!(
        tool["indicators"].as_array().unwrap().iter().any(|i| i
            .as_str()
            .unwrap()
            .starts_with("kaspersky/vendor-publisher/")),
        "{tool:#}"
    );
    let (code, _) = scan_json(fx.path(), &["--fail-on", "probable"]);
    assert_eq!(code, 0, "leftovers alone pass --fail-on probable");
    assert!(!marker.exists());
    assert_eq!(snapshot(fx.path()), before);
}

#[test]
fn truncated_software_hive_is_one_error_and_system_is_still_read() {
    let outside = tempfile::tempdir().unwrap();
    let fx = windows_root(&outside.path().join("executed"), &[]);
    let full = hive("software.hive");
    fx.write(SOFTWARE, &full[..6000]);

    let (code, doc) = scan_json(fx.path(), &[]);
    assert_eq!(code, 1);
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["location"], SOFTWARE);
    // One collector in `collector`; every collector that met it in `collectors`.
    assert_eq!(errors[0]["collector"], "win-cert-store-hive");
    assert_eq!(
        errors[0]["collectors"],
        serde_json::json!([
            "win-cert-store-hive",
            "win-registry-keys",
            "win-uninstall-hive"
        ])
    );
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("truncated hive: 6000 of 16384 bytes"),
        "{errors:#?}"
    );
    // Without SOFTWARE there is no uninstall entry for KES: avp.exe's version info names it,
    // and the AVP service and klif driver, which belong to the anti-malware products, join
    // it rather than the per-user Password Manager.
    assert_eq!(
        findings(&doc),
        [
            ("kaspersky-password-manager".into(), "confirmed".into()),
            ("kes-windows".to_string(), "confirmed".to_string())
        ],
        "{doc:#}"
    );
    let f = finding(&doc, "kes-windows");
    let at = evidence_at(f);
    for want in [
        (
            "service",
            format!(r"{SYSTEM}:ControlSet002\Services\AVP21.3"),
        ),
        ("driver", format!(r"{SYSTEM}:ControlSet002\Services\klif")),
        ("file", AVP.to_string()),
    ] {
        assert!(
            at.contains(&(want.0.to_string(), want.1.clone())),
            "missing {want:?} in {at:#?}"
        );
    }
    // and the vendor folder and the signed tool, vendor-wide
    assert_eq!(at.len(), 5, "{at:#?}");
    assert!(
        !doc["findings"].to_string().contains(SOFTWARE),
        "{:#}",
        doc["findings"]
    );
    assert!(!doc["findings"].to_string().contains("klim6"));
    let (code, _) = scan_json(fx.path(), &["--strict", "--fail-on", "never"]);
    assert_eq!(code, 2, "--strict turns the truncated hive into exit 2");
}
