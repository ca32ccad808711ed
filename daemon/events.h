/* events.h - the event record (SPEC section 7).
 *
 * An event is queued in the state file in the same transaction as the items
 * it describes (events_queue), then delivered exactly once to the JSON Lines
 * log (events_deliver), and, under systemd, to the journal.  A crash at any
 * moment loses no event and writes none twice: delivery reads the log's last
 * complete line to learn what is already there. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "match.h"

struct buf;
struct diag;
struct events;
struct store;

enum event_type {
	EVENT_MATCH,       /* a relevant item seen for the first time */
	EVENT_UPDATE,      /* a seen item whose title or summary changed, still relevant */
	EVENT_FEED_ERROR,  /* a healthy feed started failing */
	EVENT_FEED_OK,     /* a failing feed recovered */
};

/* "match", "update", "feed_error", "feed_ok". */
const char *event_type_to_string(enum event_type t);

/* How every output names an outlet: the feed's own title, else the host of
 * the item's link (without "www."), else the feed's host, else "?".  Returns
 * a string the caller frees. */
char *event_outlet(const char *feed_title, const char *link, const char *feed);

/* One event.  Strings are borrowed and may be NULL.  Item events use the item
 * fields, feed events use error and next_attempt_usec. */
struct event {
	uint64_t seq;                 /* set by events_queue(); increasing */
	enum event_type type;
	uint64_t time_usec;           /* when it happened, the daemon's clock */
	const char *feed;             /* the feed's URL */
	const char *feed_title;       /* the feed's own title, NULL when it has none */

	const char *id;               /* guid / atom:id as given, else the link */
	const char *title;
	const char *link;
	int64_t published;            /* seconds since the epoch, or PARSE_NO_DATE */
	const char *storyline;
	const char *const *rules;     /* names of the rules that fired */
	size_t n_rules;
	double score;
	enum action action;           /* ACTION_NOTIFY or ACTION_LOG */
	enum urgency urgency;         /* not in the JSON: for notifications */
	const char *duplicate_of;     /* id of the item first reporting this, or NULL */

	const char *error;            /* feed_error: what went wrong */
	uint64_t next_attempt_usec;   /* feed_error: next poll, 0 = unknown */
};

/* Appends e as one JSON Lines record, newline included, keys in SPEC order:
 * item events  seq,time,event,feed,id,title,link,published,storyline,rules,
 *              score,action,duplicate_of
 * feed events  seq,time,event,feed,error,next_attempt
 * Returns 0 or -E2BIG when b's ceiling is reached. */
int event_to_json(const struct event *e, struct buf *b);

/* Records e in the store; call it inside the transaction that stores what the
 * event describes (store_begin ... store_commit).  Sets e->seq. */
int events_queue(struct store *s, struct event *e);

enum events_journal {
	EVENTS_JOURNAL_AUTO,  /* on when JOURNAL_STREAM or INVOCATION_ID is set */
	EVENTS_JOURNAL_OFF,
	EVENTS_JOURNAL_ON,
};

struct events_options {
	const char *log_path;         /* the JSON Lines file; created 0640 when missing */
	enum events_journal journal;
	/* Called once per event right after it reached the log (fsynced), for
	 * notifications.  At most once: an event whose line was written just
	 * before a crash is not handed out again.  May be NULL. */
	void (*on_event)(const struct event *e, void *userdata);
	void *userdata;
};

/* Opens (creates) the log, cuts a torn last line, and reconciles it with the
 * store: events already in the log are marked delivered, not written again.
 * The log is locked: -EBUSY when another process delivers to it.  Returns 0
 * or negative errno; diag says which file and why. */
int events_open(struct store *s, const struct events_options *o, struct events **ret,
		struct diag *diag);

/* Appends every undelivered event in seq order, fsyncs, sends each to the
 * journal when enabled, calls on_event, then marks them delivered.  Call it
 * after each committed ingest.  *ret_n (may be NULL) gets the count written.
 * A log that was rotated (renamed away) is reopened at its path. */
int events_deliver(struct events *ev, size_t *ret_n);

void events_close(struct events *ev);
static inline void events_closep(struct events **ev) { events_close(*ev); }
#define _cleanup_events_ __attribute__((cleanup(events_closep)))
