/* evlog.h - the JSON Lines event log read back into entries, each
 * development with its other reports and updates folded beneath it.
 *
 * Shared by storywatch log, feed, report and digest, and by the daemon for
 * the Atom feed of each storyline.  Every string is scrubbed when read: no
 * control character, bidi override or character XML 1.0 forbids survives. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct buf;

/* A line longer than this is skipped as unreadable. */
#define EVLOG_MAX_LINE (1024 * 1024)

/* One event.  Strings are owned and may be NULL; rules is never NULL. */
struct evlog_entry {
	int64_t seq;
	time_t time;
	char *event, *feed, *feed_title, *id, *title, *link, *storyline, *action;
	char *duplicate_of, *error, *lang;
	char **rules;           /* NULL-terminated */
	double score;
	bool has_score;
	bool has_published;
	time_t published;

	struct evlog_entry *parent;   /* set when folded under another entry */
	struct evlog_entry **children;
	size_t n_children;
};

/* Characters never shown as they are: C0, DEL, C1, U+2028/9, bidi embeddings,
 * overrides and isolates, and U+FFFE/U+FFFF, which XML 1.0 forbids. */
bool evlog_is_unsafe(uint32_t cp);

/* A copy of s[0..n): tab, CR and LF become spaces, every other unsafe
 * character U+FFFD.  The caller frees. */
char *evlog_scrub(const char *s, size_t n);

/* RFC 3339 section 5.6, by fixed positions: no locale, no strptime. */
int evlog_parse_time(const char *s, time_t *ret);

/* Now, or $STORYWATCH_EVAL_TIME when set, as the daemon reads it. */
time_t evlog_now(void);

/* --since/--until: YYYY-MM-DD (local day), RFC 3339, or an age like 2d, 6h,
 * 30m, 90s, 1w before evlog_now().  A date as until means the end of it. */
int evlog_parse_when(const char *s, bool is_until, time_t *ret);

/* NULL for a line that is not an event: every event has seq, time and event. */
struct evlog_entry *evlog_entry_from_line(const char *line, size_t len);
void evlog_entry_free(struct evlog_entry *e);

/* Reads one line of at most line's ceiling; a longer one is consumed and
 * reported as too long (1).  Returns 0, 1, or EOF. */
int evlog_read_line(FILE *f, struct buf *line);

/* Every readable event of the log at path ("-": standard input) for which
 * keep (may be NULL) says yes, in log order.  *ret_n_bad (may be NULL) gets
 * the unreadable lines skipped.  0 or -errno when the file cannot be read. */
int evlog_load(const char *path, bool (*keep)(const struct evlog_entry *e, void *userdata),
	       void *userdata, struct evlog_entry ***ret, size_t *ret_n, size_t *ret_n_bad);
void evlog_entries_free(struct evlog_entry **ev, size_t n);

bool evlog_is_feed_event(const struct evlog_entry *e);

/* Folds the other reports of a development (events whose duplicate_of names
 * it) and its updates under the first event that introduced the item, when
 * that event is in ev.  Sets parent and children. */
void evlog_group(struct evlog_entry **ev, size_t n);

/* After evlog_group(): a development is an unfolded item event with action
 * notify; a context item an unfolded one with action log. */
bool evlog_is_development(const struct evlog_entry *e);
bool evlog_is_context(const struct evlog_entry *e);

/* The development's last change: its own time or its latest update's. */
time_t evlog_updated(const struct evlog_entry *e);

/* Where a report came from, as every output names it (event_outlet): the
 * feed's title, else the host of a web link, else the feed's.  Into tmp. */
const char *evlog_outlet(const struct evlog_entry *e, char *tmp, size_t n);

/* Only http:// and https:// links are ever shown as links: no javascript:,
 * data: or file: from a feed. */
bool evlog_is_web_link(const char *url);

/* The feeds whose last feed event in ev is a feed_error: for each, that
 * error's entry (borrowed).  The array is the caller's. */
size_t evlog_feeds_in_error(struct evlog_entry **ev, size_t n, struct evlog_entry ***ret);

