//! Windows exports: an AppLocker policy and a WDAC (App Control for Business) policy.

use super::{Covered, PolicyFormat, guid, one_line};
use interdict_catalog::{IndicatorKind, MatchMode};
use std::collections::BTreeSet;
use std::fmt::Write;

/// `s` escaped for an XML attribute value or text (control characters dropped).
pub(crate) fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Text for an XML comment: no `--`, no control characters.
fn comment(s: &str) -> String {
    let mut t = one_line(s);
    while t.contains("--") {
        t = t.replace("--", "- -");
    }
    t
}

/// The covered products' Windows folder and file paths as AppLocker/WDAC path rules:
/// `%PROGRAMFILES%` for both Program Files folders, `%WINDIR%`, else `%OSDRIVE%`; a
/// folder (prefix) ends in `\*`.
fn path_rules(c: &Covered) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (_, i) in c.indicators(IndicatorKind::Path, "windows") {
        if i.platforms.iter().all(|p| p != "windows") {
            continue;
        }
        let pattern = match i.mode {
            MatchMode::Prefix => format!("{}*", i.pattern),
            MatchMode::Exact => i.pattern.clone(),
            MatchMode::Glob => i.pattern.replace("**", "*"),
            MatchMode::Regex => continue,
        };
        if pattern.contains(['?', '[', ']']) || pattern.chars().any(char::is_control) {
            continue;
        }
        let rel = pattern.replace('/', "\\");
        let lower = rel.to_ascii_lowercase();
        let rule = if let Some(rest) = ["program files (x86)\\", "program files\\"]
            .iter()
            .find_map(|p| lower.starts_with(p).then(|| &rel[p.len()..]))
        {
            format!("%PROGRAMFILES%\\{rest}")
        } else if lower.starts_with("windows\\") {
            format!("%WINDIR%\\{}", &rel["windows\\".len()..])
        } else {
            format!("%OSDRIVE%\\{rel}")
        };
        if rule.starts_with("%PROGRAMFILES%\\*") || rule.starts_with("%WINDIR%\\*") {
            continue; // never a whole system folder
        }
        out.insert(rule);
    }
    out
}

/// The publishers (the `O=` of the vendor's signer subjects).
fn publishers(c: &Covered) -> BTreeSet<String> {
    c.vendors
        .iter()
        .flat_map(|v| &v.signer_subjects)
        .filter(|s| s.starts_with("O="))
        .map(|s| s.to_ascii_uppercase())
        .collect()
}

/// An AppLocker policy (`Set-AppLockerPolicy -Merge`): deny rules for Everyone, by
/// publisher (Exe and Msi) and by folder (Exe).
pub(super) fn applocker(c: &Covered) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    for line in c.banner(PolicyFormat::Applocker) {
        let _ = writeln!(s, "<!-- {} -->", comment(&line));
    }
    s += "<!-- Merge into a policy with allow rules (the default rules): AppLocker denies what no rule allows. AppLocker compares the whole publisher name of the signer; check it with Get-AppLockerFileInformation. -->\n";
    s += "<AppLockerPolicy Version=\"1\">\n";
    let everyone = "S-1-1-0";
    let pubs = publishers(c);
    for collection in ["Exe", "Msi"] {
        let _ = writeln!(
            s,
            "  <RuleCollection Type=\"{collection}\" EnforcementMode=\"Enabled\">"
        );
        for p in &pubs {
            let name = format!("interdict {} {collection} publisher {p}", c.directive.id);
            let _ = write!(
                s,
                "    <FilePublisherRule Id=\"{}\" Name=\"{}\" Description=\"{}\" UserOrGroupSid=\"{everyone}\" Action=\"Deny\">\n      <Conditions>\n        <FilePublisherCondition PublisherName=\"{}\" ProductName=\"*\" BinaryName=\"*\">\n          <BinaryVersionRange LowSection=\"*\" HighSection=\"*\" />\n        </FilePublisherCondition>\n      </Conditions>\n    </FilePublisherRule>\n",
                guid(&name),
                xml(&name),
                xml(&format!("Banned by {}", c.directive.id)),
                xml(p)
            );
        }
        if collection == "Exe" {
            for path in path_rules(c) {
                let name = format!("interdict {} path {path}", c.directive.id);
                let _ = write!(
                    s,
                    "    <FilePathRule Id=\"{}\" Name=\"{}\" Description=\"{}\" UserOrGroupSid=\"{everyone}\" Action=\"Deny\">\n      <Conditions>\n        <FilePathCondition Path=\"{}\" />\n      </Conditions>\n    </FilePathRule>\n",
                    guid(&name),
                    xml(&name),
                    xml(&format!("Banned by {}", c.directive.id)),
                    xml(&path)
                );
            }
        }
        s += "  </RuleCollection>\n";
    }
    s += "</AppLockerPolicy>\n";
    s
}

/// A WDAC base policy that allows everything else and denies the covered products'
/// folders (user-mode file path rules).
pub(super) fn wdac(c: &Covered) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    for line in c.banner(PolicyFormat::Wdac) {
        let _ = writeln!(s, "<!-- {} -->", comment(&line));
    }
    s += "<!-- Allow-all base with deny rules: convert with ConvertFrom-CIPolicy; test in audit mode first (add Enabled:Audit Mode). -->\n";
    let id = format!(
        "{{{}}}",
        guid(&format!("interdict wdac {}", c.directive.id))
    );
    s += "<SiPolicy xmlns=\"urn:schemas-microsoft-com:sipolicy\" PolicyType=\"Base Policy\">\n";
    s += "  <VersionEx>10.0.0.0</VersionEx>\n";
    let _ = writeln!(
        s,
        "  <PolicyID>{id}</PolicyID>\n  <BasePolicyID>{id}</BasePolicyID>"
    );
    s += "  <PlatformID>{2E07F7E4-194C-4D20-B7C9-6F44A6C5A234}</PlatformID>\n";
    s += "  <Rules>\n";
    for option in [
        "Enabled:Unsigned System Integrity Policy",
        "Enabled:UMCI",
        "Enabled:Update Policy No Reboot",
    ] {
        let _ = writeln!(
            s,
            "    <Rule>\n      <Option>{option}</Option>\n    </Rule>"
        );
    }
    s += "  </Rules>\n  <EKUs />\n  <FileRules>\n";
    s += "    <Allow ID=\"ID_ALLOW_A_1\" FriendlyName=\"Allow kernel drivers\" FileName=\"*\" />\n";
    s += "    <Allow ID=\"ID_ALLOW_A_2\" FriendlyName=\"Allow user mode\" FileName=\"*\" />\n";
    let paths: Vec<String> = path_rules(c).into_iter().collect();
    for (n, path) in paths.iter().enumerate() {
        let _ = writeln!(
            s,
            "    <Deny ID=\"ID_DENY_D_{}\" FriendlyName=\"{}\" FilePath=\"{}\" />",
            n + 1,
            xml(&format!("{}: {path}", c.directive.id)),
            xml(path)
        );
    }
    s += "  </FileRules>\n  <Signers />\n  <SigningScenarios>\n";
    s += "    <SigningScenario Value=\"131\" ID=\"ID_SIGNINGSCENARIO_DRIVERS_1\" FriendlyName=\"Kernel mode\">\n      <ProductSigners>\n        <FileRulesRef>\n          <FileRuleRef RuleID=\"ID_ALLOW_A_1\" />\n        </FileRulesRef>\n      </ProductSigners>\n    </SigningScenario>\n";
    s += "    <SigningScenario Value=\"12\" ID=\"ID_SIGNINGSCENARIO_WINDOWS\" FriendlyName=\"User mode\">\n      <ProductSigners>\n        <FileRulesRef>\n          <FileRuleRef RuleID=\"ID_ALLOW_A_2\" />\n";
    for n in 0..paths.len() {
        let _ = writeln!(
            s,
            "          <FileRuleRef RuleID=\"ID_DENY_D_{}\" />",
            n + 1
        );
    }
    s += "        </FileRulesRef>\n      </ProductSigners>\n    </SigningScenario>\n  </SigningScenarios>\n";
    s += "  <UpdatePolicySigners />\n  <CiSigners />\n  <HvciOptions>0</HvciOptions>\n";
    s += "  <Settings>\n    <Setting Provider=\"PolicyInfo\" Key=\"Information\" ValueName=\"Name\">\n";
    let _ = writeln!(
        s,
        "      <Value>\n        <String>{}</String>\n      </Value>\n    </Setting>",
        xml(&format!("interdict {}", c.directive.id))
    );
    s += "    <Setting Provider=\"PolicyInfo\" Key=\"Information\" ValueName=\"Id\">\n";
    let _ = writeln!(
        s,
        "      <Value>\n        <String>{}</String>\n      </Value>\n    </Setting>",
        xml(c.catalog_version)
    );
    s += "  </Settings>\n</SiPolicy>\n";
    s
}
