/* loop-internal.h - the scheduling arithmetic of loop.c, for its tests.
 * Jitter is added by the caller; these are exact. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct feed_schedule;
struct feed_state;

/* The regular wait: the interval, or longer when the feed's <ttl> or the
 * answer's freshness (fresh_until_sec, -1 = none) ask for more (SPEC section
 * 5); neither stretches it past cap_usec. */
uint64_t loop_regular_wait(uint64_t interval_usec, unsigned ttl_minutes, int64_t fresh_until_sec,
			   uint64_t now_usec, uint64_t cap_usec);

/* The wait after the streak-th consecutive failure: the interval, doubling
 * with each further failure, capped; never "give up". */
uint64_t loop_backoff_wait(uint64_t interval_usec, unsigned streak, uint64_t cap_usec);

/* Whether a failing feed's stored next poll is a server's wish: its last
 * answer was 429 or 503, which carry Retry-After (RFC 9110 section 10.2.3),
 * rather than our own backoff. */
bool loop_is_server_hold(const struct feed_state *st);

/* When a feed is first due, from its stored state: its stored next poll
 * when that is later than now, else now + spread_usec (its place in the
 * interval, loop_spread()), so that a daemon started with many feeds never
 * polled, or long overdue, does not poll them all at once.  With --once only
 * an error backoff or Retry-After (a failing feed) holds a feed back: neither
 * the interval nor the spread does; with --force (is_force) only a server's
 * Retry-After does. */
uint64_t loop_initial_due(bool is_once, bool is_force, const struct feed_state *st,
			  uint64_t now_usec, uint64_t spread_usec);

/* A feed URL's place among others: a 64-bit hash, the same on every run. */
uint64_t loop_url_hash(const char *url);

/* The rank of each of n distinct URLs by loop_url_hash() (then by URL),
 * into ret_rank[i] for urls[i]: independent of the order of the list. */
void loop_rank_urls(const char *const *urls, size_t n, size_t *ret_rank);

/* Where the feed ranked rank-th of n by loop_url_hash() starts in its
 * interval: rank / n of it, so that n feeds of one interval start evenly
 * spread over it, each always at the same place for the same list. */
uint64_t loop_spread(uint64_t interval_usec, size_t rank, size_t n);

/* The publisher's schedule (RSS 2.0 skipHours and skipDays, the syndication
 * module's update period and base) taken like <ttl>: a lower bound on the
 * next poll, never a reason to poll sooner.  From due_usec, the time the
 * interval and jitter gave: not before now + the update period, or with an
 * update base not before the first update after now; then not within a
 * skipped hour or day (UTC; a publisher that skips every hour or every day
 * is not listened to).  What the publisher adds stops at now + cap_usec. */
uint64_t loop_publisher_due(const struct feed_schedule *s, uint64_t now_usec, uint64_t due_usec,
			    uint64_t cap_usec);
