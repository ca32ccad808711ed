#!/bin/sh
# Installs into a DESTDIR, runs the installed storywatchd --once on a feed
# served on 127.0.0.1 and reads the events back with the installed
# `storywatch log`.  Run from a configured build tree (make install-test).
set -eu
command -v python3 >/dev/null 2>&1 || { echo "no python3"; exit 77; }

top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
make=${MAKE:-make}
tmp=$(mktemp -d)
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

$make install DESTDIR="$tmp/root" >/dev/null
bindir=${bindir:?}
pkgdatadir=${pkgdatadir:?}
sw="$tmp/root$bindir/storywatch"
swd="$tmp/root$bindir/storywatchd"
rules="$tmp/root$pkgdatadir/rules"
for f in "$sw" "$swd" "$rules/20-ceasefire.rules" "$tmp/root$pkgdatadir/feeds"; do
	[ -e "$f" ] || { echo "FAIL: not installed: $f"; exit 1; }
done

# A one-file HTTP server on a free port of 127.0.0.1.
mkdir -p "$tmp/www"
cp "$top_srcdir/tests/data/storyline/headlines.xml" "$tmp/www/feed.xml"
python3 "$top_srcdir/tests/serve-dir.py" "$tmp/www" > "$tmp/port" &
server=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port")
echo "http://127.0.0.1:$port/feed.xml" > "$tmp/feeds"

no_proxy=127.0.0.1 "$swd" --once --feeds "$tmp/feeds" --rules "$rules" \
	--state-dir "$tmp/state" --event-log "$tmp/events.jsonl" --no-notify

"$sw" log --event-log "$tmp/events.jsonl" --json > "$tmp/json"
"$sw" log --event-log "$tmp/events.jsonl" --color=never > "$tmp/timeline"
n=$(grep -c '"action":"notify"' "$tmp/json" || true)
if [ "$n" -lt 5 ]; then
	echo "FAIL: expected at least 5 notify events, got $n"
	cat "$tmp/json"
	exit 1
fi
grep -q 'Trump and Putin speak by phone' "$tmp/timeline" || {
	echo "FAIL: the timeline lacks the first headline"; cat "$tmp/timeline"; exit 1; }
echo "ok: installed storywatchd wrote $n notify events, read back by the installed storywatch log"
