#!/usr/bin/env bash
# Times interdict's library pieces against reference tools, side by side in one
# hyperfine run per comparison, and reports ratios, peak RSS and PASS/FAIL against the
# targets in BENCHMARKS.md. Results: bench-out/results.md (+ one hyperfine JSON each).
#
# Usage: bash benches/run.sh            (BENCH_RUNS=10 BENCH_WARMUP=3 by default;
#                                        BENCH_STRICT=1 exits 1 when a target fails)
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
runs="${BENCH_RUNS:-10}"
warmup="${BENCH_WARMUP:-3}"
shared="${INTERDICT_CORPUS:-$repo/../shared/corpus}"
[ -d "$shared" ] || shared="/work/shared/corpus"
out="$repo/bench-out"
mkdir -p "$out"

# --- tools -------------------------------------------------------------------------
missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
command -v fdfind >/dev/null || missing+=(fd-find)
command -v hivexml >/dev/null || missing+=(libhivex-bin)
[ -x /usr/bin/time ] || missing+=(time)
command -v xz >/dev/null || missing+=(xz-utils)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi

# --- build and inputs --------------------------------------------------------------
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
cargo build --release -q -p interdict-bench -p interdict
bench="$CARGO_TARGET_DIR/release/interdict-bench"
interdict="$CARGO_TARGET_DIR/release/interdict"
work="$(mktemp -d -t interdict-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT

xz -dkc "$shared/registry/regipy/SYSTEM.xz" >"$work/SYSTEM"
cargo run --release -q -p interdict-sbom --example gen_big_bom -- "$work/bom.json" >&2
"$bench" make-pe-root "$work/peroot" 10000 "$shared/pe" >&2
# What makes it a Windows root for `interdict scan` (no hives: only the files count here).
mkdir -p "$work/peroot/Windows/System32/config"
# A whole volume: 100,000 files, 20,000 of them PE images in arbitrary folders and names.
"$bench" make-volume-root "$work/volume" 100000 20000 "$shared/pe" >&2
"$bench" pe-bytes "$work/volume" | tee "$out/pe-bytes.txt" >&2

# --- measurements ------------------------------------------------------------------
hf() {
    local name="$1"
    shift
    echo "== $name" >&2
    hyperfine -N --warmup "$warmup" --runs "$runs" --export-json "$out/$name.json" "$@" >&2
}
hf dpkg "$bench dpkg /" "dpkg-query -W" "$bench dpkg-full /"
hf inventory "$bench inventory /"
hf sweep "$bench sweep /usr" "fdfind -u . /usr" "$bench sweep-catalog /usr"
hf hive "$bench hive $work/SYSTEM" "hivexml $work/SYSTEM"
hf sbom "$bench sbom $work/bom.json" "$bench json-value $work/bom.json"
hf pe "$bench pe-root $work/peroot" "$interdict scan --root $work/peroot --format json --fail-on never --output /dev/null"
hf volume "$interdict scan --root $work/volume --format json --fail-on never --output /dev/null" "fdfind -u . $work/volume" \
    "$bench head-floor $work/volume"

rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n1; }
{
    echo "dpkg $(rss "$bench" dpkg /)"
    echo "dpkg-full $(rss "$bench" dpkg-full /)"
    echo "inventory $(rss "$bench" inventory /)"
    echo "sweep $(rss "$bench" sweep /usr)"
    echo "sweep-catalog $(rss "$bench" sweep-catalog /usr)"
    echo "hive $(rss "$bench" hive "$work/SYSTEM")"
    echo "sbom $(rss "$bench" sbom "$work/bom.json")"
    echo "json-value $(rss "$bench" json-value "$work/bom.json")"
    echo "pe-root $(rss "$bench" pe-root "$work/peroot")"
    echo "pe-scan $(rss "$interdict" scan --root "$work/peroot" --format json --fail-on never --output /dev/null)"
    echo "volume-scan $(rss "$interdict" scan --root "$work/volume" --format json --fail-on never --output /dev/null)"
} >"$out/rss.txt"

# --- report ------------------------------------------------------------------------
machine="$(date -u +%Y-%m-%d) · nproc $(nproc) · $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs) · \
$(free -g | awk '/Mem:/{print $2}') GB RAM · $(uname -sr) · hyperfine $(hyperfine --version | cut -d' ' -f2) · \
$(fdfind --version) · $(dpkg-query -W -f='${Version}' libhivex-bin 2>/dev/null | sed 's/^/hivex /')"
python3 - "$out" "$machine" "${BENCH_STRICT:-0}" <<'PY'
import json, sys
out, machine, strict = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
rss = dict(l.split() for l in open(f"{out}/rss.txt") if len(l.split()) == 2)

def mean(name, i):
    r = json.load(open(f"{out}/{name}.json"))["results"][i]
    return r["mean"] * 1000, r["stddev"] * 1000

rows, fails = [], 0
def row(what, cmd, name, i, ref=None, rss_key=None, target="", ok=None):
    global fails
    m, sd = mean(name, i)
    refcol, ratio = "—", "—"
    if ref is not None:
        rm, rsd = mean(name, ref[1])
        refcol = f"{ref[0]}: {rm:.1f} ± {rsd:.1f}"
        ratio = f"{m / rm:.2f}×"
    kb = rss.get(rss_key or cmd)
    mem = f"{int(kb) / 1024:.1f}" if kb else "—"
    verdict = "—" if ok is None else ("PASS" if ok(m, kb and int(kb), ref and m / mean(name, ref[1])[0]) else "FAIL")
    fails += verdict == "FAIL"
    rows.append(f"| {what} | `{cmd}` | {m:.1f} ± {sd:.1f} | {refcol} | {ratio} | {mem} | {target} | {verdict} |")

row("dpkg status", "dpkg", "dpkg", 0, ("dpkg-query -W", 1), target="≤ 2× dpkg-query", ok=lambda m, k, r: r <= 2.0)
row("dpkg + file lists", "dpkg-full", "dpkg", 2, ("dpkg-query -W", 1))
row("whole inventory (live host)", "inventory", "inventory", 0, target="< 100 ms, RSS < 50 MB",
    ok=lambda m, k, r: m < 100 and k is not None and k < 50 * 1024)
row("file sweep /usr (pure walk)", "sweep", "sweep", 0, ("fdfind -u . /usr", 1), target="≤ 1.1× fd", ok=lambda m, k, r: r <= 1.1)
row("file sweep /usr (catalog filter)", "sweep-catalog", "sweep", 2, ("fdfind -u . /usr", 1))
row("registry hive SYSTEM (11.8 MB)", "hive", "hive", 0, ("hivexml", 1))
row("14k-component SBOM check", "sbom", "sbom", 0, ("json-value parse", 1), target="< 200 ms", ok=lambda m, k, r: m < 200)
row("10k-PE Windows root (PE collector)", "pe-root", "pe", 0, target="< 10 s", ok=lambda m, k, r: m < 10_000)
row("10k-PE Windows root (whole `interdict scan`)", "pe-scan", "pe", 1, target="< 10 s", ok=lambda m, k, r: m < 10_000)
row("100k-file volume, 20k PE anywhere (whole `interdict scan`)", "volume-scan", "volume", 0,
    ("fdfind -u . volume", 1), target="≤ 3× fd", ok=lambda m, k, r: r <= 3.0)
row("100k-file volume: open + fstat + 4 KiB pread of every file, no parsing (the floor)", "head-floor",
    "volume", 2, ("fdfind -u . volume", 1))

# Bytes read per PE image on the volume (interdict-bench pe-bytes).
import re
line = open(f"{out}/pe-bytes.txt").read()
median = int(re.search(r"median (\d+)", line).group(1))
verdict = "PASS" if median < 64 * 1024 else "FAIL"
fails += verdict == "FAIL"
extra = f"\nBytes read per PE image (volume): `{line.strip()}` — median target < 64 KiB: **{verdict}**\n"

table = "\n".join([
    "| measurement | interdict-bench | mean ms ± σ | reference mean ms ± σ | ratio | peak RSS MB | target | result |",
    "|---|---|---:|---|---:|---:|---|---|",
] + rows)
md = f"# interdict benchmark results\n\n{machine}\n\n{table}\n{extra}"
open(f"{out}/results.md", "w").write(md)
print(md)
if strict and fails:
    sys.exit(1)
PY
