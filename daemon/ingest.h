/* ingest.h - what happens to one poll's outcome: parse, match, dedupe, store
 * and queue events, in one transaction.  The loop calls it; `storywatch match`
 * can run the matching half without a store. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "parse.h"

struct diag;
struct feed;
struct feed_item;
struct feed_state;
struct match_result;
struct ruleset;
struct store;

/* Reports that would notify, queued until the end of a batch of polls, when
 * ingest_decide() judges them together (SPEC section 6: the same items give
 * the same events, whatever order the feeds answer in). */
struct ingest_pending;
int ingest_pending_new(struct ingest_pending **ret);
void ingest_pending_free(struct ingest_pending *q);
static inline void ingest_pending_freep(struct ingest_pending **q) { ingest_pending_free(*q); }
size_t ingest_pending_count(const struct ingest_pending *q);
/* Forgets the candidates from the n-th on: those of polls rolled back. */
void ingest_pending_truncate(struct ingest_pending *q, size_t n);

struct ingest {
	struct store *store;
	const struct ruleset *rules;  /* NULL: no rules, nothing is relevant */
	uint64_t now_usec;            /* the daemon's clock (STORYWATCH_EVAL_TIME aware) */
	uint64_t prune_after_usec;    /* items gone this long are forgotten */
	size_t max_body_bytes;
	/* On a feed's first poll, items published longer ago than this are
	 * logged, never notified (0: no limit). */
	uint64_t notify_max_age_usec;
	/* Where ingest_body() queues would-be notifications while the store
	 * is in a batch; NULL, or outside a batch: judged before it returns. */
	struct ingest_pending *pending;
};

/* Judges the queued candidates in the order their reports were made (then
 * feed and identity), each against every report already stored in its
 * window: the first of a development notifies, later ones are logged as its
 * duplicates.  Queues their events in one transaction (a savepoint in a
 * batch).  Call it before committing a batch.  *ret_n_events (may be NULL)
 * gets the count queued. */
int ingest_decide(const struct ingest *ig, size_t *ret_n_events);

struct ingest_stats {
	size_t n_items;       /* entries in the document */
	size_t n_new;         /* first seen */
	size_t n_changed;     /* seen before, content changed */
	size_t n_events;      /* events queued */
	unsigned ttl_minutes; /* the feed's <ttl>, 0 when absent */
	struct feed_schedule schedule; /* skipHours, skipDays, sy:update* */
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
