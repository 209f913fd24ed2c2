//! `interdict plan --from FILE`: the removal plans of fixture hosts — Windows (KES and the
//! Network Agent), Linux (KESL from dpkg, the Network Agent from rpm) and macOS (Kaspersky
//! Internet Security) — scanned by the real binary, then planned, compared with the golden
//! files in `tests/data/plan/` (`UPDATE_GOLDEN=1` rewrites them). The sh scripts must pass
//! `shellcheck`; the PowerShell scripts are checked for structure (no pwsh here). Nothing
//! generated is ever run.

mod support;

use std::path::{Path, PathBuf};
use support::*;

/// Scans `root` into a saved report; returns its path and the report document.
fn saved_report(root: &Path, dir: &Path, name: &str) -> (PathBuf, serde_json::Value) {
    let (code, doc) = scan_json(root, &["--inventory"]);
    assert_eq!(code, 1, "findings exit 1: {doc:#}");
    let file = dir.join(format!("{name}.json"));
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    (file, doc)
}

/// Output with the run's own values (report id, scan time, fixture path) replaced.
fn normalize(text: &str, doc: &serde_json::Value, root: &Path) -> String {
    let mut t = text.to_string();
    for (value, placeholder) in [
        (doc["id"].as_str().unwrap_or_default(), "<REPORT-ID>"),
        (doc["finished"].as_str().unwrap_or_default(), "<SCANNED>"),
    ] {
        if !value.is_empty() {
            t = t.replace(value, placeholder);
        }
    }
    t.replace(root.to_str().unwrap(), "<ROOT>")
}

fn golden(name: &str, actual: &str) {
    let path = format!("{}/tests/data/plan/{name}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(Path::new(&path).parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run with UPDATE_GOLDEN=1 to create it)"));
    assert_eq!(
        actual, expected,
        "{name} differs from its golden file (UPDATE_GOLDEN=1 to accept)"
    );
}

/// Runs `plan --from FILE --format F`; returns stdout (exit 0 asserted).
fn plan(file: &Path, format: &str) -> String {
    let (code, out, err) =
        interdict(&["plan", "--from", file.to_str().unwrap(), "--format", format]);
    assert_eq!(code, 0, "plan --format {format}: {err}");
    out
}

/// `shellcheck` must accept the script (missing shellcheck fails the test).
fn shellcheck(script: &str, dir: &Path, name: &str) {
    let file = dir.join(name);
    std::fs::write(&file, script).unwrap();
    let out = std::process::Command::new("shellcheck")
        .args(["--shell=sh", "--severity=style"])
        .arg(&file)
        .output()
        .expect("shellcheck must be installed (.ci/run installs Debian's shellcheck)");
    assert!(
        out.status.success(),
        "shellcheck {name}:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A structural check of PowerShell text: quotes, here-comments and brackets balance
/// (single-quoted strings with `''`, double-quoted with backtick escapes, `#` and `<# #>`
/// comments).
fn powershell_structure(script: &str) {
    let mut stack = Vec::new();
    let chars: Vec<char> = script.chars().collect();
    let mut i = 0;
    let mut line = 1;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\n' => line += 1,
            '<' if chars.get(i + 1) == Some(&'#') => {
                let rest: String = chars[i..].iter().collect();
                let end = rest
                    .find("#>")
                    .unwrap_or_else(|| panic!("line {line}: unclosed <#"));
                line += rest[..end].matches('\n').count();
                i += rest[..end + 2].chars().count();
                continue;
            }
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '\'' => {
                i += 1;
                loop {
                    match chars.get(i) {
                        None => panic!("line {line}: unclosed single-quoted string"),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => i += 2,
                        Some('\'') => break,
                        Some('\n') => {
                            line += 1;
                            i += 1
                        }
                        Some(_) => i += 1,
                    }
                }
            }
            '"' => {
                i += 1;
                loop {
                    match chars.get(i) {
                        None => panic!("line {line}: unclosed double-quoted string"),
                        Some('`') => i += 2,
                        Some('"') => break,
                        Some(_) => i += 1,
                    }
                }
            }
            '(' | '{' | '[' => stack.push((c, line)),
            ')' | '}' | ']' => {
                let want = match c {
                    ')' => '(',
                    '}' => '{',
                    _ => '[',
                };
                let (open, at) = stack
                    .pop()
                    .unwrap_or_else(|| panic!("line {line}: unmatched {c}"));
                assert_eq!(open, want, "line {line}: {c} closes {open} of line {at}");
            }
            _ => {}
        }
        i += 1;
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

#[test]
fn windows_plan_removes_kes_before_the_network_agent() {
    let tmp = tempfile::tempdir().unwrap();
    let fx = support::windows::products_root();
    let (file, doc) = saved_report(fx.path(), tmp.path(), "windows");

    let ps1 = plan(&file, "ps1");
    for needle in [
        "$ErrorActionPreference = 'Stop'",
        "Start-Transcript",
        "Set-StrictMode -Version 3.0",
        "function Test-MsiProduct",
        "} catch {",
        "throw",
    ] {
        assert!(ps1.contains(needle), "ps1 lacks {needle}:\n{ps1}");
    }
    powershell_structure(&ps1);
    let kes = format!(
        "Invoke-MsiUninstall -Code '{}' -Name 'Kaspersky Endpoint Security for Windows' -Properties @('KLLOGIN', 'KLPASSWD')",
        support::windows::KES_GUID
    );
    let agent = format!(
        "Invoke-MsiUninstall -Code '{}' -Name 'Kaspersky Security Center Network Agent' -Properties @('KLUNINSTPASSWD')",
        support::windows::NA_GUID
    );
    let (k, a) = (ps1.find(&kes), ps1.find(&agent));
    assert!(k.is_some() && a.is_some(), "{ps1}");
    assert!(k < a, "the endpoint product goes first:\n{ps1}");
    // The idempotence check comes before msiexec runs, and kavremover is the fallback.
    let check = ps1.find("if (-not (Test-MsiProduct $Code))").unwrap();
    assert!(check < ps1.find("Start-Process -FilePath 'msiexec.exe'").unwrap());
    assert!(ps1.contains("kavremover.exe"));

    let text = plan(&file, "text");
    assert!(text.find("kes-windows").unwrap() < text.find("ksc-network-agent-windows").unwrap());
    let json: serde_json::Value = serde_json::from_str(&plan(&file, "json")).unwrap();
    let products: Vec<&str> = json[0]["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["product"].as_str().unwrap())
        .collect();
    assert_eq!(products[0], "kes-windows", "{json:#}");
    assert_eq!(
        json[0]["products"][0]["steps"][0]["product_code"],
        support::windows::KES_GUID
    );

    // A sh script is not for a Windows host.
    let (code, _, err) = interdict(&["plan", "--from", file.to_str().unwrap(), "--format", "sh"]);
    assert_eq!(code, 2);
    assert!(err.contains("use --format ps1"), "{err}");

    golden("windows.ps1", &normalize(&ps1, &doc, fx.path()));
    golden("windows.txt", &normalize(&text, &doc, fx.path()));
}

#[test]
fn linux_plan_removes_dpkg_and_rpm_packages_with_their_own_manager() {
    let tmp = tempfile::tempdir().unwrap();
    let marker = tmp.path().join("executed");
    let fx = support::linux::linux_root(&marker);
    let (file, doc) = saved_report(fx.path(), tmp.path(), "linux");

    let sh = plan(&file, "sh");
    assert!(sh.starts_with("#!/bin/sh\n"), "{sh}");
    assert!(sh.contains("\nset -eu\n"));
    assert!(
        sh.contains("if dpkg-query -W 'kesl' >/dev/null 2>&1; then\n    set -- \"$@\" 'kesl'"),
        "{sh}"
    );
    assert!(sh.contains("    run dpkg --purge \"$@\""));
    assert!(
        sh.contains("if rpm -q 'klnagent64' >/dev/null 2>&1; then\n    set -- \"$@\" 'klnagent64'"),
        "{sh}"
    );
    assert!(sh.contains("    run rpm -e \"$@\""));
    assert!(sh.find("'kesl'").unwrap() < sh.find("'klnagent64'").unwrap());
    assert!(sh.contains("if [ -e '/opt/kaspersky/kesl' ] || [ -L '/opt/kaspersky/kesl' ]; then\n    run rm -rf -- '/opt/kaspersky/kesl'"));
    for decoy in [
        "keslint",
        "klnagent64-compat-shim",
        "eset",
        "mfetp",
        "kaspersky-migration-notes",
    ] {
        assert!(
            !sh.contains(&format!("'{decoy}'")),
            "decoy {decoy} in the plan:\n{sh}"
        );
    }
    shellcheck(&sh, tmp.path(), "linux.sh");
    let (code, _, err) = interdict(&["plan", "--from", file.to_str().unwrap(), "--format", "ps1"]);
    assert_eq!(code, 2);
    assert!(err.contains("use --format sh"), "{err}");
    assert!(!marker.exists(), "something ran");

    golden("linux.sh", &normalize(&sh, &doc, fx.path()));
    golden(
        "linux.txt",
        &normalize(&plan(&file, "text"), &doc, fx.path()),
    );
    golden(
        "linux.json",
        &normalize(&plan(&file, "json"), &doc, fx.path()),
    );
}

#[test]
fn macos_plan_unloads_launchd_jobs_and_forgets_receipts() {
    let tmp = tempfile::tempdir().unwrap();
    let marker = tmp.path().join("executed");
    let fx = support::macos::macos_root(&marker);
    let (file, doc) = saved_report(fx.path(), tmp.path(), "macos");

    let sh = plan(&file, "sh");
    assert!(sh.contains("if launchctl print 'system/com.kaspersky.kav' >/dev/null 2>&1; then\n    run launchctl bootout 'system/com.kaspersky.kav'"), "{sh}");
    assert!(sh.contains("run rm -f -- '/Library/LaunchDaemons/com.kaspersky.kav.plist'"));
    for receipt in ["com.kaspersky.kav.core", "com.kaspersky.kav.antiphishing"] {
        assert!(
            sh.contains(&format!("run pkgutil --forget '{receipt}'")),
            "{sh}"
        );
    }
    assert!(sh.contains("run rm -rf -- '/Applications/Kaspersky Internet Security.app'"));
    for decoy in ["com.kasperskyfan", "Notes Fan", "sophos", "eset"] {
        assert!(!sh.contains(decoy), "decoy {decoy} in the plan:\n{sh}");
    }
    // launchd before the files it runs, receipts after the files.
    let unload = sh.find("launchctl bootout").unwrap();
    let delete = sh.find("rm -rf -- '/Applications").unwrap();
    let forget = sh.find("pkgutil --forget").unwrap();
    assert!(unload < delete && delete < forget, "{sh}");
    shellcheck(&sh, tmp.path(), "macos.sh");
    assert!(!marker.exists(), "something ran");

    golden("macos.sh", &normalize(&sh, &doc, fx.path()));
    golden(
        "macos.txt",
        &normalize(&plan(&file, "text"), &doc, fx.path()),
    );
}

#[test]
fn import_hosts_get_their_own_plans() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("results.log");
    let rows = [
        r#"{"name":"pack/it/deb_packages","hostIdentifier":"web1","action":"added","columns":{"name":"kesl","version":"12.1","maintainer":"AO Kaspersky Lab","status":"install ok installed","arch":"amd64"}}"#,
        r#"{"name":"pack/it/rpm_packages","hostIdentifier":"db1","action":"added","columns":{"name":"klnagent64","version":"15.1","release":"20","vendor":"AO Kaspersky Lab","arch":"x86_64"}}"#,
    ];
    std::fs::write(&log, rows.join("\n") + "\n").unwrap();
    let (code, out, err) = interdict(&[
        "import",
        "--from",
        "osquery",
        log.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    let file = tmp.path().join("import.json");
    std::fs::write(&file, out).unwrap();
    let f = file.to_str().unwrap();
    let (code, json, err) = interdict(&["plan", "--from", f, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let plans: serde_json::Value = serde_json::from_str(&json).unwrap();
    let hosts: Vec<&str> = plans
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["host_name"].as_str().unwrap())
        .collect();
    assert_eq!(hosts, ["db1", "web1"]);
    // The platform comes from the osquery tables of the evidence.
    assert_eq!(
        (&plans[0]["platform"], &plans[1]["platform"]),
        (&"linux".into(), &"linux".into())
    );
    assert!(
        json.contains("\"manager\": \"rpm\"") && json.contains("\"klnagent64\""),
        "{json}"
    );
    let (code, _, err) = interdict(&["plan", "--from", f, "--format", "sh"]);
    assert_eq!(code, 2);
    assert!(err.contains("2 hosts") && err.contains("--host"), "{err}");
    let (code, sh, err) = interdict(&["plan", "--from", f, "--host", "web1", "--format", "sh"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        sh.contains("if dpkg-query -W 'kesl'") && sh.contains("run dpkg --purge"),
        "{sh}"
    );
    shellcheck(&sh, tmp.path(), "web1.sh");
    let (code, _, err) = interdict(&["plan", "--from", f, "--host", "nobody"]);
    assert_eq!(code, 2);
    assert!(err.contains("no host `nobody`"), "{err}");
}

#[test]
fn bad_plan_input_names_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("broken.json");
    std::fs::write(&bad, "{\"schema_version\": ").unwrap();
    let (code, _, err) = interdict(&["plan", "--from", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("broken.json") && err.contains("not a report document"),
        "{err}"
    );
    let missing = tmp.path().join("missing.json");
    let (code, _, err) = interdict(&["plan", "--from", missing.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("missing.json"), "{err}");
    let (code, _, err) = interdict(&["plan"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = interdict(&["plan", "--host", "h1"]);
    assert_eq!(code, 2);
    assert!(err.contains("--server"), "{err}");
}
