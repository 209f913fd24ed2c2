//! Builds minimal synthetic Mach-O files carrying an embedded code signature, for tests.
//! There is no real signed Mach-O in the corpus.
#![allow(dead_code)]

/// A SuperBlob with one CodeDirectory (version 0x20400) naming `identifier` and `team`.
pub fn superblob(identifier: &str, team: Option<&str>) -> Vec<u8> {
    let mut strings = Vec::new();
    let ident_off = 52u32;
    strings.extend_from_slice(identifier.as_bytes());
    strings.push(0);
    let team_off = match team {
        Some(t) => {
            let off = ident_off + strings.len() as u32;
            strings.extend_from_slice(t.as_bytes());
            strings.push(0);
            off
        }
        None => 0,
    };
    let cd_len = 52 + strings.len() as u32;
    let mut cd = Vec::new();
    for v in [
        0xfade_0c02u32, // magic
        cd_len,         // length
        0x20400,        // version
        0,              // flags
        cd_len,         // hashOffset
        ident_off,      // identOffset
        0,              // nSpecialSlots
        0,              // nCodeSlots
        0,              // codeLimit
    ] {
        cd.extend_from_slice(&v.to_be_bytes());
    }
    cd.extend_from_slice(&[32, 2, 0, 12]); // hashSize, hashType, platform, pageSize
    cd.extend_from_slice(&0u32.to_be_bytes()); // spare2
    cd.extend_from_slice(&0u32.to_be_bytes()); // scatterOffset
    cd.extend_from_slice(&team_off.to_be_bytes()); // teamOffset
    cd.extend_from_slice(&strings);
    let mut sb = Vec::new();
    let total = 12 + 8 + cd.len() as u32;
    for v in [0xfade_0cc0u32, total, 1, 0, 20] {
        sb.extend_from_slice(&v.to_be_bytes());
    }
    sb.extend_from_slice(&cd);
    sb
}

/// A thin 64-bit little-endian x86_64 Mach-O executable whose only load command is
/// `LC_CODE_SIGNATURE`, pointing at a SuperBlob built by [`superblob`].
pub fn thin_macho(identifier: &str, team: Option<&str>) -> Vec<u8> {
    let sig = superblob(identifier, team);
    let dataoff = 48u32;
    let mut m = Vec::new();
    for v in [0xfeed_facfu32, 0x0100_0007, 3, 2, 1, 16, 0, 0] {
        m.extend_from_slice(&v.to_le_bytes());
    }
    for v in [0x1du32, 16, dataoff, sig.len() as u32] {
        m.extend_from_slice(&v.to_le_bytes());
    }
    m.extend_from_slice(&sig);
    m
}

/// A fat (universal) binary holding one thin slice at offset 4096.
pub fn fat_macho(identifier: &str, team: Option<&str>) -> Vec<u8> {
    let thin = thin_macho(identifier, team);
    let mut f = Vec::new();
    for v in [
        0xcafe_babeu32,
        1,
        0x0100_0007,
        3,
        4096,
        thin.len() as u32,
        12,
    ] {
        f.extend_from_slice(&v.to_be_bytes());
    }
    f.resize(4096, 0);
    f.extend_from_slice(&thin);
    f
}
