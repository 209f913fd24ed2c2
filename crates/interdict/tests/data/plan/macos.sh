#!/bin/sh
# shellcheck disable=SC2016
# interdict removal plan for host  (id name:), platform macos
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
log 'removal plan for host name: started'

# 1. Kaspersky for Mac (Anti-Virus, Internet Security, Endpoint Security for Mac) (kaspersky-mac), confirmed
FALLBACK='If a step fails, run kavremover for Mac (Kaspersky removal tool) or the KSC remote uninstall task (kavremover)'

# 1.1 [launchd-unload] Unload and delete the Kaspersky launchd jobs found
# source: Kaspersky Anti-Virus for Mac uninstallation script (public copy); gist mrowell/732b71cc3699865e6aefe54edf3c1329
if launchctl print 'system/com.kaspersky.kav' >/dev/null 2>&1; then
    run launchctl bootout 'system/com.kaspersky.kav'
else
    log 'com.kaspersky.kav: not loaded'
fi
if [ -e '/Library/LaunchDaemons/com.kaspersky.kav.plist' ]; then
    run rm -f -- '/Library/LaunchDaemons/com.kaspersky.kav.plist'
fi

# 1.2 [delete-path] Delete the Kaspersky applications, support folder, caches and logs
# source: Kaspersky Anti-Virus for Mac uninstallation script (public copy); gist mrowell/732b71cc3699865e6aefe54edf3c1329
if [ -e '/Applications/Kaspersky Internet Security.app' ] || [ -L '/Applications/Kaspersky Internet Security.app' ]; then
    run rm -rf -- '/Applications/Kaspersky Internet Security.app'
fi
if [ -e '/Library/Application Support/Kaspersky Lab' ] || [ -L '/Library/Application Support/Kaspersky Lab' ]; then
    run rm -rf -- '/Library/Application Support/Kaspersky Lab'
fi
if [ -e '/Library/Caches/com.kaspersky.kav' ] || [ -L '/Library/Caches/com.kaspersky.kav' ]; then
    run rm -rf -- '/Library/Caches/com.kaspersky.kav'
fi
if [ -e '/Library/Logs/Kaspersky Lab' ] || [ -L '/Library/Logs/Kaspersky Lab' ]; then
    run rm -rf -- '/Library/Logs/Kaspersky Lab'
fi
if [ -e '/usr/bin/kav' ] || [ -L '/usr/bin/kav' ]; then
    run rm -rf -- '/usr/bin/kav'
fi

# 1.3 [pkgutil-forget] Forget the Kaspersky installer receipts found
# source: Kaspersky Anti-Virus for Mac uninstallation script (pkgutil --forget list)
if pkgutil --pkg-info 'com.kaspersky.kav.antiphishing' >/dev/null 2>&1; then
    run pkgutil --forget 'com.kaspersky.kav.antiphishing'
else
    log 'com.kaspersky.kav.antiphishing: no receipt'
fi
if pkgutil --pkg-info 'com.kaspersky.kav.core' >/dev/null 2>&1; then
    run pkgutil --forget 'com.kaspersky.kav.core'
else
    log 'com.kaspersky.kav.core: no receipt'
fi

# 1.4 [fallback] If a step fails, run kavremover for Mac (Kaspersky removal tool) or the KSC remote uninstall task
# source: catalog.md §2.3 (kavremover for Mac, blog; KSC remote uninstall task, Kaspersky KSC docs)
# (logged if a step of this product fails: kavremover)

FALLBACK=''
log 'removal plan complete: rescan the host with interdict to verify'
