#!/bin/sh
# hostile.sh - storywatch parse against input meant to hurt: external
# entities, entity expansion, inputs past the 8 MiB ceiling, deep nesting.
# Each case has an exact expected outcome.  Time is bounded by timeout(1)
# only so that a regression fails instead of hanging; it is not asserted.
set -u
: "${STORYWATCH:=./daemon/storywatch}"
: "${TOP_SRCDIR:=.}"

dir="$TOP_SRCDIR/tests/data/hostile"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0

run() {   # run NAME ARGS...: stdout to $tmp/out, stderr to $tmp/err, status to $rc
	name=$1
	shift
	timeout 120 "$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
}

bad() {
	echo "FAIL: $name: $*"
	fail=1
}

expect_exact() {   # expect_exact FILE.jsonl
	diff -u "$1" "$tmp/out" || bad "output differs from $1"
	[ "$rc" -eq 0 ] || bad "exit status $rc"
}

expect_error() {   # expect_error MESSAGE: exit 1, no output, that one line on stderr
	[ "$rc" -eq 1 ] || bad "exit status $rc, wanted 1"
	[ -s "$tmp/out" ] && bad "unexpected output"
	printf '%s\n' "$1" | diff -u - "$tmp/err" || bad "stderr differs"
}

# external entities and DTDs are never loaded
for case in xxe-file xxe-dtd billion-laughs; do
	run "$case" "$STORYWATCH" parse "$dir/$case.xml"
	expect_exact "$dir/$case.jsonl"
	grep -q 'root:' "$tmp/out" && bad "local file content leaked"
done

# one entity referenced 2000 times: expansion stops at the budget
run quadratic "$STORYWATCH" parse "$dir/quadratic-blowup.xml"
[ "$rc" -eq 0 ] || bad "exit status $rc"
size=$(wc -c < "$tmp/out")
[ "$size" -gt 1000 ] && [ "$size" -lt 200000 ] || bad "output of $size bytes"

# 50 MiB of nested elements on standard input: refused at 8 MiB
name=stdin-50mib
yes '<a>' | head -c 52428800 > "$tmp/big.xml"
timeout 120 "$STORYWATCH" parse - < "$tmp/big.xml" > "$tmp/out" 2> "$tmp/err"
rc=$?
expect_error "storywatch parse: <stdin>: larger than 8 MiB, not parsed"

# a file just past the ceiling
head -c 8388609 "$tmp/big.xml" > "$tmp/over.xml"
run file-over-8mib "$STORYWATCH" parse "$tmp/over.xml"
expect_error "storywatch parse: $tmp/over.xml: larger than 8 MiB, not parsed"

# exactly at the ceiling, nested far beyond libxml2's depth limit: read, and
# found to be no feed
head -c 8388608 "$tmp/big.xml" > "$tmp/at.xml"
run nested-8mib "$STORYWATCH" parse "$tmp/at.xml"
expect_error "storywatch parse: $tmp/at.xml: an XML document with the root element <a>, not RSS or Atom"

# nothing readable
: > "$tmp/empty.xml"
run empty "$STORYWATCH" parse "$tmp/empty.xml"
expect_error "storywatch parse: $tmp/empty.xml: empty document"
printf 'not a feed at all\n' > "$tmp/text.xml"
run text "$STORYWATCH" parse "$tmp/text.xml"
expect_error "storywatch parse: $tmp/text.xml: not an XML document"
run missing "$STORYWATCH" parse "$tmp/does-not-exist.xml"
expect_error "storywatch parse: $tmp/does-not-exist.xml: No such file or directory"

# one bad file among good ones: the good one is printed, the status says 1
run mixed "$STORYWATCH" parse "$dir/xxe-dtd.xml" "$tmp/empty.xml"
[ "$rc" -eq 1 ] || bad "exit status $rc, wanted 1"
diff -u "$dir/xxe-dtd.jsonl" "$tmp/out" || bad "good file's output differs"

[ "$fail" -eq 0 ] && echo "hostile: all cases passed"
exit $fail
