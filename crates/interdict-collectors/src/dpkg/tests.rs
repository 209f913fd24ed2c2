use super::*;
use std::path::Path;

fn corpus() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/dpkg"
    ))
}

fn root_with(files: &[(&str, &Path)]) -> (tempfile::TempDir, Root) {
    let dir = tempfile::tempdir().unwrap();
    for (rel, src) in files {
        let dst = dir.path().join(rel);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(src, &dst).unwrap_or_else(|e| panic!("corpus {}: {e}", src.display()));
    }
    let root = Root::offline(dir.path()).unwrap();
    (dir, root)
}

fn find<'a>(inv: &'a Inventory, name: &str) -> &'a Artifact {
    inv.artifacts
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn ubuntu_18_04_status_counts_states_and_epochs() {
    let c = corpus().join("ubuntu-18.04-trivy");
    let (_d, root) = root_with(&[
        (STATUS, &c.join("status")),
        ("var/lib/dpkg/info/tar.list", &c.join("info/tar.list")),
    ]);
    let inv = DpkgCollector::default().collect(&root);
    assert!(inv.errors.is_empty(), "{:?}", inv.errors);
    assert_eq!(inv.artifacts.len(), 91);
    let active = inv
        .artifacts
        .iter()
        .filter(|a| a.state == ArtifactState::Active)
        .count();
    assert_eq!(active, 90);
    let git = find(&inv, "git");
    assert_eq!(git.state, ArtifactState::Leftover);
    assert_eq!(git.version.as_deref(), Some("1:2.20.1-2+deb10u3"));
    let arch = |a: &str| {
        inv.artifacts
            .iter()
            .filter(|x| x.attr("arch") == Some(a))
            .count()
    };
    assert_eq!((arch("amd64"), arch("all")), (81, 10));
    let epochs = inv
        .artifacts
        .iter()
        .filter(|a| a.version.as_deref().is_some_and(|v| v.contains(':')))
        .count();
    assert_eq!(epochs, 14);
    assert_eq!(
        find(&inv, "zlib1g").version.as_deref(),
        Some("1:1.2.11.dfsg-0ubuntu2")
    );
    assert_eq!(find(&inv, "libpcre3").version.as_deref(), Some("2:8.39-9"));
    let with_src_ver = inv
        .artifacts
        .iter()
        .filter(|a| a.attr("source-version").is_some())
        .count();
    assert_eq!(with_src_ver, 4);
    let bsdutils = find(&inv, "bsdutils");
    assert_eq!(bsdutils.attr("source"), Some("util-linux"));
    assert_eq!(bsdutils.attr("source-version"), Some("2.31.1-0.4ubuntu3.1"));
    assert_eq!(inv.artifacts[0].name, "fdisk");
    assert_eq!(
        inv.artifacts[0].version.as_deref(),
        Some("2.31.1-0.4ubuntu3.1")
    );
    for (n, v) in [
        ("bash", "4.4.18-2ubuntu1"),
        ("libc6", "2.27-3ubuntu1"),
        ("apt", "1.6.3ubuntu0.1"),
        ("base-files", "10.1ubuntu2.2"),
        ("dpkg", "1.19.0.5ubuntu2"),
        ("tar", "1.29b-2"),
        ("coreutils", "8.28-1ubuntu1"),
    ] {
        assert_eq!(find(&inv, n).version.as_deref(), Some(v), "{n}");
    }
    assert_eq!(
        find(&inv, "bash").publisher.as_deref(),
        Some("Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>")
    );
    // tar.list: 28 lines incl. "/."; last line without newline.
    let tar = find(&inv, "tar");
    assert_eq!(tar.paths.len(), 27);
    assert_eq!(tar.paths[1], "bin/tar");
    assert_eq!(tar.paths.last().map(String::as_str), Some("etc/rmt"));
}

#[test]
fn debian_8_arm64_status_and_multiarch_lists() {
    let c = corpus().join("debian-8.6-arm64-szlin");
    let mut files: Vec<(String, std::path::PathBuf)> = vec![(STATUS.into(), c.join("status"))];
    for l in [
        "bash.list",
        "tar.list",
        "sudo.list",
        "wget.list",
        "base-files.list",
        "libc6:arm64.list",
    ] {
        files.push((format!("{INFO}/{l}"), c.join("info").join(l)));
    }
    let refs: Vec<(&str, &Path)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_path()))
        .collect();
    let (_d, root) = root_with(&refs);
    let inv = DpkgCollector::default().collect(&root);
    assert_eq!(inv.artifacts.len(), 163);
    assert!(
        inv.artifacts
            .iter()
            .all(|a| a.state == ArtifactState::Active)
    );
    let arch = |a: &str| {
        inv.artifacts
            .iter()
            .filter(|x| x.attr("arch") == Some(a))
            .count()
    };
    assert_eq!((arch("arm64"), arch("all")), (144, 19));
    let epochs = inv
        .artifacts
        .iter()
        .filter(|a| a.version.as_deref().is_some_and(|v| v.contains(':')))
        .count();
    assert_eq!(epochs, 27);
    assert_eq!(
        inv.artifacts
            .iter()
            .filter(|a| a.attr("source-version").is_some())
            .count(),
        41
    );
    assert_eq!(
        inv.artifacts
            .iter()
            .filter(|a| a.attr("multi-arch").is_some())
            .count(),
        119
    );
    assert_eq!(
        inv.artifacts
            .iter()
            .filter(|a| a.attr("multi-arch") == Some("same"))
            .count(),
        68
    );
    for (n, v) in [
        ("vim-tiny", "2:7.4.488-7"),
        ("iputils-ping", "3:20121221-5+b1"),
        ("bash", "4.3-11+b1"),
        ("libc6", "2.19-18+deb8u6"),
        ("sudo", "1.8.10p3-1+deb8u3"),
        ("systemd", "215-17+deb8u5"),
        ("libssl1.0.0", "1.0.1t-1+deb8u3"),
    ] {
        assert_eq!(find(&inv, n).version.as_deref(), Some(v), "{n}");
    }
    // line counts include "/."
    assert_eq!(find(&inv, "bash").paths.len(), 153);
    assert_eq!(find(&inv, "bash").paths[145], "bin/bash");
    assert_eq!(find(&inv, "sudo").paths[144], "usr/bin/sudo");
    assert_eq!(find(&inv, "wget").paths[136], "usr/bin/wget");
    assert_eq!(find(&inv, "base-files").paths.len(), 83);
    assert_eq!(
        find(&inv, "libc6").paths.len(),
        324,
        "multi-arch name:arch.list"
    );
}

#[test]
fn status_d_distroless_and_deinstall() {
    let (_d, root) = root_with(&[
        (
            "var/lib/dpkg/status.d/coreutils-relationships",
            &corpus().join("debian-12-syft/status.d/coreutils-relationships"),
        ),
        (
            "var/lib/dpkg/status.d/deinstall",
            &corpus().join("ubuntu-24.04-syft/status.d/deinstall"),
        ),
        (
            "var/lib/dpkg/status.d/libsqlite3-0",
            &corpus().join("distroless-syft/status.d/libsqlite3-0"),
        ),
        (
            "var/lib/dpkg/status.d/libsqlite3-0.md5sums",
            &corpus().join("distroless-syft/status.d/libsqlite3-0.md5sums"),
        ),
    ]);
    let inv = DpkgCollector::default().collect(&root);
    assert!(inv.errors.is_empty(), "{:?}", inv.errors);
    assert_eq!(inv.artifacts.len(), 9 + 2 + 1);
    assert_eq!(
        find(&inv, "libgmp10").version.as_deref(),
        Some("2:6.2.1+dfsg1-1.1")
    );
    assert_eq!(
        find(&inv, "libselinux1").attr("source-version"),
        Some("3.4-1")
    );
    assert_eq!(
        find(&inv, "linux-image-6.14.0-1012-aws").state,
        ArtifactState::Active
    );
    assert_eq!(
        find(&inv, "linux-image-6.8.0-1029-aws").state,
        ArtifactState::Leftover
    );
    let sqlite = find(&inv, "libsqlite3-0");
    assert_eq!(
        sqlite.state,
        ArtifactState::Active,
        "no Status field = installed"
    );
    assert_eq!(sqlite.version.as_deref(), Some("3.34.1-3"));
    assert_eq!(sqlite.attr("source"), Some("sqlite3"));
    assert_eq!(sqlite.location, "var/lib/dpkg/status.d/libsqlite3-0");
}

#[test]
fn third_party_and_scalibr_maintainers() {
    let (_d, root) = root_with(&[(STATUS, &corpus().join("third-party-docker-trivy/status"))]);
    let inv = DpkgCollector::default().collect(&root);
    assert_eq!(inv.artifacts.len(), 2);
    let docker = find(&inv, "docker-ce");
    assert_eq!(
        docker.version.as_deref(),
        Some("5:20.10.7~3-0~debian-buster")
    );
    assert_eq!(
        docker.publisher.as_deref(),
        Some("Docker <support@docker.com>")
    );
    assert_eq!(
        docker.attr("purl"),
        Some("pkg:deb/debian/docker-ce@5:20.10.7~3-0~debian-buster?arch=amd64")
    );

    let (_d, root) = root_with(&[(STATUS, &corpus().join("debian-12-scalibr/status"))]);
    let inv = DpkgCollector::default().collect(&root);
    assert_eq!(inv.artifacts.len(), 7);
    let admin = find(&inv, "admin-session");
    assert_eq!(admin.publisher.as_deref(), Some("nobody@google.com"));
    assert_eq!(admin.version.as_deref(), Some("2023.06.26.c543406313-00"));
    assert_eq!(find(&inv, "adduser").attr("arch"), Some("all"));
    assert_eq!(
        find(&inv, "util-linux-extra").attr("source-version"),
        Some("2.38.1-5")
    );
}

#[test]
fn unreadable_or_garbage_status_is_an_error_and_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("var/lib/dpkg/status.d")).unwrap();
    std::fs::write(
        dir.path().join("var/lib/dpkg/status.d/bad"),
        b"\x00\x01\x02garbage",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("var/lib/dpkg/status.d/good"),
        b"Package: ok\nVersion: 1\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join(STATUS)).unwrap(); // a directory: unreadable as a file
    let root = Root::offline(dir.path()).unwrap();
    let inv = DpkgCollector::default().collect(&root);
    assert_eq!(inv.artifacts.len(), 1);
    assert_eq!(inv.errors.len(), 2, "{:?}", inv.errors);
    assert!(inv.errors.iter().any(|e| e.location == STATUS));
    assert!(
        inv.errors
            .iter()
            .any(|e| e.location == "var/lib/dpkg/status.d/bad"
                && e.message.contains("not a dpkg status file"))
    );
}
