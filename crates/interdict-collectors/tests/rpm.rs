//! The rpmdb collector on offline roots and on the real databases of the shared corpus.

use interdict_collectors::rpm::{MAX_WAL_COPY, RpmCollector, read_rpmdb, read_sqlite_blobs};
use interdict_collectors::{Collector, Root};
use interdict_formats::rpm::{RpmHeader, build_header_blob, parse_header_blob};
use interdict_inventory::{Artifact, ArtifactKind, Inventory};
use std::fs;
use std::path::{Path, PathBuf};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

fn corpus(rel: &str) -> PathBuf {
    let p = Path::new(CORPUS).join(rel);
    assert!(p.is_file(), "corpus file {} is missing", p.display());
    p
}

const MARINER: &str = "rpm/sqlite-cbl-mariner-2.0/rpmdb.sqlite";

fn dir_listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn assert_no_side_files(dir: &Path) {
    for name in dir_listing(dir) {
        assert!(
            !(name.ends_with("-wal") || name.ends_with("-shm") || name.ends_with("-journal")),
            "side file {name}"
        );
    }
}

fn find<'a>(inv: &'a Inventory, name: &str) -> &'a Artifact {
    inv.artifacts
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no artifact {name}"))
}

#[test]
fn sqlite_mariner_is_read_in_place_without_side_files() {
    let path = corpus(MARINER);
    let dir = path.parent().unwrap();
    let before = dir_listing(dir);
    let rows = read_sqlite_blobs(&path).unwrap();
    assert_eq!(dir_listing(dir), before);
    assert_no_side_files(dir);
    assert_eq!(rows.unreadable.count, 0);
    let hs: Vec<RpmHeader> = rows
        .blobs
        .iter()
        .map(|b| parse_header_blob(b).unwrap())
        .collect();
    assert_eq!(hs.len(), 129);
    assert!(
        hs.iter()
            .all(|h| h.vendor.as_deref() == Some("Microsoft Corporation"))
    );
    assert_eq!(hs.iter().filter(|h| h.arch == "x86_64").count(), 116);
    assert_eq!(hs.iter().filter(|h| h.arch == "noarch").count(), 13);
    let mut with_epoch: Vec<(&str, Option<u32>)> = hs
        .iter()
        .filter(|h| h.epoch.is_some())
        .map(|h| (h.name.as_str(), h.epoch))
        .collect();
    with_epoch.sort();
    assert_eq!(
        with_epoch,
        [
            ("ca-certificates-base", Some(1)),
            ("ca-certificates-shared", Some(1)),
            ("ca-certificates-tools", Some(1))
        ]
    );
    assert_eq!(
        (
            hs[0].name.as_str(),
            hs[0].version.as_str(),
            hs[0].release.as_str()
        ),
        ("mariner-release", "2.0", "4.cm2")
    );
}

#[test]
fn sqlite_in_a_read_only_directory_leaves_no_side_files() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("rpmdb.sqlite");
    fs::copy(corpus(MARINER), &db).unwrap();
    let mut perms = fs::metadata(tmp.path()).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o555);
    fs::set_permissions(tmp.path(), perms.clone()).unwrap();
    let rows = read_sqlite_blobs(&db);
    let listing = dir_listing(tmp.path());
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    fs::set_permissions(tmp.path(), perms).unwrap();
    assert_eq!(rows.unwrap().blobs.len(), 129);
    assert_eq!(listing, ["rpmdb.sqlite"]);
}

#[test]
fn mariner_artifacts_carry_versions_vendor_and_purls() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir_all(tmp.path().join("var/lib/rpm")).unwrap();
    fs::copy(corpus(MARINER), tmp.path().join("var/lib/rpm/rpmdb.sqlite")).unwrap();
    let inv = RpmCollector.collect(&Root::offline(tmp.path()).unwrap());
    assert!(inv.errors.is_empty(), "{:?}", inv.errors);
    assert_eq!(inv.artifacts.len(), 129);
    assert!(
        inv.artifacts
            .iter()
            .all(|a| a.collector == "rpmdb-sqlite" && a.location == "var/lib/rpm/rpmdb.sqlite")
    );
    assert!(
        inv.artifacts
            .iter()
            .all(|a| a.publisher.as_deref() == Some("Microsoft Corporation"))
    );
    let ca = find(&inv, "ca-certificates-base");
    assert_eq!(ca.version.as_deref(), Some("1:2.0.0-1.cm2"));
    assert_eq!(ca.attr("epoch"), Some("1"));
    assert_eq!(ca.attr("arch"), Some("noarch"));
    assert_eq!(
        ca.attr("purl"),
        Some("pkg:rpm/ca-certificates-base@2.0.0-1.cm2?arch=noarch&epoch=1")
    );
    for (name, version) in [
        ("filesystem", "1.1-8.cm2"),
        ("glibc", "2.34-2.cm2"),
        ("bash", "5.1.8-1.cm2"),
        ("coreutils", "8.32-1.cm2"),
        ("openssl", "1.1.1k-7.cm2"),
        ("zlib", "1.2.11-5.cm2"),
        ("curl", "7.76.0-6.cm2"),
        ("systemd", "249.7-3.cm2"),
        ("rpm", "4.17.0-1.cm2"),
        ("tdnf", "2.1.0-8.cm2"),
    ] {
        let a = find(&inv, name);
        assert_eq!(a.version.as_deref(), Some(version), "{name}");
        assert_eq!(a.attr("arch"), Some("x86_64"), "{name}");
        assert_eq!(a.attr("epoch"), None, "{name}");
    }
    let bash = find(&inv, "bash");
    assert!(
        bash.paths.iter().any(|p| p == "bin/bash"),
        "{:?}",
        bash.paths
    );
    assert!(bash.paths.iter().all(|p| !p.starts_with('/')));
    assert_no_side_files(&tmp.path().join("var/lib/rpm"));
}

fn kesl() -> RpmHeader {
    RpmHeader {
        name: "kesl".into(),
        epoch: Some(3),
        version: "11.4.0".into(),
        release: "7".into(),
        arch: "x86_64".into(),
        vendor: None,
        packager: Some("AO Kaspersky Lab <support@kaspersky.com>".into()),
        summary: Some("Kaspersky Endpoint Security for Linux".into()),
        license: Some("Proprietary".into()),
        sourcerpm: Some("kesl-11.4.0-7.src.rpm".into()),
        install_time: Some(1_700_000_000),
        size: Some(4096),
        files: vec![
            "/opt/kaspersky/kesl/bin/kesl".into(),
            "/etc/init.d/kesl".into(),
        ],
    }
}

fn write_sqlite(path: &Path, blobs: &[Vec<u8>]) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute(
        "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)",
        [],
    )
    .unwrap();
    let tx = conn.unchecked_transaction().unwrap();
    for b in blobs {
        tx.execute("INSERT INTO Packages (blob) VALUES (?1)", [b])
            .unwrap();
    }
    tx.commit().unwrap();
}

#[test]
fn collector_reads_sqlite_and_ndb_in_an_offline_root() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    fs::create_dir_all(r.join("var/lib/rpm")).unwrap();
    fs::create_dir_all(r.join("usr/lib/sysimage/rpm")).unwrap();
    let pubkey = RpmHeader {
        name: "gpg-pubkey".into(),
        version: "fd431d51".into(),
        release: "4ae0493b".into(),
        ..RpmHeader::default()
    };
    let mut corrupt = build_header_blob(&kesl());
    corrupt[8 + 16 + 4] = 0x7f;
    let plain = RpmHeader {
        name: "kesl-gui".into(),
        version: "1.0".into(),
        release: "1".into(),
        arch: "noarch".into(),
        ..RpmHeader::default()
    };
    write_sqlite(
        &r.join("var/lib/rpm/rpmdb.sqlite"),
        &[
            build_header_blob(&kesl()),
            build_header_blob(&pubkey),
            corrupt,
            build_header_blob(&plain),
        ],
    );
    fs::copy(
        corpus("rpm/ndb-sle15-bci/Packages.db"),
        r.join("usr/lib/sysimage/rpm/Packages.db"),
    )
    .unwrap();

    let collector = RpmCollector;
    assert_eq!(collector.id(), "rpmdb");
    let inv = collector.collect(&Root::offline(r).unwrap());

    // One error for the corrupt blob, located at the database, and the rest still read.
    assert_eq!(inv.errors.len(), 1, "{:?}", inv.errors);
    assert_eq!(inv.errors[0].location, "var/lib/rpm/rpmdb.sqlite");
    assert_eq!(inv.errors[0].collector, "rpmdb-sqlite");
    assert!(
        inv.errors[0]
            .message
            .contains("1 of 4 rows unreadable; first: corrupt package header #3"),
        "{}",
        inv.errors[0].message
    );
    assert_eq!(inv.artifacts.len(), 2 + 35);
    assert!(
        inv.artifacts
            .iter()
            .all(|a| a.name != "gpg-pubkey" && a.kind == ArtifactKind::Package)
    );

    let k = find(&inv, "kesl");
    assert_eq!(k.collector, "rpmdb-sqlite");
    assert_eq!(k.location, "var/lib/rpm/rpmdb.sqlite");
    assert_eq!(k.version.as_deref(), Some("3:11.4.0-7"));
    assert_eq!(
        k.publisher.as_deref(),
        Some("AO Kaspersky Lab <support@kaspersky.com>")
    );
    assert_eq!(k.attr("vendor"), None);
    assert_eq!(
        k.attr("packager"),
        Some("AO Kaspersky Lab <support@kaspersky.com>")
    );
    assert_eq!(k.attr("release"), Some("7"));
    assert_eq!(
        k.attr("summary"),
        Some("Kaspersky Endpoint Security for Linux")
    );
    assert_eq!(k.attr("license"), Some("Proprietary"));
    assert_eq!(k.attr("sourcerpm"), Some("kesl-11.4.0-7.src.rpm"));
    assert_eq!(
        k.attr("purl"),
        Some("pkg:rpm/kesl@11.4.0-7?arch=x86_64&epoch=3")
    );
    assert_eq!(k.paths, ["opt/kaspersky/kesl/bin/kesl", "etc/init.d/kesl"]);
    let g = find(&inv, "kesl-gui");
    assert_eq!(g.version.as_deref(), Some("1.0-1"));
    assert_eq!(g.publisher, None);
    assert_eq!(g.attr("purl"), Some("pkg:rpm/kesl-gui@1.0-1?arch=noarch"));

    let bash = find(&inv, "bash");
    assert_eq!(bash.collector, "rpmdb-ndb");
    assert_eq!(bash.location, "usr/lib/sysimage/rpm/Packages.db");
    assert_eq!(bash.version.as_deref(), Some("4.4-19.6.1"));
    assert_eq!(
        bash.publisher.as_deref(),
        Some("SUSE LLC <https://www.suse.com/>")
    );
    assert!(bash.paths.contains(&"bin/bash".to_string()));
    assert_no_side_files(&r.join("var/lib/rpm"));
}

#[test]
fn bdb_is_sniffed_by_content_and_symlinked_dirs_are_read_once() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    fs::create_dir_all(r.join("usr/lib/sysimage/rpm")).unwrap();
    fs::create_dir_all(r.join("var/lib")).unwrap();
    std::os::unix::fs::symlink("../../usr/lib/sysimage/rpm", r.join("var/lib/rpm")).unwrap();
    // A BerkeleyDB under the NDB name: the content decides.
    fs::copy(
        corpus("rpm/bdb-rhel8-libuuid/Packages"),
        r.join("usr/lib/sysimage/rpm/Packages.db"),
    )
    .unwrap();
    let inv = RpmCollector.collect(&Root::offline(r).unwrap());
    assert!(inv.errors.is_empty(), "{:?}", inv.errors);
    assert_eq!(inv.artifacts.len(), 1);
    let a = &inv.artifacts[0];
    assert_eq!(
        (a.name.as_str(), a.collector.as_str()),
        ("libuuid", "rpmdb-bdb")
    );
    assert_eq!(a.location, "var/lib/rpm/Packages.db");
    assert_eq!(a.version.as_deref(), Some("2.32.1-42.el8_8"));
    assert_eq!(a.publisher.as_deref(), Some("Red Hat, Inc."));
    assert_eq!(a.attr("size"), Some("35104"));
    assert_eq!(a.attr("install-time"), Some("1696444673"));
    assert_eq!(
        a.attr("purl"),
        Some("pkg:rpm/libuuid@2.32.1-42.el8_8?arch=x86_64")
    );
}

#[test]
fn corrupt_databases_become_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    fs::create_dir_all(r.join("var/lib/rpm")).unwrap();
    let sqlite = fs::read(corpus(MARINER)).unwrap();
    fs::write(
        r.join("var/lib/rpm/rpmdb.sqlite"),
        &sqlite[..sqlite.len() / 3],
    )
    .unwrap();
    fs::write(r.join("var/lib/rpm/Packages"), b"not a berkeley db at all").unwrap();
    let ndb = fs::read(corpus("rpm/ndb-sle15-bci/Packages.db")).unwrap();
    fs::write(r.join("var/lib/rpm/Packages.db"), &ndb[..ndb.len() / 2]).unwrap();
    let root = Root::offline(r).unwrap();
    let inv = RpmCollector.collect(&root);
    for (file, id) in [
        ("rpmdb.sqlite", "rpmdb-sqlite"),
        ("Packages.db", "rpmdb-ndb"),
        ("Packages", "rpmdb-bdb"),
    ] {
        let loc = format!("var/lib/rpm/{file}");
        assert!(
            inv.errors
                .iter()
                .any(|e| e.location == loc && e.collector == id),
            "no error for {loc}: {:?}",
            inv.errors
        );
    }
    assert!(
        inv.errors
            .iter()
            .all(|e| e.message.chars().next().is_some_and(|c| !c.is_uppercase()))
    );
    // The intact first half of the NDB file still yields packages.
    assert!(
        inv.artifacts
            .iter()
            .any(|a| a.name == "glibc" && a.collector == "rpmdb-ndb")
    );
    // A missing database is an error too, when asked for directly.
    assert_eq!(read_rpmdb(&root, "var/lib/rpm/nothing").errors.len(), 1);
}

// ---- The write-ahead log -------------------------------------------------------------

/// Every entry under `dir`, recursively: path, kind, length, mtime and SHA-256 of files,
/// target of symlinks. Two equal snapshots mean nothing was written, created or removed.
fn snapshot(dir: &Path) -> Vec<String> {
    use sha2::{Digest, Sha256};
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let m = fs::symlink_metadata(&p).unwrap();
            let what = if m.is_symlink() {
                format!("-> {}", fs::read_link(&p).unwrap().display())
            } else if m.is_dir() {
                stack.push(p.clone());
                "dir".to_string()
            } else {
                hex::encode(Sha256::digest(fs::read(&p).unwrap()))
            };
            out.push(format!(
                "{} {} {:?} {what}",
                p.strip_prefix(dir).unwrap().display(),
                m.len(),
                m.modified().unwrap()
            ));
        }
    }
    out.sort();
    out
}

fn set_mode(path: &Path, mode: u32) {
    let mut perms = fs::metadata(path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, mode);
    fs::set_permissions(path, perms).unwrap();
}

fn plain(name: &str) -> RpmHeader {
    RpmHeader {
        name: name.into(),
        version: "1.0".into(),
        release: "1".into(),
        arch: "x86_64".into(),
        ..RpmHeader::default()
    }
}

/// A WAL-mode rpmdb at `dir/rpmdb.sqlite` written the way rpm does on a live host, with
/// automatic checkpoints off: `bash` is checkpointed into the main file, then `kesl` is
/// committed in a transaction that stays in `rpmdb.sqlite-wal`. The returned connection
/// must stay open while the files are copied (closing it would checkpoint).
fn wal_db(dir: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(dir.join("rpmdb.sqlite")).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    conn.execute(
        "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO Packages (blob) VALUES (?1)",
        [build_header_blob(&plain("bash"))],
    )
    .unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let tx = conn.unchecked_transaction().unwrap();
    tx.execute(
        "INSERT INTO Packages (blob) VALUES (?1)",
        [build_header_blob(&kesl())],
    )
    .unwrap();
    tx.commit().unwrap();
    conn
}

/// A root holding a copy of [`wal_db`] (database, WAL and shared-memory index, copied
/// while the writer is still connected) in `usr/lib/sysimage/rpm`, with `var/lib/rpm` a
/// symlink to it as on Fedora.
fn wal_root() -> tempfile::TempDir {
    let src = tempfile::tempdir().unwrap();
    let conn = wal_db(src.path());
    let root = tempfile::tempdir().unwrap();
    let db_dir = root.path().join("usr/lib/sysimage/rpm");
    fs::create_dir_all(&db_dir).unwrap();
    fs::create_dir_all(root.path().join("var/lib")).unwrap();
    std::os::unix::fs::symlink("/usr/lib/sysimage/rpm", root.path().join("var/lib/rpm")).unwrap();
    for f in ["rpmdb.sqlite", "rpmdb.sqlite-wal", "rpmdb.sqlite-shm"] {
        fs::copy(src.path().join(f), db_dir.join(f)).unwrap();
    }
    drop(conn);
    // The package is in the WAL only: the main file alone does not have it.
    let main_only = read_sqlite_blobs(&db_dir.join("rpmdb.sqlite")).unwrap();
    let names: Vec<String> = main_only
        .blobs
        .iter()
        .map(|b| parse_header_blob(b).unwrap().name)
        .collect();
    assert_eq!(names, ["bash"]);
    assert!(fs::metadata(db_dir.join("rpmdb.sqlite-wal")).unwrap().len() > 32);
    root
}

fn names(inv: &Inventory) -> Vec<&str> {
    let mut v: Vec<&str> = inv.artifacts.iter().map(|a| a.name.as_str()).collect();
    v.sort();
    v
}

#[test]
fn wal_transactions_are_seen_in_an_offline_root_and_nothing_is_written() {
    let root = wal_root();
    let before = snapshot(root.path());
    let inv = RpmCollector.collect(&Root::offline(root.path()).unwrap());
    assert_eq!(snapshot(root.path()), before);
    assert!(inv.errors.is_empty(), "{:?}", inv.errors);
    assert_eq!(names(&inv), ["bash", "kesl"]);
    let k = find(&inv, "kesl");
    assert_eq!(k.collector, "rpmdb-sqlite");
    assert_eq!(k.location, "var/lib/rpm/rpmdb.sqlite");
    assert_eq!(k.version.as_deref(), Some("3:11.4.0-7"));
}

#[test]
fn wal_transactions_are_seen_with_live_host_paths() {
    let root = wal_root();
    let before = snapshot(root.path());
    // The live root is `/`: the database is reached by its full path, as on the host.
    let abs = fs::canonicalize(root.path()).unwrap();
    // (`var/lib/rpm` links to `/usr/lib/sysimage/rpm`, which on the live root is the
    // host's own: go to the database directly.)
    let rel = format!("{}/usr/lib/sysimage/rpm/rpmdb.sqlite", abs.display());
    let live = Root::live();
    assert!(live.is_live());
    let inv = read_rpmdb(&live, &rel);
    assert_eq!(snapshot(root.path()), before);
    assert!(inv.errors.is_empty(), "{:?}", inv.errors);
    assert_eq!(names(&inv), ["bash", "kesl"]);
    assert!(inv.artifacts.iter().all(|a| a.location == rel));
}

#[test]
fn wal_transactions_are_seen_in_a_read_only_directory() {
    let root = wal_root();
    let db_dir = root.path().join("usr/lib/sysimage/rpm");
    for f in ["rpmdb.sqlite", "rpmdb.sqlite-wal", "rpmdb.sqlite-shm"] {
        set_mode(&db_dir.join(f), 0o444);
    }
    set_mode(&db_dir, 0o555);
    let before = snapshot(root.path());
    let inv = RpmCollector.collect(&Root::offline(root.path()).unwrap());
    // Tests run as root, which may write anyway: the snapshot is the real check.
    let after = snapshot(root.path());
    set_mode(&db_dir, 0o755);
    assert_eq!(after, before);
    assert_eq!(
        dir_listing(&db_dir),
        ["rpmdb.sqlite", "rpmdb.sqlite-shm", "rpmdb.sqlite-wal"]
    );
    assert!(inv.errors.is_empty(), "{:?}", inv.errors);
    assert_eq!(names(&inv), ["bash", "kesl"]);
}

#[test]
fn an_empty_wal_keeps_the_in_place_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("var/lib/rpm");
    fs::create_dir_all(&dir).unwrap();
    write_sqlite(&dir.join("rpmdb.sqlite"), &[build_header_blob(&kesl())]);
    // A checkpointed WAL truncated to nothing: no transaction to replay.
    fs::write(dir.join("rpmdb.sqlite-wal"), b"").unwrap();
    let before = snapshot(tmp.path());
    let inv = RpmCollector.collect(&Root::offline(tmp.path()).unwrap());
    assert_eq!(snapshot(tmp.path()), before);
    assert!(inv.errors.is_empty(), "{:?}", inv.errors);
    assert_eq!(names(&inv), ["kesl"]);
}

#[test]
fn a_database_and_wal_over_the_copy_limit_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("var/lib/rpm");
    fs::create_dir_all(&dir).unwrap();
    // Sparse: the size is announced, no disk is used.
    let db = fs::File::create(dir.join("rpmdb.sqlite")).unwrap();
    std::io::Write::write_all(&mut &db, b"SQLite format 3\0").unwrap();
    db.set_len(MAX_WAL_COPY).unwrap();
    fs::write(dir.join("rpmdb.sqlite-wal"), [0u8; 4096]).unwrap();
    let inv = RpmCollector.collect(&Root::offline(tmp.path()).unwrap());
    assert!(inv.artifacts.is_empty());
    assert_eq!(inv.errors.len(), 1, "{:?}", inv.errors);
    let e = &inv.errors[0];
    assert_eq!(
        (e.location.as_str(), e.collector.as_str()),
        ("var/lib/rpm/rpmdb.sqlite", "rpmdb-sqlite")
    );
    let limit = format!(
        "are {} bytes, over the {MAX_WAL_COPY}-byte limit",
        MAX_WAL_COPY + 4096
    );
    assert!(e.message.contains(&limit), "{}", e.message);
}

// ---- Corrupt databases: one error per file --------------------------------------------

/// `<bad> of <total>` from an aggregated error message.
fn counts(message: &str) -> (usize, usize) {
    let (head, _) = message
        .split_once(" unreadable")
        .unwrap_or_else(|| panic!("{message}"));
    let nums: Vec<usize> = head.split(' ').filter_map(|w| w.parse().ok()).collect();
    match nums[..] {
        [bad, total] => (bad, total),
        _ => panic!("no counts in {message}"),
    }
}

/// Collects a root with `data` at `var/lib/rpm/<file>`; asserts exactly one error there.
fn one_error(file: &str, data: &[u8]) -> (Inventory, String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("var/lib/rpm");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(file), data).unwrap();
    let inv = RpmCollector.collect(&Root::offline(tmp.path()).unwrap());
    assert_eq!(
        inv.errors.len(),
        1,
        "{:?}",
        &inv.errors[..inv.errors.len().min(3)]
    );
    assert_eq!(inv.errors[0].location, format!("var/lib/rpm/{file}"));
    assert!(
        inv.errors[0].message.len() < 400,
        "{}",
        inv.errors[0].message
    );
    let m = inv.errors[0].message.clone();
    (inv, m)
}

#[test]
fn an_ndb_of_zero_pages_is_one_error_with_the_count() {
    // 8 MiB: the NDB header announcing 2048 slot pages, then nothing but zeros.
    let mut d = vec![0u8; 8 << 20];
    d[0..4].copy_from_slice(b"RpmP");
    d[12..16].copy_from_slice(&2048u32.to_le_bytes());
    let (inv, m) = one_error("Packages.db", &d);
    assert_eq!(inv.errors[0].collector, "rpmdb-ndb");
    assert!(inv.artifacts.is_empty());
    let slots = 2048 * 256 - 2;
    assert_eq!(counts(&m), (slots, slots));
    assert!(
        m.starts_with(&format!(
            "corrupt rpm database (ndb): {slots} of {slots} slots unreadable; first: bad magic"
        )),
        "{m}"
    );
    // Without even the header: 8 MiB of zeros is one error too.
    let (_, m) = one_error("Packages.db", &vec![0u8; 8 << 20]);
    assert!(m.contains("cannot read rpm database (bdb)"), "{m}");
}

#[test]
fn a_berkeleydb_of_garbage_pages_is_one_error_with_the_count() {
    const PS: usize = 4096;
    const PAGES: usize = 2048;
    let mut d = vec![0u8; PS * PAGES];
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for b in d.iter_mut() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        *b = (seed >> 24) as u8;
    }
    // A valid hash metadata page, then garbage pages that each claim to be hash pages.
    d[..PS].fill(0);
    d[12..16].copy_from_slice(&0x0006_1561u32.to_le_bytes());
    d[20..24].copy_from_slice(&(PS as u32).to_le_bytes());
    d[25] = 8;
    d[32..36].copy_from_slice(&(PAGES as u32 - 1).to_le_bytes());
    for p in 1..PAGES {
        d[p * PS + 25] = 13;
    }
    let (inv, m) = one_error("Packages", &d);
    assert_eq!(inv.errors[0].collector, "rpmdb-bdb");
    assert!(inv.artifacts.is_empty());
    let (bad, total) = counts(&m);
    assert_eq!(bad, total, "{m}");
    assert!(bad >= (PAGES - 1) * 9 / 10, "{m}");
    assert!(
        m.contains("records unreadable; first: malformed at offset"),
        "{m}"
    );
}

#[test]
fn sqlite_bad_blobs_are_one_error_with_the_count() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("var/lib/rpm");
    fs::create_dir_all(&dir).unwrap();
    let mut blobs = vec![build_header_blob(&kesl())];
    blobs.extend((0..1000u32).map(|i| i.to_le_bytes().repeat(8)));
    write_sqlite(&dir.join("rpmdb.sqlite"), &blobs);
    // A row whose blob column holds text is unreadable too.
    let conn = rusqlite::Connection::open(dir.join("rpmdb.sqlite")).unwrap();
    conn.execute("INSERT INTO Packages (blob) VALUES ('text')", [])
        .unwrap();
    drop(conn);
    let inv = RpmCollector.collect(&Root::offline(tmp.path()).unwrap());
    assert_eq!(names(&inv), ["kesl"]);
    assert_eq!(
        inv.errors.len(),
        1,
        "{:?}",
        &inv.errors[..inv.errors.len().min(3)]
    );
    let m = &inv.errors[0].message;
    assert_eq!(counts(m), (1001, 1002), "{m}");
    assert!(
        m.contains("rows unreadable; first: row 1002: Invalid column type Text"),
        "{m}"
    );
}
