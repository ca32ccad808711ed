/* ingest.h - what happens to one poll's outcome: parse, match, dedupe, store
 * and queue events, in one transaction.  The loop calls it; `storywatch match`
 * can run the matching half without a store. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct feed_state;
struct ruleset;
struct store;

struct ingest {
	struct store *store;
	const struct ruleset *rules;
	uint64_t now_usec;            /* the daemon's clock (STORYWATCH_EVAL_TIME aware) */
	uint64_t prune_after_usec;    /* items gone this long are forgotten */
	size_t max_body_bytes;
};

struct ingest_stats {
	size_t n_items;       /* entries in the document */
	size_t n_new;         /* first seen */
	size_t n_changed;     /* seen before, content changed */
	size_t n_events;      /* events queued */
	unsigned ttl_minutes; /* the feed's <ttl>, 0 when absent */
};

/* A 200 answer: body bytes of the feed at st->url.  The caller has set the new
 * validators, status and times in *st; they are saved in the same transaction
 * as the items and events.  A body that is not a feed is a feed error. */
int ingest_body(const struct ingest *ig, struct feed_state *st, const void *body, size_t len,
		struct ingest_stats *ret_stats);

/* Any other outcome: a 304 (error NULL) or a failure (error text).  Saves *st;
 * queues feed_error when a healthy feed starts failing and feed_ok when a
 * failing one recovers, never one per poll. */
int ingest_status(const struct ingest *ig, struct feed_state *st, const char *error);
