/* test-loop.c - the scheduling arithmetic (SPEC section 5). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "loop-internal.h"
#include "parse.h"
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

	assert_int_equal(loop_initial_due(false, false, &st, NOW, 0), NOW + 10 * MIN_USEC);
	assert_int_equal(loop_initial_due(false, false, &st, NOW, 3 * MIN_USEC), NOW + 10 * MIN_USEC);
	st.next_poll_usec = NOW - MIN_USEC;
	assert_int_equal(loop_initial_due(false, false, &st, NOW, 0), NOW);
	/* overdue or never polled: at its place in the interval */
	assert_int_equal(loop_initial_due(false, false, &st, NOW, 3 * MIN_USEC), NOW + 3 * MIN_USEC);
	st.next_poll_usec = 0;
	assert_int_equal(loop_initial_due(false, false, &st, NOW, 0), NOW);
	assert_int_equal(loop_initial_due(false, false, &st, NOW, 3 * MIN_USEC), NOW + 3 * MIN_USEC);
}

static void test_initial_due_once_ignores_the_interval(void **state)
{
	struct feed_state st = { .next_poll_usec = NOW + 10 * MIN_USEC, .error_streak = 0 };

	assert_int_equal(loop_initial_due(true, false, &st, NOW, 0), NOW);
	/* nor does the spread */
	st.next_poll_usec = 0;
	assert_int_equal(loop_initial_due(true, false, &st, NOW, 3 * MIN_USEC), NOW);
}

static void test_initial_due_once_honours_backoff(void **state)
{
	struct feed_state st = { .next_poll_usec = NOW + 10 * MIN_USEC, .error_streak = 1 };

	assert_int_equal(loop_initial_due(true, false, &st, NOW, 0), NOW + 10 * MIN_USEC);
	st.next_poll_usec = NOW;
	assert_int_equal(loop_initial_due(true, false, &st, NOW, 0), NOW);
	/* nor does the spread */
	st.next_poll_usec = 0;
	assert_int_equal(loop_initial_due(true, false, &st, NOW, 3 * MIN_USEC), NOW);
}

/* NOW is Tuesday 2025-03-18 12:00 UTC. */
#define HOUR_USEC (60 * MIN_USEC)
#define CAP (DAY_USEC)

static void test_publisher_says_nothing(void **state)
{
	struct feed_schedule s = { 0 };

	assert_int_equal(loop_publisher_due(&s, NOW, NOW + 15 * MIN_USEC, CAP), NOW + 15 * MIN_USEC);
}

static void test_skip_hours_move_the_poll(void **state)
{
	/* 12:00-17:59 and 20:00-05:59 skipped */
	struct feed_schedule s = { .skip_hours = 0x3f000u | 0xf00000u | 0x3fu };

	assert_int_equal(loop_publisher_due(&s, NOW, NOW + 15 * MIN_USEC, CAP), NOW + 6 * HOUR_USEC);
	/* 18:00, 19:00 open: a due time there stays */
	assert_int_equal(loop_publisher_due(&s, NOW, NOW + 6 * HOUR_USEC + 30 * MIN_USEC, CAP),
			 NOW + 6 * HOUR_USEC + 30 * MIN_USEC);
	/* from 20:00 on to 06:00 the next day */
	assert_int_equal(loop_publisher_due(&s, NOW, NOW + 8 * HOUR_USEC + 5 * MIN_USEC, CAP),
			 NOW + 18 * HOUR_USEC);
	/* never sooner than asked */
	s.skip_hours = 1u << 3;
	assert_int_equal(loop_publisher_due(&s, NOW, NOW + 15 * MIN_USEC, CAP), NOW + 15 * MIN_USEC);
	/* every hour skipped: not listened to */
	s.skip_hours = (1u << 24) - 1;
	assert_int_equal(loop_publisher_due(&s, NOW, NOW + 15 * MIN_USEC, CAP), NOW + 15 * MIN_USEC);
}

static void test_skip_days_move_the_poll(void **state)
{
	/* Tuesday (2) and Wednesday (3) skipped: Thursday 00:00 */
	struct feed_schedule s = { .skip_days = (1u << 2) | (1u << 3) };

	assert_int_equal(loop_publisher_due(&s, NOW, NOW + 15 * MIN_USEC, 7 * DAY_USEC),
			 NOW + 36 * HOUR_USEC);
	/* capped: at most cap after now */
	assert_int_equal(loop_publisher_due(&s, NOW, NOW + 15 * MIN_USEC, CAP), NOW + CAP);
	/* with an hour skipped on the first day open: Thursday 01:00 */
	s.skip_hours = 1u << 0;
	assert_int_equal(loop_publisher_due(&s, NOW, NOW + 15 * MIN_USEC, 7 * DAY_USEC),
			 NOW + 37 * HOUR_USEC);
	s = (struct feed_schedule){ .skip_days = 0x7f };
	assert_int_equal(loop_publisher_due(&s, NOW, NOW + 15 * MIN_USEC, CAP), NOW + 15 * MIN_USEC);
}

static void test_update_period_is_a_lower_bound(void **state)
{
	struct feed_schedule s = { .update_every_sec = 3600 };

	assert_int_equal(loop_publisher_due(&s, NOW, NOW + 15 * MIN_USEC, CAP), NOW + HOUR_USEC);
	/* a publisher updating more often than the interval changes nothing */
	s.update_every_sec = 300;
	assert_int_equal(loop_publisher_due(&s, NOW, NOW + 15 * MIN_USEC, CAP), NOW + 15 * MIN_USEC);
	/* a week: capped */
	s.update_every_sec = 7 * 86400;
	assert_int_equal(loop_publisher_due(&s, NOW, NOW + 15 * MIN_USEC, CAP), NOW + CAP);
}

static void test_update_base_gives_the_next_update(void **state)
{
	/* twice a day from 2000-01-01T06:00Z: 18:00 today, then 06:00 */
	struct feed_schedule s = { .update_every_sec = 12 * 3600, .update_base = INT64_C(946706400) };

	assert_int_equal(loop_publisher_due(&s, NOW, NOW + 15 * MIN_USEC, CAP), NOW + 6 * HOUR_USEC);
	assert_int_equal(loop_publisher_due(&s, NOW + 6 * HOUR_USEC, NOW + 6 * HOUR_USEC + 15 * MIN_USEC, CAP),
			 NOW + 18 * HOUR_USEC);
	/* just before an update: the interval still holds */
	assert_int_equal(loop_publisher_due(&s, NOW + 6 * HOUR_USEC - MIN_USEC,
					    NOW + 6 * HOUR_USEC + 14 * MIN_USEC, CAP),
			 NOW + 6 * HOUR_USEC + 14 * MIN_USEC);
	/* a base in the future: that is the first update */
	s.update_base = (int64_t) ((NOW + 3 * HOUR_USEC) / USEC_PER_SEC);
	assert_int_equal(loop_publisher_due(&s, NOW, NOW + 15 * MIN_USEC, CAP), NOW + 3 * HOUR_USEC);
}

#define N_SPREAD 20000

static char **spread_urls(size_t n)
{
	char **v = xreallocarray(NULL, n, sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = xasprintf("https://feeds%zu.example.org/news/%zu.xml", i % 97, i);
	return v;
}

static void free_urls(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The first due times of 20,000 feeds never polled, at a 15-minute
 * interval, as slots_build() computes them. */
static void first_dues(char **urls, size_t n, uint64_t *due)
{
	_cleanup_free_ size_t *rank = xreallocarray(NULL, n, sizeof(*rank));
	struct feed_state never = { 0 };

	loop_rank_urls((const char *const *) urls, n, rank);
	for (size_t i = 0; i < n; i++)
		due[i] = loop_initial_due(false, false, &never, NOW, loop_spread(15 * MIN_USEC, rank[i], n));
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

	return x < y ? -1 : x > y;
}

static void test_first_polls_spread_evenly(void **state)
{
	char **urls = spread_urls(N_SPREAD);
	_cleanup_free_ uint64_t *due = xreallocarray(NULL, N_SPREAD, sizeof(*due));
	_cleanup_free_ uint64_t *sorted = xreallocarray(NULL, N_SPREAD, sizeof(*sorted));
	unsigned per_minute[15] = { 0 };
	const uint64_t step = 15 * MIN_USEC / N_SPREAD;   /* 45 ms */

	first_dues(urls, N_SPREAD, due);
	memcpy(sorted, due, N_SPREAD * sizeof(*due));
	qsort(sorted, N_SPREAD, sizeof(*sorted), u64_cmp);

	/* One at the start, then one every interval / n: no burst, no gap. */
	assert_int_equal(sorted[0], NOW);
	assert_true(sorted[N_SPREAD - 1] < NOW + 15 * MIN_USEC);
	for (size_t i = 1; i < N_SPREAD; i++) {
		assert_true(sorted[i] - sorted[i - 1] >= step);
		assert_true(sorted[i] - sorted[i - 1] <= step + 1);
	}
	for (size_t i = 0; i < N_SPREAD; i++)
		per_minute[(due[i] - NOW) / MIN_USEC]++;
	for (size_t m = 0; m < 15; m++) {
		assert_true(per_minute[m] >= N_SPREAD / 15);
		assert_true(per_minute[m] <= N_SPREAD / 15 + 1);
	}
	free_urls(urls, N_SPREAD);
}

/* A feed's place depends on its URL, not on where the list names it; one
 * feed more moves every other by at most one step. */
static void test_first_polls_deterministic_per_url(void **state)
{
	char **urls = spread_urls(N_SPREAD + 1);
	_cleanup_free_ uint64_t *due = xreallocarray(NULL, N_SPREAD + 1, sizeof(*due));
	_cleanup_free_ uint64_t *again = xreallocarray(NULL, N_SPREAD + 1, sizeof(*again));
	_cleanup_free_ uint64_t *more = xreallocarray(NULL, N_SPREAD + 1, sizeof(*more));
	const uint64_t step = 15 * MIN_USEC / N_SPREAD;
	char *t;

	first_dues(urls, N_SPREAD, due);
	/* the same list reversed */
	for (size_t i = 0, j = N_SPREAD - 1; i < j; i++, j--) {
		t = urls[i];
		urls[i] = urls[j];
		urls[j] = t;
	}
	first_dues(urls, N_SPREAD, again);
	for (size_t i = 0; i < N_SPREAD; i++)
		assert_int_equal(again[i], due[N_SPREAD - 1 - i]);
	/* back in order, with one feed more */
	for (size_t i = 0, j = N_SPREAD - 1; i < j; i++, j--) {
		t = urls[i];
		urls[i] = urls[j];
		urls[j] = t;
	}
	first_dues(urls, N_SPREAD + 1, more);
	for (size_t i = 0; i < N_SPREAD; i++) {
		uint64_t d = more[i] > due[i] ? more[i] - due[i] : due[i] - more[i];

		assert_true(d <= step + 1);
	}
	assert_int_equal(loop_url_hash(urls[5]), loop_url_hash("https://feeds5.example.org/news/5.xml"));
	free_urls(urls, N_SPREAD + 1);
}

static void test_initial_due_force_skips_our_backoff_only(void **state)
{
	struct feed_state st = { .next_poll_usec = NOW + 10 * MIN_USEC, .error_streak = 3,
				 .http_status = 0 };

	assert_int_equal(loop_initial_due(true, true, &st, NOW, 0), NOW);
	st.http_status = 404;
	assert_int_equal(loop_initial_due(true, true, &st, NOW, 0), NOW);
	/* A server's Retry-After is still honoured. */
	st.http_status = 429;
	assert_int_equal(loop_initial_due(true, true, &st, NOW, 0), NOW + 10 * MIN_USEC);
	st.http_status = 503;
	assert_int_equal(loop_initial_due(true, true, &st, NOW, 0), NOW + 10 * MIN_USEC);
	/* --force means nothing without --once. */
	st.http_status = 500;
	assert_int_equal(loop_initial_due(false, true, &st, NOW, 0), NOW + 10 * MIN_USEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regular_is_the_interval),
		cmocka_unit_test(test_ttl_longer_than_interval_wins),
		cmocka_unit_test(test_freshness_is_a_lower_bound),
		cmocka_unit_test(test_lower_bounds_are_capped),
		cmocka_unit_test(test_backoff_doubles_from_the_interval),
		cmocka_unit_test(test_backoff_is_capped_and_never_gives_up),
		cmocka_unit_test(test_initial_due_daemon_keeps_the_schedule),
		cmocka_unit_test(test_initial_due_once_ignores_the_interval),
		cmocka_unit_test(test_initial_due_once_honours_backoff),
		cmocka_unit_test(test_initial_due_force_skips_our_backoff_only),
		cmocka_unit_test(test_publisher_says_nothing),
		cmocka_unit_test(test_skip_hours_move_the_poll),
		cmocka_unit_test(test_skip_days_move_the_poll),
		cmocka_unit_test(test_update_period_is_a_lower_bound),
		cmocka_unit_test(test_update_base_gives_the_next_update),
		cmocka_unit_test(test_first_polls_spread_evenly),
		cmocka_unit_test(test_first_polls_deterministic_per_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
