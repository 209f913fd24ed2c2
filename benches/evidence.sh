#!/usr/bin/env bash
# The evidence-pack benchmark: the deliverables benchmark's synthetic fleet (10,000 hosts,
# 90 days of history: an import report of every host every 7 days), exported as one pack
# with `interdict evidence export --from` (the reports replayed into a temporary store, the
# three deliverables computed and rendered, sealed) and checked with `interdict evidence
# verify` (the seal, the audit chain, and the deliverables re-computed by replaying every
# included report). Side by side: the check an auditor does by hand as the pack's README
# says (tar -xzf, sha256sum -c --strict, openssl pkeyutl -verify), which proves integrity
# only. Wall time and peak RSS of each; writes bench-out/evidence.md.
#
# Usage: bash benches/evidence.sh
#   EVIDENCE_HOSTS=10000 EVIDENCE_DAYS=90 EVIDENCE_EVERY=7 (defaults)
#   BENCH_PROFILE=release (default) or debug
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
profile="${BENCH_PROFILE:-release}"
if [ "$profile" = release ]; then
  cargo build --release -q -p interdict -p interdict-bench
else
  cargo build -q -p interdict -p interdict-bench
fi
bin="$CARGO_TARGET_DIR/$profile"
out="$repo/bench-out"
mkdir -p "$out"
hosts="${EVIDENCE_HOSTS:-10000}"
days="${EVIDENCE_DAYS:-90}"
every="${EVIDENCE_EVERY:-7}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$bin/interdict-bench" make-deliverables-fleet "$work/fleet" \
  --hosts "$hosts" --days "$days" --every "$every" >&2
as_of="$(date -u -d "2026-01-01 + $((days - 1)) days" +%F)"
"$bin/interdict" evidence keygen --out "$work/signer" >/dev/null

# Runs "$@" under GNU time; prints "seconds | peak MiB".
measure() {
  local log="$work/time.log"
  /usr/bin/time -f '%e %M' -o "$log" "$@" >"$work/last.out" 2>"$work/last.err" || {
    cat "$work/last.err" >&2
    exit 1
  }
  awk '{printf "%.2f | %.0f", $1, $2 / 1024}' "$log"
}

export_row=$(measure "$bin/interdict" evidence export --from "$work"/fleet/day-*.json \
  --directive bod-17-01 --as-of "$as_of" --signing-key "$work/signer.key" --pdf never \
  -o "$work/pack.tar.gz")
verify_row=$(measure "$bin/interdict" evidence verify "$work/pack.tar.gz" --key "$work/signer.pub")
grep -q 'verified' "$work/last.out"
summary="$(cat "$work/last.out")"

# The hand check, in one shell so its time and peak RSS are measured together.
manual() {
  local x="$work/extract"
  rm -rf "$x" && mkdir -p "$x"
  tar -xzf "$work/pack.tar.gz" -C "$x"
  cd "$x"/interdict-evidence-*
  sha256sum -c --strict --quiet SHA256SUMS
  openssl pkeyutl -verify -pubin -inkey keys/signer.pub -rawin -in SHA256SUMS \
    -sigfile SHA256SUMS.sig >/dev/null
}
export -f manual
export work
manual_row=$(measure bash -c manual)

bytes=$(stat -c %s "$work/pack.tar.gz")
files=$(tar -tzf "$work/pack.tar.gz" | wc -l)
reports=$(find "$work/fleet" -name 'day-*.json' | wc -l)
v=$(echo "$verify_row" | cut -d'|' -f1 | xargs)
m=$(echo "$manual_row" | cut -d'|' -f1 | xargs)
ratio=$(echo "scale=1; $v / $m" | bc)
machine="$(date -u +%Y-%m-%d) · nproc $(nproc) · $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs) · \
$(free -g | awk '/Mem:/{print $2}') GB RAM · $(uname -sr)"
{
  echo "Build: $profile. $hosts hosts, $days days ($reports import reports), as of $as_of."
  echo "Pack: $files files, $((bytes / 1024)) KiB."
  echo
  echo "| step | wall s | peak RSS MiB |"
  echo "|---|---|---|"
  echo "| interdict evidence export --from (replay, compute, render, seal) | $export_row |"
  echo "| interdict evidence verify (seal, chain, replay, re-compute) | $verify_row |"
  echo "| by hand: tar -xzf + sha256sum -c + openssl pkeyutl -verify | $manual_row |"
  echo
  echo "verify / hand check: ${ratio}× the time (the hand check proves integrity only; verify also re-computes the deliverables)."
  echo
  echo '```'
  echo "$summary" | cut -c1-200
  echo '```'
  echo
  echo "$machine"
} | tee "$out/evidence.md"
