#!/bin/sh
# Installs into a DESTDIR, runs the installed storywatchd --once on a feed
# served on 127.0.0.1 and reads the events back with the installed
# `storywatch log`.  Then, as root in a private mount namespace (a tmpfs on
# /var/lib, a directory of ours on the configured sysconfdir), runs the
# installed daemon as the system instance and the README's "Review the log"
# commands exactly as written.  Run from a configured build tree (make install-test).
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

# ---- the README's "Review the log", as root, on the system instance ----------
if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
	echo "SKIP: the system instance part needs root and unshare -m"
	exit 0
fi
sysconfdir=${sysconfdir:?}
mkdir -p "$tmp/etc/storywatch" "$sysconfdir"
cp "$tmp/feeds" "$tmp/etc/storywatch/feeds"
cat > "$tmp/etc/storywatch/storywatch.conf" <<CONF
[daemon]
rules = $rules
notify = no
CONF
cat > "$tmp/system.sh" <<SCRIPT
set -eu
mount --make-rprivate /
mount -t tmpfs tmpfs /var/lib
mount --bind "$tmp/etc" "$sysconfdir"
unset STATE_DIRECTORY XDG_STATE_HOME XDG_CONFIG_HOME
export PATH="$tmp/root$bindir:\$PATH" no_proxy=127.0.0.1
storywatchd --once
test -s /var/lib/storywatch/events.jsonl
# README, "Review the log":
storywatch log --since 2d > "$tmp/sys-timeline"
storywatch log --action notify --storyline ukraine-ceasefire > "$tmp/sys-notify"
storywatch log --json > "$tmp/sys-json"
storywatch status > "$tmp/sys-status"
id=\$(grep -m1 '"action":"notify"' "$tmp/sys-json" | sed 's/.*"id":"\([^"]*\)".*/\1/')
storywatch explain "\$id" > "$tmp/sys-explain"
SCRIPT
had_var_lib=$([ -e /var/lib/storywatch ] && echo yes || echo no)
unshare -m sh "$tmp/system.sh" || { echo "FAIL: the system instance run"; exit 1; }
if [ "$had_var_lib" = no ] && [ -e /var/lib/storywatch ]; then
	echo "FAIL: the test wrote the host's /var/lib/storywatch"; exit 1
fi
grep -q 'Trump and Putin speak by phone' "$tmp/sys-timeline" || {
	echo "FAIL: storywatch log --since 2d lacks the first headline"; cat "$tmp/sys-timeline"; exit 1; }
grep -q 'Trump and Putin speak by phone' "$tmp/sys-notify" || {
	echo "FAIL: storywatch log --action notify --storyline ukraine-ceasefire is empty"; exit 1; }
n=$(grep -c '"action":"notify"' "$tmp/sys-json" || true)
[ "$n" -ge 5 ] || { echo "FAIL: storywatch log --json has $n notify events"; exit 1; }
grep -q "127.0.0.1:$port/feed.xml" "$tmp/sys-status" || {
	echo "FAIL: storywatch status does not list the feed"; cat "$tmp/sys-status"; exit 1; }
grep -q "^  storyline ukraine-ceasefire: score " "$tmp/sys-explain" || {
	echo "FAIL: storywatch explain ID does not explain a notified item"; cat "$tmp/sys-explain"; exit 1; }
echo "ok: as root, the README's review commands read the system instance's $n notify events"
