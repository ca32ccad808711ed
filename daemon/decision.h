/* decision.h - why an item got its action, as the state file keeps it for
 * every item within the prune window (ignored ones too): the match (rules
 * and facts with the words and fields they hit, score and thresholds), what
 * capped the action, and for a duplicate the first report, the similarity
 * and what both say.  `storywatch explain` reads it back.  Pure: no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "match.h"

struct buf;

/* What held an item below its match's action, in the daemon's order of
 * steps (SPEC sections 3 and 6). */
enum decision_cap {
	DECISION_CAP_NONE,
	DECISION_CAP_AGE,        /* first poll of its feed, older than notify_max_age */
	DECISION_CAP_CHANGE,     /* an update whose change is no development on its own */
	DECISION_CAP_COSMETIC,   /* a retitle that adds no news */
	DECISION_CAP_DUPLICATE,  /* repeats a development already notified */
	_DECISION_CAP_MAX,
};

/* One decision.  Strings and arrays are borrowed: from the caller when
 * encoding, from the struct decision_record when decoded. */
struct decision {
	bool is_update;                 /* a changed item already reported */
	enum action action;             /* what was done: the event's action */
	enum decision_cap cap;
	const struct match_result *match; /* NULL: no rule or fact matched */
	const char *duplicate_of;       /* the first report it repeats, or NULL */
	double similarity;              /* to it; negative when not known here */
	const char *const *shared;      /* words and facts both reports have */
	size_t n_shared;
};

/* The record's text: "1 ..." lines, short enough to keep for every item.
 * Caller frees. */
char *decision_encode(const struct decision *d);

/* A record read back: d borrows from the rest. */
struct decision_record {
	struct decision d;
	struct match_result m;          /* d.match points here when it matched */
	const char **shared;
	char *text;                     /* the record's text, split in place */
};

/* Parses text as decision_encode() wrote it; -EBADMSG for anything else
 * (another version, a damaged state file). */
int decision_decode(const char *text, struct decision_record *ret);
void decision_record_done(struct decision_record *r);

/* What capped the action, in words ("first poll, older than notify_max_age"). */
const char *decision_cap_to_string(enum decision_cap c);

/* The matcher may find one word again for a second use of its term in a
 * rule; the reader wants each place once. */
bool decision_evidence_is_repeated(const struct match_result *m, size_t j);

/* m's hits, one line each ("  +3 rule NAME [notify]"), each followed by
 * the terms it found with their field and word position: shared by
 * `storywatch match` and `storywatch explain`. */
void decision_format_hits(struct buf *b, const struct match_result *m);

/* The same as JSON members "hits" and "evidence" of the object being
 * written (m may be NULL: both empty); with_limit adds each hit's "limit".
 * 0 or negative (json.h). */
int decision_json_hits(struct buf *b, const struct match_result *m, bool with_limit);
