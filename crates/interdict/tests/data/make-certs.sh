#!/usr/bin/env bash
# Regenerates the certificate fixtures of the end-to-end tests (needs openssl).
# kaspersky-root.pem imitates the per-install TLS-interception root that Kaspersky's
# "scan encrypted connections" puts in trust stores (subject as publicly observed;
# the key is random, as it is per install).
set -euo pipefail
cd "$(dirname "$0")"
openssl req -x509 -newkey rsa:2048 -nodes -keyout /dev/null -days 3650 \
  -subj "/C=RU/O=AO Kaspersky Lab/CN=Kaspersky Anti-Virus Personal Root Certificate" \
  -addext "basicConstraints=critical,CA:TRUE" -out kaspersky-root.pem 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout /dev/null -days 3650 \
  -subj "/C=SK/O=ESET, spol. s r.o./CN=ESET SSL Filter CA" \
  -addext "basicConstraints=critical,CA:TRUE" -out eset-root.pem 2>/dev/null
