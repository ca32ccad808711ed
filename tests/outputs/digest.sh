#!/bin/sh
# storywatch digest: one line per development, and with --mail a message
# that Python's email package parses with the right headers; --check-mail
# says whether digest_to is set (the timer's condition).
set -eu
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
top_builddir=${top_builddir:-.}
sw=${STORYWATCH:-$top_builddir/daemon/storywatch}
. "$top_srcdir/tests/outputs/find-python.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/with" "$tmp/without"
printf '[outputs]\ndigest_to = Ann Reader <ann@example.org>\n' > "$tmp/with/storywatch.conf"
: > "$tmp/without/storywatch.conf"
log="$top_srcdir/tests/data/outputs/events.jsonl"
export STORYWATCH_EVAL_TIME=2025-04-05T06:00:00Z TZ=UTC

fail=0
"$sw" digest --config "$tmp/with/storywatch.conf" --event-log "$log" --since 1w > "$tmp/digest.txt"
"$sw" digest --config "$tmp/with/storywatch.conf" --event-log "$log" --since 1w --mail > "$tmp/digest.eml"
"$py" "$top_srcdir/tests/outputs/check-digest.py" "$tmp/digest.txt" "$tmp/digest.eml" || fail=1

# The default period is a day: only the last development.
n=$("$sw" digest --config "$tmp/with/storywatch.conf" --event-log "$log" | grep -c '^- ' || true)
[ "$n" -eq 1 ] || { echo "FAIL: the last day has $n development lines, not 1"; fail=1; }

"$sw" digest --config "$tmp/with/storywatch.conf" --event-log "$log" --since 1w --html --mail \
	> "$tmp/html.eml"
grep -q '^Content-Type: text/html; charset=utf-8$' "$tmp/html.eml" || { echo "FAIL: --html --mail type"; fail=1; }
grep -q 'Union says &quot;no deal&quot; on &lt;night shifts&gt; &amp; overtime' "$tmp/html.eml" ||
	{ echo "FAIL: --html does not escape the titles"; fail=1; }

"$sw" digest --config "$tmp/with/storywatch.conf" --check-mail || { echo "FAIL: --check-mail with digest_to"; fail=1; }
if "$sw" digest --config "$tmp/without/storywatch.conf" --check-mail; then
	echo "FAIL: --check-mail without digest_to"; fail=1
fi
if "$sw" digest --config "$tmp/without/storywatch.conf" --event-log "$log" --mail > "$tmp/none" 2> "$tmp/err"; then
	echo "FAIL: --mail without digest_to succeeded"; fail=1
fi
grep -q "needs digest_to" "$tmp/err" || { echo "FAIL: no reason given:"; cat "$tmp/err"; fail=1; }

# The units' command line, run by sh as systemd would (after its $$ and %%
# unescaping), with a sendmail that keeps what it is given.
unit="$top_builddir/systemd/storywatch-digest-user.service"
if [ -f "$unit" ]; then
	printf '#!/bin/sh\n[ "$1" = -t ] && cat > "%s/sent.eml"\n' "$tmp" > "$tmp/sendmail"
	chmod +x "$tmp/sendmail"
	line=$(sed -n 's/^ExecStart=//p' "$unit" | sed -e 's/\$\$/$/g' -e 's/%%/%/g' \
		-e "s|/[^ ']*/storywatch digest|$sw digest --config $tmp/with/storywatch.conf --event-log $log --since 1w|" \
		-e "s|/usr/sbin/sendmail|$tmp/sendmail|")
	eval "$line" || { echo "FAIL: the unit's command failed: $line"; fail=1; }
	grep -v '^Message-ID:' "$tmp/digest.eml" > "$tmp/a"
	grep -v '^Message-ID:' "$tmp/sent.eml" > "$tmp/b" || true
	cmp -s "$tmp/a" "$tmp/b" || { echo "FAIL: sendmail -t did not get the digest"; fail=1; }
fi
[ $fail -eq 0 ] && echo "ok: digest text, HTML and mail"
exit $fail
