//! CSV exports as they arrive from the field: byte-order marks, UTF-16 from PowerShell,
//! CRLF and CR-only line ends, `#TYPE` lines, `;` and tab separators, `Type` columns,
//! and the exact headers of Intune, SCCM and Tanium exports — all without flags.

mod import_support;

use import_support::{bytes, items, locations, names, package, text, utf16le_with_bom};
use interdict_inventory::ArtifactKind;
use interdict_sbom::{CsvMapping, InventoryImport, ZERO_DEVICE_ROWS, import_csv};

const KES: &str = "Kaspersky Endpoint Security for Windows";

fn import(file: &str) -> InventoryImport {
    let import = import_csv(&bytes(file), file, &CsvMapping::default(), None).expect(file);
    assert!(import.errors.is_empty(), "{file}: {:?}", import.errors);
    import
}

/// (name, endpoint-count) of every item.
fn counts(import: &InventoryImport) -> Vec<(&str, Option<&str>)> {
    import
        .artifacts
        .iter()
        .map(|(_, a)| (a.name.as_str(), a.attr("endpoint-count")))
        .collect()
}

#[test]
fn utf8_bom_and_utf16le_bom_read_alike() {
    let file = "csv/bom.csv";
    assert!(bytes(file).starts_with(b"\xef\xbb\xbf"));
    let utf8 = import(file);
    assert_eq!(
        names(&utf8),
        [
            ("WS-FIN-01", KES),
            ("WS-FIN-01", "Mozilla Firefox (x64 en-US)")
        ]
    );
    let utf16 = utf16le_with_bom(&text(file));
    let from_utf16 = import_csv(&utf16, file, &CsvMapping::default(), None).expect("utf-16 csv");
    assert_eq!(from_utf16, utf8);
}

#[test]
fn crlf_and_cr_only_line_ends_keep_line_numbers() {
    let file = "csv/crlf.csv";
    let crlf = text(file);
    assert!(crlf.contains("\r\n"));
    for input in [crlf.clone(), crlf.replace("\r\n", "\r")] {
        let imported =
            import_csv(input.as_bytes(), file, &CsvMapping::default(), None).expect(file);
        assert!(imported.errors.is_empty(), "{:?}", imported.errors);
        assert_eq!(
            names(&imported),
            [("WS-FIN-01", KES), ("WS-FIN-01", "Adobe Acrobat (64-bit)")]
        );
        assert_eq!(locations(&imported), ["csv/crlf.csv:2", "csv/crlf.csv:3"]);
        assert_eq!(
            imported.artifacts[1].1.version.as_deref(),
            Some("24.001.20643")
        );
    }
}

#[test]
fn export_csv_type_line_is_skipped() {
    let file = "csv/export-csv-type.csv";
    let imported = import(file);
    assert_eq!(
        names(&imported),
        [("WS-FIN-01", KES), ("WS-FIN-01", "7-Zip 23.01 (x64)")]
    );
    // Lines count from the top of the file, the #TYPE line included.
    assert_eq!(
        locations(&imported),
        ["csv/export-csv-type.csv:3", "csv/export-csv-type.csv:4"]
    );
    assert_eq!(
        imported.artifacts[0].1.paths,
        ["C:\\Program Files (x86)\\Kaspersky Lab\\KES.12.3.0\\"]
    );
    assert_eq!(
        imported.artifacts[0].1.version.as_deref(),
        Some("12.3.0.493")
    );
}

#[test]
fn semicolon_and_tab_separated_files_are_sniffed() {
    let semi = import("csv/semicolon.csv");
    assert_eq!(
        items(&semi),
        [
            package(
                "WS-DE-04",
                "Kaspersky Small Office Security",
                "21.3.10.391",
                "Kaspersky"
            ),
            package(
                "WS-DE-04",
                "LibreOffice 7.6; de",
                "7.6.4.1",
                "The Document Foundation"
            ),
        ]
    );
    let tab = import("csv/tab.tsv");
    assert_eq!(
        names(&tab),
        [
            ("srv-app-03", "Kaspersky Security for Windows Server"),
            (
                "srv-app-03",
                "Microsoft Visual C++ 2015-2022 Redistributable (x64)"
            ),
        ]
    );
    assert_eq!(
        tab.artifacts[0].1.publisher.as_deref(),
        Some("AO Kaspersky Lab")
    );
}

#[test]
fn type_application_is_a_package_and_known_kinds_stay() {
    let imported = import("csv/type-application.csv");
    let kinds: Vec<(ArtifactKind, &str, Option<&str>)> = imported
        .artifacts
        .iter()
        .map(|(_, a)| (a.kind, a.name.as_str(), a.attr("type")))
        .collect();
    assert_eq!(
        kinds,
        [
            (ArtifactKind::Package, KES, Some("Application")),
            (ArtifactKind::Driver, "klif", Some("Driver")),
            (
                ArtifactKind::Package,
                "Microsoft Edge WebView2 Runtime",
                Some("Win32 app")
            ),
        ]
    );
}

#[test]
fn intune_console_discovered_apps_carry_device_counts() {
    let file = "csv/intune-discovered-apps.csv";
    let imported = import(file);
    assert_eq!(
        counts(&imported),
        [
            (KES, Some("37")),
            (KES, Some("5")),
            ("Google Chrome", Some("412")),
        ]
    );
    assert!(
        imported
            .artifacts
            .iter()
            .all(|(host, a)| host == "intune-discovered-apps"
                && a.attr("csv-export") == Some("intune-discovered-apps")
                && a.attr("platform") == Some("Windows"))
    );
    // The agent no device has any more is not an installation.
    assert_eq!(imported.skipped.get(ZERO_DEVICE_ROWS), Some(&1));
}

#[test]
fn intune_graph_appinvrawdata_has_one_row_per_device() {
    let imported = import("csv/intune-appinvrawdata.csv");
    assert_eq!(
        items(&imported),
        [
            package("WS-FIN-01", KES, "12.3.0.493", "AO Kaspersky Lab"),
            package(
                "WS-FIN-01",
                "Microsoft Teams",
                "24004.1307.2669.7070",
                "Microsoft Corporation"
            ),
            package("WS-ENG-07", KES, "12.3.0.493", "AO Kaspersky Lab"),
        ]
    );
    assert!(imported.artifacts.iter().all(|(_, a)| {
        a.attr("endpoint-count").is_none() && a.attr("csv-export") == Some("intune-appinvrawdata")
    }));
}

#[test]
fn intune_graph_appinvaggregate_counts_devices() {
    let imported = import("csv/intune-appinvaggregate.csv");
    assert_eq!(
        counts(&imported),
        [
            (KES, Some("37")),
            ("Kaspersky Security Center Network Agent", Some("12")),
            ("Zoom Workplace (64-bit)", Some("140")),
        ]
    );
    let (host, agent) = &imported.artifacts[1];
    assert_eq!(host, "intune-appinvaggregate");
    assert_eq!(agent.version.as_deref(), Some("14.2.0.26967"));
    assert_eq!(agent.publisher.as_deref(), Some("AO Kaspersky Lab"));
    assert_eq!(agent.attr("csv-export"), Some("intune-appinvaggregate"));
}

#[test]
fn sccm_installed_software_falls_back_to_product_name() {
    let imported = import("csv/sccm-installed-software.csv");
    assert_eq!(
        items(&imported),
        [
            package("WS-FIN-01", KES, "12.3.0.493", "AO Kaspersky Lab"),
            package(
                "WS-FIN-01",
                "Kaspersky Security Center Network Agent",
                "14.2.0.26967",
                "AO Kaspersky Lab"
            ),
            package(
                "WS-ENG-07",
                "Sophos Endpoint Agent",
                "2023.2.1.9",
                "Sophos Limited"
            ),
        ]
    );
    assert_eq!(
        imported.artifacts[0].1.paths,
        ["C:\\Program Files (x86)\\Kaspersky Lab\\KES.12.3.0\\"]
    );
    assert!(imported.artifacts[1].1.paths.is_empty(), "NULL is absent");
    assert_eq!(imported.artifacts[0].1.attr("csv-export"), Some("sccm"));
}

#[test]
fn tanium_installed_applications_by_computer() {
    let imported = import("csv/tanium-installed-applications.csv");
    assert_eq!(
        names(&imported),
        [
            ("ws-fin-01.corp.example", KES),
            ("ws-fin-01.corp.example", "7-Zip 23.01 (x64)"),
            ("lnx-build-02.corp.example", "kesl"),
        ]
    );
    // With a computer column, Count is the answer count, not an endpoint count.
    assert!(
        imported
            .artifacts
            .iter()
            .all(|(_, a)| a.attr("endpoint-count").is_none()
                && a.attr("csv-export") == Some("tanium"))
    );
}

#[test]
fn a_bad_device_count_names_its_line_and_the_rest_is_kept() {
    let input = b"ApplicationName,ApplicationPublisher,ApplicationVersion,DeviceCount\n\
        Kaspersky Endpoint Security for Windows,AO Kaspersky Lab,12.3.0.493,many\n\
        Google Chrome,Google LLC,121.0,1,204\n";
    let imported = import_csv(input, "agg.csv", &CsvMapping::default(), None).expect("agg");
    assert_eq!(
        imported.errors[0].to_string(),
        "agg.csv: line 2: device count \"many\" is not a whole number"
    );
    assert_eq!(counts(&imported), [("Google Chrome", Some("1"))]);
}

#[test]
fn excel_sep_line_and_degenerate_inputs() {
    let input = b"sep=;\nHost;Name;Version\nh1;kesl;12.1\n";
    let imported = import_csv(input, "sep.csv", &CsvMapping::default(), None).expect("sep");
    assert_eq!(names(&imported), [("h1", "kesl")]);
    assert_eq!(locations(&imported), ["sep.csv:3"]);
    for input in [
        &b""[..],
        b"#TYPE System.Object",
        b"sep=;",
        b"sep=;\n",
        b"\xff\xfe",
        b"\xfe\xff\x00",
        b"Name,DeviceCount\n\"unterminated,1\n",
        b"Name\n\n\n",
    ] {
        // Errors or empty imports, never a panic.
        let _ = import_csv(input, "odd.csv", &CsvMapping::default(), None);
    }
    let error =
        import_csv(b"#TYPE x\n", "odd.csv", &CsvMapping::default(), None).expect_err("no header");
    assert!(
        error
            .to_string()
            .starts_with("odd.csv: missing column `name"),
        "{error}"
    );
}
