//! Mach-O code-signature reading on synthetic binaries.

mod support;

use interdict_formats::macho::{parse_code_signatures, team_id};
use support::macho_builder::{fat_macho, thin_macho};

#[test]
fn thin_macho_team_id_is_read() {
    let m = thin_macho("com.kaspersky.kav", Some("2Y8XE5CQ94"));
    let sigs = parse_code_signatures(&m).unwrap();
    assert_eq!(sigs.len(), 1);
    assert_eq!(sigs[0].identifier.as_deref(), Some("com.kaspersky.kav"));
    assert_eq!(sigs[0].team_id.as_deref(), Some("2Y8XE5CQ94"));
    assert_eq!(sigs[0].cpu_type, 0x0100_0007);
    assert!(sigs[0].signer_subjects.is_empty());
    assert_eq!(team_id(&m).unwrap().as_deref(), Some("2Y8XE5CQ94"));
}

#[test]
fn fat_macho_team_id_is_read() {
    let m = fat_macho("com.kaspersky.kav", Some("2Y8XE5CQ94"));
    assert_eq!(team_id(&m).unwrap().as_deref(), Some("2Y8XE5CQ94"));
}

#[test]
fn ad_hoc_signature_without_team_id() {
    let m = thin_macho("a.out", None);
    let sigs = parse_code_signatures(&m).unwrap();
    assert_eq!(sigs[0].identifier.as_deref(), Some("a.out"));
    assert_eq!(sigs[0].team_id, None);
}

#[test]
fn truncated_and_flipped_macho_never_panic() {
    let m = fat_macho("com.kaspersky.kav", Some("2Y8XE5CQ94"));
    for len in 0..m.len() {
        let _ = parse_code_signatures(&m[..len]);
    }
    let t = thin_macho("com.kaspersky.kav", Some("2Y8XE5CQ94"));
    for len in 0..t.len() {
        let _ = parse_code_signatures(&t[..len]);
    }
    for i in 0..t.len() {
        for bit in [0x01u8, 0x80, 0xff] {
            let mut c = t.clone();
            c[i] ^= bit;
            let _ = parse_code_signatures(&c);
        }
    }
    assert!(parse_code_signatures(&t[..40]).is_err());
}
