//! The resource governor: lowest CPU and I/O priority, and a CPU budget over a sliding
//! window enforced on the scan child by stopping and continuing it.
//!
//! Written by hand: no maintained crate duty-cycles another process against a sliding
//! CPU window; the three system calls (`setpriority`, `ioprio_set`, `kill`) are libc's.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// A CPU budget: at most `share` of one core over every `window`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// Fraction of one core (0.05 = 5%).
    pub share: f64,
    /// The sliding window.
    pub window: Duration,
}

impl Default for Budget {
    /// osquery's restrictive watchdog bar: 5% of a core over 12 s.
    fn default() -> Budget {
        Budget {
            share: 0.05,
            window: Duration::from_secs(12),
        }
    }
}

/// How often the governor samples CPU time.
const TICK: Duration = Duration::from_millis(25);

/// The share of the budget the governor aims at, leaving room for one tick of overshoot
/// and the 10 ms resolution of `/proc` CPU times.
const AIM: f64 = 0.75;

/// Puts this process (and the children it starts after) at the lowest CPU priority
/// (nice 19) and in the idle I/O scheduling class. Failures are logged, not fatal.
pub fn lower_priority() {
    // SAFETY: plain system calls with constant arguments on the calling process; no
    // memory is passed.
    #[allow(unsafe_code)]
    let (nice, io) = unsafe {
        (
            libc::setpriority(libc::PRIO_PROCESS, 0, 19),
            // ioprio_set(IOPRIO_WHO_PROCESS = 1, self, IOPRIO_CLASS_IDLE (3) << 13).
            libc::syscall(libc::SYS_ioprio_set, 1, 0, 3 << 13),
        )
    };
    if nice != 0 {
        tracing::warn!(error = %std::io::Error::last_os_error(), "cannot lower the CPU priority");
    }
    if io != 0 {
        tracing::warn!(error = %std::io::Error::last_os_error(), "cannot set the idle I/O class");
    }
}

/// Sends `SIGSTOP` (`stop`) or `SIGCONT` to `pid`.
fn signal(pid: u32, stop: bool) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    let sig = if stop { libc::SIGSTOP } else { libc::SIGCONT };
    // SAFETY: kill(2) with a child's pid and a constant signal; no memory is passed.
    #[allow(unsafe_code)]
    let rc = unsafe { libc::kill(pid, sig) };
    rc == 0
}

/// CPU seconds (user + system, all threads) of `/proc/<who>/stat`.
pub fn cpu_seconds(who: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{who}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line: 12 and 13 after the name.
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / clock_ticks())
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf with a constant name; no memory is passed.
    #[allow(unsafe_code)]
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

/// Holds a child process to `budget` until `done()` says the child has finished:
/// samples the CPU time of the child and of this process every tick, stops the child
/// while the window's CPU time is at the budget, continues it when the window slides on.
/// Returns how long the child was held stopped.
pub fn govern(pid: u32, budget: Budget, done: &dyn Fn() -> bool) -> Duration {
    let limit = budget.share * budget.window.as_secs_f64() * AIM;
    let child = pid.to_string();
    let mut samples: VecDeque<(Instant, f64)> = VecDeque::new();
    let mut stopped_since: Option<Instant> = None;
    let mut held = Duration::ZERO;
    let start = Instant::now();
    while !done() {
        let now = Instant::now();
        let used_total = cpu_seconds(&child).unwrap_or(0.0) + cpu_seconds("self").unwrap_or(0.0);
        samples.push_back((now, used_total));
        while samples
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > budget.window)
        {
            samples.pop_front();
        }
        // CPU used in the window: since the oldest sample inside it (since the start
        // while the run is younger than the window).
        let base = if now.duration_since(start) <= budget.window {
            0.0
        } else {
            samples.front().map_or(used_total, |s| s.1)
        };
        let used = used_total - base;
        match (used >= limit, stopped_since) {
            (true, None) if signal(pid, true) => stopped_since = Some(now),
            (false, Some(since)) => {
                signal(pid, false);
                held += now.duration_since(since);
                stopped_since = None;
            }
            _ => {}
        }
        std::thread::sleep(TICK);
    }
    if let Some(since) = stopped_since {
        signal(pid, false);
        held += since.elapsed();
    }
    held
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process_cpu_time() {
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        assert!(x != 1);
        let t = cpu_seconds("self").expect("/proc/self/stat");
        assert!(t > 0.0 && t < 3600.0, "cpu seconds {t}");
    }
}
