#!/bin/sh
# make check: every case under tests/integration/cases against the real daemon.
command -v python3 >/dev/null 2>&1 || { echo "python3 missing: skipped"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/run-case.py" "$here"/cases/*.json
