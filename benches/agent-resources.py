#!/usr/bin/env python3
"""Resource benchmark of the agent (issue 11): `interdict agent run --once` on this
machine's whole filesystem, reporting to a real `interdict serve` on loopback, side by
side with the unthrottled `interdict scan` of the same host.

Samples the process tree every 100 ms from /proc/<pid>/stat (utime+stime of live
processes plus cutime+cstime of reaped children) and /proc/<pid>/status (VmRSS), then
reports the peak RSS of the tree, the CPU share of one core in every 12-second window
(the maximum, and how many windows exceed the budget), and the duration.

Usage: benches/agent-resources.py [--bin target/release/interdict] [--budget 5]
Build first: cargo build --release -p interdict
"""
import argparse, json, os, re, subprocess, sys, tempfile, time

TICK = os.sysconf("SC_CLK_TCK")
WINDOW = 12.0


def stat(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rindex(")") + 2:].split()
    ppid = int(rest[1])
    utime, stime, cutime, cstime = (int(x) for x in rest[11:15])
    return ppid, utime + stime, cutime + cstime


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            m = re.search(r"VmRSS:\s+(\d+)", f.read())
            return int(m.group(1)) if m else 0
    except OSError:
        return 0


def tree(root):
    """The pids of root and its descendants."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = stat(int(d))
            if st:
                children.setdefault(st[0], []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def measure(cmd, env=None):
    """Runs cmd, sampling its tree; returns samples [(t, cpu_s)], peak RSS MiB, wall s."""
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    samples, peak = [], 0
    while p.poll() is None:
        cpu, rss = 0, 0
        for i, pid in enumerate(tree(p.pid)):
            st = stat(pid)
            if st:
                # The root's reaped children count through its cutime/cstime.
                cpu += st[1] + (st[2] if i == 0 else 0)
                rss += rss_kib(pid)
        samples.append((time.monotonic() - start, cpu / TICK))
        peak = max(peak, rss)
        time.sleep(0.1)
    wall = time.monotonic() - start
    err = p.stderr.read().decode(errors="replace")
    if p.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{err}")
    return samples, peak / 1024, wall


def windows(samples):
    """CPU share of one core in every 12 s window starting at a sample."""
    out = []
    j = 0
    for i, (t0, c0) in enumerate(samples):
        while j < len(samples) and samples[j][0] < t0 + WINDOW:
            j += 1
        if j >= len(samples):
            break
        t1, c1 = samples[j]
        out.append((c1 - c0) / (t1 - t0))
    if not out and len(samples) > 1:  # a run shorter than one window
        (t0, c0), (t1, c1) = samples[0], samples[-1]
        out.append((c1 - c0) / WINDOW)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/interdict")
    ap.add_argument("--budget", type=float, default=5.0, help="percent of one core")
    a = ap.parse_args()
    b = os.path.abspath(a.bin)
    tmp = tempfile.mkdtemp(prefix="interdict-agent-bench-")
    srv = os.path.join(tmp, "server")
    secret = subprocess.check_output([b, "admin", "--data-dir", srv, "secret", "create"], text=True).strip()
    server = subprocess.Popen([b, "serve", "--data-dir", srv, "--listen", "127.0.0.1:0"],
                              stderr=subprocess.PIPE, text=True)
    url = None
    for line in server.stderr:
        m = re.search(r"listening on (http://\S+)", line)
        if m:
            url = m.group(1)
            break
    state = os.path.join(tmp, "agent")
    subprocess.check_call([b, "agent", "enroll", "--server", url, "--secret", secret,
                           "--state-dir", state], stderr=subprocess.DEVNULL)
    results = {}
    runs = [
        ("agent run --once", [b, "agent", "run", "--once", "--state-dir", state,
                              "--cpu-percent", str(a.budget)]),
        ("scan (unthrottled)", [b, "scan", "--format", "json", "--inventory", "--fail-on", "never"]),
    ]
    for name, cmd in runs:
        samples, peak, wall = measure(cmd)
        w = windows(samples)
        results[name] = {
            "duration_s": round(wall, 1),
            "cpu_s": round(samples[-1][1] if samples else 0, 2),
            "peak_rss_mib": round(peak, 1),
            "max_window_cpu_percent": round(100 * max(w), 2) if w else None,
            "windows": len(w),
            "windows_over_budget": sum(1 for x in w if 100 * x > a.budget),
        }
    server.terminate()
    server.wait()
    print(f"{'run':<22} {'duration s':>10} {'CPU s':>7} {'peak RSS MiB':>13} "
          f"{'max 12s CPU %':>14} {'windows':>8} {'over':>5}")
    for name, r in results.items():
        print(f"{name:<22} {r['duration_s']:>10} {r['cpu_s']:>7} {r['peak_rss_mib']:>13} "
              f"{r['max_window_cpu_percent']:>14} {r['windows']:>8} {r['windows_over_budget']:>5}")
    print(json.dumps({"budget_percent": a.budget, "results": results}))
    ok = results["agent run --once"]
    met = ok["peak_rss_mib"] < 100 and ok["windows_over_budget"] == 0
    print(f"targets (RSS < 100 MiB, every 12 s window < {a.budget}% of a core): "
          f"{'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
