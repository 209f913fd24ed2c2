#!/bin/sh
# shellcheck disable=SC2016
# interdict removal plan for host fixture-host (id name:fixture-host), platform linux
# catalog 2026.12.2; evidence from report <REPORT-ID> (scan finished <SCANNED>)
# Products in removal order: endpoint products before the management agent.
# Review before running: interdict prints this script and never runs it.
# Every step checks first, so running it again changes nothing; it stops at the
# first error (set -e) and logs to $INTERDICT_LOG (default /var/log/interdict-removal.log).
set -eu

LOG="${INTERDICT_LOG:-/var/log/interdict-removal.log}"
log() {
    printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" | tee -a "$LOG" >&2
}
run() {
    log "run: $*"
    "$@"
}
on_exit() {
    status=$?
    if [ "$status" -ne 0 ]; then
        log "FAILED with exit status $status: stopped at the first error"
        if [ -n "${FALLBACK:-}" ]; then
            log "fallback: $FALLBACK"
        fi
    fi
}
trap on_exit EXIT
FALLBACK=''

if [ "$(id -u)" -ne 0 ]; then
    echo 'this removal script must run as root' >&2
    exit 1
fi
log 'removal plan for host name:fixture-host started'

# 1. Kaspersky Endpoint Security for Linux (kesl), confirmed
FALLBACK=''

# 1.1 [package-remove] Remove the KESL packages found with the package manager that installed them
# source: Kaspersky KESL docs (standard package-manager removal); catalog.md §2.1 (rpm -e kesl kesl-gui / dpkg -r / apt remove kesl)
set --
if dpkg-query -W 'kesl' >/dev/null 2>&1; then
    set -- "$@" 'kesl'
else
    log 'kesl: not installed'
fi
if [ "$#" -gt 0 ]; then
    run dpkg --purge "$@"
fi

# 1.2 [delete-path] Delete KESL leftovers
# source: support.kaspersky.com/kes4linux/12.1.0/en-US/213865.htm (installation folders)
if [ -e '/etc/opt/kaspersky/kesl' ] || [ -L '/etc/opt/kaspersky/kesl' ]; then
    run rm -rf -- '/etc/opt/kaspersky/kesl'
fi
if [ -e '/opt/kaspersky/kesl' ] || [ -L '/opt/kaspersky/kesl' ]; then
    run rm -rf -- '/opt/kaspersky/kesl'
fi
if [ -e '/var/opt/kaspersky/kesl' ] || [ -L '/var/opt/kaspersky/kesl' ]; then
    run rm -rf -- '/var/opt/kaspersky/kesl'
fi

# 2. Kaspersky Protection browser extension (kaspersky-browser-protection), confirmed
# note: the catalog has no removal procedure for linux: remove it by hand, following its evidence
log 'kaspersky-browser-protection: the catalog has no removal procedure for linux: remove it by hand, following its evidence'
FALLBACK=''

# 3. Kaspersky encrypted-connection scanning root certificate (kaspersky-https-scanning-root), confirmed
# note: the catalog has no removal procedure for linux: remove it by hand, following its evidence
log 'kaspersky-https-scanning-root: the catalog has no removal procedure for linux: remove it by hand, following its evidence'
FALLBACK=''

# 4. Kaspersky Anti-Virus for Linux File Server (kav4fs), possible
FALLBACK=''

# 4.1 [package-remove] Remove the Kaspersky Anti-Virus for Linux File Server packages found with the package manager that installed them
# source: catalog.md §2.1 (standard package-manager removal, documented per product in Kaspersky docs)
set --
if dpkg-query -W 'kav4fs' >/dev/null 2>&1; then
    set -- "$@" 'kav4fs'
else
    log 'kav4fs: not installed'
fi
if [ "$#" -gt 0 ]; then
    run dpkg --purge "$@"
fi

# 5. Kaspersky Security Center Network Agent (ksc-network-agent), confirmed
FALLBACK=''

# 5.1 [package-remove] Remove the Network Agent packages found with the package manager that installed them
# source: Kaspersky KSC docs; catalog.md §2.1 (rpm -e klnagent64 / dpkg -r)
set --
if rpm -q 'klnagent64' >/dev/null 2>&1; then
    set -- "$@" 'klnagent64'
else
    log 'klnagent64: not installed'
fi
if [ "$#" -gt 0 ]; then
    run rpm -e "$@"
fi

# 5.2 [delete-path] Delete Network Agent leftovers
# source: Kaspersky KSC docs (Network Agent installation folders)
if [ -e '/opt/kaspersky/klnagent' ] || [ -L '/opt/kaspersky/klnagent' ]; then
    run rm -rf -- '/opt/kaspersky/klnagent'
fi
if [ -e '/opt/kaspersky/klnagent64' ] || [ -L '/opt/kaspersky/klnagent64' ]; then
    run rm -rf -- '/opt/kaspersky/klnagent64'
fi
if [ -e '/var/opt/kaspersky/klnagent_srv' ] || [ -L '/var/opt/kaspersky/klnagent_srv' ]; then
    run rm -rf -- '/var/opt/kaspersky/klnagent_srv'
fi

FALLBACK=''
log 'removal plan complete: rescan the host with interdict to verify'
