//! Importing inventories other tools exported: osquery (`osqueryi --json` and osqueryd
//! results logs) and CSV (SCCM-style headers).

mod import_support;

use import_support::{bytes, items};
use interdict_inventory::{ArtifactKind, ArtifactState};
use interdict_sbom::{CsvMapping, OsqueryTable, SbomError, import_csv, import_osquery};

/// (host, name, version, publisher, location) of an imported item.
type Row<'a> = (&'a str, &'a str, Option<&'a str>, Option<&'a str>, &'a str);

#[test]
fn osqueryi_programs_of_two_hosts() {
    let mut all = Vec::new();
    for file in ["osquery/WS-FIN-01.json", "osquery/WS-ENG-07.json"] {
        let import = import_osquery(&bytes(file), file, None, None).expect(file);
        assert!(import.errors.is_empty(), "{:?}", import.errors);
        all.extend(import.artifacts);
    }
    let summary: Vec<(&str, &str, Option<&str>, Option<&str>)> = all
        .iter()
        .map(|(host, a)| {
            (
                host.as_str(),
                a.name.as_str(),
                a.version.as_deref(),
                a.publisher.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "WS-FIN-01",
                "Kaspersky Endpoint Security for Windows",
                Some("12.3.0.493"),
                Some("AO Kaspersky Lab")
            ),
            (
                "WS-FIN-01",
                "Adobe Acrobat (64-bit)",
                Some("24.001.20643"),
                Some("Adobe")
            ),
            (
                "WS-FIN-01",
                "7-Zip 23.01 (x64)",
                Some("23.01"),
                Some("Igor Pavlov")
            ),
            (
                "WS-ENG-07",
                "ESET Endpoint Antivirus",
                Some("11.0.2032.0"),
                Some("ESET, spol. s r.o.")
            ),
            (
                "WS-ENG-07",
                "Mozilla Firefox (x64 en-US)",
                Some("123.0"),
                Some("Mozilla")
            ),
        ]
    );
    let (_, kes) = &all[0];
    assert_eq!(kes.kind, ArtifactKind::Package);
    assert_eq!(kes.collector, "osquery");
    assert_eq!(kes.location, "osquery/WS-FIN-01.json#[0]#programs");
    assert_eq!(
        kes.paths,
        ["C:\\Program Files (x86)\\Kaspersky Lab\\KES.12.3.0\\"]
    );
    assert_eq!(
        kes.attr("identifying-number"),
        Some("{9A017D50-C8B5-4F7A-8D8B-3A4C5B6D7E8F}")
    );
    assert_eq!(kes.attr("osquery-table"), Some("programs"));
}

#[test]
fn osqueryi_host_and_table_can_be_given() {
    let file = "osquery/WS-FIN-01.json";
    let import = import_osquery(
        &bytes(file),
        file,
        Some("finance-laptop"),
        Some(OsqueryTable::Programs),
    )
    .expect(file);
    assert!(
        import
            .artifacts
            .iter()
            .all(|(host, _)| host == "finance-laptop")
    );
    assert_eq!(import.artifacts.len(), 3);
}

#[test]
fn osqueryd_results_log_with_deb_packages_and_chrome_extensions() {
    let file = "osquery/osqueryd.results.log";
    let import = import_osquery(&bytes(file), file, None, None).expect(file);
    let kaspersky = Some("AO Kaspersky Lab <support@kaspersky.com>");
    let kesl_version = Some("12.1.0.1297");
    assert_eq!(
        items(&import),
        [
            (
                "srv-log-02",
                ArtifactKind::Package,
                "kesl",
                kesl_version,
                kaspersky,
                ArtifactState::Active
            ),
            (
                "srv-log-02",
                ArtifactKind::Package,
                "kesl-gui",
                kesl_version,
                kaspersky,
                ArtifactState::Leftover
            ),
            (
                "wks-dev-11",
                ArtifactKind::Extension,
                "ahkjpbeeocnddjkakilopmfdlnjdpcdm",
                Some("4.0.71"),
                None,
                ArtifactState::Active
            ),
            (
                "wks-dev-11",
                ArtifactKind::Extension,
                "cjpalhdlnbpafiamejdnhcphjbkeiagm",
                Some("1.56.0"),
                None,
                ArtifactState::Active
            ),
        ],
        "the removed openssl row is not an installation"
    );
    let (_, kesl) = &import.artifacts[0];
    assert_eq!(kesl.version.as_deref(), Some("12.1.0.1297"));
    assert_eq!(kesl.location, "osquery/osqueryd.results.log:1#deb_packages");
    assert_eq!(kesl.attr("arch"), Some("amd64"));
    assert_eq!(
        kesl.attr("osquery-query"),
        Some("pack_inventory_deb_packages")
    );
    let (_, extension) = &import.artifacts[2];
    assert_eq!(extension.attr("display-name"), Some("Kaspersky Protection"));
    assert_eq!(extension.attr("browser"), Some("chrome"));
    assert_eq!(
        extension.attr("profile-path"),
        Some("/home/alice/.config/google-chrome/Default")
    );
    assert_eq!(extension.version.as_deref(), Some("4.0.71"));
    // The last line was cut off mid-write: reported with its line, the rest kept.
    assert_eq!(import.errors.len(), 1);
    assert!(
        matches!(import.errors[0], SbomError::InvalidJson { line: 5, .. }),
        "{}",
        import.errors[0]
    );
    assert!(
        import.errors[0]
            .to_string()
            .starts_with("osquery/osqueryd.results.log: invalid json at line 5")
    );
}

#[test]
fn osquery_tables_detected_by_columns() {
    let input = br#"[
  {"address":"0xffffffffc0a00000","name":"kav4fs_oas","size":"122880","status":"Live","used_by":"-"},
  {"description":"Kaspersky klif","display_name":"Kaspersky Lab KLIF","module_path":"","name":"klif","path":"C:\\Windows\\system32\\DRIVERS\\klif.sys","pid":"0","service_exit_code":"0","service_type":"KERNEL_DRIVER","start_type":"SYSTEM_START","status":"RUNNING","user_account":"","win32_exit_code":"0"},
  {"description":"","display_name":"Kaspersky Security Service","module_path":"","name":"AVP","path":"\"C:\\Program Files (x86)\\Kaspersky Lab\\KES\\avp.exe\" -r","pid":"3044","service_exit_code":"0","service_type":"OWN_PROCESS","start_type":"DISABLED","status":"STOPPED","user_account":"LocalSystem","win32_exit_code":"0"},
  {"ca":"1","common_name":"Kaspersky Anti-Virus Personal Root Certificate","issuer":"/CN=Kaspersky Anti-Virus Personal Root Certificate","key_algorithm":"rsaEncryption","not_valid_after":"1893456000","path":"/etc/ssl/certs/ca-certificates.crt","self_signed":"1","serial":"01","sha1":"ab","subject":"/CN=Kaspersky Anti-Virus Personal Root Certificate"},
  {"bundle_executable":"Kaspersky Security","bundle_identifier":"com.kaspersky.kav","bundle_name":"Kaspersky Security","bundle_short_version":"21.17","bundle_version":"21.17.1","name":"Kaspersky Security.app","path":"/Applications/Kaspersky Security.app"},
  {"active":"1","creator":"Kaspersky","disabled":"0","identifier":"light-plugin@kaspersky.com","name":"Kaspersky Protection","path":"/home/a/.mozilla/firefox/x.default/extensions/light-plugin@kaspersky.com.xpi","type":"extension","version":"4.0.1","visible":"1"},
  {"arch":"x86_64","epoch":"","install_time":"1700000000","name":"klnagent64","package_group":"Unspecified","release":"1","sha1":"","size":"1","source":"","vendor":"AO Kaspersky Lab","version":"15.1.0"}
]"#;
    let import = import_osquery(input, "mixed.json", Some("h"), None).expect("mixed");
    assert!(import.errors.is_empty(), "{:?}", import.errors);
    let kinds: Vec<(ArtifactKind, &str, ArtifactState)> = import
        .artifacts
        .iter()
        .map(|(_, a)| (a.kind, a.name.as_str(), a.state))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                ArtifactKind::KernelModule,
                "kav4fs_oas",
                ArtifactState::Active
            ),
            (ArtifactKind::Driver, "klif", ArtifactState::Active),
            (ArtifactKind::Service, "AVP", ArtifactState::Disabled),
            (
                ArtifactKind::Certificate,
                "/CN=Kaspersky Anti-Virus Personal Root Certificate",
                ArtifactState::Active
            ),
            (
                ArtifactKind::Bundle,
                "com.kaspersky.kav",
                ArtifactState::Active
            ),
            (
                ArtifactKind::Extension,
                "light-plugin@kaspersky.com",
                ArtifactState::Active
            ),
            (ArtifactKind::Package, "klnagent64", ArtifactState::Active),
        ]
    );
    assert_eq!(
        import.artifacts[6].1.publisher.as_deref(),
        Some("AO Kaspersky Lab")
    );
    assert_eq!(
        import.artifacts[5].1.publisher.as_deref(),
        Some("Kaspersky")
    );
}

#[test]
fn osquery_unknown_table_and_bad_input_are_errors_not_panics() {
    let import = import_osquery(br#"[{"foo":"1"}]"#, "odd.json", None, None).expect("odd");
    assert!(import.artifacts.is_empty());
    assert!(
        import.errors[0]
            .to_string()
            .contains("cannot tell which osquery table")
    );
    for input in [&b""[..], b"not json", b"[{", b"{\"columns\":"] {
        let _ = import_osquery(input, "bad.json", None, None);
    }
    assert!(import_osquery(b"[{", "bad.json", None, None).is_err());
}

#[test]
fn csv_sccm_export_keeps_good_rows_and_reports_bad_ones() {
    let file = "csv/sccm-software.csv";
    let import = import_csv(&bytes(file), file, &CsvMapping::default(), None).expect(file);
    let summary: Vec<Row<'_>> = import
        .artifacts
        .iter()
        .map(|(host, a)| {
            (
                host.as_str(),
                a.name.as_str(),
                a.version.as_deref(),
                a.publisher.as_deref(),
                a.location.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "WS-FIN-01",
                "Kaspersky Endpoint Security for Windows",
                Some("12.3.0.493"),
                Some("AO Kaspersky Lab"),
                "csv/sccm-software.csv:2"
            ),
            (
                "WS-FIN-01",
                "Kaspersky Security Center Network Agent",
                Some("14.2.0.26967"),
                Some("AO Kaspersky Lab"),
                "csv/sccm-software.csv:3"
            ),
            (
                "WS-ENG-07",
                "Sophos Endpoint Agent",
                Some("2023.2.1.9"),
                Some("Sophos Limited"),
                "csv/sccm-software.csv:4"
            ),
            (
                "WS-ENG-07",
                "McAfee Agent",
                Some("5.8.1"),
                Some("McAfee, LLC"),
                "csv/sccm-software.csv:7"
            ),
        ]
    );
    assert!(
        import
            .artifacts
            .iter()
            .all(|(_, a)| a.kind == ArtifactKind::Package && a.collector == "csv-import")
    );
    let errors: Vec<String> = import.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "csv/sccm-software.csv: line 5: missing value in column `DisplayName0`",
            "csv/sccm-software.csv: line 6: missing value in column `Name0`",
        ]
    );
}

#[test]
fn csv_missing_column_names_it_and_lists_the_header() {
    let file = "malformed/missing-name-column.csv";
    let error = import_csv(&bytes(file), file, &CsvMapping::default(), None).expect_err(file);
    let message = error.to_string();
    assert!(matches!(error, SbomError::MissingColumn { .. }));
    assert!(
        message.starts_with("malformed/missing-name-column.csv: missing column `name"),
        "{message}"
    );
    assert!(
        message.ends_with("(header found: Host,Version,Publisher)"),
        "{message}"
    );
}

#[test]
fn csv_custom_mapping_default_host_and_kind() {
    let input = b"Title;Rev;Maker;Type\nklif;21.3;AO Kaspersky Lab;driver\nfoo;1;x;gadget\n";
    let mapping = CsvMapping {
        name: vec!["title".into()],
        version: vec!["rev".into()],
        publisher: vec!["maker".into()],
        ..CsvMapping::default()
    };
    // The delimiter is sniffed; a kind nobody knows is a package, not an error.
    let import = import_csv(input, "exports/host-a.csv", &mapping, Some("host-a")).expect("mapped");
    assert!(import.errors.is_empty(), "{:?}", import.errors);
    let summary: Vec<(&str, ArtifactKind, &str)> = import
        .artifacts
        .iter()
        .map(|(host, a)| (host.as_str(), a.kind, a.name.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("host-a", ArtifactKind::Driver, "klif"),
            ("host-a", ArtifactKind::Package, "foo")
        ]
    );
    assert_eq!(
        import.artifacts[0].1.publisher.as_deref(),
        Some("AO Kaspersky Lab")
    );
    assert_eq!(import.artifacts[1].1.attr("type"), Some("gadget"));
}
