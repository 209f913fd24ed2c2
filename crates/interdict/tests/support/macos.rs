//! The macOS fixture root shared by the end-to-end tests: Kaspersky Internet Security for
//! Mac in every source (app bundle with a nested login item, launch daemon, kext, pkg
//! receipts, install history, support folder) and decoys next to it.

use super::*;
use plist::{Dictionary, Value as Plist};

pub const APP: &str = "Applications/Kaspersky Internet Security.app";
pub const LOGIN_ITEM: &str =
    "Applications/Kaspersky Internet Security.app/Contents/Library/LoginItems/Kaspersky Helper.app";
pub const DAEMON: &str = "Library/LaunchDaemons/com.kaspersky.kav.plist";
pub const KEXT: &str = "Library/Extensions/klif.kext";
pub const RECEIPT: &str = "var/db/receipts/com.kaspersky.kav.core.plist";
/// A receipt whose package id no package indicator names: found by the bundle-id prefix.
pub const RECEIPT2: &str = "var/db/receipts/com.kaspersky.kav.antiphishing.plist";
pub const HISTORY: &str = "Library/Receipts/InstallHistory.plist";
pub const SUPPORT: &str = "Library/Application Support/Kaspersky Lab";

/// A dictionary from string pairs.
pub fn dict(pairs: &[(&str, &str)]) -> Dictionary {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Plist::String(v.to_string())))
        .collect()
}

/// An XML property list.
pub fn xml(d: Dictionary) -> Vec<u8> {
    let mut out = Vec::new();
    Plist::Dictionary(d).to_writer_xml(&mut out).unwrap();
    out
}

/// A binary property list.
pub fn binary(d: Dictionary) -> Vec<u8> {
    let mut out = Vec::new();
    Plist::Dictionary(d).to_writer_binary(&mut out).unwrap();
    out
}

/// An `Info.plist`.
pub fn info(id: &str, name: &str, version: &str, exe: &str) -> Vec<u8> {
    xml(dict(&[
        ("CFBundleIdentifier", id),
        ("CFBundleName", name),
        ("CFBundleShortVersionString", version),
        ("CFBundleVersion", version),
        ("CFBundleExecutable", exe),
        ("CFBundlePackageType", "APPL"),
    ]))
}

/// A launchd job, as a binary plist.
pub fn job(label: &str, program: &str) -> Vec<u8> {
    let mut d = dict(&[("Label", label)]);
    d.insert(
        "ProgramArguments".into(),
        Plist::Array(vec![Plist::String(program.into())]),
    );
    d.insert("RunAtLoad".into(), Plist::Boolean(true));
    binary(d)
}

/// A pkg receipt.
pub fn receipt(id: &str, version: &str) -> Vec<u8> {
    xml(dict(&[
        ("PackageIdentifier", id),
        ("PackageVersion", version),
        ("InstallPrefixPath", "/"),
        ("InstallProcessName", "installer"),
    ]))
}

/// An install history with one install of `ids`.
pub fn history(name: &str, ids: &[&str]) -> Vec<u8> {
    let mut d = dict(&[
        ("displayName", name),
        ("displayVersion", "21.0.12"),
        ("processName", "Installer"),
    ]);
    d.insert(
        "packageIdentifiers".into(),
        Plist::Array(ids.iter().map(|i| Plist::String(i.to_string())).collect()),
    );
    let mut out = Vec::new();
    Plist::Array(vec![Plist::Dictionary(d)])
        .to_writer_xml(&mut out)
        .unwrap();
    out
}

/// Builds the fixture; `marker` is where a trap would write if anything executed.
pub fn macos_root(marker: &std::path::Path) -> Fixture {
    let fx = Fixture::new();
    fx.write(
        "System/Library/CoreServices/SystemVersion.plist",
        xml(dict(&[
            ("ProductName", "macOS"),
            ("ProductVersion", "14.4"),
            ("ProductBuildVersion", "23E214"),
        ])),
    );
    // Kaspersky Internet Security for Mac
    fx.write(
        &format!("{APP}/Contents/Info.plist"),
        info(
            "com.kaspersky.kav",
            "Kaspersky Internet Security",
            "21.0.12",
            "kav",
        ),
    );
    fx.trap(&format!("{APP}/Contents/MacOS/kav"), marker);
    fx.write(
        &format!("{LOGIN_ITEM}/Contents/Info.plist"),
        info(
            "com.kaspersky.kav.loginitem",
            "Kaspersky Helper",
            "21.0.12",
            "helper",
        ),
    );
    fx.trap(&format!("{LOGIN_ITEM}/Contents/MacOS/helper"), marker);
    fx.write(
        DAEMON,
        job(
            "com.kaspersky.kav",
            "/Library/Application Support/Kaspersky Lab/KAV/Binaries/kav_daemon",
        ),
    );
    fx.write(
        &format!("{KEXT}/Contents/Info.plist"),
        info("com.kaspersky.kext.klif", "klif", "3.1.0", "klif"),
    );
    fx.write(RECEIPT, receipt("com.kaspersky.kav.core", "21.0.12.1"));
    fx.write(
        RECEIPT2,
        receipt("com.kaspersky.kav.antiphishing", "21.0.12.1"),
    );
    fx.write(
        HISTORY,
        history(
            "Kaspersky Internet Security",
            &[
                "com.kaspersky.kav.core",
                "com.kaspersky.kav.antiphishing",
                "com.kasperskyfan.notes",
            ],
        ),
    );
    fx.trap(&format!("{SUPPORT}/KAV/Binaries/kav_daemon"), marker);
    fx.write(&format!("{SUPPORT}/KAV/Data/settings.xml"), "<settings/>");
    // Decoys: another app, a look-alike bundle id, other vendors' daemons.
    fx.write(
        "Applications/Slack.app/Contents/Info.plist",
        corpus("plist/syft/Slack.app/Contents/Info.plist"),
    );
    fx.write(
        "Applications/Notes Fan.app/Contents/Info.plist",
        info("com.kasperskyfan.notes", "Notes Fan", "1.0", "notes"),
    );
    fx.trap("Applications/Notes Fan.app/Contents/MacOS/notes", marker);
    fx.write(
        "Library/LaunchDaemons/com.sophos.common.servicemanager.plist",
        job(
            "com.sophos.common.servicemanager",
            "/Library/Sophos Anti-Virus/SophosServiceManager",
        ),
    );
    fx.write(
        "Library/LaunchDaemons/com.eset.remoteadministrator.agent.plist",
        job(
            "com.eset.remoteadministrator.agent",
            "/Applications/ESET Management Agent.app/Contents/MacOS/ERAAgent",
        ),
    );
    fx.write(
        "Users/alice/Documents/kaspersky-removal-plan.txt",
        "Remove com.kaspersky.kav by day 90.\n",
    );
    fx.trap("usr/sbin/pkgutil", marker);
    fx.trap("bin/launchctl", marker);
    fx
}
