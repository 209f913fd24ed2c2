//! Property-list facts from `shared/corpus/README.md` §5.

use interdict_formats::plist::{
    MAX_DEPTH, VALUE_ALLOWANCE, parse_bundle_info, parse_plist, parse_plist_dict,
};

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

/// A binary plist whose objects are `objects` (each one encoded object), the root last;
/// object references are 4 bytes, offsets 8.
fn bplist(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"bplist00".to_vec();
    let mut offsets = Vec::new();
    for o in objects {
        offsets.push(out.len() as u64);
        out.extend_from_slice(o);
    }
    let table = out.len() as u64;
    for o in offsets {
        out.extend_from_slice(&o.to_be_bytes());
    }
    out.extend_from_slice(&[0; 6]);
    out.extend_from_slice(&[8, 4]);
    out.extend_from_slice(&(objects.len() as u64).to_be_bytes());
    out.extend_from_slice(&(objects.len() as u64 - 1).to_be_bytes());
    out.extend_from_slice(&table.to_be_bytes());
    out
}

/// Object 0 an empty array; object i an array naming object i-1 `fanout` times.
fn nested_arrays(levels: u32, fanout: u8) -> Vec<u8> {
    let mut objects = vec![vec![0xa0]];
    for i in 1..=levels {
        let mut o = vec![0xa0 | fanout];
        for _ in 0..fanout {
            o.extend_from_slice(&(i - 1).to_be_bytes());
        }
        objects.push(o);
    }
    bplist(&objects)
}

fn err_text(bytes: &[u8]) -> String {
    parse_plist(bytes)
        .expect_err("input beyond the bounds must be refused")
        .to_string()
}

#[test]
fn binary_nesting_beyond_the_limit_is_an_error_not_a_stack_overflow() {
    // 50,000 levels aborted the process with the plist crate's own builder.
    let b = nested_arrays(50_000, 1);
    assert!(
        err_text(&b).contains(&format!("nested deeper than {MAX_DEPTH} levels")),
        "{}",
        err_text(&b)
    );
    // Just inside the limit still parses.
    let ok = parse_plist(&nested_arrays(MAX_DEPTH as u32 - 1, 1)).unwrap();
    assert!(ok.as_array().is_some());
}

#[test]
fn xml_nesting_beyond_the_limit_is_an_error_not_a_stack_overflow() {
    let n = 200_000;
    let xml = format!(
        "<?xml version=\"1.0\"?><plist version=\"1.0\">{}{}</plist>",
        "<array>".repeat(n),
        "</array>".repeat(n)
    );
    let e = err_text(xml.as_bytes());
    assert!(e.contains("nested deeper than"), "{e}");
    let deep_dicts = format!(
        "<plist>{}{}</plist>",
        "<dict><key>k</key>".repeat(n),
        "</dict>".repeat(n)
    );
    assert!(err_text(deep_dicts.as_bytes()).contains("nested deeper than"));
}

#[test]
fn shared_reference_bomb_is_refused_within_the_value_budget() {
    // Each level names the level below twice: 2^61 - 1 values from 61 objects (~1.1 K
    // bytes). Without a budget on expansion this never ends.
    let b = nested_arrays(60, 2);
    assert!(b.len() < 1200);
    let e = err_text(&b);
    let budget = b.len() + VALUE_ALLOWANCE;
    assert!(
        e.contains(&format!(
            "more than {budget} values (shared objects expand too far)"
        )),
        "{e}"
    );
    // Sharing as such is fine while the expansion stays small: 2^11 - 1 values.
    let small = parse_plist(&nested_arrays(10, 2)).unwrap();
    assert_eq!(small.as_array().map(Vec::len), Some(2));
}

#[test]
fn shared_string_bomb_is_refused_within_the_byte_budget() {
    // One 60 KiB string used by 2^12 array slots: 240 MiB once expanded.
    let mut objects = vec![{
        let mut s = vec![0x5f, 0x12];
        s.extend_from_slice(&(60u32 * 1024).to_be_bytes());
        s.extend(std::iter::repeat_n(b'x', 60 * 1024));
        s
    }];
    for i in 1..=12u32 {
        let mut o = vec![0xa2];
        o.extend_from_slice(&(i - 1).to_be_bytes());
        o.extend_from_slice(&(i - 1).to_be_bytes());
        objects.push(o);
    }
    let e = err_text(&bplist(&objects));
    assert!(e.contains("bytes of text and data"), "{e}");
}
