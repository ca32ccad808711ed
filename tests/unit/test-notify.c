/* test-notify.c - the notification rate limiter and body escaping (no D-Bus). */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "notify-internal.h"
#include "notify.h"

#define SEC USEC_PER_SEC

static struct notify_item item(const char *storyline, const char *title, enum urgency u)
{
	return (struct notify_item) {
		.storyline = storyline,
		.title = title,
		.outlet = "Outlet",
		.link = "https://example.org/x",
		.urgency = u,
	};
}

static void test_burst_then_fold(void **state)
{
	struct notify_limiter l;
	struct notify_item a = item("Talks", "one", URGENCY_NORMAL);

	notify_limiter_init(&l, 2, 60 * SEC);
	assert_true(notify_limiter_admit(&l, &a, 100 * SEC));
	assert_true(notify_limiter_admit(&l, &a, 101 * SEC));
	assert_false(notify_limiter_admit(&l, &a, 102 * SEC));
	assert_false(notify_limiter_admit(&l, &a, 159 * SEC));
	assert_int_equal(l.n_folds, 1);
	assert_int_equal(l.folds[0].count, 2);
	notify_limiter_done(&l);
}

static void test_take_waits_for_window_end(void **state)
{
	struct notify_limiter l;
	struct notify_item a = item("Talks", "one", URGENCY_NORMAL);
	struct notify_fold *f = NULL;

	notify_limiter_init(&l, 1, 60 * SEC);
	notify_limiter_admit(&l, &a, 100 * SEC);
	notify_limiter_admit(&l, &a, 110 * SEC);
	assert_int_equal(notify_limiter_deadline(&l), 160 * SEC);
	assert_int_equal(notify_limiter_take(&l, 159 * SEC, &f), 0);
	assert_null(f);
	assert_int_equal(notify_limiter_take(&l, 160 * SEC, &f), 1);
	assert_int_equal(f[0].count, 1);
	assert_int_equal(notify_limiter_deadline(&l), 0);
	notify_folds_free(f, 1);
	notify_limiter_done(&l);
}

static void test_fold_per_storyline_keeps_latest_and_max_urgency(void **state)
{
	struct notify_limiter l;
	struct notify_item a1 = item("Talks", "a1", URGENCY_CRITICAL);
	struct notify_item a2 = item("Talks", "a2", URGENCY_LOW);
	struct notify_item b1 = item("Energy", "b1", URGENCY_LOW);
	struct notify_fold *f = NULL;
	size_t n;

	notify_limiter_init(&l, 1, 10 * SEC);
	assert_true(notify_limiter_admit(&l, &b1, 0));
	assert_false(notify_limiter_admit(&l, &a1, 1 * SEC));
	assert_false(notify_limiter_admit(&l, &b1, 2 * SEC));
	assert_false(notify_limiter_admit(&l, &a2, 3 * SEC));
	n = notify_limiter_take(&l, 10 * SEC, &f);
	assert_int_equal(n, 2);
	assert_string_equal(f[0].storyline, "Talks");
	assert_int_equal(f[0].count, 2);
	assert_string_equal(f[0].title, "a2");
	assert_int_equal(f[0].urgency, URGENCY_CRITICAL);
	assert_string_equal(f[1].storyline, "Energy");
	assert_int_equal(f[1].count, 1);
	assert_int_equal(f[1].urgency, URGENCY_LOW);
	notify_folds_free(f, n);
	notify_limiter_done(&l);
}

static void test_new_window_after_end(void **state)
{
	struct notify_limiter l;
	struct notify_item a = item("Talks", "one", URGENCY_NORMAL);
	struct notify_fold *f = NULL;

	notify_limiter_init(&l, 1, 60 * SEC);
	assert_true(notify_limiter_admit(&l, &a, 0));
	assert_false(notify_limiter_admit(&l, &a, 30 * SEC));
	assert_int_equal(notify_limiter_take(&l, 60 * SEC, &f), 1);
	notify_folds_free(f, 1);
	/* The next item opens a fresh window and is shown. */
	assert_true(notify_limiter_admit(&l, &a, 61 * SEC));
	assert_false(notify_limiter_admit(&l, &a, 62 * SEC));
	notify_limiter_done(&l);
}

static void test_backwards_clock_ends_window(void **state)
{
	struct notify_limiter l;
	struct notify_item a = item("Talks", "one", URGENCY_NORMAL);

	notify_limiter_init(&l, 1, 60 * SEC);
	assert_true(notify_limiter_admit(&l, &a, 1000 * SEC));
	assert_true(notify_limiter_admit(&l, &a, 10 * SEC));
	notify_limiter_done(&l);
}

static void test_storylines_past_ceiling_share_a_fold(void **state)
{
	struct notify_limiter l;
	char names[NOTIFY_MAX_FOLDS + 3][8];

	notify_limiter_init(&l, 0, 60 * SEC);
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		struct notify_item a;

		snprintf(names[i], sizeof(names[i]), "s%zu", i);
		a = item(names[i], "t", URGENCY_NORMAL);
		assert_false(notify_limiter_admit(&l, &a, 0));
	}
	assert_int_equal(l.n_folds, NOTIFY_MAX_FOLDS);
	assert_string_equal(l.folds[NOTIFY_MAX_FOLDS - 2].storyline, "s14");
	assert_null(l.folds[NOTIFY_MAX_FOLDS - 1].storyline);
	assert_int_equal(l.folds[NOTIFY_MAX_FOLDS - 1].count, 4);
	notify_limiter_done(&l);
}

static void test_escape_markup(void **state)
{
	_cleanup_buf_ struct buf b;

	buf_init(&b, 0);
	assert_int_equal(notify_escape_markup(&b, "<b>Tom & \"Jerry's\"</b> <a href=x>"), 0);
	assert_string_equal(buf_str(&b),
		"&lt;b&gt;Tom &amp; &quot;Jerry&#39;s&quot;&lt;/b&gt; &lt;a href=x&gt;");
}

static void test_controls_and_bad_utf8(void **state)
{
	_cleanup_buf_ struct buf b;

	buf_init(&b, 0);
	assert_int_equal(notify_plain_text(&b, "a\tb\x1b[31m\x7f\xff"), 0);
	assert_string_equal(buf_str(&b), "a b [31m \xef\xbf\xbd");
}

static void test_body_markup_and_plain(void **state)
{
	_cleanup_buf_ struct buf b;

	buf_init(&b, 0);
	notify_format_body(&b, "A & B", "Outlet <1>", true);
	assert_string_equal(buf_str(&b), "A &amp; B\nOutlet &lt;1&gt;");
	buf_reset(&b);
	notify_format_body(&b, "A & B", NULL, false);
	assert_string_equal(buf_str(&b), "A & B");
}

static void test_body_ceiling(void **state)
{
	_cleanup_buf_ struct buf b;

	buf_init(&b, 8);
	assert_int_equal(notify_escape_markup(&b, "<<<"), -E2BIG);
}

static void test_null_notifier_is_quiet(void **state)
{
	struct notify_item a = item("Talks", "one", URGENCY_NORMAL);

	assert_int_equal(notify_event(NULL, &a, 0), 0);
	assert_int_equal(notify_flush(NULL, 0), 0);
	assert_int_equal(notify_next_flush_usec(NULL), 0);
	notify_dispatch(NULL);
	notify_free(NULL);
}

static void test_retry_at_most_once_a_minute(void **state)
{
	const uint64_t t = 1000 * USEC_PER_SEC;

	assert_true(notify_retry_is_due(0, t));
	assert_false(notify_retry_is_due(t, t));
	assert_false(notify_retry_is_due(t, t + NOTIFY_RETRY_USEC - 1));
	assert_true(notify_retry_is_due(t, t + NOTIFY_RETRY_USEC));
	assert_int_equal(NOTIFY_RETRY_USEC, 60 * USEC_PER_SEC);
	/* A clock that went backwards does not hold it back. */
	assert_true(notify_retry_is_due(t, t - 1));
}

static void test_backlog_counts_and_empties(void **state)
{
	struct notify_backlog *b = notify_backlog_new();
	struct notify_item it = { .storyline = "s", .title = "t", .urgency = URGENCY_NORMAL };

	assert_int_equal(notify_backlog_count(b), 0);
	for (int i = 0; i < 40; i++)
		notify_backlog_add(b, &it);
	it.storyline = "other";
	notify_backlog_add(b, &it);
	assert_int_equal(notify_backlog_count(b), 41);
	/* Without a notifier nothing is shown, and nothing is lost either. */
	assert_int_equal(notify_backlog_show(NULL, b), 0);
	assert_int_equal(notify_backlog_count(b), 41);
	notify_backlog_free(b);
	notify_backlog_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry_at_most_once_a_minute),
		cmocka_unit_test(test_backlog_counts_and_empties),
		cmocka_unit_test(test_burst_then_fold),
		cmocka_unit_test(test_take_waits_for_window_end),
		cmocka_unit_test(test_fold_per_storyline_keeps_latest_and_max_urgency),
		cmocka_unit_test(test_new_window_after_end),
		cmocka_unit_test(test_backwards_clock_ends_window),
		cmocka_unit_test(test_storylines_past_ceiling_share_a_fold),
		cmocka_unit_test(test_escape_markup),
		cmocka_unit_test(test_controls_and_bad_utf8),
		cmocka_unit_test(test_body_markup_and_plain),
		cmocka_unit_test(test_body_ceiling),
		cmocka_unit_test(test_null_notifier_is_quiet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
