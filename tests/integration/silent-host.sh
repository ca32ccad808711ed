#!/bin/sh
# A silent host costs one timeout per cycle: 200 healthy feeds and 20 feeds on
# a host that accepts connections and never answers; storywatchd --once must
# finish within the configured timeout + 10 s (and less than two timeouts),
# every silent feed failed with the timeout and in backoff, every healthy one
# read.
set -eu
command -v python3 >/dev/null 2>&1 || { echo "no python3"; exit 77; }
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
swd=${STORYWATCHD:-$top_builddir/daemon/storywatchd}
sw=${STORYWATCH:-$top_builddir/daemon/storywatch}
tmp=$(mktemp -d)
server= silent=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null || true
	[ -n "$silent" ] && kill "$silent" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

timeout=${SILENT_TIMEOUT:-5}
mkdir -p "$tmp/www"
cp "$top_srcdir/tests/integration/data/harbour.xml" "$tmp/www/feed.xml"
python3 "$top_srcdir/tests/serve-dir.py" "$tmp/www" > "$tmp/port" &
server=$!
# Accepts every connection and never says a word.
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(128)
print(s.getsockname()[1], flush=True)
held = []
while True:
    c, _ = s.accept()
    held.append(c)
' > "$tmp/silent-port" &
silent=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && [ -s "$tmp/silent-port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port") sport=$(cat "$tmp/silent-port")

: > "$tmp/feeds"
for i in $(seq 200); do
	echo "http://127.0.0.1:$port/feed.xml?n=$i" >> "$tmp/feeds"
	# the silent host's feeds among the others, as a real list has them
	[ $((i % 10)) -eq 0 ] && echo "http://127.0.0.1:$sport/feed-$i.xml" >> "$tmp/feeds"
done
cat > "$tmp/storywatch.conf" <<CONF
[poll]
timeout = ${timeout}s
connect_timeout = ${timeout}s
low_speed_time = ${timeout}s
CONF

start=$(date +%s.%N)
no_proxy=127.0.0.1 "$swd" --once --config "$tmp/storywatch.conf" --feeds "$tmp/feeds" \
	--rules "$top_srcdir/tests/integration/rules" --state-dir "$tmp/state" \
	--event-log "$tmp/events.jsonl" --no-notify 2> "$tmp/err" || { cat "$tmp/err"; fail "storywatchd --once"; }
end=$(date +%s.%N)
elapsed=$(echo "$start $end" | awk '{ printf "%.1f", $2 - $1 }')
echo "200 healthy feeds + 20 on a silent host: ${elapsed}s with timeout = ${timeout}s"
tail -n 1 "$tmp/err"
awk -v e="$elapsed" -v t="$timeout" 'BEGIN { exit !(e <= t + 10) }' ||
	fail "took ${elapsed}s, more than timeout + 10 s"
# One timeout, not one per pair of connections the host allows (which libcurl's
# total timeout would cut at twice the timeout).
awk -v e="$elapsed" -v t="$timeout" 'BEGIN { exit !(e < 2 * t) }' ||
	fail "took ${elapsed}s: the silent host cost more than one timeout"
grep -q "storywatchd: 200 ok, 0 not modified, 20 failed, 0 skipped" "$tmp/err" ||
	{ cat "$tmp/err"; fail "the summary is not 200 ok and 20 failed"; }

"$sw" status --state-dir "$tmp/state" --json > "$tmp/status"
n=$(grep -c "\"feed\":\"http://127.0.0.1:$sport/.*\"error_streak\":1,\"last_error\":\"[^\"]*[Tt]imed\\{0,1\\} out" "$tmp/status" || true)
[ "$n" -eq 20 ] || { grep "$sport" "$tmp/status"; fail "$n silent feeds recorded the timeout, expected 20"; }
n=$(grep -c "\"feed\":\"http://127.0.0.1:$port/.*\"error_streak\":0" "$tmp/status" || true)
[ "$n" -eq 200 ] || fail "$n healthy feeds read, expected 200"
echo "ok: a silent host cost one timeout"
