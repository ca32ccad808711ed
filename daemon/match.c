/* match.c - one item against a compiled ruleset.
 *
 * The item is folded once.  Each token is looked up in the term index (one
 * hash probe for the word, one per stored prefix length for prefixes); the
 * occurrences found name the only rules worth evaluating.  So the cost grows
 * with the item's length and the rules it touches, not with the ruleset. */

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fold.h"
#include "fold-scan.h"
#include "headline.h"
#include "match.h"
#include "rules-internal.h"
#include "util.h"

/* Bounds per item, so a hostile feed cannot make NEAR quadratic or the
 * evidence list endless. */
#define MATCH_MAX_SPANS          1024
#define MATCH_MAX_TERM_EVIDENCE  8
#define MATCH_MAX_EVIDENCE       256
#define NO_TERM UINT32_MAX

const char *action_to_string(enum action a)
{
	switch (a) {
	case ACTION_IGNORE: return "ignore";
	case ACTION_LOG: return "log";
	case ACTION_NOTIFY: return "notify";
	}
	return NULL;
}

const char *urgency_to_string(enum urgency u)
{
	switch (u) {
	case URGENCY_LOW: return "low";
	case URGENCY_NORMAL: return "normal";
	case URGENCY_CRITICAL: return "critical";
	}
	return NULL;
}

struct span {
	uint32_t start, end; /* token indexes, inclusive */
	uint32_t seg;
};

struct spans {
	struct span *v;
	size_t n, cap;
};

struct sl_score {
	double score;
	bool has_hit, has_veto;
	enum action cap;
	enum urgency urgency;
	bool has_cap, has_urgency;
	enum action limit;   /* from `limit` rules; ACTION_NOTIFY when none */
};

/* Where a rule term occurs in the item. */
struct occ {
	uint32_t term;
	uint32_t idx, end;   /* its first and last token, counted over all texts */
	uint32_t next;       /* the term's next occurrence, or NO_TERM */
	uint32_t pos;        /* its first token's index within its own text */
	uint16_t seg;        /* which text (a category, the feed URL...) */
	uint8_t field;
};

/* One of an item's terms in one of the flat term lists it satisfies. */
struct member {
	uint32_t term;
	uint32_t next;       /* the list's next member, or NO_TERM */
};

/* Per term of the ruleset, valid for the item whose stamp it carries. */
struct term_state {
	uint32_t item;       /* the last item the term occurs in */
	uint32_t fields;     /* FIELD_BITs of its occurrences there */
	uint32_t head, tail; /* its first and last occurrence */
};

/* The texts of an item the rules look in: title, summary, feed title and
 * URL, author, link, then the categories past which no more are read. */
#define MATCH_MAX_TEXTS (6 + 64)

/* A short text and the terms found in it, token indexes from its first. */
#define MEMO_SLOTS 64   /* the top 6 bits of a product pick one */
#define MEMO_TEXT 40
#define MEMO_OCC 4
struct text_memo {
	uint64_t serial;     /* of the ruleset, 0 when empty */
	uint8_t field, len, n_occ;
	uint32_t n_tok;
	char text[MEMO_TEXT];
	struct {
		uint32_t term, idx, pos;
	} occ[MEMO_OCC];
};

/* Items of one feed share its title and URL: their terms are found once and
 * replayed, with token indexes and texts counted from the feed's first. */
struct feed_memo {
	uint64_t serial;     /* of the ruleset, 0 when empty */
	char *title, *url;
	struct occ *occ;
	size_t n_occ;
	uint32_t n_tok;
	uint16_t n_seg;
};

/* Per item: for each rule term found, the chain of its occurrences in token
 * order, reached from the term's state.  The item's tokens
 * themselves are not kept: each is looked up as the scanner folds it. */
struct mctx {
	const struct ruleset *rs;
	struct fold_text scratch; /* the scanner's, for words not plain ASCII */
	uint32_t first_tok;  /* the index of the first token of the text being scanned */
	uint16_t seg, n_seg; /* the text being scanned; texts scanned */
	uint8_t field;
	/* While the title is scanned: its first tokens that are the main
	 * clause, which are found for the headline scope too. */
	uint32_t headline_tokens;
	struct occ *occ;
	size_t n_occ, cap_occ;
	uint32_t *terms;     /* the distinct terms found, in order of first occurrence */
	size_t n_terms, cap_terms;
	struct feed_memo feed; /* the feed title and URL, scanned once per feed */
	struct text_memo *memo; /* MEMO_SLOTS short texts, by hash */

	uint32_t *cand;      /* rules worth evaluating; then those that fired, in rule order */
	size_t n_cand, cap_cand;
	uint32_t *cand_tmp;  /* for the radix sort */
	size_t cap_cand_tmp;
	uint32_t *stamp;     /* per rule: the last item that made it a candidate */
	size_t cap_stamp;
	struct term_state *ts; /* per term: the terms of a rule an item lacks
				* cost one look here */
	size_t cap_ts;
	uint32_t *flat_hit;  /* per flat term list: the last item one of its terms is in */
	uint32_t *flat_first; /* per flat term list: its first member, for members_item */
	uint32_t *flat_members_of; /* per flat term list: the item flat_first is of */
	size_t cap_flat;
	struct member *members; /* of the flat term lists, made when first needed */
	size_t n_members, cap_members;
	uint32_t members_item; /* the item they are of, 0 for none */
	uint32_t item;       /* this item's stamp */
	struct sl_score *sc; /* per storyline */
	size_t cap_sc;
};

/* The scratch is the working memory itself, kept between items. */
struct match_scratch {
	struct mctx m;
};

static void feed_memo_clear(struct feed_memo *f)
{
	free(f->title);
	free(f->url);
	free(f->occ);
	*f = (struct feed_memo){ 0 };
}

static void mctx_free(struct mctx *m)
{
	feed_memo_clear(&m->feed);
	free(m->memo);
	fold_text_free(&m->scratch);
	free(m->occ);
	free(m->terms);
	free(m->cand);
	free(m->cand_tmp);
	free(m->stamp);
	free(m->ts);
	free(m->flat_hit);
	free(m->flat_first);
	free(m->flat_members_of);
	free(m->members);
	free(m->sc);
}

/* Empties m for the next item, keeping its arrays. */
static void mctx_reset(struct mctx *m, const struct ruleset *rs)
{
	m->rs = rs;
	m->first_tok = 0;
	m->n_seg = 0;
	m->n_occ = m->n_terms = m->n_cand = 0;
	if (m->cap_stamp < rs->n_rules || m->cap_ts < rs->n_terms || m->cap_flat < rs->n_flat ||
	    ++m->item == 0) {
		/* A bigger ruleset, or the stamps wrapped: start them over. */
		m->cap_stamp = MAX(m->cap_stamp, rs->n_rules);
		m->cap_ts = MAX(m->cap_ts, rs->n_terms);
		m->cap_flat = MAX(m->cap_flat, rs->n_flat);
		free(m->stamp);
		free(m->ts);
		free(m->flat_hit);
		free(m->flat_first);
		free(m->flat_members_of);
		m->flat_hit = xcalloc(MAX(m->cap_flat, 1), sizeof(*m->flat_hit));
		m->flat_first = xcalloc(MAX(m->cap_flat, 1), sizeof(*m->flat_first));
		m->flat_members_of = xcalloc(MAX(m->cap_flat, 1), sizeof(*m->flat_members_of));
		m->members_item = 0;
		m->stamp = xcalloc(MAX(m->cap_stamp, 1), sizeof(*m->stamp));
		m->ts = xcalloc(MAX(m->cap_ts, 1), sizeof(*m->ts));
		m->item = 1;
	}
}

/* Grows *v to hold n elements of size sz; contents kept. */
static void *grow(void *v, size_t *cap, size_t n, size_t sz)
{
	if (n <= *cap)
		return v;
	*cap = MAX(n, *cap * 2);
	return xreallocarray(v, *cap, sz);
}

int match_scratch_new(struct match_scratch **ret)
{
	*ret = xcalloc(1, sizeof(**ret));
	return 0;
}

void match_scratch_free(struct match_scratch *s)
{
	if (!s)
		return;
	mctx_free(&s->m);
	free(s);
}

static inline __attribute__((always_inline)) void push_occ(struct mctx *m, uint32_t term, uint32_t idx, uint32_t end, uint32_t pos,
		     uint16_t seg, uint8_t field)
{
	if (m->n_occ == m->cap_occ)
		m->occ = grow(m->occ, &m->cap_occ, m->n_occ + 32, sizeof(*m->occ));
	m->occ[m->n_occ++] = (struct occ){
		.term = term, .idx = idx, .end = end, .next = NO_TERM, .pos = pos,
		.seg = seg, .field = field,
	};
}

/* A token some term may be: SEE_WORD says the words' filter let it
 * through (key is its filter key), SEE_PREFIX that a prefix may start it;
 * the token's position is in the bits above.  Six arguments, all in
 * registers: the scanner's loop keeps its own there too. */
enum { SEE_WORD = 1, SEE_PREFIX = 2 };

static __attribute__((noinline)) void see_candidate(struct mctx *m, const char *s, size_t len,
						    uint64_t first8, uint64_t key, uint64_t see)
{
	const struct ruleset *rs = m->rs;
	uint32_t pos = (uint32_t)(see >> 2), idx = m->first_tok + pos;
	bool prefix = see & SEE_PREFIX;
	int64_t id;

	/* A term is kept only where some use of it looks. */
	unsigned field = FIELD_BIT(m->field);
	unsigned headline = pos < m->headline_tokens ? FIELD_BIT(FIELD_HEADLINE) : 0;
	if ((see & SEE_WORD) && (id = term_table_find(rs, &rs->words, s, len, first8, word_hash_of_key(key))) >= 0) {
		if (rs->terms[id].fields & field)
			push_occ(m, (uint32_t)id, idx, idx, pos, m->seg, m->field);
		if (rs->terms[id].fields & headline)
			push_occ(m, (uint32_t)id, idx, idx, pos, m->seg, FIELD_HEADLINE);
	}
	if (!prefix)
		return;
	/* The lengths of the prefixes that start as this token does, up to
	 * its own; bit 31 stands for 31 bytes and more. */
	uint32_t lens = rs->prefix_lens[(unsigned)(unsigned char)s[0] << 8 | (unsigned char)s[1]];
	if (len < 31)
		lens &= (UINT32_C(2) << len) - 1;
	while (lens) {
		size_t l = (size_t)__builtin_ctz(lens), top = l;
		lens &= lens - 1;
		if (l == 31)
			top = MIN(len, rs->max_prefix);
		for (; l <= top; l++) {
			/* Only whole characters: the next byte starts one. */
			if (!rs->prefix_len[l] || ((unsigned char)s[l] & 0xc0) == 0x80)
				continue;
			id = term_table_find(rs, &rs->prefixes, s, l, fold_first8(s, l), fold_hash_slack(s, l));
			if (id >= 0 && (rs->terms[id].fields & field))
				push_occ(m, (uint32_t)id, idx, idx, pos, m->seg, m->field);
			if (id >= 0 && (rs->terms[id].fields & headline))
				push_occ(m, (uint32_t)id, idx, idx, pos, m->seg, FIELD_HEADLINE);
		}
	}
}

/* What the scanner's visitor needs of the ruleset, copied where the
 * compiler can keep it in registers. */
struct seer {
	struct mctx *m;
	const uint64_t *word_filter, *quad_filter, *short_filter;
	bool has_short_prefixes; /* of two or three bytes */
};

/* The scanner's visitor, for every token of the text being scanned: most
 * tokens are no term's, and leave here after two filters, without a branch
 * that could go either way. */
static inline __attribute__((always_inline)) void see_token(void *userdata, const struct fold_word *w)
{
	const struct seer *c = userdata;
	uint64_t key = filter_key_word(w->first8, w->len);
	/* Unsigned, not bool: & and | here are meant, without branches. */
	unsigned word = filter_test(c->word_filter, key);
	/* A prefix of four bytes or more needs a token starting with its
	 * first four; shorter ones, which are rare, their two or three. */
	unsigned prefix = (unsigned)(w->len >= 4) & filter_test(c->quad_filter, filter_key_quad(w->first8));
	if (c->has_short_prefixes)
		prefix |= filter_test(c->short_filter, filter_key_word(w->first8 & fold_first8_mask[2], 2)) |
			  ((unsigned)(w->len >= 3) &
			   filter_test(c->short_filter, filter_key_word(w->first8 & fold_first8_mask[3], 3)));

	if (__builtin_expect(word | prefix, 0))
		see_candidate(c->m, w->s, w->len, w->first8, key,
			      (uint64_t)w->pos << 2 | word * SEE_WORD | prefix * SEE_PREFIX);
}

/* Finds the terms of s[0..len); the field is its scope. */
static void scan_n(struct mctx *m, const char *s, size_t len, enum field f)
{
	const struct ruleset *rs = m->rs;
	struct seer c = {
		.m = m,
		.word_filter = rs->word_filter,
		.quad_filter = rs->quad_filter,
		.short_filter = rs->short_filter,
		.has_short_prefixes = rs->prefix_lens && rs->min_prefix < 4,
	};

	if (!(rs->fields & FIELD_BIT(f) || (f == FIELD_TITLE && m->headline_tokens)) ||
	    m->n_seg >= MATCH_MAX_TEXTS)
		return;
	m->seg = m->n_seg++;
	m->field = (uint8_t)f;
	/* The memo replays one field: a title that is a headline too is not
	 * remembered. */
	if (len > MEMO_TEXT || m->headline_tokens) {
		m->first_tok += fold_scan(s, len, &m->scratch, see_token, &c);
		return;
	}

	/* Short texts (categories, authors) come back item after item. */
	if (!m->memo)
		m->memo = xcalloc(MEMO_SLOTS, sizeof(*m->memo));
	/* The slot: by the text's first bytes, its length and field. */
	uint64_t head = 0;
	memcpy(&head, s, MIN(len, sizeof(head)));
	struct text_memo *e = &m->memo[((head ^ len << 3 ^ f) * UINT64_C(0x9e3779b97f4a7c15)) >> 58];
	if (e->serial == rs->serial && e->field == f && e->len == len && memcmp(e->text, s, len) == 0) {
		for (size_t k = 0; k < e->n_occ; k++)
			push_occ(m, e->occ[k].term, m->first_tok + e->occ[k].idx, m->first_tok + e->occ[k].idx,
				 e->occ[k].pos, m->seg, m->field);
		m->first_tok += e->n_tok;
		return;
	}
	size_t first_occ = m->n_occ;
	uint32_t n_tok = fold_scan(s, len, &m->scratch, see_token, &c);
	if (m->n_occ - first_occ <= MEMO_OCC) {
		*e = (struct text_memo){
			.serial = rs->serial, .field = (uint8_t)f, .len = (uint8_t)len,
			.n_occ = (uint8_t)(m->n_occ - first_occ), .n_tok = n_tok,
		};
		memcpy(e->text, s, len);
		for (size_t k = 0; k < e->n_occ; k++) {
			const struct occ *o = &m->occ[first_occ + k];
			e->occ[k].term = o->term;
			e->occ[k].idx = o->idx - m->first_tok;
			e->occ[k].pos = o->pos;
		}
	}
	m->first_tok += n_tok;
}

static void scan(struct mctx *m, const char *s, enum field f)
{
	if (s)
		scan_n(m, s, strlen(s), f);
}

/* Folds every text the rules look in, once, and finds the terms in it. */
static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && streq(a, b));
}

/* The feed's title and URL, from the memo when they are the last item's. */
static void scan_feed(struct mctx *m, const struct match_input *in)
{
	struct feed_memo *f = &m->feed;
	uint32_t first_tok = m->first_tok;
	uint16_t first_seg = m->n_seg;
	size_t first_occ = m->n_occ;

	if (f->serial == m->rs->serial && str_same(f->title, in->feed_title) &&
	    str_same(f->url, in->feed_url)) {
		for (size_t k = 0; k < f->n_occ; k++) {
			const struct occ *o = &f->occ[k];
			push_occ(m, o->term, first_tok + o->idx, first_tok + o->end, o->pos,
				 (uint16_t)(first_seg + o->seg), o->field);
		}
		m->first_tok += f->n_tok;
		m->n_seg += f->n_seg;
		return;
	}
	scan(m, in->feed_title, FIELD_FEED);
	scan(m, in->feed_url, FIELD_FEED);
	feed_memo_clear(f);
	f->serial = m->rs->serial;
	f->title = in->feed_title ? xstrdup(in->feed_title) : NULL;
	f->url = in->feed_url ? xstrdup(in->feed_url) : NULL;
	f->n_occ = m->n_occ - first_occ;
	f->occ = xreallocarray(NULL, MAX(f->n_occ, 1), sizeof(*f->occ));
	for (size_t k = 0; k < f->n_occ; k++) {
		struct occ o = m->occ[first_occ + k];
		o.idx -= first_tok;
		o.end -= first_tok;
		o.seg = (uint16_t)(o.seg - first_seg);
		f->occ[k] = o;
	}
	f->n_tok = m->first_tok - first_tok;
	f->n_seg = (uint16_t)(m->n_seg - first_seg);
}

/* The title, and its main clause for the headline scope.  The title's own
 * scan finds the headline's terms in all of it first: most titles have none,
 * and then where their main clause ends is never worked out. */
static void scan_title_and_headline(struct mctx *m, const char *title)
{
	size_t from = m->n_occ, n = from, cut, words = 0;
	bool has_headline = false, is_ascii;

	m->headline_tokens = UINT32_MAX;
	scan(m, title, FIELD_TITLE);
	m->headline_tokens = 0;
	for (size_t k = from; k < m->n_occ && !has_headline; k++)
		has_headline = m->occ[k].field == FIELD_HEADLINE;
	if (!has_headline)
		return;

	/* An ASCII main clause is the title's first words: keep what the scan
	 * found in them.  Any other is scanned on its own. */
	cut = headline_main_clause(title, &words);
	is_ascii = words != SIZE_MAX;
	for (size_t k = from; k < m->n_occ; k++)
		if (m->occ[k].field != FIELD_HEADLINE || (is_ascii && m->occ[k].pos < words))
			m->occ[n++] = m->occ[k];
	m->n_occ = n;
	if (!is_ascii)
		scan_n(m, title, cut, FIELD_HEADLINE);
}

static void scan_texts(struct mctx *m, const struct match_input *in)
{
	/* The texts may have left the cache since they were parsed: ask for
	 * the first lines of all of them at once, not one after the other. */
	if (in->title)
		__builtin_prefetch(in->title);
	if (in->summary) {
		__builtin_prefetch(in->summary);
		__builtin_prefetch(in->summary + 64);
	}
	for (size_t i = 0; i < in->n_categories && i < 4; i++)
		__builtin_prefetch(in->categories[i]);
	if (in->title && (m->rs->fields & FIELD_BIT(FIELD_HEADLINE)))
		scan_title_and_headline(m, in->title);
	else
		scan(m, in->title, FIELD_TITLE);
	if (in->title && (m->rs->fields & FIELD_BIT(FIELD_SIGNAL)))
		scan(m, headline_signals(in->title), FIELD_SIGNAL);
	scan(m, in->summary, FIELD_SUMMARY);
	if (m->rs->fields & FIELD_BIT(FIELD_FEED))
		scan_feed(m, in);
	scan(m, in->author, FIELD_AUTHOR);
	scan(m, in->link, FIELD_LINK);
	for (size_t i = 0; i < in->n_categories; i++)
		scan(m, in->categories[i], FIELD_CATEGORY);
}

/* True when the phrase goes on from occurrence k of its first word: its
 * other words are at the next tokens of the same text.  The first n_scan
 * occurrences are those of words and prefixes, in token order. */
static bool phrase_at(const struct mctx *m, size_t k, size_t n_scan, const struct term *ph)
{
	const struct occ *o = &m->occ[k];
	size_t i = k + 1;

	for (size_t j = 1; j < ph->n_parts; j++) {
		uint32_t want = o->idx + (uint32_t)j;
		bool is_there = false;
		while (i < n_scan && m->occ[i].idx < want)
			i++;
		for (; i < n_scan && m->occ[i].idx == want; i++)
			is_there |= m->occ[i].term == ph->parts[j] && m->occ[i].seg == o->seg;
		if (!is_there)
			return false;
	}
	return true;
}

/* Phrases are found from their first word, after the scan. */
static void find_phrases(struct mctx *m)
{
	const struct ruleset *rs = m->rs;
	size_t n_scan = m->n_occ;

	for (size_t k = 0; k < n_scan; k++) {
		const struct term *t = &rs->terms[m->occ[k].term];
		for (size_t j = 0; j < t->n_phrases; j++) {
			const struct term *ph = &rs->terms[t->phrases[j]];
			if (!phrase_at(m, k, n_scan, ph))
				continue;
			const struct occ o = m->occ[k];
			push_occ(m, t->phrases[j], o.idx, o.idx + (uint32_t)ph->n_parts - 1, o.pos, o.seg, o.field);
		}
	}
}

static bool is_present(const struct mctx *m, uint32_t term)
{
	return m->ts[term].item == m->item;
}

/* The first occurrence of term, or NO_TERM. */
static uint32_t first_occ(const struct mctx *m, uint32_t term)
{
	return is_present(m, term) ? m->ts[term].head : NO_TERM;
}

/* Chains each term's occurrences, in order. */
static void link_occurrences(struct mctx *m)
{
	m->terms = grow(m->terms, &m->cap_terms, MAX(m->n_occ, 1), sizeof(*m->terms));
	for (size_t k = 0; k < m->n_occ; k++) {
		uint32_t term = m->occ[k].term;
		struct term_state *t = &m->ts[term];
		if (t->item != m->item) {
			*t = (struct term_state){ .item = m->item, .head = (uint32_t)k };
			m->terms[m->n_terms++] = term;
		} else
			m->occ[t->tail].next = (uint32_t)k;
		t->tail = (uint32_t)k;
		t->fields |= FIELD_BIT(m->occ[k].field);
	}
}

/* Marks the flat term lists that one of the item's terms satisfies. */
static void mark_flats(struct mctx *m)
{
	const struct ruleset *rs = m->rs;

	for (size_t i = 0; i < m->n_terms; i++) {
		const struct term *t = &rs->terms[m->terms[i]];

		for (size_t j = 0; j < t->n_flats; j++)
			if (m->ts[m->terms[i]].fields & rs->flats[t->flats[j]].fields)
				m->flat_hit[t->flats[j]] = m->item;
	}
}

static void find_occurrences(struct mctx *m, const struct match_input *in)
{
	scan_texts(m, in);
	find_phrases(m);
	link_occurrences(m);
	mark_flats(m);
}

static void spans_push(struct spans *s, uint32_t start, uint32_t end, uint32_t seg)
{
	if (s->n >= MATCH_MAX_SPANS)
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	s->v[s->n++] = (struct span){ start, end, seg };
}

static void term_spans(const struct mctx *m, uint32_t term, unsigned fields, struct spans *out)
{
	for (uint32_t k = first_occ(m, term); k != NO_TERM; k = m->occ[k].next) {
		const struct occ *o = &m->occ[k];
		if (fields & FIELD_BIT(o->field))
			spans_push(out, o->idx, o->end, o->seg);
	}
}

/* The first of the item's terms in the flat term list f, in its fields, or
 * NO_TERM; the members follow in order of first occurrence.  The lists are
 * made the first time an item needs one (NEAR, evidence), from the item's
 * terms: the terms it lacks cost nothing. */
static uint32_t flat_members(struct mctx *m, uint32_t f)
{
	const struct ruleset *rs = m->rs;

	if (m->members_item != m->item) {
		m->members_item = m->item;
		m->n_members = 0;
		for (size_t i = m->n_terms; i-- > 0;) {
			uint32_t term = m->terms[i];
			const struct term *t = &rs->terms[term];
			for (size_t j = 0; j < t->n_flats; j++) {
				uint32_t g = t->flats[j];
				if (!(m->ts[term].fields & rs->flats[g].fields))
					continue;
				if (m->flat_members_of[g] != m->item) {
					m->flat_members_of[g] = m->item;
					m->flat_first[g] = NO_TERM;
				}
				m->members = grow(m->members, &m->cap_members, m->n_members + 1,
						  sizeof(*m->members));
				m->members[m->n_members] = (struct member){ term, m->flat_first[g] };
				m->flat_first[g] = (uint32_t)m->n_members++;
			}
		}
	}
	return m->flat_members_of[f] == m->item ? m->flat_first[f] : NO_TERM;
}

/* term_spans() without building the list: is there one? */
static bool term_any(const struct mctx *m, const struct node *n)
{
	return is_present(m, n->term) && (n->fields & m->ts[n->term].fields);
}

static void node_spans(struct mctx *m, const struct node *n, struct spans *out)
{
	switch (n->kind) {
	case NODE_TERM:
		term_spans(m, n->term, n->fields, out);
		return;
	case NODE_OR:
		if (n->is_flat) {
			for (uint32_t i = flat_members(m, n->flat); i != NO_TERM; i = m->members[i].next)
				term_spans(m, m->members[i].term, n->fields, out);
			return;
		}
		node_spans(m, n->a, out);
		node_spans(m, n->b, out);
		return;
	case NODE_NEAR: {
		struct spans a = { 0 }, b = { 0 };
		node_spans(m, n->a, &a);
		if (a.n)
			node_spans(m, n->b, &b);
		for (size_t i = 0; i < a.n; i++)
			for (size_t j = 0; j < b.n; j++) {
				const struct span *x = &a.v[i], *y = &b.v[j];
				if (x->seg != y->seg)
					continue;
				/* Words strictly between the two; overlapping spans do not count. */
				size_t between;
				if (x->end < y->start)
					between = y->start - x->end - 1;
				else if (y->end < x->start)
					between = x->start - y->end - 1;
				else
					continue;
				if (between <= n->distance)
					spans_push(out, MIN(x->start, y->start), MAX(x->end, y->end), x->seg);
			}
		free(a.v);
		free(b.v);
		return;
	}
	case NODE_AND:
	case NODE_NOT:
		/* The compiler only puts positional nodes under NEAR. */
		return;
	}
}

static bool node_eval(struct mctx *m, const struct node *n);

/* A term list is read off its mark, without a call: rules are mostly made
 * of them. */
static inline bool child_eval(struct mctx *m, const struct node *n)
{
	return n->is_flat ? m->flat_hit[n->flat] == m->item : node_eval(m, n);
}

static bool node_eval(struct mctx *m, const struct node *n)
{
	switch (n->kind) {
	case NODE_AND:
		/* Term lists make long chains: walk them, do not recurse. */
		for (; n->kind == NODE_AND; n = n->a)
			if (!child_eval(m, n->b))
				return false;
		return child_eval(m, n);
	case NODE_OR:
		for (; n->kind == NODE_OR && !n->is_flat; n = n->a)
			if (child_eval(m, n->b))
				return true;
		return child_eval(m, n);
	case NODE_NOT:
		return !node_eval(m, n->a);
	case NODE_TERM:
		return term_any(m, n);
	case NODE_NEAR: {
		struct spans s = { 0 };
		/* Positions only when both sides occur at all, which is rare. */
		if (!node_eval(m, n->a) || !node_eval(m, n->b))
			return false;
		node_spans(m, n, &s);
		free(s.v);
		return s.n > 0;
	}
	}
	return false;
}

struct evidence_list {
	struct match_evidence *v;
	size_t n, cap;
};

/* Where term occurs in fields, up to MATCH_MAX_TERM_EVIDENCE places. */
static void term_evidence(const struct mctx *m, uint32_t term, unsigned fields, const char *text,
			  const char *list, const char *rule, struct evidence_list *ev)
{
	size_t n = 0;

	for (uint32_t k = first_occ(m, term);
	     k != NO_TERM && n < MATCH_MAX_TERM_EVIDENCE && ev->n < MATCH_MAX_EVIDENCE;
	     k = m->occ[k].next) {
		const struct occ *o = &m->occ[k];
		if (!(fields & FIELD_BIT(o->field)))
			continue;
		if (ev->n == ev->cap) {
			ev->cap = ev->cap ? ev->cap * 2 : 8;
			ev->v = xreallocarray(ev->v, ev->cap, sizeof(*ev->v));
		}
		ev->v[ev->n++] = (struct match_evidence){
			.rule = rule,
			.term = text,
			.list = list,
			.field = field_to_string(o->field),
			.position = o->pos,
		};
		n++;
	}
}

/* Every occurrence of the terms that helped the rule: not those under NOT. */
static void collect_evidence(struct mctx *m, const struct node *n, const char *rule,
			     struct evidence_list *ev)
{
	switch (n->kind) {
	case NODE_NOT:
		return;
	case NODE_OR:
		if (n->is_flat) {
			const struct flat *f = &m->rs->flats[n->flat];
			for (uint32_t i = flat_members(m, n->flat); i != NO_TERM; i = m->members[i].next) {
				uint32_t term = m->members[i].term;
				ssize_t at = flat_find(f, term);

				term_evidence(m, term, n->fields, f->texts[at], f->lists[at], rule, ev);
			}
			return;
		}
		/* fall through */
	case NODE_AND:
	case NODE_NEAR:
		collect_evidence(m, n->a, rule, ev);
		collect_evidence(m, n->b, rule, ev);
		return;
	case NODE_TERM:
		term_evidence(m, n->term, n->fields, n->text, n->list, rule, ev);
		return;
	}
}

/* Rules are scored and reported in the order they were read: sorts the
 * (distinct) rules that fired, by insertion when few, else by radix. */
static void sort_rules(struct mctx *m)
{
	uint32_t *v = m->cand;
	size_t n = m->n_cand;

	if (n <= 32) {
		for (size_t i = 1; i < n; i++) {
			uint32_t x = v[i];
			size_t j = i;
			while (j > 0 && v[j - 1] > x) {
				v[j] = v[j - 1];
				j--;
			}
			v[j] = x;
		}
		return;
	}
	m->cand_tmp = grow(m->cand_tmp, &m->cap_cand_tmp, n, sizeof(*m->cand_tmp));
	uint32_t *src = v, *dst = m->cand_tmp;
	for (unsigned shift = 0; shift < 32; shift += 8) {
		size_t count[257] = { 0 };
		for (size_t i = 0; i < n; i++)
			count[((src[i] >> shift) & 0xff) + 1]++;
		for (size_t b = 1; b < 257; b++)
			count[b] += count[b - 1];
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 0xff]++] = src[i];
		uint32_t *t = src;
		src = dst;
		dst = t;
	}
	/* Four passes: the result is back in m->cand. */
}

static enum action storyline_action(const struct storyline *sl, const struct sl_score *s)
{
	enum action by_score;

	if (s->has_veto || !s->has_cap)
		return ACTION_IGNORE;
	by_score = s->score >= sl->notify_at ? ACTION_NOTIFY :
		   s->score >= sl->log_at ? ACTION_LOG : ACTION_IGNORE;
	return MIN(MIN(by_score, s->cap), s->limit);
}

int match_item_scratch(const struct ruleset *rs, const struct match_input *in,
		       struct match_scratch *scratch, struct match_result **ret)
{
	struct mctx *m = &scratch->m;
	struct match_result *res;

	mctx_reset(m, rs);
	find_occurrences(m, in);

	/* The candidates: rules that mention a term the item has. */
	for (size_t i = 0; i < m->n_terms; i++) {
		const struct term *t = &rs->terms[m->terms[i]];
		m->cand = grow(m->cand, &m->cap_cand, m->n_cand + t->n_rules, sizeof(*m->cand));
		for (size_t j = 0; j < t->n_rules; j++)
			if (m->stamp[t->rules[j]] != m->item) {
				m->stamp[t->rules[j]] = m->item;
				m->cand[m->n_cand++] = t->rules[j];
			}
	}

	/* The rules that fire, kept in place of the candidates; then put in
	 * the order they were read, for the score and the hits. */
	uint32_t *fired = m->cand;
	size_t n_fired = 0;
	for (size_t i = 0; i < m->n_cand; i++) {
		if (child_eval(m, rs->rules[m->cand[i]].expr))
			fired[n_fired++] = m->cand[i];
	}
	m->n_cand = n_fired;
	sort_rules(m);

	res = xcalloc(1, sizeof(*res));
	res->action = ACTION_IGNORE;
	res->urgency = URGENCY_NORMAL;
	if (n_fired == 0)
		goto done;

	m->sc = grow(m->sc, &m->cap_sc, rs->n_storylines, sizeof(*m->sc));
	struct sl_score *sc = m->sc;
	memset(sc, 0, rs->n_storylines * sizeof(*sc));
	for (size_t i = 0; i < n_fired; i++) {
		const struct rule *r = &rs->rules[fired[i]];
		struct sl_score *s = &sc[r->storyline];
		if (!s->has_hit)
			s->limit = ACTION_NOTIFY;
		s->has_hit = true;
		s->score += r->weight;
		s->limit = MIN(s->limit, r->limit);
		if (!r->is_fact && r->action == ACTION_IGNORE)
			s->has_veto = true;
		else if (r->weight > 0) {
			s->cap = s->has_cap ? MAX(s->cap, r->action) : r->action;
			s->has_cap = true;
		}
		if (!r->is_fact && r->action == ACTION_NOTIFY) {
			/* The most urgent notify rule that fired sets the urgency. */
			s->urgency = s->has_urgency ? MAX(s->urgency, r->urgency) : r->urgency;
			s->has_urgency = true;
		}
	}

	/* The best storyline: strongest action, then highest score, then the
	 * first declared. */
	ssize_t best = -1;
	enum action best_action = ACTION_IGNORE;
	for (size_t i = 0; i < rs->n_storylines; i++) {
		if (!sc[i].has_hit)
			continue;
		enum action a = storyline_action(&rs->storylines[i], &sc[i]);
		if (best < 0 || a > best_action || (a == best_action && sc[i].score > sc[best].score)) {
			best = (ssize_t)i;
			best_action = a;
		}
	}
	if (best < 0)
		goto done;

	struct evidence_list ev = { 0 };
	res->storyline = rs->storylines[best].name;
	res->storyline_title = rs->storylines[best].title;
	res->score = sc[best].score;
	res->notify_at = rs->storylines[best].notify_at;
	res->log_at = rs->storylines[best].log_at;
	res->action = best_action;
	res->urgency = sc[best].has_urgency ? sc[best].urgency : URGENCY_NORMAL;
	for (size_t i = 0; i < n_fired; i++) {
		const struct rule *r = &rs->rules[fired[i]];
		if (r->storyline != (size_t)best)
			continue;
		if (!res->hits)
			res->hits = xreallocarray(NULL, n_fired, sizeof(*res->hits));
		res->hits[res->n_hits++] = (struct match_hit){
			.rule = r->name,
			.contribution = r->weight,
			.action = r->action,
			.limit = r->limit,
			.is_fact = r->is_fact,
		};
		if (!in->is_evidence_for_relevant_only || best_action != ACTION_IGNORE)
			collect_evidence(m, r->expr, r->name, &ev);
	}
	res->evidence = ev.v;
	res->n_evidence = ev.n;
done:
	*ret = res;
	return 0;
}

int match_item(const struct ruleset *rs, const struct match_input *in, struct match_result **ret)
{
	struct match_scratch s = { 0 };
	int r = match_item_scratch(rs, in, &s, ret);

	mctx_free(&s.m);
	return r;
}

void match_result_free(struct match_result *r)
{
	if (!r)
		return;
	free(r->hits);
	free(r->evidence);
	free(r);
}
