//! osquery output as it arrives from the field: byte-order marks, UTF-16 from PowerShell,
//! CRLF and CR-only line ends, `null` values, results logs that mix inventory with
//! monitoring queries, rows that were added and later removed, Windows certificate
//! subjects, processes and service units.

mod import_support;

use import_support::{bytes, items, locations, names, text, utf16le_with_bom};
use interdict_inventory::{ArtifactKind, ArtifactState};
use interdict_sbom::{SbomError, import_osquery};
use std::collections::BTreeMap;

const KES: &str = "Kaspersky Endpoint Security for Windows";

#[test]
fn utf8_bom_json_is_read() {
    let file = "osquery/bom-programs.json";
    assert!(bytes(file).starts_with(b"\xef\xbb\xbf"));
    let import = import_osquery(&bytes(file), file, None, None).expect(file);
    assert!(import.errors.is_empty(), "{:?}", import.errors);
    assert_eq!(
        names(&import),
        [("bom-programs", KES), ("bom-programs", "7-Zip 23.01 (x64)")]
    );
    assert_eq!(
        import.artifacts[0].1.publisher.as_deref(),
        Some("AO Kaspersky Lab")
    );
}

#[test]
fn utf16le_with_bom_json_reads_like_utf8() {
    let file = "osquery/bom-programs.json";
    let utf8 = import_osquery(&bytes(file), file, Some("h"), None).expect("utf-8");
    let utf16 = utf16le_with_bom(&text(file));
    let import = import_osquery(&utf16, file, Some("h"), None).expect("utf-16");
    assert!(import.errors.is_empty(), "{:?}", import.errors);
    assert_eq!(import, utf8);
    assert_eq!(import.artifacts.len(), 2, "no row lost");
}

#[test]
fn crlf_and_cr_only_results_logs_keep_their_lines() {
    let file = "osquery/crlf.results.log";
    let crlf = text(file);
    assert!(crlf.contains("\r\n"));
    let cr_only = crlf.replace("\r\n", "\r");
    for input in [crlf.as_str(), cr_only.as_str()] {
        let import = import_osquery(input.as_bytes(), file, None, None).expect(file);
        assert!(import.errors.is_empty(), "{:?}", import.errors);
        assert_eq!(
            names(&import),
            [("srv-crlf-01", "kesl"), ("srv-crlf-01", "curl")]
        );
        assert_eq!(
            locations(&import),
            [
                "osquery/crlf.results.log:1#deb_packages",
                "osquery/crlf.results.log:2#deb_packages"
            ]
        );
    }
}

#[test]
fn null_values_and_null_rows_are_absent() {
    let file = "osquery/nulls.json";
    let import = import_osquery(&bytes(file), file, None, None).expect(file);
    assert!(import.errors.is_empty(), "{:?}", import.errors);
    assert_eq!(
        items(&import),
        [
            (
                "nulls",
                ArtifactKind::Package,
                "Kaspersky Security Center Network Agent",
                Some("14.2.0.26967"),
                Some("AO Kaspersky Lab"),
                ArtifactState::Active
            ),
            (
                "nulls",
                ArtifactKind::Package,
                "Notepad++ (64-bit x64)",
                Some("8.6.2"),
                Some("Notepad++ Team"),
                ArtifactState::Active
            ),
        ]
    );
    let agent = &import.artifacts[0].1;
    assert!(agent.paths.is_empty());
    assert_eq!(agent.attr("install-date"), None);
    assert_eq!(
        agent.attr("identifying-number"),
        Some("{2924BEDA-E0D7-4DAF-A224-50D2E0B12F5B}")
    );
}

#[test]
fn mixed_results_log_skips_unrelated_queries_with_counts() {
    let file = "osquery/mixed.results.log";
    let import = import_osquery(&bytes(file), file, None, None).expect(file);
    assert!(import.errors.is_empty(), "{:?}", import.errors);
    assert_eq!(
        names(&import),
        [
            ("WS-FIN-01", KES),
            ("WS-FIN-01", "7-Zip 23.01 (x64)"),
            ("WS-FIN-01", "avp.exe")
        ]
    );
    let skipped: BTreeMap<&str, usize> = import
        .skipped
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        skipped,
        BTreeMap::from([
            ("pack_custom_listening", 1),
            ("pack_it_logged_in_users", 2),
            ("pack_os_version", 1),
            ("pack_osquery-monitoring_schedule", 2),
        ])
    );
}

#[test]
fn added_then_removed_ends_with_each_hosts_last_state() {
    let file = "osquery/added-removed.results.log";
    let import = import_osquery(&bytes(file), file, None, None).expect(file);
    assert!(import.errors.is_empty(), "{:?}", import.errors);
    assert_eq!(
        names(&import),
        [
            ("WS-FIN-01", "7-Zip 23.01 (x64)"),
            ("srv-log-02", "curl"),
            ("wks-dev-11", "cjpalhdlnbpafiamejdnhcphjbkeiagm"),
            ("WS-ENG-07", "7-Zip 23.01 (x64)"),
        ],
        "KES removed (event), kesl removed (diffResults), the extension gone from the \
         last snapshot, the agent dropped by a new epoch"
    );
    assert!(
        import
            .artifacts
            .iter()
            .all(|(_, a)| !a.name.contains("Kaspersky") && a.name != "kesl")
    );
    // Each survivor keeps the line it was (last) added on.
    assert_eq!(
        locations(&import),
        [
            "osquery/added-removed.results.log:2#programs",
            "osquery/added-removed.results.log:5#deb_packages",
            "osquery/added-removed.results.log:7#chrome_extensions",
            "osquery/added-removed.results.log:9#programs",
        ]
    );
}

#[test]
fn windows_certificates_use_subject2_or_the_common_name() {
    let file = "osquery/windows-certificates.json";
    let import = import_osquery(&bytes(file), file, Some("WS-FIN-01"), None).expect(file);
    assert!(import.errors.is_empty(), "{:?}", import.errors);
    let subjects: Vec<(ArtifactKind, &str)> = import
        .artifacts
        .iter()
        .map(|(_, a)| (a.kind, a.name.as_str()))
        .collect();
    assert_eq!(
        subjects,
        [
            (
                ArtifactKind::Certificate,
                "CN=Kaspersky Anti-Virus Personal Root Certificate"
            ),
            (
                ArtifactKind::Certificate,
                "CN=Kaspersky Anti-Virus Personal Root Certificate"
            ),
            (
                ArtifactKind::Certificate,
                "DC=com, DC=microsoft, CN=Microsoft Root Certificate Authority"
            ),
        ]
    );
    let old = &import.artifacts[1].1;
    assert_eq!(
        old.attr("subject"),
        Some("AO Kaspersky Lab, Kaspersky Anti-Virus Personal Root Certificate")
    );
    assert_eq!(old.attr("store"), Some("Root"));
    assert_eq!(
        import.artifacts[2].1.attr("issuer"),
        Some("DC=com, DC=microsoft, CN=Microsoft Root Certificate Authority")
    );
}

#[test]
fn processes_rows_are_processes_with_their_executable() {
    let file = "osquery/processes.json";
    let import = import_osquery(&bytes(file), file, Some("WS-FIN-01"), None).expect(file);
    assert!(import.errors.is_empty(), "{:?}", import.errors);
    let (_, avp) = &import.artifacts[0];
    assert_eq!(
        (avp.kind, avp.name.as_str()),
        (ArtifactKind::Process, "avp.exe")
    );
    assert_eq!(
        avp.attr("exe"),
        Some("C:\\Program Files (x86)\\Kaspersky Lab\\KES.12.3.0\\avp.exe")
    );
    assert_eq!(avp.attr("pid"), Some("4120"));
    assert_eq!(avp.attr("osquery-table"), Some("processes"));
    assert_eq!(import.artifacts[1].1.name, "explorer.exe");
}

#[test]
fn systemd_units_and_launchd_jobs_are_services() {
    let file = "osquery/units.json";
    let import = import_osquery(&bytes(file), file, Some("h"), None).expect(file);
    assert!(import.errors.is_empty(), "{:?}", import.errors);
    let summary: Vec<(ArtifactKind, &str, ArtifactState)> = import
        .artifacts
        .iter()
        .map(|(_, a)| (a.kind, a.name.as_str(), a.state))
        .collect();
    assert_eq!(
        summary,
        [
            (ArtifactKind::Service, "kesl.service", ArtifactState::Active),
            (
                ArtifactKind::Service,
                "klnagent64.service",
                ArtifactState::Leftover
            ),
            (
                ArtifactKind::Service,
                "com.kaspersky.kav",
                ArtifactState::Active
            ),
        ]
    );
    assert_eq!(
        import.artifacts[0].1.paths,
        ["/lib/systemd/system/kesl.service"]
    );
    assert_eq!(
        import.artifacts[2].1.attr("program-arguments"),
        Some("/Library/Application Support/Kaspersky Lab/KAV/Binaries/kav")
    );
}

#[test]
fn chrome_extension_state_zero_is_disabled() {
    let input = br#"[{"browser_type":"edge","identifier":"ahkjpbeeocnddjkakilopmfdlnjdpcdm","name":"Kaspersky Protection","profile_path":"C:\\Users\\a\\AppData\\Local\\Microsoft\\Edge\\User Data\\Default","state":"0","version":"4.0.71"}]"#;
    let import = import_osquery(input, "ext.json", Some("h"), None).expect("ext");
    let (_, ext) = &import.artifacts[0];
    assert_eq!(ext.state, ArtifactState::Disabled);
    assert_eq!(ext.attr("state"), Some("0"));
    assert_eq!(ext.attr("browser"), Some("edge"));
}

#[test]
fn osqueryi_output_of_a_non_inventory_table_is_skipped() {
    let input = br#"[{"name":"Ubuntu","version":"22.04.4 LTS (Jammy Jellyfish)","major":"22","minor":"4","patch":"0","build":"","platform":"ubuntu","platform_like":"debian","codename":"jammy","arch":"x86_64"}]"#;
    let import = import_osquery(input, "os.json", Some("h"), None).expect("os");
    assert!(import.artifacts.is_empty());
    assert!(import.errors.is_empty(), "{:?}", import.errors);
    assert_eq!(import.skipped.get("os_version"), Some(&1));
}

#[test]
fn undecodable_input_names_the_file() {
    // A lone UTF-16 surrogate after a little-endian byte-order mark.
    let error = import_osquery(&[0xFF, 0xFE, b'[', 0, 0x00, 0xD8], "bad16.json", None, None)
        .expect_err("bad utf-16");
    assert!(matches!(error, SbomError::UnknownFormat { .. }));
    assert!(error.to_string().starts_with("bad16.json: "), "{error}");
    assert!(error.to_string().contains("utf-16le"), "{error}");
}
