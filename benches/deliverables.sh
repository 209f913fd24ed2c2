#!/usr/bin/env bash
# The deliverables benchmark: a synthetic fleet of 10,000 hosts with 90 days of history
# (an import report of every host every 7 days: removals, verifications, reappearances),
# ingested through the store's API into SQLite and into a scratch PostgreSQL database,
# each report at its `finished` time as `interdict report --from` does; then `interdict report --kind status` (the heaviest document: the
# burn-down walks every finding's history) is timed rendering HTML from each store, and
# the identification report too. Target: under 2 s. Writes bench-out/deliverables.md.
#
# Usage: bash benches/deliverables.sh
#   DELIVERABLES_HOSTS=10000 DELIVERABLES_DAYS=90 DELIVERABLES_EVERY=7 RUNS=5 (defaults)
#   BENCH_PROFILE=release (default) or debug
#   INTERDICT_TEST_PG=postgres://root@127.0.0.1:5432/test (the admin database)
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
# BENCH_PROFILE=debug times the debug build (an upper bound, for a quick run).
profile="${BENCH_PROFILE:-release}"
if [ "$profile" = release ]; then
  cargo build --release -q -p interdict -p interdict-bench
else
  cargo build -q -p interdict -p interdict-bench
fi
bin="$CARGO_TARGET_DIR/$profile"
out="$repo/bench-out"
mkdir -p "$out"
hosts="${DELIVERABLES_HOSTS:-10000}"
days="${DELIVERABLES_DAYS:-90}"
every="${DELIVERABLES_EVERY:-7}"
runs="${RUNS:-5}"
pg="${INTERDICT_TEST_PG:-postgres://root@127.0.0.1:5432/test}"
work="$(mktemp -d)"
scratch="interdict_bench_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
cleanup() {
  psql -q "$pg" -c "DROP DATABASE IF EXISTS $scratch" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$bin/interdict-bench" make-deliverables-fleet "$work/fleet" \
  --hosts "$hosts" --days "$days" --every "$every" >&2
as_of="2026-01-01"
as_of="$(date -u -d "$as_of + $((days - 1)) days" +%F)"

# Ingests every report into the store on DB flags "$@", each at its `finished` time (so
# the store holds 90 days of finding events); prints the seconds taken.
ingest() {
  local start
  start=$(date +%s.%N)
  "$bin/interdict-bench" load-deliverables-fleet "$work/fleet" "$@" >&2
  echo "$(date +%s.%N) - $start" | bc
}

# The best and median of $runs timings of `interdict report` on DB flags "$@" --kind $kind.
timed() {
  local kind="$1"; shift
  local times=()
  for _ in $(seq "$runs"); do
    local s e
    s=$(date +%s.%N)
    "$bin/interdict" report "$@" --directive bod-17-01 --kind "$kind" --format html \
      --as-of "$as_of" -o "$work/$kind.html"
    e=$(date +%s.%N)
    times+=("$(echo "$e - $s" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.3f | %.3f", a[1], a[int((NR+1)/2)]}'
}

rows=()
mkdir -p "$work/sqlite"
sq=(--data-dir "$work/sqlite")
t_ingest=$(ingest "${sq[@]}")
rows+=("| SQLite | status | $(timed status "${sq[@]}") | $(printf %.0f "$t_ingest") |")
rows+=("| SQLite | identification | $(timed identification "${sq[@]}") | |")
open_findings="$(grep -o 'all products</td><td class="n">[0-9]*' "$work/status.html" | grep -o '[0-9]*$')"

psql -q "$pg" -c "CREATE DATABASE $scratch" >/dev/null
pgdb=(--database "${pg%/*}/$scratch")
t_ingest=$(ingest "${pgdb[@]}")
rows+=("| PostgreSQL | status | $(timed status "${pgdb[@]}") | $(printf %.0f "$t_ingest") |")
rows+=("| PostgreSQL | identification | $(timed identification "${pgdb[@]}") | |")

machine="$(date -u +%Y-%m-%d) · nproc $(nproc) · $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs) · \
$(free -g | awk '/Mem:/{print $2}') GB RAM · $(uname -sr)"
{
  echo "Build: $profile. $hosts hosts, $days days of history (a scan of every host every $every days: $(find "$work/fleet" -name "day-*.json" | wc -l) import reports), as of $as_of; $open_findings findings outstanding then."
  echo
  echo "| store | report (HTML) | best s | median s | ingest s |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "$machine"
} | tee "$out/deliverables.md"
