#!/usr/bin/env bash
# Runs every fuzz target for SECONDS_PER_TARGET seconds (default 30), seeded from the
# shared corpus (../shared/corpus, copied into fuzz/corpus/<target>/ at run time and never
# committed). Exits non-zero when any target found a crash, a leak, a timeout or an OOM.
# Every target runs with a per-input time limit and a memory limit, so an input that makes
# a parser hang or balloon (deep nesting, shared-object bombs) is a reported failure:
# FUZZ_TIMEOUT seconds per input (default 10) and FUZZ_RSS_MB megabytes (default 2048).
#
# Usage: bash fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
set -euo pipefail

secs="${1:-30}"
timeout_s="${FUZZ_TIMEOUT:-10}"
rss_mb="${FUZZ_RSS_MB:-2048}"
shift || true
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
shared="${INTERDICT_CORPUS:-$repo/../shared/corpus}"
[ -d "$shared" ] || shared="/work/shared/corpus"
cd "$here"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "installing cargo-fuzz from crates.io" >&2
    cargo install cargo-fuzz --locked
fi
# cargo-fuzz passes nightly-only flags (-Zsanitizer); stable rustc accepts them with this.
export RUSTC_BOOTSTRAP=1

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi

# Copies shared-corpus files matching find(1) arguments (at most 2 MB each) into a seed dir.
seed() {
    local dir="$1"
    shift
    [ -d "$shared" ] || return 0
    find "$shared" -type f -size -2048k \( "$@" \) -print0 2>/dev/null |
        while IFS= read -r -d '' f; do
            cp -f "$f" "$dir/$(echo "$f" | sha1sum | cut -c1-16)-$(basename "$f")"
        done
}

# Copies the importer fixtures of interdict-sbom/testdata/<kind>, each also as UTF-16 LE
# with a byte-order mark (PowerShell's redirect), into a seed dir.
seed_fixtures() {
    local dir="$1" kind="$2" f
    for f in "$repo/crates/interdict-sbom/testdata/$kind"/*; do
        [ -f "$f" ] || continue
        cp -f "$f" "$dir/fixture-$(basename "$f")"
        { printf '\xff\xfe'; iconv -f UTF-8 -t UTF-16LE "$f" 2>/dev/null; } >"$dir/fixture-utf16-$(basename "$f")" || true
    done
}

seed_target() {
    local t="$1" dir="corpus/$1"
    mkdir -p "$dir"
    case "$t" in
        dpkg) seed "$dir" -path '*/dpkg/*' ;;
        certs | wincert)
            seed "$dir" -name '*.cer' -o -name '*.crt' -o -name '*.pem' -o -name '*.der'
            if [ "$t" = certs ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
                cp -f /etc/ssl/certs/ca-certificates.crt "$dir/host-ca-certificates.crt"
            fi
            ;;
        systemd)
            find /lib/systemd/system -maxdepth 1 -type f -name '*.service' 2>/dev/null |
                head -n 40 | while read -r f; do cp -f "$f" "$dir/"; done
            ;;
        regf)
            seed "$dir" -name '*.hve' -o -name '*.DAT' -o -name 'SYSTEM' -o -name 'SOFTWARE'
            ;;
        pe | pe_reader) seed "$dir" -path '*/pe/*' -o -name '*.efi' -o -name '*.exe' -o -name '*.dll' ;;
        macho | plist) seed "$dir" -path '*/plist/*' ;;
        rpm_bdb) seed "$dir" -path '*/rpm/bdb-*' ;;
        rpm_ndb) seed "$dir" -path '*/rpm/ndb-*' ;;
        sbom_cyclonedx_json) seed "$dir" -path '*/cyclonedx/*' -name '*.json' ;;
        sbom_cyclonedx_xml) seed "$dir" -path '*/cyclonedx/*' -name '*.xml' ;;
        sbom_spdx_json) seed "$dir" -path '*/spdx/*' -name '*.json' ;;
        sbom_spdx_tv) seed "$dir" -path '*/spdx/*' \( -name '*.spdx' -o -name '*.tv' -o -name '*.txt' \) ;;
        sbom_spdx3)
            seed "$dir" -path '*/spdx/*' -name '*.json'
            cp -f "$repo"/crates/interdict-sbom/testdata/wild/*.json "$dir/" 2>/dev/null || true
            ;;
        osquery)
            seed "$dir" -path '*/velociraptor/*' -name '*.json'
            seed_fixtures "$dir" osquery
            ;;
        csv_import) seed_fixtures "$dir" csv ;;
        *) ;;
    esac
}

echo "building ${#targets[@]} fuzz targets" >&2
if [ $# -eq 0 ]; then
    cargo fuzz build -O -a >&2
else
    for t in "${targets[@]}"; do cargo fuzz build -O -a "$t" >&2; done
fi

mkdir -p out
summary="out/summary.md"
{
    echo "| target | seconds | executions | exec/s | seeds | result |"
    echo "|---|---:|---:|---:|---:|---|"
} >"$summary"
failed=0
for t in "${targets[@]}"; do
    seed_target "$t"
    seeds=$(find "corpus/$t" -type f | wc -l)
    log="out/$t.log"
    echo "== $t (${secs}s, $seeds seeds)" >&2
    status=0
    cargo fuzz run -O -a "$t" -- -max_total_time="$secs" -rss_limit_mb="$rss_mb" -timeout="$timeout_s" \
        -print_final_stats=1 >"$log" 2>&1 || status=$?
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n1)
    rate=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n1)
    if [ "$status" -eq 0 ]; then
        result="ok"
    else
        result="FAILED (exit $status, see fuzz/$log and fuzz/artifacts/$t/)"
        failed=$((failed + 1))
        grep -E 'panicked at|ERROR: libFuzzer|SUMMARY' "$log" | head -n 5 >&2 || true
    fi
    echo "| $t | $secs | ${runs:-?} | ${rate:-?} | $seeds | $result |" >>"$summary"
    echo "   $t: ${runs:-?} executions, $result" >&2
done
cat "$summary"
if [ "$failed" -ne 0 ]; then
    echo "$failed target(s) failed" >&2
    exit 1
fi
