//! Package-manager exports: apt preferences and dnf excludes for the covered Linux
//! packages.

use super::{Covered, PolicyFormat, one_line};
use interdict_catalog::{IndicatorKind, MatchMode, Product};
use std::collections::BTreeSet;
use std::fmt::Write;

/// The package-name patterns of one product (`name`, or `name*` for a prefix), as both
/// apt and dnf take them. Regular-expression indicators are left out.
fn patterns<'a>(c: &'a Covered) -> Vec<(&'a Product, Vec<String>)> {
    let mut out: Vec<(&Product, Vec<String>)> = Vec::new();
    for (p, i) in c.indicators(IndicatorKind::Package, "linux") {
        let pattern = match i.mode {
            MatchMode::Exact => i.pattern.clone(),
            MatchMode::Prefix => format!("{}*", i.pattern),
            MatchMode::Glob => i.pattern.clone(),
            MatchMode::Regex => continue,
        };
        let ok = pattern.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || matches!(b, b'+' | b'-' | b'.' | b'*' | b'?')
        });
        if !ok {
            continue;
        }
        match out.last_mut() {
            Some((q, list)) if q.id == p.id => list.push(pattern),
            _ => out.push((p, vec![pattern])),
        }
    }
    for (_, list) in &mut out {
        let set: BTreeSet<String> = list.drain(..).collect();
        list.extend(set);
    }
    out
}

/// apt preferences (`/etc/apt/preferences.d/`): every covered package pinned to -1, so
/// apt never installs or upgrades to it.
pub(super) fn apt(c: &Covered) -> String {
    let mut s = String::new();
    for line in c.banner(PolicyFormat::Apt) {
        let _ = writeln!(s, "# {line}");
    }
    for (p, list) in patterns(c) {
        let _ = write!(
            s,
            "\nExplanation: {} ({}) is banned by {}\nPackage: {}\nPin: release *\nPin-Priority: -1\n",
            one_line(&p.name),
            p.id,
            c.directive.id,
            list.join(" ")
        );
    }
    s
}

/// A dnf configuration drop-in: the covered packages in `excludepkgs`.
pub(super) fn dnf(c: &Covered) -> String {
    let mut s = String::new();
    for line in c.banner(PolicyFormat::Dnf) {
        let _ = writeln!(s, "# {line}");
    }
    let all: BTreeSet<String> = patterns(c).into_iter().flat_map(|(_, l)| l).collect();
    s += "[main]\n";
    let _ = writeln!(
        s,
        "excludepkgs={}",
        all.into_iter().collect::<Vec<_>>().join(",")
    );
    s
}
