/* store.h - the daemon's state in one SQLite file: the only sqlite3 user.
 *
 * Feeds (validators, schedule, health), items (identity, content hash, first
 * and last seen) and pending events, versioned with PRAGMA user_version. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct diag;
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

/* Opens or creates the state file (WAL, migrated to the current schema).  A
 * corrupt file, a foreign SQLite file or one from a newer schema is refused
 * with -EBADMSG / -EPROTO and a diag message, and left untouched. */
int store_open(const char *path, struct store **ret, struct diag *diag);
void store_close(struct store *s);

/* -ENOENT when the feed was never seen. */
int store_feed_load(struct store *s, const char *url, struct feed_state *ret);
int store_feed_save(struct store *s, const struct feed_state *st);

/* Every feed known to the state file, ordered by URL; for `storywatch status`. */
int store_feed_list(struct store *s, struct feed_state **ret, size_t *ret_n);

/* One write transaction around what must land together (items, feed state and
 * the events describing them).  Not nested.  store_rollback() is harmless
 * outside a transaction, so error paths may call it unconditionally. */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);
