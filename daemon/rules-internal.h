/* rules-internal.h - the compiled ruleset, shared by rules.c (writer) and
 * match.c (reader), and by their tests. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "fold.h"
#include "fold-scan.h"
#include "match.h"
#include "rules.h"

enum field {
	FIELD_TITLE,
	FIELD_SUMMARY,
	FIELD_FEED,      /* the feed's title and its URL */
	FIELD_AUTHOR,
	FIELD_CATEGORY,
	FIELD_LINK,
	FIELD_HEADLINE,  /* the title's main clause (headline.h) */
	FIELD_SIGNAL,    /* words for how the title is built: "question", "article" */
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
	uint64_t hash;       /* term_hash(): where the term is in its table */
	uint64_t first8;     /* fold_first8() of folded */
	unsigned fields;     /* FIELD_BITs any use of the term looks in (a phrase's, for its words) */
	uint32_t *parts;     /* phrase: word term ids, in order */
	size_t n_parts;
	uint32_t *rules;     /* rules that hold only if some such term occurs (not under NOT) */
	size_t n_rules, cap_rules;
	uint32_t *flats;     /* the flat term lists (node.flat) it belongs to */
	size_t n_flats;
	uint32_t *phrases;   /* word: the phrases that start with it */
	size_t n_phrases;
};

enum node_kind { NODE_TERM, NODE_AND, NODE_OR, NODE_NOT, NODE_NEAR };

struct node {
	enum node_kind kind;
	unsigned fields;     /* NODE_TERM, flat NODE_OR: FIELD_BIT mask */
	uint32_t term;       /* NODE_TERM */
	unsigned distance;   /* NODE_NEAR: at most this many words between */
	char *text;          /* NODE_TERM: as written in the rule file */
	char *list;          /* NODE_TERM: the innermost term list ($NAME) it is from, or NULL */
	struct node *a, *b;  /* NODE_NOT uses a only */
	/* NODE_OR whose chain holds only terms of the same fields (a term
	 * list): is_flat, and its index in ruleset.flats.  The matcher marks
	 * such lists from the terms an item has, instead of testing every term
	 * of every list. */
	bool is_flat;
	uint32_t flat;
};

struct flat {
	unsigned fields;     /* FIELD_BIT mask */
	uint32_t *terms;     /* sorted, distinct */
	const char **texts;  /* each term as written (borrowed from a node) */
	const char **lists;  /* each term's term list, or NULL (borrowed from a node) */
	size_t n_terms;
};

/* The index of term in the flat term list, or -1. */
static inline ssize_t flat_find(const struct flat *f, uint32_t term)
{
	size_t lo = 0, hi = f->n_terms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->terms[mid] < term)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < f->n_terms && f->terms[lo] == term ? (ssize_t)lo : -1;
}

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

/* Two filters of 2^17 bits: 16 KiB each, in the first-level cache, and with
 * a thousand rules' terms still nine bits in ten clear. */
#define RULES_FILTER_LOG2 17
#define RULES_FILTER_BITS (1u << RULES_FILTER_LOG2)

/* A filter's key: the high bits of a product, 11 for the word of the
 * filter and 6 for the bit in it. */
static inline uint64_t filter_key_word(uint64_t first8, size_t len)
{
	return (first8 ^ len) * UINT64_C(0x9e3779b97f4a7c15);
}

/* Prefixes of 4 bytes and more, by their first four. */
static inline uint64_t filter_key_quad(uint64_t first8)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t first4 = first8 & UINT32_MAX;
#else
	uint64_t first4 = first8 >> 32;
#endif
	return first4 * UINT64_C(0xc2b2ae3d27d4eb4f);
}

static inline unsigned filter_test(const uint64_t *f, uint64_t key)
{
	return (unsigned)(f[key >> (64 - RULES_FILTER_LOG2 + 6)] >> ((key >> (64 - RULES_FILTER_LOG2)) & 63) & 1);
}

static inline void filter_set(uint64_t *f, uint64_t key)
{
	f[key >> (64 - RULES_FILTER_LOG2 + 6)] |= UINT64_C(1) << ((key >> (64 - RULES_FILTER_LOG2)) & 63);
}

/* Where a word is in the words' table: its filter key, with the product's
 * high bits, the well-mixed ones, low.  A word of up to eight bytes is its
 * first8 and length: no hash of its bytes is made (term_table_find()). */
static inline uint64_t word_hash_of_key(uint64_t key)
{
	return key >> 32 | key << 32;
}

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
	uint64_t serial;      /* unique in the process, for what the matcher caches */
	struct storyline *storylines;
	size_t n_storylines;
	struct rule *rules;   /* rules and facts, in the order they were read */
	size_t n_rules;
	struct term *terms;
	size_t n_terms, cap_terms;
	struct term_table words, prefixes, phrases;
	bool prefix_len[RULES_MAX_TERM_BYTES + 1];
	size_t min_prefix, max_prefix;
	/* By a prefix's first two bytes: bit l for its length l in bytes, bit
	 * 31 for any length from 31 up.  NULL without prefixes. */
	uint32_t *prefix_lens;
	/* Bloom filters, one bit per key, so that most tokens, which no term
	 * has, cost neither a probe nor a mispredicted branch: the words' by
	 * their first eight bytes and length, the prefixes of 4 bytes and more
	 * by their first four. */
	uint64_t word_filter[RULES_FILTER_BITS / 64];
	uint64_t quad_filter[RULES_FILTER_BITS / 64];
	/* Prefixes of two or three bytes, keyed as words of that length. */
	uint64_t short_filter[RULES_FILTER_BITS / 64];
	unsigned fields;      /* FIELD_BIT mask of the fields any term looks in */
	struct flat *flats;   /* the distinct flat term lists */
	size_t n_flat;
};


/* True when a[0..len) equals b[0..len); both have FOLD_SLACK readable
 * bytes past len.  Eight bytes at a time, without a call. */
static inline bool folded_equal(const char *a, const char *b, size_t len)
{
	for (size_t k = 0; k < len; k += 8) {
		uint64_t x, y;
		memcpy(&x, a + k, 8);
		memcpy(&y, b + k, 8);
		x ^= y;
		if (len - k < 8)
			x &= ~UINT64_C(0) >> (64 - 8 * (len - k));
		if (x)
			return false;
	}
	return true;
}

/* Returns the id of the term in table t with the folded text s[0..len),
 * whose first eight bytes are first8, or -1.  hash is term_hash() of the
 * text; s has FOLD_SLACK bytes to spare, as term texts have.  Inline: the
 * matcher calls it for the tokens its filters let through. */
static inline int64_t term_table_find(const struct ruleset *rs, const struct term_table *t,
				      const char *s, size_t len, uint64_t first8, uint64_t hash)
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
		if (term->first8 == first8 && term->len == len &&
		    (len <= 8 || folded_equal(term->folded + 8, s + 8, len - 8)))
			return sl->id - 1;
	}
}

/* Where a term of this kind is in its table: words by word_hash_of_key(),
 * the others by fold_hash().  s has FOLD_SLACK readable bytes past len. */
static inline uint64_t term_hash(enum term_kind kind, const char *s, size_t len)
{
	if (kind == TERM_WORD)
		return word_hash_of_key(filter_key_word(fold_first8(s, len), len));
	return fold_hash_slack(s, len);
}

/* Returns the id of the term of this kind and folded text, or -1.  folded
 * has FOLD_SLACK readable bytes past len. */
int64_t ruleset_find_term(const struct ruleset *rs, enum term_kind kind, const char *folded, size_t len);
