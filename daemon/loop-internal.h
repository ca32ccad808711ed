/* loop-internal.h - the scheduling arithmetic of loop.c, for its tests.
 * Jitter is added by the caller; these are exact. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

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

/* When a feed is first due, from its stored state: now, unless its stored
 * next poll is later; with --once only an error backoff or Retry-After (a
 * failing feed) holds it back, the regular interval never does; with
 * --force (is_force) only a server's Retry-After does. */
uint64_t loop_initial_due(bool is_once, bool is_force, const struct feed_state *st,
			  uint64_t now_usec);
