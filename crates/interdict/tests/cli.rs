//! The command line around the report document: the readable `catalog show`, shell
//! completions and the man page, all generated from the one set of flag definitions.

mod support;

use support::interdict;

#[test]
fn catalog_show_is_readable_by_default_and_json_on_request() {
    let (code, out, _) = interdict(&["catalog", "show", "bod-17-01"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("bod-17-01 — "), "{out}");
    for line in [
        "T+30   2017-10-13  identify-report",
        "T+60   2017-11-12  removal-plan",
        "T+120  2018-01-11  status-report (every 30 days)",
        "T+150  2018-02-10  status-report (every 30 days)",
    ] {
        assert!(out.contains(line), "{line:?} missing from:\n{out}");
    }
    assert!(serde_json::from_str::<serde_json::Value>(&out).is_err());

    let (code, out, _) = interdict(&["catalog", "show", "bod-17-01", "--format", "json"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["schedule"].as_array().unwrap().len(), 4);
    // The calendar adds the recurring status points of the first year.
    let calendar = doc["calendar"].as_array().unwrap();
    assert!(calendar.len() > 4);
    assert!(calendar.iter().all(|m| m["deliverable"].is_string()));

    let (code, out, _) = interdict(&["catalog", "show", "kesl"]);
    assert_eq!(code, 0);
    assert!(out.contains("INDICATORS"), "{out}");
    assert!(out.contains("source: "), "{out}");
}

#[test]
fn completions_for_every_shell_know_every_subcommand_and_shared_flag() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (code, out, err) = interdict(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        for word in ["scan", "sbom", "import", "catalog", "fail-on", "directive"] {
            assert!(out.contains(word), "{shell} completion lacks {word}");
        }
    }
    let (code, _, err) = interdict(&["completions", "tcsh"]);
    assert_eq!(code, 2);
    assert!(err.contains("tcsh"), "{err}");
}

#[test]
fn the_man_page_covers_the_command_and_its_subcommands() {
    let (code, out, _) = interdict(&["manpage"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with(".ie \\n(.g .ds Aq") || out.contains(".TH interdict"),
        "{out}"
    );
    for title in [
        ".TH interdict-scan",
        ".TH interdict-sbom",
        ".TH interdict-import",
    ] {
        assert!(out.contains(title), "{title} missing");
    }
    assert!(out.contains("fail\\-on"), "flags are documented");
}

#[test]
fn shared_flags_are_the_same_on_every_checking_command() {
    for cmd in ["scan", "sbom", "import"] {
        let (code, out, _) = interdict(&[cmd, "--help"]);
        assert_eq!(code, 0);
        for flag in ["--format", "--directive", "--catalog", "--fail-on"] {
            assert!(out.contains(flag), "{cmd} --help lacks {flag}");
        }
    }
}
