/* test-loop.c - the scheduling arithmetic (SPEC section 5). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "loop-internal.h"
#include "store.h"
#include "util.h"

#define MIN_USEC (60 * USEC_PER_SEC)
#define DAY_USEC (24 * 60 * MIN_USEC)
#define NOW (UINT64_C(1742299200) * USEC_PER_SEC)   /* 2025-03-18T12:00:00Z */

static void test_regular_is_the_interval(void **state)
{
	assert_int_equal(loop_regular_wait(15 * MIN_USEC, 0, -1, NOW, DAY_USEC), 15 * MIN_USEC);
}

static void test_ttl_longer_than_interval_wins(void **state)
{
	assert_int_equal(loop_regular_wait(15 * MIN_USEC, 60, -1, NOW, DAY_USEC), 60 * MIN_USEC);
	/* A shorter ttl does not speed polling up. */
	assert_int_equal(loop_regular_wait(15 * MIN_USEC, 5, -1, NOW, DAY_USEC), 15 * MIN_USEC);
}

static void test_freshness_is_a_lower_bound(void **state)
{
	int64_t now_sec = (int64_t) (NOW / USEC_PER_SEC);

	assert_int_equal(loop_regular_wait(15 * MIN_USEC, 0, now_sec + 3600, NOW, DAY_USEC), 60 * MIN_USEC);
	assert_int_equal(loop_regular_wait(15 * MIN_USEC, 0, now_sec + 60, NOW, DAY_USEC), 15 * MIN_USEC);
	/* Already stale. */
	assert_int_equal(loop_regular_wait(15 * MIN_USEC, 0, now_sec - 60, NOW, DAY_USEC), 15 * MIN_USEC);
}

static void test_lower_bounds_are_capped(void **state)
{
	int64_t now_sec = (int64_t) (NOW / USEC_PER_SEC);

	assert_int_equal(loop_regular_wait(15 * MIN_USEC, 100000, -1, NOW, DAY_USEC), DAY_USEC);
	assert_int_equal(loop_regular_wait(15 * MIN_USEC, 0, now_sec + 10 * 86400, NOW, DAY_USEC), DAY_USEC);
}

static void test_backoff_doubles_from_the_interval(void **state)
{
	assert_int_equal(loop_backoff_wait(15 * MIN_USEC, 1, DAY_USEC), 15 * MIN_USEC);
	assert_int_equal(loop_backoff_wait(15 * MIN_USEC, 2, DAY_USEC), 30 * MIN_USEC);
	assert_int_equal(loop_backoff_wait(15 * MIN_USEC, 3, DAY_USEC), 60 * MIN_USEC);
	assert_int_equal(loop_backoff_wait(15 * MIN_USEC, 5, DAY_USEC), 240 * MIN_USEC);
}

static void test_backoff_is_capped_and_never_gives_up(void **state)
{
	assert_int_equal(loop_backoff_wait(15 * MIN_USEC, 8, DAY_USEC), DAY_USEC);
	assert_int_equal(loop_backoff_wait(15 * MIN_USEC, 4000000000u, DAY_USEC), DAY_USEC);
}

static void test_initial_due_daemon_keeps_the_schedule(void **state)
{
	struct feed_state st = { .next_poll_usec = NOW + 10 * MIN_USEC };

	assert_int_equal(loop_initial_due(false, false, &st, NOW), NOW + 10 * MIN_USEC);
	st.next_poll_usec = NOW - MIN_USEC;
	assert_int_equal(loop_initial_due(false, false, &st, NOW), NOW);
	st.next_poll_usec = 0;
	assert_int_equal(loop_initial_due(false, false, &st, NOW), NOW);
}

static void test_initial_due_once_ignores_the_interval(void **state)
{
	struct feed_state st = { .next_poll_usec = NOW + 10 * MIN_USEC, .error_streak = 0 };

	assert_int_equal(loop_initial_due(true, false, &st, NOW), NOW);
}

static void test_initial_due_once_honours_backoff(void **state)
{
	struct feed_state st = { .next_poll_usec = NOW + 10 * MIN_USEC, .error_streak = 1 };

	assert_int_equal(loop_initial_due(true, false, &st, NOW), NOW + 10 * MIN_USEC);
	st.next_poll_usec = NOW;
	assert_int_equal(loop_initial_due(true, false, &st, NOW), NOW);
}

static void test_initial_due_force_skips_our_backoff_only(void **state)
{
	struct feed_state st = { .next_poll_usec = NOW + 10 * MIN_USEC, .error_streak = 3,
				 .http_status = 0 };

	assert_int_equal(loop_initial_due(true, true, &st, NOW), NOW);
	st.http_status = 404;
	assert_int_equal(loop_initial_due(true, true, &st, NOW), NOW);
	/* A server's Retry-After is still honoured. */
	st.http_status = 429;
	assert_int_equal(loop_initial_due(true, true, &st, NOW), NOW + 10 * MIN_USEC);
	st.http_status = 503;
	assert_int_equal(loop_initial_due(true, true, &st, NOW), NOW + 10 * MIN_USEC);
	/* --force means nothing without --once. */
	st.http_status = 500;
	assert_int_equal(loop_initial_due(false, true, &st, NOW), NOW + 10 * MIN_USEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regular_is_the_interval),
		cmocka_unit_test(test_initial_due_force_skips_our_backoff_only),
		cmocka_unit_test(test_ttl_longer_than_interval_wins),
		cmocka_unit_test(test_freshness_is_a_lower_bound),
		cmocka_unit_test(test_lower_bounds_are_capped),
		cmocka_unit_test(test_backoff_doubles_from_the_interval),
		cmocka_unit_test(test_backoff_is_capped_and_never_gives_up),
		cmocka_unit_test(test_initial_due_daemon_keeps_the_schedule),
		cmocka_unit_test(test_initial_due_once_ignores_the_interval),
		cmocka_unit_test(test_initial_due_once_honours_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
