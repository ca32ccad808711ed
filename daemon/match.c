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

struct occ {
	uint32_t term;
	uint32_t idx;        /* token index in the item */
};

struct span {
	uint32_t start, end; /* token indexes, inclusive */
};

struct spans {
	struct span *v;
	size_t n, cap;
};

struct mctx {
	const struct ruleset *rs;
	struct fold_text ft;
	uint8_t *field;      /* per token */
	uint32_t *seg;       /* per token: which text it came from (a category, the feed URL...) */
	uint32_t *word;      /* per token: its word term, or NO_TERM */
	size_t cap;
	struct occ *occ;
	size_t n_occ, cap_occ;
	uint32_t n_segs;
};

static void mctx_free(struct mctx *m)
{
	fold_text_free(&m->ft);
	free(m->field);
	free(m->seg);
	free(m->word);
	free(m->occ);
}

static void add_text(struct mctx *m, enum field f, const char *s)
{
	size_t before = m->ft.n_tokens;

	if (!s)
		return;
	fold_append(&m->ft, s, strlen(s));
	if (m->ft.n_tokens > m->cap) {
		m->cap = MAX(m->ft.n_tokens, m->cap * 2);
		m->field = xreallocarray(m->field, m->cap, sizeof(*m->field));
		m->seg = xreallocarray(m->seg, m->cap, sizeof(*m->seg));
		m->word = xreallocarray(m->word, m->cap, sizeof(*m->word));
	}
	for (size_t i = before; i < m->ft.n_tokens; i++) {
		m->field[i] = (uint8_t)f;
		m->seg[i] = m->n_segs;
	}
	m->n_segs++;
}

static void push_occ(struct mctx *m, uint32_t term, uint32_t idx)
{
	if (m->n_occ == m->cap_occ) {
		m->cap_occ = m->cap_occ ? m->cap_occ * 2 : 64;
		m->occ = xreallocarray(m->occ, m->cap_occ, sizeof(*m->occ));
	}
	m->occ[m->n_occ++] = (struct occ){ .term = term, .idx = idx };
}

static int occ_cmp(const void *a, const void *b)
{
	const struct occ *x = a, *y = b;

	if (x->term != y->term)
		return x->term < y->term ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void find_occurrences(struct mctx *m)
{
	const struct ruleset *rs = m->rs;

	for (size_t i = 0; i < m->ft.n_tokens; i++) {
		const struct fold_token *t = &m->ft.tokens[i];
		const char *s = fold_token_str(&m->ft, i);
		int64_t id = ruleset_find_term(rs, TERM_WORD, s, t->len, t->hash);

		m->word[i] = id >= 0 ? (uint32_t)id : NO_TERM;
		if (id >= 0)
			push_occ(m, (uint32_t)id, (uint32_t)i);
		if (!rs->max_prefix)
			continue;
		uint64_t h = FOLD_HASH_INIT;
		size_t top = MIN((size_t)t->len, rs->max_prefix);
		for (size_t l = 1; l <= top; l++) {
			h = fold_hash_step(h, (unsigned char)s[l - 1]);
			/* Only whole characters: the next byte starts one. */
			if (!rs->prefix_len[l] || ((unsigned char)s[l] & 0xc0) == 0x80)
				continue;
			id = ruleset_find_term(rs, TERM_PREFIX, s, l, h);
			if (id >= 0)
				push_occ(m, (uint32_t)id, (uint32_t)i);
		}
	}
	if (m->n_occ > 1)
		qsort(m->occ, m->n_occ, sizeof(*m->occ), occ_cmp);
}

/* The first occurrence of term, or n_occ. */
static size_t occ_lower(const struct mctx *m, uint32_t term)
{
	size_t lo = 0, hi = m->n_occ;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->occ[mid].term < term)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
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
		if (j >= m->ft.n_tokens || m->seg[j] != m->seg[idx] || m->word[j] != t->parts[k])
			return false;
	}
	return true;
}

static void term_spans(const struct mctx *m, const struct node *n, struct spans *out)
{
	const struct term *t = &m->rs->terms[n->term];
	uint32_t first = t->kind == TERM_PHRASE ? t->parts[0] : n->term;

	for (size_t i = occ_lower(m, first); i < m->n_occ && m->occ[i].term == first; i++) {
		uint32_t idx = m->occ[i].idx;
		if (!(n->fields & FIELD_BIT(m->field[idx])))
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
				if (m->seg[x->start] != m->seg[y->start])
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
		return node_eval(m, n->a) && node_eval(m, n->b);
	case NODE_OR:
		return node_eval(m, n->a) || node_eval(m, n->b);
	case NODE_NOT:
		return !node_eval(m, n->a);
	case NODE_TERM:
	case NODE_NEAR: {
		struct spans s = { 0 };
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
				.field = field_to_string(m->field[idx]),
				.position = m->ft.tokens[idx].pos,
			};
		}
		free(s.v);
		return;
	}
	}
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

struct sl_score {
	double score;
	bool has_hit, has_veto;
	enum action cap;
	enum urgency urgency;
	bool has_cap, has_urgency;
	enum action limit;   /* from `limit` rules; ACTION_NOTIFY when none */
};

static enum action storyline_action(const struct storyline *sl, const struct sl_score *s)
{
	enum action by_score;

	if (s->has_veto || !s->has_cap)
		return ACTION_IGNORE;
	by_score = s->score >= sl->notify_at ? ACTION_NOTIFY :
		   s->score >= sl->log_at ? ACTION_LOG : ACTION_IGNORE;
	return MIN(MIN(by_score, s->cap), s->limit);
}

int match_item(const struct ruleset *rs, const struct match_input *in, struct match_result **ret)
{
	struct mctx m = { .rs = rs };
	_cleanup_free_ uint32_t *cand = NULL;
	_cleanup_free_ bool *fired = NULL;
	_cleanup_free_ struct sl_score *sc = NULL;
	size_t n_cand = 0, cap_cand = 0;
	struct match_result *res;

	add_text(&m, FIELD_TITLE, in->title);
	add_text(&m, FIELD_SUMMARY, in->summary);
	add_text(&m, FIELD_FEED, in->feed_title);
	add_text(&m, FIELD_FEED, in->feed_url);
	add_text(&m, FIELD_AUTHOR, in->author);
	add_text(&m, FIELD_LINK, in->link);
	for (size_t i = 0; i < in->n_categories; i++)
		add_text(&m, FIELD_CATEGORY, in->categories[i]);
	find_occurrences(&m);

	/* The candidates: rules that mention a term the item has. */
	for (size_t i = 0; i < m.n_occ; i++) {
		if (i && m.occ[i].term == m.occ[i - 1].term)
			continue;
		const struct term *t = &rs->terms[m.occ[i].term];
		for (size_t j = 0; j < t->n_rules; j++) {
			if (n_cand == cap_cand) {
				cap_cand = cap_cand ? cap_cand * 2 : 16;
				cand = xreallocarray(cand, cap_cand, sizeof(*cand));
			}
			cand[n_cand++] = t->rules[j];
		}
	}
	if (n_cand > 1)
		qsort(cand, n_cand, sizeof(*cand), u32_cmp);

	res = xcalloc(1, sizeof(*res));
	res->action = ACTION_IGNORE;
	res->urgency = URGENCY_NORMAL;
	if (n_cand == 0)
		goto done;

	sc = xcalloc(rs->n_storylines, sizeof(*sc));
	fired = xcalloc(n_cand, sizeof(*fired));
	for (size_t i = 0; i < n_cand; i++) {
		if (i && cand[i] == cand[i - 1])
			continue;
		const struct rule *r = &rs->rules[cand[i]];
		if (!node_eval(&m, r->expr))
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
		res->hits = xreallocarray(res->hits, res->n_hits + 1, sizeof(*res->hits));
		res->hits[res->n_hits++] = (struct match_hit){
			.rule = r->name,
			.contribution = r->weight,
			.action = r->action,
			.is_fact = r->is_fact,
		};
		collect_evidence(&m, r->expr, r->name, &ev);
	}
	res->evidence = ev.v;
	res->n_evidence = ev.n;
done:
	mctx_free(&m);
	*ret = res;
	return 0;
}

void match_result_free(struct match_result *r)
{
	if (!r)
		return;
	free(r->hits);
	free(r->evidence);
	free(r);
}
