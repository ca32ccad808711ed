#!/bin/sh
# test-cli.sh - storywatch check and storywatch match, output compared with
# the expected files under tests/data.
set -u
sw="${top_builddir:-.}/daemon/storywatch"
data="${top_srcdir:-.}/tests/data"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0

check() { # name, expected file, actual file
	if ! cmp -s "$2" "$3"; then
		echo "FAIL: $1"; diff -u "$2" "$3" | head -40; fail=1
	else
		echo "ok: $1"
	fi
}

"$sw" check --rules "$data/rules" >"$tmp/out" 2>&1; rc=$?
[ $rc -eq 0 ] || { echo "FAIL: check on good rules exited $rc"; fail=1; }
echo "$data/rules: 1 storyline, 3 rules, 4 facts, 32 terms: OK" >"$tmp/want"
check "check, good rules" "$tmp/want" "$tmp/out"

# The path in messages is the one given: run from the data dir.
(cd "$data" && "$sw" check --rules rules-broken) >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || { echo "FAIL: check on broken rules exited $rc"; fail=1; }
check "check, broken rules: stdout empty" /dev/null "$tmp/out"
check "check, broken rules: every error" "$data/rules-broken/expected-errors" "$tmp/err"

"$sw" match --json --rules "$data/rules" "$data/match/talks.xml" >"$tmp/out" 2>&1; rc=$?
[ $rc -eq 0 ] || { echo "FAIL: match --json exited $rc"; fail=1; }
check "match --json" "$data/match/talks.jsonl" "$tmp/out"

(cd "$data" && "$sw" match --rules rules match/talks.xml) >"$tmp/out" 2>&1; rc=$?
[ $rc -eq 0 ] || { echo "FAIL: match exited $rc"; fail=1; }
check "match, explained" "$data/match/talks.txt" "$tmp/out"

"$sw" match --rules "$data/rules" "$data/match/no-such.xml" >"$tmp/out" 2>&1; rc=$?
[ $rc -eq 1 ] || { echo "FAIL: match on a missing file exited $rc"; fail=1; }

for cmd in check match; do
	"$sw" $cmd --help >"$tmp/out" 2>&1; rc=$?
	[ $rc -eq 0 ] || { echo "FAIL: $cmd --help exited $rc"; fail=1; }
	grep -q "^Usage: storywatch $cmd" "$tmp/out" || { echo "FAIL: $cmd --help"; fail=1; }
	"$sw" $cmd --bogus >"$tmp/out" 2>&1; rc=$?
	[ $rc -eq 2 ] || { echo "FAIL: $cmd --bogus exited $rc"; fail=1; }
done
"$sw" match --rules "$data/rules" >"$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] || { echo "FAIL: match without FILE exited $rc"; fail=1; }
"$sw" check --rules "$data/no-such-dir" >"$tmp/out" 2>&1; rc=$?
[ $rc -eq 1 ] || { echo "FAIL: check on a missing directory exited $rc"; fail=1; }

# check reads the configuration and the feeds list too, and reports every error.
printf '[poll]\nintervl = 5m\n[daemon]\nfeeds = feeds\n' >"$tmp/bad.conf"
printf 'https://a.example/x\nftp://b.example/y\n' >"$tmp/feeds"
"$sw" check --config "$tmp/bad.conf" --rules "$data/rules" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || { echo "FAIL: check on a bad configuration exited $rc"; fail=1; }
cat >"$tmp/want" <<EOF
$tmp/bad.conf:2:1: unknown key 'intervl' in [poll]; did you mean 'interval'?
$tmp/feeds:2:1: unsupported URL scheme 'ftp' (only http and https)
storywatch check: 2 errors
EOF
check "check, configuration and feeds errors" "$tmp/want" "$tmp/err"
printf 'https://a.example/x\n' >"$tmp/feeds"
"$sw" check --feeds "$tmp/feeds" --rules "$data/rules" >"$tmp/out" 2>&1; rc=$?
[ $rc -eq 0 ] || { echo "FAIL: check on a good feeds list exited $rc"; cat "$tmp/out"; fail=1; }

exit $fail
