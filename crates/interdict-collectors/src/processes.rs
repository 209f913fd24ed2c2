//! Running processes (live host only): name, executable, command line, user.

use crate::{Collector, Root};
use interdict_inventory::{Artifact, ArtifactKind, Inventory};
use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind, Users};

const ID: &str = "processes";

/// Lists processes through `/proc` (with the `sysinfo` crate). Yields nothing for an
/// offline root, and skips kernel threads (no executable, no command line).
#[derive(Debug, Default, Clone)]
pub struct ProcessCollector;

impl Collector for ProcessCollector {
    fn id(&self) -> &'static str {
        ID
    }

    fn collect(&self, root: &Root) -> Inventory {
        let mut inv = Inventory::default();
        if !root.is_live() {
            return inv;
        }
        let mut sys = System::new();
        let refresh = ProcessRefreshKind::nothing()
            .with_exe(UpdateKind::Always)
            .with_cmd(UpdateKind::Always)
            .with_user(UpdateKind::Always);
        sys.refresh_processes_specifics(ProcessesToUpdate::All, true, refresh);
        let users = Users::new_with_refreshed_list();
        for (pid, p) in sys.processes() {
            if p.thread_kind()
                .is_some_and(|k| k == sysinfo::ThreadKind::Userland)
            {
                continue; // a thread of another process
            }
            let cmd: Vec<String> = p
                .cmd()
                .iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect();
            let exe = p
                .exe()
                .map(|e| e.to_string_lossy().into_owned())
                .unwrap_or_default();
            if exe.is_empty() && cmd.is_empty() {
                continue; // kernel thread
            }
            let user = p
                .user_id()
                .and_then(|u| users.get_user_by_id(u))
                .map(|u| u.name().to_string())
                .unwrap_or_default();
            let mut a = Artifact::new(
                ArtifactKind::Process,
                p.name().to_string_lossy(),
                format!("proc/{pid}"),
                ID,
            )
            .with_attr("pid", pid.to_string())
            .with_attr("exe", &exe)
            .with_attr("cmdline", cmd.join(" "))
            .with_attr("user", user);
            if let Some(stripped) = exe.strip_suffix(" (deleted)") {
                a = a
                    .with_attr("exe-deleted", "true")
                    .with_path(stripped.trim_start_matches('/'));
            } else {
                a = a.with_path(exe.trim_start_matches('/'));
            }
            inv.artifacts.push(a);
        }
        inv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_host_lists_this_test_process() {
        let inv = ProcessCollector.collect(&Root::live());
        let me = std::process::id().to_string();
        let a = inv
            .artifacts
            .iter()
            .find(|a| a.attr("pid") == Some(me.as_str()))
            .expect("own process");
        assert!(
            a.attr("exe")
                .is_some_and(|e| e.contains("interdict_collectors")),
            "{a:?}"
        );
        assert!(a.attr("user").is_some());
    }

    #[test]
    fn offline_root_has_no_processes() {
        let d = tempfile::tempdir().unwrap();
        assert!(
            ProcessCollector
                .collect(&Root::offline(d.path()).unwrap())
                .artifacts
                .is_empty()
        );
    }
}
