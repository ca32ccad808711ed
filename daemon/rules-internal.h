/* rules-internal.h - the compiled ruleset, shared by rules.c (writer) and
 * match.c (reader), and by their tests. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "match.h"
#include "rules.h"

enum field {
	FIELD_TITLE,
	FIELD_SUMMARY,
	FIELD_FEED,      /* the feed's title and its URL */
	FIELD_AUTHOR,
	FIELD_CATEGORY,
	FIELD_LINK,
	_FIELD_MAX,
};
#define FIELD_BIT(f) (1u << (f))
/* A term without a field scope looks here. */
#define FIELD_DEFAULT_MASK (FIELD_BIT(FIELD_TITLE) | FIELD_BIT(FIELD_SUMMARY) | FIELD_BIT(FIELD_CATEGORY))

const char *field_to_string(enum field f);

enum term_kind {
	TERM_WORD,       /* one folded token */
	TERM_PREFIX,     /* a token starting with the folded stem */
	TERM_PHRASE,     /* consecutive word terms */
};

struct term {
	enum term_kind kind;
	char *folded;        /* phrase: its tokens joined by spaces */
	size_t len;
	uint64_t hash;
	uint32_t *parts;     /* phrase: word term ids, in order */
	size_t n_parts;
	uint32_t *rules;     /* word and prefix: rules that mention the term */
	size_t n_rules, cap_rules;
	uint32_t *flats;     /* the flat term lists (node.flat) it belongs to */
	size_t n_flats;
};

enum node_kind { NODE_TERM, NODE_AND, NODE_OR, NODE_NOT, NODE_NEAR };

struct node {
	enum node_kind kind;
	unsigned fields;     /* NODE_TERM, flat NODE_OR: FIELD_BIT mask */
	uint32_t term;       /* NODE_TERM */
	unsigned distance;   /* NODE_NEAR: at most this many words between */
	char *text;          /* NODE_TERM: as written in the rule file */
	struct node *a, *b;  /* NODE_NOT uses a only */
	/* NODE_OR whose chain holds only words and prefixes of the same fields
	 * (a term list): is_flat, and its index in ruleset.flat_fields.  The
	 * matcher marks such lists from the terms an item has, instead of
	 * testing every term of every list. */
	bool is_flat;
	uint32_t flat;
};

struct storyline {
	char *name;
	char *title;
	double notify_at;
	double log_at;
};

struct rule {
	char *name;          /* facts: "KIND EXPRESSION-AS-WRITTEN" */
	bool is_fact;
	size_t storyline;
	double weight;
	enum action action;  /* facts: ACTION_LOG */
	enum action limit;   /* the most an item this rule matches may get */
	enum urgency urgency;
	char **exec_argv;    /* NULL when the rule has no hook */
	uint64_t exec_timeout_usec;
	struct node *expr;
};

/* Open addressing; a slot holds a term id + 1 (0 = empty) and the high half
 * of the term's hash, so a probe rarely touches the term itself. */
struct term_slot {
	uint32_t id;
	uint32_t tag;
};

struct term_table {
	struct term_slot *slots;
	size_t mask;
	size_t n;
};

struct ruleset {
	struct storyline *storylines;
	size_t n_storylines;
	struct rule *rules;   /* rules and facts, in the order they were read */
	size_t n_rules;
	struct term *terms;
	size_t n_terms, cap_terms;
	struct term_table words, prefixes, phrases;
	bool prefix_len[RULES_MAX_TERM_BYTES + 1];
	size_t min_prefix, max_prefix;
	uint64_t prefix_start[65536 / 64]; /* bit: some prefix starts with these two bytes */
	unsigned fields;      /* FIELD_BIT mask of the fields any term looks in */
	unsigned *flat_fields; /* per flat term list: the fields it looks in */
	size_t n_flat;
};

/* Returns the id of the term in table t with this folded text, or -1.
 * Inline: the matcher calls it for every token of every item. */
static inline int64_t term_table_find(const struct ruleset *rs, const struct term_table *t,
				      const char *folded, size_t len, uint64_t hash)
{
	uint32_t tag = (uint32_t)(hash >> 32);

	if (!t->slots)
		return -1;
	for (size_t i = hash & t->mask;; i = (i + 1) & t->mask) {
		const struct term_slot *sl = &t->slots[i];
		if (!sl->id)
			return -1;
		if (sl->tag != tag)
			continue;
		const struct term *term = &rs->terms[sl->id - 1];
		if (term->hash == hash && term->len == len && memcmp(term->folded, folded, len) == 0)
			return sl->id - 1;
	}
}

/* Returns the id of the term of this kind and folded text, or -1. */
int64_t ruleset_find_term(const struct ruleset *rs, enum term_kind kind,
			  const char *folded, size_t len, uint64_t hash);
