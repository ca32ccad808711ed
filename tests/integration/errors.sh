#!/bin/sh
# Errors name the culprit and a way out: a read-only state file, a state
# directory the daemon cannot write, and a second daemon on the same event
# log (with the pid of the one holding it).  Permissions mean nothing to root:
# as root the first two run as nobody (setpriv), or are skipped without it.
set -eu
command -v python3 >/dev/null 2>&1 || { echo "no python3"; exit 77; }
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
swd=${STORYWATCHD:-$top_builddir/daemon/storywatchd}
swd=$(cd "$(dirname "$swd")" && pwd)/$(basename "$swd")
tmp=$(mktemp -d)
chmod 755 "$tmp"
server= first=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null || true
	[ -n "$first" ] && kill "$first" 2>/dev/null || true
	chmod -R u+rwX "$tmp" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkdir -p "$tmp/www"
cp "$top_srcdir/tests/integration/data/harbour.xml" "$tmp/www/feed.xml"
python3 "$top_srcdir/tests/serve-dir.py" "$tmp/www" > "$tmp/port" &
server=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
echo "http://127.0.0.1:$(cat "$tmp/port")/feed.xml" > "$tmp/feeds"
cp -r "$top_srcdir/tests/integration/rules" "$tmp/rules"
chmod -R a+rX "$tmp/rules" "$tmp/feeds"
export no_proxy=127.0.0.1 HOME="$tmp"

as_user=
if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null 2>&1 &&
		as_user="setpriv --reuid=nobody --regid=nogroup --clear-groups"
fi
daemon() {   # daemon STATE_DIR [ARGS...]
	dir=$1
	shift
	$as_user "$swd" --user --feeds "$tmp/feeds" --rules "$tmp/rules" --state-dir "$dir" \
		--no-notify "$@"
}

if [ "$(id -u)" != 0 ] || [ -n "$as_user" ]; then
	mkdir "$tmp/st"
	[ -z "$as_user" ] || chown nobody "$tmp/st"
	daemon "$tmp/st" --once 2>/dev/null || fail "the first run"
	uid=$($as_user id -u)

	# A read-only state file is named as such, not as the event log.
	chmod 444 "$tmp/st/state.db"
	if daemon "$tmp/st" --once 2> "$tmp/err"; then fail "ran with a read-only state file"; fi
	grep -q "^storywatchd: $tmp/st/state.db: cannot write the state file: Permission denied; it must be readable and writable by uid $uid" "$tmp/err" ||
		{ cat "$tmp/err"; fail "a read-only state.db is not named"; }
	chmod 644 "$tmp/st/state.db"

	# A state directory it cannot write: errno and a hint, not SQLite's words.
	mkdir "$tmp/ro"
	chmod 555 "$tmp/ro"
	if daemon "$tmp/ro" --once 2> "$tmp/err"; then fail "ran in a read-only state directory"; fi
	grep -q "^storywatchd: $tmp/ro: cannot create files in the state directory: Permission denied; it must be writable by uid $uid" "$tmp/err" ||
		{ cat "$tmp/err"; fail "an unwritable state directory is not named"; }
else
	echo "SKIP: permission cases (root without setpriv)"
fi

# A second daemon names the pid holding the event log.
as_user=
"$swd" --user --feeds "$tmp/feeds" --rules "$tmp/rules" --state-dir "$tmp/two" --no-notify \
	2> "$tmp/first.err" &
first=$!
for _ in $(seq 100); do [ -s "$tmp/two/events.jsonl" ] && break; sleep 0.1; done
[ -s "$tmp/two/events.jsonl" ] || { cat "$tmp/first.err"; fail "the first daemon wrote no event"; }
if daemon "$tmp/two" --once 2> "$tmp/err"; then fail "a second daemon ran"; fi
grep -q "^storywatchd: $tmp/two/events.jsonl: event log is in use by process $first (storywatchd)" "$tmp/err" ||
	{ cat "$tmp/err"; fail "the second daemon does not name pid $first"; }
echo "ok: errors name the file, the errno, the uid or the pid, and a way out"
