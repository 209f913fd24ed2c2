//! `win-pe-files` on a synthetic Windows root built from corpus PE files.

use interdict_collectors::pe::{WinPeFiles, pe_artifact};
use interdict_collectors::{Collector, Root};
use interdict_inventory::{Artifact, ArtifactKind};
use std::fs;
use std::path::Path;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

fn corpus(rel: &str) -> Vec<u8> {
    fs::read(format!("{CORPUS}/{rel}")).unwrap_or_else(|e| panic!("corpus file {rel} missing: {e}"))
}

fn put(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, bytes).unwrap();
}

fn windows_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    put(
        r,
        "Program Files/Sysinternals/sigcheck.exe",
        &corpus("pe/signify/sigcheck.exe"),
    );
    put(
        r,
        "Program Files (x86)/Spotify/SpotifyInstaller.EXE",
        &corpus("pe/signify/spotify_sample.exe"),
    );
    put(
        r,
        "Program Files/Foo/renamed.bin.exe",
        &corpus("pe/velociraptor/wkscli.dll"),
    );
    put(
        r,
        "PROGRAMDATA/Vendor/3DBuilder.ResourceResolver.exe",
        &corpus("pe/velociraptor/3DBuilder.ResourceResolver.exe"),
    );
    put(
        r,
        "Windows/System32/drivers/winpmem_x64.sys",
        &corpus("pe/velociraptor/winpmem_x64.sys"),
    );
    put(
        r,
        "Windows/System32/drivers/pciide.sys",
        &corpus("pe/signify/pciide.sys"),
    );
    put(
        r,
        "Users/alice/AppData/Local/Temp/kdbazis.dll",
        &corpus("pe/signify/kdbazis.dll"),
    );
    put(
        r,
        "Program Files/Kaspersky Lab/shim/shimx64.efi",
        &corpus("kaspersky/shim-review/shimx64.efi"),
    );
    // Anywhere in a user profile, not only AppData: a renamed binary in Downloads.
    put(
        r,
        "Users/bob/Downloads/renamed-sigcheck.exe",
        &corpus("pe/signify/sigcheck.exe"),
    );
    // Outside the install folders, and under a name that is not a PE's: found by header.
    put(r, "Temp/outside.exe", &corpus("pe/signify/pciide.sys"));
    put(
        r,
        "Windows/Temp/payload.tmp",
        &corpus("pe/signify/kdbazis.dll"),
    );
    // Not PE images: a text file, a PE-named text stub, an MZ file without a PE header
    // under a neutral name (quietly skipped) and one named like a PE (an error).
    let mut dos = vec![0u8; 128];
    dos[..2].copy_from_slice(b"MZ");
    put(r, "Temp/old-dos.dat", &dos);
    put(r, "Program Files/Foo/readme.txt", b"hello");
    put(r, "Program Files/Foo/stub.exe", b"not a pe at all");
    put(r, "Program Files/Foo/broken.dll", b"MZ\x90\x00truncated");
    std::os::unix::fs::symlink(r.join("Temp"), r.join("Program Files/link-to-temp")).unwrap();
    dir
}

fn by_name<'a>(arts: &'a [Artifact], name: &str) -> &'a Artifact {
    arts.iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no artifact {name}"))
}

#[test]
fn pe_files_are_identified_by_version_info_and_signers() {
    let dir = windows_root();
    let root = Root::offline(dir.path()).unwrap();
    let mut inv = WinPeFiles.collect(&root);
    inv.sort();
    let names: Vec<&str> = inv.artifacts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "PROGRAMDATA/Vendor/3DBuilder.ResourceResolver.exe",
            "Program Files (x86)/Spotify/SpotifyInstaller.EXE",
            "Program Files/Foo/renamed.bin.exe",
            "Program Files/Kaspersky Lab/shim/shimx64.efi",
            "Program Files/Sysinternals/sigcheck.exe",
            "Temp/outside.exe",
            "Users/alice/AppData/Local/Temp/kdbazis.dll",
            "Users/bob/Downloads/renamed-sigcheck.exe",
            "Windows/System32/drivers/pciide.sys",
            "Windows/System32/drivers/winpmem_x64.sys",
            "Windows/Temp/payload.tmp",
        ]
    );
    let payload = by_name(&inv.artifacts, "Windows/Temp/payload.tmp");
    assert_eq!(payload.attr("original-filename"), Some("kdvm.dll"));
    assert_eq!(payload.attr("signed"), Some("true"));
    // The truncated `broken.dll` is the only error; the non-PE stub is skipped quietly.
    assert_eq!(inv.errors.len(), 1, "{:?}", inv.errors);
    assert_eq!(inv.errors[0].location, "Program Files/Foo/broken.dll");
    assert!(
        inv.artifacts
            .iter()
            .all(|a| a.kind == ArtifactKind::File && a.collector == "win-pe-files")
    );

    let renamed = by_name(&inv.artifacts, "Program Files/Foo/renamed.bin.exe");
    assert_eq!(renamed.attr("original-filename"), Some("kbdth0.dll"));
    assert_eq!(renamed.publisher.as_deref(), Some("Microsoft Corporation"));
    assert_eq!(renamed.attr("company-name"), Some("Microsoft Corporation"));
    assert_eq!(
        renamed.attr("product-name"),
        Some("Microsoft® Windows® Operating System")
    );
    assert_eq!(
        renamed.attr("file-description"),
        Some("Thai Kedmanee Keyboard Layout")
    );
    assert_eq!(
        renamed.version.as_deref(),
        Some("10.0.19041.1 (WinBuild.160101.0800)")
    );
    assert_eq!(renamed.attr("signed"), Some("false"));
    assert_eq!(renamed.paths, ["Program Files/Foo/renamed.bin.exe"]);

    let sig = by_name(&inv.artifacts, "Program Files/Sysinternals/sigcheck.exe");
    assert_eq!(sig.attr("signed"), Some("true"));
    assert_eq!(sig.signers.len(), 2);
    assert!(
        sig.signers.iter().all(
            |s| s.contains("O=Microsoft Corporation") && s.contains("CN=Microsoft Corporation")
        )
    );

    let pmem = by_name(&inv.artifacts, "Windows/System32/drivers/winpmem_x64.sys");
    assert!(pmem.signers[0].contains("O=Binalyze LLC"));
    assert!(pmem.signers[1].starts_with("CN=Microsoft Windows Hardware Compatibility Publisher"));
    assert_eq!(pmem.attr("pe-kind"), Some("driver"));
    assert_eq!(pmem.publisher, None);

    let shim = by_name(
        &inv.artifacts,
        "Program Files/Kaspersky Lab/shim/shimx64.efi",
    );
    assert_eq!(shim.attr("signed"), Some("false"));
    assert_eq!(shim.attr("pe-kind"), Some("efi"));
    assert!(shim.signers.is_empty() && shim.version.is_none());

    let dotnet = by_name(
        &inv.artifacts,
        "PROGRAMDATA/Vendor/3DBuilder.ResourceResolver.exe",
    );
    assert_eq!(dotnet.attr("dotnet"), Some("true"));
    assert_eq!(dotnet.version.as_deref(), Some("16.1.1903.15001"));
}

#[test]
fn pe_artifact_is_reusable_by_other_walkers() {
    let a = pe_artifact("/Temp/x.bin", &corpus("pe/signify/spotify_sample.exe")).unwrap();
    assert_eq!(a.name, "Temp/x.bin");
    assert_eq!(a.publisher.as_deref(), Some("Spotify Ltd"));
    assert_eq!(a.attr("original-filename"), Some("SpotifyInstaller.exe"));
    assert!(a.signers[0].contains("O=Spotify AB"));
    assert!(pe_artifact("x", b"plain text").is_err());
}

/// Many files in many folders are all reported (the speed target — 10,000 PE files in
/// under 10 s — is measured by `benches/run.sh`, not here).
#[test]
fn every_pe_file_of_a_large_tree_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.dll");
    fs::write(&src, corpus("pe/velociraptor/wkscli.dll")).unwrap();
    for d in 0..20 {
        let sub = dir.path().join(format!("Program Files/Vendor/d{d:03}"));
        fs::create_dir_all(&sub).unwrap();
        for f in 0..50 {
            fs::hard_link(&src, sub.join(format!("f{f:03}.dll"))).unwrap();
        }
    }
    let root = Root::offline(dir.path()).unwrap();
    let inv = WinPeFiles.collect(&root);
    // The 1,000 links and their source at the root.
    assert_eq!(inv.artifacts.len(), 1_001);
    assert!(inv.errors.is_empty());
    assert!(
        inv.artifacts
            .iter()
            .all(|a| a.attr("original-filename") == Some("kbdth0.dll"))
    );
}
