#!/usr/bin/env bash
# Content matching (`scan --content`) against YARA and ripgrep, side by side in one
# hyperfine run on the same tree with the same literal set, and peak RSS of each
# (/usr/bin/time -v). Results: bench-out/content.md and bench-out/content.json.
#
# The literals are the bundled catalog's content literals (interdict-bench
# content-literals): YARA gets one rule per literal (`nocase` and `wide ascii` as the
# catalog says), rg gets them as a fixed-string pattern file (`-F -i`: all
# case-insensitive, which is at least as much work as the catalog's mix).
#
# Usage: bash benches/content.sh [TREE]   (default /usr/lib/x86_64-linux-gnu;
#                                          BENCH_RUNS=5 BENCH_WARMUP=1, THREADS=2)
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
tree="${1:-/usr/lib/x86_64-linux-gnu}"
runs="${BENCH_RUNS:-5}"
warmup="${BENCH_WARMUP:-1}"
threads="${THREADS:-2}"
out="$repo/bench-out"
mkdir -p "$out"

missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
command -v yara >/dev/null || missing+=(yara)
command -v rg >/dev/null || missing+=(ripgrep)
[ -x /usr/bin/time ] || missing+=(time)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
cargo build --release -q -p interdict-bench -p interdict
bench="$CARGO_TARGET_DIR/release/interdict-bench"
interdict="$CARGO_TARGET_DIR/release/interdict"
work="$(mktemp -d -t interdict-content.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# --- the same literal set for every tool -------------------------------------------
"$bench" content-literals | sed '$d' >"$work/literals.jsonl"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
lits = [json.loads(l) for l in open(f"{work}/literals.jsonl") if l.strip()]
with open(f"{work}/literals.txt", "w") as f:
    for l in lits:
        f.write(l["text"] + "\n")
with open(f"{work}/rules.yar", "w") as f:
    for i, l in enumerate(lits):
        text = l["text"].replace("\\", "\\\\").replace('"', '\\"')
        mods = []
        if l["case_insensitive"]:
            mods.append("nocase")
        if l["wide"]:
            mods.append("wide ascii")
        f.write(f'rule lit_{i} {{ strings: $a = "{text}" {" ".join(mods)} condition: $a }}\n')
print(f"{len(lits)} literals", file=sys.stderr)
PY

bytes=$(du -sb --apparent-size "$tree" | cut -f1)
files=$(find "$tree" -type f | wc -l)
echo "tree: $tree, $files files, $bytes bytes" >&2

yara_cmd="yara -p $threads -r $work/rules.yar $tree"
rg_cmd="rg -F -i -c -uuu --no-messages -j $threads -f $work/literals.txt $tree"
pass_cmd="$bench content $tree --threads $threads"
scan_cmd="$interdict scan --root $tree --content --threads $threads --format json --fail-on never -o $work/scan.json"

# Warm the page cache, then run each once so no tool pays the first read.
find "$tree" -type f -exec cat {} + >/dev/null 2>&1 || true
for c in "$yara_cmd" "$rg_cmd" "$pass_cmd" "$scan_cmd"; do
    sh -c "$c" >/dev/null 2>&1 || true
done

hyperfine -N -i --warmup "$warmup" --runs "$runs" --export-json "$out/content.json" \
    -n yara "$yara_cmd" -n rg "$rg_cmd" -n interdict-content-pass "$pass_cmd" \
    -n interdict-scan "$scan_cmd" >&2

rss() { # peak RSS in MiB of one run
    /usr/bin/time -v sh -c "exec $1 >/dev/null 2>&1" 2>&1 \
        | awk '/Maximum resident set size/ {printf "%.1f", $6/1024}'
}
{
    echo "| tool | mean s | MB/s | peak RSS MiB |"
    echo "|---|---|---|---|"
    python3 - "$out/content.json" "$bytes" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
size = int(sys.argv[2])
for r in doc["results"]:
    print(f'{r["command"]}\t{r["mean"]:.3f}\t{size / r["mean"] / 1e6:.0f}')
PY
} >"$work/table.tsv"
{
    echo "# Content matching: $tree ($files files, $((bytes / 1048576)) MiB), $threads threads"
    echo
    echo "| tool | mean s | MB/s | peak RSS MiB |"
    echo "|---|---|---|---|"
    tail -n +3 "$work/table.tsv" | while IFS=$'\t' read -r name mean mbs; do
        case "$name" in
            yara) cmd="$yara_cmd" ;;
            rg) cmd="$rg_cmd" ;;
            interdict-content-pass) cmd="$pass_cmd" ;;
            *) cmd="$scan_cmd" ;;
        esac
        echo "| $name | $mean | $mbs | $(rss "$cmd") |"
    done
    echo
    python3 - "$out/content.json" <<'PY'
import json, sys
m = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
for ours in ("interdict-content-pass", "interdict-scan"):
    vy = m["yara"] / m[ours]
    vr = m[ours] / m["rg"]
    print(f"- {ours}: {vy:.2f}x YARA's throughput (target >= 1.5: {'PASS' if vy >= 1.5 else 'FAIL'}); "
          f"{vr:.2f}x ripgrep's time (target <= 1.2: {'PASS' if vr <= 1.2 else 'FAIL'})")
PY
} | tee "$out/content.md"
