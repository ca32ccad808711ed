/* test-dedup.c - near-duplicate reports of one development. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dedup.h"
#include "match.h"
#include "rules.h"
#include "util.h"

#define HOUR (UINT64_C(3600) * 1000000)

static const char rules_text[] =
	"storyline s {\n notify at 3\n log at 1\n"
	" fact actor 1 = Putin OR Путин*\n"
	" fact actor 1 = Trump OR Трамп*\n"
	" fact agreement 2 = (truce OR ceasefire OR перемирие) NEAR/6 (energy OR энергетик*)\n"
	" fact number 1 = \"30 days\" OR \"30 дней\"\n"
	"}\n"
	"rule r {\n storyline s\n weight 2\n match Putin OR Путин* OR Trump OR Трамп* OR prisoners\n}\n"
	"define ACCUSE = accus* OR blame* OR обвиня*\n"
	"define OFFER = offer* OR propos*\n"
	"rule acts {\n storyline s\n weight 1\n match title:($ACCUSE OR $OFFER)\n}\n";

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

static void sig(const char *title, const char *summary, struct dedup_sig *ret)
{
	_cleanup_match_result_ struct match_result *m = NULL;

	assert_int_equal(match_item(rs, &(struct match_input){ .title = title, .summary = summary }, &m), 0);
	dedup_signature(m, title, summary, ret);
}

static void test_retold_in_another_language(void **state)
{
	_cleanup_dedup_sig_ struct dedup_sig a = { 0 }, b = { 0 };

	sig("Putin agrees energy truce in call with Trump", "A pause of 30 days on strikes.", &a);
	sig("Путин согласился на энергетическое перемирие после разговора с Трампом",
	    "Перемирие на 30 дней.", &b);
	/* the same facts, the same number, an hour apart */
	assert_true(dedup_similarity(&a, &b, NULL, 1 * HOUR, false) >= DEDUP_THRESHOLD);
	/* the same facts a day later: another development */
	assert_true(dedup_similarity(&a, &b, NULL, 24 * HOUR, false) < DEDUP_THRESHOLD);
}

static void test_same_hour_other_development(void **state)
{
	_cleanup_dedup_sig_ struct dedup_sig a = { 0 }, b = { 0 };

	sig("Putin agrees energy truce in call with Trump", "A pause of 30 days on strikes.", &a);
	sig("Ninety prisoners come home in overnight exchange", "Families waited at the border.", &b);
	assert_true(dedup_similarity(&a, &b, NULL, 0, false) < DEDUP_THRESHOLD);
}

static void test_closeness_in_time_counts(void **state)
{
	_cleanup_dedup_sig_ struct dedup_sig a = { 0 }, b = { 0 };
	double now, later, outside;

	sig("Putin and Trump talk for two hours", NULL, &a);
	sig("Trump says talk with Putin went well", NULL, &b);
	now = dedup_similarity(&a, &b, NULL, 0, false);
	later = dedup_similarity(&a, &b, NULL, 5 * HOUR, false);
	outside = dedup_similarity(&a, &b, NULL, 13 * HOUR, false);
	assert_true(now > later);
	assert_true(later > 0.0);
	assert_true(outside == 0.0);
}

static void test_function_words_and_years_ignored(void **state)
{
	_cleanup_dedup_sig_ struct dedup_sig a = { 0 }, b = { 0 };

	dedup_signature(NULL, "They said that there would be 2025 talks", NULL, &a);
	/* "talks" is the only feature: short words, function words and a year drop */
	assert_int_equal(a.n, 1);
	dedup_signature(NULL, "talks", NULL, &b);
	assert_int_equal(b.n, 1);
	assert_true(a.v[0] == b.v[0]);
}

static void test_words_compared_by_stem(void **state)
{
	_cleanup_dedup_sig_ struct dedup_sig a = { 0 }, b = { 0 };

	dedup_signature(NULL, "prisoners", NULL, &a);
	dedup_signature(NULL, "Prisoner", NULL, &b);
	assert_int_equal(a.n, 1);
	assert_true(a.v[0] == b.v[0]);
}

static void test_numbers_shared(void **state)
{
	_cleanup_dedup_sig_ struct dedup_sig a = { 0 }, b = { 0 }, c = { 0 };

	dedup_signature(NULL, "175 soldiers", NULL, &a);
	dedup_signature(NULL, "175 військових", NULL, &b);
	dedup_signature(NULL, "176 військових", NULL, &c);
	/* 0.2 for the number; the words differ; 13 hours: no closeness bonus,
	 * but inside the window only up to 12 hours, so compare at 7 hours */
	assert_true(dedup_similarity(&a, &b, NULL, 7 * HOUR, false) > dedup_similarity(&a, &c, NULL, 7 * HOUR, false));
}

static void test_acts_named_in_other_words(void **state)
{
	_cleanup_dedup_sig_ struct dedup_sig a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 }, e = { 0 };
	_cleanup_(dedup_df_done) struct dedup_df df = { 0 };

	/* No content word in common: only the act, one term list, says that
	 * a and b are told of the same thing, and c of another. */
	sig("Putin accuses neighbours of shelling", NULL, &a);
	sig("Kremlin blames rivals for bombardment", NULL, &b);
	sig("Kremlin proposes rivals bombardment pause", NULL, &c);
	sig("Harvest festival opens downtown", NULL, &d);
	sig("Weather stays mild through weekend", NULL, &e);
	const struct dedup_sig *all[] = { &a, &b, &c, &d, &e };
	dedup_df_build(all, ELEMENTSOF(all), &df);
	assert_true(dedup_similarity(&a, &b, &df, 7 * HOUR, false) > dedup_similarity(&a, &c, &df, 7 * HOUR, false));
	/* a list no report names weighs nothing without a stream to rate it */
	assert_true(dedup_similarity(&a, &b, NULL, 7 * HOUR, false) == dedup_similarity(&a, &c, NULL, 7 * HOUR, false));
}

static void test_headlines_led_by_other_actors(void **state)
{
	_cleanup_dedup_sig_ struct dedup_sig a = { 0 }, again = { 0 }, b = { 0 };

	/* the same words and facts; b leads with the other president */
	sig("Putin tells Trump truce must wait", NULL, &a);
	sig("Putin tells Trump truce must wait", NULL, &again);
	sig("Trump tells Putin truce must wait", NULL, &b);
	assert_true(dedup_similarity(&a, &b, NULL, 7 * HOUR, false) <
		    dedup_similarity(&a, &again, NULL, 7 * HOUR, false) - 0.05);
}

static void test_one_outlet_gets_no_closeness(void **state)
{
	_cleanup_dedup_sig_ struct dedup_sig a = { 0 }, b = { 0 };

	sig("Putin and Trump talk for two hours", NULL, &a);
	sig("Trump says talk with Putin went well", NULL, &b);
	/* an hour apart from one outlet counts as from two outlets 7 hours
	 * apart: what they say, without the bonus for closeness */
	assert_true(dedup_similarity(&a, &b, NULL, 1 * HOUR, true) == dedup_similarity(&a, &b, NULL, 7 * HOUR, false));
	assert_true(dedup_similarity(&a, &b, NULL, 1 * HOUR, true) < dedup_similarity(&a, &b, NULL, 1 * HOUR, false));
}

static void test_blob_round_trip(void **state)
{
	_cleanup_dedup_sig_ struct dedup_sig a = { 0 }, b = { 0 };
	_cleanup_free_ unsigned char *blob = NULL;
	size_t len;

	sig("Putin agrees energy truce in call with Trump", "A pause of 30 days.", &a);
	assert_true(a.n > 4);
	dedup_sig_to_blob(&a, &blob, &len);
	assert_int_equal(len, a.n * 8);
	assert_int_equal(dedup_sig_from_blob(blob, len, &b), 0);
	assert_int_equal(b.n, a.n);
	assert_memory_equal(b.v, a.v, a.n * sizeof(*a.v));
}

static void test_blob_refused(void **state)
{
	struct dedup_sig s = { 0 };
	unsigned char unsorted[16] = { 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 };

	assert_int_equal(dedup_sig_from_blob(unsorted, 7, &s), -EBADMSG);
	assert_int_equal(dedup_sig_from_blob(unsorted, 16, &s), -EBADMSG);
	assert_null(s.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retold_in_another_language),
		cmocka_unit_test(test_same_hour_other_development),
		cmocka_unit_test(test_closeness_in_time_counts),
		cmocka_unit_test(test_function_words_and_years_ignored),
		cmocka_unit_test(test_words_compared_by_stem),
		cmocka_unit_test(test_numbers_shared),
		cmocka_unit_test(test_acts_named_in_other_words),
		cmocka_unit_test(test_headlines_led_by_other_actors),
		cmocka_unit_test(test_one_outlet_gets_no_closeness),
		cmocka_unit_test(test_blob_round_trip),
		cmocka_unit_test(test_blob_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
