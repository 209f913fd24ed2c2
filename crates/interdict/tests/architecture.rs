//! The crate graph's layering rules (ARCHITECTURE.md, "Who may depend on whom"), checked
//! from the workspace's own manifests so a new dependency that breaks a layer fails here.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Normal (non-dev, non-build) dependencies on workspace crates, per workspace crate.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
    let packages = meta["packages"].as_array().expect("packages");
    let members: BTreeSet<String> = packages
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_default().to_string())
        .collect();
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|d| d["kind"].is_null())
                .filter_map(|d| d["name"].as_str())
                .filter(|n| members.contains(*n))
                .map(str::to_string)
                .collect();
            (p["name"].as_str().unwrap_or_default().to_string(), deps)
        })
        .collect()
}

/// Every workspace crate `krate` depends on, directly or not.
fn closure(g: &BTreeMap<String, BTreeSet<String>>, krate: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![krate.to_string()];
    while let Some(k) = todo.pop() {
        for d in g.get(&k).into_iter().flatten() {
            if seen.insert(d.clone()) {
                todo.push(d.clone());
            }
        }
    }
    seen
}

fn assert_only(g: &BTreeMap<String, BTreeSet<String>>, krate: &str, allowed: &[&str]) {
    let all = closure(g, krate);
    let extra: Vec<_> = all
        .iter()
        .filter(|d| !allowed.contains(&d.as_str()))
        .collect();
    assert!(
        extra.is_empty(),
        "{krate} may depend only on {allowed:?}, but depends on {extra:?}"
    );
}

#[test]
fn layers_hold() {
    let g = graph();
    assert!(
        g.contains_key("interdict-server"),
        "workspace crates: {:?}",
        g.keys()
    );
    assert_only(&g, "interdict-inventory", &[]);
    assert_only(&g, "interdict-formats", &[]);
    assert_only(&g, "interdict-findings", &["interdict-inventory"]);
    assert_only(
        &g,
        "interdict-report",
        &["interdict-findings", "interdict-inventory"],
    );
    assert_only(
        &g,
        "interdict-store",
        &[
            "interdict-findings",
            "interdict-catalog",
            "interdict-inventory",
        ],
    );
    // Evidence packs are pure sealing and checking; the re-computation of their
    // deliverables (a replay into a temporary store) is the binary's.
    assert_only(
        &g,
        "interdict-evidence",
        &[
            "interdict-findings",
            "interdict-inventory",
            "interdict-report",
        ],
    );
    // The deliverables are pure: catalog + vocabulary (+ the report renderer's escaping).
    assert_only(
        &g,
        "interdict-deliverables",
        &[
            "interdict-catalog",
            "interdict-findings",
            "interdict-report",
            "interdict-inventory",
        ],
    );
    // Removal plans and policies are pure: catalog × report → text.
    assert_only(
        &g,
        "interdict-remediation",
        &[
            "interdict-catalog",
            "interdict-findings",
            "interdict-inventory",
        ],
    );
    let server = closure(&g, "interdict-server");
    for forbidden in [
        "interdict-collectors",
        "interdict-scan",
        "interdict-formats",
    ] {
        assert!(
            !server.contains(forbidden),
            "the server must never depend on {forbidden} (it does: {server:?})"
        );
    }
    // The agent runs the binary's own scan as a child and speaks HTTP: no workspace crate.
    assert_only(&g, "interdict-agent", &[]);
    let matcher = closure(&g, "interdict-matcher");
    assert!(
        !matcher.contains("interdict-collectors"),
        "the matcher must not depend on collectors"
    );
}
