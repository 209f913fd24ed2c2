//! The cached fast path against the complete `cms` decoding, on every signature of the
//! PE corpus and on thousands of corrupted copies of them.

use super::*;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/pe");

/// Every PKCS#7 blob of every corpus PE.
fn corpus_signatures() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["signify", "velociraptor"] {
        let mut names: Vec<_> = std::fs::read_dir(format!("{CORPUS}/{dir}"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        for path in names {
            let bytes = std::fs::read(&path).unwrap();
            let Ok(pe) = goblin::pe::PE::parse(&bytes) else {
                continue;
            };
            for c in &pe.certificates {
                if c.certificate_type as u16 == super::super::WIN_CERT_TYPE_PKCS_SIGNED_DATA {
                    out.push((path.display().to_string(), c.certificate.to_vec()));
                }
            }
        }
    }
    assert!(out.len() >= 5, "corpus signatures: {}", out.len());
    out
}

#[test]
fn cached_signers_equal_the_complete_decoding_and_certificates_decode_once() {
    let cache = CertCache::default();
    let sigs = corpus_signatures();
    for (path, der) in &sigs {
        let complete = signers_with(der, false, 0, None);
        assert!(complete.as_ref().is_ok_and(|s| !s.is_empty()), "{path}");
        assert!(
            fast_signers(der, false, 0, &cache).is_some(),
            "{path}: the fast path should take a plain signature"
        );
        assert_eq!(signers_of(der, false, 0, &cache), complete, "{path}");
    }
    let held = cache.len();
    assert!(held > 0);
    // A second pass over the same signatures finds every certificate in the cache.
    for (path, der) in &sigs {
        assert_eq!(
            signers_of(der, false, 0, &cache),
            signers_with(der, false, 0, None),
            "{path}"
        );
    }
    assert_eq!(cache.len(), held);
}

#[test]
fn a_repeated_certificate_is_the_same_decoded_value() {
    let cache = CertCache::default();
    let (_, der) = &corpus_signatures()[0];
    let shell = decode_shell(der).unwrap();
    let first = cache.get(shell.certs[0]).unwrap();
    let again = cache.get(shell.certs[0]).unwrap();
    assert!(Arc::ptr_eq(&first, &again));
    assert_eq!(first.cert, Certificate::from_der(shell.certs[0]).unwrap());
}

/// Corrupting any byte (or cutting the blob short) gives exactly what the complete
/// decoder gives — the same signers or the same error text — so the fast path never
/// accepts what `cms` rejects, nor words an error differently.
#[test]
fn corrupted_signatures_give_the_complete_decoders_answer() {
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let cache = CertCache::default();
    let mut differing_outcomes = 0;
    for (path, der) in corpus_signatures() {
        for _ in 0..300 {
            let mut bad = der.clone();
            let at = (next() % der.len() as u64) as usize;
            match next() % 4 {
                0 => bad.truncate(at),
                1 => bad[at] ^= 0x80,
                2 => bad[at] = 0,
                _ => bad[at] = bad[at].wrapping_add(1),
            }
            let complete = signers_with(&bad, false, 0, None);
            let cached = signers_of(&bad, false, 0, &cache);
            assert_eq!(cached, complete, "{path}: byte {at} changed");
            differing_outcomes += usize::from(complete.is_err());
        }
    }
    // The corruptions reached the error paths, not only ignored bytes.
    assert!(differing_outcomes > 100, "{differing_outcomes}");
}
