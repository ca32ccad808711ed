#!/bin/sh
# storywatchd --once against a local server keeps STATE_DIR/STORYLINE.atom:
# one entry per notified development of the log, read back with bozo 0; a
# later poll that updates an item moves its <updated>; atom = no writes none.
set -eu
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
top_builddir=${top_builddir:-.}
swd=${STORYWATCHD:-$top_builddir/daemon/storywatchd}
sw=${STORYWATCH:-$top_builddir/daemon/storywatch}
py_modules=feedparser
. "$top_srcdir/tests/outputs/find-python.sh"
tmp=$(mktemp -d)
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/www" "$tmp/rules" "$tmp/off"
cat > "$tmp/rules/harbour.rules" <<'RULES'
storyline harbour {
	title "Harbour talks"
	notify at 2
	log at 1
}
rule talks {
	storyline harbour
	weight 2
	match mediation OR mediator
}
rule port {
	storyline harbour
	weight 1
	match harbour
}
RULES
feed() {
	cat > "$tmp/www/feed.xml" <<XML
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Quay Gazette</title><link>https://quay.example/</link>
<item><guid>quay-1</guid><title>$1</title><link>https://quay.example/1</link>
<pubDate>Wed, 02 Apr 2025 08:00:00 GMT</pubDate></item>
<item><guid>quay-2</guid><title>Mediator tables a wage offer &amp; a no-strike pledge</title>
<link>https://quay.example/2</link><pubDate>Wed, 02 Apr 2025 09:00:00 GMT</pubDate></item>
<item><guid>quay-3</guid><title>Harbour cafes report a quiet week</title>
<link>https://quay.example/3</link><pubDate>Wed, 02 Apr 2025 10:00:00 GMT</pubDate></item>
<item><guid>quay-4</guid><title>Lighthouse repainted in red</title>
<link>https://quay.example/4</link><pubDate>Wed, 02 Apr 2025 11:00:00 GMT</pubDate></item>
</channel></rss>
XML
	# Last-Modified has whole seconds: each version a newer one, or a
	# rewrite within the second of the last poll is answered 304.
	version=$((${version:-0} + 1))
	touch -d "2025-04-0$version 11:00:00" "$tmp/www/feed.xml"
}
feed "Dockers and port authority agree to mediation"

python3 "$top_srcdir/tests/serve-dir.py" "$tmp/www" > "$tmp/port" &
server=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
echo "http://127.0.0.1:$(cat "$tmp/port")/feed.xml" > "$tmp/feeds"
: > "$tmp/empty.conf"
printf '[outputs]\natom = no\n' > "$tmp/off/storywatch.conf"

run() {
	STORYWATCH_EVAL_TIME=$1 no_proxy=127.0.0.1 "$swd" --once --config "$2" --feeds "$tmp/feeds" \
		--rules "$tmp/rules" --state-dir "$3" --event-log "$3/events.jsonl" --no-notify 2>> "$tmp/stderr"
}

fail=0
run 2025-04-02T12:00:00Z "$tmp/empty.conf" "$tmp/state"
atom="$tmp/state/harbour.atom"
[ -f "$atom" ] || { echo "FAIL: no $atom"; cat "$tmp/stderr"; exit 1; }
ls -a "$tmp/state" | grep -q '^\.harbour\.atom\.' && { echo "FAIL: a temporary file was left"; fail=1; }
cp "$atom" "$tmp/first.atom"

feed "Dockers and port authority agree to mediation from Monday"
run 2025-04-03T12:00:00Z "$tmp/empty.conf" "$tmp/state"

"$sw" parse "$atom" > "$tmp/parsed.jsonl"
"$py" - "$tmp/first.atom" "$atom" "$tmp/state/events.jsonl" "$tmp/parsed.jsonl" <<'PY' || fail=1
import json, sys
import feedparser
first, atom, log, parsed = sys.argv[1:5]
events = [json.loads(l) for l in open(log)]
devs = [e for e in events if e.get("event") == "match" and e.get("action") == "notify"
        and e.get("duplicate_of") is None]
updates = [e for e in events if e.get("event") == "update"]
bad = []
d, d1 = feedparser.parse(atom), feedparser.parse(first)
if d.bozo or d1.bozo:
    bad.append(f"bozo: {d.get('bozo_exception')!r} {d1.get('bozo_exception')!r}")
if not devs:
    bad.append("no development notified")
if sorted(e.title for e in d.entries) != sorted(e["title"] for e in devs):
    bad.append(f"entries {[e.title for e in d.entries]} for {[e['title'] for e in devs]}")
if len({e.id for e in d.entries}) != len(d.entries):
    bad.append("entry ids repeat")
if [e.id for e in d1.entries] != [e.id for e in d.entries]:
    bad.append("entry ids changed between polls")
if not updates:
    bad.append("the changed title made no update event")
for e, e1 in zip(d.entries, d1.entries):
    moved = e.updated != e1.updated
    want = any(u["id"] == "quay-1" for u in updates) and e.link == "https://quay.example/1"
    if moved != want:
        bad.append(f"{e.link}: <updated> {e1.updated} -> {e.updated}")
if len([l for l in open(parsed) if l.strip()]) != len(devs):
    bad.append("storywatch parse reads a different number of entries")
for b in bad:
    print("FAIL:", b)
if not bad:
    print(f"ok: {len(devs)} developments, {len(d.entries)} entries; the update moved <updated>")
sys.exit(1 if bad else 0)
PY

# storywatch feed prints the same document.
"$sw" feed --config "$tmp/empty.conf" --event-log "$tmp/state/events.jsonl" > "$tmp/printed.atom"
cmp -s "$tmp/printed.atom" "$atom" || { echo "FAIL: storywatch feed differs from $atom"; fail=1; }

run 2025-04-02T12:00:00Z "$tmp/off/storywatch.conf" "$tmp/state-off"
[ -s "$tmp/state-off/events.jsonl" ] || { echo "FAIL: atom = no: no events"; fail=1; }
[ -e "$tmp/state-off/harbour.atom" ] && { echo "FAIL: atom = no wrote a feed"; fail=1; }
[ $fail -eq 0 ] && echo "ok: the daemon keeps the Atom feed"
exit $fail
