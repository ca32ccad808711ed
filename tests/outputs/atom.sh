#!/bin/sh
# storywatch feed on our own event log: valid Atom 1.0 that feedparser reads
# with bozo 0 and storywatch parse reads back, with the same entries; and
# atom_entries keeps only the latest.
set -eu
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
top_builddir=${top_builddir:-.}
sw=${STORYWATCH:-$top_builddir/daemon/storywatch}
py_modules=feedparser
. "$top_srcdir/tests/outputs/find-python.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log="$top_srcdir/tests/data/outputs/events.jsonl"
mkdir "$tmp/etc"
: > "$tmp/etc/storywatch.conf"
printf '[outputs]\natom_entries = 2\n' > "$tmp/two.conf"

fail=0
"$sw" feed --config "$tmp/etc/storywatch.conf" --event-log "$log" > "$tmp/h.atom"
"$sw" parse "$tmp/h.atom" > "$tmp/h.jsonl"
"$py" "$top_srcdir/tests/outputs/check-atom.py" "$tmp/h.atom" "$tmp/h.jsonl" 3 || fail=1

"$sw" feed --config "$tmp/two.conf" --event-log "$log" --storyline harbour-talks > "$tmp/two.atom"
"$sw" parse "$tmp/two.atom" > "$tmp/two.jsonl"
"$py" "$top_srcdir/tests/outputs/check-atom.py" "$tmp/two.atom" "$tmp/two.jsonl" 2 || fail=1

# Hostile headlines stay text: still well-formed, nothing but our elements.
"$sw" feed --config "$tmp/etc/storywatch.conf" --event-log "$top_srcdir/tests/data/outputs/hostile.jsonl" > "$tmp/evil.atom"
"$py" - "$tmp/evil.atom" <<'PY' || fail=1
import sys, xml.etree.ElementTree as ET
import feedparser
d = feedparser.parse(sys.argv[1])
tags = {el.tag for el in ET.parse(sys.argv[1]).iter()}
ours = {"{http://www.w3.org/2005/Atom}" + t for t in
        "feed id title subtitle updated author name generator entry link published category content".split()}
bad = [f"bozo {d.bozo_exception!r}"] if d.bozo else []
bad += [f"element {t}" for t in tags - ours]
bad += [f"javascript link {e.link}" for e in d.entries if e.get("link", "").startswith("javascript")]
if [e.title for e in d.entries][-1] != "<script>document.title='x'</script>Talks resume at dawn":
    bad.append("the script title was not kept as text")
for b in bad:
    print("FAIL: hostile feed:", b)
if not bad:
    print("ok: hostile titles stay text in the Atom feed")
sys.exit(1 if bad else 0)
PY

# Two storylines and none named: a clear error, not a guess.
if "$sw" feed --config "$tmp/etc/storywatch.conf" --event-log "$top_srcdir/tests/data/log/events.jsonl" \
	> /dev/null 2> "$tmp/err"; then
	echo "FAIL: storywatch feed picked one of two storylines"; fail=1
fi
grep -q "use --storyline NAME" "$tmp/err" || { echo "FAIL: no hint:"; cat "$tmp/err"; fail=1; }
exit $fail
