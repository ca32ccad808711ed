#!/bin/sh
# A rule's exec hook: run without a shell for a notification, the event JSON
# on its stdin; not run for logged items.
set -eu
command -v python3 >/dev/null 2>&1 || { echo "no python3"; exit 77; }
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
swd=${STORYWATCHD:-$top_builddir/daemon/storywatchd}
tmp=$(mktemp -d)
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/www" "$tmp/rules"
cp "$top_srcdir/tests/data/storyline/headlines.xml" "$tmp/www/feed.xml"
cat > "$tmp/rules/hook.rules" <<RULES
storyline s {
	title "Hook test"
	notify at 1
	log at 1
}
rule exchange {
	storyline s
	match prisoners NEAR/6 swap
	exec "/usr/bin/tee" "-a" "$tmp/hook.out"
	timeout 5s
}
rule context {
	storyline s
	action log
	match Kharkiv
	exec "/usr/bin/tee" "-a" "$tmp/context.out"
}
RULES

python3 "$top_srcdir/tests/serve-dir.py" "$tmp/www" > "$tmp/port" &
server=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
echo "http://127.0.0.1:$(cat "$tmp/port")/feed.xml" > "$tmp/feeds"

no_proxy=127.0.0.1 "$swd" --once --feeds "$tmp/feeds" --rules "$tmp/rules" \
	--state-dir "$tmp/state" --event-log "$tmp/events.jsonl" --no-notify 2> "$tmp/stderr"

fail=0
if [ "$(wc -l < "$tmp/hook.out")" -ne 1 ]; then
	echo "FAIL: the hook ran $(wc -l < "$tmp/hook.out") times, not once"; fail=1
fi
grep -q '"event":"match".*"title":"Kyiv and Moscow trade 300 prisoners of war in UAE-brokered swap".*"rules":\["exchange"\].*"action":"notify"' "$tmp/hook.out" || {
	echo "FAIL: the hook did not get the event:"; cat "$tmp/hook.out"; fail=1; }
[ -e "$tmp/context.out" ] && { echo "FAIL: a logged item ran its hook"; fail=1; }
grep -q 'rule exchange: /usr/bin/tee: {' "$tmp/stderr" || {
	echo "FAIL: the hook's output was not logged:"; cat "$tmp/stderr"; fail=1; }
[ $fail -eq 0 ] && echo "ok: the hook ran once with the event on stdin"
exit $fail
