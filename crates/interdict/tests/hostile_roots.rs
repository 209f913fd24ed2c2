//! Hostile offline roots: FIFOs, devices, unreadable databases, symlink loops and names
//! that are not UTF-8 where collectors read. Each scan must finish (a deadline kills it
//! and fails the test), give usable JSON, and name each unreadable path and its type in
//! an error entry; `--strict` then exits 2.

mod support;

use serde_json::Value;
use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{Fixture, evidence_item, finding};

/// A scan that has not finished by then is taken as hung (generous: the test machine is
/// shared; a blocked scan never finishes at all).
const DEADLINE: Duration = Duration::from_secs(300);

const KESL: &str = "\
Package: kesl
Status: install ok installed
Maintainer: AO Kaspersky Lab <support@kaspersky.com>
Version: 12.1.0-1234
";

const HELLO: &str = "Package: hello\nStatus: install ok installed\nVersion: 2.10-3\n";

/// Runs `cmd`, killing it and failing the test past [`DEADLINE`]; returns (exit code,
/// stdout, stderr).
fn run_with_deadline(mut cmd: Command) -> (i32, String, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = r.read_to_end(&mut s);
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the scan did not finish within {DEADLINE:?}: it hung");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (
        status.code().unwrap_or(-1),
        out.join().unwrap(),
        err.join().unwrap(),
    )
}

fn scan_args(root: &Path, strict: bool) -> Vec<String> {
    let mut args = vec![
        "scan".to_string(),
        "--root".to_string(),
        root.to_str().unwrap().to_string(),
        "--format".to_string(),
        "json".to_string(),
        "--inventory".to_string(),
    ];
    if strict {
        args.push("--strict".to_string());
    }
    args
}

/// Scans `root` (with `--strict` when asked) under the deadline; returns (exit code, JSON).
fn scan(root: &Path, strict: bool) -> (i32, Value) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_interdict"));
    cmd.args(scan_args(root, strict));
    parse(run_with_deadline(cmd))
}

fn parse((code, stdout, stderr): (i32, String, String)) -> (i32, Value) {
    let doc: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("no usable JSON ({e}), exit {code}: {stdout}\n{stderr}"));
    (code, doc)
}

/// The message of the error entry at `location`, failing when there is none.
fn error_at<'a>(doc: &'a Value, location: &str) -> &'a str {
    doc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["location"] == location)
        .and_then(|e| e["message"].as_str())
        .unwrap_or_else(|| panic!("no error entry at {location}: {:#}", doc["errors"]))
}

/// Asserts an error entry names `location` with a message containing `what`.
fn assert_error(doc: &Value, location: &str, what: &str) {
    let msg = error_at(doc, location);
    assert!(msg.contains(what), "{location}: {msg:?} lacks {what:?}");
}

/// An empty root that says it is Debian.
fn debian_root() -> Fixture {
    let fx = Fixture::new();
    fx.write("etc/os-release", "ID=debian\n");
    fx
}

fn mkfifo(fx: &Fixture, rel: &str) {
    let p = fx.path().join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    let ok = Command::new("mkfifo").arg(&p).status().unwrap().success();
    assert!(ok, "mkfifo {rel}");
}

/// A character device `1:5` (what `/dev/zero` is) at `rel`; false when not allowed.
fn mknod_zero(fx: &Fixture, rel: &str) -> bool {
    let p = fx.path().join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    Command::new("mknod")
        .arg(&p)
        .args(["c", "1", "5"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Checks the scan of a hostile root: finishes, JSON, each `(path, type)` named in an
/// error entry, `--strict` exits 2. Returns the (non-strict) document.
fn check_hostile(fx: &Fixture, expected: &[(&str, &str)]) -> Value {
    let (code, doc) = scan(fx.path(), false);
    assert!(code == 0 || code == 1, "exit {code}");
    for (location, what) in expected {
        assert_error(&doc, location, what);
    }
    let (strict, doc2) = scan(fx.path(), true);
    assert_eq!(strict, 2, "--strict must fail: {:#}", doc2["errors"]);
    doc
}

#[test]
fn linux_fifos_are_named_never_waited_on() {
    let fx = Fixture::new();
    // A package that is not banned, so `--strict` has only the unread sources to report.
    fx.write("var/lib/dpkg/status.d/hello", HELLO);
    for rel in [
        "var/lib/dpkg/status",
        "etc/os-release",
        "etc/hostname",
        "etc/ssl/certs/ca-certificates.crt",
        "var/lib/dpkg/info/hello.list",
        "lib/systemd/system/kesl.service",
        "lib/modules/6.1.0-13-amd64/extra/kav.ko",
        "lib/apk/db/installed",
    ] {
        mkfifo(&fx, rel);
    }
    let fifo = "FIFO (named pipe)";
    let doc = check_hostile(
        &fx,
        &[
            ("var/lib/dpkg/status", fifo),
            ("etc/os-release", fifo),
            ("etc/hostname", fifo),
            ("etc/ssl/certs/ca-certificates.crt", fifo),
            ("var/lib/dpkg/info/hello.list", fifo),
            ("lib/systemd/system/kesl.service", fifo),
            ("lib/modules/6.1.0-13-amd64/extra/kav.ko", fifo),
            ("lib/apk/db/installed", fifo),
        ],
    );
    // What could be read still is: the status.d entry.
    assert!(doc["findings"].as_array().unwrap().is_empty());
    let inventory = doc["inventory"].as_array().unwrap();
    assert!(
        inventory
            .iter()
            .any(|a| a["name"] == "hello" && a["location"] == "var/lib/dpkg/status.d/hello"),
        "{inventory:#?}"
    );
}

#[test]
fn windows_hive_fifo_is_named() {
    let fx = Fixture::new();
    fx.mkdir("Windows/System32/config");
    mkfifo(&fx, "Windows/System32/config/SOFTWARE");
    mkfifo(&fx, "Windows/System32/config/SYSTEM");
    mkfifo(&fx, "Users/alice/NTUSER.DAT");
    let doc = check_hostile(
        &fx,
        &[
            ("Windows/System32/config/SOFTWARE", "FIFO (named pipe)"),
            ("Windows/System32/config/SYSTEM", "FIFO (named pipe)"),
            ("Users/alice/NTUSER.DAT", "FIFO (named pipe)"),
        ],
    );
    assert_eq!(doc["host"]["platform"], "windows");
}

#[test]
fn macos_info_plist_fifo_is_named() {
    let fx = Fixture::new();
    fx.write(
        "System/Library/CoreServices/SystemVersion.plist",
        "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict/></plist>",
    );
    mkfifo(&fx, "Applications/Notes Helper.app/Contents/Info.plist");
    mkfifo(&fx, "Library/LaunchDaemons/org.example.helper.plist");
    // A folder that cannot be listed (a symlink loop) is an error, not an empty folder.
    fx.symlink("LaunchAgents", "Library/LaunchAgents");
    let doc = check_hostile(
        &fx,
        &[
            (
                "Applications/Notes Helper.app/Contents/Info.plist",
                "FIFO (named pipe)",
            ),
            (
                "Library/LaunchDaemons/org.example.helper.plist",
                "FIFO (named pipe)",
            ),
            ("Library/LaunchAgents", "symlink loop"),
        ],
    );
    assert_eq!(doc["host"]["platform"], "macos");
}

#[test]
fn devices_are_never_read() {
    let fx = debian_root();
    if !mknod_zero(&fx, "var/lib/dpkg/status") || !mknod_zero(&fx, "dev/zero") {
        eprintln!("skipped: creating device nodes needs root");
        return;
    }
    // Symlinks to `/dev/zero`: re-rooted onto the root's own `dev/zero` device node.
    fx.symlink("/dev/zero", "lib/apk/db/installed");
    fx.symlink("/dev/zero", "etc/ssl/certs/ca-certificates.crt");
    fx.symlink("../../../../dev/zero", "var/lib/rpm/Packages");
    let through_link = "resolves to dev/zero, which is a character device";
    let doc = check_hostile(
        &fx,
        &[
            ("var/lib/dpkg/status", "is a character device"),
            ("lib/apk/db/installed", through_link),
            ("etc/ssl/certs/ca-certificates.crt", through_link),
            ("var/lib/rpm/Packages", "character device"),
        ],
    );
    assert_eq!(doc["host"]["os_id"], "debian");
}

#[test]
fn symlink_loops_at_databases_are_errors() {
    let fx = debian_root();
    fx.symlink("status.loop", "var/lib/dpkg/status");
    fx.symlink("status", "var/lib/dpkg/status.loop");
    fx.symlink("installed", "lib/apk/db/installed");
    fx.symlink("/var/lib/rpm/rpmdb.sqlite", "var/lib/rpm/rpmdb.sqlite");
    check_hostile(
        &fx,
        &[
            ("var/lib/dpkg/status", "symlink loop"),
            ("lib/apk/db/installed", "symlink loop"),
            ("var/lib/rpm/rpmdb.sqlite", "symlink loop"),
        ],
    );
}

/// Opens every folder of `fx` to other users (a temp dir is private to its owner).
fn open_to_all(dir: &Path) {
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            open_to_all(&e.path());
        }
    }
}

#[test]
fn unreadable_databases_are_errors_not_absences() {
    let fx = debian_root();
    fx.write("var/lib/dpkg/status", KESL);
    fx.write("var/lib/rpm/rpmdb.sqlite", "not read");
    fx.write("lib/apk/db/installed", "not read");
    open_to_all(fx.path());
    for dir in ["var/lib/dpkg", "var/lib/rpm"] {
        std::fs::set_permissions(fx.path().join(dir), std::fs::Permissions::from_mode(0o700))
            .unwrap();
    }
    std::fs::set_permissions(
        fx.path().join("lib/apk/db/installed"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    // As an unprivileged user: `nobody`, through setpriv (or runuser).
    let bin = env!("CARGO_BIN_EXE_interdict");
    let run = |strict: bool| {
        let mut cmd = Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", bin])
            .args(scan_args(fx.path(), strict));
        run_with_deadline(cmd)
    };
    let probe = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!("skipped: cannot run as an unprivileged user (setpriv needs root)");
        return;
    }
    let (code, doc) = parse(run(false));
    assert!(code == 0 || code == 1, "exit {code}");
    for location in [
        "var/lib/dpkg/status",
        "var/lib/dpkg/status.d",
        "var/lib/rpm/rpmdb.sqlite",
        "lib/apk/db/installed",
    ] {
        assert_error(&doc, location, "Permission denied");
    }
    let (strict, _) = parse(run(true));
    assert_eq!(strict, 2);
}

#[test]
fn a_status_d_name_that_is_not_utf8_is_read_as_itself() {
    let fx = debian_root();
    let dir = fx.path().join("var/lib/dpkg/status.d");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(OsStr::from_bytes(b"kesl\xff")), KESL).unwrap();
    // The lossy spelling of that name holds something else: it must not be read instead.
    std::fs::write(
        dir.join("kesl\u{fffd}"),
        "Package: decoy\nStatus: install ok installed\n",
    )
    .unwrap();
    let (code, doc) = scan(fx.path(), true);
    assert_eq!(code, 1, "{:#}", doc["errors"]);
    let kesl = finding(&doc, "kesl");
    assert_eq!(kesl["confidence"], "confirmed");
    let ev = evidence_item(kesl, r"var/lib/dpkg/status.d/kesl\xff");
    assert_eq!(ev["kind"], "package");
}
