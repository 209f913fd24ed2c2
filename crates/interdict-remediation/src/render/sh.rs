//! The plan as a POSIX `sh` script for Linux and macOS hosts: `set -eu`, a log of every
//! step, a check before each change (so a second run changes nothing), and every value
//! from evidence in single quotes.

use super::{comment_safe as c, header};
use crate::plan::{HostPlan, PackageManager, Step, StepDetail};
use std::fmt::Write;

/// `s` as one single-quoted shell word: `'` becomes `'\''`.
pub(crate) fn sq(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// An absolute path on the host from a root-relative one.
fn abs(rel: &str) -> String {
    sq(&format!("/{}", rel.trim_start_matches('/')))
}

const PRELUDE: &str = r#"set -eu

LOG="${INTERDICT_LOG:-/var/log/interdict-removal.log}"
log() {
    printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" | tee -a "$LOG" >&2
}
run() {
    log "run: $*"
    "$@"
}
on_exit() {
    status=$?
    if [ "$status" -ne 0 ]; then
        log "FAILED with exit status $status: stopped at the first error"
        if [ -n "${FALLBACK:-}" ]; then
            log "fallback: $FALLBACK"
        fi
    fi
}
trap on_exit EXIT
FALLBACK=''

if [ "$(id -u)" -ne 0 ]; then
    echo 'this removal script must run as root' >&2
    exit 1
fi
"#;

/// One host's plan as a script.
pub(super) fn render(plan: &HostPlan) -> String {
    // File-wide: values from evidence are single-quoted so that nothing in them expands.
    let mut s = String::from("#!/bin/sh\n# shellcheck disable=SC2016\n");
    for line in header(plan) {
        let _ = writeln!(s, "# {line}");
    }
    s += "# Review before running: interdict prints this script and never runs it.\n";
    s += "# Every step checks first, so running it again changes nothing; it stops at the\n";
    s += "# first error (set -e) and logs to $INTERDICT_LOG (default /var/log/interdict-removal.log).\n";
    s += PRELUDE;
    let _ = writeln!(
        s,
        "log {}",
        sq(&format!(
            "removal plan for host {} started",
            c(&plan.host_id)
        ))
    );
    for (n, p) in plan.products.iter().enumerate() {
        let _ = writeln!(
            s,
            "\n# {}. {} ({}), {}",
            n + 1,
            c(&p.product_name),
            c(&p.product),
            p.confidence
        );
        if let Some(note) = &p.note {
            let _ = writeln!(s, "# note: {}", c(note));
            let _ = writeln!(s, "log {}", sq(&format!("{}: {}", c(&p.product), c(note))));
        }
        let fallback = p.steps.iter().find_map(|st| match &st.detail {
            StepDetail::Fallback { tool } => Some(format!("{} ({})", c(&st.description), c(tool))),
            _ => None,
        });
        let _ = writeln!(s, "FALLBACK={}", sq(fallback.as_deref().unwrap_or("")));
        for (m, st) in p.steps.iter().enumerate() {
            let _ = writeln!(
                s,
                "\n# {}.{} [{}] {}\n# source: {}",
                n + 1,
                m + 1,
                st.kind.as_str(),
                c(&st.description),
                c(&st.source)
            );
            step(&mut s, st);
        }
    }
    s += "\nFALLBACK=''\n";
    s += "log 'removal plan complete: rescan the host with interdict to verify'\n";
    s
}

fn step(s: &mut String, st: &Step) {
    match &st.detail {
        StepDetail::Packages { manager, packages } => {
            let (query, remove) = match manager {
                PackageManager::Dpkg => ("dpkg-query -W", "dpkg --purge"),
                PackageManager::Rpm => ("rpm -q", "rpm -e"),
            };
            s.push_str("set --\n");
            for p in packages {
                let name = sq(p);
                let _ = write!(
                    s,
                    "if {query} {name} >/dev/null 2>&1; then\n    set -- \"$@\" {name}\nelse\n    log {}\nfi\n",
                    sq(&format!("{}: not installed", c(p)))
                );
            }
            let _ = write!(
                s,
                "if [ \"$#\" -gt 0 ]; then\n    run {remove} \"$@\"\nfi\n"
            );
        }
        StepDetail::Program { program, args } => {
            let path = abs(program);
            let args: String = args.iter().map(|a| format!(" {}", sq(a))).collect();
            let _ = write!(
                s,
                "if [ -x {path} ]; then\n    run {path}{args}\nelse\n    log {}\nfi\n",
                sq(&format!("/{}: not present", c(program)))
            );
        }
        StepDetail::Launchd { jobs } => {
            for j in jobs {
                let plist = abs(&j.plist);
                if j.daemon {
                    let target = sq(&format!("system/{}", j.label));
                    let _ = write!(
                        s,
                        "if launchctl print {target} >/dev/null 2>&1; then\n    run launchctl bootout {target}\nelse\n    log {}\nfi\n",
                        sq(&format!("{}: not loaded", c(&j.label)))
                    );
                } else {
                    let _ = writeln!(
                        s,
                        "log {}",
                        sq(&format!(
                            "{}: per-user agent, stops at the user's next logout",
                            c(&j.label)
                        ))
                    );
                }
                let _ = write!(s, "if [ -e {plist} ]; then\n    run rm -f -- {plist}\nfi\n");
            }
        }
        StepDetail::Receipts { receipts } => {
            for r in receipts {
                let id = sq(r);
                let _ = write!(
                    s,
                    "if pkgutil --pkg-info {id} >/dev/null 2>&1; then\n    run pkgutil --forget {id}\nelse\n    log {}\nfi\n",
                    sq(&format!("{}: no receipt", c(r)))
                );
            }
        }
        StepDetail::Paths { paths } => {
            for p in paths {
                let path = abs(p);
                let _ = write!(
                    s,
                    "if [ -e {path} ] || [ -L {path} ]; then\n    run rm -rf -- {path}\nfi\n"
                );
            }
        }
        StepDetail::Fallback { tool } => {
            let _ = writeln!(s, "# (logged if a step of this product fails: {})", c(tool));
        }
        StepDetail::Msiexec { .. } => {
            let _ = writeln!(
                s,
                "log 'skipped: a Windows Installer step on a non-Windows host'"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sq;

    #[test]
    fn single_quotes_are_closed_escaped_and_reopened() {
        assert_eq!(sq("it's"), r"'it'\''s'");
        assert_eq!(sq("$(rm -rf /)"), "'$(rm -rf /)'");
    }
}
