#!/bin/sh
# log-review.sh - `storywatch log` on a fixture event log: grouping by day and
# development, the filters, control-character scrubbing and --json passthrough.
# Each line of tests/data/log/cases names a case and its arguments; NAME.out is
# the expected stdout and NAME.err, when present, the expected stderr.

set -u
srcdir=${srcdir:-.}
data=$srcdir/tests/data/log
prog=${STORYWATCH:-./daemon/storywatch}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

cp "$data/events.jsonl" "$tmp/events.jsonl"
# Fixed zone and clock, so days, times and ages read the same everywhere.
export TZ=UTC STORYWATCH_EVAL_TIME=2025-03-19T20:00:00Z STATE_DIRECTORY="$tmp"
unset XDG_STATE_HOME NO_COLOR

failed=0
tab=$(printf '\t')
while IFS="$tab" read -r name args; do
	case "$name" in ''|'#'*) continue ;; esac
	# shellcheck disable=SC2086 # arguments are split on purpose
	"$prog" log $args >"$tmp/out" 2>"$tmp/err.raw"
	rc=$?
	sed "s|$tmp|STATE|g" "$tmp/err.raw" >"$tmp/err"
	[ -f "$data/$name.err" ] && experr=$data/$name.err || experr=/dev/null
	if [ $rc -ne 0 ]; then
		echo "FAIL $name: exit status $rc"; cat "$tmp/err"; failed=1
	elif ! diff -u "$data/$name.out" "$tmp/out"; then
		echo "FAIL $name: stdout"; failed=1
	elif ! diff -u "$experr" "$tmp/err"; then
		echo "FAIL $name: stderr"; failed=1
	else
		echo "ok $name"
	fi
done <"$data/cases"

# NO_COLOR and a non-terminal: no colour under --color=auto.
NO_COLOR=1 "$prog" log --color=auto --until 2025-03-18T10:00:00Z >"$tmp/out" 2>/dev/null
if grep -q "$(printf '\033')" "$tmp/out"; then
	echo "FAIL NO_COLOR: escape sequences in output"; failed=1
fi

# Usage errors: exit 2 and one line on stderr.
for bad in "--action maybe" "--since yesterday-ish" "--until 2025-13-01" "--color=rainbow" "stray"; do
	# shellcheck disable=SC2086
	"$prog" log $bad >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 2 ] || [ -s "$tmp/out" ] || [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
		echo "FAIL usage '$bad': exit $rc"; cat "$tmp/err"; failed=1
	fi
done

# A line past the 1 MiB ceiling is skipped like any bad line; reading goes on.
{
	printf '{"seq":1,"time":"2025-03-18T09:00:00Z","event":"match","title":"first"}\n'
	printf '{"seq":2,"time":"2025-03-18T09:01:00Z","event":"match","title":"'
	head -c 1100000 /dev/zero | tr '\0' x
	printf '"}\n{"seq":3,"time":"2025-03-18T09:02:00Z","event":"match","title":"third"}'
} >"$tmp/long.jsonl"
"$prog" log --json --event-log "$tmp/long.jsonl" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -ne 0 ] || [ "$(cut -c1-8 "$tmp/out" | tr '\n' ' ')" != '{"seq":1 {"seq":3 ' ] ||
   [ "$(sed "s|$tmp|T|" "$tmp/err")" != "storywatch log: warning: skipped 1 unreadable line in T/long.jsonl (the first is line 2)" ]; then
	echo "FAIL long line: exit $rc"; cat "$tmp/err"; failed=1
else
	echo "ok long-line"
fi

# A missing log is an error with the path, not a crash.
"$prog" log --event-log "$tmp/none.jsonl" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -ne 1 ] || ! grep -q "none.jsonl: No such file or directory" "$tmp/err"; then
	echo "FAIL missing log: exit $rc"; failed=1
fi

# On a terminal, --json escapes what a terminal would act on.
if command -v python3 >/dev/null 2>&1; then
	python3 - "$prog" "$tmp/events.jsonl" <<'PY' || failed=1
import os, pty, sys
prog, log = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.execv(prog, [prog, "log", "--json", "--event-log", log, "--since", "2025-03-18T12:00:00Z",
                    "--until", "2025-03-18T12:00:00Z"])
out = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
os.waitpid(pid, 0)
bad = [c for c in out.decode("utf-8") if c in "\u009b\u202e\u202c\u2066\u2069\x7f" ]
want = "\\u202ereversed\\u202c and C1 \\u009b2J"
if bad or want.encode() not in out:
    print("FAIL json on a terminal:", out)
    sys.exit(1)
print("ok json-tty")
PY
fi
# Times are local (TZ), or UTC with --utc, in every view.
TZ=JST-9 "$prog" log --color=never --utc >"$tmp/out" 2>/dev/null
if ! diff -u "$data/all.out" "$tmp/out"; then
	echo "FAIL --utc"; failed=1
else
	echo "ok utc"
fi
TZ=JST-9 "$prog" log --color=never --event update >"$tmp/out" 2>/dev/null
if ! grep -q "^  20:00 ~   9.0  Leaders agree" "$tmp/out"; then
	echo "FAIL local time from TZ"; cat "$tmp/out"; failed=1
else
	echo "ok local-time"
fi
exit $failed
