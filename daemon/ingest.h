/* ingest.h - what happens to one poll's outcome: parse, match, dedupe, store
 * and queue events, in one transaction.  The loop calls it; `storywatch match`
 * can run the matching half without a store. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct diag;
struct feed;
struct feed_item;
struct feed_state;
struct match_result;
struct ruleset;
struct store;

struct ingest {
	struct store *store;
	const struct ruleset *rules;  /* NULL: no rules, nothing is relevant */
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

/* Health is decided here, from the state saved before this poll: both calls
 * set st->error_streak (the saved streak + 1 on failure, 0 on success) and
 * st->last_error (a copy of the error, NULL on success) and save *st with
 * them.  The caller sets everything else (validators, http_status,
 * last_poll_usec, next_poll_usec); its backoff can use the saved streak + 1.
 * *st is updated only when the transaction committed. */

/* A 200 answer: body bytes of the feed at st->url.  Each item new to the
 * feed, or seen before with another normalised title or summary, is matched;
 * a relevant one (notify or log) queues a match event, or an update event
 * when the item had already been reported.  A guid or link shared by several
 * items of one document identifies none of them: they fall back to the next
 * kind of identity, so that they do not pass for one item changing on every
 * poll.  Items, feed state and events are
 * stored in one transaction; items gone from the feed for prune_after_usec
 * are forgotten.  st->title becomes the feed's own title.
 * Returns 0; or -EBADMSG / -EFBIG when the body is not a feed, which was
 * recorded as a failed poll like ingest_status(ig, st, why), without the
 * validators st had (those of the failed answer) (the caller may
 * then reschedule with backoff and store_feed_save()); or another negative
 * errno when nothing could be stored (store_strerror() says why). */
int ingest_body(const struct ingest *ig, struct feed_state *st, const void *body, size_t len,
		struct ingest_stats *ret_stats);

/* Any other outcome: a 304 (error NULL) or a failure (error text).  Saves *st;
 * queues feed_error (with the error and st->next_poll_usec as the next
 * attempt) when a healthy feed starts failing and feed_ok when a failing one
 * recovers, never one per poll.  Items are left alone: a 304 keeps them. */
int ingest_status(const struct ingest *ig, struct feed_state *st, const char *error);

/* The matching half without a store, for `storywatch match FILE`: parses the
 * document and calls cb for each item in document order with its identity key
 * (NULL for a later copy of an identical item, which ingest skips) and match
 * result (all borrowed for the call).  A negative return from cb
 * stops and is returned.  Parse failures return -EBADMSG / -EFBIG with diag
 * filled.  rules may be NULL (every item then ignored). */
int ingest_dry_run(const struct ruleset *rules, const char *feed_url, const void *body, size_t len,
		   size_t max_body_bytes,
		   int (*cb)(const struct feed *f, const struct feed_item *it, const char *key,
			     const struct match_result *m, void *userdata),
		   void *userdata, struct diag *diag);
