#!/usr/bin/env bash
# Policy export benchmark (issue 14): a generated catalog of 10,000 indicators
# (`interdict-bench make-policy-catalog`), then `interdict policy export` of every format
# under hyperfine (target: each under 1 s), and as the reference the compile time of the
# exported YARA rules with `yarac` (the consumer's own cost), reported as a ratio.
# Writes bench-out/policy-export.md.
#
# Usage: bash benches/policy-export.sh   (POLICY_INDICATORS=10000 BENCH_RUNS=10 by default)
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
runs="${BENCH_RUNS:-10}"
n="${POLICY_INDICATORS:-10000}"
out="$repo/bench-out"
mkdir -p "$out"
missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
command -v yarac >/dev/null || missing+=(yara)
command -v jq >/dev/null || missing+=(jq)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
cargo build --release -q -p interdict -p interdict-bench
bench="$CARGO_TARGET_DIR/release/interdict-bench"
interdict="$CARGO_TARGET_DIR/release/interdict"
work="$(mktemp -d -t interdict-policy.XXXXXX)"
trap 'rm -rf "$work"' EXIT

"$bench" make-policy-catalog "$work/catalog" "$n" >&2
formats=(applocker wdac apt dnf hosts rpz osquery yara santa)
cmds=()
for f in "${formats[@]}"; do
    cmds+=("$interdict policy export --catalog $work/catalog --directive bench-ban --format $f")
done
hyperfine -N --warmup 2 --runs "$runs" --export-json "$out/policy-export.json" "${cmds[@]}" >&2
"$interdict" policy export --catalog "$work/catalog" --directive bench-ban --format yara >"$work/rules.yar"
hyperfine -N --warmup 1 --runs "$runs" --export-json "$out/policy-yarac.json" \
    "yarac $work/rules.yar $work/rules.yarc" >&2

{
    echo "| format | mean (ms) | max (ms) | output bytes | under 1 s |"
    echo "|---|---:|---:|---:|---|"
    for i in "${!formats[@]}"; do
        f="${formats[$i]}"
        bytes=$("$interdict" policy export --catalog "$work/catalog" --directive bench-ban --format "$f" | wc -c)
        jq -r --argjson i "$i" --arg f "$f" --arg b "$bytes" \
            '.results[$i] | "| \($f) | \(.mean*1000|.*10|round/10) | \(.max*1000|.*10|round/10) | \($b) | \(if .max < 1 then "PASS" else "FAIL" end) |"' \
            "$out/policy-export.json"
    done
    yara_mean=$(jq '.results[7].mean' "$out/policy-export.json")
    yarac_mean=$(jq '.results[0].mean' "$out/policy-yarac.json")
    echo
    echo "Reference: yarac compiling the exported YARA rules: $(jq -n "$yarac_mean*1000|.*10|round/10") ms;" \
        "export/compile ratio $(jq -n "$yara_mean/$yarac_mean|.*100|round/100")."
    echo
    echo "$(date -u +%Y-%m-%d) · nproc $(nproc) · $n indicators · $(uname -sr)"
} >"$out/policy-export.md"
cat "$out/policy-export.md"
