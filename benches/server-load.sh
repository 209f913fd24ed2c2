#!/usr/bin/env bash
# Fleet server load benchmark: builds the release binaries and runs
# `interdict-bench server-load` on SQLite and PostgreSQL (loopback only; the PostgreSQL
# side runs in a scratch database `interdict_bench_<uuid>` that the command creates and
# drops). Writes bench-out/server-load.md and prints the table.
#
# Usage: bash benches/server-load.sh [extra server-load options]
#   SERVER_LOAD_HOSTS=10000 SERVER_LOAD_CLIENTS=8 SERVER_LOAD_BACKEND=both (defaults)
#   INTERDICT_TEST_PG=postgres://root@127.0.0.1:5432/test (the admin database)
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
cargo build --release -q -p interdict -p interdict-bench
out="$repo/bench-out"
mkdir -p "$out"

machine="$(date -u +%Y-%m-%d) · nproc $(nproc) · $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs) · \
$(free -g | awk '/Mem:/{print $2}') GB RAM · $(uname -sr)"
pg="${INTERDICT_TEST_PG:-postgres://root@127.0.0.1:5432/test}"
echo "$machine" >&2

"$CARGO_TARGET_DIR/release/interdict-bench" server-load \
    --hosts "${SERVER_LOAD_HOSTS:-10000}" \
    --clients "${SERVER_LOAD_CLIENTS:-8}" \
    --backend "${SERVER_LOAD_BACKEND:-both}" \
    --interdict "$CARGO_TARGET_DIR/release/interdict" \
    --pg "$pg" \
    --out "$out/server-load.md" \
    "$@"
{ echo; echo "$machine"; } >>"$out/server-load.md"
