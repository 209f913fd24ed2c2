//! `interdict evidence keygen|verify` from outside: key files and their modes, a pack
//! verified with the signer's key, and each failure named with exit 1.

mod support;

use interdict_evidence::{Pack, SigningKey};
use std::os::unix::fs::PermissionsExt;
use support::interdict;

#[test]
fn keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("signer");
    let p = prefix.to_str().unwrap();
    let (code, out, err) = interdict(&["evidence", "keygen", "--out", p]);
    assert_eq!(code, 0, "{err}");
    let key = dir.path().join("signer.key");
    let public = dir.path().join("signer.pub");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let signer = SigningKey::from_pem(&std::fs::read(&key).unwrap()).unwrap();
    let fp = signer.public_key().fingerprint();
    assert!(out.contains(&fp), "{out}");
    assert!(
        std::fs::read_to_string(&public)
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );

    let before = std::fs::read(&key).unwrap();
    let (code, _, err) = interdict(&["evidence", "keygen", "--out", p]);
    assert_eq!(code, 2);
    assert!(err.contains("signer.key exists"), "{err}");
    assert_eq!(std::fs::read(&key).unwrap(), before, "the key is untouched");
}

#[test]
fn verify_passes_a_sealed_pack_and_names_each_failure() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("k");
    let (code, _, err) = interdict(&["evidence", "keygen", "--out", prefix.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let key = SigningKey::from_pem(&std::fs::read(dir.path().join("k.key")).unwrap()).unwrap();
    let public = dir.path().join("k.pub");
    let mut pack = Pack::new("evidence-test").unwrap();
    pack.add("reports/r1.json", b"{\"a\":1}".to_vec()).unwrap();
    let sealed = pack.seal(&key, None).unwrap();
    let file = dir.path().join("pack.tar.gz");
    std::fs::write(&file, sealed.to_archive().unwrap()).unwrap();
    let f = file.to_str().unwrap();

    let (code, out, err) = interdict(&["evidence", "verify", f, "--key", public.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("verified"), "{out}");
    assert!(out.contains(&key.public_key().fingerprint()), "{out}");
    assert!(out.contains("(the key given)"), "{out}");

    // Without --key: verified with the pack's own copy, and said so.
    let (code, out, _) = interdict(&["evidence", "verify", f]);
    assert_eq!(code, 0);
    assert!(out.contains("inside the pack"), "{out}");

    // A changed file: exit 1, named.
    let mut changed = sealed.clone();
    changed.put_raw("reports/r1.json", b"{\"a\":2}".to_vec());
    let bad = dir.path().join("changed.tar.gz");
    std::fs::write(&bad, changed.to_archive().unwrap()).unwrap();
    let (code, _, err) = interdict(&[
        "evidence",
        "verify",
        bad.to_str().unwrap(),
        "--key",
        public.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("FAILED") && err.contains("reports/r1.json"),
        "{err}"
    );

    // Another signer's key: exit 1, the signature named.
    let other = dir.path().join("other");
    interdict(&["evidence", "keygen", "--out", other.to_str().unwrap()]);
    let (code, _, err) = interdict(&[
        "evidence",
        "verify",
        f,
        "--key",
        dir.path().join("other.pub").to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("signature"), "{err}");

    // Not an archive: exit 1; a missing file or key: exit 2, naming it.
    let junk = dir.path().join("junk.tar.gz");
    std::fs::write(&junk, b"not a pack").unwrap();
    let (code, _, err) = interdict(&["evidence", "verify", junk.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains(".tar.gz"), "{err}");
    let (code, _, err) = interdict(&["evidence", "verify", "/nonexistent/pack.tar.gz"]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/pack.tar.gz"), "{err}");
    let (code, _, err) = interdict(&["evidence", "verify", f, "--key", f]);
    assert_eq!(code, 2);
    assert!(
        err.contains("pack.tar.gz") && err.contains("PUBLIC KEY"),
        "{err}"
    );
}
