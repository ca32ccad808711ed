#!/bin/sh
# test-feeds.sh - storywatch feeds against web pages and feeds served on
# 127.0.0.1 by tests/serve-dir.py: a page's feeds found through its links,
# edits that keep the list's comments, OPML in and out.
set -u
sw="${top_builddir:-.}/daemon/storywatch"
src="${top_srcdir:-.}"
site="$src/tests/data/feeds-site"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
tmp=$(mktemp -d) || exit 99
server=
trap 'if [ -n "$server" ]; then kill "$server"; fi; rm -rf "$tmp"' EXIT
fail=0

check() { # name, expected file, actual file
	if ! cmp -s "$2" "$3"; then
		echo "FAIL: $1"; diff -u "$2" "$3" | head -40; fail=1
	else
		echo "ok: $1"
	fi
}
run() { # expected exit status, storywatch feeds arguments...
	want_rc=$1; shift
	"$sw" feeds --config "$tmp/storywatch.conf" --feeds "$tmp/feeds" "$@" \
		>"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	[ $rc -eq "$want_rc" ] ||
		{ echo "FAIL: feeds $*: exited $rc, wanted $want_rc"; cat "$tmp/err"; fail=1; }
}

python3 "$src/tests/serve-dir.py" "$site" >"$tmp/port" &
server=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$tmp/port")
[ -n "$port" ] || { echo "FAIL: the test server did not start"; exit 99; }
base="http://127.0.0.1:$port"

printf '[daemon]\nstate_dir = %s/state\nnotify = no\n' "$tmp" >"$tmp/storywatch.conf"
cat >"$tmp/feeds" <<'EOF'
# My feeds, a comment to keep
https://a.example/rss   # with a note

# slow ones
https://b.example/feed 2h
EOF
chmod 600 "$tmp/feeds"

# A page that links one feed: that feed is added, with its title as a comment.
run 0 add "$base/index.html"
cat >"$tmp/want" <<EOF
$base/index.html links to the feed $base/lantern.atom
Added $base/lantern.atom (Lantern headlines) to $tmp/feeds.
A running storywatchd reads it on reload: $( [ "$(id -u)" = 0 ] && echo "systemctl reload storywatchd" || echo "systemctl --user reload storywatchd"), or kill -HUP its pid.
EOF
check "add a page: output" "$tmp/want" "$tmp/out"
cat >"$tmp/want" <<EOF
# My feeds, a comment to keep
https://a.example/rss   # with a note

# slow ones
https://b.example/feed 2h
# Lantern headlines
$base/lantern.atom
EOF
check "add a page: the list, comments kept" "$tmp/want" "$tmp/feeds"
[ "$(stat -c %a "$tmp/feeds")" = 600 ] || { echo "FAIL: add changed the file's mode"; fail=1; }
ls "$tmp" | grep -q '^feeds\.' && { echo "FAIL: a temporary file was left"; fail=1; }

# Once is enough.
run 0 add "$base/lantern.atom"
echo "$base/lantern.atom is already in $tmp/feeds" >"$tmp/want"
check "add a listed feed" "$tmp/want" "$tmp/out"

# Several feeds and no terminal: nothing is added, the candidates are listed
# (resolved against <base href>, once each, RSS and Atom only).
cp "$tmp/feeds" "$tmp/before"
run 1 add "$base/two.html"
cat >"$tmp/want" <<EOF
storywatch feeds: $base/two.html links to 2 feeds; add the one you want by its URL:
  $base/harbour.xml  (Harbour)
  $base/lantern.atom
EOF
check "add a page with two feeds, not on a terminal" "$tmp/want" "$tmp/err"
check "add a page with two feeds: list unchanged" "$tmp/before" "$tmp/feeds"

# A feed's own URL: added as it is, its title from the feed.
run 0 add "$base/harbour.xml"
tail -n 2 "$tmp/feeds" >"$tmp/tail"
printf '# Harbour Gazette\n%s/harbour.xml\n' "$base" >"$tmp/want"
check "add a feed" "$tmp/want" "$tmp/tail"

# A page without feeds, a missing page, a bad URL: refused, list unchanged.
cp "$tmp/feeds" "$tmp/before"
run 1 add "$base/none.html"
echo "storywatch feeds: $base/none.html is not a feed, and links to none (no <link rel=\"alternate\"> with an RSS or Atom type)" >"$tmp/want"
check "add a page without feeds" "$tmp/want" "$tmp/err"
run 1 add "$base/missing.html"
echo "storywatch feeds: $base/missing.html: the server answered HTTP 404 (--no-fetch adds it unchecked)" >"$tmp/want"
check "add a missing page" "$tmp/want" "$tmp/err"
run 2 add "ftp://c.example/feed"
echo "storywatch feeds: unsupported URL scheme 'ftp' (only http and https)" >"$tmp/want"
check "add an ftp URL" "$tmp/want" "$tmp/err"
check "refused adds: list unchanged" "$tmp/before" "$tmp/feeds"
run 0 add --no-fetch "https://offline.example/rss"
tail -n 1 "$tmp/feeds" | grep -qx "https://offline.example/rss" || { echo "FAIL: add --no-fetch"; fail=1; }

# list: the URLs in the file's order, intervals too.
run 0 list
cat >"$tmp/want" <<EOF
https://a.example/rss
https://b.example/feed 2h
$base/lantern.atom
$base/harbour.xml
https://offline.example/rss
EOF
check "list" "$tmp/want" "$tmp/out"

# remove: the feed's line goes, every comment stays.
run 0 remove "https://a.example/rss" "https://offline.example/rss"
cat >"$tmp/want" <<EOF
# My feeds, a comment to keep

# slow ones
https://b.example/feed 2h
# Lantern headlines
$base/lantern.atom
# Harbour Gazette
$base/harbour.xml
EOF
check "remove: comments kept" "$tmp/want" "$tmp/feeds"
grep -q "^Removed 2 feeds from $tmp/feeds.$" "$tmp/out" || { echo "FAIL: remove output"; cat "$tmp/out"; fail=1; }
cp "$tmp/feeds" "$tmp/before"
run 1 remove "https://nowhere.example/rss"
echo "storywatch feeds: https://nowhere.example/rss is not in $tmp/feeds (see 'storywatch feeds list')" >"$tmp/want"
check "remove an unlisted feed" "$tmp/want" "$tmp/err"
check "remove an unlisted feed: list unchanged" "$tmp/before" "$tmp/feeds"

# import: the OPML's feeds not yet listed, their titles as comments.
run 0 import "$site/import.opml"
echo "Imported 2 feeds into $tmp/feeds (1 already listed)." >"$tmp/want"
head -n 1 "$tmp/out" >"$tmp/first"
check "import: output" "$tmp/want" "$tmp/first"
tail -n 4 "$tmp/feeds" >"$tmp/tail"
printf '# Harbour Gazette\nhttps://harbour.example/rss.xml\n# Wire & Co\nhttps://wire.example/atom\n' >"$tmp/want"
check "import: the new feeds" "$tmp/want" "$tmp/tail"

# export: OPML 2.0 with every feed, readable by the daemon's own reader,
# titled as the daemon last read them.
printf '%s/lantern.atom\n%s/harbour.xml\n' "$base" "$base" >"$tmp/local-feeds"
"${top_builddir:-.}/daemon/storywatchd" --once --config "$tmp/storywatch.conf" --feeds "$tmp/local-feeds" \
	--rules "$src/tests/integration/rules" >/dev/null 2>&1

# One voice (issue 11, finding 10): the event log carries the feed's title,
# status names each feed by it, and times are local (TZ) unless --utc.
grep -q "\"feed\":\"$base/lantern.atom\".*\"feed_title\":\"Lantern Wire\"}$" "$tmp/state/events.jsonl" ||
	{ echo "FAIL: no feed_title in the event log"; head -n 2 "$tmp/state/events.jsonl"; fail=1; }
TZ=UTC "$sw" status --state-dir "$tmp/state" >"$tmp/status.utc" 2>&1
grep -q "  Lantern Wire ($base/lantern.atom)$" "$tmp/status.utc" ||
	{ echo "FAIL: status does not name the feed by its title"; cat "$tmp/status.utc"; fail=1; }
TZ=JST-9 "$sw" status --state-dir "$tmp/state" --utc >"$tmp/status.out" 2>&1
check "status --utc under another TZ" "$tmp/status.utc" "$tmp/status.out"
TZ=JST-9 "$sw" status --state-dir "$tmp/state" >"$tmp/status.out" 2>&1
cmp -s "$tmp/status.utc" "$tmp/status.out" && { echo "FAIL: status ignores TZ"; fail=1; }
awk 'NR == 2 { exit !($1 ~ /^20[0-9][0-9]-[01][0-9]-[0-3][0-9]$/ && $2 ~ /^[0-2][0-9]:[0-5][0-9]:[0-5][0-9]$/) }' \
	"$tmp/status.utc" || { echo "FAIL: status time format"; cat "$tmp/status.utc"; fail=1; }

run 0 export
python3 - "$tmp/out" >"$tmp/opml" <<'EOF' || { echo "FAIL: export is not OPML 2.0"; fail=1; }
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "opml" and root.get("version") == "2.0", root.attrib
assert root.find("head/title") is not None and root.find("head/dateCreated") is not None
for o in root.iter("outline"):
    assert o.get("text"), o.attrib
    print(o.get("xmlUrl"), o.get("title") or "-")
EOF
cat >"$tmp/want" <<EOF
https://b.example/feed -
$base/lantern.atom Lantern Wire
$base/harbour.xml Harbour Gazette
https://harbour.example/rss.xml -
https://wire.example/atom -
EOF
check "export" "$tmp/want" "$tmp/opml"
"$sw" feeds --config "$tmp/storywatch.conf" --feeds "$tmp/round" import "$tmp/out" >/dev/null 2>&1 ||
	{ echo "FAIL: import of an export"; fail=1; }
"$sw" feeds --config "$tmp/storywatch.conf" --feeds "$tmp/round" list >"$tmp/round.list" 2>&1
"$sw" feeds --config "$tmp/storywatch.conf" --feeds "$tmp/feeds" list | sed 's/ 2h$//' >"$tmp/want"
check "export, then import: the same feeds" "$tmp/want" "$tmp/round.list"

# Without --feeds: the list next to the configuration, made on the first add;
# storywatch check reads the same file.
mkdir "$tmp/conf"
: >"$tmp/conf/storywatch.conf"
"$sw" feeds --config "$tmp/conf/storywatch.conf" add --no-fetch "https://d.example/rss" >/dev/null 2>"$tmp/err" ||
	{ echo "FAIL: add without --feeds"; cat "$tmp/err"; fail=1; }
grep -qx "https://d.example/rss" "$tmp/conf/feeds" || { echo "FAIL: add without --feeds: wrong file"; fail=1; }
"$sw" check --config "$tmp/conf/storywatch.conf" --rules "$src/tests/data/rules" >"$tmp/out" 2>&1 ||
	{ echo "FAIL: check after add"; cat "$tmp/out"; fail=1; }
grep -q "^$tmp/conf/feeds: 1 feed: OK" "$tmp/out" || { echo "FAIL: check does not see the new feed"; cat "$tmp/out"; fail=1; }

# An OPML feeds list belongs to the feed reader that wrote it.
cp "$site/import.opml" "$tmp/list.opml"
"$sw" feeds --config "$tmp/storywatch.conf" --feeds "$tmp/list.opml" add --no-fetch https://e.example/rss \
	>/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || { echo "FAIL: add to an OPML list exited $rc"; fail=1; }
cmp -s "$site/import.opml" "$tmp/list.opml" || { echo "FAIL: add changed an OPML list"; fail=1; }

# On a terminal, several feeds are offered and the one picked is added.
if python3 -c 'import pty' 2>/dev/null; then
	cp "$tmp/feeds" "$tmp/tty-feeds"
	"$sw" feeds --config "$tmp/storywatch.conf" --feeds "$tmp/tty-feeds" remove "$base/lantern.atom" >/dev/null
	python3 - "$sw" "$tmp" "$base" <<'EOF' >"$tmp/tty.out" 2>&1 || { echo "FAIL: add on a terminal"; cat "$tmp/tty.out"; fail=1; }
import os, pty, sys
sw, tmp, base = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv(sw, [sw, "feeds", "--config", tmp + "/storywatch.conf", "--feeds", tmp + "/tty-feeds",
                  "add", base + "/two.html"])
out = b""
while b"Add which feed?" not in out:
    out += os.read(fd, 1024)
os.write(fd, b"2\n")
try:
    while True:
        chunk = os.read(fd, 1024)
        if not chunk:
            break
        out += chunk
except OSError:
    pass
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode())
sys.exit(os.waitstatus_to_exitcode(status))
EOF
	tail -n 1 "$tmp/tty-feeds" | grep -qx "$base/lantern.atom" ||
		{ echo "FAIL: add on a terminal: the picked feed is not added"; cat "$tmp/tty.out"; fail=1; }
	grep -q "  1) $base/harbour.xml  (Harbour)" "$tmp/tty.out" ||
		{ echo "FAIL: add on a terminal: no numbered choice"; cat "$tmp/tty.out"; fail=1; }
fi

exit $fail
