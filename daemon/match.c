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

struct tinfo {
	uint32_t word;       /* its word term, or NO_TERM */
	uint32_t seg;        /* which text it came from (a category, the feed URL...) */
	uint8_t field;
};

struct occ {
	uint32_t term;
	uint32_t idx;        /* token index in the item */
	uint32_t next;       /* the term's next occurrence, or NO_TERM */
};

struct map_slot {
	uint32_t key;        /* term id + 1, 0 = empty */
	uint32_t head, tail; /* its first and last occurrence */
};

struct text {
	const char *s;
	size_t len;
	enum field field;
};

/* Per item: its tokens, and for each rule term found, the chain of its
 * occurrences in token order, reached through a small hash on the term id. */
struct mctx {
	const struct ruleset *rs;
	struct fold_text ft;
	struct tinfo *tok;
	size_t cap_tok;
	struct occ *occ;
	size_t n_occ, cap_occ;
	struct map_slot *map;
	size_t map_mask, cap_map;
	uint32_t *terms;     /* the distinct terms found, in order of first occurrence */
	size_t n_terms, cap_terms;

	uint32_t *cand;      /* rules worth evaluating, in rule order */
	size_t n_cand, cap_cand;
	uint32_t *cand_tmp;  /* for the radix sort */
	size_t cap_cand_tmp;
	uint32_t *stamp;     /* per rule: the last item that made it a candidate */
	size_t cap_stamp;
	uint32_t *present;   /* per term: the last item it occurs in, so that the
			      * many terms of a rule an item lacks cost no lookup */
	uint32_t *in_fields; /* per present term: FIELD_BITs of its occurrences */
	size_t cap_present;
	uint32_t *flat_hit;  /* per flat term list: the last item one of its terms is in */
	size_t cap_flat;
	uint32_t item;       /* this item's stamp */
	bool *fired;
	size_t cap_fired;
	struct sl_score *sc; /* per storyline */
	size_t cap_sc;
};

/* The scratch is the working memory itself, kept between items. */
struct match_scratch {
	struct mctx m;
};

static void mctx_free(struct mctx *m)
{
	fold_text_free(&m->ft);
	free(m->tok);
	free(m->occ);
	free(m->map);
	free(m->terms);
	free(m->cand);
	free(m->cand_tmp);
	free(m->stamp);
	free(m->present);
	free(m->in_fields);
	free(m->flat_hit);
	free(m->fired);
	free(m->sc);
}

/* Empties m for the next item, keeping its arrays. */
static void mctx_reset(struct mctx *m, const struct ruleset *rs)
{
	m->rs = rs;
	fold_reset(&m->ft);
	m->n_occ = m->n_terms = m->n_cand = 0;
	if (m->cap_stamp < rs->n_rules || m->cap_present < rs->n_terms || m->cap_flat < rs->n_flat ||
	    ++m->item == 0) {
		/* A bigger ruleset, or the stamps wrapped: start them over. */
		m->cap_stamp = MAX(m->cap_stamp, rs->n_rules);
		m->cap_present = MAX(m->cap_present, rs->n_terms);
		m->cap_flat = MAX(m->cap_flat, rs->n_flat);
		free(m->stamp);
		free(m->present);
		free(m->in_fields);
		free(m->flat_hit);
		m->flat_hit = xcalloc(MAX(m->cap_flat, 1), sizeof(*m->flat_hit));
		m->stamp = xcalloc(MAX(m->cap_stamp, 1), sizeof(*m->stamp));
		m->present = xcalloc(MAX(m->cap_present, 1), sizeof(*m->present));
		m->in_fields = xcalloc(MAX(m->cap_present, 1), sizeof(*m->in_fields));
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

/* Folds every text the rules look at, once. */
static void add_texts(struct mctx *m, const struct match_input *in)
{
	/* The item's texts; categories past the 64th are not looked at. */
	struct text v[6 + 64];
	size_t n = 0, bytes = 0, k = 0;

#define ADD(str, f) do { \
		if ((str) && (m->rs->fields & FIELD_BIT(f)) && n < ELEMENTSOF(v)) \
			v[n++] = (struct text){ .s = (str), .field = (f) }; \
	} while (0)
	ADD(in->title, FIELD_TITLE);
	ADD(in->summary, FIELD_SUMMARY);
	ADD(in->feed_title, FIELD_FEED);
	ADD(in->feed_url, FIELD_FEED);
	ADD(in->author, FIELD_AUTHOR);
	ADD(in->link, FIELD_LINK);
	for (size_t i = 0; i < in->n_categories; i++)
		ADD(in->categories[i], FIELD_CATEGORY);
#undef ADD
	for (size_t i = 0; i < n; i++)
		bytes += v[i].len = strlen(v[i].s);
	fold_reserve(&m->ft, bytes);

	size_t ends[ELEMENTSOF(v)];
	for (size_t i = 0; i < n; i++) {
		fold_append(&m->ft, v[i].s, v[i].len);
		ends[i] = m->ft.n_tokens;
	}
	m->tok = grow(m->tok, &m->cap_tok, MAX(m->ft.n_tokens, 1), sizeof(*m->tok));
	for (size_t i = 0; i < n; i++)
		for (; k < ends[i]; k++)
			m->tok[k] = (struct tinfo){ .word = NO_TERM, .seg = (uint32_t)i,
						    .field = (uint8_t)v[i].field };
}

static void push_occ(struct mctx *m, uint32_t term, uint32_t idx)
{
	if (m->n_occ == m->cap_occ)
		m->occ = grow(m->occ, &m->cap_occ, m->n_occ + 32, sizeof(*m->occ));
	m->occ[m->n_occ++] = (struct occ){ .term = term, .idx = idx, .next = NO_TERM };
}

static size_t map_find(const struct mctx *m, uint32_t term)
{
	size_t i = (term * UINT32_C(2654435761)) & m->map_mask;

	while (m->map[i].key && m->map[i].key != term + 1)
		i = (i + 1) & m->map_mask;
	return i;
}

/* The first occurrence of term, or NO_TERM. */
static uint32_t first_occ(const struct mctx *m, uint32_t term)
{
	size_t i;

	if (!m->n_occ || m->present[term] != m->item)
		return NO_TERM;
	i = map_find(m, term);
	return m->map[i].key ? m->map[i].head : NO_TERM;
}

static void build_map(struct mctx *m)
{
	size_t size = 16;

	if (!m->n_occ)
		return;
	while (size < 2 * m->n_occ)
		size *= 2;
	m->map_mask = size - 1;
	m->map = grow(m->map, &m->cap_map, size, sizeof(*m->map));
	memset(m->map, 0, size * sizeof(*m->map));
	m->terms = grow(m->terms, &m->cap_terms, m->n_occ, sizeof(*m->terms));
	for (size_t k = 0; k < m->n_occ; k++) {
		size_t i = map_find(m, m->occ[k].term);
		if (!m->map[i].key) {
			m->map[i] = (struct map_slot){ .key = m->occ[k].term + 1, .head = (uint32_t)k };
			m->terms[m->n_terms++] = m->occ[k].term;
			m->present[m->occ[k].term] = m->item;
			m->in_fields[m->occ[k].term] = 0;
		} else
			m->occ[m->map[i].tail].next = (uint32_t)k;
		m->map[i].tail = (uint32_t)k;
		m->in_fields[m->occ[k].term] |= FIELD_BIT(m->tok[m->occ[k].idx].field);
	}
}

/* Marks the flat term lists that one of the item's terms satisfies. */
static void mark_flats(struct mctx *m)
{
	const struct ruleset *rs = m->rs;

	for (size_t i = 0; i < m->n_terms; i++) {
		const struct term *t = &rs->terms[m->terms[i]];

		for (size_t j = 0; j < t->n_flats; j++)
			if (m->in_fields[m->terms[i]] & rs->flat_fields[t->flats[j]])
				m->flat_hit[t->flats[j]] = m->item;
	}
}

static void find_occurrences(struct mctx *m)
{
	const struct ruleset *rs = m->rs;

	for (size_t i = 0; i < m->ft.n_tokens; i++) {
		const struct fold_token *t = &m->ft.tokens[i];
		const unsigned char *s = (const unsigned char *)fold_token_str(&m->ft, i);
		int64_t id = term_table_find(rs, &rs->words, (const char *)s, t->len, t->hash);

		if (id >= 0) {
			m->tok[i].word = (uint32_t)id;
			push_occ(m, (uint32_t)id, (uint32_t)i);
		}
		if (t->len < 2 || t->len < rs->min_prefix)
			continue;
		unsigned pair = (unsigned)s[0] << 8 | s[1];
		if (!(rs->prefix_start[pair / 64] & (UINT64_C(1) << (pair % 64))))
			continue;
		size_t top = MIN((size_t)t->len, rs->max_prefix);
		for (size_t l = rs->min_prefix; l <= top; l++) {
			/* Only whole characters: the next byte starts one. */
			if (!rs->prefix_len[l] || (s[l] & 0xc0) == 0x80)
				continue;
			id = term_table_find(rs, &rs->prefixes, (const char *)s, l,
					     fold_hash((const char *)s, l));
			if (id >= 0)
				push_occ(m, (uint32_t)id, (uint32_t)i);
		}
	}
	build_map(m);
	mark_flats(m);
}

static void spans_push(struct spans *s, uint32_t start, uint32_t end)
{
	if (s->n >= MATCH_MAX_SPANS)
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	s->v[s->n++] = (struct span){ start, end };
}

static bool phrase_at(const struct mctx *m, const struct term *t, uint32_t idx)
{
	for (size_t k = 1; k < t->n_parts; k++) {
		size_t j = idx + k;
		if (j >= m->ft.n_tokens || m->tok[j].seg != m->tok[idx].seg || m->tok[j].word != t->parts[k])
			return false;
	}
	return true;
}

static void term_spans(const struct mctx *m, const struct node *n, struct spans *out)
{
	const struct term *t = &m->rs->terms[n->term];
	uint32_t first = t->kind == TERM_PHRASE ? t->parts[0] : n->term;

	for (uint32_t k = first_occ(m, first); k != NO_TERM; k = m->occ[k].next) {
		uint32_t idx = m->occ[k].idx;
		if (!(n->fields & FIELD_BIT(m->tok[idx].field)))
			continue;
		switch (t->kind) {
		case TERM_WORD:
		case TERM_PREFIX:
			spans_push(out, idx, idx);
			break;
		case TERM_PHRASE:
			if (phrase_at(m, t, idx))
				spans_push(out, idx, idx + (uint32_t)t->n_parts - 1);
			break;
		}
	}
}

/* term_spans() without building the list: is there one? */
static bool term_any(const struct mctx *m, const struct node *n)
{
	const struct term *t = &m->rs->terms[n->term];
	uint32_t first = t->kind == TERM_PHRASE ? t->parts[0] : n->term;

	for (uint32_t k = first_occ(m, first); k != NO_TERM; k = m->occ[k].next) {
		uint32_t idx = m->occ[k].idx;
		if ((n->fields & FIELD_BIT(m->tok[idx].field)) &&
		    (t->kind != TERM_PHRASE || phrase_at(m, t, idx)))
			return true;
	}
	return false;
}

static void node_spans(const struct mctx *m, const struct node *n, struct spans *out)
{
	switch (n->kind) {
	case NODE_TERM:
		term_spans(m, n, out);
		return;
	case NODE_OR:
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
				if (m->tok[x->start].seg != m->tok[y->start].seg)
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
					spans_push(out, MIN(x->start, y->start), MAX(x->end, y->end));
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

static bool node_eval(const struct mctx *m, const struct node *n)
{
	switch (n->kind) {
	case NODE_AND:
		/* Term lists make long chains: walk them, do not recurse. */
		for (; n->kind == NODE_AND; n = n->a)
			if (!node_eval(m, n->b))
				return false;
		return node_eval(m, n);
	case NODE_OR:
		if (n->is_flat)
			return m->flat_hit[n->flat] == m->item;
		for (; n->kind == NODE_OR; n = n->a)
			if (node_eval(m, n->b))
				return true;
		return node_eval(m, n);
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

/* Every occurrence of the terms that helped the rule: not those under NOT. */
static void collect_evidence(const struct mctx *m, const struct node *n, const char *rule,
			     struct evidence_list *ev)
{
	switch (n->kind) {
	case NODE_NOT:
		return;
	case NODE_AND:
	case NODE_OR:
	case NODE_NEAR:
		collect_evidence(m, n->a, rule, ev);
		collect_evidence(m, n->b, rule, ev);
		return;
	case NODE_TERM: {
		struct spans s = { 0 };
		if (ev->n >= MATCH_MAX_EVIDENCE)
			return;
		term_spans(m, n, &s);
		for (size_t i = 0; i < s.n && i < MATCH_MAX_TERM_EVIDENCE && ev->n < MATCH_MAX_EVIDENCE; i++) {
			if (ev->n == ev->cap) {
				ev->cap = ev->cap ? ev->cap * 2 : 8;
				ev->v = xreallocarray(ev->v, ev->cap, sizeof(*ev->v));
			}
			uint32_t idx = s.v[i].start;
			ev->v[ev->n++] = (struct match_evidence){
				.rule = rule,
				.term = n->text,
				.field = field_to_string(m->tok[idx].field),
				.position = m->ft.tokens[idx].pos,
			};
		}
		free(s.v);
		return;
	}
	}
}

/* Rules are evaluated and reported in the order they were read: sorts the
 * (distinct) candidates, by insertion when few, else by radix. */
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
	add_texts(m, in);
	find_occurrences(m);

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
	sort_rules(m);
	uint32_t *cand = m->cand;
	size_t n_cand = m->n_cand;

	res = xcalloc(1, sizeof(*res));
	res->action = ACTION_IGNORE;
	res->urgency = URGENCY_NORMAL;
	if (n_cand == 0)
		goto done;

	m->sc = grow(m->sc, &m->cap_sc, rs->n_storylines, sizeof(*m->sc));
	m->fired = grow(m->fired, &m->cap_fired, n_cand, sizeof(*m->fired));
	struct sl_score *sc = m->sc;
	bool *fired = m->fired;
	memset(sc, 0, rs->n_storylines * sizeof(*sc));
	memset(fired, 0, n_cand * sizeof(*fired));
	for (size_t i = 0; i < n_cand; i++) {
		const struct rule *r = &rs->rules[cand[i]];
		if (!node_eval(m, r->expr))
			continue;
		fired[i] = true;
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
	res->action = best_action;
	res->urgency = sc[best].has_urgency ? sc[best].urgency : URGENCY_NORMAL;
	for (size_t i = 0; i < n_cand; i++) {
		if (!fired[i])
			continue;
		const struct rule *r = &rs->rules[cand[i]];
		if (r->storyline != (size_t)best)
			continue;
		if (!res->hits)
			res->hits = xreallocarray(NULL, n_cand, sizeof(*res->hits));
		res->hits[res->n_hits++] = (struct match_hit){
			.rule = r->name,
			.contribution = r->weight,
			.action = r->action,
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
