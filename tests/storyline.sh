#!/bin/sh
# The shipped rules compile, and decide our own test headlines as an editor
# would: each item's guid names the action it must get (notify-N, log-N,
# ignore-N).
set -eu
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
sw="$top_builddir/daemon/storywatch"

"$sw" check --rules "$top_srcdir/rules"

fail=0
"$sw" match --rules "$top_srcdir/rules" --json "$top_srcdir/tests/data/storyline/headlines.xml" |
	sed -n 's/.*"id":"\([a-z]*\)-[0-9]*".*"score":[^,]*,"action":"\([a-z]*\)".*/\1 \2/p' > storyline.out
n=$(wc -l < storyline.out)
[ "$n" -eq 21 ] || { echo "FAIL: expected 21 items, got $n"; fail=1; }
while read -r want got; do
	if [ "$want" != "$got" ]; then
		echo "FAIL: an item for '$want' got '$got'"
		fail=1
	fi
done < storyline.out
rm -f storyline.out
[ $fail -eq 0 ] && echo "ok: $n headlines decided as expected"
exit $fail
