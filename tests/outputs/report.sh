#!/bin/sh
# storywatch report opened in headless Chromium: every development once, in
# order, its reports folded under it with working links, a non-blank
# screenshot; hostile titles render as text.  Skips (77) without chromium.
set -eu
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
top_builddir=${top_builddir:-.}
sw=${STORYWATCH:-$top_builddir/daemon/storywatch}
. "$top_srcdir/tests/outputs/find-python.sh"
chromium=
for c in chromium chromium-browser google-chrome; do
	command -v "$c" >/dev/null 2>&1 && { chromium=$(command -v "$c"); break; }
done
[ -n "$chromium" ] || { echo "no chromium"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/etc"
: > "$tmp/etc/storywatch.conf"
conf="$tmp/etc/storywatch.conf"
data="$top_srcdir/tests/data/outputs"

TZ=UTC "$sw" report --config "$conf" --event-log "$data/events.jsonl" -o "$tmp/report.html"
TZ=UTC "$sw" report --config "$conf" --event-log "$data/hostile.jsonl" --storyline harbour-talks \
	> "$tmp/hostile.html"

fail=0
# The page itself: a policy that forbids scripts, and nothing fetched.
grep -q "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'none';" \
	"$tmp/report.html" || { echo "FAIL: no Content-Security-Policy forbidding scripts"; fail=1; }
if grep -Eiq '<(script|link|img|iframe|object|embed)|[[:space:]]src=|url\(' "$tmp/report.html"; then
	echo "FAIL: a script or an external resource in the report"; fail=1
fi
# --since: only the last day.
STORYWATCH_EVAL_TIME=2025-04-04T18:00:00Z TZ=UTC "$sw" report --config "$conf" \
	--event-log "$data/events.jsonl" --since 12h > "$tmp/since.html"
n=$(grep -c '<article class="development"' "$tmp/since.html" || true)
[ "$n" -eq 1 ] || { echo "FAIL: --since 12h shows $n developments, not 1"; fail=1; }

HOME="$tmp" "$py" "$top_srcdir/tests/outputs/check-report.py" "$chromium" "$tmp" \
	"$tmp/report.html" "$tmp/hostile.html" || fail=1
exit $fail
