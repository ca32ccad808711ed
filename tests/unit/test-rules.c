/* test-rules.c - the rule language compiler: constructs, errors, limits. */

#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "rules-internal.h"
#include "util.h"

#define RULES_DIR TEST_DATA_DIR "/rules"

/* A storyline every snippet below can use. */
#define SL "storyline s {\n}\n"

static struct ruleset *compile_ok(const char *text)
{
	struct rules_errors errs = { 0 };
	struct ruleset *rs = NULL;
	int r = rules_compile_text("t.rules", text, strlen(text), NULL, &rs, &errs);

	if (r < 0)
		rules_errors_print(&errs, stderr);
	assert_int_equal(r, 0);
	assert_int_equal(errs.n, 0);
	assert_non_null(rs);
	return rs;
}

/* Every error's first line, each followed by '\n'. */
static char *compile_errors(const char *text)
{
	struct rules_errors errs = { 0 };
	struct ruleset *rs = NULL;
	_cleanup_buf_ struct buf b;
	int r = rules_compile_text("t.rules", text, strlen(text), NULL, &rs, &errs);

	assert_int_equal(r, -EINVAL);
	assert_null(rs);
	buf_init(&b, 0);
	for (size_t i = 0; i < errs.n; i++) {
		_cleanup_free_ char *s = rules_error_format(&errs.v[i]);
		*strchr(s, '\n') = '\0';
		(void)buf_printf(&b, "%s\n", s);
	}
	rules_errors_clear(&errs);
	return buf_steal(&b);
}

static void expect_error(const char *text, const char *want)
{
	_cleanup_free_ char *got = compile_errors(text);
	assert_string_equal(got, want);
}

static const struct rule *find_rule(const struct ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->n_rules; i++)
		if (streq(rs->rules[i].name, name))
			return &rs->rules[i];
	fail_msg("no rule %s", name);
	return NULL;
}

/* ---- constructs --------------------------------------------------------------- */

static void test_minimal_rule_and_defaults(void **state)
{
	_cleanup_ruleset_ struct ruleset *rs = compile_ok(SL "rule r {\n storyline s\n match truce\n}\n");
	const struct rule *r = find_rule(rs, "r");

	assert_int_equal(ruleset_n_rules(rs), 1);
	assert_int_equal(ruleset_n_storylines(rs), 1);
	assert_true(r->weight == 1.0);
	assert_int_equal(r->action, ACTION_NOTIFY);
	assert_int_equal(r->urgency, URGENCY_NORMAL);
	assert_null(r->exec_argv);
	assert_true(rs->storylines[0].notify_at == 10.0);
	assert_true(rs->storylines[0].log_at == 5.0);
	assert_int_equal(r->expr->kind, NODE_TERM);
	assert_int_equal(r->expr->fields, FIELD_DEFAULT_MASK);
	assert_string_equal(rs->terms[r->expr->term].folded, "truce");
}

static void test_rule_settings(void **state)
{
	_cleanup_ruleset_ struct ruleset *rs = compile_ok(
		"storyline s {\n"
		"\ttitle \"A \\\"quoted\\\" title\"\n"
		"\tnotify at 7.5\n"
		"\tlog at -1\n"
		"}\n"
		"rule r-1.x {\n"
		"\tstoryline s\n"
		"\tweight -2.25\n"
		"\taction log\n"
		"\turgency low\n"
		"\tmatch a\n"
		"\texec \"/usr/bin/hook\" \"--flag\" \"two words\"\n"
		"\ttimeout 1500ms\n"
		"}\n");
	const struct rule *r = find_rule(rs, "r-1.x");
	const char *const *argv;
	uint64_t usec;

	assert_string_equal(rs->storylines[0].title, "A \"quoted\" title");
	assert_true(rs->storylines[0].notify_at == 7.5);
	assert_true(rs->storylines[0].log_at == -1.0);
	assert_true(r->weight == -2.25);
	assert_int_equal(r->action, ACTION_LOG);
	assert_int_equal(r->urgency, URGENCY_LOW);
	assert_int_equal(ruleset_rule_exec(rs, "r-1.x", &argv, &usec), 0);
	assert_string_equal(argv[0], "/usr/bin/hook");
	assert_string_equal(argv[2], "two words");
	assert_null(argv[3]);
	assert_int_equal(usec, 1500000);
	assert_int_equal(ruleset_rule_exec(rs, "nope", &argv, &usec), -ENOENT);
}

static void test_threshold_defaults_follow(void **state)
{
	_cleanup_ruleset_ struct ruleset *rs = compile_ok(
		"storyline a {\n notify at 3\n}\nstoryline b {\n log at 12\n}\n");

	assert_true(rs->storylines[0].notify_at == 3.0);
	assert_true(rs->storylines[0].log_at == 3.0);
	assert_true(rs->storylines[1].notify_at == 12.0);
	assert_true(rs->storylines[1].log_at == 12.0);
}

static void test_actions_and_urgencies(void **state)
{
	_cleanup_ruleset_ struct ruleset *rs = compile_ok(SL
		"rule a {\n storyline s\n action notify\n urgency critical\n match x\n}\n"
		"rule b {\n storyline s\n action ignore\n urgency normal\n match y\n}\n");

	assert_int_equal(find_rule(rs, "a")->action, ACTION_NOTIFY);
	assert_int_equal(find_rule(rs, "a")->urgency, URGENCY_CRITICAL);
	assert_int_equal(find_rule(rs, "b")->action, ACTION_IGNORE);
	assert_int_equal(find_rule(rs, "b")->urgency, URGENCY_NORMAL);
}

static void test_operator_precedence(void **state)
{
	/* OR < AND < NOT < NEAR */
	_cleanup_ruleset_ struct ruleset *rs = compile_ok(SL
		"rule r {\n storyline s\n match a OR b AND NOT c NEAR/2 d\n}\n");
	const struct node *n = find_rule(rs, "r")->expr;

	assert_int_equal(n->kind, NODE_OR);
	assert_int_equal(n->a->kind, NODE_TERM);
	assert_int_equal(n->b->kind, NODE_AND);
	assert_int_equal(n->b->b->kind, NODE_NOT);
	assert_int_equal(n->b->b->a->kind, NODE_NEAR);
	assert_int_equal(n->b->b->a->distance, 2);
}

static void test_parentheses_and_continuation(void **state)
{
	_cleanup_ruleset_ struct ruleset *rs = compile_ok(SL
		"rule r {\n storyline s\n match (a OR\n   b) AND (c   # a comment inside\n OR d)\n}\n");
	const struct node *n = find_rule(rs, "r")->expr;

	assert_int_equal(n->kind, NODE_AND);
	assert_int_equal(n->a->kind, NODE_OR);
	assert_int_equal(n->b->kind, NODE_OR);
}

static void test_operator_starts_continuation(void **state)
{
	_cleanup_ruleset_ struct ruleset *rs = compile_ok(SL
		"rule r {\n storyline s\n match a\n   OR b\n\tAND c\n  NEAR/2 d\n weight 3\n}\n");
	const struct rule *r = find_rule(rs, "r");

	/* a OR (b AND (c NEAR/2 d)) */
	assert_int_equal(r->expr->kind, NODE_OR);
	assert_int_equal(r->expr->b->kind, NODE_AND);
	assert_int_equal(r->expr->b->b->kind, NODE_NEAR);
	assert_true(r->weight == 3.0);
}

static void test_word_prefix_phrase_terms(void **state)
{
	_cleanup_ruleset_ struct ruleset *rs = compile_ok(SL
		"rule r {\n storyline s\n match Zelensk* OR \"Energy  Infrastructure\" OR ПЕРЕМИРИЕ OR 30-day\n}\n");
	const struct node *n = find_rule(rs, "r")->expr;
	const struct term *prefix = &rs->terms[n->a->a->a->term];
	const struct term *phrase = &rs->terms[n->a->a->b->term];
	const struct term *word = &rs->terms[n->a->b->term];
	const struct term *hyphen = &rs->terms[n->b->term];

	assert_int_equal(prefix->kind, TERM_PREFIX);
	assert_string_equal(prefix->folded, "zelensk");
	assert_int_equal(phrase->kind, TERM_PHRASE);
	assert_string_equal(phrase->folded, "energy infrastructure");
	assert_int_equal(phrase->n_parts, 2);
	assert_string_equal(rs->terms[phrase->parts[1]].folded, "infrastructure");
	assert_int_equal(word->kind, TERM_WORD);
	assert_string_equal(word->folded, "перемирие");
	/* a word with punctuation inside is a phrase of its parts */
	assert_int_equal(hyphen->kind, TERM_PHRASE);
	assert_string_equal(hyphen->folded, "30 day");
	assert_string_equal(n->a->a->b->text, "\"Energy  Infrastructure\"");
	assert_int_equal(rs->min_prefix, 7);
	assert_int_equal(rs->max_prefix, 7);
}

static void test_same_term_shared(void **state)
{
	_cleanup_ruleset_ struct ruleset *rs = compile_ok(SL
		"rule a {\n storyline s\n match Truce\n}\nrule b {\n storyline s\n match TRUCE AND x\n}\n");
	const struct term *t = &rs->terms[find_rule(rs, "a")->expr->term];

	assert_int_equal(find_rule(rs, "a")->expr->term, find_rule(rs, "b")->expr->a->term);
	assert_int_equal(t->n_rules, 2);
	assert_int_equal(ruleset_n_terms(rs), 2);
}

static void test_field_scopes(void **state)
{
	_cleanup_ruleset_ struct ruleset *rs = compile_ok(SL
		"rule r {\n storyline s\n match title:(a OR summary:b) AND feed:c AND author:d AND category:e AND link:f\n}\n");
	const struct node *n = find_rule(rs, "r")->expr;

	assert_int_equal(n->b->fields, FIELD_BIT(FIELD_LINK));
	assert_int_equal(n->a->b->fields, FIELD_BIT(FIELD_CATEGORY));
	assert_int_equal(n->a->a->b->fields, FIELD_BIT(FIELD_AUTHOR));
	assert_int_equal(n->a->a->a->b->fields, FIELD_BIT(FIELD_FEED));
	/* the innermost scope wins */
	assert_int_equal(n->a->a->a->a->a->fields, FIELD_BIT(FIELD_TITLE));
	assert_int_equal(n->a->a->a->a->b->fields, FIELD_BIT(FIELD_SUMMARY));
}

static void test_term_lists_any_order(void **state)
{
	/* used before it is defined, and a list inside a list */
	_cleanup_ruleset_ struct ruleset *rs = compile_ok(SL
		"rule r {\n storyline s\n match title:$BOTH\n}\n"
		"define BOTH = $ONE OR Путин\n"
		"define ONE = Putin\n");
	const struct node *n = find_rule(rs, "r")->expr;

	assert_int_equal(n->kind, NODE_OR);
	assert_int_equal(n->a->fields, FIELD_BIT(FIELD_TITLE));
	assert_string_equal(rs->terms[n->a->term].folded, "putin");
	assert_string_equal(n->b->text, "Путин");
}

static void test_long_term_lists_are_flat(void **state)
{
	/* Three lists of 100 words each, combined: an OR chain counts as one
	 * nesting level, so this stays far below the depth limit. */
	_cleanup_buf_ struct buf text;

	buf_init(&text, 0);
	buf_puts(&text, SL);
	for (char list = 'A'; list <= 'C'; list++) {
		buf_printf(&text, "define %c = %cw0", list, list);
		for (int i = 1; i < 100; i++)
			buf_printf(&text, " OR %cw%d", list, i);
		buf_puts(&text, "\n");
	}
	buf_puts(&text, "rule r {\n storyline s\n match x AND y AND ($A OR $B OR $C)\n}\n");

	_cleanup_ruleset_ struct ruleset *rs = compile_ok(buf_str(&text));
	assert_int_equal(ruleset_n_rules(rs), 1);
	assert_int_equal(ruleset_n_terms(rs), 302);
}

static void test_inline_facts(void **state)
{
	_cleanup_ruleset_ struct ruleset *rs = compile_ok(
		"storyline s {\n fact actor 2 = Putin OR Путин\n fact date 0.5 = \"18 March\"\n}\n");

	assert_int_equal(ruleset_n_rules(rs), 0);
	assert_int_equal(ruleset_n_facts(rs), 2);
	assert_true(rs->rules[0].is_fact);
	assert_string_equal(rs->rules[0].name, "actor Putin OR Путин");
	assert_true(rs->rules[0].weight == 2.0);
	assert_string_equal(rs->rules[1].name, "date \"18 March\"");
}

static void test_directory_sorted_include_profile(void **state)
{
	struct rules_errors errs = { 0 };
	_cleanup_ruleset_ struct ruleset *rs = NULL;

	assert_int_equal(rules_compile_dir(RULES_DIR, &rs, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(ruleset_n_storylines(rs), 1);
	assert_int_equal(ruleset_n_rules(rs), 3);
	assert_int_equal(ruleset_n_facts(rs), 4);
	/* 10-storyline.rules (and its profile) before 20-rules.rules */
	assert_true(rs->rules[0].is_fact);
	assert_string_equal(rs->rules[0].name, "actor $KREMLIN_HEAD");
	assert_string_equal(rs->rules[4].name, "energy-pause");
	assert_string_equal(rs->storylines[0].title, "Ceasefire talks (test storyline)");
}

static void test_missing_directory(void **state)
{
	struct rules_errors errs = { 0 };
	struct ruleset *rs = NULL;

	assert_int_equal(rules_compile_dir(TEST_DATA_DIR "/no-such-dir", &rs, &errs), -ENOENT);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.v[0].message, "cannot read the rules directory: No such file or directory");
	rules_errors_clear(&errs);
}

static void test_comments_everywhere(void **state)
{
	_cleanup_ruleset_ struct ruleset *rs = compile_ok(
		"# leading\nstoryline s { # after brace\n title \"x # not a comment\" # but this is\n}\n"
		"rule r { #c\n storyline s #c\n match a #c\n} #c\n");

	assert_string_equal(rs->storylines[0].title, "x # not a comment");
}

/* ---- errors --------------------------------------------------------------------- */

static void test_error_format_with_caret(void **state)
{
	const char *text = SL "rule r {\n\tstoryline s\n\tmatch ceasefire or truce\n}\n";
	struct rules_errors errs = { 0 };
	struct ruleset *rs = NULL;

	assert_int_equal(rules_compile_text("t.rules", text, strlen(text), NULL, &rs, &errs), -EINVAL);
	assert_int_equal(errs.n, 1);
	_cleanup_free_ char *s = rules_error_format(&errs.v[0]);
	assert_string_equal(s,
		"t.rules:5:18: operators are written in capitals: 'or' is not an operator here\n"
		"\tmatch ceasefire or truce\n"
		"\t                ^\n");
	rules_errors_clear(&errs);
}

static void test_column_counts_characters(void **state)
{
	expect_error(SL "rule r {\n storyline s\n match Путин Зеленский\n}\n",
		     "t.rules:5:14: missing operator before 'Зеленский': write AND, OR or NEAR/n\n");
}

static void test_five_errors_all_reported(void **state)
{
	expect_error(
		"storyline s {\n"                       /* 1 */
		"\tnotify at high\n"                    /* 2 */
		"}\n"                                   /* 3 */
		"rule a {\n"                            /* 4 */
		"\tstoryline s\n"                       /* 5 */
		"\tmatch title:(truce OR) \n"           /* 6 */
		"}\n"                                   /* 7 */
		"rule b {\n"                            /* 8 */
		"\tstoryline s\n"                       /* 9 */
		"\taction shout\n"                      /* 10 */
		"\tmatch heading:truce\n"               /* 11 */
		"}\n"                                   /* 12 */
		"rule c {\n"                            /* 13 */
		"\tstoryline elsewhere\n"               /* 14 */
		"\tmatch $MISSING\n"                    /* 15 */
		"}\n",
		"t.rules:2:12: a threshold must be a number between -1000000 and 1000000, found 'high'\n"
		"t.rules:6:23: expected a word, a \"phrase\", a $LIST or '(', found ')'\n"
		"t.rules:10:9: expected notify, log or ignore, found 'shout'\n"
		"t.rules:11:8: unknown field 'heading': use title, headline, summary, feed, author, category, link or signal\n"
		"t.rules:14:12: unknown storyline 'elsewhere'\n"
		"t.rules:15:8: unknown term list '$MISSING'\n");
}

static void test_errors_in_several_files(void **state)
{
	/* 30-broken.rules does not exist in RULES_DIR; a profile with an error
	 * and the including file's own error are both reported, in order */
	const char *text = "include \"people.terms\"\nstoryline s {\n profile \"talks.profile\"\n notify at x\n}\n";
	struct rules_errors errs = { 0 };
	struct ruleset *rs = NULL;

	assert_int_equal(rules_compile_text("t.rules", text, strlen(text), RULES_DIR, &rs, &errs), -EINVAL);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.v[0].file, "t.rules");
	assert_int_equal(errs.v[0].line, 4);
	assert_int_equal(errs.v[0].column, 12);
	rules_errors_clear(&errs);
}

static void test_error_lowercase_operator(void **state)
{
	expect_error(SL "rule r {\n storyline s\n match a and b\n}\n",
		     "t.rules:5:10: operators are written in capitals: 'and' is not an operator here\n");
}

static void test_error_near_without_distance(void **state)
{
	expect_error(SL "rule r {\n storyline s\n match a NEAR b\n}\n",
		     "t.rules:5:10: NEAR needs a distance, such as NEAR/8\n");
	expect_error(SL "rule r {\n storyline s\n match a NEAR/256 b\n}\n",
		     "t.rules:5:10: bad distance in 'NEAR/256': write NEAR/0 to NEAR/255\n");
}

static void test_error_near_with_and(void **state)
{
	/* the caret points at the AND */
	expect_error(SL "rule r {\n storyline s\n match a NEAR/3 (b AND c)\n}\n",
		     "t.rules:5:20: NEAR joins words, phrases, prefixes and OR-groups of them, not AND or NOT\n");
}

static void test_error_wildcards(void **state)
{
	expect_error(SL "rule r {\n storyline s\n match Ze*lensky\n}\n",
		     "t.rules:5:10: a wildcard '*' may only end a word\n");
	expect_error(SL "rule r {\n storyline s\n match Z*\n}\n",
		     "t.rules:5:8: 'Z*' is too short: a wildcard needs 2 letters before '*'\n");
	expect_error(SL "rule r {\n storyline s\n match U.S*\n}\n",
		     "t.rules:5:8: a wildcard ends one word: 'U.S*' folds to 2 words\n");
}

static void test_error_strings_and_parens(void **state)
{
	expect_error(SL "rule r {\n storyline s\n match \"energy plants\n}\n",
		     "t.rules:5:8: unterminated string: a '\"' is missing on this line\n");
	expect_error(SL "rule r {\n storyline s\n match (a OR b\n}\n",
		     "t.rules:5:8: '(' is never closed\n");
	expect_error(SL "rule r {\n storyline s\n match a OR b)\n}\n",
		     "t.rules:5:14: ')' without a matching '('\n");
	expect_error(SL "rule r {\n storyline s\n match \"!!\"\n}\n",
		     "t.rules:5:8: phrase has no letters or digits\n");
}

static void test_error_blocks(void **state)
{
	expect_error(SL "rule r {\n storyline s\n match a\nrule q {\n storyline s\n match b\n}\n",
		     "t.rules:3:6: rule 'r' is never closed: '}' is missing\n");
	expect_error(SL "rule r\n storyline s\n",
		     "t.rules:3:7: expected '{', found end of line\n"
		     "t.rules:4:13: expected '{', found end of line\n");
	expect_error(SL "rule r {\n storyline s\n colour red\n match a\n}\n",
		     "t.rules:5:2: unknown rule setting 'colour': use storyline, weight, action, limit, urgency, match, exec or timeout\n");
	expect_error(SL "rule r {\n storyline s\n limit notify\n match a\n}\n",
		     "t.rules:5:8: expected log or ignore, found 'notify'\n");
	expect_error("frobnicate\n",
		     "t.rules:1:1: expected rule, storyline, define or include, found 'frobnicate'\n");
}

static void test_error_missing_parts(void **state)
{
	expect_error(SL "rule r {\n weight 2\n}\n",
		     "t.rules:3:6: rule 'r' has no 'match' expression\n"
		     "t.rules:3:6: rule 'r' does not say its storyline\n");
}

static void test_error_duplicates(void **state)
{
	expect_error(SL "rule r {\n storyline s\n match a\n}\nrule r {\n storyline s\n match b\n}\n",
		     "t.rules:7:6: rule 'r' is already defined at t.rules:3\n");
	expect_error(SL "rule r {\n storyline s\n match a\n match b\n}\n",
		     "t.rules:6:2: rule 'r' already has a match expression\n");
	expect_error("define X = a\ndefine X = b\n",
		     "t.rules:2:8: term list 'X' is already defined at t.rules:1\n");
}

static void test_error_not_only(void **state)
{
	expect_error(SL "rule r {\n storyline s\n match NOT sport\n}\n",
		     "t.rules:5:8: this expression also matches items without any of its words: add a word the item must contain\n");
}

static void test_error_self_reference(void **state)
{
	expect_error(SL "define A = x OR $B\ndefine B = $A\nrule r {\n storyline s\n match $A\n}\n",
		     "t.rules:4:12: term list '$A' refers to itself\n");
}

static void test_error_list_reported_once(void **state)
{
	/* a broken list used by two rules is one error */
	expect_error(SL "define A = x* OR Z*\n"
		     "rule r {\n storyline s\n match $A\n}\nrule q {\n storyline s\n match $A\n}\n",
		     "t.rules:3:12: 'x*' is too short: a wildcard needs 2 letters before '*'\n"
		     "t.rules:3:18: 'Z*' is too short: a wildcard needs 2 letters before '*'\n");
}

static void test_error_thresholds(void **state)
{
	expect_error("storyline s {\n notify at 2\n log at 3\n}\n",
		     "t.rules:1:11: storyline 's': 'log at' (3) is above 'notify at' (2)\n");
	expect_error("storyline s {\n notify 2\n}\n",
		     "t.rules:2:9: expected 'at' and a score: 'notify at 8'\n");
}

static void test_error_exec(void **state)
{
	expect_error(SL "rule r {\n storyline s\n match a\n exec \"hook\"\n}\n",
		     "t.rules:6:2: exec needs an absolute program path and its arguments, each \"quoted\"\n");
	expect_error(SL "rule r {\n storyline s\n match a\n timeout 2s\n}\n",
		     "t.rules:3:6: rule 'r' has a timeout but no exec hook\n");
	expect_error(SL "rule r {\n storyline s\n match a\n exec \"/x\"\n timeout 2d\n}\n",
		     "t.rules:7:10: expected a duration up to 1h such as 10s, 500ms or 2m, found '2d'\n");
}

static void test_error_facts(void **state)
{
	expect_error("storyline s {\n fact person 2 = x\n}\n",
		     "t.rules:2:7: expected a fact kind (actor, place, agreement, number, date, event or topic), found 'person'\n");
	expect_error("storyline s {\n fact actor 2 x\n}\n",
		     "t.rules:2:15: expected '=' after the fact's weight\n");
}

static void test_error_invalid_utf8(void **state)
{
	expect_error(SL "rule r {\n storyline s\n match caf\xe9 OR b\n}\n",
		     "t.rules:5:11: invalid UTF-8\n");
}

static void test_error_include_without_dir(void **state)
{
	expect_error("include \"x.terms\"\n",
		     "t.rules:1:9: cannot read \"x.terms\": this text has no directory to read it from\n");
}

static void test_error_include_missing_file(void **state)
{
	const char *text = "include \"no-such.terms\"\n";
	struct rules_errors errs = { 0 };
	struct ruleset *rs = NULL;

	assert_int_equal(rules_compile_text("t.rules", text, strlen(text), RULES_DIR, &rs, &errs), -EINVAL);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.v[0].message, "cannot read \"no-such.terms\": No such file or directory");
	rules_errors_clear(&errs);
}

static void test_include_once(void **state)
{
	/* a file that includes itself, included twice: read once, no loop */
	char dir[] = "/tmp/test-rules-XXXXXX";
	struct rules_errors errs = { 0 };
	_cleanup_ruleset_ struct ruleset *rs = NULL;
	const char *text = "include \"loop.terms\"\ninclude \"loop.terms\"\n"
			   "storyline s {\n}\nrule r {\n storyline s\n match $X\n}\n";

	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *path = xasprintf("%s/loop.terms", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("define X = x\ninclude \"loop.terms\"\n", f);
	fclose(f);

	assert_int_equal(rules_compile_text("t.rules", text, strlen(text), dir, &rs, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(ruleset_n_terms(rs), 1);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void test_error_include_depth(void **state)
{
	/* d0 includes d1 ... d9: the ninth level is refused */
	char dir[] = "/tmp/test-rules-XXXXXX";
	struct rules_errors errs = { 0 };
	struct ruleset *rs = NULL;
	const char *text = "include \"d0.terms\"\n";

	assert_non_null(mkdtemp(dir));
	for (int i = 0; i < 10; i++) {
		_cleanup_free_ char *path = xasprintf("%s/d%d.terms", dir, i);
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "define D%d = d%d\ninclude \"d%d.terms\"\n", i, i, i + 1);
		fclose(f);
	}
	assert_int_equal(rules_compile_text("t.rules", text, strlen(text), dir, &rs, &errs), -EINVAL);
	assert_int_equal(errs.n, 1);
	assert_true(strstr(errs.v[0].file, "/d7.terms") != NULL);
	assert_int_equal(errs.v[0].line, 2);
	assert_int_equal(errs.v[0].column, 9);
	assert_string_equal(errs.v[0].message,
			    "\"d8.terms\": files included deeper than 8 levels");
	rules_errors_clear(&errs);
	for (int i = 0; i < 10; i++) {
		_cleanup_free_ char *path = xasprintf("%s/d%d.terms", dir, i);
		assert_int_equal(unlink(path), 0);
	}
	assert_int_equal(rmdir(dir), 0);
}

static void test_profile_errors_point_into_profile(void **state)
{
	/* the profile uses lists of people.terms, which this text does not
	 * include: the errors are located in the profile */
	const char *text = "storyline s {\n profile \"talks.profile\"\n}\n";
	struct rules_errors errs = { 0 };
	struct ruleset *rs = NULL;

	assert_int_equal(rules_compile_text("t.rules", text, strlen(text), RULES_DIR, &rs, &errs), -EINVAL);
	assert_int_equal(errs.n, 2);
	assert_string_equal(errs.v[0].message, "unknown term list '$KREMLIN_HEAD'");
	assert_int_equal(errs.v[0].line, 2);
	assert_int_equal(errs.v[0].column, 16);
	assert_true(strstr(errs.v[0].file, "talks.profile") != NULL);
	rules_errors_clear(&errs);
}

/* ---- limits ------------------------------------------------------------------------ */

static void test_limit_file_size(void **state)
{
	size_t n = RULES_MAX_FILE_BYTES + 1;
	_cleanup_free_ char *big = xmalloc(n + 1);
	struct rules_errors errs = { 0 };
	struct ruleset *rs = NULL;

	memset(big, '\n', n);
	big[n] = '\0';
	assert_int_equal(rules_compile_text("big.rules", big, n, NULL, &rs, &errs), -EINVAL);
	assert_int_equal(errs.n, 1);
	_cleanup_free_ char *s = rules_error_format(&errs.v[0]);
	assert_string_equal(s, "big.rules: file is larger than 1048576 bytes\n");
	rules_errors_clear(&errs);
}

static void test_limit_nesting(void **state)
{
	_cleanup_buf_ struct buf b;

	buf_init(&b, 0);
	(void)buf_puts(&b, SL "rule r {\n storyline s\n match ");
	for (int i = 0; i < 40; i++)
		(void)buf_putc(&b, '(');
	(void)buf_putc(&b, 'a');
	for (int i = 0; i < 40; i++)
		(void)buf_putc(&b, ')');
	(void)buf_puts(&b, "\n}\n");
	expect_error(buf_str(&b), "t.rules:5:40: expression nested deeper than 32 levels\n");
}

static void test_limit_nesting_not(void **state)
{
	_cleanup_buf_ struct buf b;

	buf_init(&b, 0);
	(void)buf_puts(&b, SL "rule r {\n storyline s\n match x AND ");
	for (int i = 0; i < 40; i++)
		(void)buf_puts(&b, "NOT ");
	(void)buf_puts(&b, "a\n}\n");
	expect_error(buf_str(&b), "t.rules:5:142: expression nested deeper than 32 levels\n");
}

static void test_limit_terms_per_rule(void **state)
{
	/* each list doubles the one before: 2^14 terms once expanded */
	_cleanup_buf_ struct buf b;

	buf_init(&b, 0);
	(void)buf_puts(&b, "define L0 = a OR b\n");
	for (int i = 1; i < 14; i++)
		(void)buf_printf(&b, "define L%d = $L%d OR $L%d\n", i, i - 1, i - 1);
	expect_error(buf_str(&b), "t.rules:14:8: term list 'L13' has more than 10000 terms, expanded\n");

	/* 2^13 each, under the ceiling; the rule that joins two is over it */
	buf_reset(&b);
	(void)buf_puts(&b, "define L0 = a OR b\n");
	for (int i = 1; i < 13; i++)
		(void)buf_printf(&b, "define L%d = $L%d OR $L%d\n", i, i - 1, i - 1);
	(void)buf_puts(&b, SL "rule r {\n storyline s\n match $L12 OR x OR $L12\n}\n");
	expect_error(buf_str(&b),
		     "t.rules:16:6: this rule has more than 10000 terms once its term lists are expanded\n");
}

static void test_limit_errors(void **state)
{
	_cleanup_buf_ struct buf b;
	struct rules_errors errs = { 0 };
	struct ruleset *rs = NULL;

	buf_init(&b, 0);
	for (int i = 0; i < 500; i++)
		(void)buf_puts(&b, "oops\n");
	assert_int_equal(rules_compile_text("t.rules", buf_str(&b), b.len, NULL, &rs, &errs), -EINVAL);
	assert_int_equal(errs.n, RULES_MAX_ERRORS);
	assert_string_equal(errs.v[RULES_MAX_ERRORS - 1].message, "too many errors, stopping after 199");
	rules_errors_clear(&errs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_rule_and_defaults),
		cmocka_unit_test(test_rule_settings),
		cmocka_unit_test(test_threshold_defaults_follow),
		cmocka_unit_test(test_actions_and_urgencies),
		cmocka_unit_test(test_operator_precedence),
		cmocka_unit_test(test_parentheses_and_continuation),
		cmocka_unit_test(test_operator_starts_continuation),
		cmocka_unit_test(test_word_prefix_phrase_terms),
		cmocka_unit_test(test_same_term_shared),
		cmocka_unit_test(test_field_scopes),
		cmocka_unit_test(test_term_lists_any_order),
		cmocka_unit_test(test_long_term_lists_are_flat),
		cmocka_unit_test(test_inline_facts),
		cmocka_unit_test(test_directory_sorted_include_profile),
		cmocka_unit_test(test_missing_directory),
		cmocka_unit_test(test_comments_everywhere),
		cmocka_unit_test(test_error_format_with_caret),
		cmocka_unit_test(test_column_counts_characters),
		cmocka_unit_test(test_five_errors_all_reported),
		cmocka_unit_test(test_errors_in_several_files),
		cmocka_unit_test(test_error_lowercase_operator),
		cmocka_unit_test(test_error_near_without_distance),
		cmocka_unit_test(test_error_near_with_and),
		cmocka_unit_test(test_error_wildcards),
		cmocka_unit_test(test_error_strings_and_parens),
		cmocka_unit_test(test_error_blocks),
		cmocka_unit_test(test_error_missing_parts),
		cmocka_unit_test(test_error_duplicates),
		cmocka_unit_test(test_error_not_only),
		cmocka_unit_test(test_error_self_reference),
		cmocka_unit_test(test_error_list_reported_once),
		cmocka_unit_test(test_error_thresholds),
		cmocka_unit_test(test_error_exec),
		cmocka_unit_test(test_error_facts),
		cmocka_unit_test(test_error_invalid_utf8),
		cmocka_unit_test(test_error_include_without_dir),
		cmocka_unit_test(test_error_include_missing_file),
		cmocka_unit_test(test_include_once),
		cmocka_unit_test(test_error_include_depth),
		cmocka_unit_test(test_profile_errors_point_into_profile),
		cmocka_unit_test(test_limit_file_size),
		cmocka_unit_test(test_limit_nesting),
		cmocka_unit_test(test_limit_nesting_not),
		cmocka_unit_test(test_limit_terms_per_rule),
		cmocka_unit_test(test_limit_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
