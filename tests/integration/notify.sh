#!/bin/sh
# make check: sd_notify messages (READY, STATUS, RELOADING, STOPPING, WATCHDOG).
command -v python3 >/dev/null 2>&1 || { echo "python3 missing: skipped"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/test-notify.py"
