use super::*;
use crate::test_support::write;

const KASPERSKY: &str = "ahkjpbeeocnddjkakilopmfdlnjdpcdm";
const DECOY: &str = "cjpalhdlnbpafiamejdnhcphjbkeiagm";

fn chrome_fixture(r: &std::path::Path, profile_dir: &str) {
    let ext = format!("{profile_dir}/Extensions/{KASPERSKY}");
    write(r, &format!("{ext}/4.0.7.1_0/manifest.json"), br#"{"name":"__MSG_extName__","version":"4.0.7.1","default_locale":"en","manifest_version":3}"#);
    write(
        r,
        &format!("{ext}/4.0.7.1_0/_locales/en/messages.json"),
        br#"{"ExtName":{"message":"Kaspersky Protection"}}"#,
    );
    write(
        r,
        &format!("{ext}/3.0.0_0/manifest.json"),
        br#"{"name":"old","version":"3.0.0"}"#,
    );
    write(
        r,
        &format!("{profile_dir}/Extensions/{DECOY}/1.60.0_0/manifest.json"),
        br#"{"name":"uBlock Origin","version":"1.60.0"}"#,
    );
    write(
        r,
        &format!("{profile_dir}/Extensions/badbadbad/1.0_0/manifest.json"),
        b"{ truncated",
    );
    write(
        r,
        &format!("{profile_dir}/Preferences"),
        br#"{"extensions":{"settings":{
          "cjpalhdlnbpafiamejdnhcphjbkeiagm":{"state":0,"location":1},
          "policyonlyextensionidxxxxxxxxxxx":{"location":7,"manifest":{"name":"Forced","version":"9.9"}},
          "mhjfbmdgcfjbbpaeojofohoefgiehjai":{"location":5,"manifest":{"name":"Chrome PDF Viewer"}}}}}"#,
    );
}

#[test]
fn chromium_profile_kaspersky_protection_and_decoy() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let profile = "home/alice/.config/google-chrome/Default";
    chrome_fixture(r, profile);
    write(r, "home/alice/.config/google-chrome/Local State", b"{}");
    let inv = BrowserExtensionsCollector.collect(&Root::offline(r).unwrap());
    assert_eq!(inv.errors.len(), 1, "{:?}", inv.errors);
    assert_eq!(
        inv.errors[0].location,
        format!("{profile}/Extensions/badbadbad/1.0_0/manifest.json")
    );
    let k = inv.artifacts.iter().find(|a| a.name == KASPERSKY).unwrap();
    assert_eq!(k.kind, ArtifactKind::Extension);
    assert_eq!(k.version.as_deref(), Some("4.0.7.1"));
    assert_eq!(k.attr("extension-name"), Some("Kaspersky Protection"));
    assert_eq!(k.attr("browser"), Some("chrome"));
    assert_eq!(k.attr("profile"), Some("Default"));
    assert_eq!(k.attr("user"), Some("alice"));
    assert_eq!(k.state, ArtifactState::Active);
    assert_eq!(
        k.location,
        format!("{profile}/Extensions/{KASPERSKY}/4.0.7.1_0/manifest.json")
    );
    let d = inv.artifacts.iter().find(|a| a.name == DECOY).unwrap();
    assert_eq!(d.attr("extension-name"), Some("uBlock Origin"));
    assert_eq!(d.state, ArtifactState::Disabled);
    let forced = inv
        .artifacts
        .iter()
        .find(|a| a.name == "policyonlyextensionidxxxxxxxxxxx")
        .unwrap();
    assert_eq!(forced.attr("policy-installed"), Some("true"));
    assert_eq!(forced.location, format!("{profile}/Preferences"));
    assert_eq!(forced.version.as_deref(), Some("9.9"));
    assert!(
        !inv.artifacts
            .iter()
            .any(|a| a.name == "mhjfbmdgcfjbbpaeojofohoefgiehjai")
    );
    assert_eq!(inv.artifacts.len(), 3);
}

#[test]
fn windows_and_snap_profiles_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    chrome_fixture(
        r,
        "Users/Bob/AppData/Local/Microsoft/Edge/User Data/Profile 1",
    );
    chrome_fixture(r, "root/snap/chromium/common/chromium/Default");
    let inv = BrowserExtensionsCollector.collect(&Root::offline(r).unwrap());
    let hits: Vec<_> = inv
        .artifacts
        .iter()
        .filter(|a| a.name == KASPERSKY)
        .collect();
    assert_eq!(hits.len(), 2);
    let edge = hits
        .iter()
        .find(|a| a.attr("browser") == Some("edge"))
        .unwrap();
    assert_eq!(
        (edge.attr("user"), edge.attr("profile")),
        (Some("Bob"), Some("Profile 1"))
    );
    let snap = hits
        .iter()
        .find(|a| a.attr("browser") == Some("chromium"))
        .unwrap();
    assert_eq!(snap.attr("user"), Some("root"));
}

#[test]
fn firefox_extensions_json() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let profile = "home/carol/.mozilla/firefox/abcd1234.default-release";
    write(
        r,
        &format!("{profile}/extensions.json"),
        br#"{"schemaVersion":36,"addons":[
          {"id":"urladvisor@kaspersky.com","version":"4.0.7.1","type":"extension","active":true,
           "location":"app-profile","defaultLocale":{"name":"Kaspersky Protection","creator":"AO Kaspersky Lab"}},
          {"id":"off@example.com","version":"1","type":"extension","active":false,"userDisabled":true,"location":"app-profile"},
          {"id":"formautofill@mozilla.org","version":"1","type":"extension","active":true,"location":"app-builtin"},
          {"id":"default-theme@mozilla.org","version":"1","type":"theme","active":true,"location":"app-profile"}]}"#,
    );
    write(
        r,
        "home/carol/.mozilla/firefox/broken.profile/extensions.json",
        b"\x00\x01",
    );
    let inv = BrowserExtensionsCollector.collect(&Root::offline(r).unwrap());
    assert_eq!(inv.errors.len(), 1);
    assert_eq!(
        inv.errors[0].location,
        "home/carol/.mozilla/firefox/broken.profile/extensions.json"
    );
    assert_eq!(inv.artifacts.len(), 2, "{:?}", inv.artifacts);
    let k = &inv.artifacts[0];
    assert_eq!(k.name, "urladvisor@kaspersky.com");
    assert_eq!(k.version.as_deref(), Some("4.0.7.1"));
    assert_eq!(k.attr("extension-name"), Some("Kaspersky Protection"));
    assert_eq!(k.attr("browser"), Some("firefox"));
    assert_eq!(k.attr("profile"), Some("abcd1234.default-release"));
    assert_eq!(k.publisher.as_deref(), Some("AO Kaspersky Lab"));
    assert_eq!(k.location, format!("{profile}/extensions.json"));
    assert_eq!(inv.artifacts[1].state, ArtifactState::Disabled);
}

#[test]
fn managed_policies_force_install() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(
        r,
        "etc/opt/chrome/policies/managed/kaspersky.json",
        br#"{"ExtensionInstallForcelist":["ahkjpbeeocnddjkakilopmfdlnjdpcdm;https://clients2.google.com/service/update2/crx"]}"#,
    );
    write(r, "etc/opt/chrome/policies/managed/broken.json", b"{");
    write(
        r,
        "etc/firefox/policies/policies.json",
        br#"{"policies":{"ExtensionSettings":{"urladvisor@kaspersky.com":{"installation_mode":"force_installed"}}}}"#,
    );
    let inv = BrowserExtensionsCollector.collect(&Root::offline(r).unwrap());
    assert_eq!(inv.errors.len(), 1);
    assert_eq!(
        inv.errors[0].location,
        "etc/opt/chrome/policies/managed/broken.json"
    );
    assert_eq!(inv.artifacts.len(), 2);
    let c = inv.artifacts.iter().find(|a| a.name == KASPERSKY).unwrap();
    assert_eq!(c.location, "etc/opt/chrome/policies/managed/kaspersky.json");
    assert_eq!(
        (c.attr("browser"), c.attr("policy-installed")),
        (Some("chrome"), Some("true"))
    );
    let f = inv
        .artifacts
        .iter()
        .find(|a| a.name == "urladvisor@kaspersky.com")
        .unwrap();
    assert_eq!(f.attr("browser"), Some("firefox"));
    assert_eq!(f.attr("user"), None);
}
