//! Tests of [`Root`]: confinement, hostile files, bounds, errors and byte names.

use super::*;

use std::os::unix::fs::symlink;

fn fixture() -> (tempfile::TempDir, tempfile::TempDir, Root) {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("secret"), "outside").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    fs::create_dir_all(r.join("etc/ssl/certs")).unwrap();
    fs::create_dir_all(r.join("usr/share/ca")).unwrap();
    fs::write(r.join("usr/share/ca/a.pem"), "inside").unwrap();
    fs::write(r.join("secret"), "root-secret").unwrap();
    symlink("/usr/share/ca/a.pem", r.join("etc/ssl/certs/abs.pem")).unwrap();
    symlink("../../../../../../secret", r.join("etc/ssl/certs/climb")).unwrap();
    symlink(outside.path().join("secret"), r.join("etc/escape")).unwrap();
    symlink("loop2", r.join("etc/loop1")).unwrap();
    symlink("loop1", r.join("etc/loop2")).unwrap();
    let root = Root::offline(r).unwrap();
    (dir, outside, root)
}

#[test]
fn absolute_symlinks_are_re_rooted() {
    let (_d, _o, root) = fixture();
    assert_eq!(root.read("etc/ssl/certs/abs.pem").unwrap(), b"inside");
}

#[test]
fn dot_dot_never_climbs_above_the_root() {
    let (_d, _o, root) = fixture();
    assert_eq!(root.read("etc/ssl/certs/climb").unwrap(), b"root-secret");
    assert_eq!(root.read("../../../secret").unwrap(), b"root-secret");
}

#[test]
fn symlink_to_outside_stays_inside() {
    let (_d, outside, root) = fixture();
    let resolved = root.resolve("etc/escape").unwrap();
    assert!(resolved.starts_with(root.base()), "{resolved:?}");
    assert!(!resolved.starts_with(outside.path()));
    // The re-rooted target does not exist inside the root.
    assert_eq!(
        root.read("etc/escape").unwrap_err().kind(),
        io::ErrorKind::NotFound
    );
}

#[test]
fn symlink_loops_end_with_an_error() {
    let (_d, _o, root) = fixture();
    let e = root.read("etc/loop1").unwrap_err();
    assert!(e.to_string().contains("too many levels"), "{e}");
}

#[test]
fn shared_reads_are_read_once_for_every_clone() {
    let (_d, _o, root) = fixture();
    let other = root.clone();
    let a = root.read_shared("usr/share/ca/a.pem").unwrap();
    let b = other.read_shared("etc/ssl/certs/abs.pem").unwrap();
    assert!(Arc::ptr_eq(&a, &b), "same file through a symlink, one read");
    assert_eq!(&*a, b"inside");
    assert!(root.read_shared("etc/loop1").is_err());
}

#[test]
fn case_insensitive_lookup_finds_the_on_disk_case() {
    let (_d, _o, root) = fixture();
    assert_eq!(
        root.find_case_insensitive("USR/Share/CA/A.PEM").as_deref(),
        Some("usr/share/ca/a.pem")
    );
    assert_eq!(root.find_case_insensitive("usr/nothing"), None);
}

/// Runs `f` on another thread and fails the test if it has not returned within a minute:
/// what a blocking `open` would do. (A hang guard, not a timing assertion.)
fn returns<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(60))
        .expect("the call blocked")
}

fn mkfifo(path: &Path) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo {path:?}");
}

/// Makes a character device `1:5` (like `/dev/zero`) at `path`; false when not allowed
/// (not running as root).
fn mknod_zero(path: &Path) -> bool {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::process::Command::new("mknod")
        .arg(path)
        .args(["c", "1", "5"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_fifo_is_an_error_naming_it_and_never_blocks() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("var/lib/dpkg/status"));
    let root = Root::offline(dir.path()).unwrap();
    let r = root.clone();
    let e = returns(move || r.read("var/lib/dpkg/status")).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    let msg = e.to_string();
    assert!(msg.starts_with("var/lib/dpkg/status: "), "{msg}");
    assert!(msg.contains("FIFO (named pipe)"), "{msg}");
    let r = root.clone();
    assert!(returns(move || r.open("var/lib/dpkg/status")).is_err());
    assert_eq!(root.probe("var/lib/dpkg/status").unwrap(), Some(Kind::Fifo));
    // The open itself cannot block either, should the FIFO appear after the check.
    let path = dir.path().join("var/lib/dpkg/status");
    let e = returns(move || open_nonblocking(&path)).unwrap_err();
    assert!(e.to_string().contains("FIFO"), "{e}");
}

#[test]
fn a_device_is_never_read() {
    // The live root's own devices need no privilege.
    let live = Root::live();
    for dev in ["dev/zero", "dev/null"] {
        let e = live.read_limited(dev, 1024).unwrap_err();
        assert!(e.to_string().contains("character device"), "{dev}: {e}");
        let e = open_nonblocking(Path::new("/").join(dev).as_path()).unwrap_err();
        assert!(e.to_string().contains("character device"), "{dev}: {e}");
    }
    // A device node inside an offline root, reached directly and through a symlink to
    // `/dev/zero` that the root re-roots onto it.
    let dir = tempfile::tempdir().unwrap();
    if !mknod_zero(&dir.path().join("dev/zero")) {
        eprintln!("skipped: creating a device node needs root");
        return;
    }
    fs::create_dir_all(dir.path().join("var/lib/dpkg")).unwrap();
    symlink("/dev/zero", dir.path().join("var/lib/dpkg/status")).unwrap();
    let root = Root::offline(dir.path()).unwrap();
    let e = root.read("dev/zero").unwrap_err();
    assert!(
        e.to_string().contains("dev/zero: is a character device"),
        "{e}"
    );
    let e = root.read("var/lib/dpkg/status").unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("var/lib/dpkg/status: resolves to dev/zero, which is a character device"),
        "{msg}"
    );
}

#[test]
fn the_bound_is_checked_on_the_open_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("data"), [7u8; 100]).unwrap();
    let root = Root::offline(dir.path()).unwrap();
    assert_eq!(root.read_limited("data", 100).unwrap().len(), 100);
    let e = root.read_limited("data", 99).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
    assert!(e.to_string().starts_with("data: file is 100 bytes"), "{e}");
    // `/proc` files report size 0 to `stat`: the bound still holds, on the bytes read.
    let e = Root::live()
        .read_limited("proc/self/status", 16)
        .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
    assert!(e.to_string().contains("grew past the 16-byte limit"), "{e}");
}

#[test]
fn missing_is_none_unreadable_and_loops_are_errors() {
    let (dir, _o, root) = fixture();
    assert_eq!(root.probe("var/lib/dpkg/status").unwrap(), None);
    // A component that is a file, not a folder: not there either.
    assert_eq!(root.probe("usr/share/ca/a.pem/status").unwrap(), None);
    assert_eq!(
        root.probe("etc/ssl/certs/abs.pem").unwrap(),
        Some(Kind::File)
    );
    assert_eq!(root.probe("etc/ssl").unwrap(), Some(Kind::Dir));
    let e = root.probe("etc/loop1").unwrap_err();
    assert!(e.to_string().starts_with("etc/loop1: "), "{e}");
    assert!(e.to_string().contains("symlink loop"), "{e}");
    assert!(!is_absent(&e));
    let e = root.read_dir("etc/loop1/x").unwrap_err();
    assert!(e.to_string().contains("etc/loop1/x"), "{e}");
    // A case-insensitive lookup through a loop is an error, not a miss.
    assert!(root.lookup_case_insensitive("ETC/loop1/x").is_err());
    assert_eq!(root.lookup_case_insensitive("etc/none").unwrap(), None);

    use std::os::unix::fs::PermissionsExt;
    let locked = dir.path().join("var/lib/dpkg");
    fs::create_dir_all(&locked).unwrap();
    fs::write(locked.join("status"), "x").unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let privileged = fs::read_dir(&locked).is_ok();
    let probed = root.probe("var/lib/dpkg/status");
    let listed = root.read_dir("var/lib/dpkg");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    if privileged {
        eprintln!("skipped the permission case: running with privileges that ignore modes");
        return;
    }
    let e = probed.unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::PermissionDenied);
    assert!(e.to_string().starts_with("var/lib/dpkg/status: "), "{e}");
    assert!(
        listed
            .unwrap_err()
            .to_string()
            .starts_with("var/lib/dpkg: ")
    );
}

#[test]
fn names_that_are_not_utf8_are_read_as_themselves() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("var/lib/dpkg/status.d");
    fs::create_dir_all(&d).unwrap();
    fs::write(d.join(OsStr::from_bytes(b"kesl\xff")), "bytes").unwrap();
    // A look-alike whose name is the text `kesl\xff`, and the lossy form of the byte.
    fs::write(d.join("kesl\\xff"), "text").unwrap();
    fs::write(d.join("kesl\u{fffd}"), "lossy").unwrap();
    let root = Root::offline(dir.path()).unwrap();
    let entries = root.read_dir("var/lib/dpkg/status.d").unwrap();
    let shown: Vec<(&str, String)> = entries
        .iter()
        .map(|e| {
            let data = root.read(&e.rel).unwrap();
            (e.rel.as_str(), String::from_utf8(data).unwrap())
        })
        .collect();
    assert_eq!(
        shown,
        [
            (r"var/lib/dpkg/status.d/kesl\\xff", "text".to_string()),
            ("var/lib/dpkg/status.d/kesl\u{fffd}", "lossy".to_string()),
            (r"var/lib/dpkg/status.d/kesl\xff", "bytes".to_string()),
        ]
    );
    let raw = entries.iter().find(|e| e.name == r"kesl\xff").unwrap();
    assert_eq!(raw.os_name.as_bytes(), b"kesl\xff");
    assert_eq!(root.read_os_limited(&raw.os_rel, 10).unwrap(), b"bytes");
    assert_eq!(root.probe_os(&raw.os_rel).unwrap(), Some(Kind::File));
    assert_eq!(
        root.lookup_case_insensitive(r"VAR/lib/dpkg/status.d/KESL\xff")
            .unwrap()
            .as_deref(),
        Some(r"var/lib/dpkg/status.d/kesl\xff")
    );
}

#[test]
fn answer_only_checks_note_what_they_cannot_tell() {
    let (_d, _o, root) = fixture();
    assert!(!root.exists("var/none"));
    assert!(
        root.take_noted().is_empty(),
        "a missing path is not an error"
    );
    let other = root.clone();
    assert!(!other.exists("etc/loop1"));
    assert!(!other.is_dir("etc/loop1"));
    assert_eq!(other.find_case_insensitive("ETC/LOOP1/x"), None);
    assert!(other.read_dir_or_note("etc/loop2/y").is_empty());
    let noted = root.take_noted();
    let located: Vec<(&str, &str)> = noted
        .iter()
        .map(|e| (e.location.as_str(), e.collector.as_str()))
        .collect();
    assert_eq!(
        located,
        [
            ("etc/loop1", NOTED_ID),
            ("ETC/LOOP1/x", NOTED_ID),
            ("etc/loop2/y", NOTED_ID)
        ]
    );
    assert!(noted.iter().all(|e| e.message.contains("symlink loop")));
    assert!(root.take_noted().is_empty(), "drained");
}
