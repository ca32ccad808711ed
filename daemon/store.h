/* store.h - the daemon's state in one SQLite file: the only sqlite3 user.
 *
 * Feeds (validators, schedule, health), items (identity, content hash, first
 * and last seen) and pending events, versioned with PRAGMA user_version. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "match.h"

struct diag;
struct event;
struct store;

/* A feed's persistent record.  Strings are owned; feed_state_done() frees. */
struct feed_state {
	char *url;
	char *title;              /* the feed's own title, from its last parse */
	char *etag;               /* validators for conditional GET */
	char *last_modified;
	uint64_t last_poll_usec;  /* 0 = never polled */
	uint64_t next_poll_usec;  /* due time; 0 = due now */
	long http_status;         /* last HTTP status; 0 = transport error or never */
	unsigned error_streak;    /* consecutive failed polls */
	char *last_error;         /* NULL while healthy */
	uint64_t n_items;         /* read only: items stored for this feed */
};

void feed_state_done(struct feed_state *st);
void feed_state_free_array(struct feed_state *v, size_t n);

/* Opens or creates the state file (WAL, migrated to the current schema).  A
 * file that is not SQLite or is corrupt is refused with -EBADMSG; a foreign
 * SQLite file (another application_id, or tables of another program) or one
 * from a newer schema with -EPROTO.  diag->message says why; a refused file is
 * left untouched, byte for byte. */
int store_open(const char *path, struct store **ret, struct diag *diag);

/* For readers such as `storywatch status` while the daemon runs: never
 * creates, migrates or writes; -ENOENT when there is no file yet, -EPROTO
 * when its schema is not exactly this build's. */
int store_open_readonly(const char *path, struct store **ret, struct diag *diag);

void store_close(struct store *s);
static inline void store_closep(struct store **s) { store_close(*s); }
#define _cleanup_store_ __attribute__((cleanup(store_closep)))

/* SQLite's message for the last failed call, for the caller's log line.
 * Borrowed, valid until the next call. */
const char *store_strerror(struct store *s);

/* -ENOENT when the feed was never seen. */
int store_feed_load(struct store *s, const char *url, struct feed_state *ret);
int store_feed_save(struct store *s, const struct feed_state *st);
/* The same without n_items (left 0), which costs a walk over the feed's items. */
int store_feed_load_bare(struct store *s, const char *url, struct feed_state *ret);

/* Every feed known to the state file, ordered by URL; for `storywatch status`. */
int store_feed_list(struct store *s, struct feed_state **ret, size_t *ret_n);
/* The same without n_items (left 0): what the daemon reads at start, in time
 * independent of the items stored. */
int store_feed_list_bare(struct store *s, struct feed_state **ret, size_t *ret_n);

/* One write transaction around what must land together (items, feed state and
 * the events describing them).  Not nested.  store_rollback() is harmless
 * outside a transaction, so error paths may call it unconditionally. */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);

/* A batch is one outer transaction around several of the above, which then
 * become savepoints: one commit (one fsync) for many polls.  Not nested;
 * deliver events only after store_batch_commit(), which rolls the whole
 * batch back when it fails. */
int store_batch_begin(struct store *s);
int store_batch_commit(struct store *s);
/* Undoes the whole open batch. */
void store_batch_rollback(struct store *s);
bool store_in_batch(const struct store *s);

/* ---- items (SPEC section 6) --------------------------------------------- */

/* An item's identity within its feed: "id:" + guid/atom:id, else "link:" +
 * link, else "hash:" + a hash of title and date.  Ids and links longer than
 * STORE_KEY_MAX are hashed too, so hostile feeds cannot bloat the index.
 * published is seconds since the epoch or PARSE_NO_DATE.  Caller frees. */
#define STORE_KEY_MAX 512
char *store_item_key(const char *id, const char *link, const char *title, int64_t published);

/* Hash of the normalised title and summary (NFKC, case folded, whitespace
 * collapsed and trimmed), so that a retitle is a change and a reflowed
 * space is not. */
uint64_t store_content_hash(const char *title, const char *summary);

/* What the store keeps of one item.  Strings borrowed. */
struct item_record {
	const char *feed_url;
	const char *key;           /* store_item_key() */
	uint64_t content_hash;     /* store_content_hash() */
	const char *title;
	const char *link;
	int64_t published;         /* seconds since the epoch, or PARSE_NO_DATE */
	const char *storyline;     /* the match's storyline; NULL when none */
	enum action action;        /* what the last match decided */
	double score;
	/* A report that may be repeated by others (dedup.h); signature NULL
	 * for the rest.  A changed item keeps its duplicate_of, and its old
	 * signature and time when it brings no new ones. */
	const char *item_id;       /* the id events cite */
	uint64_t report_usec;      /* when the report was made */
	const unsigned char *signature;
	size_t signature_len;
	const char *duplicate_of;  /* the first report it repeats, or NULL */
	const char *decision;      /* why it got its action (decision.h), or NULL */
};

/* What the store remembers of an item's last version.  Owned strings. */
struct item_prev {
	uint64_t content_hash;
	enum action action;        /* what its last match decided */
	char *title;
	char *duplicate_of;        /* the first report of its development, or NULL */
};
void item_prev_done(struct item_prev *p);

/* Looks an item up (ret may be NULL).  -ENOENT when it was never seen (or
 * was pruned). */
int store_item_get(struct store *s, const char *feed_url, const char *key,
		   struct item_prev *ret);

/* A stored report, as store_reports_foreach() passes it: valid during the
 * call only. */
struct report {
	const char *item_id;
	uint64_t report_usec;
	const void *signature;
	size_t signature_len;
	const char *duplicate_of;
	enum action action;        /* what its match decided: only notify ones are firsts */
	int64_t feed;              /* which feed filed it (store_feed_id()) */
};

/* The id that stands for a feed in struct report: -ENOENT for a feed the
 * state does not hold. */
int store_feed_id(struct store *s, const char *url, int64_t *ret);

/* Calls cb for the reports of storyline made between from_usec and to_usec,
 * at most STORE_REPORTS_MAX of them, those nearest to at_usec; a negative
 * return from cb stops the walk and is returned. */
#define STORE_REPORTS_MAX 256
int store_reports_foreach(struct store *s, const char *storyline, uint64_t from_usec,
			  uint64_t to_usec, uint64_t at_usec,
			  int (*cb)(const struct report *rep, void *userdata), void *userdata);

/* Inserts or replaces the item; first_seen is kept, last_seen = now_usec.
 * The feed row is created when missing. */
int store_item_put(struct store *s, const struct item_record *r, uint64_t now_usec);

/* An item as `storywatch explain` finds it; valid during the call only. */
struct item_found {
	const char *feed_url, *feed_title;
	const char *key, *item_id, *title, *link;
	int64_t published;         /* or PARSE_NO_DATE */
	const char *storyline;
	enum action action;        /* the items column: see decision for what was done */
	double score;
	const char *duplicate_of;
	uint64_t first_seen_usec, last_seen_usec;
	const char *decision;      /* decision.h; NULL for an item stored before schema 6 */
};

/* Calls cb for every stored item whose event id, link or identity is
 * id_or_link, by feed and identity; a negative return from cb stops the walk
 * and is returned.  Reads every item: for a person's question, not a poll. */
int store_items_find(struct store *s, const char *id_or_link,
		     int (*cb)(const struct item_found *it, void *userdata), void *userdata);

/* The item is still in its feed, unchanged: last_seen = now_usec. */
int store_item_touch(struct store *s, const char *feed_url, const char *key, uint64_t now_usec);

/* Forgets the feed's items last seen before before_usec; call it after a
 * body was read, so items of a feed answering 304 are never lost.  Returns
 * the number removed. */
int store_items_prune(struct store *s, const char *feed_url, uint64_t before_usec);

/* ---- events, for events.c ------------------------------------------------ */

/* The seq the next event will get: above every seq ever used. */
int store_event_next_seq(struct store *s, uint64_t *ret_seq);

/* Records e (e->seq set from store_event_next_seq()) with its JSON line. */
int store_event_insert(struct store *s, const struct event *e, const char *line);

/* Calls cb for each event with from_seq <= seq <= to_seq, undelivered only
 * when undelivered_only, in seq order, at most max events (0 = all).  e and
 * line are valid during the call.  A negative return from cb stops the walk
 * and is returned. */
int store_events_foreach(struct store *s, uint64_t from_seq, uint64_t to_seq,
			 bool undelivered_only, size_t max,
			 int (*cb)(const struct event *e, const char *line, void *userdata),
			 void *userdata);

/* Marks every event with seq <= up_to_seq delivered; returns how many
 * changed. */
int store_events_mark_delivered(struct store *s, uint64_t up_to_seq);

/* The log already holds seq numbers up to log_seq that this store never
 * issued (the state file was recreated): moves the undelivered events above
 * log_seq, keeping their order, so that seq stays increasing in the log. */
int store_events_renumber_above(struct store *s, uint64_t log_seq);

/* Forgets delivered events recorded before before_usec. */
int store_events_prune(struct store *s, uint64_t before_usec);
