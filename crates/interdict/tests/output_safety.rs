//! End to end: what the binary prints is safe. Control sequences in scanned data never
//! reach the terminal raw (table and warnings), CSV cells never start a formula, and a
//! closed output pipe is a quiet, successful end.

mod support;

use std::process::{Command, Stdio};
use support::linux::linux_root;
use support::*;

/// OSC 52 (write the clipboard), OSC 0 (window title), CSI 2J (clear screen), a C1 CSI.
const OSC52: &str = "\x1b]52;c;cm0gLXJmIH4=\x07";
const TITLE: &str = "\x1b]0;pwned\x07";
const CLEAR: &str = "\x1b[2J";

/// Control bytes that must not appear in text meant for a terminal (newlines between
/// lines are the layout's own; C1 controls are checked as characters).
fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect()
}

/// A Linux root with findings whose data carry escape sequences: the host name, the OS
/// name, a service unit's file name, and a browser extension whose
/// broken manifest is reported as an error under its hostile path.
fn hostile_root() -> (tempfile::TempDir, Fixture) {
    let outside = tempfile::tempdir().unwrap();
    let fx = linux_root(&outside.path().join("marker"));
    fx.write("etc/hostname", format!("evil{TITLE}host\n"));
    fx.write(
        "etc/os-release",
        format!("ID=debian\nVERSION_ID=12\nPRETTY_NAME=\"Debian{CLEAR}\u{9b}31m\"\n"),
    );
    fx.write(
        &format!("lib/systemd/system/kesl{OSC52}{CLEAR}.service"),
        "[Unit]\nDescription=KESL\n[Service]\nExecStart=/opt/kaspersky/kesl/libexec/kesl\n",
    );
    fx.write(
        &format!(
            "home/alice/.config/google-chrome/Default/Extensions/ahkjpbeeocnddjkakilopmfdlnjdpcdx/1.0{OSC52}_0/manifest.json"
        ),
        "{ not json",
    );
    (outside, fx)
}

#[test]
fn table_output_escapes_control_sequences_in_scanned_data() {
    let (_outside, fx) = hostile_root();
    let root = fx.path().to_str().unwrap();
    let (code, out, err) = interdict(&["scan", "--root", root, "--format", "table"]);
    assert_eq!(code, 1, "findings expected\n{out}\n{err}");
    assert!(out.contains("kesl"), "{out}");
    assert_eq!(raw_controls(&out), Vec::<char>::new(), "{out:?}");
    assert_eq!(raw_controls(&err), Vec::<char>::new(), "{err:?}");
    // The data reached the table, visibly escaped rather than dropped.
    assert!(out.contains("\\x1b]0;pwned\\x07"), "host name: {out}");
    assert!(out.contains("kesl\\x1b]52;c;"), "unit file name: {out}");

    // JSON stays exact: the same data, byte for byte.
    let (_, doc) = scan_json(fx.path(), &[]);
    assert!(doc["host"]["hostname"].as_str().unwrap().contains(TITLE));
    assert!(doc.to_string().contains("kesl\\u001b]52;c;"));
}

#[test]
fn warnings_on_standard_error_escape_control_sequences() {
    let (_outside, fx) = hostile_root();
    let root = fx.path().to_str().unwrap();
    let (_, out, err) = interdict(&["scan", "--root", root, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let errors = doc["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["location"].as_str().unwrap().contains(OSC52)),
        "the broken manifest under a hostile path is reported: {errors:#?}"
    );
    assert!(err.contains("interdict: warning:"), "{err}");
    assert!(err.contains("1.0\\x1b]52;c;"), "{err}");
    assert_eq!(raw_controls(&err), Vec::<char>::new(), "{err:?}");

    // An error naming a hostile file (a catalog directory that does not exist).
    let (code, _, err) = interdict(&[
        "catalog",
        "list",
        "--catalog",
        &format!("/nonexistent{CLEAR}"),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("interdict: error:"), "{err}");
    assert_eq!(raw_controls(&err), Vec::<char>::new(), "{err:?}");
}

#[test]
fn csv_import_output_has_no_formula_cells() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("export.csv");
    std::fs::write(
        &csv,
        "Name0,DisplayName0,Version0,Publisher0\n\
         =cmd|' /C calc'!A0,Kaspersky Endpoint Security for Windows,12.3.0.493,AO Kaspersky Lab\n\
         @host,\"=HYPERLINK(\"\"http://x.example\"\")&\"\"Kaspersky\"\"\",-1+2,+AO Kaspersky Lab\n\
         ws-3,-Kaspersky Endpoint Security for Windows,1,@AO Kaspersky Lab\n\
         ws-4,\"\tKaspersky Security Center Network Agent\",1,\"\rKaspersky Lab\"\n",
    )
    .unwrap();
    let (code, out, err) = interdict(&[
        "import",
        "--from",
        "csv",
        csv.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(code, 1, "findings expected\n{out}\n{err}");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(out.as_bytes());
    let names: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[7].to_string())
        .collect();
    assert!(names.len() >= 3, "{out}");
    // The attacker's cells are there, neutralised.
    assert!(names.iter().any(|n| n == "'+AO Kaspersky Lab"), "{names:?}");
    assert!(names.iter().any(|n| n == "'@AO Kaspersky Lab"), "{names:?}");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(out.as_bytes());
    for record in reader.records() {
        for cell in record.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "formula cell {cell:?} in\n{out}"
            );
        }
    }
}

/// Runs `interdict args` with a standard output whose reader is already gone.
fn run_into_closed_pipe(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_interdict"))
        .args(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_output_pipe_ends_every_command_quietly() {
    let (_outside, fx) = hostile_root();
    let root = fx.path().to_str().unwrap();
    let sbom = format!(
        "{}/../interdict-sbom/testdata/csv/sccm-software.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let runs: Vec<Vec<&str>> = vec![
        vec!["catalog", "show", "bod-17-01"],
        vec!["catalog", "list"],
        vec!["catalog", "list", "--json"],
        vec!["catalog", "validate"],
        vec!["scan", "--root", root, "--format", "json", "--no-sweep"],
        vec!["scan", "--root", root, "--format", "table", "--no-sweep"],
        vec!["scan", "--root", root, "--format", "csv", "--no-sweep"],
        vec!["import", "--from", "csv", &sbom],
        vec!["import", "--from", "csv", &sbom, "--format", "json"],
    ];
    for args in runs {
        let (code, err) = run_into_closed_pipe(&args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert_eq!(err, "", "{args:?}: nothing on standard error");
    }
}

#[test]
fn a_reader_that_stops_early_is_a_normal_end() {
    // `interdict catalog list --json | head -c 10`: the reader takes a few bytes and goes.
    let mut child = Command::new(env!("CARGO_BIN_EXE_interdict"))
        .args(["catalog", "list", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 10];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(&first[..1], b"{");
}
