#!/bin/sh
# The shipped units: systemd-analyze verify is clean and the system unit's
# exposure (systemd-analyze security --offline) is at most 1.5.
# Skips (77) where systemd-analyze is not installed.
set -eu
command -v systemd-analyze >/dev/null 2>&1 || { echo "no systemd-analyze"; exit 77; }

top_builddir=${top_builddir:-.}
bin=$(cd "$top_builddir/daemon" && pwd)/storywatchd
sw=$(cd "$top_builddir/daemon" && pwd)/storywatch
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail=0
for unit in storywatchd storywatchd-user; do
	# Point ExecStart at the binary just built: verify checks that it exists.
	sed "s|^ExecStart=[^ ]*/storywatchd|ExecStart=$bin|" \
		"$top_builddir/systemd/$unit.service" > "$tmp/$unit.service"
	if ! out=$(systemd-analyze verify --man=no "$tmp/$unit.service" 2>&1) || [ -n "$out" ]; then
		echo "FAIL: systemd-analyze verify $unit.service:"
		echo "$out"
		fail=1
	else
		echo "ok: systemd-analyze verify $unit.service"
	fi
done

# The digest: a oneshot service (system and user) and its timer.  verify
# checks the timer's unit too, so it is next to each service.
for unit in storywatch-digest storywatch-digest-user; do
	mkdir -p "$tmp/$unit"
	sed "s|/[^ ']*/storywatch digest|$sw digest|g" "$top_builddir/systemd/$unit.service" \
		> "$tmp/$unit/storywatch-digest.service"
	cp "$top_builddir/systemd/storywatch-digest.timer" "$tmp/$unit/"
	grep -q "^ExecCondition=$sw digest --check-mail\$" "$tmp/$unit/storywatch-digest.service" || {
		echo "FAIL: $unit.service does not check digest_to first"; fail=1; }
	if ! out=$(cd "$tmp/$unit" && systemd-analyze verify --man=no storywatch-digest.service \
			storywatch-digest.timer 2>&1) || [ -n "$out" ]; then
		echo "FAIL: systemd-analyze verify $unit.service and the timer:"
		echo "$out"
		fail=1
	else
		echo "ok: systemd-analyze verify $unit.service storywatch-digest.timer"
	fi
done
# The user unit belongs to the desktop session, not to every login.
for line in PartOf=graphical-session.target After=graphical-session.target \
	WantedBy=graphical-session.target; do
	if grep -qx "$line" "$top_builddir/systemd/storywatchd-user.service"; then
		echo "ok: storywatchd-user.service has $line"
	else
		echo "FAIL: storywatchd-user.service lacks $line"
		fail=1
	fi
done
if grep -q '^WantedBy=default.target' "$top_builddir/systemd/storywatchd-user.service"; then
	echo "FAIL: storywatchd-user.service starts in every session (WantedBy=default.target)"
	fail=1
fi

out=$(systemd-analyze security --offline=yes "$tmp/storywatchd.service" 2>&1 | tail -n 1)
echo "$out"
level=$(echo "$out" | sed -n 's/.*Overall exposure level for storywatchd.service: \([0-9.]*\).*/\1/p')
if [ -z "$level" ]; then
	echo "FAIL: no exposure level in: $out"
	fail=1
elif ! awk -v l="$level" 'BEGIN { exit !(l <= 1.5) }'; then
	echo "FAIL: exposure $level > 1.5"
	fail=1
fi
exit $fail
