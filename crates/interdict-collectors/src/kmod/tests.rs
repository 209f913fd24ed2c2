use super::*;
use crate::test_support::write;
use interdict_formats::modinfo::minimal_elf_module;
use std::io::Write;
use std::os::unix::fs::symlink;
use std::path::Path;

const KVER: &str = "6.8.0-45-generic";
const INFO: &[u8] =
    b"author=AO Kaspersky Lab\0description=Kaspersky file interceptor\0license=Proprietary\0\
version=12.1.0.1\0name=kltest\0vermagic=6.8.0-45-generic SMP\0";

/// A `.ko` with a `.modinfo` section: built by gcc when present, else by hand.
fn module_bytes(dir: &Path) -> Vec<u8> {
    let src = dir.join("kltest.c");
    std::fs::write(
        &src,
        "__attribute__((section(\".modinfo\"), used)) const char m[] = \"author=AO Kaspersky Lab\\0\
description=Kaspersky file interceptor\\0license=Proprietary\\0version=12.1.0.1\\0name=kltest\\0\
vermagic=6.8.0-45-generic SMP\\0\";\n",
    )
    .unwrap();
    let obj = dir.join("kltest.o");
    match std::process::Command::new("gcc")
        .arg("-c")
        .arg(&src)
        .arg("-o")
        .arg(&obj)
        .status()
    {
        Ok(s) if s.success() => std::fs::read(&obj).unwrap(),
        _ => minimal_elf_module(INFO),
    }
}

fn xz(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    lzma_rs::xz_compress(&mut &data[..], &mut out).unwrap();
    out
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn fixture() -> (tempfile::TempDir, Root) {
    let scratch = tempfile::tempdir().unwrap();
    let ko = module_bytes(scratch.path());
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let k = format!("usr/lib/modules/{KVER}");
    // Merged /usr: lib -> usr/lib, walked once.
    symlink("usr/lib", r.join("lib")).unwrap();
    write(r, &format!("{k}/extra/kltest.ko.xz"), &xz(&ko));
    write(
        r,
        &format!("{k}/updates/dkms/klzst.ko.zst"),
        &ruzstd::encoding::compress_to_vec(&ko[..], ruzstd::encoding::CompressionLevel::Fastest),
    );
    write(r, &format!("{k}/kernel/drivers/misc/klgz.ko.gz"), &gz(&ko));
    write(r, &format!("{k}/vendor/plain-mod.ko"), &ko);
    write(
        r,
        &format!("{k}/kernel/fs/unparsed.ko"),
        b"not an elf, never opened",
    );
    // Distribution modules: listed by name only, so even garbage is not an error.
    write(
        r,
        &format!("{k}/kernel/drivers/net/e1000-e.ko.xz"),
        b"not xz at all",
    );
    write(
        r,
        &format!("{k}/kernel/drivers/net/loaded-one.ko.zst"),
        b"not zstd",
    );
    write(
        r,
        &format!("{k}/extra/broken.ko.xz"),
        b"\xfd7zXZ\0truncated",
    );
    write(r, &format!("{k}/modules.dep"), b"");
    symlink("/usr/src/linux-headers", r.join(format!("{k}/build"))).unwrap();
    let root = Root::offline(r).unwrap();
    (dir, root)
}

#[test]
fn kernel_modules_offline_walk_and_parse_rule() {
    let (_d, root) = fixture();
    let inv = KernelModulesCollector.collect(&root);
    let k = format!("usr/lib/modules/{KVER}");
    assert_eq!(inv.errors.len(), 1, "{:?}", inv.errors);
    assert_eq!(inv.errors[0].location, format!("{k}/extra/broken.ko.xz"));
    assert_eq!(inv.errors[0].collector, "kernel-modules");
    assert_eq!(inv.artifacts.len(), 8, "{:?}", inv.artifacts);
    for file in [
        "extra/kltest.ko.xz",
        "updates/dkms/klzst.ko.zst",
        "kernel/drivers/misc/klgz.ko.gz",
        "vendor/plain-mod.ko",
    ] {
        let rel = format!("{k}/{file}");
        let a = inv
            .artifacts
            .iter()
            .find(|a| a.location == rel)
            .unwrap_or_else(|| panic!("{rel}"));
        assert_eq!(a.kind, ArtifactKind::KernelModule);
        assert_eq!(a.name, "kltest", "{rel}");
        assert_eq!(a.publisher.as_deref(), Some("AO Kaspersky Lab"));
        assert_eq!(a.version.as_deref(), Some("12.1.0.1"));
        assert_eq!(a.attr("description"), Some("Kaspersky file interceptor"));
        assert_eq!(a.attr("license"), Some("Proprietary"));
        assert_eq!(a.attr("kernel"), Some(KVER));
        assert_eq!(a.paths, vec![rel.clone()]);
    }
    let e = inv
        .artifacts
        .iter()
        .find(|a| a.location.ends_with("e1000-e.ko.xz"))
        .unwrap();
    assert_eq!((e.name.as_str(), e.publisher.as_deref()), ("e1000_e", None));
    let u = inv
        .artifacts
        .iter()
        .find(|a| a.location.ends_with("kernel/fs/unparsed.ko"))
        .unwrap();
    assert_eq!(
        (u.name.as_str(), u.attr("compression")),
        ("unparsed", Some("none"))
    );
}

#[test]
fn kernel_modules_live_proc_and_tainted_loaded_modules_are_parsed() {
    let (_d, root) = fixture();
    let proc =
        b"loaded_one 16384 0 - Live 0x0000000000000000 (OE)\nsnd 4096 1 snd_pcm, Unloading 0x0\n"
            .to_vec();
    let inv = KernelModulesCollector.collect_with(&root, Some(Ok(proc)), Some(KVER));
    let live: Vec<_> = inv
        .artifacts
        .iter()
        .filter(|a| a.location == PROC_MODULES)
        .collect();
    assert_eq!(live.len(), 2);
    assert_eq!(
        (live[0].name.as_str(), live[0].state),
        ("loaded_one", ArtifactState::Active)
    );
    assert_eq!(live[0].attr("taint"), Some("OE"));
    assert_eq!(live[1].state, ArtifactState::Disabled);
    // A loaded module takes the facts of its file in the running kernel's folder.
    let proc = b"kltest 16384 0 - Live 0x0 (OE)\n".to_vec();
    let inv2 = KernelModulesCollector.collect_with(&root, Some(Ok(proc)), Some(KVER));
    let l = inv2
        .artifacts
        .iter()
        .find(|a| a.location == PROC_MODULES)
        .unwrap();
    assert_eq!(l.publisher.as_deref(), Some("AO Kaspersky Lab"));
    assert_eq!(l.attr("kernel"), Some(KVER));
    assert_eq!(l.paths.len(), 1);
    // The tainted loaded module's file is now decompressed: it is garbage, so an error.
    assert!(
        inv.errors
            .iter()
            .any(|e| e.location.ends_with("loaded-one.ko.zst")),
        "{:?}",
        inv.errors
    );
    let bad = KernelModulesCollector.collect_with(&root, Some(Ok(b"short line\n".to_vec())), None);
    assert!(bad.errors.iter().any(|e| e.location == PROC_MODULES));
}

#[test]
fn kernel_modules_decompression_is_capped_and_robust() {
    assert!(decompress(b"garbage", Compression::Xz).is_err());
    assert!(decompress(b"garbage", Compression::Zstd).is_err());
    assert!(decompress(b"garbage", Compression::Gzip).is_err());
    let ko = minimal_elf_module(INFO);
    let packed = xz(&ko);
    for cut in [1, packed.len() / 2, packed.len() - 1] {
        assert!(
            decompress(&packed[..cut], Compression::Xz).is_err(),
            "cut {cut}"
        );
    }
    assert_eq!(
        Compression::of("a-b.ko.zst"),
        Some((Compression::Zstd, "a-b"))
    );
    assert_eq!(Compression::of(".ko"), None);
    assert_eq!(Compression::of("x.ko.bz2"), None);
}
