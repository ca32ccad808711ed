#!/bin/sh
# storywatch explain against a real state file: two feeds served from
# 127.0.0.1 are polled twice by storywatchd --once; then for every item
# explain must give the action and duplicate_of of the item's last event in
# the event log, and "ignore" for the items the log never names; and the
# record must say what capped each item (first-poll age, duplicate, retitle,
# a rule's limit, a veto).  Missing items: exit 1, pruned or never seen.
set -eu
command -v python3 >/dev/null 2>&1 || { echo "no python3"; exit 77; }
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)
swd=${STORYWATCHD:-$top_builddir/daemon/storywatchd}
sw=${STORYWATCH:-$top_builddir/daemon/storywatch}
data=$top_srcdir/tests/integration/explain
tmp=$(mktemp -d)
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkdir -p "$tmp/www" "$tmp/rules" "$tmp/state"
cp "$data/tram.rules" "$tmp/rules/"
cp "$data/citydesk-1.xml" "$tmp/www/citydesk.xml"
cp "$data/wire-1.atom" "$tmp/www/wire.atom"
# Last-Modified has whole seconds: the second version must be newer.
touch -d "2025-06-02 11:00:00" "$tmp/www/citydesk.xml" "$tmp/www/wire.atom"
python3 "$top_srcdir/tests/serve-dir.py" "$tmp/www" > "$tmp/port" &
server=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port")
[ -n "$port" ] || fail "the server did not start"
printf 'http://127.0.0.1:%s/citydesk.xml\nhttp://127.0.0.1:%s/wire.atom\n' "$port" "$port" > "$tmp/feeds"
conf=$tmp/storywatch.conf
cat > "$conf" <<CONF
[daemon]
state_dir = $tmp/state
rules = $tmp/rules
feeds = $tmp/feeds
notify = no
CONF
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/cfg" XDG_STATE_HOME="$tmp/xdg-state" TZ=UTC
unset STATE_DIRECTORY || true
export no_proxy=127.0.0.1

STORYWATCH_EVAL_TIME=2025-06-02T12:00:00Z "$swd" --config "$conf" --once 2>"$tmp/d1.err" ||
	{ cat "$tmp/d1.err"; fail "storywatchd --once (first poll)"; }
# The second poll: a live page retitled, a summary changed.
cp "$data/citydesk-2.xml" "$tmp/www/citydesk.xml"
touch -d "2025-06-02 13:00:00" "$tmp/www/citydesk.xml"
STORYWATCH_EVAL_TIME=2025-06-02T14:00:00Z "$swd" --config "$conf" --once 2>"$tmp/d2.err" ||
	{ cat "$tmp/d2.err"; fail "storywatchd --once (second poll)"; }

# Every item, by its id, against the log.
python3 - "$sw" "$conf" "$tmp/state/events.jsonl" <<'PY' || exit 1
import json, subprocess, sys

sw, conf, log = sys.argv[1:4]
ids = ["citydesk-%d" % i for i in range(1, 7)] + ["tag:wire.test,2025:w1", "tag:wire.test,2025:w2"]
last = {}
for line in open(log, encoding="utf-8"):
    e = json.loads(line)
    if e["event"] in ("match", "update"):
        last[e["id"]] = e
failed = False

def explain(what, *opts):
    p = subprocess.run([sw, "explain", "--config", conf, *opts, what], capture_output=True, text=True)
    if p.returncode != 0:
        print("FAIL explain %s: exit %d: %s" % (what, p.returncode, p.stderr))
        sys.exit(1)
    return p.stdout

got = {}
for i in ids:
    lines = explain(i, "--json").splitlines()
    if len(lines) != 1:
        print("FAIL %s: %d items" % (i, len(lines)))
        failed = True
        continue
    x = got[i] = json.loads(lines[0])
    e = last.get(i)
    want = (e["action"], e["duplicate_of"], e["event"]) if e else ("ignore", None, None)
    have = (x["action"], x["duplicate_of"], x["event"])
    if have != want:
        print("FAIL %s: explain says %s, the log %s" % (i, have, want))
        failed = True
    else:
        print("ok %s: %s" % (i, have[0]))
    text = explain(i)
    if want[0] == "ignore" and "\n  ignored\n" not in text:
        print("FAIL %s: the text does not say ignored:\n%s" % (i, text))
        failed = True

# Each step the daemon took, on the item it was made for.
def expect(i, cond, what):
    global failed
    if not cond:
        print("FAIL %s: %s: %s" % (i, what, json.dumps(got.get(i))))
        failed = True

c1, c2, c3, c4, c5, c6 = (got["citydesk-%d" % n] for n in range(1, 7))
w1, w2 = got["tag:wire.test,2025:w1"], got["tag:wire.test,2025:w2"]
expect("citydesk-1", c1["event"] == "update" and c1["cap"] == "cosmetic_retitle", "a cosmetic retitle")
expect("citydesk-2", c2["event"] == "update" and c2["action"] == "log" and c2["cap"] is None, "a logged update")
expect("citydesk-3", c3["storyline"] is None and c3["hits"] == [], "nothing matched")
expect("citydesk-4", any(h["name"] == "football" and h["action"] == "ignore" for h in c4["hits"]), "the veto")
expect("citydesk-5", any(h["name"] == "opinion" and h["limit"] == "log" for h in c5["hits"])
       and c5["score"] >= c5["notify_at"] and c5["action"] == "log", "the limit")
expect("citydesk-6", c6["cap"] == "notify_max_age" and c6["action"] == "log", "the first poll's age")
expect("w1", w1["cap"] == "duplicate" and w1["duplicate_of"] == "citydesk-1"
       and w1["similarity"] >= 0.5 and "actor Oduya" in w1["shared"], "a duplicate")
expect("w2", w2["action"] == "ignore" and w2["score"] < w2["log_at"]
       and [h["name"] for h in w2["hits"]] == ["place Velden"], "below the log threshold")
expect("w2", w2["evidence"] == [{"rule": "place Velden", "term": "Velden", "field": "title", "position": 4}],
       "the words of an ignored item")
expect("citydesk-4", [(e["rule"], e["term"]) for e in c4["evidence"]] == [("football", "football")],
       "a veto's first word only")
sys.exit(1 if failed else 0)
PY

# The text: the steps in order, with words, fields and thresholds.
"$sw" explain --config "$conf" tag:wire.test,2025:w1 > "$tmp/w1.txt" || fail "explain w1"
for want in "Tram drivers strike halts Velden night line, Oduya says" \
	    "  feed: Wire Service (http://127.0.0.1:$port/wire.atom)" \
	    "  action: log" \
	    "notify at 4, log at 2): notify by score" \
	    "  +3 rule trams [notify]" \
	    "      tram*: title, word 1" \
	    "  capped at log: a duplicate of a development already notified" \
	    "  duplicate of citydesk-1: similarity " \
	    "  both say: " ; do
	grep -qF -- "$want" "$tmp/w1.txt" || { cat "$tmp/w1.txt"; fail "explain w1: no '$want'"; }
done
"$sw" explain --config "$conf" citydesk-4 | grep -qx "  rule football says ignore: ignored whatever the score" ||
	fail "explain citydesk-4: the veto"
"$sw" explain --config "$conf" citydesk-5 | grep -qx "  rule opinion has limit log: at most log" ||
	fail "explain citydesk-5: the limit"
"$sw" explain --config "$conf" citydesk-3 | grep -qx "  no rule or fact matched: ignore" ||
	fail "explain citydesk-3: nothing matched"

# By link: an Atom entry whose id is not its link, and an ignored item.
"$sw" explain --config "$conf" --json https://wire.test/w2 | grep -q '"id":"tag:wire.test,2025:w2"' ||
	fail "explain by link (Atom)"
"$sw" explain --config "$conf" --json https://citydesk.test/2025/06/bread-prize | grep -q '"action":"ignore"' ||
	fail "explain by link (ignored)"

# Not found: exit 1; the event log tells a pruned item from one never seen.
set +e
"$sw" explain --config "$conf" https://citydesk.test/never > "$tmp/out" 2> "$tmp/err"
rc=$?
set -e
[ $rc -eq 1 ] && [ ! -s "$tmp/out" ] && grep -q "no such item in $tmp/state/state.db: never seen" "$tmp/err" ||
	{ cat "$tmp/err"; fail "explain of an unknown item: exit $rc"; }
printf '{"seq":999,"time":"2025-04-01T10:00:00Z","event":"match","feed":"x","id":"gone-1","title":"Old","link":null,"action":"log","duplicate_of":null}\n' \
	>> "$tmp/state/events.jsonl"
set +e
"$sw" explain --config "$conf" gone-1 > "$tmp/out" 2> "$tmp/err"
rc=$?
set -e
[ $rc -eq 1 ] && grep -q "gone-1: pruned from $tmp/state/state.db: the event log has it (match log, seq 999" "$tmp/err" ||
	{ cat "$tmp/err"; fail "explain of a pruned item: exit $rc"; }
printf '{"seq":7,"time":"2025-04-02T10:00:00Z","event":"update","feed":"x","id":"gone-2","title":"Old","link":null,"action":"notify","duplicate_of":null}\n' \
	> "$tmp/other.jsonl"
set +e
"$sw" explain --config "$conf" --event-log "$tmp/other.jsonl" gone-2 > "$tmp/out" 2> "$tmp/err"
rc=$?
set -e
[ $rc -eq 1 ] && grep -q "gone-2: pruned from .*(update notify, seq 7" "$tmp/err" ||
	{ cat "$tmp/err"; fail "explain --event-log of a pruned item: exit $rc"; }
set +e
"$sw" explain --config "$conf" > /dev/null 2>&1
rc=$?
set -e
[ $rc -eq 2 ] || fail "explain without an argument: exit $rc, not 2"
echo "ok explain"
