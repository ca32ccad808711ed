/* test-match.c - the matcher: operators, fields, positions, scoring. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "match.h"
#include "rules.h"
#include "util.h"

static struct ruleset *compile(const char *text)
{
	struct rules_errors errs = { 0 };
	struct ruleset *rs = NULL;
	int r = rules_compile_text("t.rules", text, strlen(text), NULL, &rs, &errs);

	if (r < 0)
		rules_errors_print(&errs, stderr);
	assert_int_equal(r, 0);
	return rs;
}

/* One storyline "s" (notify at 1, log at 0.5) and one rule "r" matching expr. */
static struct ruleset *one_rule(const char *expr)
{
	_cleanup_free_ char *text = xasprintf(
		"storyline s {\n notify at 1\n log at 0.5\n}\nrule r {\n storyline s\n match %s\n}\n", expr);
	return compile(text);
}

static bool fires_in(const char *expr, const struct match_input *in)
{
	_cleanup_ruleset_ struct ruleset *rs = one_rule(expr);
	_cleanup_match_result_ struct match_result *res = NULL;

	assert_int_equal(match_item(rs, in, &res), 0);
	return res->n_hits == 1;
}

/* Does expr fire on an item with this title? */
static bool fires(const char *expr, const char *title)
{
	return fires_in(expr, &(struct match_input){ .title = title });
}

/* ---- words ---------------------------------------------------------------------- */

static void test_headline_is_the_main_clause(void **state)
{
	/* An ASCII title: the main clause found in the title's own scan. */
	assert_true(fires("headline:talks", "Envoys open talks in Geneva"));
	assert_false(fires("headline:talks", "Strike kills two amid truce talks"));
	assert_true(fires("title:talks", "Strike kills two amid truce talks"));
	assert_true(fires("headline:\"truce talks\"", "Truce talks resume despite the strike"));
	assert_false(fires("headline:strike*", "Truce talks resume despite the strike"));
	/* Other text: the main clause scanned on its own. */
	assert_true(fires("headline:rozmow*", "Rozmowy w Genewie mimo ostrzału"));
	assert_false(fires("headline:ostrza*", "Rozmowy w Genewie mimo ostrzału"));
	assert_false(fires("headline:переговор*", "Обстрел порта после переговоров"));
	assert_true(fires("headline:обстрел", "Обстрел порта после переговоров"));
	/* The same short title twice: the second one comes from no memo of
	 * the title alone. */
	assert_true(fires("headline:talks AND title:talks", "Talks amid a storm"));
	assert_true(fires("headline:talks AND title:talks", "Talks amid a storm"));
}

static void test_signal_question(void **state)
{
	assert_true(fires("signal:question", "Can the truce hold?"));
	assert_true(fires("signal:question", "Czy rozejm przetrwa zimę"));
	assert_false(fires("signal:question", "The truce holds"));
	/* no field but its own finds the signal's words */
	assert_false(fires("question", "Can the truce hold?"));
}

static void test_word_whole(void **state)
{
	assert_true(fires("truce", "A truce, at last"));
	assert_false(fires("truce", "Truces everywhere"));
	assert_false(fires("truce", "reconstruce"));
}

static void test_word_case_and_accents(void **state)
{
	assert_true(fires("Zelenskyy", "ZELÉNSKYY speaks"));
	assert_true(fires("élysée", "Talks at the Elysee"));
	assert_true(fires("Strasse", "Straße closed"));
	assert_true(fires("İstanbul", "istanbul talks"));
}

static void test_word_cyrillic(void **state)
{
	assert_true(fires("перемирие", "ПЕРЕМИРИЕ объявлено"));
	assert_true(fires("Київ", "КИЇВ заявив"));
	assert_false(fires("Київ", "у Києві"));
	assert_true(fires("ґрунт", "Ґрунт"));
}

static void test_prefix(void **state)
{
	assert_true(fires("Zelensk*", "Zelensky said"));
	assert_true(fires("Zelensk*", "Zelenskyy's office"));
	assert_true(fires("Zelensk*", "zelensk"));
	assert_false(fires("Zelensk*", "Zelen"));
	/* a hyphen ends the token: "Zelensk-led" holds the token "zelensk" */
	assert_true(fires("Zelensk*", "the Zelensk-led"));
	assert_true(fires("Зеленськ*", "слова Зеленського"));
	assert_false(fires("Zelensk*", "aZelensky"));
}

static void test_short_prefix(void **state)
{
	/* prefixes of two and three bytes have a filter of their own */
	assert_true(fires("ne*", "New talks"));
	assert_true(fires("ne*", "ne"));
	assert_false(fires("ne*", "Old talks"));
	assert_false(fires("ne*", "n e"));
	assert_true(fires("tal*", "Talks resume"));
	assert_false(fires("tal*", "Ta lks"));
	assert_true(fires("ne* AND tal*", "needs tall talks"));
	assert_true(fires("Ki*", "Kiev or Kyiv"));
	assert_false(fires("Ki*", "in Kyiv"));
}

static void test_prefix_accented(void **state)
{
	/* the stem is folded like the text */
	assert_true(fires("Zélensk*", "ZELENSKIY"));
	assert_true(fires("Путі*", "ПУТІНА"));
}

static void test_phrase(void **state)
{
	assert_true(fires("\"energy infrastructure\"", "Strikes on energy infrastructure"));
	assert_true(fires("\"energy infrastructure\"", "ENERGY-INFRASTRUCTURE"));
	/* punctuation between the words does not break a phrase */
	assert_true(fires("\"energy infrastructure\"", "energy, infrastructure"));
	assert_true(fires("\"energy infrastructure\"", "energy (infrastructure)"));
	assert_false(fires("\"energy infrastructure\"", "energy and infrastructure"));
	assert_false(fires("\"energy infrastructure\"", "infrastructure energy"));
	assert_false(fires("\"energy infrastructure\"", "energy"));
}

static void test_phrase_from_punctuated_word(void **state)
{
	assert_true(fires("30-day", "a 30 day pause"));
	assert_true(fires("30-day", "a 30-day pause"));
	assert_false(fires("30-day", "30 long day"));
}

static void test_phrase_repeated_first_word(void **state)
{
	assert_true(fires("\"black sea\"", "black black sea"));
}

static void test_phrase_not_across_fields(void **state)
{
	assert_false(fires_in("\"energy infrastructure\"",
			      &(struct match_input){ .title = "energy", .summary = "infrastructure" }));
}

static void test_phrase_not_across_categories(void **state)
{
	const char *cats[] = { "energy", "infrastructure" };

	assert_false(fires_in("category:\"energy infrastructure\"",
			      &(struct match_input){ .categories = cats, .n_categories = 2 }));
	assert_true(fires_in("category:infrastructure",
			     &(struct match_input){ .categories = cats, .n_categories = 2 }));
}

/* ---- operators ------------------------------------------------------------------ */

static void test_and_or_not(void **state)
{
	assert_true(fires("truce AND energy", "energy truce"));
	assert_false(fires("truce AND energy", "truce"));
	assert_true(fires("truce OR ceasefire", "ceasefire"));
	assert_false(fires("truce OR ceasefire", "peace"));
	assert_true(fires("truce AND NOT olympic", "a truce"));
	assert_false(fires("truce AND NOT olympic", "olympic truce"));
	assert_true(fires("(truce OR ceasefire) AND (energy OR power)", "ceasefire on power"));
	assert_false(fires("(truce OR ceasefire) AND (energy OR power)", "ceasefire on water"));
	assert_true(fires("truce AND NOT (olympic OR football)", "truce"));
	assert_false(fires("truce AND NOT (olympic OR football)", "football truce"));
}

static void test_not_not(void **state)
{
	assert_true(fires("truce AND NOT NOT energy", "energy truce"));
	assert_false(fires("truce AND NOT NOT energy", "truce"));
}

static void test_near_distance_edges(void **state)
{
	/* NEAR/2: at most two words between */
	assert_true(fires("ceasefire NEAR/2 energy", "ceasefire energy"));
	assert_true(fires("ceasefire NEAR/2 energy", "ceasefire on the energy"));
	assert_false(fires("ceasefire NEAR/2 energy", "ceasefire on all the energy"));
	/* either order */
	assert_true(fires("ceasefire NEAR/2 energy", "energy for a ceasefire"));
	assert_false(fires("ceasefire NEAR/2 energy", "energy for the new ceasefire"));
}

static void test_near_zero_adjacent(void **state)
{
	assert_true(fires("ceasefire NEAR/0 energy", "energy ceasefire"));
	assert_false(fires("ceasefire NEAR/0 energy", "energy, a ceasefire"));
}

static void test_near_needs_two_occurrences(void **state)
{
	assert_false(fires("truce NEAR/3 truce", "a truce"));
	assert_true(fires("truce NEAR/3 truce", "truce after truce"));
}

static void test_near_any_pair(void **state)
{
	/* the first ceasefire is far, the second is near */
	assert_true(fires("ceasefire NEAR/1 energy",
			  "ceasefire a b c d e f g h ceasefire on energy"));
}

static void test_near_with_phrase_and_groups(void **state)
{
	/* words between count from the phrase's last word */
	assert_true(fires("\"energy infrastructure\" NEAR/1 (truce OR ceasefire)",
			  "energy infrastructure strike ceasefire"));
	assert_false(fires("\"energy infrastructure\" NEAR/1 (truce OR ceasefire)",
			   "energy infrastructure strike and ceasefire"));
	assert_true(fires("ceasefire NEAR/1 \"energy infrastructure\"",
			  "energy infrastructure, ceasefire"));
	assert_true(fires("Zelensk* NEAR/3 Putin*", "Putin and Zelensky"));
}

static void test_near_chain(void **state)
{
	assert_true(fires("a1 NEAR/0 b1 NEAR/0 c1", "a1 b1 c1"));
	assert_false(fires("a1 NEAR/0 b1 NEAR/0 c1", "a1 b1 x c1"));
}

static void test_near_same_field(void **state)
{
	assert_false(fires_in("ceasefire NEAR/5 energy",
			      &(struct match_input){ .title = "ceasefire", .summary = "energy" }));
	assert_true(fires_in("ceasefire NEAR/5 energy",
			     &(struct match_input){ .title = "x", .summary = "energy and ceasefire" }));
}

/* ---- fields ------------------------------------------------------------------------ */

static void test_fields(void **state)
{
	const char *cats[] = { "World news", "Sport" };
	struct match_input in = {
		.title = "Talks resume",
		.summary = "Envoys met in Riyadh",
		.feed_title = "Daily Planet",
		.feed_url = "https://planet.example/rss",
		.author = "Jane Doe",
		.link = "https://news.example/world/talks-resume",
		.categories = cats,
		.n_categories = 2,
	};

	assert_true(fires_in("title:talks", &in));
	assert_false(fires_in("title:riyadh", &in));
	assert_true(fires_in("summary:riyadh", &in));
	assert_false(fires_in("summary:talks", &in));
	assert_true(fires_in("feed:planet", &in));
	assert_true(fires_in("feed:\"planet example\"", &in));
	assert_true(fires_in("feed:\"daily planet\"", &in));
	assert_false(fires_in("feed:talks", &in));
	assert_true(fires_in("author:doe", &in));
	assert_false(fires_in("author:talks", &in));
	assert_true(fires_in("category:sport", &in));
	assert_true(fires_in("category:\"world news\"", &in));
	assert_true(fires_in("link:world", &in));
	assert_true(fires_in("link:news.example", &in));
	assert_false(fires_in("link:riyadh", &in));
}

static void test_default_scope(void **state)
{
	const char *cats[] = { "Diplomacy" };
	struct match_input in = {
		.title = "Talks",
		.summary = "Envoys",
		.author = "Jane Doe",
		.feed_title = "Planet",
		.link = "https://x.example/world",
		.categories = cats,
		.n_categories = 1,
	};

	/* title, summary and category; not author, feed or link */
	assert_true(fires_in("talks", &in));
	assert_true(fires_in("envoys", &in));
	assert_true(fires_in("diplomacy", &in));
	assert_false(fires_in("doe", &in));
	assert_false(fires_in("planet", &in));
	assert_false(fires_in("world", &in));
}

static void test_field_scope_on_groups(void **state)
{
	struct match_input in = { .title = "ceasefire", .summary = "energy" };

	assert_true(fires_in("title:(truce OR ceasefire) AND summary:energy", &in));
	assert_false(fires_in("title:(truce OR energy)", &in));
}

static void test_term_scoped_in_one_use_open_in_another(void **state)
{
	/* a word looked for in the title by one rule and anywhere by another,
	 * and the words of a title phrase: kept where some use looks */
	_cleanup_ruleset_ struct ruleset *rs = compile(
		"storyline s {\n notify at 9\n log at 1\n}\n"
		"rule t {\n storyline s\n match title:shares\n}\n"
		"rule p {\n storyline s\n match title:\"energy infrastructure\" AND summary:energy\n}\n"
		"rule a {\n storyline s\n match feed:shares\n}\n");
	struct {
		struct match_input in;
		size_t hits;
	} cases[] = {
		{ { .title = "Shares fall", .summary = "energy" }, 1 },
		{ { .title = "Fall", .summary = "shares", .feed_title = "shares" }, 1 },
		{ { .title = "Energy infrastructure hit", .summary = "Energy prices" }, 1 },
		{ { .title = "Energy prices", .summary = "energy infrastructure" }, 0 },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_match_result_ struct match_result *res = NULL;
		assert_int_equal(match_item(rs, &cases[i].in, &res), 0);
		assert_int_equal(res->n_hits, cases[i].hits);
	}
}

static void test_null_fields(void **state)
{
	assert_false(fires_in("truce", &(struct match_input){ 0 }));
}

/* ---- scoring ------------------------------------------------------------------------- */

static const char scoring_rules[] =
	"storyline talks {\n"
	" title \"Talks\"\n"
	" notify at 5\n"
	" log at 2\n"
	" fact actor 1 = Putin\n"
	" fact place 0.5 = Riyadh\n"
	"}\n"
	"rule big {\n storyline talks\n weight 4\n action notify\n urgency critical\n match ceasefire\n}\n"
	"rule context {\n storyline talks\n weight 3\n action log\n match talks\n}\n"
	"rule mild {\n storyline talks\n weight 1\n action notify\n urgency low\n match envoy\n}\n"
	"rule minus {\n storyline talks\n weight -2\n action log\n match opinion\n}\n"
	"rule veto {\n storyline talks\n weight 0\n action ignore\n match olympic\n}\n"
	"rule hold {\n storyline talks\n weight 0\n limit log\n match column\n}\n";

static struct match_result *score(const char *title)
{
	_cleanup_ruleset_ struct ruleset *rs = compile(scoring_rules);
	struct match_result *res = NULL;

	assert_int_equal(match_item(rs, &(struct match_input){ .title = title }, &res), 0);
	/* the result borrows from the ruleset: copy what the tests read */
	if (res->storyline)
		assert_string_equal(res->storyline, "talks");
	for (size_t i = 0; i < res->n_hits; i++)
		res->hits[i].rule = NULL;
	for (size_t i = 0; i < res->n_evidence; i++)
		res->evidence[i].rule = res->evidence[i].term = NULL;
	res->storyline = res->storyline_title = NULL;
	return res;
}

static void test_score_notify(void **state)
{
	_cleanup_match_result_ struct match_result *r = score("ceasefire with Putin");

	assert_true(r->score == 5.0);
	assert_int_equal(r->action, ACTION_NOTIFY);
	assert_int_equal(r->urgency, URGENCY_CRITICAL);
	assert_int_equal(r->n_hits, 2);
	/* facts first: they were declared first */
	assert_true(r->hits[0].is_fact);
	assert_true(r->hits[0].contribution == 1.0);
	assert_int_equal(r->hits[0].action, ACTION_LOG);
	assert_false(r->hits[1].is_fact);
	assert_true(r->hits[1].contribution == 4.0);
	assert_int_equal(r->hits[1].action, ACTION_NOTIFY);
}

static void test_score_below_notify_logs(void **state)
{
	_cleanup_match_result_ struct match_result *r = score("ceasefire");

	assert_true(r->score == 4.0);
	assert_int_equal(r->action, ACTION_LOG);
}

static void test_score_below_log_ignores(void **state)
{
	_cleanup_match_result_ struct match_result *r = score("envoy");

	assert_true(r->score == 1.0);
	assert_int_equal(r->action, ACTION_IGNORE);
	assert_int_equal(r->n_hits, 1);
}

static void test_notify_rule_lifts_cap(void **state)
{
	/* 3 + 1 + 0.5 + 1 = 5.5: the log rule "context" alone could not notify,
	 * the notify rule "mild" lets the score decide */
	_cleanup_match_result_ struct match_result *a = score("talks Putin Riyadh envoy");

	assert_true(a->score == 5.5);
	assert_int_equal(a->action, ACTION_NOTIFY);
	assert_int_equal(a->urgency, URGENCY_LOW);
}

static const char cap_rules[] =
	"storyline s {\n notify at 2\n log at 1\n fact actor 5 = Putin\n}\n"
	"rule ctx {\n storyline s\n weight 5\n action log\n match talks\n}\n";

static void test_log_rule_caps_action(void **state)
{
	_cleanup_ruleset_ struct ruleset *rs = compile(cap_rules);
	_cleanup_match_result_ struct match_result *r = NULL;

	assert_int_equal(match_item(rs, &(struct match_input){ .title = "talks" }, &r), 0);
	assert_true(r->score == 5.0);
	assert_int_equal(r->action, ACTION_LOG);
	assert_int_equal(r->urgency, URGENCY_NORMAL);
}

static void test_facts_alone_only_log(void **state)
{
	_cleanup_ruleset_ struct ruleset *rs = compile(cap_rules);
	_cleanup_match_result_ struct match_result *r = NULL;

	assert_int_equal(match_item(rs, &(struct match_input){ .title = "Putin" }, &r), 0);
	assert_true(r->score == 5.0);
	assert_int_equal(r->action, ACTION_LOG);
	assert_int_equal(r->n_hits, 1);
	assert_true(r->hits[0].is_fact);
	assert_string_equal(r->hits[0].rule, "actor Putin");
}

static void test_negative_weight(void **state)
{
	_cleanup_match_result_ struct match_result *r = score("opinion: ceasefire with Putin");

	assert_true(r->score == 3.0);
	assert_int_equal(r->action, ACTION_LOG);
}

static void test_limit_log_holds_a_notify_score(void **state)
{
	/* 4 + 1 = 5 would notify; the matching limit rule holds it at log
	 * without taking anything from the score */
	_cleanup_match_result_ struct match_result *r = score("column: ceasefire with Putin");

	assert_true(r->score == 5.0);
	assert_int_equal(r->action, ACTION_LOG);
}

static void test_limit_log_keeps_lower_actions(void **state)
{
	_cleanup_match_result_ struct match_result *r = score("column on an envoy");

	assert_true(r->score == 1.0);
	assert_int_equal(r->action, ACTION_IGNORE);
}

static void test_ignore_veto(void **state)
{
	_cleanup_match_result_ struct match_result *r = score("olympic ceasefire with Putin");

	assert_true(r->score == 5.0);
	assert_int_equal(r->action, ACTION_IGNORE);
	assert_int_equal(r->n_hits, 3);
	assert_int_equal(r->hits[2].action, ACTION_IGNORE);
}

static void test_no_match(void **state)
{
	_cleanup_ruleset_ struct ruleset *rs = compile(scoring_rules);
	_cleanup_match_result_ struct match_result *r = NULL;

	assert_int_equal(match_item(rs, &(struct match_input){ .title = "weather today" }, &r), 0);
	assert_null(r->storyline);
	assert_true(r->score == 0.0);
	assert_int_equal(r->action, ACTION_IGNORE);
	assert_int_equal(r->n_hits, 0);
	assert_int_equal(r->n_evidence, 0);
}

static void test_best_storyline(void **state)
{
	_cleanup_ruleset_ struct ruleset *rs = compile(
		"storyline a {\n notify at 3\n log at 1\n}\n"
		"storyline b {\n notify at 3\n log at 1\n}\n"
		"rule ra {\n storyline a\n weight 2\n match truce\n}\n"
		"rule rb {\n storyline b\n weight 3\n match truce OR talks\n}\n"
		"rule rb2 {\n storyline b\n weight 1\n action log\n match energy\n}\n");
	_cleanup_match_result_ struct match_result *r1 = NULL, *r2 = NULL, *r3 = NULL;

	/* a: 2 (log), b: 3 (notify) */
	assert_int_equal(match_item(rs, &(struct match_input){ .title = "truce" }, &r1), 0);
	assert_string_equal(r1->storyline, "b");
	assert_int_equal(r1->action, ACTION_NOTIFY);
	assert_int_equal(r1->n_hits, 1);
	assert_string_equal(r1->hits[0].rule, "rb");
	/* a: 2 (log); b: 3 + 1 = 4 (notify) */
	assert_int_equal(match_item(rs, &(struct match_input){ .title = "energy", .summary = "truce" }, &r2), 0);
	assert_string_equal(r2->storyline, "b");
	assert_true(r2->score == 4.0);
	/* equal action and score: the first declared */
	_cleanup_ruleset_ struct ruleset *rs2 = compile(
		"storyline a {\n}\nstoryline b {\n}\n"
		"rule ra {\n storyline a\n match truce\n}\nrule rb {\n storyline b\n match truce\n}\n");
	assert_int_equal(match_item(rs2, &(struct match_input){ .title = "truce" }, &r3), 0);
	assert_string_equal(r3->storyline, "a");
	assert_int_equal(r3->action, ACTION_IGNORE);
}

/* ---- evidence ------------------------------------------------------------------------ */

static void test_evidence_positions(void **state)
{
	_cleanup_ruleset_ struct ruleset *rs = compile(
		"storyline s {\n title \"S\"\n}\n"
		"rule r {\n storyline s\n match (Zelensk* OR \"energy infrastructure\") AND NOT sport\n}\n");
	const char *cats[] = { "Europe", "Energy infrastructure" };
	_cleanup_match_result_ struct match_result *res = NULL;

	assert_int_equal(match_item(rs, &(struct match_input){
		.title = "Zelensky on energy infrastructure",
		.summary = "Mr. Zelenskyy's words",
		.categories = cats, .n_categories = 2 }, &res), 0);
	assert_string_equal(res->storyline, "s");
	assert_string_equal(res->storyline_title, "S");
	assert_int_equal(res->n_evidence, 4);
	assert_string_equal(res->evidence[0].rule, "r");
	assert_string_equal(res->evidence[0].term, "Zelensk*");
	assert_null(res->evidence[0].list);
	assert_string_equal(res->evidence[0].field, "title");
	assert_int_equal(res->evidence[0].position, 0);
	assert_string_equal(res->evidence[1].term, "Zelensk*");
	assert_string_equal(res->evidence[1].field, "summary");
	assert_int_equal(res->evidence[1].position, 1);
	assert_string_equal(res->evidence[2].term, "\"energy infrastructure\"");
	assert_string_equal(res->evidence[2].field, "title");
	assert_int_equal(res->evidence[2].position, 2);
	/* positions count within each category */
	assert_string_equal(res->evidence[3].field, "category");
	assert_int_equal(res->evidence[3].position, 0);
}

static void test_evidence_term_lists(void **state)
{
	_cleanup_ruleset_ struct ruleset *rs = compile(
		"storyline s {\n title \"S\"\n}\n"
		"define KREMLIN = Kremlin OR Peskov\n"
		"define RUSSIA = Russia OR $KREMLIN\n"
		"rule r {\n storyline s\n match ($RUSSIA OR envoy) AND NOT sport\n}\n"
		"rule q {\n storyline s\n match title:$KREMLIN\n}\n");
	_cleanup_match_result_ struct match_result *res = NULL;

	assert_int_equal(match_item(rs, &(struct match_input){
		.title = "Peskov meets envoy in Russia" }, &res), 0);
	assert_int_equal(res->n_evidence, 4);
	/* each term names the innermost list it came from */
	for (size_t i = 0; i < res->n_evidence; i++) {
		const struct match_evidence *e = &res->evidence[i];

		if (streq(e->term, "Peskov"))
			assert_string_equal(e->list, "KREMLIN");
		else if (streq(e->term, "Russia"))
			assert_string_equal(e->list, "RUSSIA");
		else {
			assert_string_equal(e->term, "envoy");
			assert_null(e->list);
		}
	}
}

static void test_rules_only_from_their_terms(void **state)
{
	/* many rules; only the one whose word occurs fires */
	_cleanup_free_ char *text = NULL;
	_cleanup_ruleset_ struct ruleset *rs = NULL;
	_cleanup_match_result_ struct match_result *res = NULL;
	char *p;
	size_t n = 0;

	text = xmalloc(200 * 100);
	p = text;
	p += sprintf(p, "storyline s {\n notify at 1\n}\n");
	for (int i = 0; i < 200; i++)
		p += sprintf(p, "rule r%d {\n storyline s\n match w%d AND NOT x\n}\n", i, i);
	rs = compile(text);
	assert_int_equal(match_item(rs, &(struct match_input){ .title = "w17 w170" }, &res), 0);
	n = res->n_hits;
	assert_int_equal(n, 2);
	assert_string_equal(res->hits[0].rule, "r17");
	assert_string_equal(res->hits[1].rule, "r170");
	assert_true(res->score == 2.0);
}

static void test_many_candidates_in_rule_order(void **state)
{
	/* 100 rules over 7 words met in reverse: more candidates than the
	 * insertion sort takes, reported in the order the rules were read */
	_cleanup_buf_ struct buf b;
	_cleanup_ruleset_ struct ruleset *rs = NULL;
	_cleanup_match_result_ struct match_result *res = NULL;

	buf_init(&b, 0);
	(void)buf_puts(&b, "storyline s {\n notify at 1\n}\n");
	for (int i = 0; i < 100; i++)
		(void)buf_printf(&b, "rule r%03d {\n storyline s\n match t%d\n}\n", i, i % 7);
	rs = compile(buf_str(&b));
	assert_int_equal(match_item(rs, &(struct match_input){
		.title = "t6 t5 t4 t3 t2 t1 t0 t6 t5 t4 t3 t2 t1 t0 t6 t5 t4 t3 t2 t1 t0" }, &res), 0);
	assert_int_equal(res->n_hits, 100);
	for (int i = 0; i < 100; i++) {
		char name[8];
		snprintf(name, sizeof(name), "r%03d", i);
		assert_string_equal(res->hits[i].rule, name);
	}
	assert_true(res->score == 100.0);
	/* three occurrences for each of 100 rules: evidence stops at its ceiling */
	assert_int_equal(res->n_evidence, 256);
	assert_string_equal(res->evidence[255].rule, "r085");
}

static void test_scratch_reused(void **state)
{
	/* one scratch across items, big then small: the same results as
	 * match_item() with fresh memory */
	_cleanup_ruleset_ struct ruleset *rs = compile(scoring_rules);
	_cleanup_match_scratch_ struct match_scratch *scratch = NULL;
	const char *titles[] = {
		"ceasefire talks with Putin in Riyadh, envoy and opinion, olympic",
		"talks",
		"weather",
		"ceasefire with Putin",
	};

	assert_int_equal(match_scratch_new(&scratch), 0);
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < ELEMENTSOF(titles); i++) {
			_cleanup_match_result_ struct match_result *a = NULL, *b = NULL;
			struct match_input in = { .title = titles[i] };
			assert_int_equal(match_item_scratch(rs, &in, scratch, &a), 0);
			assert_int_equal(match_item(rs, &in, &b), 0);
			assert_true(a->score == b->score);
			assert_int_equal(a->action, b->action);
			assert_int_equal(a->urgency, b->urgency);
			assert_int_equal(a->n_hits, b->n_hits);
			assert_int_equal(a->n_evidence, b->n_evidence);
			for (size_t k = 0; k < a->n_evidence; k++) {
				assert_string_equal(a->evidence[k].term, b->evidence[k].term);
				assert_int_equal(a->evidence[k].position, b->evidence[k].position);
			}
		}
}

static void same_result(const struct match_result *a, const struct match_result *b)
{
	assert_true(a->score == b->score);
	assert_int_equal(a->action, b->action);
	assert_int_equal(a->n_hits, b->n_hits);
	for (size_t k = 0; k < a->n_hits; k++)
		assert_string_equal(a->hits[k].rule, b->hits[k].rule);
	assert_int_equal(a->n_evidence, b->n_evidence);
	for (size_t k = 0; k < a->n_evidence; k++) {
		assert_string_equal(a->evidence[k].term, b->evidence[k].term);
		assert_string_equal(a->evidence[k].field, b->evidence[k].field);
		assert_int_equal(a->evidence[k].position, b->evidence[k].position);
	}
}

static void test_feed_texts_remembered(void **state)
{
	/* the scratch finds a feed's terms once and replays them for its next
	 * items: the same results as fresh memory, feed after feed, and for
	 * another ruleset with the same scratch */
	_cleanup_ruleset_ struct ruleset *one = compile(
		"storyline s {\n notify at 2\n log at 1\n}\n"
		"rule analysis {\n storyline s\n match feed:(analysis OR \"world desk\") AND truce\n}\n"
		"rule wire {\n storyline s\n match feed:example* AND title:talks\n}\n"
		"rule tagged {\n storyline s\n match category:truce* NEAR/1 category:talks\n}\n");
	_cleanup_ruleset_ struct ruleset *two = compile(
		"storyline s {\n notify at 1\n log at 0.5\n}\n"
		"rule r {\n storyline s\n match feed:desk\n}\n");
	_cleanup_match_scratch_ struct match_scratch *scratch = NULL;
	static const struct {
		const char *feed_title, *feed_url, *title;
	} items[] = {
		{ "Analysis: World Desk", "https://example.org/rss", "truce talks" },
		{ "Analysis: World Desk", "https://example.org/rss", "truce" },
		{ "Analysis: World Desk", "https://other.net/feed", "talks" },
		{ "Sports", "https://other.net/feed", "truce talks" },
		{ NULL, "https://example.org/rss", "talks" },
		{ NULL, NULL, "truce talks" },
		{ "Analysis: World Desk", "https://example.org/rss", "talks and a truce" },
	};
	/* Short texts are remembered too: the same categories again and
	 * again, one with more terms than a memo slot keeps. */
	static const char *const categories[][3] = {
		{ "Truce talks", "World", "truces talks truce talks truce" },
		{ "World", "Truce talks", "Sport" },
		{ "truce  talks", "TRUCE TALKS", "World" },
	};

	assert_int_equal(match_scratch_new(&scratch), 0);
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < ELEMENTSOF(items); i++) {
			const struct ruleset *rs = (round == 1 && i % 2) ? two : one;
			_cleanup_match_result_ struct match_result *a = NULL, *b = NULL;
			struct match_input in = {
				.title = items[i].title,
				.feed_title = items[i].feed_title,
				.feed_url = items[i].feed_url,
				.summary = "a summary before the feed texts",
				.categories = categories[i % ELEMENTSOF(categories)],
				.n_categories = 3,
			};
			assert_int_equal(match_item_scratch(rs, &in, scratch, &a), 0);
			assert_int_equal(match_item(rs, &in, &b), 0);
			same_result(a, b);
			if (rs == one && i == 1)
				assert_int_equal(a->n_hits, 2);
			if (rs == one && i == 6)
				assert_int_equal(a->n_hits, 3);
		}
}

static void test_action_strings(void **state)
{
	assert_string_equal(action_to_string(ACTION_IGNORE), "ignore");
	assert_string_equal(action_to_string(ACTION_LOG), "log");
	assert_string_equal(action_to_string(ACTION_NOTIFY), "notify");
	assert_string_equal(urgency_to_string(URGENCY_LOW), "low");
	assert_string_equal(urgency_to_string(URGENCY_NORMAL), "normal");
	assert_string_equal(urgency_to_string(URGENCY_CRITICAL), "critical");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headline_is_the_main_clause),
		cmocka_unit_test(test_signal_question),
		cmocka_unit_test(test_word_whole),
		cmocka_unit_test(test_word_case_and_accents),
		cmocka_unit_test(test_word_cyrillic),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_short_prefix),
		cmocka_unit_test(test_prefix_accented),
		cmocka_unit_test(test_phrase),
		cmocka_unit_test(test_phrase_from_punctuated_word),
		cmocka_unit_test(test_phrase_repeated_first_word),
		cmocka_unit_test(test_phrase_not_across_fields),
		cmocka_unit_test(test_phrase_not_across_categories),
		cmocka_unit_test(test_and_or_not),
		cmocka_unit_test(test_not_not),
		cmocka_unit_test(test_near_distance_edges),
		cmocka_unit_test(test_near_zero_adjacent),
		cmocka_unit_test(test_near_needs_two_occurrences),
		cmocka_unit_test(test_near_any_pair),
		cmocka_unit_test(test_near_with_phrase_and_groups),
		cmocka_unit_test(test_near_chain),
		cmocka_unit_test(test_near_same_field),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_default_scope),
		cmocka_unit_test(test_field_scope_on_groups),
		cmocka_unit_test(test_term_scoped_in_one_use_open_in_another),
		cmocka_unit_test(test_null_fields),
		cmocka_unit_test(test_score_notify),
		cmocka_unit_test(test_score_below_notify_logs),
		cmocka_unit_test(test_score_below_log_ignores),
		cmocka_unit_test(test_notify_rule_lifts_cap),
		cmocka_unit_test(test_log_rule_caps_action),
		cmocka_unit_test(test_facts_alone_only_log),
		cmocka_unit_test(test_negative_weight),
		cmocka_unit_test(test_limit_log_holds_a_notify_score),
		cmocka_unit_test(test_limit_log_keeps_lower_actions),
		cmocka_unit_test(test_ignore_veto),
		cmocka_unit_test(test_no_match),
		cmocka_unit_test(test_best_storyline),
		cmocka_unit_test(test_evidence_positions),
cmocka_unit_test(test_evidence_term_lists),
		cmocka_unit_test(test_rules_only_from_their_terms),
		cmocka_unit_test(test_many_candidates_in_rule_order),
		cmocka_unit_test(test_scratch_reused),
		cmocka_unit_test(test_feed_texts_remembered),
		cmocka_unit_test(test_action_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
