//! `macos-launchd`: launchd daemons and agents (system, local and per-user).

use super::{files_with_suffix, root_rel, user_homes};
use crate::{Collector, Root, error_at};
use interdict_formats::plist::parse_launchd_job;
use interdict_inventory::{Artifact, ArtifactKind, ArtifactState, Inventory};

/// The collector id.
pub const ID: &str = "macos-launchd";

/// Job folders relative to the root, with the scope recorded for each.
const JOB_DIRS: &[(&str, &str)] = &[
    ("Library/LaunchDaemons", "daemon"),
    ("Library/LaunchAgents", "agent"),
    ("System/Library/LaunchDaemons", "system-daemon"),
    ("System/Library/LaunchAgents", "system-agent"),
];

/// Reads every `*.plist` job definition of the launchd folders.
#[derive(Debug, Default, Clone, Copy)]
pub struct MacosLaunchd;

impl Collector for MacosLaunchd {
    fn id(&self) -> &'static str {
        ID
    }

    fn collect(&self, root: &Root) -> Inventory {
        let mut inv = Inventory::default();
        let mut dirs: Vec<(String, &str)> = JOB_DIRS
            .iter()
            .filter_map(|(d, s)| root.find_case_insensitive(d).map(|d| (d, *s)))
            .collect();
        for home in user_homes(root) {
            if let Some(d) = root.find_case_insensitive(&format!("{home}/Library/LaunchAgents")) {
                dirs.push((d, "user-agent"));
            }
        }
        for (dir, scope) in dirs {
            for f in files_with_suffix(root, &dir, ".plist") {
                match job_artifact(root, &f.rel, &f.name, scope) {
                    Ok(a) => inv.artifacts.push(a),
                    Err(e) => inv.errors.push(e),
                }
            }
        }
        inv
    }
}

fn job_artifact(
    root: &Root,
    rel: &str,
    file_name: &str,
    scope: &str,
) -> Result<Artifact, interdict_inventory::CollectError> {
    let bytes = root
        .read_limited(rel, super::MAX_PLIST)
        .map_err(|e| error_at(ID, rel, e))?;
    let job = parse_launchd_job(&bytes).map_err(|e| error_at(ID, rel, e))?;
    let stem = file_name.strip_suffix(".plist").unwrap_or(file_name);
    let name = job.label.clone().unwrap_or_else(|| stem.to_string());
    let program = job.executable().map(str::to_string).unwrap_or_default();
    let mut a = Artifact::new(ArtifactKind::Service, name, rel, ID)
        .with_path(root_rel(&program))
        .with_attr("program", program)
        .with_attr("arguments", job.program_arguments.join(" "))
        .with_attr("scope", scope)
        .with_attr("plist-path", rel)
        .with_attr(
            "run-at-load",
            if job.run_at_load { "true" } else { "false" },
        );
    if job.disabled {
        a = a.with_state(ArtifactState::Disabled);
    }
    Ok(a)
}
