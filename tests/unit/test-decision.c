/* test-decision.c - the decision record: encoded, decoded, refused when
 * damaged; and what dedup names of two reports' shared features. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "decision.h"
#include "dedup.h"
#include "match.h"
#include "rules.h"
#include "util.h"

static const char rules_text[] =
	"storyline harbour {\n notify at 4\n log at 2\n"
	" fact actor 1 = Lindqvist\n"
	" fact agreement 2 = ferry NEAR/4 (strike OR walkout)\n"
	"}\n"
	"rule ferries {\n storyline harbour\n weight 3\n action notify\n"
	" match ferry OR \"night crossing\"\n}\n"
	"rule gossip {\n storyline harbour\n weight 1\n action log\n limit log\n"
	" match title:Lindqvist\n}\n";

static struct ruleset *rs;

static int setup(void **state)
{
	return rules_compile_text("t.rules", rules_text, strlen(rules_text), NULL, &rs, NULL);
}

static int teardown(void **state)
{
	ruleset_free(rs);
	return 0;
}

static struct match_result *match(const char *title, const char *summary)
{
	struct match_input in = { .title = title, .summary = summary };
	struct match_result *m = NULL;

	assert_int_equal(match_item(rs, &in, &m), 0);
	return m;
}

static void test_nothing_matched(void **state)
{
	_cleanup_(decision_record_done) struct decision_record rec = { 0 };
	_cleanup_free_ char *text = decision_encode(&(struct decision){ .action = ACTION_IGNORE });

	assert_string_equal(text, "1 m i -");
	assert_int_equal(decision_decode(text, &rec), 0);
	assert_false(rec.d.is_update);
	assert_int_equal(rec.d.action, ACTION_IGNORE);
	assert_int_equal(rec.d.cap, DECISION_CAP_NONE);
	assert_null(rec.d.match);
	assert_null(rec.d.duplicate_of);
	assert_int_equal(rec.d.n_shared, 0);
}

static void test_match_round_trip(void **state)
{
	_cleanup_match_result_ struct match_result *m =
		match("Lindqvist warns of ferry walkout", "The night crossing may stop.");
	_cleanup_(decision_record_done) struct decision_record rec = { 0 };
	_cleanup_free_ char *text = NULL;
	const struct match_result *b;

	/* 1 + 2 + 3 + 1 = 7, notify by score; gossip limits it to log. */
	assert_string_equal(m->storyline, "harbour");
	assert_int_equal(m->action, ACTION_LOG);
	text = decision_encode(&(struct decision){ .action = m->action, .match = m });
	/* "ferry" in the title is found by the fact and the rule: one place. */
	assert_string_equal(text, "1 m l -\n"
			    "s 7 4 2 harbour\n"
			    "p 0 title Lindqvist\n"
			    "p 3 title ferry\n"
			    "p 4 title walkout\n"
			    "p 1 summary \"night crossing\"\n"
			    "h f l n 1 0 actor Lindqvist\n"
			    "h f l n 2 1,2 agreement ferry NEAR/4 (strike OR walkout)\n"
			    "h r n n 3 1,3 ferries\n"
			    "h r l l 1 0 gossip");
	assert_int_equal(decision_decode(text, &rec), 0);
	b = rec.d.match;
	assert_non_null(b);
	assert_string_equal(b->storyline, "harbour");
	assert_true(b->score == 7.0);
	assert_true(b->notify_at == 4.0);
	assert_true(b->log_at == 2.0);
	assert_int_equal(b->n_hits, m->n_hits);
	for (size_t i = 0; i < m->n_hits; i++) {
		assert_string_equal(b->hits[i].rule, m->hits[i].rule);
		assert_true(b->hits[i].contribution == m->hits[i].contribution);
		assert_int_equal(b->hits[i].action, m->hits[i].action);
		assert_int_equal(b->hits[i].limit, m->hits[i].limit);
		assert_int_equal(b->hits[i].is_fact, m->hits[i].is_fact);
	}
	assert_string_equal(b->hits[3].rule, "gossip");
	assert_int_equal(b->hits[3].limit, ACTION_LOG);
	assert_int_equal(b->hits[2].limit, ACTION_NOTIFY);

	/* The same text as storywatch match prints, from either. */
	_cleanup_buf_ struct buf x, y;
	buf_init(&x, 0);
	buf_init(&y, 0);
	decision_format_hits(&x, m);
	decision_format_hits(&y, b);
	assert_string_equal(buf_str(&x), buf_str(&y));
	assert_non_null(strstr(buf_str(&y), "  +3 rule ferries [notify]\n      ferry: title, word 4\n"));
	assert_non_null(strstr(buf_str(&y), "      \"night crossing\": summary, word 2\n"));
}

static void test_duplicate_round_trip(void **state)
{
	const char *const shared[] = { "agreement ferry NEAR/4 (strike OR walkout)", "walkout" };
	_cleanup_(decision_record_done) struct decision_record rec = { 0 };
	_cleanup_free_ char *text = decision_encode(&(struct decision){
		.action = ACTION_LOG, .cap = DECISION_CAP_DUPLICATE,
		.duplicate_of = "tag:harbour.test,2025:1", .similarity = 0.8125,
		.shared = shared, .n_shared = 2,
	});

	assert_string_equal(text, "1 m l d\nd 0.812 tag:harbour.test,2025:1\n"
			    "w agreement ferry NEAR/4 (strike OR walkout)\nw walkout");
	assert_int_equal(decision_decode(text, &rec), 0);
	assert_int_equal(rec.d.cap, DECISION_CAP_DUPLICATE);
	assert_int_equal(rec.d.action, ACTION_LOG);
	assert_string_equal(rec.d.duplicate_of, "tag:harbour.test,2025:1");
	assert_true(rec.d.similarity > 0.81 && rec.d.similarity < 0.82);
	assert_int_equal(rec.d.n_shared, 2);
	assert_string_equal(rec.d.shared[0], shared[0]);
	assert_string_equal(rec.d.shared[1], "walkout");
}

static void test_update_of_a_duplicate(void **state)
{
	_cleanup_(decision_record_done) struct decision_record rec = { 0 };
	_cleanup_free_ char *text = decision_encode(&(struct decision){
		.is_update = true, .action = ACTION_LOG, .cap = DECISION_CAP_COSMETIC,
		.duplicate_of = "first\nsecond", .similarity = -1,
	});

	/* A newline in a string cannot start a line of its own. */
	assert_string_equal(text, "1 u l t\nd - first second");
	assert_int_equal(decision_decode(text, &rec), 0);
	assert_true(rec.d.is_update);
	assert_int_equal(rec.d.cap, DECISION_CAP_COSMETIC);
	assert_true(rec.d.similarity < 0);
	assert_string_equal(rec.d.duplicate_of, "first second");
}

static void test_damaged_refused(void **state)
{
	static const char *const bad[] = {
		"", "2 m i -", "1 m i", "1 x i -", "1 m q -", "1 m i z", "1 m i --",
		"1 m i -\n", "1 m i -\nh r n n 3 - ferries", "1 m i -\ns 1 2",
		"1 m i -\np 1 title ferry", "1 m i -\ns 1 2 3 h\nh r n n x - ferries",
		"1 m i -\ns 1 2 3 h\nh r n n 1 ferries", "1 m i -\ns 1 2 3 h\nh r n n 1 0 ferries",
		"1 m i -\ns 1 2 3 h\np 1 title ferry\nh r n n 1 1 ferries",
		"1 m i -\ns 1 2 3 h\np 1 title ferry\nh r n n 1 0,x ferries",
		"1 m i -\ns 1 2 3 h\np -1 title ferry", "1 m i -\ns 1 2 3 h\np 1 title",
		"1 m i -\ns 1 2 3 h\nh r n n 1 - ferries\np 1 title ferry",
		"1 m i -\ns 1 2 3 h\ns 1 2 3 h", "1 m i -\nd 0.5", "1 m i -\nd x y",
		"1 m i -\nw ", "1 m i -\nz what",
	};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct decision_record rec = { 0 };

		if (decision_decode(bad[i], &rec) != -EBADMSG)
			fail_msg("accepted: \"%s\"", bad[i]);
		assert_null(rec.text);
	}
}

static void test_shared_words_named(void **state)
{
	_cleanup_match_result_ struct match_result *ma =
		match("Ferry walkout halts harbour crossings", "Lindqvist confirms the walkout.");
	_cleanup_match_result_ struct match_result *mb =
		match("Lindqvist: ferry walkout begins", "Crossings halted at dawn.");
	_cleanup_dedup_sig_ struct dedup_sig a = { 0 }, b = { 0 }, both = { 0 };
	_cleanup_(dedup_names_done) struct dedup_names names = { 0 };
	bool has_walkout = false, has_fact = false, has_harbour = false;

	dedup_signature(ma, "Ferry walkout halts harbour crossings", "Lindqvist confirms the walkout.", &a);
	dedup_signature(mb, "Lindqvist: ferry walkout begins", "Crossings halted at dawn.", &b);
	dedup_names_build(ma, "Ferry walkout halts harbour crossings", "Lindqvist confirms the walkout.",
			  &names);
	dedup_sig_shared(&a, &b, &both);
	assert_true(both.n > 0);
	for (size_t i = 0; i < both.n; i++) {
		const char *name = dedup_names_find(&names, both.v[i]);

		assert_non_null(name);
		has_walkout |= streq(name, "walkout");
		has_harbour |= streq(name, "harbour");
		has_fact |= streq(name, "actor Lindqvist");
	}
	assert_true(has_walkout);
	assert_true(has_fact);
	assert_false(has_harbour);      /* only a's */
	/* Every feature of a has a name. */
	for (size_t i = 0; i < a.n; i++)
		assert_non_null(dedup_names_find(&names, a.v[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_matched),
		cmocka_unit_test(test_match_round_trip),
		cmocka_unit_test(test_duplicate_round_trip),
		cmocka_unit_test(test_update_of_a_duplicate),
		cmocka_unit_test(test_damaged_refused),
		cmocka_unit_test(test_shared_words_named),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
