//! The Linux fixture root shared by the end-to-end tests.

use super::*;

const KESL_STATUS: &str = "\
Package: keslint
Status: install ok installed
Maintainer: Lint Authors <lint@example.org>
Architecture: all
Version: 0.3-1
Description: linter that happens to share a prefix

Package: kesl
Status: install ok installed
Priority: optional
Maintainer: AO Kaspersky Lab <support@kaspersky.com>
Architecture: amd64
Version: 12.1.0-1234
Description: Kaspersky Endpoint Security for Linux

Package: kav4fs
Status: deinstall ok config-files
Maintainer: Kaspersky Lab <support@kaspersky.com>
Architecture: i386
Version: 8.0.4-312
Description: Kaspersky Anti-Virus for Linux File Server

Package: eset-nod32
Status: install ok installed
Maintainer: ESET <support@eset.com>
Architecture: amd64
Version: 4.0.93
Description: ESET NOD32 Antivirus

Package: mfetp
Status: install ok installed
Maintainer: McAfee LLC <support@mcafee.com>
Architecture: amd64
Version: 10.7.0-1
Description: McAfee Endpoint Security for Linux Threat Prevention

Package: kaspersky-migration-notes
Status: install ok installed
Maintainer: Agency IT <it@agency.example>
Architecture: all
Version: 1.0
Description: documentation on removing Kaspersky Endpoint Security
";

/// Builds the fixture; `marker` is where a trap would write if anything executed.
pub fn linux_root(marker: &std::path::Path) -> Fixture {
    let fx = Fixture::new();
    fx.write(
        "etc/os-release",
        "ID=debian\nVERSION_ID=12\nPRETTY_NAME=\"Debian GNU/Linux 12 (fixture)\"\n",
    );
    fx.write("etc/hostname", "fixture-host\n");
    // dpkg
    fx.write("var/lib/dpkg/status", KESL_STATUS);
    fx.write(
        "var/lib/dpkg/info/kesl.list",
        "/.\n/opt\n/opt/kaspersky\n/opt/kaspersky/kesl\n/opt/kaspersky/kesl/bin/kesl-control\n",
    );
    // rpm (SQLite backend): the Network Agent installed, and a decoy sharing a prefix
    rpmdb(
        &fx,
        "var/lib/rpm/rpmdb.sqlite",
        &[
            (
                "klnagent64",
                "15.1.0",
                "20",
                Some("AO Kaspersky Lab"),
                &["/opt/kaspersky/klnagent64/bin/klnagchk"],
            ),
            (
                "klnagent64-compat-shim",
                "1.0",
                "1",
                Some("Example Org"),
                &[],
            ),
            (
                "bash",
                "5.1.8",
                "1.el9",
                Some("Red Hat, Inc."),
                &["/usr/bin/bash"],
            ),
        ],
    );
    // a Chromium-family profile: Kaspersky Protection (name from its locale files) and a
    // decoy extension whose name mentions Kaspersky
    let ext = "home/alice/.config/google-chrome/Default/Extensions";
    fx.write(
        &format!("{ext}/ahkjpbeeocnddjkakilopmfdlnjdpcdm/4.0.1_0/manifest.json"),
        r#"{"manifest_version": 3, "name": "__MSG_extName__", "version": "4.0.1", "default_locale": "en"}"#,
    );
    fx.write(
        &format!("{ext}/ahkjpbeeocnddjkakilopmfdlnjdpcdm/4.0.1_0/_locales/en/messages.json"),
        r#"{"extName": {"message": "Kaspersky Protection"}}"#,
    );
    fx.write(
        &format!("{ext}/cjpalhdlnbpafiamejdnhcphjbkeiagm/1.58.0_0/manifest.json"),
        r#"{"manifest_version": 3, "name": "uBlock Origin (blocks Kaspersky-style trackers)", "version": "1.58.0"}"#,
    );
    // systemd
    fx.write("lib/systemd/system/kesl.service", "[Unit]\nDescription=Kaspersky Endpoint Security for Linux\n[Service]\nExecStart=/opt/kaspersky/kesl/libexec/kesl\n[Install]\nWantedBy=multi-user.target\n");
    fx.write("lib/systemd/system/kesl-supervisor.service", "[Unit]\nDescription=KESL supervisor\n[Service]\nExecStart=/opt/kaspersky/kesl/libexec/kesl-supervisor\n");
    fx.symlink(
        "/lib/systemd/system/kesl.service",
        "etc/systemd/system/multi-user.target.wants/kesl.service",
    );
    fx.write("lib/systemd/system/kaspersky-cleanup-report.service", "[Unit]\nDescription=Report Kaspersky removal progress\n[Service]\nExecStart=/usr/local/bin/report\n");
    fx.write(
        "lib/systemd/system/esets.service",
        "[Unit]\nDescription=ESET\n[Service]\nExecStart=/opt/eset/esets/sbin/esets_daemon\n",
    );
    // files
    fx.write("opt/kaspersky/kesl/bin/kesl-control", "binary");
    fx.write("opt/kaspersky/kesl/libexec/kesl", "binary");
    fx.write("var/opt/kaspersky/kesl/common/kesl.ini", "[General]\n");
    fx.write("opt/eset/esets/sbin/esets_daemon", "binary");
    fx.write("opt/McAfee/ens/tp/bin/mfetpd", "binary");
    fx.write(
        "home/alice/Documents/kaspersky-removal-plan.txt",
        "Remove Kaspersky Endpoint Security (kesl) from opt/kaspersky by day 90.\n",
    );
    fx.write(
        "srv/mirror/opt/kaspersky/kesl/bin/kesl-control",
        "a mirrored copy, not an install",
    );
    // symlinks pointing outside the root: must be re-rooted, never followed out
    fx.symlink("/tmp", "opt/kaspersky-outside");
    fx.symlink("../../../../../../etc/passwd", "etc/ssl/certs/escape.pem");
    // trust store: a bundle with another CA and the Kaspersky interception root
    let mut bundle = data("eset-root.pem");
    bundle.extend(data("kaspersky-root.pem"));
    fx.write("etc/ssl/certs/ca-certificates.crt", bundle);
    // programs that would leave a marker if anything ran them
    fx.trap("usr/bin/dpkg-query", marker);
    fx.trap("opt/kaspersky/kesl/bin/kesl-setup.pl", marker);
    fx.trap("usr/bin/openssl", marker);
    fx
}

type RpmEntry<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, &'a [&'a str]);

/// Writes an rpm SQLite database (rpm >= 4.16 layout) holding header blobs.
pub fn rpmdb(fx: &Fixture, rel: &str, packages: &[RpmEntry]) {
    use interdict_formats::rpm::header::{RpmHeader, build_header_blob};
    let path = fx.path().join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let db = rusqlite::Connection::open(&path).unwrap();
    db.execute(
        "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)",
        [],
    )
    .unwrap();
    for (name, version, release, vendor, files) in packages {
        let h = RpmHeader {
            name: name.to_string(),
            version: version.to_string(),
            release: release.to_string(),
            arch: "x86_64".into(),
            vendor: vendor.map(String::from),
            summary: Some(format!("{name} package")),
            files: files.iter().map(|f| f.to_string()).collect(),
            ..Default::default()
        };
        db.execute(
            "INSERT INTO Packages (blob) VALUES (?1)",
            [build_header_blob(&h)],
        )
        .unwrap();
    }
    drop(db);
}
