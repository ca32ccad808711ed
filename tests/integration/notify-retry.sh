#!/bin/sh
# notify-retry.sh - storywatchd started before the session's notification
# server: it warns once, keeps the notifications that were due, and on SIGHUP
# (or the next one due, at most once a minute) finds the server (dunst on
# Xvfb, on a private session bus without D-Bus activation) and shows them.
#
# Skips (77) when Xvfb, dunst, dunstctl, dbus-run-session or python3 is
# missing, or when built --without-libnotify.
set -u
for tool in Xvfb dunst dunstctl dbus-run-session dbus-daemon dbus-send python3 timeout; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool not installed"
		exit 77
	fi
done
fail() {
	echo "FAIL: $*"
	exit 1
}
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
swd=${STORYWATCHD:-$top_builddir/daemon/storywatchd}
swd=$(cd "$(dirname "$swd")" && pwd)/$(basename "$swd")
prog=${NOTIFY_SEND_TEST:-${top_builddir:-.}/tests/integration/notify-send-test}

if [ -z "${NOTIFY_RETRY_INNER:-}" ]; then
	if [ -x "$prog" ] && ! "$prog" has-libnotify; then
		echo "SKIP: built without libnotify"
		exit 77
	fi
	conf=$(mktemp) || exit 1
	# A session bus that starts nothing by itself: no service directories,
	# so no notification server until the test starts one.
	cat >"$conf" <<'XML'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
XML
	NOTIFY_RETRY_INNER=1 STORYWATCHD="$swd" timeout 90 \
		env -u DISPLAY -u WAYLAND_DISPLAY dbus-run-session --config-file="$conf" -- "$0" 2>&1
	rc=$?
	rm -f "$conf"
	exit $rc
fi

tmp=$(mktemp -d) || exit 1
xvfb_pid= dunst_pid= swd_pid= server=
cleanup() {
	for pid in $swd_pid $dunst_pid $xvfb_pid $server; do
		kill "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
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

mkdir -p "$tmp/www"
cp "$top_srcdir/tests/integration/data/harbour.xml" "$tmp/www/feed.xml"
python3 "$top_srcdir/tests/serve-dir.py" "$tmp/www" > "$tmp/port" &
server=$!
wait_for 10 test -s "$tmp/port" || fail "no HTTP server"
echo "http://127.0.0.1:$(cat "$tmp/port")/feed.xml" > "$tmp/feeds"

Xvfb -displayfd 9 -nolisten tcp -screen 0 800x600x24 9>"$tmp/display" >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
wait_for 20 test -s "$tmp/display" || fail "Xvfb did not start: $(cat "$tmp/xvfb.log")"
DISPLAY=:$(cat "$tmp/display")
export DISPLAY

# No notification server yet: the daemon polls, logs two notify events and
# cannot show them.  The clock is the feed's morning, so that its items are
# news on this first poll (notify_max_age).
no_proxy=127.0.0.1 HOME="$tmp" STORYWATCH_EVAL_TIME=2025-03-18T10:00:00Z "$swd" --user --feeds "$tmp/feeds" \
	--rules "$top_srcdir/tests/integration/rules" --state-dir "$tmp/state" 2>"$tmp/swd.err" &
swd_pid=$!
notified() { [ "$(grep -c '"action":"notify"' "$tmp/state/events.jsonl" 2>/dev/null)" = 2 ]; }
wait_for 20 notified || fail "no notify events: $(cat "$tmp/swd.err")"
grep -q "desktop notifications off: no D-Bus session bus or no notification server answers; trying again when a notification is due (at most once a minute) and on SIGHUP" "$tmp/swd.err" ||
	fail "no warning: $(cat "$tmp/swd.err")"

cat >"$tmp/dunstrc" <<'RC'
[global]
    notification_limit = 0
    history_length = 50
    sticky_history = yes
    idle_threshold = 0
RC
dunst -config "$tmp/dunstrc" >"$tmp/dunst.log" 2>&1 &
dunst_pid=$!
has_server() {
	dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications 2>/dev/null |
		grep -q 'boolean true'
}
wait_for 20 has_server || fail "dunst did not take org.freedesktop.Notifications: $(cat "$tmp/dunst.log")"

kill -HUP "$swd_pid"
shown() { [ "$(dunstctl count displayed)" -ge 1 ]; }
wait_for 20 shown || fail "nothing shown after SIGHUP: $(cat "$tmp/swd.err")"
grep -q "desktop notifications on: a notification server answers, showing what waited for it" "$tmp/swd.err" ||
	fail "no 'on again' line: $(cat "$tmp/swd.err")"
dunstctl close-all
dunstctl history >"$tmp/history.json" || fail "dunstctl history"
python3 - "$tmp/history.json" <<'PY' || fail "history"
import json, sys
hist = [n for n in json.load(open(sys.argv[1]))["data"][0] if n["appname"]["data"] == "storywatch"]
got = sorted(n["summary"]["data"] for n in hist)
if got != ["2 updates on testline"]:
    print("got:", got)
    sys.exit(1)
PY
echo "ok: notifications that waited for a server are shown once it answers (SIGHUP)"
exit 0
