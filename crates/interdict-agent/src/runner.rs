//! One agent cycle: the governed scan into the spool, then a flush of the spool.

use crate::client::Client;
use crate::enrollment::Enrollment;
use crate::governor::{Budget, govern};
use crate::spool::{Flush, Spool};
use crate::{AgentError, Result};
use flate2::Compression;
use flate2::write::GzEncoder;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How to run the scan: the program (the `interdict` binary itself) and its arguments
/// (`scan --format json --inventory …`).
#[derive(Debug, Clone)]
pub struct ScanCommand {
    /// The program.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
}

/// What one cycle did.
#[derive(Debug, Clone)]
pub struct Cycle {
    /// The spooled report file of this cycle's scan.
    pub spooled: PathBuf,
    /// How long the governor held the scan stopped.
    pub held: Duration,
    /// The flush that followed.
    pub flush: Flush,
}

/// Runs `scan` (governed by `budget`, when given), writes its report into `spool`,
/// durable before anything is sent.
pub fn scan_into_spool(
    scan: &ScanCommand,
    budget: Option<Budget>,
    spool: &Spool,
) -> Result<(PathBuf, Duration)> {
    let mut command = Command::new(&scan.program);
    // The child dies with the agent: a scan left stopped by the governor must not
    // outlive it (SIGKILL reaches stopped processes).
    // SAFETY: prctl(2) is async-signal-safe; it runs in the forked child before exec and
    // touches no memory of the parent.
    #[allow(unsafe_code)]
    unsafe {
        use std::os::unix::process::CommandExt;
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command
        .args(&scan.args)
        // One worker thread: the budget is a share of one core, and a single thread
        // keeps the overshoot of one governor tick small.
        .env("RAYON_NUM_THREADS", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| AgentError::Scan(format!("{}: {e}", scan.program.display())))?;
    let pid = child.id();
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let finished = Arc::new(AtomicBool::new(false));
    let governor = budget.map(|b| {
        let finished = finished.clone();
        std::thread::spawn(move || govern(pid, b, &|| finished.load(Ordering::Relaxed)))
    });
    // Warnings of the scan (unreadable sources) go to the agent's log.
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let spooled = spool.put("scan", |file| {
        let mut gz = GzEncoder::new(file, Compression::fast());
        std::io::copy(&mut stdout, &mut gz)?;
        gz.finish().map(|_| ())
    });
    let status = child.wait();
    finished.store(true, Ordering::Relaxed);
    let held = governor
        .and_then(|g| g.join().ok())
        .unwrap_or(Duration::ZERO);
    let stderr_text = errors.join().unwrap_or_default();
    for line in stderr_text.lines().filter(|l| !l.trim().is_empty()) {
        tracing::warn!(target: "interdict_agent::scan", "{line}");
    }
    let status = status.map_err(|e| AgentError::Scan(e.to_string()))?;
    let spooled = spooled?;
    // Exit 0 or 1 (findings) is a complete report; anything else is not a report.
    if !matches!(status.code(), Some(0 | 1)) {
        let _ = std::fs::remove_file(&spooled);
        let tail: Vec<&str> = stderr_text.lines().rev().take(3).collect();
        return Err(AgentError::Scan(format!(
            "the scan exited with {status}: {}",
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        )));
    }
    Ok((spooled, held))
}

/// One cycle for the enrolled host of `state_dir`: scan into the spool, then flush.
pub fn cycle(
    state_dir: &Path,
    scan: &ScanCommand,
    budget: Option<Budget>,
    max_spool: usize,
) -> Result<Cycle> {
    let enrollment = Enrollment::load(state_dir)?;
    let client = Client::new(&enrollment.server, enrollment.ca_file.as_deref())?;
    let spool = Spool::open(state_dir, max_spool)?;
    let (spooled, held) = scan_into_spool(scan, budget, &spool)?;
    let flush = spool.flush(&client, &enrollment.credential)?;
    Ok(Cycle {
        spooled,
        held,
        flush,
    })
}

/// Flushes the spool of `state_dir` without scanning.
pub fn flush(state_dir: &Path, max_spool: usize) -> Result<Flush> {
    let enrollment = Enrollment::load(state_dir)?;
    let client = Client::new(&enrollment.server, enrollment.ca_file.as_deref())?;
    Spool::open(state_dir, max_spool)?.flush(&client, &enrollment.credential)
}

/// The exponential back-off after `failures` failed flushes: 30 s doubling, at most `cap`.
pub fn backoff(failures: u32, cap: Duration) -> Duration {
    let secs = 30u64.saturating_mul(1u64 << failures.min(16));
    Duration::from_secs(secs).min(cap)
}

/// `interval` moved by a random amount within ±10%, so a fleet does not report in
/// lockstep.
pub fn jittered(interval: Duration) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .elapsed()
            .unwrap_or_default()
            .as_nanos(),
    );
    let unit = (h.finish() % 2001) as f64 / 1000.0 - 1.0; // −1.0 ..= 1.0
    interval.mul_f64(1.0 + 0.1 * unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let cap = Duration::from_secs(3600);
        assert_eq!(backoff(0, cap), Duration::from_secs(30));
        assert_eq!(backoff(3, cap), Duration::from_secs(240));
        assert_eq!(backoff(40, cap), cap);
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        let i = Duration::from_secs(1000);
        for _ in 0..100 {
            let j = jittered(i);
            assert!(
                j >= Duration::from_secs(900) && j <= Duration::from_secs(1100),
                "{j:?}"
            );
        }
    }
}
