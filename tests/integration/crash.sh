#!/bin/sh
# make check: SIGKILL at random moments loses no event and writes none twice.
command -v python3 >/dev/null 2>&1 || { echo "python3 missing: skipped"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/test-crash.py"
