//! One test per attribution rule of the crate docs, and the identifier rule across
//! macOS artifact kinds.

use super::*;
use interdict_inventory::{Artifact, ArtifactKind as K, ArtifactState as S};

fn windows() -> Matcher {
    Matcher::new(&Catalog::bundled().unwrap(), Platform::Windows).unwrap()
}

fn macos() -> Matcher {
    Matcher::new(&Catalog::bundled().unwrap(), Platform::Macos).unwrap()
}

const KES_FOLDER: &str = "Program Files (x86)/Kaspersky Lab/KES.11.11.0";
const KES_CODE: &str = "{9A017278-F7F4-4DF9-A482-0B97B70DD7ED}";

/// An uninstall entry.
fn entry(name: &str, folder: &str) -> Artifact {
    Artifact::new(
        K::Package,
        name,
        format!("SOFTWARE:Uninstall\\{name}"),
        "win-uninstall-hive",
    )
    .with_publisher("AO Kaspersky Lab")
    .with_path(folder)
}

/// KES with its install folder and product code; the Network Agent; both strong.
fn kes_and_agent() -> Vec<Artifact> {
    vec![
        entry("Kaspersky Endpoint Security for Windows", KES_FOLDER)
            .with_attr("uninstall-string", format!("MsiExec.exe /X{KES_CODE}")),
        entry(
            "Kaspersky Security Center Network Agent",
            "Program Files (x86)/Kaspersky Lab/NetworkAgent",
        ),
        Artifact::new(
            K::Service,
            "klnagent",
            "SYSTEM:klnagent",
            "win-services-hive",
        )
        .with_path("Program Files (x86)/Kaspersky Lab/NetworkAgent/klnagent.exe"),
        Artifact::new(
            K::File,
            "Program Files (x86)/Kaspersky Lab/NetworkAgent/klnagent.exe",
            "Program Files (x86)/Kaspersky Lab/NetworkAgent/klnagent.exe",
            "win-pe-files",
        )
        .with_publisher("AO Kaspersky Lab")
        .with_attr("product-name", "Kaspersky Security Center Network Agent"),
    ]
}

/// A Kaspersky PE file with version info.
fn pe(rel: &str, product_name: &str) -> Artifact {
    Artifact::new(K::File, rel, rel, "win-pe-files")
        .with_path(rel)
        .with_publisher("AO Kaspersky Lab")
        .with_attr("company-name", "AO Kaspersky Lab")
        .with_attr("product-name", product_name)
}

/// The product whose finding holds evidence at `location`.
fn owner<'a>(f: &'a [Finding], location: &str) -> Vec<&'a str> {
    f.iter()
        .filter(|f| f.evidence.iter().any(|e| e.location == location))
        .map(|f| f.product.as_str())
        .collect()
}

#[test]
fn version_info_names_the_product() {
    let m = windows();
    let mut items = kes_and_agent();
    // avp.exe outside any known folder: its ProductName is all that ties it to KES.
    items.push(pe(
        "Users/Public/avp.exe",
        "Kaspersky Endpoint Security for Windows",
    ));
    // Version info outweighs a product's folder (a weak indicator of another product).
    items.push(pe(
        "Program Files (x86)/Kaspersky Lab/NetworkAgent/avpui.exe",
        "Kaspersky Endpoint Security for Windows",
    ));
    let f = m.match_artifacts(&items);
    assert_eq!(owner(&f, "Users/Public/avp.exe"), ["kes-windows"]);
    assert_eq!(
        owner(
            &f,
            "Program Files (x86)/Kaspersky Lab/NetworkAgent/avpui.exe"
        ),
        ["kes-windows"]
    );
    let kes = f.iter().find(|f| f.product == "kes-windows").unwrap();
    let avp = kes
        .evidence
        .iter()
        .find(|e| e.location == "Users/Public/avp.exe")
        .unwrap();
    assert_eq!((avp.name.as_str(), avp.weight), ("avp.exe", Weight::Strong));
    // Without any other KES evidence, the binary alone is a KES finding.
    let f = m.match_artifacts(&[pe(
        "Users/Public/avp.exe",
        "Kaspersky Endpoint Security for Windows",
    )]);
    assert_eq!(
        f.iter().map(|f| f.product.as_str()).collect::<Vec<_>>(),
        ["kes-windows"]
    );
    // A look-alike ProductName of another maker is no Kaspersky product.
    let game = Artifact::new(K::File, "Games/avp.exe", "Games/avp.exe", "win-pe-files")
        .with_publisher("Rebellion")
        .with_attr("product-name", "Kaspersky Endpoint Security");
    assert!(m.match_artifacts(&[game]).is_empty());
}

#[test]
fn the_install_folder_names_the_product() {
    let m = windows();
    let mut items = kes_and_agent();
    // The catalog's KES folder.
    items.push(Artifact::new(
        K::File,
        "Program Files (x86)/Kaspersky Lab/Kaspersky Endpoint Security for Windows/avpservice.dll",
        "Program Files (x86)/Kaspersky Lab/Kaspersky Endpoint Security for Windows/avpservice.dll",
        "file-sweep",
    ));
    // The folder the host's KES uninstall entry declares: a DLL in it and a service whose
    // image lies in it (a vendor-wide file name and a service the catalog does not know).
    items.push(
        Artifact::new(
            K::File,
            format!("{KES_FOLDER}/ckahum.dll"),
            format!("{KES_FOLDER}/ckahum.dll"),
            "file-sweep",
        )
        .with_path(format!("{KES_FOLDER}/ckahum.dll")),
    );
    items.push(
        Artifact::new(K::Service, "AVP21.3", "SYSTEM:AVP21.3", "win-services-hive")
            .with_path(format!("{}/avp.exe", KES_FOLDER.to_uppercase())),
    );
    // A sibling folder whose name starts like KES's is not KES's folder.
    items.push(Artifact::new(
        K::File,
        "Program Files (x86)/Kaspersky Lab/KES.11.11.0-old/ckahum.dll",
        "Program Files (x86)/Kaspersky Lab/KES.11.11.0-old/ckahum.dll",
        "file-sweep",
    ));
    let f = m.match_artifacts(&items);
    assert_eq!(
        owner(
            &f,
            "Program Files (x86)/Kaspersky Lab/Kaspersky Endpoint Security for Windows/avpservice.dll"
        ),
        ["kes-windows"]
    );
    assert_eq!(
        owner(&f, &format!("{KES_FOLDER}/ckahum.dll")),
        ["kes-windows"]
    );
    assert_eq!(owner(&f, "SYSTEM:AVP21.3"), ["kes-windows"]);
    assert_eq!(
        owner(
            &f,
            "Program Files (x86)/Kaspersky Lab/KES.11.11.0-old/ckahum.dll"
        ),
        // Not in KES's folder: vendor-wide evidence, which joins the primary product (the
        // agent, with the most strong evidence).
        ["ksc-network-agent-windows"]
    );
    assert_eq!(
        owner(
            &f,
            "Program Files (x86)/Kaspersky Lab/NetworkAgent/klnagent.exe"
        ),
        ["ksc-network-agent-windows"]
    );
}

#[test]
fn the_msi_product_code_names_the_product() {
    let m = windows();
    let mut items = kes_and_agent();
    // A second entry of the same MSI product under another name (a language pack, say).
    items.push(
        Artifact::new(
            K::Package,
            "Kaspersky Lab Language Pack",
            "NTUSER.DAT:Uninstall\\X",
            "win-uninstall-hive",
        )
        .with_publisher("AO Kaspersky Lab")
        .with_attr("uninstall-string", format!("MsiExec.exe /I{KES_CODE}")),
    );
    // The MSI registration of the same product code.
    items.push(
        Artifact::new(
            K::Package,
            "Kaspersky Lab Language Pack",
            "SOFTWARE:Classes\\Installer\\Products\\872710A94F7F9FD44A28B0797BD07DDE",
            "win-uninstall-hive",
        )
        .with_publisher("AO Kaspersky Lab")
        .with_attr("product-code", KES_CODE.to_lowercase()),
    );
    let f = m.match_artifacts(&items);
    assert_eq!(owner(&f, "NTUSER.DAT:Uninstall\\X"), ["kes-windows"]);
    assert_eq!(
        owner(
            &f,
            "SOFTWARE:Classes\\Installer\\Products\\872710A94F7F9FD44A28B0797BD07DDE"
        ),
        ["kes-windows"]
    );
    assert!(f.iter().all(|f| f.catalogued), "{f:#?}");
}

#[test]
fn catalog_families_tie_services_and_drivers_to_the_anti_malware_product() {
    let m = windows();
    let avp = Artifact::new(K::Service, "AVP21.3", "SYSTEM:AVP21.3", "win-services-hive");
    let klif = Artifact::new(K::Driver, "klif", "SYSTEM:klif", "win-services-hive")
        .with_path("Windows/System32/drivers/klif.sys");
    // KES and the Network Agent: AVP and klif are KES's, never the agent's, even though
    // the agent has more strong evidence.
    let mut items = kes_and_agent();
    items.extend([avp.clone(), klif.clone()]);
    let f = m.match_artifacts(&items);
    assert_eq!(owner(&f, "SYSTEM:AVP21.3"), ["kes-windows"]);
    assert_eq!(owner(&f, "SYSTEM:klif"), ["kes-windows"]);
    // The agent alone: they fit no product on the host and stay with the vendor.
    let mut items: Vec<Artifact> = kes_and_agent().split_off(1);
    items.extend([avp.clone(), klif.clone()]);
    let f = m.match_artifacts(&items);
    assert_eq!(owner(&f, "SYSTEM:AVP21.3"), ["kaspersky-unidentified"]);
    assert_eq!(owner(&f, "SYSTEM:klif"), ["kaspersky-unidentified"]);
    assert!(
        f.iter()
            .find(|f| f.product == "ksc-network-agent-windows")
            .unwrap()
            .evidence
            .iter()
            .all(|e| e.location != "SYSTEM:AVP21.3" && e.location != "SYSTEM:klif")
    );
    // Two anti-malware products and nothing on the item chooses: the primary one among them
    // (the most strong evidence).
    let kis = entry(
        "Kaspersky Internet Security 2019",
        "Program Files/Kaspersky Lab/KIS",
    );
    let kis_exe = pe(
        "Program Files/Kaspersky Lab/KIS/avpui.exe",
        "Kaspersky Internet Security",
    );
    let mut items = kes_and_agent();
    items.extend([kis.clone(), kis_exe, avp.clone()]);
    let f = m.match_artifacts(&items);
    assert_eq!(owner(&f, "SYSTEM:AVP21.3"), ["kaspersky-internet-security"]);
    let mut items = kes_and_agent();
    items.extend([
        kis,
        pe("Users/Public/avp.exe", "Kaspersky Endpoint Security"),
        avp,
    ]);
    let f = m.match_artifacts(&items);
    assert_eq!(owner(&f, "SYSTEM:AVP21.3"), ["kes-windows"]);
}

#[test]
fn vendor_wide_evidence_joins_the_primary_product_of_those_it_fits() {
    let m = windows();
    let folder = Artifact::new(
        K::File,
        "Program Files (x86)/Kaspersky Lab",
        "Program Files (x86)/Kaspersky Lab",
        "file-sweep",
    )
    .with_path("Program Files (x86)/Kaspersky Lab");
    let mut signed = Artifact::new(
        K::File,
        "Users/a/tool.exe",
        "Users/a/tool.exe",
        "win-pe-files",
    )
    .with_publisher("Tools");
    signed
        .signers
        .push("CN=AO Kaspersky Lab, O=AO Kaspersky Lab, C=RU".into());
    let one = m.match_artifacts(&[
        entry("Kaspersky Endpoint Security for Windows", KES_FOLDER),
        folder.clone(),
        signed.clone(),
    ]);
    assert_eq!(
        owner(&one, "Program Files (x86)/Kaspersky Lab"),
        ["kes-windows"]
    );
    assert_eq!(owner(&one, "Users/a/tool.exe"), ["kes-windows"]);
    let mut items = kes_and_agent();
    items.extend([folder, signed.clone()]);
    // KES and the agent: the agent has more strong evidence.
    let two = m.match_artifacts(&items);
    assert_eq!(
        owner(&two, "Program Files (x86)/Kaspersky Lab"),
        ["ksc-network-agent-windows"]
    );
    assert_eq!(
        owner(&two, "Users/a/tool.exe"),
        ["ksc-network-agent-windows"]
    );
    // Only a product known by leftovers (a removal tool): an active vendor-wide item stays
    // with the vendor.
    let remover = Artifact::new(
        K::File,
        "Users/b/kavremover.exe",
        "Users/b/kavremover.exe",
        "file-sweep",
    );
    let f = m.match_artifacts(&[remover, signed]);
    assert_eq!(owner(&f, "Users/a/tool.exe"), ["kaspersky-unidentified"]);
    assert_eq!(
        owner(&f, "Users/b/kavremover.exe"),
        ["kaspersky-removal-tools"]
    );
}

#[test]
fn leftover_vendor_evidence_joins_a_leftover_product_only_when_nothing_is_active() {
    let m = windows();
    let data = Artifact::new(
        K::File,
        "ProgramData/Kaspersky Lab",
        "ProgramData/Kaspersky Lab",
        "file-sweep",
    )
    .with_path("ProgramData/Kaspersky Lab");
    let tool = Artifact::new(
        K::File,
        "Users/b/kavremover.exe",
        "Users/b/kavremover.exe",
        "file-sweep",
    );
    let f = m.match_artifacts(&[data.clone(), tool.clone()]);
    assert_eq!(
        owner(&f, "ProgramData/Kaspersky Lab"),
        ["kaspersky-removal-tools"]
    );
    let f = m.match_artifacts(&[
        data,
        tool,
        entry("Kaspersky Endpoint Security for Windows", KES_FOLDER),
    ]);
    assert_eq!(owner(&f, "ProgramData/Kaspersky Lab"), ["kes-windows"]);
    assert_eq!(
        owner(&f, "Users/b/kavremover.exe"),
        ["kaspersky-removal-tools"]
    );
}

#[test]
fn uncatalogued_product_keeps_the_files_of_its_own_folder() {
    let m = windows();
    let tool_dir = "Program Files (x86)/Kaspersky Lab/Example Utility";
    let f = m.match_artifacts(&[
        entry("Kaspersky Endpoint Security for Windows", KES_FOLDER),
        entry("Kaspersky Example Utility 1.0", tool_dir),
        pe(
            &format!("{tool_dir}/example.exe"),
            "Kaspersky Example Utility",
        ),
    ]);
    assert_eq!(
        owner(&f, &format!("{tool_dir}/example.exe")),
        ["kaspersky/kaspersky-example-utility-1-0"]
    );
    let u = f.iter().find(|f| !f.catalogued).unwrap();
    assert_eq!(
        (u.product_name.as_str(), u.family.as_str(), u.confidence),
        (
            "Kaspersky Example Utility 1.0",
            "uncatalogued",
            Confidence::Confirmed
        )
    );
    assert!(u.directives.iter().any(|d| d == "bod-17-01"));
}

#[test]
fn consumer_and_small_business_products_are_catalogued() {
    let m = windows();
    for (name, product) in [
        ("Kaspersky Password Manager", "kaspersky-password-manager"),
        ("Kaspersky Safe Kids", "kaspersky-safe-kids"),
        (
            "Kaspersky VPN Secure Connection",
            "kaspersky-secure-connection",
        ),
        (
            "Kaspersky Small Office Security",
            "kaspersky-small-office-security",
        ),
        ("Kaspersky Free", "kaspersky-free"),
        ("Kaspersky Anti-Virus 2016", "kaspersky-anti-virus"),
        (
            "Kaspersky Internet Security 2019",
            "kaspersky-internet-security",
        ),
        ("Kaspersky Total Security 2021", "kaspersky-total-security"),
        ("Kaspersky Anti-Virus for Windows Servers", "ksws"),
    ] {
        let f = m.match_artifacts(&[entry(name, "")]);
        assert_eq!(
            f.iter()
                .map(|f| (f.product.as_str(), f.catalogued))
                .collect::<Vec<_>>(),
            [(product, true)],
            "{name}"
        );
    }
}

/// A macOS item known by an identifier.
fn mac(kind: K, id: &str, location: &str, collector: &str) -> Artifact {
    Artifact::new(kind, id, location, collector)
}

#[test]
fn identifier_indicators_match_every_macos_artifact_kind() {
    let m = macos();
    // A bundle-id indicator (the com.kaspersky. prefix) on a receipt, an install-history
    // entry, a launchd job and a bundle.
    for a in [
        mac(
            K::Package,
            "com.kaspersky.kav.firewall",
            "var/db/receipts/com.kaspersky.kav.firewall.plist",
            "macos-receipts",
        ),
        mac(
            K::Package,
            "com.kaspersky.kav.firewall",
            "Library/Receipts/InstallHistory.plist",
            "macos-receipts",
        )
        .with_attr("source", "install-history"),
        mac(
            K::Service,
            "com.kaspersky.kav.updater",
            "Library/LaunchDaemons/u.plist",
            "macos-launchd",
        ),
        mac(
            K::Bundle,
            "com.kaspersky.kav.updater",
            "Applications/U.app/Contents/Info.plist",
            "macos-app-bundle",
        ),
    ] {
        let f = m.match_artifacts(std::slice::from_ref(&a));
        assert_eq!(
            f.iter().map(|f| f.product.as_str()).collect::<Vec<_>>(),
            ["kaspersky-mac"],
            "{a:?}"
        );
        assert_eq!(f[0].evidence[0].indicator_kind, IndicatorKind::BundleId);
    }
    // A launchd-label (service) indicator on a bundle and a receipt; a pkg-id (package)
    // indicator on a launchd job; a kext-id (driver) indicator on a receipt. The evidence
    // lists the indicator of the other kind beside the bundle-id prefix.
    for (a, kind) in [
        (
            mac(
                K::Bundle,
                "com.kaspersky.kav.gui",
                "A.app/Contents/Info.plist",
                "macos-app-bundle",
            ),
            IndicatorKind::Service,
        ),
        (
            mac(
                K::Package,
                "com.kaspersky.sysextctrld",
                "var/db/receipts/x.plist",
                "macos-receipts",
            ),
            IndicatorKind::Service,
        ),
        (
            mac(
                K::Service,
                "com.kaspersky.kav.core",
                "Library/LaunchDaemons/c.plist",
                "macos-launchd",
            ),
            IndicatorKind::Package,
        ),
        (
            mac(
                K::Package,
                "com.kaspersky.kext.klif",
                "var/db/receipts/k.plist",
                "macos-receipts",
            ),
            IndicatorKind::Driver,
        ),
    ] {
        let f = m.match_artifacts(std::slice::from_ref(&a));
        assert_eq!(f.len(), 1, "{a:?}");
        let e = &f[0].evidence[0];
        let tag = format!("/{}/{}", kind.as_str(), a.name);
        assert!(
            e.indicators.iter().any(|i| i.ends_with(&tag)),
            "{tag} {e:?}"
        );
        assert!(
            e.indicators.iter().any(|i| i.contains("/bundle-id/")),
            "{e:?}"
        );
    }
    // The item's own kind names the evidence when it matches too.
    let own = m.match_artifacts(&[mac(
        K::Service,
        "com.kaspersky.kav",
        "Library/LaunchDaemons/com.kaspersky.kav.plist",
        "macos-launchd",
    )]);
    assert_eq!(own[0].evidence[0].indicator_kind, IndicatorKind::Service);
    // Look-alikes and non-identifiers do not cross kinds.
    for a in [
        mac(
            K::Package,
            "com.kasperskyfan.notes",
            "var/db/receipts/n.plist",
            "macos-receipts",
        ),
        mac(
            K::Service,
            "kaspersky",
            "Library/LaunchDaemons/k.plist",
            "macos-launchd",
        ),
    ] {
        assert!(m.match_artifacts(&[a]).is_empty());
    }
    assert!(values::is_identifier("com.kaspersky.kav"));
    assert!(!values::is_identifier("AVP21.3"));
    assert!(!values::is_identifier("kesl.service"));
    assert!(!values::is_identifier("Kaspersky Password Manager"));
}

#[test]
fn leftover_state_item_stays_leftover_wherever_it_goes() {
    let m = windows();
    let f = m.match_artifacts(&[
        entry("Kaspersky Endpoint Security for Windows", KES_FOLDER),
        Artifact::new(K::Service, "AVP21.3", "SYSTEM:AVP21.3", "win-services-hive")
            .with_state(S::Leftover),
    ]);
    let e = f[0]
        .evidence
        .iter()
        .find(|e| e.location == "SYSTEM:AVP21.3")
        .unwrap();
    assert_eq!(e.weight, Weight::Leftover);
}
