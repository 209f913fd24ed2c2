//! `interdict agent install` writes a hardened systemd unit that `systemd-analyze verify`
//! accepts.

use std::process::Command;

#[test]
fn installed_unit_is_hardened_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_interdict");
    let out = Command::new(bin)
        .args(["agent", "install", "--interval", "6h", "--unit-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let unit_path = dir.path().join("interdict-agent.service");
    let unit = std::fs::read_to_string(&unit_path).unwrap();
    assert!(
        unit.contains(&format!(
            "ExecStart={bin} agent run --interval 6h --state-dir /var/lib/interdict-agent"
        )),
        "{unit}"
    );
    for line in [
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/interdict-agent",
        "Nice=19",
        "IOSchedulingClass=idle",
        "MemoryMax=",
        "CPUQuota=5%",
        "NoNewPrivileges=yes",
        "CapabilityBoundingSet=CAP_DAC_READ_SEARCH CAP_SYS_PTRACE",
    ] {
        assert!(unit.contains(line), "the unit lacks {line}:\n{unit}");
    }
    assert!(!unit.contains('@'), "a placeholder was left: {unit}");

    // A bad interval is refused before anything is written.
    let other = tempfile::tempdir().unwrap();
    let bad = Command::new(bin)
        .args(["agent", "install", "--interval", "often", "--unit-dir"])
        .arg(other.path())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(!other.path().join("interdict-agent.service").exists());

    // `.ci/run` installs systemd where it is missing; without the tool this one check
    // cannot run, and says so.
    let Ok(verify) = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit_path)
        .output()
    else {
        eprintln!("systemd-analyze is not installed: the verify check did not run");
        return;
    };
    assert!(
        verify.status.success(),
        "systemd-analyze verify failed:\n{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
}

#[test]
fn install_with_content_schedules_content_scans() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_interdict");
    let out = Command::new(bin)
        .args([
            "agent",
            "install",
            "--interval",
            "12h",
            "--content",
            "--unit-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let unit = std::fs::read_to_string(dir.path().join("interdict-agent.service")).unwrap();
    assert!(
        unit.contains(&format!(
            "ExecStart={bin} agent run --interval 12h --content --state-dir /var/lib/interdict-agent"
        )),
        "{unit}"
    );
    // `agent run` takes the flag it is given (and passes it to its scan child).
    let help = Command::new(bin)
        .args(["agent", "run", "--help"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("--content"));
}
