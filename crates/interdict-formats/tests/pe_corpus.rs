//! PE facts from `shared/corpus/README.md` §4 and §8, asserted on the real files.

use interdict_formats::pe::{PeInfo, parse_pe_info};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

fn load(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{CORPUS}/{rel}"))
        .unwrap_or_else(|e| panic!("corpus file {rel} missing: {e}"))
}

fn info(rel: &str) -> PeInfo {
    parse_pe_info(&load(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn subjects(i: &PeInfo) -> Vec<(&str, &str, &str, bool)> {
    i.signers
        .iter()
        .map(|s| {
            (
                s.subject.as_str(),
                s.issuer.as_str(),
                s.digest_alg.as_str(),
                s.nested,
            )
        })
        .collect()
}

#[test]
fn pciide_sys_microsoft_driver() {
    let i = info("pe/signify/pciide.sys");
    assert_eq!(i.machine, "x64");
    assert!(i.is_driver && i.is_64 && !i.is_dotnet);
    let v = i.version_info.as_ref().unwrap();
    assert_eq!(v.company_name.as_deref(), Some("Microsoft Corporation"));
    assert_eq!(
        v.product_name.as_deref(),
        Some("Microsoft® Windows® Operating System")
    );
    assert_eq!(
        v.file_version.as_deref(),
        Some("6.1.7600.16385 (win7_rtm.090713-1255)")
    );
    assert_eq!(v.fixed_file_version.as_deref(), Some("6.1.7600.16385"));
    assert_eq!(v.original_filename.as_deref(), Some("pciide.sys"));
    assert!(i.signed);
    let s = subjects(&i);
    assert_eq!(s.len(), 1);
    assert_eq!(
        s[0].0,
        "CN=Microsoft Windows, OU=MOPR, O=Microsoft Corporation, L=Redmond, S=Washington, C=US"
    );
    assert!(
        s[0].1.starts_with("CN=Microsoft Windows Verification PCA"),
        "{}",
        s[0].1
    );
    assert_eq!((s[0].2, s[0].3), ("sha1", false));
}

#[test]
fn kdbazis_dll_private_ca() {
    let i = info("pe/signify/kdbazis.dll");
    assert_eq!(i.machine, "x64");
    assert!(i.is_dll);
    let v = i.version_info.as_ref().unwrap();
    assert_eq!(v.company_name.as_deref(), Some("VirtualKD-Redux"));
    assert_eq!(v.product_name.as_deref(), Some("VirtualKD-Redux"));
    assert_eq!(v.file_version.as_deref(), Some("2021.0"));
    assert_eq!(v.original_filename.as_deref(), Some("kdvm.dll"));
    assert_eq!(
        v.file_description.as_deref(),
        Some("Kernel Debugger Extension DLL for VM Debugging")
    );
    assert_eq!(
        subjects(&i),
        vec![(
            "CN=VirtualKD-Redux SPC",
            "CN=VirtualKD-Redux CA",
            "sha256",
            false
        )]
    );
}

#[test]
fn spotify_company_differs_from_signer() {
    let i = info("pe/signify/spotify_sample.exe");
    assert_eq!(i.machine, "x86");
    assert!(!i.is_64 && !i.is_dll && !i.is_driver);
    let v = i.version_info.as_ref().unwrap();
    assert_eq!(v.company_name.as_deref(), Some("Spotify Ltd"));
    assert_eq!(v.product_name.as_deref(), Some("Spotify"));
    assert_eq!(v.file_version.as_deref(), Some("0,0,0,0"));
    assert_eq!(v.product_version.as_deref(), Some("0.9.11.27.g2b1a638c"));
    assert_eq!(v.original_filename.as_deref(), Some("SpotifyInstaller.exe"));
    let s = subjects(&i);
    assert_eq!(s.len(), 1);
    // The README writes ST=/street=/postalCode=; we use the Windows names S=/STREET=/PostalCode=.
    assert_eq!(
        s[0].0,
        "CN=Spotify AB, OU=IT, O=Spotify AB, STREET=Birger Jalsgatan 61, L=Stockholm, S=Stockholm, PostalCode=SE113 56, C=SE"
    );
    assert!(
        s[0].1.starts_with("CN=COMODO Code Signing CA 2,"),
        "{}",
        s[0].1
    );
    assert_eq!(s[0].2, "sha1");
}

#[test]
fn sigcheck_has_nested_sha256_signature() {
    let i = info("pe/signify/sigcheck.exe");
    assert_eq!(i.machine, "x86");
    let v = i.version_info.as_ref().unwrap();
    assert_eq!(
        v.company_name.as_deref(),
        Some("Sysinternals - www.sysinternals.com")
    );
    assert_eq!(v.product_name.as_deref(), Some("Sysinternals Sigcheck"));
    assert_eq!(v.file_version.as_deref(), Some("2.60"));
    assert_eq!(v.original_filename.as_deref(), Some("sigcheck.exe"));
    let s = subjects(&i);
    assert_eq!(s.len(), 2, "{s:?}");
    assert!(
        s[0].0
            .starts_with("CN=Microsoft Corporation, OU=MOPR, O=Microsoft Corporation"),
        "{}",
        s[0].0
    );
    assert!(
        s[0].1.starts_with("CN=Microsoft Code Signing PCA,"),
        "{}",
        s[0].1
    );
    assert_eq!((s[0].2, s[0].3), ("sha1", false));
    assert!(
        s[1].0
            .starts_with("CN=Microsoft Corporation, O=Microsoft Corporation"),
        "{}",
        s[1].0
    );
    assert!(
        s[1].1.starts_with("CN=Microsoft Code Signing PCA 2011,"),
        "{}",
        s[1].1
    );
    assert_eq!((s[1].2, s[1].3), ("sha256", true));
}

#[test]
fn winpmem_dual_signed_without_version_info() {
    let i = info("pe/velociraptor/winpmem_x64.sys");
    assert_eq!(i.machine, "x64");
    assert!(i.is_driver);
    assert_eq!(i.version_info, None);
    let s = subjects(&i);
    assert_eq!(s.len(), 2, "{s:?}");
    assert_eq!(
        s[0].0,
        "E=contact@binalyze.com, CN=Binalyze LLC, OU=Binalyze LLC, O=Binalyze LLC, L=Syosset, S=New York, C=US"
    );
    assert!(
        s[0].1.starts_with("CN=GlobalSign CodeSigning CA - G3,"),
        "{}",
        s[0].1
    );
    assert_eq!((s[0].2, s[0].3), ("sha1", false));
    assert!(
        s[1].0
            .starts_with("CN=Microsoft Windows Hardware Compatibility Publisher"),
        "{}",
        s[1].0
    );
    assert!(
        s[1].1
            .starts_with("CN=Microsoft Windows Third Party Component CA 2014,"),
        "{}",
        s[1].1
    );
    assert_eq!((s[1].2, s[1].3), ("sha256", true));
}

#[test]
fn builder_resolver_is_unsigned_dotnet() {
    let i = info("pe/velociraptor/3DBuilder.ResourceResolver.exe");
    assert_eq!(i.machine, "x86");
    assert!(i.is_dotnet);
    assert!(!i.signed && i.signers.is_empty());
    let v = i.version_info.as_ref().unwrap();
    assert_eq!(v.company_name.as_deref(), Some("Microsoft Corporation"));
    assert_eq!(v.product_name.as_deref(), Some("3D Builder"));
    assert_eq!(v.file_version.as_deref(), Some("16.1.1903.15001"));
    assert_eq!(v.fixed_file_version.as_deref(), Some("16.1.1903.15001"));
    assert_eq!(
        v.original_filename.as_deref(),
        Some("3DBuilder.ResourceResolver.exe")
    );
}

#[test]
fn wkscli_is_a_renamed_keyboard_layout() {
    let i = info("pe/velociraptor/wkscli.dll");
    assert_eq!(i.machine, "x64");
    assert!(i.is_dll && !i.is_dotnet);
    assert!(!i.signed && i.signers.is_empty());
    let v = i.version_info.as_ref().unwrap();
    assert_eq!(v.company_name.as_deref(), Some("Microsoft Corporation"));
    assert_eq!(
        v.product_name.as_deref(),
        Some("Microsoft® Windows® Operating System")
    );
    assert_eq!(
        v.file_version.as_deref(),
        Some("10.0.19041.1 (WinBuild.160101.0800)")
    );
    assert_eq!(v.original_filename.as_deref(), Some("kbdth0.dll"));
    assert_eq!(
        v.file_description.as_deref(),
        Some("Thai Kedmanee Keyboard Layout")
    );
}

#[test]
fn kaspersky_shim_is_unsigned_without_version_info() {
    let i = info("kaspersky/shim-review/shimx64.efi");
    assert_eq!(i.machine, "x64");
    assert_eq!(i.subsystem, 10);
    assert!(!i.signed && i.signers.is_empty());
    assert_eq!(i.version_info, None);
}

#[test]
fn truncated_and_flipped_pe_never_panic() {
    for rel in [
        "pe/signify/sigcheck.exe",
        "pe/velociraptor/wkscli.dll",
        "pe/velociraptor/winpmem_x64.sys",
    ] {
        let b = load(rel);
        // Truncations at many points, including inside headers, resources and signatures.
        let step = (b.len() / 300).max(1);
        for len in (0..b.len()).step_by(step) {
            let _ = parse_pe_info(&b[..len]);
        }
        assert!(parse_pe_info(&b[..64]).is_err());
        // Bit flips spread over the file, densely in the headers.
        let mut positions: Vec<usize> = (0..1024.min(b.len())).collect();
        positions.extend((0..b.len()).step_by((b.len() / 500).max(1)));
        for &p in &positions {
            let mut c = b.clone();
            c[p] ^= 0xff;
            let _ = parse_pe_info(&c);
        }
    }
}
