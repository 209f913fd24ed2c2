//! The catalog digest names exactly the files a report was computed with.

use interdict_catalog::Catalog;

const SITE_FILE: &str = r#"
[[vendor]]
id = "acme"
name = "Acme Surveillance"
sources = ["https://example.org/acme-notice"]

[[product]]
id = "acme-agent"
vendor = "acme"
name = "Acme Agent"
family = "endpoint"
platforms = ["linux"]
distribution = "branded"

[[product.indicator]]
kind = "package"
pattern = "acme-agent"
strength = "strong"
source = "https://example.org/acme-agent"
confidence = "high"
"#;

#[test]
fn the_bundled_digest_is_the_same_across_loads() {
    let a = Catalog::bundled().unwrap();
    let b = Catalog::bundled().unwrap();
    assert!(a.digest().starts_with("sha256:"));
    assert_eq!(a.digest().len(), "sha256:".len() + 64);
    assert_eq!(a.digest(), b.digest());
    assert_eq!(a.version(), interdict_catalog::BUNDLED_VERSION);
}

#[test]
fn adding_or_editing_a_user_file_changes_the_digest_and_its_folder_does_not() {
    let bundled = Catalog::bundled().unwrap().digest();
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    std::fs::write(one.path().join("site.toml"), SITE_FILE).unwrap();
    std::fs::write(two.path().join("site.toml"), SITE_FILE).unwrap();
    let with_site = Catalog::with_dir(one.path()).unwrap();
    assert_ne!(with_site.digest(), bundled);
    assert!(with_site.files().any(|f| f.ends_with("site.toml")));
    // The same file kept elsewhere: the same digest.
    assert_eq!(
        Catalog::with_dir(two.path()).unwrap().digest(),
        with_site.digest()
    );
    // One byte changed: another digest.
    std::fs::write(
        two.path().join("site.toml"),
        SITE_FILE.replace("Acme Agent", "Acme Agent 2"),
    )
    .unwrap();
    assert_ne!(
        Catalog::with_dir(two.path()).unwrap().digest(),
        with_site.digest()
    );
}
