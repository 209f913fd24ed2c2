//! macOS collectors on a synthetic root: corpus Slack `Info.plist` plus synthetic Kaspersky
//! bundles, launchd job, kext, system extension and receipts.

#[path = "../../interdict-formats/tests/support/macho_builder.rs"]
mod macho_builder;

use interdict_collectors::macos::{
    MacosAppBundle, MacosKext, MacosLaunchd, MacosReceipts, MacosSystemExtension,
};
use interdict_collectors::{Collector, Root};
use interdict_inventory::{Artifact, ArtifactKind, ArtifactState, Inventory};
use plist::{Dictionary, Value};
use std::fs;
use std::path::Path;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

fn put(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, bytes).unwrap();
}

fn dict(pairs: &[(&str, Value)]) -> Value {
    let mut d = Dictionary::new();
    for (k, v) in pairs {
        d.insert(k.to_string(), v.clone());
    }
    Value::Dictionary(d)
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

fn xml(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    v.to_writer_xml(&mut out).unwrap();
    out
}

fn binary(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    v.to_writer_binary(&mut out).unwrap();
    out
}

fn mac_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let slack = fs::read(format!("{CORPUS}/plist/syft/Slack.app/Contents/Info.plist"))
        .expect("corpus Slack Info.plist");
    put(r, "Applications/Slack.app/Contents/Info.plist", &slack);

    let kav = "Applications/Kaspersky Anti-Virus For Mac.app";
    let kav_info = dict(&[
        ("CFBundleIdentifier", s("com.kaspersky.kav")),
        ("CFBundleName", s("Kaspersky Anti-Virus")),
        ("CFBundleDisplayName", s("Kaspersky Anti-Virus For Mac")),
        ("CFBundleShortVersionString", s("21.0.21")),
        ("CFBundleVersion", s("21.0.21.110")),
        ("CFBundleExecutable", s("Kaspersky Anti-Virus For Mac")),
    ]);
    put(r, &format!("{kav}/Contents/Info.plist"), &xml(&kav_info));
    put(
        r,
        &format!("{kav}/Contents/MacOS/Kaspersky Anti-Virus For Mac"),
        &macho_builder::fat_macho("com.kaspersky.kav", Some("2Y8XE5CQ94")),
    );
    // A nested login item, written as a binary plist, with a thin signed executable.
    let helper = format!("{kav}/Contents/Library/LoginItems/KAV Agent.app");
    let helper_info = dict(&[
        ("CFBundleIdentifier", s("com.kaspersky.kav_agent")),
        ("CFBundleVersion", s("110")),
        ("CFBundleExecutable", s("kav_agent")),
    ]);
    put(
        r,
        &format!("{helper}/Contents/Info.plist"),
        &binary(&helper_info),
    );
    put(
        r,
        &format!("{helper}/Contents/MacOS/kav_agent"),
        &macho_builder::thin_macho("com.kaspersky.kav_agent", Some("2Y8XE5CQ94")),
    );
    // A user-level app in a binary Info.plist, without an executable.
    let user_app = dict(&[
        ("CFBundleIdentifier", s("com.kaspersky.kav.downloader")),
        ("CFBundleVersion", s("1.0")),
    ]);
    put(
        r,
        "Users/bob/Applications/Kaspersky Downloader.app/Contents/Info.plist",
        &binary(&user_app),
    );
    // A broken bundle.
    put(
        r,
        "Applications/Broken.app/Contents/Info.plist",
        b"<plist><dict><key>x</key>",
    );

    let job = dict(&[
        ("Label", s("com.kaspersky.kav")),
        (
            "ProgramArguments",
            Value::Array(vec![
                s("/Library/Application Support/Kaspersky Lab/KAV/Binaries/kav"),
                s("-d"),
            ]),
        ),
        ("RunAtLoad", Value::Boolean(true)),
    ]);
    put(
        r,
        "Library/LaunchDaemons/com.kaspersky.kav.plist",
        &xml(&job),
    );
    let agent = dict(&[
        (
            "Program",
            s("/Applications/Kaspersky Anti-Virus For Mac.app/Contents/MacOS/gui"),
        ),
        ("Disabled", Value::Boolean(true)),
    ]);
    put(
        r,
        "Users/bob/Library/LaunchAgents/com.kaspersky.kav.gui.plist",
        &binary(&agent),
    );

    let kext = dict(&[
        ("CFBundleIdentifier", s("com.kaspersky.kext.klif")),
        ("CFBundleShortVersionString", s("3.3.0")),
        ("CFBundlePackageType", s("KEXT")),
    ]);
    put(
        r,
        "Library/Extensions/klif.kext/Contents/Info.plist",
        &xml(&kext),
    );

    let sysext = dict(&[
        ("CFBundleIdentifier", s("com.kaspersky.kav.sysext")),
        ("CFBundleVersion", s("21.0")),
        ("CFBundleExecutable", s("com.kaspersky.kav.sysext")),
    ]);
    let staged = "Library/SystemExtensions/0A1B2C3D-0000-0000-0000-000000000000/com.kaspersky.kav.sysext.systemextension";
    put(r, &format!("{staged}/Contents/Info.plist"), &xml(&sysext));
    put(
        r,
        &format!("{staged}/Contents/MacOS/com.kaspersky.kav.sysext"),
        &macho_builder::thin_macho("com.kaspersky.kav.sysext", Some("2Y8XE5CQ94")),
    );
    let db = dict(&[(
        "extensions",
        Value::Array(vec![dict(&[
            ("identifier", s("com.kaspersky.kav.sysext")),
            ("teamID", s("2Y8XE5CQ94")),
            ("state", s("activated_enabled")),
            (
                "originPath",
                s("/Applications/Kaspersky Anti-Virus For Mac.app"),
            ),
            (
                "bundleVersion",
                dict(&[("CFBundleShortVersionString", s("21.0.21"))]),
            ),
        ])]),
    )]);
    put(r, "Library/SystemExtensions/db.plist", &binary(&db));

    let receipt = dict(&[
        ("PackageIdentifier", s("com.kaspersky.kav.core")),
        ("PackageVersion", s("21.0.21.110")),
        ("InstallPrefixPath", s("/")),
    ]);
    put(
        r,
        "var/db/receipts/com.kaspersky.kav.core.plist",
        &binary(&receipt),
    );
    put(r, "var/db/receipts/com.kaspersky.kav.core.bom", b"BOMStore");
    let history = Value::Array(vec![dict(&[
        ("displayName", s("Kaspersky Anti-Virus")),
        ("displayVersion", s("21.0.21")),
        (
            "packageIdentifiers",
            Value::Array(vec![
                s("com.kaspersky.kav.core"),
                s("com.kaspersky.kav.oas"),
            ]),
        ),
        ("processName", s("Installer")),
    ])]);
    put(r, "Library/Receipts/InstallHistory.plist", &xml(&history));
    dir
}

fn run(c: &dyn Collector, root: &Root) -> Inventory {
    let mut inv = c.collect(root);
    inv.sort();
    inv
}

fn by_name<'a>(inv: &'a Inventory, name: &str) -> &'a Artifact {
    inv.artifacts
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no artifact {name}: {inv:#?}"))
}

#[test]
fn app_bundles_with_team_id_and_nested_items() {
    let dir = mac_root();
    let root = Root::offline(dir.path()).unwrap();
    let inv = run(&MacosAppBundle, &root);
    let names: Vec<&str> = inv.artifacts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "com.kaspersky.kav",
            "com.kaspersky.kav.downloader",
            "com.kaspersky.kav_agent",
            "com.tinyspeck.slackmacgap"
        ]
    );
    assert!(
        inv.artifacts
            .iter()
            .all(|a| a.kind == ArtifactKind::Bundle && a.collector == "macos-app-bundle")
    );
    assert_eq!(inv.errors.len(), 1);
    assert_eq!(
        inv.errors[0].location,
        "Applications/Broken.app/Contents/Info.plist"
    );

    let slack = by_name(&inv, "com.tinyspeck.slackmacgap");
    assert_eq!(slack.version.as_deref(), Some("4.50.128"));
    assert_eq!(slack.attr("bundle-name"), Some("Slack"));
    assert_eq!(slack.attr("display-name"), Some("Slack"));
    assert_eq!(slack.attr("bundle-path"), Some("Applications/Slack.app"));
    assert_eq!(slack.location, "Applications/Slack.app/Contents/Info.plist");
    assert!(slack.signers.is_empty() && slack.attr("team-id").is_none());

    let kav = by_name(&inv, "com.kaspersky.kav");
    assert_eq!(kav.version.as_deref(), Some("21.0.21"));
    assert_eq!(
        kav.attr("display-name"),
        Some("Kaspersky Anti-Virus For Mac")
    );
    assert_eq!(kav.attr("team-id"), Some("2Y8XE5CQ94"));
    assert_eq!(kav.signers, ["OU=2Y8XE5CQ94"]);
    assert_eq!(kav.attr("signing-id"), Some("com.kaspersky.kav"));
    assert_eq!(
        kav.paths,
        [
            "Applications/Kaspersky Anti-Virus For Mac.app",
            "Applications/Kaspersky Anti-Virus For Mac.app/Contents/MacOS/Kaspersky Anti-Virus For Mac"
        ]
    );

    let agent = by_name(&inv, "com.kaspersky.kav_agent");
    assert_eq!(agent.version.as_deref(), Some("110"));
    assert_eq!(
        agent.attr("parent-bundle"),
        Some("Applications/Kaspersky Anti-Virus For Mac.app")
    );
    assert_eq!(agent.signers, ["OU=2Y8XE5CQ94"]);

    let dl = by_name(&inv, "com.kaspersky.kav.downloader");
    assert_eq!(
        dl.attr("bundle-path"),
        Some("Users/bob/Applications/Kaspersky Downloader.app")
    );
    assert_eq!(dl.version.as_deref(), Some("1.0"));
}

#[test]
fn launchd_jobs() {
    let dir = mac_root();
    let root = Root::offline(dir.path()).unwrap();
    let inv = run(&MacosLaunchd, &root);
    assert!(inv.errors.is_empty(), "{:?}", inv.errors);
    assert_eq!(inv.artifacts.len(), 2);
    let d = by_name(&inv, "com.kaspersky.kav");
    assert_eq!(d.kind, ArtifactKind::Service);
    assert_eq!(d.location, "Library/LaunchDaemons/com.kaspersky.kav.plist");
    assert_eq!(
        d.paths,
        ["Library/Application Support/Kaspersky Lab/KAV/Binaries/kav"]
    );
    assert_eq!(d.attr("scope"), Some("daemon"));
    assert_eq!(d.state, ArtifactState::Active);
    // No Label: the file stem names the job.
    let g = by_name(&inv, "com.kaspersky.kav.gui");
    assert_eq!(g.attr("scope"), Some("user-agent"));
    assert_eq!(g.state, ArtifactState::Disabled);
    assert_eq!(
        g.paths,
        ["Applications/Kaspersky Anti-Virus For Mac.app/Contents/MacOS/gui"]
    );
}

#[test]
fn kernel_extensions() {
    let dir = mac_root();
    let root = Root::offline(dir.path()).unwrap();
    let inv = run(&MacosKext, &root);
    assert!(inv.errors.is_empty(), "{:?}", inv.errors);
    assert_eq!(inv.artifacts.len(), 1);
    let k = &inv.artifacts[0];
    assert_eq!(
        (k.kind, k.name.as_str()),
        (ArtifactKind::Driver, "com.kaspersky.kext.klif")
    );
    assert_eq!(k.version.as_deref(), Some("3.3.0"));
    assert_eq!(k.paths, ["Library/Extensions/klif.kext"]);
    assert_eq!(k.collector, "macos-kext");
}

#[test]
fn system_extensions_staged_and_db() {
    let dir = mac_root();
    let root = Root::offline(dir.path()).unwrap();
    let inv = run(&MacosSystemExtension, &root);
    assert!(inv.errors.is_empty(), "{:?}", inv.errors);
    assert_eq!(inv.artifacts.len(), 2);
    for a in &inv.artifacts {
        assert_eq!(
            (a.kind, a.name.as_str()),
            (ArtifactKind::Driver, "com.kaspersky.kav.sysext")
        );
        assert_eq!(a.signers, ["OU=2Y8XE5CQ94"]);
        assert_eq!(a.attr("team-id"), Some("2Y8XE5CQ94"));
    }
    let db = inv
        .artifacts
        .iter()
        .find(|a| a.attr("source") == Some("sysext-db"))
        .unwrap();
    assert_eq!(db.version.as_deref(), Some("21.0.21"));
    assert_eq!(db.attr("sysext-state"), Some("activated_enabled"));
    assert_eq!(db.paths, ["Applications/Kaspersky Anti-Virus For Mac.app"]);
}

#[test]
fn pkg_receipts_and_install_history() {
    let dir = mac_root();
    let root = Root::offline(dir.path()).unwrap();
    let inv = run(&MacosReceipts, &root);
    assert!(inv.errors.is_empty(), "{:?}", inv.errors);
    let receipt = inv
        .artifacts
        .iter()
        .find(|a| a.attr("source") == Some("pkg-receipt"))
        .unwrap();
    assert_eq!(receipt.kind, ArtifactKind::Package);
    assert_eq!(receipt.name, "com.kaspersky.kav.core");
    assert_eq!(receipt.version.as_deref(), Some("21.0.21.110"));
    assert_eq!(
        receipt.location,
        "var/db/receipts/com.kaspersky.kav.core.plist"
    );
    let hist: Vec<&str> = inv
        .artifacts
        .iter()
        .filter(|a| a.attr("source") == Some("install-history"))
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(hist, ["com.kaspersky.kav.core", "com.kaspersky.kav.oas"]);
}

#[test]
fn empty_root_yields_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = Root::offline(dir.path()).unwrap();
    let collectors: [&dyn Collector; 5] = [
        &MacosAppBundle,
        &MacosLaunchd,
        &MacosKext,
        &MacosSystemExtension,
        &MacosReceipts,
    ];
    for c in collectors {
        let inv = c.collect(&root);
        assert!(
            inv.artifacts.is_empty() && inv.errors.is_empty(),
            "{}",
            c.id()
        );
    }
}
