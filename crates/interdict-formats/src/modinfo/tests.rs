use super::*;

const INFO: &[u8] = b"author=AO Kaspersky Lab\0description=Kaspersky test module\0license=Proprietary\0\
version=11.4.0.1\0srcversion=ABCDEF\0depends=\0name=kltest\0vermagic=6.8.0-45-generic SMP mod_unload \0";

#[test]
fn minimal_module_round_trips() {
    let m = parse_modinfo(&minimal_elf_module(INFO)).unwrap();
    assert_eq!(m.name, "kltest");
    assert_eq!(m.author, "AO Kaspersky Lab");
    assert_eq!(m.description, "Kaspersky test module");
    assert_eq!(m.license, "Proprietary");
    assert_eq!(m.version, "11.4.0.1");
    assert_eq!(m.srcversion, "ABCDEF");
    assert_eq!(m.vermagic, "6.8.0-45-generic SMP mod_unload");
    assert!(m.depends.is_empty());
    assert_eq!(m.fields.len(), 8);
}

#[test]
fn gcc_built_module_is_read_when_gcc_exists() {
    let dir = std::env::temp_dir().join(format!("interdict-modinfo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("m.c");
    std::fs::write(
        &src,
        "__attribute__((section(\".modinfo\"), used)) const char m[] = \
         \"author=AO Kaspersky Lab\\0description=klif\\0name=kltest\\0\";\n",
    )
    .unwrap();
    let obj = dir.join("m.o");
    let built = std::process::Command::new("gcc")
        .arg("-c")
        .arg(&src)
        .arg("-o")
        .arg(&obj)
        .status();
    if !matches!(built, Ok(s) if s.success()) {
        eprintln!("gcc not available; skipped");
        return;
    }
    let m = parse_modinfo(&std::fs::read(&obj).unwrap()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        (m.name.as_str(), m.author.as_str(), m.description.as_str()),
        ("kltest", "AO Kaspersky Lab", "klif")
    );
}

#[test]
fn repeated_authors_are_joined() {
    let m = parse_modinfo_section(b"author=A\0author=B\0junk\0=\0\xff\xfe\0alias=x\0depends=a,b\0");
    assert_eq!(m.author, "A, B");
    assert_eq!(m.depends, vec!["a", "b"]);
}

#[test]
fn truncated_and_garbage_modules_are_errors() {
    let good = minimal_elf_module(INFO);
    for cut in [0, 3, 10, 63, 64, 100, good.len() - 1] {
        assert!(parse_modinfo(&good[..cut]).is_err(), "cut at {cut}");
    }
    assert!(parse_modinfo(b"not an elf file at all, just text").is_err());
    let mut bad = good.clone();
    bad[60] = 0xff; // e_shnum low byte
    bad[61] = 0xff;
    assert!(parse_modinfo(&bad).is_err());
    let mut bad = good.clone();
    bad[4] = 9; // class
    assert!(parse_modinfo(&bad).is_err());
    // Flip every byte of the header and tables in turn: never a panic.
    for i in 0..good.len() {
        let mut m = good.clone();
        m[i] ^= 0xa5;
        let _ = parse_modinfo(&m);
    }
}

#[test]
fn proc_modules_six_columns_and_taint() {
    let data = b"kltest 16384 0 - Live 0x0000000000000000 (OE)\n\
snd_hda_intel 61440 4 - Live 0xffffffffc0b7e000\n\
snd_pcm 204800 2 snd_hda_intel,snd_hda_codec, Live 0x0000000000000000\n\n";
    let mods = parse_proc_modules(data).unwrap();
    assert_eq!(mods.len(), 3);
    assert_eq!(mods[0].name, "kltest");
    assert_eq!(mods[0].taint, "(OE)");
    assert_eq!(mods[0].state, "Live");
    assert_eq!(mods[1].size, 61440);
    assert!(mods[1].used_by.is_empty());
    assert_eq!(mods[2].used_by, vec!["snd_hda_intel", "snd_hda_codec"]);
    assert!(parse_proc_modules(b"kltest 16384 0 -\n").is_err());
    assert!(parse_proc_modules(b"kltest big 0 - Live 0x0\n").is_err());
    assert_eq!(parse_proc_modules(b"").unwrap(), vec![]);
}
