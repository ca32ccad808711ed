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

# One voice: "storywatch CMD: ..." for every usage error, unknown options named as such.
expect_err() { # name, expected exit status, expected stderr, command...
	name=$1 want_rc=$2 want=$3; shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
	[ $rc -eq "$want_rc" ] || { echo "FAIL: $name: exited $rc, wanted $want_rc"; fail=1; }
	printf '%s\n' "$want" >"$tmp/want"
	check "$name" "$tmp/want" "$tmp/err"
}
expect_err "storywatch --bogus" 2 \
	"storywatch: unknown option '--bogus' (see 'storywatch --help')" "$sw" --bogus
expect_err "storywatch nosuch" 2 \
	"storywatch: unknown command 'nosuch' (see 'storywatch --help')" "$sw" nosuch
for cmd in check match log status parse feed report digest feeds; do
	expect_err "$cmd --bogus" 2 \
		"storywatch $cmd: unknown option '--bogus' (see 'storywatch $cmd --help')" \
		"$sw" $cmd --bogus
done
expect_err "log --since without WHEN" 2 \
	"storywatch log: option '--since' needs an argument (see 'storywatch log --help')" \
	"$sw" log --since
expect_err "log --json=x" 2 \
	"storywatch log: option '--json' takes no argument (see 'storywatch log --help')" \
	"$sw" log --json=x
expect_err "match without FILE" 2 \
	"storywatch match: no FILE given (see 'storywatch match --help')" \
	"$sw" match --rules "$data/rules"
expect_err "match, missing file: no summary" 1 \
	"storywatch match: $data/match/no-such.xml: No such file or directory" \
	"$sw" match --rules "$data/rules" "$data/match/no-such.xml"
check "match, missing file: stdout empty" /dev/null "$tmp/out"
expect_err "storywatchd --bogus" 2 \
	"storywatchd: unknown option '--bogus' (see 'storywatchd --help')" \
	"${top_builddir:-.}/daemon/storywatchd" --bogus

# storywatch help CMD is storywatch CMD --help.
for cmd in check match log status parse feed report digest feeds; do
	"$sw" help $cmd >"$tmp/out" 2>&1; rc=$?
	"$sw" $cmd --help >"$tmp/want" 2>&1
	[ $rc -eq 0 ] || { echo "FAIL: help $cmd exited $rc"; fail=1; }
	check "help $cmd" "$tmp/want" "$tmp/out"
done
expect_err "help nosuch" 2 \
	"storywatch help: unknown command 'nosuch' (see 'storywatch --help')" "$sw" help nosuch

# match shows each fact whole and each place a term was found once.
mkdir "$tmp/longfact"
cat >"$tmp/longfact/a.rules" <<'RULES'
storyline talks {
	title "Talks"
	notify at 6
	log at 1
	profile "talks.profile"
}
rule pause {
	storyline talks
	weight 2
	action log
	match pause OR (pause AND pause*)
}
RULES
cat >"$tmp/longfact/talks.profile" <<'RULES'
fact agreement 1 = "a very long phrase about a pause" OR "another long phrase that takes room" OR "the third long phrase"
RULES
printf '%s\n' '<rss version="2.0"><channel><title>T</title>' \
	'<item><title>the third long phrase: a pause</title><link>https://x.example/1</link></item>' \
	'</channel></rss>' >"$tmp/longfact.xml"
"$sw" match --rules "$tmp/longfact" "$tmp/longfact.xml" >"$tmp/out" 2>&1; rc=$?
[ $rc -eq 0 ] || { echo "FAIL: match, long fact exited $rc"; cat "$tmp/out"; fail=1; }
grep -qF '+1 fact agreement "a very long phrase about a pause" OR "another long phrase that takes room" OR "the third long phrase"' "$tmp/out" ||
	{ echo "FAIL: match cuts a long fact"; cat "$tmp/out"; fail=1; }
# The shipped rules use one term list twice in a rule: each place is shown once.
"$sw" match --rules "${top_srcdir:-.}/rules" "$data/storyline/headlines.xml" >"$tmp/out" 2>&1
awk '/^  [+-]/ { n = split("", seen) } /^      / { if ($0 in seen) { print; bad = 1 } seen[$0] = 1 }
     END { exit bad }' "$tmp/out" >"$tmp/dups" ||
	{ echo "FAIL: match lists a hit twice:"; cat "$tmp/dups"; fail=1; }

# No quiet nonsense (issue 11, finding 7).
mkdir "$tmp/misnamed"
cp "$data/rules/"* "$tmp/misnamed/"
mv "$tmp/misnamed/20-rules.rules" "$tmp/misnamed/20-rules.rules~"
mv "$tmp/misnamed/10-storyline.rules" "$tmp/misnamed/.rule"
"$sw" check --rules "$tmp/misnamed" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || { echo "FAIL: check on a directory without rules exited $rc"; fail=1; }
{
	echo "storywatch check: warning: $tmp/misnamed/.rule: skipped: only files named NAME.rules (not hidden) are read"
	echo "storywatch check: warning: $tmp/misnamed/20-rules.rules~: skipped: only files named NAME.rules (not hidden) are read"
	echo "storywatch check: $tmp/misnamed: no storyline: storywatchd would ignore every item"
	echo "storywatch check: 1 error"
} | sort >"$tmp/want"
sort "$tmp/err" >"$tmp/err.sorted"
check "check, misnamed rules files" "$tmp/want" "$tmp/err.sorted"
grep -q ": OK" "$tmp/out" && { echo "FAIL: check says OK without rules"; fail=1; }
mkdir "$tmp/facts-only"
sed -n '1,10p' "$data/rules/10-storyline.rules" >"$tmp/facts-only/10-storyline.rules"
cp "$data/rules/people.terms" "$data/rules/talks.profile" "$tmp/facts-only/"
"$sw" check --rules "$tmp/facts-only" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || { echo "FAIL: check on a storyline without rules exited $rc"; cat "$tmp/err"; fail=1; }
grep -qx "storywatch check: $tmp/facts-only: no rule: storywatchd would ignore every item" "$tmp/err" ||
	{ echo "FAIL: check, no rule"; cat "$tmp/err"; fail=1; }

# The default feeds list next to the config file is missing (the shipped
# list, when installed, stands in for it: then there is nothing to warn of).
mkdir "$tmp/nofeeds"; : >"$tmp/nofeeds/storywatch.conf"
"$sw" check --config "$tmp/nofeeds/storywatch.conf" --rules "$data/rules" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 0 ] || { echo "FAIL: check with a missing feeds file exited $rc"; cat "$tmp/err"; fail=1; }
if ! grep -q "feeds: [0-9]* feeds*: OK" "$tmp/out"; then
	echo "storywatch check: warning: $tmp/nofeeds/feeds: no feeds list; storywatchd polls nothing until there is one (storywatch feeds add URL)" >"$tmp/want"
	check "check, missing feeds file" "$tmp/want" "$tmp/err"
fi

expect_err "log --storyline unknown" 1 \
	"storywatch log: no storyline 'ceasefir' in $data/log/events.jsonl; its storylines: ceasefire, prisoner-swap" \
	"$sw" log --event-log "$data/log/events.jsonl" --storyline ceasefir
check "log --storyline unknown: stdout empty" /dev/null "$tmp/out"
expect_err "log --json --storyline unknown" 1 \
	"storywatch log: no storyline 'ceasefir' in $data/log/events.jsonl; its storylines: ceasefire, prisoner-swap" \
	"$sw" log --json --event-log "$data/log/events.jsonl" --storyline ceasefir
check "log --json --storyline unknown: stdout empty" /dev/null "$tmp/out"
expect_err "log --event unknown" 2 \
	"storywatch log: --event: unknown event type 'bogus' (the types: match, update, feed_error, feed_ok)" \
	"$sw" log --event-log "$data/log/events.jsonl" --event bogus

# status on the state of a daemon that has polled nothing yet
: >"$tmp/empty-feeds"; : >"$tmp/empty.conf"
"${top_builddir:-.}/daemon/storywatchd" --once --config "$tmp/empty.conf" --feeds "$tmp/empty-feeds" \
	--rules "$data/rules" --state-dir "$tmp/new-state" --no-notify 2>/dev/null ||
	{ echo "FAIL: storywatchd --once with no feeds"; fail=1; }
"$sw" status --state-dir "$tmp/new-state" >"$tmp/out" 2>&1; rc=$?
[ $rc -eq 0 ] || { echo "FAIL: status on a new state exited $rc"; fail=1; }
printf '%-20s  %-5s  %6s  %-20s  %6s  %s\nno feed polled yet\n' "LAST POLL" HTTP ERRORS "NEXT POLL" ITEMS FEED >"$tmp/want"
check "status on a new state" "$tmp/want" "$tmp/out"

exit $fail
