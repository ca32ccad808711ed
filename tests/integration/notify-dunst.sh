#!/bin/sh
# notify-dunst.sh - notifications through notify.c reach a real server (dunst
# on Xvfb, on a private session bus) with the exact summary, escaped body and
# urgency; a burst folds into one summary; the default action opens the link
# without a shell; and without any session bus there is one warning, no crash.
#
# Skips (77) when Xvfb, dunst, dbus-run-session or python3 is missing, and
# after the no-bus case when built --without-libnotify.

set -u
prog=${NOTIFY_SEND_TEST:-./tests/integration/notify-send-test}

for tool in Xvfb dunst dunstctl dbus-run-session dbus-send python3 timeout; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool not installed"
		exit 77
	fi
done

fail() {
	echo "FAIL: $*"
	exit 1
}

# Outside: the no-bus case, then re-run this script inside a private bus.
if [ -z "${NOTIFY_DUNST_INNER:-}" ]; then
	err=$(mktemp) || exit 1
	out=$(env -u DBUS_SESSION_BUS_ADDRESS -u DISPLAY -u WAYLAND_DISPLAY \
		XDG_RUNTIME_DIR=/nonexistent timeout 30 "$prog" nobus 2>"$err")
	rc=$?
	warnings=$(cat "$err")
	rm -f "$err"
	[ $rc -eq 0 ] || fail "nobus: exit status $rc"
	[ "$out" = "still running" ] || fail "nobus: stdout '$out'"
	case "$warnings" in
	"warning: desktop notifications off: no D-Bus session bus or no notification server answers" |\
	"warning: desktop notifications off: built without libnotify") ;;
	*) fail "nobus: expected one warning, got: $warnings" ;;
	esac
	echo "ok: no session bus gives one warning"

	if ! "$prog" has-libnotify; then
		echo "SKIP: built without libnotify"
		exit 77
	fi

	NOTIFY_DUNST_INNER=1 timeout 90 dbus-run-session -- "$0" 2>&1
	exit $?
fi

tmp=$(mktemp -d) || exit 1
xvfb_pid= dunst_pid= prog_pid=
cleanup() {
	for pid in $prog_pid $dunst_pid $xvfb_pid; do
		kill "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# wait_for SECONDS COMMAND...: poll until the command succeeds.
wait_for() {
	n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

Xvfb -displayfd 9 -nolisten tcp -screen 0 800x600x24 9>"$tmp/display" >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
wait_for 20 test -s "$tmp/display" || fail "Xvfb did not start: $(cat "$tmp/xvfb.log")"
DISPLAY=:$(cat "$tmp/display")
export DISPLAY

# Distinct timeouts per urgency make the urgency visible in the history.
cat >"$tmp/dunstrc" <<'RC'
[global]
    markup = full
    notification_limit = 0
    sort = yes
    history_length = 50
    sticky_history = yes
    idle_threshold = 0
[urgency_low]
    timeout = 1001
[urgency_normal]
    timeout = 1002
[urgency_critical]
    timeout = 1003
RC
dunst -config "$tmp/dunstrc" >"$tmp/dunst.log" 2>&1 &
dunst_pid=$!

has_server() {
	dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications 2>/dev/null |
		grep -q 'boolean true'
}
wait_for 20 has_server || fail "dunst did not take org.freedesktop.Notifications: $(cat "$tmp/dunst.log")"

# xdg-open as the default action will run it: record its argv.
mkdir "$tmp/bin"
cat >"$tmp/bin/xdg-open" <<SH
#!/bin/sh
for a in "\$@"; do printf '%s\n' "\$a"; done >"$tmp/opened.part"
mv "$tmp/opened.part" "$tmp/opened"
SH
chmod +x "$tmp/bin/xdg-open"

PATH="$tmp/bin:$PATH" "$prog" send "$tmp/done" >"$tmp/out" 2>"$tmp/err" &
prog_pid=$!
wait_for 20 grep -q '^sent$' "$tmp/out" || fail "sender: $(cat "$tmp/out" "$tmp/err")"

shown() {
	[ "$(dunstctl count displayed)" -eq "$1" ] && [ "$(dunstctl count waiting)" -eq 0 ]
}
wait_for 20 shown 3 || fail "expected 3 notifications on screen, have $(dunstctl count displayed)"

# The critical one sorts first: click it.
dunstctl action 0
wait_for 20 test -f "$tmp/opened" || fail "the default action did not run xdg-open"
touch "$tmp/done"
wait "$prog_pid"
rc=$?
prog_pid=
[ $rc -eq 0 ] || fail "sender exit status $rc: $(cat "$tmp/err")"

printf 'event 0: 1\nevent 1: 1\nevent 2: 0\nevent 3: 0\nevent 4: 0\nflush early: 0\nflush: 1\nsent\n' >"$tmp/out.expected"
diff -u "$tmp/out.expected" "$tmp/out" || fail "sender output"
printf 'https://example.org/talks?a=1&b=2\n' >"$tmp/opened.expected"
diff -u "$tmp/opened.expected" "$tmp/opened" || fail "xdg-open argv"

all_closed() {
	dunstctl close-all
	shown 0
}
wait_for 20 all_closed || fail "notifications did not close"
dunstctl history >"$tmp/history.json" || fail "dunstctl history"

python3 - "$tmp/history.json" <<'PY' || fail "history"
import json, sys

hist = json.load(open(sys.argv[1]))["data"][0]
got = sorted(
    (n["summary"]["data"], n["body"]["data"], n["timeout"]["data"] // 1000000)
    for n in hist if n["appname"]["data"] == "storywatch-test")
want = sorted([
    ("Ceasefire talks",
     "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;a href=&quot;https://evil.example/&quot;&gt;"
     "click&lt;/a&gt; &#39;q&#39;\nTest Wire",
     1003),
    ("Energy truce", "Power grid strikes paused\nExample News", 1001),
    ("3 more updates on Ceasefire talks", "Fifth report &lt;i&gt;\nWire 5", 1002),
])
if got != want:
    print("got: ", json.dumps(got, indent=1))
    print("want:", json.dumps(want, indent=1))
    sys.exit(1)
PY
echo "ok: dunst shows escaped bodies, urgencies, one summary for the burst, and opens the link"
exit 0
