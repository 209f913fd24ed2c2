//! `interdict catalog list | show | validate` through the binary.

mod support;

use support::interdict;

#[test]
fn list_show_and_validate_the_bundled_catalog() {
    let (code, out, _) = interdict(&["catalog", "list"]);
    assert_eq!(code, 0);
    for id in [
        "bod-17-01",
        "ndaa-fy18-1634",
        "bis-icts-2021-002",
        "fcc-covered-list",
        "kaspersky",
        "kesl",
        "kes-windows",
    ] {
        assert!(out.contains(id), "{id} missing from:\n{out}");
    }
    let (code, out, _) = interdict(&["catalog", "show", "bod-17-01", "--format", "json"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let due: Vec<&str> = doc["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["due"].as_str().unwrap())
        .collect();
    assert_eq!(
        due,
        ["2017-10-13", "2017-11-12", "2017-12-12", "2018-01-11"]
    );
    assert_eq!(
        doc["directive"]["issuer"],
        "U.S. Department of Homeland Security"
    );
    let (code, out, _) = interdict(&["catalog", "show", "kesl", "--format", "json"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        doc["product"]["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| !i["source"].as_str().unwrap().is_empty())
    );
    let (code, out, _) = interdict(&["catalog", "validate"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("catalog ok:"), "{out}");
    let (code, _, err) = interdict(&["catalog", "show", "nothing-here"]);
    assert_eq!(code, 2);
    assert!(err.contains("nothing-here"));
}

#[test]
fn validate_names_file_line_and_field_of_a_bad_user_catalog() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("site.toml"),
        "[[product]]\nid = \"site-av\"\nvendor = \"kaspersky\"\nname = \"Site AV\"\nfamily = \"x\"\ndistribution = \"branded\"\n\n[[product.indicator]]\nkind = \"package\"\npattern = \"site-av\"\nstrength = \"sometimes\"\nsource = \"inventory\"\nconfidence = \"high\"\n",
    )
    .unwrap();
    let (code, _, err) = interdict(&["catalog", "validate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("site.toml:11: field `indicator.strength`"),
        "{err}"
    );
    // fixed, it validates and a scan picks the new product up
    std::fs::write(
        dir.path().join("site.toml"),
        "[[product]]\nid = \"site-av\"\nvendor = \"kaspersky\"\nname = \"Site AV\"\nfamily = \"x\"\nplatforms = [\"linux\"]\ndistribution = \"branded\"\n\n[[product.indicator]]\nkind = \"package\"\npattern = \"site-av\"\nstrength = \"strong\"\nsource = \"inventory\"\nconfidence = \"high\"\n",
    )
    .unwrap();
    let (code, out, _) = interdict(&["catalog", "validate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("var/lib/dpkg")).unwrap();
    std::fs::write(
        root.path().join("var/lib/dpkg/status"),
        "Package: site-av\nStatus: install ok installed\nVersion: 1\n",
    )
    .unwrap();
    let (code, doc) = support::scan_json(root.path(), &["--catalog", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(
        support::findings(&doc),
        [("site-av".to_string(), "confirmed".to_string())]
    );
}
