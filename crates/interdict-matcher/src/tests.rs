use super::*;
use interdict_inventory::{Artifact, ArtifactKind as K, ArtifactState as S};

fn linux() -> Matcher {
    Matcher::new(&Catalog::bundled().unwrap(), Platform::Linux).unwrap()
}

fn pkg(name: &str, publisher: &str, state: S) -> Artifact {
    Artifact::new(K::Package, name, "var/lib/dpkg/status", "dpkg-status")
        .with_publisher(publisher)
        .with_state(state)
}

fn file(rel: &str) -> Artifact {
    Artifact::new(K::File, rel, rel, "file-sweep").with_path(rel)
}

fn summary(f: &[Finding]) -> Vec<(&str, Confidence)> {
    f.iter()
        .map(|f| (f.product.as_str(), f.confidence))
        .collect()
}

#[test]
fn strong_package_confirms_and_carries_directives() {
    let m = linux();
    let f = m.match_artifacts(&[pkg(
        "kesl",
        "AO Kaspersky Lab <support@kaspersky.com>",
        S::Active,
    )]);
    assert_eq!(summary(&f), [("kesl", Confidence::Confirmed)]);
    assert_eq!(f[0].vendor, "kaspersky");
    assert_eq!(
        f[0].directives,
        [
            "bis-icts-2021-002",
            "bod-17-01",
            "fcc-covered-list",
            "ndaa-fy18-1634"
        ]
    );
    // one item, one piece of evidence named for the package; the maintainer (vendor-level)
    // indicator is listed beside it
    assert_eq!(f[0].evidence.len(), 1);
    let e = &f[0].evidence[0];
    assert_eq!(
        (e.indicator_kind, e.weight, e.name.as_str()),
        (IndicatorKind::Package, Weight::Strong, "kesl")
    );
    assert!(
        e.indicators
            .iter()
            .any(|i| i.starts_with("kaspersky/vendor-publisher/")),
        "{:?}",
        e.indicators
    );
}

#[test]
fn decoy_names_sharing_substrings_do_not_match() {
    let m = linux();
    let decoys = [
        pkg("kesl-utils-unrelated", "Someone <a@b>", S::Active),
        pkg("keslx", "Someone <a@b>", S::Active),
        pkg("libkesl", "Someone <a@b>", S::Active),
        pkg("eset-nod32", "ESET <support@eset.com>", S::Active),
        pkg("mcafee-agent", "McAfee", S::Active),
        file("home/u/Documents/kaspersky-review.pdf"),
        file("srv/mirror/opt/kaspersky/kesl/bin/kesl-control"),
    ];
    assert!(m.match_artifacts(&decoys).is_empty());
}

#[test]
fn deinstalled_package_and_bare_folder_are_possible() {
    let m = linux();
    let f = m.match_artifacts(&[
        pkg("kesl", "AO Kaspersky Lab", S::Leftover),
        file("opt/kaspersky"),
    ]);
    assert_eq!(summary(&f), [("kesl", Confidence::Possible)]);
    assert_eq!(f[0].evidence.len(), 2, "{:#?}", f[0].evidence);
    let bare = m.match_artifacts(&[file("opt/kaspersky")]);
    assert_eq!(
        summary(&bare),
        [("kaspersky-unidentified", Confidence::Possible)]
    );
}

#[test]
fn two_weak_indicators_from_different_sources_confirm() {
    let m = linux();
    let one = m.match_artifacts(&[file("opt/kaspersky/kesl")]);
    assert_eq!(summary(&one), [("kesl", Confidence::Probable)]);
    let two = m.match_artifacts(&[
        file("opt/kaspersky/kesl"),
        Artifact::new(
            K::Service,
            "other.service",
            "etc/systemd/system/other.service",
            "systemd-units",
        )
        .with_path("var/opt/kaspersky/kesl/run.sh"),
    ]);
    assert_eq!(summary(&two), [("kesl", Confidence::Confirmed)]);
}

#[test]
fn generic_evidence_joins_the_specific_product() {
    let m = linux();
    let f = m.match_artifacts(&[
        pkg("klnagent64", "AO Kaspersky Lab", S::Active),
        file("opt/kaspersky"),
        file("opt/kaspersky/klnagent64"),
    ]);
    assert_eq!(summary(&f), [("ksc-network-agent", Confidence::Confirmed)]);
    assert!(f[0].evidence.iter().any(|e| e.name == "opt/kaspersky"));
}

#[test]
fn unknown_package_by_kaspersky_publisher_is_an_uncatalogued_product() {
    let m = linux();
    let f = m.match_artifacts(&[pkg(
        "kfl-new-product",
        "AO Kaspersky Lab <x@kaspersky.com>",
        S::Active,
    )]);
    assert_eq!(
        summary(&f),
        [("kaspersky/kfl-new-product", Confidence::Confirmed)]
    );
    assert!(!f[0].catalogued);
    assert_eq!(f[0].product_name, "kfl-new-product");
    assert_eq!(f[0].family, "uncatalogued");
}

#[test]
fn certificate_subject_rules() {
    let m = linux();
    let root = Artifact::new(
        K::Certificate,
        "C=RU, O=AO Kaspersky Lab, CN=Kaspersky Anti-Virus Personal Root Certificate",
        "etc/ssl/certs/ca-certificates.crt#3",
        "trust-store",
    );
    let f = m.match_artifacts(&[root]);
    assert_eq!(
        summary(&f),
        [("kaspersky-https-scanning-root", Confidence::Confirmed)]
    );
    let other = Artifact::new(
        K::Certificate,
        "C=US, O=DigiCert Inc, CN=DigiCert Global Root CA",
        "x",
        "trust-store",
    );
    let lookalike = Artifact::new(
        K::Certificate,
        "C=US, O=Kaspersky Labyrinth Games, CN=Labyrinth Root",
        "x",
        "trust-store",
    );
    assert!(m.match_artifacts(&[other, lookalike]).is_empty());
}

#[test]
fn embedded_engine_is_outside_bod_17_01() {
    let m = linux();
    let f = m.match_artifacts(&[file("opt/kaspersky/ScanEngine/bin/appinfo.kli")]);
    assert_eq!(
        summary(&f),
        [("kaspersky-scan-engine", Confidence::Confirmed)]
    );
    assert_eq!(
        f[0].directives,
        ["bis-icts-2021-002", "fcc-covered-list", "ndaa-fy18-1634"]
    );
}

#[test]
fn windows_rules_are_case_insensitive_and_most_specific_wins() {
    let m = Matcher::new(&Catalog::bundled().unwrap(), Platform::Windows).unwrap();
    let na = Artifact::new(
        K::Package,
        "Kaspersky Security Center Network Agent",
        "h:k",
        "win-uninstall-hive",
    )
    .with_publisher("AO Kaspersky Lab");
    let svc = Artifact::new(K::Service, "AVP21.3", "h:s", "win-services-hive");
    let game = Artifact::new(
        K::File,
        "Program Files/Rebellion/AvP.exe",
        "Program Files/Rebellion/AvP.exe",
        "win-pe-files",
    )
    .with_publisher("Rebellion");
    let f = m.match_artifacts(&[na, svc]);
    assert_eq!(
        summary(&f),
        [
            ("kaspersky-unidentified", Confidence::Confirmed),
            ("ksc-network-agent-windows", Confidence::Confirmed)
        ]
    );
    // The AVP service belongs to the anti-malware products, never to the Network Agent.
    assert_eq!(f[0].evidence[0].name, "AVP21.3");
    assert!(f[1].evidence.iter().all(|e| e.name != "AVP21.3"));
    // AvP.exe of a game: Kaspersky's process name, case-insensitively, but the file's own
    // version info names another maker, so the name alone proves nothing.
    assert!(m.match_artifacts(&[game]).is_empty());
    // The same name without any identity still counts; a renamed file with Kaspersky's
    // company name or signer is found by that identity.
    let bare = Artifact::new(K::File, "Users/a/avp.exe", "Users/a/avp.exe", "file-sweep");
    assert_eq!(m.match_artifacts(&[bare]).len(), 1);
    let renamed = Artifact::new(
        K::File,
        "Users/a/notes.exe",
        "Users/a/notes.exe",
        "win-pe-files",
    )
    .with_publisher("AO Kaspersky Lab");
    let f = m.match_artifacts(&[renamed]);
    assert_eq!(
        summary(&f),
        [("kaspersky-unidentified", Confidence::Confirmed)]
    );
}

#[test]
fn sweep_reports_a_vendor_folder_once_and_product_files() {
    let m = linux();
    assert!(m.path_is_interesting("opt/kaspersky", "kaspersky", true));
    assert!(!m.path_is_interesting("opt/kaspersky/foo", "foo", true));
    assert!(m.path_is_interesting("opt/kaspersky/kesl", "kesl", true));
    assert!(!m.path_is_interesting("opt/kaspersky/kesl/share", "share", true));
    assert!(m.path_is_interesting("opt/kaspersky/kesl/bin/kesl-control", "kesl-control", false));
    assert!(!m.path_is_interesting("usr/bin/ls", "ls", false));
    assert!(!m.path_is_interesting("opt", "opt", true));
    let w = Matcher::new(&Catalog::bundled().unwrap(), Platform::Windows).unwrap();
    assert!(w.path_is_interesting("Program Files (x86)/KASPERSKY LAB", "KASPERSKY LAB", true));
    assert!(w.path_is_interesting("Users/a/Downloads/KAVREMOVER.EXE", "KAVREMOVER.EXE", false));
}

#[test]
fn open_source_components_are_for_review_only() {
    let m = Matcher::new(&Catalog::bundled().unwrap(), Platform::Any).unwrap();
    let c = Artifact::new(
        K::SbomComponent,
        "kaspresso",
        "bom.json#app > kaspresso",
        "sbom-cyclonedx",
    )
    .with_attr(
        "purl",
        "pkg:maven/com.kaspersky.android-components/kaspresso@1.5.0",
    );
    let f = m.match_artifacts(&[c]);
    assert_eq!(summary(&f), [("kaspresso", Confidence::Probable)]);
    assert_eq!(f[0].directives, ["ndaa-fy18-1634"]);
}

fn windows() -> Matcher {
    Matcher::new(&Catalog::bundled().unwrap(), Platform::Windows).unwrap()
}

#[test]
fn a_removal_tool_published_by_the_vendor_stays_a_leftover() {
    let m = windows();
    let tool = Artifact::new(
        K::File,
        "Users/bob/Downloads/kavremover.exe",
        "Users/bob/Downloads/kavremover.exe",
        "file-sweep",
    )
    .with_path("Users/bob/Downloads/kavremover.exe")
    .with_publisher("AO Kaspersky Lab")
    .with_attr("company-name", "AO Kaspersky Lab")
    .with_attr("file-description", "Kaspersky Products Remover");
    let folder = Artifact::new(
        K::File,
        "ProgramData/Kaspersky Lab",
        "ProgramData/Kaspersky Lab",
        "file-sweep",
    )
    .with_path("ProgramData/Kaspersky Lab");
    let f = m.match_artifacts(&[tool, folder]);
    assert_eq!(
        summary(&f),
        [("kaspersky-removal-tools", Confidence::Possible)]
    );
    assert!(f[0].evidence.iter().all(|e| e.weight == Weight::Leftover));
    let tool = f[0]
        .evidence
        .iter()
        .find(|e| e.location == "Users/bob/Downloads/kavremover.exe")
        .unwrap();
    // Named for the product's own indicator; the company name is listed beside it.
    assert_eq!(tool.indicator_kind, IndicatorKind::Process);
    assert_eq!(tool.name, "kavremover.exe");
    assert!(
        tool.indicators
            .iter()
            .any(|i| i.starts_with("kaspersky/vendor-publisher/")),
        "{:?}",
        tool.indicators
    );
    // An installed product next to it is still confirmed.
    let svc = Artifact::new(K::Service, "AVP21.3", "h:s", "win-services-hive");
    let kes = Artifact::new(
        K::Package,
        "Kaspersky Endpoint Security for Windows",
        "h:k",
        "win-uninstall-hive",
    );
    let f = m.match_artifacts(&[svc, kes]);
    assert_eq!(summary(&f), [("kes-windows", Confidence::Confirmed)]);
}

#[test]
fn a_package_known_only_by_its_publisher_is_its_own_uncatalogued_product() {
    let m = windows();
    let kes = Artifact::new(
        K::Package,
        "Kaspersky Endpoint Security for Windows",
        "SOFTWARE:Uninstall\\{KES}",
        "win-uninstall-hive",
    )
    .with_publisher("AO Kaspersky Lab");
    let other = Artifact::new(
        K::Package,
        "Kaspersky Example Utility",
        "NTUSER.DAT:Software\\Uninstall\\KEU",
        "win-uninstall-hive",
    )
    .with_publisher("AO Kaspersky Lab")
    .with_version("1.2");
    let svc = Artifact::new(K::Service, "AVP21.3", "h:s", "win-services-hive");
    let f = m.match_artifacts(&[kes, other, svc]);
    assert_eq!(
        summary(&f),
        [
            ("kaspersky/kaspersky-example-utility", Confidence::Confirmed),
            ("kes-windows", Confidence::Confirmed)
        ]
    );
    let names = |i: usize| -> Vec<&str> { f[i].evidence.iter().map(|e| e.name.as_str()).collect() };
    // The vendor-wide service joins KES; the unnamed package is a product of its own, named
    // as the host names it, with the directives that cover its vendor.
    assert_eq!(names(0), ["AO Kaspersky Lab"]);
    assert_eq!(
        f[0].evidence[0].item.as_deref(),
        Some("Kaspersky Example Utility")
    );
    assert_eq!(
        (f[0].product_name.as_str(), f[0].catalogued, f[1].catalogued),
        ("Kaspersky Example Utility", false, true)
    );
    assert_eq!(f[0].directives, f[1].directives);
    assert_eq!(
        names(1),
        ["Kaspersky Endpoint Security for Windows", "AVP21.3"]
    );
}

#[test]
fn case_rules_follow_the_scanned_platform() {
    let cat = Catalog::bundled().unwrap();
    let linux = Matcher::new(&cat, Platform::Linux).unwrap();
    let windows = Matcher::new(&cat, Platform::Windows).unwrap();
    // Linux paths are case-sensitive, even for an indicator that also applies elsewhere.
    let host = "home/a/.config/google-chrome/NativeMessagingHosts/com.kaspersky.ahkjpbeeocnddjkakilopmfdlnjdpcdm.host.json";
    assert!(linux.path_is_interesting(host, "x", false));
    assert!(!linux.path_is_interesting(&host.to_uppercase(), "x", false));
    assert!(!linux.path_is_interesting("OPT/KASPERSKY", "KASPERSKY", true));
    // Windows paths are not.
    let win_host =
        "Users/a/AppData/Local/Google/Chrome/User Data/NativeMessagingHosts/COM.KASPERSKY.X.json";
    assert!(windows.path_is_interesting(win_host, "x", false));
    assert!(windows.path_is_interesting("PROGRAMDATA/KASPERSKY LAB", "KASPERSKY LAB", true));
}

fn content(rel: &str, strings: &[&str], symbols: &[&str], domains: &[&str]) -> Artifact {
    use interdict_inventory::attr;
    Artifact::new(K::Content, rel, rel, "content")
        .with_attr(attr::CONTENT_STRINGS, strings.join("\n"))
        .with_attr(attr::EXPORTED_SYMBOLS, symbols.join("\n"))
        .with_attr(attr::CONTENT_DOMAINS, domains.join("\n"))
}

#[test]
fn content_weak_alone_is_possible_two_weak_confirm_and_exports_are_strong() {
    let m = linux();
    let lone = m.match_artifacts(&[content(
        "opt/a/lib.so",
        &["sdk8_unix_interface.h"],
        &[],
        &[],
    )]);
    assert_eq!(
        summary(&lone),
        [("kaspersky-scan-engine", Confidence::Possible)]
    );
    // A vendor domain alone in a file (a hosts file, a document) is only possible too.
    let domain = m.match_artifacts(&[content("etc/hosts", &[], &[], &[".kaspersky-labs.com"])]);
    assert_eq!(
        summary(&domain),
        [("kaspersky-unidentified", Confidence::Possible)]
    );
    let pair = m.match_artifacts(&[content(
        "opt/a/lib.so",
        &["sdk8_unix_interface.h", "KAV_SHT_ENGINE_KLAV"],
        &[],
        &[],
    )]);
    assert_eq!(
        summary(&pair),
        [("kaspersky-scan-engine", Confidence::Confirmed)]
    );
    let export = m.match_artifacts(&[content("opt/a/lib.so", &[], &["kaveInitializeEx"], &[])]);
    assert_eq!(
        summary(&export),
        [("kaspersky-scan-engine", Confidence::Confirmed)]
    );
    assert_eq!(export[0].evidence[0].kind, "content");
    assert_eq!(export[0].evidence[0].item.as_deref(), Some("opt/a/lib.so"));
    // Without a containing product the finding keeps the catalog's name.
    assert!(export[0].embedded_in.is_empty());
}

#[test]
fn the_containing_package_names_the_embedded_finding_unless_it_is_the_vendors_own() {
    let m = linux();
    let lib = "opt/acme/lib/libav.so";
    let gw = pkg("acme-gateway", "Acme <a@acme.example>", S::Active).with_path(lib);
    let f = m.match_artifacts(&[gw, content(lib, &[], &["kaveInitializeEx"], &[])]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].embedded_in, ["acme-gateway"]);
    assert!(f[0].product_name.ends_with(" embedded in acme-gateway"));
    assert_eq!(f[0].evidence[0].container.as_deref(), Some("acme-gateway"));
    assert!(!f[0].directives.contains(&"bod-17-01".to_string()));
    // The vendor's own package holding the engine is no embedding.
    let own = pkg(
        "kesl",
        "AO Kaspersky Lab <support@kaspersky.com>",
        S::Active,
    )
    .with_path(lib);
    let f = m.match_artifacts(&[own, content(lib, &[], &["kaveInitializeEx"], &[])]);
    let engine = f
        .iter()
        .find(|f| f.product == "kaspersky-scan-engine")
        .unwrap();
    assert!(engine.embedded_in.is_empty(), "{:?}", engine.embedded_in);
}
