//! A sealed pack verifies; each kind of tampering makes verification fail and names it;
//! the extracted pack checks with `sha256sum -c` and OpenSSL, as its README says.

use interdict_evidence::{
    AUDIT_ANCHORS, AUDIT_SEGMENT, AuditAnchors, MANIFEST, Pack, PublicKey, SigningKey, VerifyError,
    verify,
};
use interdict_findings::audit::AuditRecord;
use std::process::Command;

fn chain(n: i64) -> Vec<AuditRecord> {
    let mut out: Vec<AuditRecord> = Vec::new();
    for seq in 1..=n {
        let prev_hash = out.last().map(|r| r.hash.clone()).unwrap_or_default();
        let mut r = AuditRecord {
            seq,
            at_ms: 1_505_260_800_000 + seq * 86_400_000,
            actor: "alice".into(),
            action: "finding.plan".into(),
            subject: format!("finding-{seq}"),
            detail: format!("{{\"to\":\"planned\",\"n\":{seq}}}"),
            prev_hash,
            hash: String::new(),
        };
        r.hash = r.computed_hash();
        out.push(r);
    }
    out
}

/// A pack with a report, a deliverable and entries 3..=6 of a six-entry chain.
fn unsealed() -> Pack {
    let full = chain(6);
    let segment = &full[2..];
    let mut pack = Pack::new("evidence-bod-17-01-2017-12-12").unwrap();
    pack.add("reports/r1.json", br#"{"schema_version":"1.1"}"#.to_vec())
        .unwrap();
    pack.add(
        "deliverables/identification.json",
        br#"{"directive":"bod-17-01","products":[]}"#.to_vec(),
    )
    .unwrap();
    let lines: String = segment
        .iter()
        .map(|r| serde_json::to_string(r).unwrap() + "\n")
        .collect();
    pack.add(AUDIT_SEGMENT, lines).unwrap();
    let anchors = AuditAnchors {
        prev_hash: full[1].hash.clone(),
        first_seq: Some(3),
        last_seq: Some(6),
        last_hash: Some(full[5].hash.clone()),
        head_seq: 6,
        head_hash: full[5].hash.clone(),
    };
    pack.add(AUDIT_ANCHORS, serde_json::to_vec(&anchors).unwrap())
        .unwrap();
    pack.add("README.html", b"<!doctype html><p>readme</p>".to_vec())
        .unwrap();
    pack
}

fn sealed(key: &SigningKey) -> Pack {
    let bytes = unsealed().seal(key, None).unwrap().to_archive().unwrap();
    Pack::from_archive(&bytes).unwrap()
}

#[test]
fn an_intact_pack_verifies_with_the_signers_key() {
    let key = SigningKey::generate().unwrap();
    let v = verify(&sealed(&key), &[key.public_key()]).unwrap();
    assert_eq!(v.signer, key.public_key().fingerprint());
    assert!(!v.signer_key_from_pack);
    assert_eq!(v.audit_entries, 4);
    assert_eq!(v.files, 6, "4 files, README and the signer's key");
    // Without a key, the pack's own copy is used, and said so.
    assert!(verify(&sealed(&key), &[]).unwrap().signer_key_from_pack);
}

#[test]
fn a_changed_byte_in_a_report_is_named() {
    let key = SigningKey::generate().unwrap();
    let mut pack = sealed(&key);
    let mut r = pack.get("reports/r1.json").unwrap().to_vec();
    r[3] ^= 1;
    pack.put_raw("reports/r1.json", r);
    let e = verify(&pack, &[key.public_key()]).unwrap_err();
    assert!(
        matches!(&e, VerifyError::Changed(p) if p == "reports/r1.json"),
        "{e}"
    );
    assert!(e.to_string().contains("reports/r1.json"), "{e}");
}

#[test]
fn a_removed_and_an_added_file_are_named() {
    let key = SigningKey::generate().unwrap();
    let mut pack = sealed(&key);
    pack.remove("deliverables/identification.json");
    let e = verify(&pack, &[key.public_key()]).unwrap_err();
    assert!(
        matches!(&e, VerifyError::Removed(p) if p == "deliverables/identification.json"),
        "{e}"
    );

    let mut pack = sealed(&key);
    pack.put_raw("reports/extra.json", b"{}".to_vec());
    let e = verify(&pack, &[key.public_key()]).unwrap_err();
    assert!(
        matches!(&e, VerifyError::Added(p) if p == "reports/extra.json"),
        "{e}"
    );
}

#[test]
fn a_swapped_manifest_and_a_wrong_key_fail_the_signature() {
    let key = SigningKey::generate().unwrap();
    // Someone edits a report and writes a manifest that matches the edit.
    let mut pack = sealed(&key);
    pack.put_raw("reports/r1.json", b"{}".to_vec());
    let forged = sealed_with_other_content();
    pack.put_raw(MANIFEST, forged.get(MANIFEST).unwrap().to_vec());
    let e = verify(&pack, &[key.public_key()]).unwrap_err();
    assert!(matches!(&e, VerifyError::Signature { .. }), "{e}");

    let other = SigningKey::generate().unwrap();
    let e = verify(&sealed(&key), &[other.public_key()]).unwrap_err();
    let fp = other.public_key().fingerprint();
    assert!(
        matches!(&e, VerifyError::Signature { fingerprint, .. } if *fingerprint == fp),
        "{e}"
    );
    assert!(e.to_string().contains(&fp), "{e}");
}

/// A pack whose report was replaced before sealing, sealed by another key: its manifest
/// lists the replaced report's hash.
fn sealed_with_other_content() -> Pack {
    let mut pack = unsealed();
    pack.remove("reports/r1.json");
    pack.add("reports/r1.json", b"{}".to_vec()).unwrap();
    pack.seal(&SigningKey::generate().unwrap(), None).unwrap()
}

#[test]
fn an_edited_audit_entry_is_named_even_when_resealed() {
    let key = SigningKey::generate().unwrap();
    // Edited after sealing: the file no longer matches the manifest.
    let mut pack = sealed(&key);
    let seg = String::from_utf8(pack.get(AUDIT_SEGMENT).unwrap().to_vec()).unwrap();
    let edited = seg.replacen("\"actor\":\"alice\"", "\"actor\":\"mallory\"", 1);
    pack.put_raw(AUDIT_SEGMENT, edited.clone());
    let e = verify(&pack, &[key.public_key()]).unwrap_err();
    assert!(
        matches!(&e, VerifyError::Changed(p) if p == AUDIT_SEGMENT),
        "{e}"
    );

    // Edited by the signer before sealing: the chain itself names the entry.
    let mut pack = unsealed();
    pack.remove(AUDIT_SEGMENT);
    pack.add(AUDIT_SEGMENT, edited).unwrap();
    let pack = pack.seal(&key, None).unwrap();
    let e = verify(&pack, &[key.public_key()]).unwrap_err();
    assert!(
        matches!(&e, VerifyError::AuditChain(b) if b.seq == 3),
        "{e}"
    );
    assert!(e.to_string().contains("audit entry 3"), "{e}");

    // The last entry dropped before sealing: the anchors name it.
    let mut pack = unsealed();
    let seg: Vec<&str> = seg.lines().collect();
    pack.remove(AUDIT_SEGMENT);
    pack.add(AUDIT_SEGMENT, seg[..seg.len() - 1].join("\n"))
        .unwrap();
    let e = verify(&pack.seal(&key, None).unwrap(), &[key.public_key()]).unwrap_err();
    assert!(matches!(&e, VerifyError::AuditAnchors(_)), "{e}");
}

#[test]
fn a_countersigned_pack_needs_both_signatures() {
    let (a, b) = (
        SigningKey::generate().unwrap(),
        SigningKey::generate().unwrap(),
    );
    let pack = unsealed().seal(&a, Some(&b)).unwrap();
    let v = verify(&pack, &[a.public_key(), b.public_key()]).unwrap();
    assert_eq!(v.countersigner, Some(b.public_key().fingerprint()));
    let e = verify(&pack, &[a.public_key(), a.public_key()]).unwrap_err();
    assert!(
        matches!(&e, VerifyError::Signature { file, .. } if file == "SHA256SUMS.countersig"),
        "{e}"
    );
    // A verifier who asks for a countersignature that is not there is told so.
    let single = unsealed().seal(&a, None).unwrap();
    assert!(verify(&single, &[a.public_key(), b.public_key()]).is_err());
}

#[test]
fn the_extracted_pack_checks_by_hand_with_sha256sum_and_openssl() {
    let key = SigningKey::generate().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("pack.tar.gz");
    let bytes = unsealed().seal(&key, None).unwrap().to_archive().unwrap();
    std::fs::write(&archive, bytes).unwrap();
    let run = |cmd: &mut Command| {
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("{cmd:?} could not start: {e}"));
        assert!(out.status.success(), "{cmd:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .current_dir(dir.path()));
    let top = dir.path().join("evidence-bod-17-01-2017-12-12");
    let ok = run(Command::new("sha256sum")
        .args(["-c", "--strict", "SHA256SUMS"])
        .current_dir(&top));
    assert_eq!(ok.matches(": OK").count(), 6, "{ok}");
    let verified = run(Command::new("openssl")
        .args([
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "keys/signer.pub",
            "-rawin",
        ])
        .args(["-in", "SHA256SUMS", "-sigfile", "SHA256SUMS.sig"])
        .current_dir(&top));
    assert!(
        verified.contains("Signature Verified Successfully"),
        "{verified}"
    );
    // The fingerprint printed by interdict is what the README's OpenSSL recipe gives.
    let der = Command::new("openssl")
        .args([
            "pkey",
            "-pubin",
            "-in",
            "keys/signer.pub",
            "-outform",
            "DER",
        ])
        .current_dir(&top)
        .output()
        .unwrap();
    assert!(der.status.success());
    let raw = &der.stdout[der.stdout.len() - 32..];
    let fp = format!("SHA256:{}", interdict_evidence::manifest::sha256_hex(raw));
    assert_eq!(fp, key.public_key().fingerprint());
    // And OpenSSL's own Ed25519 private key files are read by interdict.
    let pem = Command::new("openssl")
        .args(["genpkey", "-algorithm", "ED25519"])
        .output()
        .unwrap();
    assert!(pem.status.success());
    let theirs = SigningKey::from_pem(&pem.stdout).unwrap();
    let public = PublicKey::from_pem(theirs.public_key().to_pem().as_bytes()).unwrap();
    assert!(public.verifies(b"m", &theirs.sign(b"m")));
}
