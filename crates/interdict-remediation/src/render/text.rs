//! The plan as numbered steps for a person.

use super::{comment_safe as c, header};
use crate::plan::{HostPlan, PackageManager, StepDetail};
use std::fmt::Write;

/// One host's plan as text.
pub(super) fn render(plan: &HostPlan) -> String {
    let mut s = String::new();
    for line in header(plan) {
        let _ = writeln!(s, "{line}");
    }
    if plan.products.is_empty() {
        let _ = writeln!(s, "\nNothing to remove: no finding on this host.");
        return s;
    }
    for (n, p) in plan.products.iter().enumerate() {
        let n = n + 1;
        let _ = writeln!(
            s,
            "\n{n}. {} ({}), {}; directives: {}",
            c(&p.product_name),
            c(&p.product),
            p.confidence,
            if p.directives.is_empty() {
                "none".to_string()
            } else {
                c(&p.directives.join(", "))
            }
        );
        for (m, st) in p.steps.iter().enumerate() {
            let _ = writeln!(
                s,
                "   {n}.{} [{}] {}",
                m + 1,
                st.kind.as_str(),
                c(&st.description)
            );
            for line in detail_lines(&st.detail) {
                let _ = writeln!(s, "        {}", c(&line));
            }
            for e in &st.evidence {
                let _ = writeln!(s, "        evidence: {}", c(e));
            }
            let _ = writeln!(s, "        source: {}", c(&st.source));
        }
        if let Some(note) = &p.note {
            let _ = writeln!(s, "   note: {}", c(note));
        }
        if !p.guidance.is_empty() {
            let _ = writeln!(s, "   catalog procedure:");
            for g in &p.guidance {
                let _ = writeln!(s, "     - {}", c(g));
            }
            if let Some(src) = &p.guidance_source {
                let _ = writeln!(s, "     source: {}", c(src));
            }
        }
    }
    let _ = writeln!(
        s,
        "\nFinally: rescan the host with interdict to verify the removal."
    );
    s
}

fn detail_lines(d: &StepDetail) -> Vec<String> {
    match d {
        StepDetail::Msiexec {
            product_code,
            display_name,
            properties,
        } => {
            let props: String = properties.iter().map(|p| format!(" {p}=<{p}>")).collect();
            vec![format!(
                "msiexec /x {product_code}{props} /qn   ({display_name})"
            )]
        }
        StepDetail::Packages { manager, packages } => vec![match manager {
            PackageManager::Dpkg => format!("dpkg --purge {}", packages.join(" ")),
            PackageManager::Rpm => format!("rpm -e {}", packages.join(" ")),
        }],
        StepDetail::Program { program, args } => {
            vec![
                format!("/{program} {}", args.join(" "))
                    .trim_end()
                    .to_string(),
            ]
        }
        StepDetail::Launchd { jobs } => jobs
            .iter()
            .map(|j| format!("unload {} and delete /{}", j.label, j.plist))
            .collect(),
        StepDetail::Receipts { receipts } => receipts
            .iter()
            .map(|r| format!("pkgutil --forget {r}"))
            .collect(),
        StepDetail::Paths { paths } => paths.iter().map(|p| format!("delete /{p}")).collect(),
        StepDetail::Fallback { tool } => vec![format!("fallback tool: {tool}")],
    }
}
