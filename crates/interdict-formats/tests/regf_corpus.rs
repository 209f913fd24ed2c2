//! The hive reader on real hives from the shared corpus (`registry/`, see its README §3).

use interdict_formats::regf::{Hive, Key, ValueType};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

/// Reads a corpus file, decompressing `.xz`. A missing corpus is a failure.
fn corpus(rel: &str) -> Vec<u8> {
    let path = format!("{CORPUS}/{rel}");
    let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("corpus file {path}: {e}"));
    if !rel.ends_with(".xz") {
        return raw;
    }
    let mut out = Vec::new();
    lzma_rs::xz_decompress(&mut raw.as_slice(), &mut out).unwrap();
    out
}

/// Key name, DisplayName, DisplayVersion, Publisher.
type Entry = (String, Option<String>, Option<String>, Option<String>);

fn names(key: &Key<'_>) -> Vec<String> {
    key.subkeys()
        .unwrap()
        .iter()
        .map(|k| k.name().to_string())
        .collect()
}

fn string(key: &Key<'_>, value: &str) -> Option<String> {
    key.value_ci(value).and_then(|v| v.as_string())
}

#[test]
fn ntuser_software_partial_uninstall_and_run() {
    let data = corpus("registry/regipy/ntuser_software_partial.xz");
    let hive = Hive::parse(&data).unwrap();
    let root = hive.root().unwrap();
    assert_eq!(root.name(), "Software");
    let top = names(&root);
    assert_eq!(top.len(), 29, "{top:?}");
    for k in [
        "7-Zip",
        "AccessData",
        "Google",
        "JetBrains",
        "Microsoft",
        "Python",
    ] {
        assert!(top.iter().any(|n| n == k), "{k} in {top:?}");
    }
    let uninstall = hive
        .open_path_ci(r"Microsoft\Windows\CurrentVersion\Uninstall")
        .unwrap()
        .unwrap();
    assert_eq!(uninstall.last_written().to_string(), "2020-03-17T14:03:01Z");
    let mut got: Vec<Entry> = uninstall
        .subkeys()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k.name().to_string(),
                string(k, "DisplayName"),
                string(k, "DisplayVersion"),
                string(k, "Publisher"),
            )
        })
        .collect();
    got.sort();
    let s = |v: &str| Some(v.to_string());
    let mut want = vec![
        (
            "distorm3-py3.7".to_string(),
            s("Python 3.7 distorm3-3.3.4"),
            None,
            None,
        ),
        (
            "gitkraken".into(),
            s("GitKraken"),
            s("5.0.4"),
            s("Axosoft, LLC"),
        ),
        (
            "OneDriveSetup.exe".into(),
            s("Microsoft OneDrive"),
            s("20.028.0206.0009"),
            s("Microsoft Corporation"),
        ),
        (
            "Python 3.7.0 (Anaconda3 5.3.0 64-bit)".into(),
            s("Python 3.7.0 (Anaconda3 5.3.0 64-bit)"),
            s("5.3.0"),
            s("Anaconda, Inc."),
        ),
        (
            "{771FD6B0-FA20-440A-A002-3B3BAC16DC50}_is1".into(),
            s("Microsoft Visual Studio Code (User)"),
            s("1.33.1"),
            s("Microsoft Corporation"),
        ),
    ];
    want.sort();
    assert_eq!(got, want);
    let distorm = uninstall.subkey_ci("DISTORM3-PY3.7").unwrap().unwrap();
    assert_eq!(distorm.values().unwrap().len(), 2);
    let run = hive
        .open_path_ci(r"microsoft\windows\currentversion\run")
        .unwrap()
        .unwrap();
    let values = run.values().unwrap();
    assert_eq!(values.len(), 1);
    assert_eq!(
        (values[0].name(), values[0].value_type()),
        ("OneDrive", ValueType::Sz)
    );
}

#[test]
fn ntuser_with_winscp_per_user_uninstall() {
    let data = corpus("registry/regipy/NTUSER_with_winscp.DAT.xz");
    let hive = Hive::parse(&data).unwrap();
    let top = names(&hive.root().unwrap());
    for k in [
        "AppEvents",
        "Console",
        "Control Panel",
        "Environment",
        "EUDC",
        "Keyboard Layout",
        "Network",
    ] {
        assert!(top.iter().any(|n| n == k), "{k} in {top:?}");
    }
    for k in [
        "Printers",
        "SOFTWARE",
        "Software/Sourcetree",
        "System",
        "Uninstall",
    ] {
        assert!(top.iter().any(|n| n == k), "{k} in {top:?}");
    }
    assert!(
        hive.open_path_ci("uninstall")
            .unwrap()
            .unwrap()
            .subkeys()
            .unwrap()
            .is_empty()
    );
    let uninstall = hive
        .open_path_ci(r"Software\Microsoft\Windows\CurrentVersion\Uninstall")
        .unwrap()
        .unwrap();
    assert_eq!(uninstall.last_written().to_string(), "2022-03-10T13:59:14Z");
    let mut entries = names(&uninstall);
    entries.sort();
    assert_eq!(
        entries,
        [
            "GitHubDesktop",
            "ZoomUMX",
            "{042365c3-6595-5b1c-9db7-bb6ec2e7f0db}",
            "{c60fd5ac-367d-4e3a-a975-f157502ac30a}"
        ]
    );
    let get = |key: &str| uninstall.subkey_ci(key).unwrap().unwrap();
    let facts = |k: &Key<'_>| {
        (
            string(k, "DisplayName"),
            string(k, "DisplayVersion"),
            string(k, "Publisher"),
        )
    };
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        facts(&get("githubdesktop")),
        (s("GitHub Desktop"), s("3.0.0"), s("GitHub, Inc."))
    );
    let zoom = get("ZoomUMX");
    assert_eq!(
        facts(&zoom),
        (
            s("Zoom"),
            s("5.9.3 (3169)"),
            s("Zoom Video Communications, Inc.")
        )
    );
    assert_eq!(
        zoom.value_ci("EstimatedSize").unwrap().as_u32(),
        Some(10000)
    );
    assert_eq!(zoom.value_ci("NoModify").unwrap().as_u32(), Some(1));
    assert_eq!(zoom.value_ci("NoRepair").unwrap().as_u32(), Some(1));
    assert_eq!(
        facts(&get("{042365C3-6595-5B1C-9DB7-BB6EC2E7F0DB}")),
        (
            s("JetBrains dotPeek 2021.3.3"),
            s("2021.3.3"),
            s("JetBrains s.r.o.")
        )
    );
    assert_eq!(
        facts(&get("{c60fd5ac-367d-4e3a-a975-f157502ac30a}")),
        (
            s("Python 3.10.2 (64-bit)"),
            s("3.10.2150.0"),
            s("Python Software Foundation")
        )
    );
}

/// The 16 McAfee service keys of the corpus SYSTEM hive.
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
fn system_services_of_the_current_control_set() {
    let data = corpus("registry/regipy/SYSTEM.xz");
    let hive = Hive::parse(&data).unwrap();
    let root = hive.root().unwrap();
    assert_eq!(
        root.name(),
        "CMI-CreateHive{F10156BE-0E87-4EFB-969E-5DA29D131144}"
    );
    assert_eq!(root.subkeys().unwrap().len(), 8);
    let current = hive
        .open_path_ci(r"Select")
        .unwrap()
        .unwrap()
        .value_ci("Current")
        .unwrap()
        .as_u32();
    assert_eq!(current, Some(1));
    let services = hive
        .open_path_ci(r"ControlSet001\Services")
        .unwrap()
        .unwrap();
    let all = names(&services);
    assert_eq!(all.len(), 467);
    for name in MCAFEE {
        assert!(all.iter().any(|n| n == name), "{name}");
    }
    let fw = services.subkey_ci("mcafeeframework").unwrap().unwrap();
    assert_eq!(
        string(&fw, "DisplayName").as_deref(),
        Some("McAfee Framework Service")
    );
    assert_eq!(
        string(&fw, "ImagePath").as_deref(),
        Some(r#""C:\Program Files\McAfee\Common Framework\FrameworkService.exe" /ServiceStart"#)
    );
    assert_eq!(fw.value_ci("Start").unwrap().as_u32(), Some(2));
    assert_eq!(fw.value_ci("Type").unwrap().as_u32(), Some(16));
    let hidk = services.subkey_ci("MFEHIDK").unwrap().unwrap();
    assert_eq!(
        string(&hidk, "DisplayName").as_deref(),
        Some("McAfee Inc. mfehidk")
    );
    assert_eq!(
        string(&hidk, "ImagePath").as_deref(),
        Some(r"system32\drivers\mfehidk.sys")
    );
    assert_eq!(hidk.value_ci("Type").unwrap().as_u32(), Some(1));
    assert!(services.subkey_ci("WinDefend").unwrap().is_some());
    let kaspersky = [
        "avp", "klif", "kl1", "klim", "kneps", "klnagent", "klhk", "klflt",
    ];
    for name in &all {
        let lower = name.to_lowercase();
        assert!(
            !kaspersky.iter().any(|k| lower.starts_with(k)),
            "unexpected kaspersky service {name}"
        );
    }
    assert_eq!(
        hive.open_path_ci(r"ControlSet001\Control\ComputerName\ComputerName")
            .unwrap()
            .and_then(|k| string(&k, "ComputerName"))
            .as_deref(),
        Some("WKS-WIN732BITA")
    );
    // The whole tree walks without error.
    let mut keys = 0usize;
    hive.walk(&mut |_, _| keys += 1).unwrap();
    assert!(keys > 10_000, "{keys}");
}

#[test]
fn amcache_inventory() {
    let data = corpus("registry/regipy/amcache.hve.xz");
    let hive = Hive::parse(&data).unwrap();
    assert_eq!(
        hive.root().unwrap().name(),
        "{11517B7C-E79D-4e20-961B-75A811715ADD}"
    );
    let apps = hive
        .open_path_ci(r"Root\InventoryApplication")
        .unwrap()
        .unwrap();
    let apps = apps.subkeys().unwrap();
    assert_eq!(apps.len(), 74);
    let publisher = |p: &str| {
        apps.iter()
            .filter(|k| string(k, "Publisher").as_deref() == Some(p))
            .count()
    };
    assert_eq!(
        publisher(
            "CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US"
        ),
        27
    );
    assert_eq!(publisher("Microsoft Corporation"), 9);
    assert_eq!(publisher("Oracle Corporation"), 3);
    let seven = apps
        .iter()
        .find(|k| string(k, "Publisher").as_deref() == Some("Igor Pavlov"))
        .unwrap();
    assert_eq!(string(seven, "Name").as_deref(), Some("7-Zip 16.04 (x64)"));
    assert_eq!(string(seven, "Version").as_deref(), Some("16.04"));
    let fileinsight = apps
        .iter()
        .find(|k| string(k, "Publisher").as_deref() == Some("McAfee Inc."))
        .unwrap();
    assert_eq!(
        string(fileinsight, "Name").as_deref(),
        Some("FileInsight - File analysis tool")
    );
    assert_eq!(
        string(fileinsight, "Source").as_deref(),
        Some("AddRemoveProgram")
    );
    assert_eq!(
        hive.open_path_ci(r"Root\Programs")
            .unwrap()
            .unwrap()
            .subkeys()
            .unwrap()
            .len(),
        26
    );
    assert_eq!(
        hive.open_path_ci(r"Root\InventoryApplicationFile")
            .unwrap()
            .unwrap()
            .subkeys()
            .unwrap()
            .len(),
        247
    );
    assert_eq!(
        hive.open_path_ci(r"Root\InventoryDriverBinary")
            .unwrap()
            .unwrap()
            .subkeys()
            .unwrap()
            .len(),
        311
    );
}

#[test]
fn velociraptor_amcache_uncompressed() {
    let data = corpus("registry/velociraptor/Amcache.hve");
    let hive = Hive::parse(&data).unwrap();
    let files = hive
        .open_path_ci(r"Root\InventoryApplicationFile")
        .unwrap()
        .unwrap()
        .subkeys()
        .unwrap();
    assert_eq!(files.len(), 85);
    let ms = files
        .iter()
        .filter(|k| string(k, "Publisher").as_deref() == Some("microsoft corporation"))
        .count();
    assert_eq!(ms, 79);
    let am = files
        .iter()
        .find(|k| string(k, "Name").is_some_and(|n| n.eq_ignore_ascii_case("am_base.exe")))
        .unwrap();
    assert_eq!(
        string(am, "ProductName").as_deref(),
        Some("microsoft malware protection")
    );
    assert_eq!(string(am, "Version").as_deref(), Some("1.289.0.0"));
    assert_eq!(
        hive.open_path_ci(r"Root\DeviceCensus")
            .unwrap()
            .unwrap()
            .subkeys()
            .unwrap()
            .len(),
        17
    );
    assert_eq!(
        hive.open_path_ci(r"Root\InventoryMiscellaneousUUPInfo")
            .unwrap()
            .unwrap()
            .subkeys()
            .unwrap()
            .len(),
        15
    );
}

#[test]
fn truncated_real_hive_is_an_error_or_partial_never_a_panic() {
    let data = corpus("registry/velociraptor/Amcache.hve");
    for len in [0, 100, 4096, 4100, 8192, 20_000, 100_000] {
        if let Ok(hive) = Hive::parse(&data[..len]) {
            let _ = hive.walk(&mut |_, k| {
                for v in k.values().unwrap_or_default() {
                    let _ = v.data();
                }
            });
        }
    }
    let err = Hive::parse(&data[..4000]).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
}

#[test]
fn byte_flipped_real_hive_never_panics_or_hangs() {
    let data = corpus("registry/velociraptor/Amcache.hve");
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..150 {
        let mut d = data.clone();
        for _ in 0..16 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let i = 4096 + (seed as usize) % (d.len() - 4096);
            d[i] ^= (seed >> 40) as u8 | 1;
        }
        if let Ok(hive) = Hive::parse(&d) {
            let _ = hive.walk(&mut |_, k| {
                for v in k.values().unwrap_or_default() {
                    let _ = (v.as_string(), v.as_u64(), v.data());
                }
            });
        }
    }
}
