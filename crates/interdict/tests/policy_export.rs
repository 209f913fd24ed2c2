//! `interdict policy export --directive ID --format F`: every format checked by the tool
//! that consumes it — XML well-formedness and required elements (AppLocker, WDAC),
//! `apt-cache policy` (apt preferences pin to -1), `named-checkzone` (RPZ), the osquery
//! importer and matcher (the pack's queries map back to the products), `yarac` and `yara`
//! (rules compile and match the catalog's fixture binaries, not the decoys). The tools
//! are Debian's (installed by `.ci/run`); a missing one fails the test.

mod support;

use interdict_catalog::Catalog;
use interdict_inventory::Platform;
use quick_xml::events::Event;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use support::*;

fn export(format: &str) -> String {
    let (code, out, err) = interdict(&[
        "policy",
        "export",
        "--directive",
        "bod-17-01",
        "--format",
        format,
    ]);
    assert_eq!(code, 0, "{format}: {err}");
    let version = Catalog::bundled().unwrap().version().to_string();
    let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    let head: String = out.lines().take(4).collect::<Vec<_>>().join("\n");
    for needle in ["bod-17-01", version.as_str(), today.as_str()] {
        assert!(
            head.contains(needle),
            "{format}: the header names {needle}:\n{head}"
        );
    }
    out
}

/// Runs a checking tool; a missing tool fails the test.
fn tool(program: &str, args: &[&str]) -> std::process::Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed (.ci/run installs it): {e}"))
}

/// Element names with their attributes, in document order; panics when not well formed.
#[allow(deprecated)] // `unescape_value`: the attribute values here need no normalisation
fn xml_elements(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut out = Vec::new();
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well formed: {e}\n{text}"))
        {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.name().into_inner().to_string();
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        (
                            a.key.into_inner().to_string(),
                            a.unescape_value().unwrap().into_owned(),
                        )
                    })
                    .collect();
                out.push((name, attrs));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn attr<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

#[test]
fn applocker_and_wdac_are_well_formed_with_required_parts() {
    let applocker = export("applocker");
    let el = xml_elements(&applocker);
    assert_eq!(el[0].0, "AppLockerPolicy");
    assert_eq!(attr(&el[0].1, "Version"), Some("1"));
    let collections: Vec<&str> = el
        .iter()
        .filter(|(n, _)| n == "RuleCollection")
        .filter_map(|(_, a)| attr(a, "Type"))
        .collect();
    assert_eq!(collections, ["Exe", "Msi"]);
    let rules: Vec<_> = el
        .iter()
        .filter(|(n, _)| n == "FilePublisherRule" || n == "FilePathRule")
        .collect();
    assert!(rules.len() >= 4, "{applocker}");
    let mut ids = BTreeSet::new();
    for (_, a) in &rules {
        for key in ["Id", "Name", "UserOrGroupSid", "Action"] {
            assert!(attr(a, key).is_some(), "rule without {key}: {a:?}");
        }
        assert_eq!(attr(a, "Action"), Some("Deny"));
        assert!(
            ids.insert(attr(a, "Id").unwrap().to_string()),
            "duplicate rule id"
        );
    }
    assert!(el.iter().any(|(n, a)| n == "FilePublisherCondition"
        && attr(a, "PublisherName") == Some("O=AO KASPERSKY LAB")));
    assert!(el.iter().any(|(n, a)| n == "FilePathCondition"
        && attr(a, "Path")
            == Some("%PROGRAMFILES%\\Kaspersky Lab\\Kaspersky Endpoint Security for Windows\\*")));

    let wdac = export("wdac");
    let el = xml_elements(&wdac);
    assert_eq!(el[0].0, "SiPolicy");
    let names: BTreeSet<&str> = el.iter().map(|(n, _)| n.as_str()).collect();
    for required in [
        "VersionEx",
        "PlatformID",
        "Rules",
        "FileRules",
        "Signers",
        "SigningScenarios",
        "UpdatePolicySigners",
        "CiSigners",
    ] {
        assert!(names.contains(required), "WDAC policy lacks {required}");
    }
    let denies: Vec<&str> = el
        .iter()
        .filter(|(n, _)| n == "Deny")
        .filter_map(|(_, a)| attr(a, "ID"))
        .collect();
    assert!(!denies.is_empty());
    let refs: BTreeSet<&str> = el
        .iter()
        .filter(|(n, _)| n == "FileRuleRef")
        .filter_map(|(_, a)| attr(a, "RuleID"))
        .collect();
    for d in denies {
        assert!(refs.contains(d), "deny rule {d} in no signing scenario");
    }
}

#[test]
fn apt_preferences_pin_covered_packages_to_minus_one() {
    let prefs = export("apt");
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("interdict.pref");
    std::fs::write(&file, &prefs).unwrap();
    // A dpkg status listing covered packages and one that is not covered.
    let mut status = String::new();
    for name in ["kesl", "kesl-gui", "klnagent64", "bash"] {
        status += &format!(
            "Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0\nMaintainer: x <x@example.org>\nDescription: x\n\n"
        );
    }
    std::fs::write(tmp.path().join("status"), status).unwrap();
    std::fs::create_dir_all(tmp.path().join("lists/partial")).unwrap();
    std::fs::create_dir_all(tmp.path().join("parts")).unwrap();
    let d = |k: &str, v: &Path| format!("{k}={}", v.display());
    let args = [
        "-o".to_string(),
        d("Dir::Etc::preferences", &file),
        "-o".into(),
        d("Dir::Etc::preferencesparts", &tmp.path().join("parts")),
        "-o".into(),
        d("Dir::State::status", &tmp.path().join("status")),
        "-o".into(),
        d("Dir::State::Lists", &tmp.path().join("lists")),
        "-o".into(),
        d("Dir::Etc::sourcelist", &tmp.path().join("sources.list")),
        "-o".into(),
        d("Dir::Etc::sourceparts", &tmp.path().join("parts")),
        "-o".into(),
        d("Dir::Cache", &tmp.path().join("cache")),
        "policy".into(),
        "kesl".into(),
        "kesl-gui".into(),
        "klnagent64".into(),
        "bash".into(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = tool("apt-cache", &args);
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("E:"), "apt rejected the preferences: {err}");
    // Each package block: "*** 1.0 -1" for the covered ones, 100 for bash.
    let mut blocks: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        match line.strip_suffix(':') {
            Some(name) if !line.starts_with(' ') => blocks.push((name.to_string(), String::new())),
            _ => {
                if let Some((_, b)) = blocks.last_mut() {
                    b.push_str(line);
                    b.push('\n');
                }
            }
        }
    }
    assert_eq!(blocks.len(), 4, "{text}");
    for (name, block) in &blocks {
        let pinned = block.contains("*** 1.0 -1");
        assert_eq!(pinned, name != "bash", "{name}:\n{block}");
    }
    assert_eq!(text.matches("*** 1.0 -1").count(), 3, "{text}");
}

#[test]
fn rpz_zone_passes_named_checkzone_and_hosts_has_one_entry_per_domain() {
    let zone = export("rpz");
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("rpz.zone");
    std::fs::write(&file, &zone).unwrap();
    let out = tool(
        "named-checkzone",
        &["rpz.interdict", file.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "named-checkzone: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        zone.contains("\nkaspersky.com CNAME .\n*.kaspersky.com CNAME .\n"),
        "{zone}"
    );

    let hosts = export("hosts");
    let entries: Vec<&str> = hosts
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    let mut seen = BTreeSet::new();
    for e in &entries {
        let parts: Vec<&str> = e.split_whitespace().collect();
        assert_eq!(parts.len(), 2, "one domain per line: {e}");
        assert_eq!(parts[0], "0.0.0.0");
        assert!(seen.insert(parts[1]), "{} twice", parts[1]);
    }
    for d in [
        "kaspersky.com",
        "kaspersky-labs.com",
        "downloads.upd.kaspersky.com",
    ] {
        assert!(seen.contains(d), "{d} missing:\n{hosts}");
    }
    assert!(
        !seen.iter().any(|d| d.contains("tiktok")),
        "another directive's domains"
    );
}

/// A value the query's first `=` or `LIKE` condition accepts.
fn sample_value(query: &str) -> Option<String> {
    for (op, like) in [(" = '", false), (" LIKE '", true)] {
        if let Some(at) = query.find(op) {
            let rest = &query[at + op.len()..];
            let mut value = String::new();
            let mut chars = rest.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '\'' if chars.peek() == Some(&'\'') => {
                        chars.next();
                        value.push('\'');
                    }
                    '\'' => break,
                    '\\' if like => value.extend(chars.next()),
                    '%' if like => value.push('x'),
                    '_' if like => value.push('x'),
                    c => value.push(c),
                }
            }
            return Some(value);
        }
    }
    None
}

#[test]
fn osquery_pack_queries_map_back_to_their_products() {
    let pack: serde_json::Value = serde_json::from_str(&export_json("osquery")).unwrap();
    let queries = pack["queries"].as_object().unwrap();
    assert!(queries.len() >= 10, "{pack:#}");
    let catalog = Catalog::bundled().unwrap();
    let matcher = interdict_matcher::Matcher::new(&catalog, Platform::Any).unwrap();
    let mut tables = BTreeSet::new();
    for (name, q) in queries {
        let sql = q["query"].as_str().unwrap();
        let (table, product) = name.split_once("__").unwrap();
        let product = product.replace('_', "-");
        assert!(sql.contains(&format!(" FROM {table} WHERE ")), "{sql}");
        let Some(value) = sample_value(sql) else {
            continue;
        };
        // The selected columns, each with a plausible value; the matched column gets the sample.
        let cols = sql["SELECT ".len()..sql.find(" FROM ").unwrap()].split(", ");
        let key = match table {
            "apps" => "bundle_identifier",
            "systemd_units" => "id",
            "launchd" => "label",
            _ => "name",
        };
        let mut row = serde_json::Map::new();
        for col in cols {
            let v = if col == key {
                value.clone()
            } else {
                format!("{col}-value")
            };
            row.insert(col.to_string(), serde_json::Value::String(v));
        }
        let line = serde_json::json!({
            "name": format!("pack/interdict/{name}"),
            "hostIdentifier": "h1",
            "action": "added",
            "columns": row,
        });
        let import =
            interdict_sbom::import_osquery(line.to_string().as_bytes(), "results.log", None, None)
                .unwrap();
        assert!(import.errors.is_empty(), "{name}: {:?}", import.errors);
        let artifacts: Vec<_> = import.artifacts.into_iter().map(|(_, a)| a).collect();
        let found: BTreeSet<String> = matcher
            .match_artifacts(&artifacts)
            .into_iter()
            .map(|f| f.product)
            .collect();
        let wanted = catalog
            .products()
            .find(|p| p.id.replace(['-', '.'], "_") == name.split_once("__").unwrap().1);
        let wanted = wanted.map(|p| p.id.clone()).unwrap_or(product);
        assert!(
            found.contains(&wanted),
            "{name} ({value}) → {found:?}, not {wanted}"
        );
        tables.insert(table.to_string());
    }
    for t in [
        "deb_packages",
        "rpm_packages",
        "programs",
        "apps",
        "launchd",
        "services",
    ] {
        assert!(tables.contains(t), "no query on {t}: {tables:?}");
    }
}

/// The export (a JSON format: the header is the `interdict` member).
fn export_json(format: &str) -> String {
    let (code, out, err) = interdict(&[
        "policy",
        "export",
        "--directive",
        "bod-17-01",
        "--format",
        format,
    ]);
    assert_eq!(code, 0, "{format}: {err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let banner = doc["interdict"].to_string();
    let version = Catalog::bundled().unwrap().version().to_string();
    assert!(
        banner.contains("bod-17-01") && banner.contains(&version),
        "{banner}"
    );
    out
}

#[test]
fn santa_rules_block_the_vendor_team_id() {
    let doc: serde_json::Value = serde_json::from_str(&export_json("santa")).unwrap();
    assert_eq!(
        doc["rules"],
        serde_json::json!([{
            "identifier": "2Y8XE5CQ94",
            "policy": "BLOCKLIST",
            "rule_type": "TEAMID",
            "custom_msg": "Kaspersky software is banned by bod-17-01",
        }])
    );
}

#[test]
fn yara_rules_compile_and_match_fixture_binaries_not_decoys() {
    let rules = export("yara");
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("interdict.yar");
    std::fs::write(&src, &rules).unwrap();
    let compiled = tmp.path().join("interdict.yarc");
    let out = tool(
        "yarac",
        &[src.to_str().unwrap(), compiled.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "yarac: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = format!("{}/tests/data/windows", env!("CARGO_MANIFEST_DIR"));
    let matches = |file: &str| {
        let out = tool(
            "yara",
            &["-C", compiled.to_str().unwrap(), &format!("{dir}/{file}")],
        );
        assert!(
            out.status.success(),
            "yara: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).contains("interdict_bod_17_01_kaspersky")
    };
    for file in [
        "kes-avp.exe",
        "na-klnagent.exe",
        "kpm.exe",
        "signed-tool.exe",
    ] {
        assert!(matches(file), "{file} not matched");
    }
    for decoy in ["firefox.exe", "avp-game.exe"] {
        assert!(!matches(decoy), "decoy {decoy} matched");
    }
    let text = tmp.path().join("notes.txt");
    std::fs::write(&text, "Remove AO Kaspersky Lab software by day 90.\n").unwrap();
    let out = tool(
        "yara",
        &["-C", compiled.to_str().unwrap(), text.to_str().unwrap()],
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).trim().is_empty(),
        "a text file is no binary"
    );
}

#[test]
fn unknown_directive_or_format_exits_2() {
    let (code, out, err) = interdict(&[
        "policy",
        "export",
        "--directive",
        "bod-99-99",
        "--format",
        "hosts",
    ]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("unknown directive `bod-99-99`") && err.contains("bod-17-01"),
        "{err}"
    );
    let (code, _, err) = interdict(&[
        "policy",
        "export",
        "--directive",
        "bod-17-01",
        "--format",
        "iptables",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("iptables") && err.contains("applocker"),
        "{err}"
    );
}
