//! Windows collectors on an offline root built from real corpus hives.

use interdict_collectors::windows::{
    WinCertStoreHive, WinRegistryKeys, WinServicesHive, WinUninstallHive,
};
use interdict_collectors::{Collector, Root};
use interdict_inventory::{Artifact, ArtifactKind, ArtifactState};
use std::fs;
use std::path::Path;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

fn unxz(rel: &str) -> Vec<u8> {
    let path = format!("{CORPUS}/{rel}");
    let raw = fs::read(&path).unwrap_or_else(|e| panic!("corpus file {path}: {e}"));
    let mut out = Vec::new();
    lzma_rs::xz_decompress(&mut raw.as_slice(), &mut out).unwrap();
    out
}

fn place(dir: &Path, rel: &str, bytes: &[u8]) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, bytes).unwrap();
}

/// `Windows/System32/config/SYSTEM` and `Users/tony/NTUSER.DAT` from the corpus.
fn windows_root() -> (tempfile::TempDir, Root) {
    let dir = tempfile::tempdir().unwrap();
    place(
        dir.path(),
        "Windows/System32/config/SYSTEM",
        &unxz("registry/regipy/SYSTEM.xz"),
    );
    place(
        dir.path(),
        "Users/tony/NTUSER.DAT",
        &unxz("registry/regipy/NTUSER_with_winscp.DAT.xz"),
    );
    let root = Root::offline(dir.path()).unwrap();
    (dir, root)
}

/// Locations of the dirty-hive warnings; fails on any other error.
fn dirty_warnings(inv: &interdict_inventory::Inventory) -> Vec<&str> {
    for e in &inv.errors {
        assert_eq!(
            e.message, "hive is dirty: unreplayed transaction log; read from the base file",
            "{e:?}"
        );
    }
    inv.errors.iter().map(|e| e.location.as_str()).collect()
}

fn find<'a>(arts: &'a [Artifact], name: &str) -> &'a Artifact {
    arts.iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no artifact {name}"))
}

const MCAFEE: [&str; 16] = [
    "McAfee SiteAdvisor Enterprise Service",
    "McAfeeFramework",
    "McShield",
    "McTaskManager",
    "Mcx2Svc",
    "mfeapfk",
    "mfeavfk",
    "mfeavfk01",
    "mfebopk",
    "mfefire",
    "mfefirek",
    "mfehidk",
    "mfenlfk",
    "mferkdet",
    "mfevtp",
    "mfewfpk",
];

#[test]
fn services_of_the_current_control_set_on_a_real_system_hive() {
    let (_dir, root) = windows_root();
    let inv = WinServicesHive.collect(&root);
    assert!(inv.errors.is_empty(), "{:?}", inv.errors);
    let arts = &inv.artifacts;
    assert!(arts.len() > 300 && arts.len() <= 467, "{}", arts.len());
    assert!(
        arts.iter().all(|a| a
            .location
            .starts_with(r"Windows/System32/config/SYSTEM:ControlSet001\services\")),
        "{:?}",
        arts[0]
    );
    assert!(arts.iter().all(|a| a.collector == "win-services-hive"));
    for name in MCAFEE {
        find(arts, name);
    }
    let fw = find(arts, "McAfeeFramework");
    assert_eq!(fw.kind, ArtifactKind::Service);
    // The key path is spelled as in the hive (this one says `services`).
    assert_eq!(
        fw.location,
        r"Windows/System32/config/SYSTEM:ControlSet001\services\McAfeeFramework"
    );
    assert_eq!(fw.attr("display-name"), Some("McAfee Framework Service"));
    assert_eq!(
        fw.attr("image-path"),
        Some(r#""C:\Program Files\McAfee\Common Framework\FrameworkService.exe" /ServiceStart"#)
    );
    assert_eq!(fw.attr("start"), Some("auto"));
    assert_eq!(fw.attr("type"), Some("own-process"));
    assert_eq!(
        fw.paths,
        ["Program Files/McAfee/Common Framework/FrameworkService.exe"]
    );
    assert_eq!(fw.state, ArtifactState::Active);
    let hidk = find(arts, "mfehidk");
    assert_eq!(hidk.kind, ArtifactKind::Driver);
    assert_eq!(hidk.attr("display-name"), Some("McAfee Inc. mfehidk"));
    assert_eq!(hidk.attr("type"), Some("kernel-driver"));
    assert_eq!(hidk.paths, ["Windows/system32/drivers/mfehidk.sys"]);
    assert_eq!(find(arts, "WinDefend").kind, ArtifactKind::Service);
    let kaspersky = [
        "avp", "klif", "kl1", "klim", "kneps", "klnagent", "klhk", "klflt",
    ];
    assert!(!arts.iter().any(|a| {
        kaspersky
            .iter()
            .any(|k| a.name.to_lowercase().starts_with(k))
    }));
}

#[test]
fn per_user_uninstall_entries_from_ntuser() {
    let (_dir, root) = windows_root();
    let inv = WinUninstallHive.collect(&root);
    assert_eq!(dirty_warnings(&inv), ["Users/tony/NTUSER.DAT"]);
    let mut arp: Vec<&Artifact> = inv
        .artifacts
        .iter()
        .filter(|a| a.attr("source").is_none())
        .collect();
    arp.sort_by(|a, b| a.name.cmp(&b.name));
    let summary: Vec<(&str, Option<&str>, Option<&str>)> = arp
        .iter()
        .map(|a| {
            (
                a.name.as_str(),
                a.version.as_deref(),
                a.publisher.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("GitHub Desktop", Some("3.0.0"), Some("GitHub, Inc.")),
            (
                "JetBrains dotPeek 2021.3.3",
                Some("2021.3.3"),
                Some("JetBrains s.r.o.")
            ),
            (
                "Python 3.10.2 (64-bit)",
                Some("3.10.2150.0"),
                Some("Python Software Foundation")
            ),
            (
                "Zoom",
                Some("5.9.3 (3169)"),
                Some("Zoom Video Communications, Inc.")
            ),
        ]
    );
    for a in &arp {
        assert_eq!(
            (a.kind, a.attr("scope"), a.attr("user")),
            (ArtifactKind::Package, Some("user"), Some("tony"))
        );
        assert!(a.location.starts_with(
            r"Users/tony/NTUSER.DAT:SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\"
        ));
    }
    let zoom = find(&inv.artifacts, "Zoom");
    assert_eq!(
        zoom.location,
        r"Users/tony/NTUSER.DAT:SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\ZoomUMX"
    );
    assert_eq!(
        zoom.attr("registry-key"),
        Some(r"HKCU\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\ZoomUMX")
    );
    assert!(
        zoom.attr("uninstall-string")
            .is_some_and(|s| s.contains("Zoom")),
        "{zoom:?}"
    );
    let github = find(&inv.artifacts, "GitHub Desktop");
    assert!(
        github.paths.iter().all(|p| p.starts_with("Users/tony/")),
        "{github:?}"
    );
}

#[test]
fn no_software_hive_means_no_machine_artifacts_and_no_errors() {
    let (_dir, root) = windows_root();
    // The corpus NTUSER.DAT is really dirty (sequence numbers 5161/5160); only the
    // certificate collector reads user hives.
    for (c, warned) in [
        (&WinRegistryKeys as &dyn Collector, false),
        (&WinCertStoreHive, true),
    ] {
        let inv = c.collect(&root);
        assert_eq!(
            dirty_warnings(&inv).len(),
            usize::from(warned),
            "{}",
            c.id()
        );
        assert!(
            inv.artifacts
                .iter()
                .all(|a| a.location.starts_with("Users/tony/")),
            "{:?}",
            inv.artifacts
        );
    }
}

#[test]
fn corrupt_hive_is_one_error_and_other_hives_are_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let ntuser = unxz("registry/regipy/NTUSER_with_winscp.DAT.xz");
    place(dir.path(), "Users/tony/NTUSER.DAT", &ntuser);
    place(dir.path(), "Users/bob/NTUSER.DAT", &ntuser[..3000]);
    let mut flipped = ntuser.clone();
    // Wreck the root key cell signature.
    let root_cell = 4096 + u32::from_le_bytes(flipped[36..40].try_into().unwrap()) as usize + 4;
    flipped[root_cell] ^= 0xff;
    place(dir.path(), "Users/carol/NTUSER.DAT", &flipped);
    let mut clean = ntuser.clone();
    clean.copy_within(4..8, 8);
    place(dir.path(), "Users/dave/NTUSER.DAT", &clean);
    let root = Root::offline(dir.path()).unwrap();
    let inv = WinUninstallHive.collect(&root);
    let errors: Vec<(&str, &str)> = inv
        .errors
        .iter()
        .map(|e| (e.location.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        errors[0].0 == "Users/bob/NTUSER.DAT" && errors[0].1.contains("truncated"),
        "{errors:?}"
    );
    assert!(
        errors[1].0 == "Users/carol/NTUSER.DAT" && errors[1].1.contains("bad magic"),
        "{errors:?}"
    );
    assert_eq!(
        errors[2],
        (
            "Users/tony/NTUSER.DAT",
            "hive is dirty: unreplayed transaction log; read from the base file"
        )
    );
    let users: Vec<&str> = inv
        .artifacts
        .iter()
        .filter(|a| a.attr("source").is_none())
        .filter_map(|a| a.attr("user"))
        .collect();
    assert_eq!(users.iter().filter(|u| **u == "tony").count(), 4);
    assert_eq!(users.iter().filter(|u| **u == "dave").count(), 4);
}

#[test]
fn windows_root_is_detected_and_names_its_computer() {
    let (_dir, root) = windows_root();
    let os = interdict_collectors::os::detect(&root);
    assert_eq!(os.platform, interdict_inventory::Platform::Windows);
    assert_eq!(
        interdict_collectors::os::hostname(&root, os.platform),
        "WKS-WIN732BITA"
    );
}
