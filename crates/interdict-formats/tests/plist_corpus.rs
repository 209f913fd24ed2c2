//! Property-list facts from `shared/corpus/README.md` §5.

use interdict_formats::plist::{parse_bundle_info, parse_plist, parse_plist_dict};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

fn load(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{CORPUS}/{rel}"))
        .unwrap_or_else(|e| panic!("corpus file {rel} missing: {e}"))
}

#[test]
fn chrome_xml_info_plist() {
    let b = load("plist/scalibr/ValidXML.plist");
    assert_eq!(parse_plist_dict(&b).unwrap().len(), 43);
    let i = parse_bundle_info(&b).unwrap();
    assert_eq!(i.identifier.as_deref(), Some("com.google.Chrome"));
    assert_eq!(i.name.as_deref(), Some("Chrome"));
    assert_eq!(i.display_name.as_deref(), Some("Google Chrome"));
    assert_eq!(i.executable.as_deref(), Some("Google Chrome"));
    assert_eq!(i.short_version.as_deref(), Some("130.0.6723.69"));
    assert_eq!(i.version.as_deref(), Some("6723.69"));
    assert_eq!(i.best_version(), Some("130.0.6723.69"));
}

#[test]
fn binary_info_plist() {
    let b = load("plist/scalibr/BinaryApp.plist");
    assert!(b.starts_with(b"bplist00"));
    let d = parse_plist_dict(&b).unwrap();
    assert_eq!(d.len(), 27);
    assert_eq!(
        d.get("LSMinimumSystemVersion").and_then(|v| v.as_string()),
        Some("12")
    );
    let i = parse_bundle_info(&b).unwrap();
    assert_eq!(
        i.identifier.as_deref(),
        Some("com.google.corp.gMacInformation")
    );
    assert_eq!(i.name.as_deref(), Some("gMacInformation"));
    assert_eq!(i.executable.as_deref(), Some("gMacInformation"));
    assert_eq!(i.short_version.as_deref(), Some("202410231131"));
    assert_eq!(i.version.as_deref(), Some("202410231131"));
    assert_eq!(
        i.copyright.as_deref(),
        Some("Copyright © 2019 Google. All rights reserved.")
    );
}

#[test]
fn slack_info_plist() {
    let b = load("plist/syft/Slack.app/Contents/Info.plist");
    assert_eq!(parse_plist_dict(&b).unwrap().len(), 10);
    let i = parse_bundle_info(&b).unwrap();
    assert_eq!(i.identifier.as_deref(), Some("com.tinyspeck.slackmacgap"));
    assert_eq!(i.name.as_deref(), Some("Slack"));
    assert_eq!(i.display_name.as_deref(), Some("Slack"));
    assert_eq!(i.short_version.as_deref(), Some("4.50.128"));
    assert_eq!(i.version.as_deref(), Some("450000128"));
}

#[test]
fn dock_binary_plist_persistent_apps() {
    let b = load("plist/velociraptor/com.apple.dock.plist");
    let d = parse_plist_dict(&b).unwrap();
    assert_eq!(d.len(), 23);
    let ids = |key: &str| -> Vec<String> {
        d.get(key)
            .and_then(|v| v.as_array())
            .unwrap()
            .iter()
            .filter_map(|t| {
                t.as_dictionary()?
                    .get("tile-data")?
                    .as_dictionary()?
                    .get("bundle-identifier")?
                    .as_string()
                    .map(str::to_string)
            })
            .collect()
    };
    assert_eq!(
        ids("persistent-apps"),
        [
            "com.apple.launchpad.launcher",
            "com.google.Chrome.app.efmjfjelnicpmdcmfikempdhlmainjcb",
            "com.skitch.skitch",
            "com.apple.calculator",
            "com.google.Chrome",
            "com.tinyspeck.slackmacgap",
            "com.apple.systempreferences",
            "com.googlecode.iterm2",
        ]
    );
    assert_eq!(
        ids("recent-apps"),
        [
            "com.apple.ActivityMonitor",
            "com.microsoft.VSCode",
            "com.hnc.Discord"
        ]
    );
    assert_eq!(ids("persistent-others").len(), 0);
}

#[test]
fn truncated_and_flipped_plists_never_panic() {
    for rel in [
        "plist/scalibr/BinaryApp.plist",
        "plist/syft/Slack.app/Contents/Info.plist",
    ] {
        let b = load(rel);
        for len in 0..b.len() {
            let _ = parse_plist(&b[..len]);
        }
        for i in 0..b.len() {
            let mut c = b.clone();
            c[i] ^= 0xff;
            let _ = parse_plist(&c);
        }
        assert!(parse_plist(&b[..b.len() / 2]).is_err());
    }
}
