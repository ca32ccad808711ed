/* match.h - compiled rules + storyline profile + one item: score and action.
 *
 * Pure: no I/O.  The rules module builds struct ruleset; this module reads it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct ruleset;

enum action { ACTION_IGNORE, ACTION_LOG, ACTION_NOTIFY };
enum urgency { URGENCY_LOW, URGENCY_NORMAL, URGENCY_CRITICAL };

const char *action_to_string(enum action a);   /* "ignore", "log", "notify" */
const char *urgency_to_string(enum urgency u); /* "low", "normal", "critical" */

/* What an item offers to the matcher; any field may be NULL. */
struct match_input {
	const char *title;
	const char *summary;
	const char *feed_title;
	const char *feed_url;
	const char *author;
	const char *link;
	const char *const *categories;
	size_t n_categories;
	/* No evidence for an item that ends up ignored, for a caller that keeps
	 * none of it (the daemon keeps it: decision.h). */
	bool is_evidence_for_relevant_only;
};

/* Why a term counted: where it was found. */
struct match_evidence {
	const char *rule;     /* borrowed from the ruleset */
	const char *term;     /* the term as written in the rule file (borrowed) */
	const char *list;     /* the innermost term list ($NAME) it is from, or NULL (borrowed) */
	const char *field;    /* "title", "summary", ... */
	size_t position;      /* token index within the field */
};

struct match_hit {
	const char *rule;     /* rule name, borrowed; for a profile fact "KIND EXPRESSION" */
	double contribution;  /* what the rule added to the score */
	enum action action;   /* the rule's own action; ACTION_LOG for a fact */
	enum action limit;    /* the most an item it matches may get (`limit`) */
	bool is_fact;         /* a storyline profile fact, not a rule */
};

struct match_result {
	const char *storyline;        /* borrowed; NULL when no rule fired */
	const char *storyline_title;  /* borrowed */
	double score;
	double notify_at, log_at;     /* the storyline's thresholds */
	enum action action;
	enum urgency urgency;
	struct match_hit *hits;       /* owned array, in rule order */
	size_t n_hits;
	struct match_evidence *evidence; /* owned array */
	size_t n_evidence;
};

/* Matches one item against every rule of every storyline and returns the best
 * storyline's result (action ACTION_IGNORE and no hits when nothing fired). */
int match_item(const struct ruleset *rs, const struct match_input *in, struct match_result **ret);

/* Working memory that match_item_scratch() keeps from one item to the next,
 * so that matching a feed allocates little.  One per thread. */
struct match_scratch;
int match_scratch_new(struct match_scratch **ret);
void match_scratch_free(struct match_scratch *s);
static inline void match_scratch_freep(struct match_scratch **s) { match_scratch_free(*s); }
#define _cleanup_match_scratch_ __attribute__((cleanup(match_scratch_freep)))

/* match_item() with the caller's scratch: the same result, fewer allocations. */
int match_item_scratch(const struct ruleset *rs, const struct match_input *in,
		       struct match_scratch *scratch, struct match_result **ret);

void match_result_free(struct match_result *r);
static inline void match_result_freep(struct match_result **r) { match_result_free(*r); }
#define _cleanup_match_result_ __attribute__((cleanup(match_result_freep)))
