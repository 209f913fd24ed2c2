use super::*;

#[test]
fn bundled_catalog_has_the_four_kaspersky_directives() {
    let cat = Catalog::bundled().unwrap();
    for id in [
        "bod-17-01",
        "ndaa-fy18-1634",
        "bis-icts-2021-002",
        "fcc-covered-list",
    ] {
        let d = cat.directive(id).unwrap_or_else(|| panic!("missing {id}"));
        assert!(d.vendors.contains(&"kaspersky".to_string()));
        assert!(!d.sources.is_empty());
    }
    let bod = cat.directive("bod-17-01").unwrap();
    let due: Vec<String> = bod
        .milestones
        .iter()
        .map(|m| m.due(bod.issued).to_string())
        .collect();
    assert_eq!(
        due,
        ["2017-10-13", "2017-11-12", "2017-12-12", "2018-01-11"]
    );
    assert_eq!(bod.milestones[3].every_days, Some(30));
    assert_eq!(bod.distributions, [Distribution::Branded]);
}

#[test]
fn every_active_indicator_carries_a_source() {
    let cat = Catalog::bundled().unwrap();
    assert!(
        cat.active_indicator_count() > 150,
        "{}",
        cat.active_indicator_count()
    );
    for p in cat.products() {
        for i in &p.indicators {
            assert!(i.is_active(), "{} is not high/medium", i.id);
            assert!(!i.source.trim().is_empty(), "{} has no source", i.id);
            assert!(matches!(
                i.confidence,
                SourceConfidence::High | SourceConfidence::Medium
            ));
        }
    }
    assert!(
        cat.vendor("kaspersky")
            .unwrap()
            .legal_names
            .iter()
            .any(|n| n == "AO Kaspersky Lab")
    );
}

#[test]
fn bod_excludes_embedded_products_but_ndaa_covers_them() {
    let cat = Catalog::bundled().unwrap();
    let engine = cat.product("kaspersky-scan-engine").unwrap();
    assert_eq!(engine.distribution, Distribution::Embedded);
    let dirs = cat.directives_for(engine);
    assert!(!dirs.contains(&"bod-17-01".to_string()));
    assert!(dirs.contains(&"ndaa-fy18-1634".to_string()));
    let kesl = cat.product("kesl").unwrap();
    assert_eq!(
        cat.directives_for(kesl),
        [
            "bis-icts-2021-002",
            "bod-17-01",
            "fcc-covered-list",
            "ndaa-fy18-1634"
        ]
    );
}

fn layer(cat: &mut Catalog, name: &str, text: &str) -> Result<(), CatalogError> {
    cat.add_layer([(name.to_string(), text.to_string())])
}

#[test]
fn user_file_overrides_and_extends_bundled_entries() {
    let mut cat = Catalog::bundled().unwrap();
    let text = r#"
[[product]]
id = "kesl"
vendor = "kaspersky"
name = "KESL (site override)"
family = "endpoint-security"
platforms = ["linux"]
distribution = "branded"

[[product.indicator]]
kind = "package"
pattern = "kesl-custom"
strength = "strong"
source = "site inventory"
confidence = "high"

[[vendor]]
id = "acme"
name = "Acme"
"#;
    layer(&mut cat, "site.toml", text).unwrap();
    let kesl = cat.product("kesl").unwrap();
    assert_eq!(kesl.name, "KESL (site override)");
    assert_eq!(kesl.indicators.len(), 1);
    assert_eq!(kesl.origin, "site.toml");
    assert!(cat.vendor("acme").is_some());
}

#[test]
fn errors_name_file_line_and_field() {
    let mut cat = Catalog::bundled().unwrap();
    let bad_kind = "\n\n[[product]]\nid = \"x\"\nvendor = \"kaspersky\"\nname = \"X\"\nfamily = \"f\"\ndistribution = \"branded\"\n\n[[product.indicator]]\nkind = \"pakage\"\npattern = \"x\"\nstrength = \"strong\"\nsource = \"s\"\nconfidence = \"high\"\n";
    let e = layer(&mut cat, "bad.toml", bad_kind)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("bad.toml:11: field `indicator.kind`"), "{e}");
    assert!(e.contains("pakage"), "{e}");

    let no_source = bad_kind
        .replace("pakage", "package")
        .replace("source = \"s\"\n", "");
    let e = layer(&mut cat, "bad.toml", &no_source)
        .unwrap_err()
        .to_string();
    assert!(e.contains("field `indicator.source`"), "{e}");

    let bad_regex = bad_kind
        .replace("kind = \"pakage\"", "kind = \"package\"\nmatch = \"regex\"")
        .replace("pattern = \"x\"", "pattern = \"(unclosed\"");
    let e = layer(&mut cat, "bad.toml", &bad_regex)
        .unwrap_err()
        .to_string();
    assert!(e.contains("invalid regex"), "{e}");

    let e = layer(&mut cat, "syntax.toml", "[[product]\nid=")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("syntax.toml:1:"), "{e}");

    let unknown_field = "[[vendor]]\nid = \"v\"\nname = \"V\"\ncolour = \"red\"\n";
    let e = layer(&mut cat, "field.toml", unknown_field)
        .unwrap_err()
        .to_string();
    assert!(e.contains("colour"), "{e}");

    let bad_ref = "[[product]]\nid = \"y\"\nvendor = \"nobody\"\nname = \"Y\"\nfamily = \"f\"\ndistribution = \"branded\"\n";
    let e = Catalog::bundled()
        .unwrap()
        .add_layer([("ref.toml".into(), bad_ref.into())])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("ref.toml") && e.contains("unknown vendor `nobody`"),
        "{e}"
    );
}

#[test]
fn unverified_indicators_load_but_are_inactive() {
    let mut cat = Catalog::bundled().unwrap();
    let text = "[[product]]\nid = \"z\"\nvendor = \"kaspersky\"\nname = \"Z\"\nfamily = \"f\"\ndistribution = \"branded\"\n[[product.indicator]]\nkind = \"package\"\npattern = \"zz\"\nstrength = \"strong\"\nconfidence = \"unverified\"\n";
    layer(&mut cat, "u.toml", text).unwrap();
    assert!(!cat.product("z").unwrap().indicators[0].is_active());
}

#[test]
fn with_dir_reads_toml_files_and_reports_missing_dir() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.toml"),
        "[[vendor]]\nid = \"acme\"\nname = \"Acme\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
    let cat = Catalog::with_dir(dir.path()).unwrap();
    assert!(cat.vendor("acme").is_some());
    let e = Catalog::with_dir(&dir.path().join("missing"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing"), "{e}");
}

#[test]
fn other_vendors_ban_pattern_tiktok_under_omb_m_23_13() {
    let cat = Catalog::bundled().unwrap();
    let tiktok = cat.product("tiktok").unwrap();
    assert_eq!(cat.directives_for(tiktok), ["omb-m-23-13"]);
    let omb = cat.directive("omb-m-23-13").unwrap();
    let due: Vec<String> = omb
        .milestones
        .iter()
        .map(|m| m.due(omb.issued).to_string())
        .collect();
    assert_eq!(due, ["2023-03-29", "2023-05-28", "2023-06-27"]);
    // Kaspersky directives do not reach other vendors, and the DeepSeek app is in the
    // catalog without a federal directive (state bans only).
    assert!(
        cat.directives_for(cat.product("deepseek-app").unwrap())
            .is_empty()
    );
}

#[test]
fn indicator_families_tie_items_to_known_product_families() {
    let cat = Catalog::bundled().unwrap();
    let generic = cat.product("kaspersky-unidentified").unwrap();
    let avp = generic
        .indicators
        .iter()
        .find(|i| i.pattern == "^AVP[0-9.]*$")
        .unwrap();
    assert_eq!(avp.families, ["endpoint-security", "consumer-security"]);
    let klif = generic
        .indicators
        .iter()
        .find(|i| i.pattern == "klif")
        .unwrap();
    assert!(klif.families.iter().any(|f| f == "endpoint-security"));
    assert!(!klif.families.iter().any(|f| f == "management-agent"));

    let bad = "[[product]]\nid = \"z\"\nvendor = \"kaspersky\"\nname = \"Z\"\nfamily = \"f\"\ndistribution = \"branded\"\n\n[[product.indicator]]\nkind = \"service\"\npattern = \"zsvc\"\nstrength = \"strong\"\nsource = \"s\"\nconfidence = \"high\"\nfamilies = [\"no-such-family\"]\n";
    let e = Catalog::bundled()
        .unwrap()
        .add_layer([("fam.toml".into(), bad.into())])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("fam.toml") && e.contains("no-such-family") && e.contains("families"),
        "{e}"
    );
}

#[test]
fn removal_actions_are_structured_ordered_and_sourced() {
    let cat = Catalog::bundled().unwrap();
    let kes = cat.product("kes-windows").unwrap();
    let agent = cat.product("ksc-network-agent-windows").unwrap();
    assert!(kes.removal_order < agent.removal_order);
    let win = kes
        .removal
        .iter()
        .find(|r| r.platform == "windows")
        .unwrap();
    assert_eq!(win.actions[0].kind, ActionKind::MsiexecUninstall);
    assert_eq!(win.actions[0].properties, ["KLLOGIN", "KLPASSWD"]);
    assert!(win.steps.len() >= 4, "text steps kept");
    assert!(
        win.actions
            .iter()
            .any(|a| a.kind == ActionKind::Fallback && a.paths == ["kavremover.exe"])
    );
    let mac = cat.product("kaspersky-mac").unwrap();
    let kinds: Vec<ActionKind> = mac.removal[0].actions.iter().map(|a| a.kind).collect();
    assert!(
        kinds.contains(&ActionKind::LaunchdUnload) && kinds.contains(&ActionKind::PkgutilForget)
    );
    for p in cat.products() {
        for r in &p.removal {
            for a in &r.actions {
                assert!(
                    !a.source.trim().is_empty(),
                    "{}: action without source",
                    p.id
                );
            }
        }
    }
    let vendor = cat.vendor("kaspersky").unwrap();
    assert_eq!(vendor.team_ids, ["2Y8XE5CQ94"]);
    assert!(
        vendor
            .domains
            .iter()
            .any(|d| d.name == "kaspersky.com" && d.subdomains)
    );
}

#[test]
fn bad_removal_actions_name_file_line_and_field() {
    let base = "[[product]]\nid = \"x\"\nvendor = \"kaspersky\"\nname = \"X\"\nfamily = \"f\"\ndistribution = \"branded\"\n\n[[product.removal]]\nplatform = \"linux\"\nsteps = [\"remove\"]\n\n[[product.removal.action]]\nkind = \"package-remove\"\ndescription = \"d\"\nsource = \"s\"\n";
    let mut cat = Catalog::bundled().unwrap();
    layer(&mut cat, "ok.toml", base).unwrap();
    let cases = [
        (
            base.replace("package-remove", "nuke"),
            "product.removal.action.kind",
            13,
        ),
        (
            base.replace("source = \"s\"\n", ""),
            "product.removal.action.source",
            12,
        ),
        (
            base.replace("package-remove", "delete-path"),
            "product.removal.action.paths",
            12,
        ),
        (
            base.replace(
                "kind = \"package-remove\"",
                "kind = \"delete-path\"\npaths = [\"/etc\"]",
            ),
            "product.removal.action.paths",
            14,
        ),
        (
            base.replace("source = \"s\"", "source = \"s\"\nwhen = {}"),
            "product.removal.action.when",
            16,
        ),
    ];
    for (text, field, line) in cases {
        let e = layer(&mut cat, "bad.toml", &text).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("bad.toml:{line}: field `{field}`")),
            "{e}"
        );
    }
    let bad_domain = "[[vendor]]\nid = \"v\"\nname = \"V\"\n\n[[vendor.domain]]\nname = \"*.example.org\"\nsource = \"s\"\n";
    let e = layer(&mut cat, "dom.toml", bad_domain)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("dom.toml:6: field `vendor.domain.name`"),
        "{e}"
    );
    let bad_team = "[[vendor]]\nid = \"v\"\nname = \"V\"\nteam_ids = [\"abc\"]\n";
    let e = layer(&mut cat, "team.toml", bad_team)
        .unwrap_err()
        .to_string();
    assert!(e.contains("team.toml:4: field `vendor.team_ids`"), "{e}");
}

#[test]
fn content_indicators_take_case_and_wide_and_refuse_patterns() {
    let product = "[[product]]\nid = \"gw\"\nvendor = \"kaspersky\"\nname = \"GW\"\nfamily = \"oem-engine\"\ndistribution = \"embedded\"\n\n[[product.indicator]]\n";
    let with = |ind: &str| {
        format!("{product}{ind}\nstrength = \"weak\"\nsource = \"s\"\nconfidence = \"high\"\n")
    };
    let mut cat = Catalog::bundled().unwrap();
    layer(
        &mut cat,
        "gw.toml",
        &with("kind = \"content-string\"\npattern = \"AppInfo.kli\"\ncase = \"insensitive\"\nwide = true"),
    )
    .unwrap();
    let i = &cat.product("gw").unwrap().indicators[0];
    assert_eq!(i.kind, IndicatorKind::ContentString);
    assert!(!i.case_sensitive && i.wide && i.is_content());
    assert_eq!(i.content_literal(), Some("AppInfo.kli"));
    // Content strings are bytes: case matters unless the file says otherwise.
    layer(
        &mut cat,
        "gw.toml",
        &with("kind = \"content-string\"\npattern = \"KAV\""),
    )
    .unwrap();
    assert!(cat.product("gw").unwrap().indicators[0].case_sensitive);

    for (ind, field, words) in [
        (
            "kind = \"content-string\"\npattern = \"k*\"\nmatch = \"glob\"",
            "indicator.match",
            "only `match = \"exact\"`",
        ),
        (
            "kind = \"exported-symbol\"\npattern = \"kave\"\nwide = true",
            "indicator.wide",
            "content-string",
        ),
        (
            "kind = \"content-string\"\npattern = \"kave\"\ncase = \"upper\"",
            "indicator.case",
            "unknown case `upper`",
        ),
        (
            "kind = \"package\"\npattern = \"kave\"\ncase = \"insensitive\"",
            "indicator.case",
            "content-string",
        ),
    ] {
        let e = layer(&mut cat, "bad.toml", &with(ind))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("field `{field}`")) && e.contains(words),
            "{e}"
        );
    }
}

#[test]
fn bundled_domains_are_content_literals_without_their_wildcard() {
    let cat = Catalog::bundled().unwrap();
    let generic = cat.product("kaspersky-unidentified").unwrap();
    let lits: Vec<&str> = generic
        .indicators
        .iter()
        .filter(|i| i.kind == IndicatorKind::Domain)
        .filter_map(|i| i.content_literal())
        .collect();
    assert!(lits.contains(&".kaspersky-labs.com"), "{lits:?}");
    let engine = cat.product("kaspersky-scan-engine").unwrap();
    assert!(
        engine
            .indicators
            .iter()
            .any(|i| i.kind == IndicatorKind::ExportedSymbol && i.strength == Strength::Strong)
    );
}
