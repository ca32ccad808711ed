#!/bin/sh
# golden.sh - every tests/data/feeds/<case>.xml must give exactly <case>.jsonl
# from 'storywatch parse'.  Set STORYWATCH and TOP_SRCDIR (make check does).
set -u
: "${STORYWATCH:=./daemon/storywatch}"
: "${TOP_SRCDIR:=.}"

dir="$TOP_SRCDIR/tests/data/feeds"
tmp=$(mktemp) || exit 99
trap 'rm -f "$tmp"' EXIT
fail=0
count=0

for xml in "$dir"/*.xml; do
	want="${xml%.xml}.jsonl"
	count=$((count + 1))
	if ! "$STORYWATCH" parse "$xml" > "$tmp"; then
		echo "FAIL: $xml: storywatch parse exited non-zero"
		fail=1
		continue
	fi
	if ! diff -u "$want" "$tmp"; then
		echo "FAIL: $xml"
		fail=1
	fi
done
echo "golden: $count cases"
exit $fail
