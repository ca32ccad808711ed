#!/bin/sh
# One lookup of the instance for the daemon and every command: with state_dir,
# rules and feeds set in the user's configuration, storywatchd --once writes
# there and status, log, match, feed, report, digest and feeds read there; --config FILE does the same;
# --system names /var/lib/storywatch; -v says which files are read.
set -eu
command -v python3 >/dev/null 2>&1 || { echo "no python3"; exit 77; }
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
swd=${STORYWATCHD:-$top_builddir/daemon/storywatchd}
sw=${STORYWATCH:-$top_builddir/daemon/storywatch}
tmp=$(mktemp -d)
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkdir -p "$tmp/www" "$tmp/cfg/storywatch" "$tmp/myrules"
cp "$top_srcdir/tests/data/storyline/headlines.xml" "$tmp/www/feed.xml"
cat > "$tmp/myrules/mine.rules" <<'RULES'
storyline mine {
	notify at 1
	log at 1
}
rule only-in-my-rules {
	storyline mine
	match prisoners NEAR/6 swap
}
RULES
python3 "$top_srcdir/tests/serve-dir.py" "$tmp/www" > "$tmp/port" &
server=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port")
echo "http://127.0.0.1:$port/feed.xml" > "$tmp/cfg/storywatch/feeds"
conf="$tmp/cfg/storywatch/storywatch.conf"
cat > "$conf" <<CONF
[daemon]
state_dir = $tmp/x
rules = $tmp/myrules
notify = no
CONF

# Nothing of the test may leak into the real home or /var/lib.
export XDG_CONFIG_HOME="$tmp/cfg" XDG_STATE_HOME="$tmp/xdg-state" HOME="$tmp/home"
unset STATE_DIRECTORY || true
export no_proxy=127.0.0.1

"$swd" --once --user 2>"$tmp/daemon.err" || { cat "$tmp/daemon.err"; fail "storywatchd --once --user"; }
[ -f "$tmp/x/state.db" ] || fail "the daemon did not write the configured state_dir"
[ ! -e "$tmp/xdg-state/storywatch" ] || fail "the daemon wrote the XDG state directory"

"$sw" status --user > "$tmp/status" 2>"$tmp/err" || { cat "$tmp/err"; fail "status --user"; }
grep -q "127.0.0.1:$port/feed.xml" "$tmp/status" || { cat "$tmp/status"; fail "status --user did not read $tmp/x"; }

"$sw" log --user --json > "$tmp/log" 2>"$tmp/err" || { cat "$tmp/err"; fail "log --user"; }
grep -q '"rules":\["only-in-my-rules"\]' "$tmp/log" || { cat "$tmp/log"; fail "log --user did not read $tmp/x/events.jsonl"; }

"$sw" match --user "$tmp/www/feed.xml" > "$tmp/match" 2>"$tmp/err" || { cat "$tmp/err"; fail "match --user"; }
grep -q 'only-in-my-rules' "$tmp/match" || { head "$tmp/match"; fail "match --user did not use the configured rules"; }

# So do feed, report and digest.
for cmd in feed report digest; do
	"$sw" $cmd --user -v > "$tmp/$cmd.out" 2>"$tmp/err" || { cat "$tmp/err"; fail "$cmd --user"; }
	grep -q "storywatch $cmd: event log: $tmp/x/events.jsonl" "$tmp/err" ||
		{ cat "$tmp/err"; fail "$cmd --user did not read $tmp/x/events.jsonl"; }
	grep -q "mine" "$tmp/$cmd.out" || { head "$tmp/$cmd.out"; fail "$cmd --user did not find the storyline"; }
done

"$sw" feeds --user -v list > "$tmp/feeds.out" 2>"$tmp/err" || { cat "$tmp/err"; fail "feeds --user list"; }
grep -q "storywatch feeds: feeds: $tmp/cfg/storywatch/feeds" "$tmp/err" || { cat "$tmp/err"; fail "feeds -v does not name the list"; }
grep -qx "http://127.0.0.1:$port/feed.xml" "$tmp/feeds.out" || { cat "$tmp/feeds.out"; fail "feeds --user list"; }

# --config FILE names the same instance from anywhere.
mv "$tmp/cfg" "$tmp/elsewhere"
conf="$tmp/elsewhere/storywatch/storywatch.conf"
"$sw" status --config "$conf" > "$tmp/status2" 2>"$tmp/err" || { cat "$tmp/err"; fail "status --config"; }
cmp -s "$tmp/status" "$tmp/status2" || fail "status --config differs from status --user"
"$sw" log --config "$conf" --json > "$tmp/log2" || fail "log --config"
cmp -s "$tmp/log" "$tmp/log2" || fail "log --config differs from log --user"
"$sw" check --config "$conf" -v > /dev/null 2>"$tmp/verbose" || fail "check --config"
grep -q "rules: $tmp/myrules" "$tmp/verbose" || { cat "$tmp/verbose"; fail "check -v does not name the rules"; }

# -v names the files read.
"$sw" log --config "$conf" -v --json > /dev/null 2>"$tmp/verbose" || fail "log -v"
grep -q "config: $conf" "$tmp/verbose" || { cat "$tmp/verbose"; fail "-v does not name the config file"; }
grep -q "event log: $tmp/x/events.jsonl" "$tmp/verbose" || { cat "$tmp/verbose"; fail "-v does not name the event log"; }

# --system is the service's instance, whoever asks.
"$sw" status --system -v > /dev/null 2>"$tmp/verbose" || true
grep -q "system instance" "$tmp/verbose" && grep -q "state directory: /var/lib/storywatch" "$tmp/verbose" ||
	{ cat "$tmp/verbose"; fail "--system does not name /var/lib/storywatch"; }
# Root's default is the system instance, everyone else's their own.
"$sw" status -v > /dev/null 2>"$tmp/verbose" || true
if [ "$(id -u)" = 0 ]; then want="system instance"; else want="user instance"; fi
grep -q "$want" "$tmp/verbose" || { cat "$tmp/verbose"; fail "default instance is not the $want"; }
echo "ok: storywatchd and storywatch status, log, match, check, feed, report, digest and feeds read one instance"
