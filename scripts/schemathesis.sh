#!/usr/bin/env bash
# Property-based test of the fleet API against its own OpenAPI document (schemathesis 4.x).
#
# Starts `interdict serve` ($INTERDICT_BIN, default target/debug/interdict) on a temporary
# SQLite data dir and a free port, creates an admin token, ingests one report so that ids
# exist, runs schemathesis with the checks below, stops the server. The exit status is
# schemathesis's. Bounded by SCHEMATHESIS_MAX_EXAMPLES (default 50 cases per operation);
# SCHEMATHESIS_SEED (default 1) makes a run reproducible.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${INTERDICT_BIN:-target/debug/interdict}
if [ ! -x "$bin" ]; then
  echo "schemathesis.sh: $bin is not an executable (build it, or set INTERDICT_BIN)" >&2
  exit 2
fi
if ! command -v schemathesis >/dev/null 2>&1; then
  echo "schemathesis.sh: schemathesis is not installed (pip install schemathesis; .ci/run does)" >&2
  exit 2
fi

work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

token=$("$bin" admin --data-dir "$work/data" token create --name schemathesis --role admin)

"$bin" serve --listen 127.0.0.1:0 --data-dir "$work/data" 2>"$work/serve.log" &
server=$!
base=
for _ in $(seq 1 300); do
  base=$(sed -n 's|^interdict: listening on \(http://[^ ]*\).*|\1|p' "$work/serve.log" | head -1)
  [ -n "$base" ] && break
  if ! kill -0 "$server" 2>/dev/null; then
    echo "schemathesis.sh: the server exited:" >&2
    cat "$work/serve.log" >&2
    exit 2
  fi
  sleep 0.1
done
if [ -z "$base" ]; then
  echo "schemathesis.sh: the server did not listen within 30 s:" >&2
  cat "$work/serve.log" >&2
  exit 2
fi

# One scan report with a finding, so that report, host and finding ids exist.
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cat >"$work/report.json" <<JSON
{
  "schema_version": "1.1",
  "id": "schemathesis-seed",
  "tool": {"name": "interdict", "version": "0.1.0"},
  "source": "scan",
  "catalog": {"version": "seed", "digest": "sha256:00"},
  "started": "$now", "finished": "$now", "duration_ms": 1,
  "host": {"id": "machine-id:seed", "name": "seed", "hostname": "seed", "root": "/",
           "live": true, "identifiers": {"machine-id": "seed"},
           "os": {"platform": "linux", "id": "debian", "version": "12"}},
  "summary": {"confirmed": 0, "probable": 0, "possible": 0},
  "findings": [], "errors": [],
  "collectors": [{"id": "dpkg-status", "items": 1, "errors": 0, "millis": 1}],
  "inventory": [{"kind": "package", "name": "kesl", "version": "12.0", "state": "active",
                 "location": "var/lib/dpkg/status", "collector": "dpkg-status"}]
}
JSON
status=$(curl -sS -o "$work/ingest.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' --data-binary "@$work/report.json" "$base/api/v1/reports")
if [ "$status" != 201 ]; then
  echo "schemathesis.sh: ingesting the seed report answered $status: $(cat "$work/ingest.json")" >&2
  exit 2
fi

# The seed's ids, so that operations on one thing reach it and not only 404.
api() { curl -sS -H "Authorization: Bearer $token" "$base/api/v1$1"; }
finding=$(api '/findings?limit=1' | sed -n 's/.*"items":\[{"id":"\([^"]*\)".*/\1/p')
exception=$(curl -sS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  --data "{\"finding\":\"$finding\",\"justification\":\"seed\",\"approver\":\"seed\",\"expires\":\"2999-01-01\"}" \
  "$base/api/v1/exceptions" | sed -n 's/^{"id":"\([^"]*\)".*/\1/p')
if [ -z "$finding" ] || [ -z "$exception" ]; then
  echo "schemathesis.sh: the seed report gave no finding or exception to test with" >&2
  exit 2
fi
cat >"$work/schemathesis.toml" <<TOML
[[operations]]
include-name = "GET /reports/{id}"
parameters = { id = "schemathesis-seed" }

[[operations]]
include-path-regex = "^/hosts/.+"
parameters = { id = "machine-id:seed" }

[[operations]]
include-name = "GET /findings/{id}"
parameters = { id = "$finding" }

[[operations]]
include-name = "POST /exceptions/{id}/revoke"
parameters = { id = "$exception" }

[[operations]]
include-name = "POST /directives/{id}/activate"
parameters = { id = "bod-17-01" }

# The deliverables of a real directive, in every format (JSON, CSV, HTML, PDF through the
# server's Chromium), and its plan details.
[[operations]]
include-path-regex = "^/directives/[{]id[}]/(reports|plan-details)"
parameters = { id = "bod-17-01" }
TOML

rc=0
# From the temp dir: schemathesis keeps a cache (.schemathesis/) in its working directory.
cd "$work"
schemathesis --config-file "$work/schemathesis.toml" run "$base/api/v1/openapi.json" \
  -H "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-50}" \
  --seed "${SCHEMATHESIS_SEED:-1}" \
  --workers 1 \
  --request-timeout 30 \
  --report-dir "$work/report" || rc=$?
exit "$rc"
