//! End to end: PE files anywhere on an offline Windows volume. A renamed Kaspersky binary
//! in `Windows/Temp` and one in a top-level folder of the drive are found by their PE
//! header (their names say nothing) and attributed by their version info; a game binary
//! with Kaspersky's process name (`avp.exe`) is read and cleared. The PE fixtures are
//! built by `tests/data/windows/make-pe.sh`.

mod support;

use serde_json::Value;
use support::*;

/// `kes-avp.exe` under a name and in a folder no install rule knows.
const IN_TEMP: &str = "Windows/Temp/wupd-cache.tmp";
/// `kes-avp.exe` in a folder at the top of the drive.
const AT_TOP: &str = "SupportTools/helper.bin";
/// `avp-game.exe` renamed to Kaspersky's process name.
const DECOY: &str = "Games/Aliens vs Predator/avp.exe";

/// Words only the decoys and the other files carry.
const DECOYS: &[&str] = &[
    "Games",
    "Rebellion",
    "Aliens",
    "WinSxS",
    "Firefox",
    "notes.exe",
    "readme",
];

fn volume() -> Fixture {
    let fx = Fixture::new();
    fx.mkdir("Windows/System32/config");
    fx.write(IN_TEMP, data("windows/kes-avp.exe"));
    fx.write(AT_TOP, data("windows/kes-avp.exe"));
    fx.write(DECOY, data("windows/avp-game.exe"));
    // Deep, WinSxS-like folders full of other files, and text named like a PE.
    fx.write(
        "Windows/WinSxS/amd64_microsoft-windows-x_31bf3856ad364e35_10.0.1_none_abc/firefox.exe",
        data("windows/firefox.exe"),
    );
    fx.write("Windows/Temp/notes.exe", "not a program");
    fx.write("SupportTools/readme.txt", "Kaspersky support notes");
    fx
}

/// `(location, collector, name, version)` of each piece of evidence, sorted.
fn evidence_rows(f: &Value) -> Vec<(String, String, String, String)> {
    let mut v: Vec<_> = f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (s("location"), s("collector"), s("name"), s("version"))
        })
        .collect();
    v.sort();
    v
}

fn assert_volume_findings(doc: &Value) {
    assert_eq!(doc["errors"], serde_json::json!([]), "{doc:#}");
    let found = doc["findings"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{doc:#}");
    let f = &found[0];
    assert_eq!(f["vendor"], "kaspersky");
    assert_eq!(f["confidence"], "confirmed");
    // Attributed by the version info's ProductName, wherever the file lies and whatever
    // it is called.
    assert_eq!(f["product"], "kes-windows", "{f:#}");
    let row = |at: &str| {
        (
            at.to_string(),
            "win-pe-files".to_string(),
            "AO Kaspersky Lab".to_string(),
            "11.11.0.452".to_string(),
        )
    };
    assert_eq!(evidence_rows(f), [row(AT_TOP), row(IN_TEMP)], "{f:#}");
    let text = doc["findings"].to_string();
    let reported: Vec<&str> = DECOYS
        .iter()
        .copied()
        .filter(|d| text.contains(d))
        .collect();
    assert!(reported.is_empty(), "decoys reported: {reported:?}");
}

#[test]
fn renamed_binaries_anywhere_are_found_by_header_and_the_decoy_is_cleared() {
    let fx = volume();
    let before = snapshot(fx.path());
    let (code, doc) = scan_json(fx.path(), &["--inventory"]);
    assert_eq!(code, 1, "findings exit 1");
    assert_eq!(doc["host"]["platform"], "windows");
    assert_volume_findings(&doc);

    let inventory = doc["inventory"].as_array().unwrap();
    let by_name: std::collections::HashMap<&str, &Value> = inventory
        .iter()
        .map(|a| (a["name"].as_str().unwrap_or_default(), a))
        .collect();
    let item = |name: &str| *by_name.get(name).expect("in the inventory");
    for at in [IN_TEMP, AT_TOP] {
        let a = item(at);
        assert_eq!(a["collector"], "win-pe-files");
        assert_eq!(a["attributes"]["original-filename"], "avp.exe");
        assert_eq!(
            a["attributes"]["product-name"],
            "Kaspersky Endpoint Security for Windows"
        );
    }
    // The decoy was read, not skipped: its version info names the game's publisher, and
    // it is reported once (by the PE reader), not also as a bare name match.
    assert_eq!(item(DECOY)["publisher"], "Rebellion Developments");
    assert_eq!(
        inventory.iter().filter(|a| a["name"] == DECOY).count(),
        1,
        "{inventory:#?}"
    );
    // Not a PE: a text file named like one is no PE artifact.
    assert!(
        inventory
            .iter()
            .all(|a| a["name"] != "Windows/Temp/notes.exe" || a["collector"] != "win-pe-files")
    );
    // PE identification is its own collector in the output, fed by the sweep's walk.
    let stats = doc["collectors"].as_array().unwrap();
    let pe = stats.iter().find(|c| c["id"] == "win-pe-files").unwrap();
    assert_eq!(pe["items"], 4, "{stats:#?}");
    assert!(stats.iter().any(|c| c["id"] == "file-sweep"));
    assert_eq!(snapshot(fx.path()), before, "the scan changed the root");
}

#[test]
fn without_the_sweep_the_pe_collector_walks_the_volume_itself() {
    let fx = volume();
    let (code, doc) = scan_json(fx.path(), &["--no-sweep"]);
    assert_eq!(code, 1);
    assert_volume_findings(&doc);
    let stats = doc["collectors"].as_array().unwrap();
    assert!(stats.iter().all(|c| c["id"] != "file-sweep"), "{stats:#?}");
}
