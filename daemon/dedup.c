/* dedup.c - near-duplicate reports of one development. */

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dedup.h"
#include "fold.h"
#include "match.h"
#include "util.h"

#define KIND_SHIFT 62
enum kind { KIND_WORD, KIND_NUMBER, KIND_FACT, KIND_TITLE_FACT, _KIND_MAX };

#define TAG(kind, h) (((uint64_t)(kind) << KIND_SHIFT) | ((h) & ((UINT64_C(1) << KIND_SHIFT) - 1)))
#define KIND_OF(f) ((enum kind)((f) >> KIND_SHIFT))
/* On a title fact: the actor the headline leads with, who did or said what
 * it reports.  Not a feature that is weighed: reports led by different
 * actors ("Trump gives ...", "Lavrov says ...") are told of different acts,
 * and that costs LEAD_PENALTY. */
#define LEAD_BIT (UINT64_C(1) << 59)
#define IS_LEAD(f) (KIND_OF(f) == KIND_TITLE_FACT && ((f) & LEAD_BIT))
#define LEAD_PENALTY 0.1
/* On a fact: a term list of the rules ("ACCUSE", "PRESSURE") that the
 * headline says something of, whatever the language and the words: what
 * was done.  It weighs only its rarity: the lists every report names (the
 * parties) weigh nothing, a rare act weighs much. */
#define CONCEPT_BIT (UINT64_C(1) << 60)
#define IS_CONCEPT(f) (KIND_OF(f) == KIND_FACT && ((f) & CONCEPT_BIT))
/* Bit 61 marked facts of the setting in signatures stored before these
 * flags: never set now, so that those read back mean nothing new. */
#define OLD_SETTING_BIT (UINT64_C(1) << 61)

/* A word is compared by its first letters, a crude stem that lets
 * "prisoner" meet "prisoners" and "Путин" meet "Путина". */
#define STEM_CHARS 6
/* Shorter words are mostly function words in the languages of the story. */
#define MIN_WORD_CHARS 4
#define MAX_FEATURES 1024

/* Frequent longer function words, folded, in the storyline's languages. */
static const char *const stopwords[] = {
	"about", "after", "against", "ahead", "also", "been", "before", "between", "both",
	"could", "during", "each", "even", "from", "have", "into", "just", "many", "more",
	"most", "much", "only", "other", "over", "said", "says", "should", "since", "some",
	"such", "than", "that", "their", "them", "then", "there", "they", "this", "under",
	"until", "very", "were", "what", "when", "where", "which", "while", "will", "with",
	"would", "dass", "einen", "einer", "nach", "nicht", "oder", "sich", "sind", "über",
	"unter", "wird", "avec", "dans", "leur", "pour", "sans", "sont", "contre", "apres",
	"como", "desde", "entre", "para", "pero", "sobre", "tras", "oraz", "przez",
	"после", "перед", "против", "также", "чтобы", "через", "після", "проти", "також",
	"щодо",
};

void dedup_sig_done(struct dedup_sig *s)
{
	free(s->v);
	*s = (struct dedup_sig){ 0 };
}

static bool is_stopword(const char *w)
{
	for (size_t i = 0; i < ELEMENTSOF(stopwords); i++)
		if (strcmp(w, stopwords[i]) == 0)
			return true;
	return false;
}

static void add(struct dedup_sig *s, size_t *cap, uint64_t f)
{
	if (s->n == MAX_FEATURES)
		return;
	if (s->n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		s->v = xreallocarray(s->v, *cap, sizeof(*s->v));
	}
	s->v[s->n++] = f;
}

/* A year says little about which development a report is of. */
static bool is_year(const char *w, size_t len)
{
	return len == 4 && (strncmp(w, "19", 2) == 0 || strncmp(w, "20", 2) == 0);
}

static void add_words(struct dedup_sig *s, size_t *cap, const char *text)
{
	_cleanup_fold_text_ struct fold_text t = { 0 };

	if (!text)
		return;
	fold_append(&t, text, strlen(text));
	for (size_t i = 0; i < t.n_tokens; i++) {
		const char *w = fold_token_str(&t, i);
		size_t len = t.tokens[i].len, chars = 0, stem = 0;
		bool is_digits = true;

		for (size_t j = 0; j < len; j++) {
			if ((w[j] & 0xc0) != 0x80 && ++chars == STEM_CHARS + 1)
				stem = j;
			if (w[j] < '0' || w[j] > '9')
				is_digits = false;
		}
		if (is_digits) {
			if (len >= 2 && !is_year(w, len))
				add(s, cap, TAG(KIND_NUMBER, fold_hash(w, len)));
			continue;
		}
		if (chars < MIN_WORD_CHARS || is_stopword(w))
			continue;
		add(s, cap, TAG(KIND_WORD, fold_hash(w, stem ? stem : len)));
	}
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool is_fact_rule(const struct match_result *m, const char *rule)
{
	for (size_t i = 0; i < m->n_hits; i++)
		if (m->hits[i].is_fact && m->hits[i].rule == rule)
			return true;
	return false;
}

static uint64_t fact_feature(enum kind k, const char *fact)
{
	return TAG(k, fold_hash(fact, strlen(fact))) & ~(LEAD_BIT | CONCEPT_BIT | OLD_SETTING_BIT);
}

void dedup_signature(const struct match_result *m, const char *title, const char *summary,
		     struct dedup_sig *ret)
{
	struct dedup_sig s = { 0 };
	const struct match_evidence *lead = NULL;
	size_t cap = 0, n = 0;

	for (size_t i = 0; m && i < m->n_hits; i++)
		if (m->hits[i].is_fact)
			add(&s, &cap, fact_feature(KIND_FACT, m->hits[i].rule));
	for (size_t i = 0; m && i < m->n_evidence; i++) {
		const struct match_evidence *e = &m->evidence[i];

		if (e->list && (streq(e->field, "title") || streq(e->field, "headline")))
			add(&s, &cap, fact_feature(KIND_FACT, e->list) | CONCEPT_BIT);
		if (!streq(e->field, "title") || !is_fact_rule(m, e->rule))
			continue;
		add(&s, &cap, fact_feature(KIND_TITLE_FACT, e->rule));
		/* A fact is named "KIND EXPRESSION" (rules.h). */
		if (strncmp(e->rule, "actor ", 6) == 0 && (!lead || e->position < lead->position))
			lead = e;
	}
	if (lead)
		add(&s, &cap, fact_feature(KIND_TITLE_FACT, lead->rule) | LEAD_BIT);
	add_words(&s, &cap, title);
	add_words(&s, &cap, summary);

	if (s.n > 1)
		qsort(s.v, s.n, sizeof(*s.v), u64_cmp);
	for (size_t i = 0; i < s.n; i++)
		if (n == 0 || s.v[i] != s.v[n - 1])
			s.v[n++] = s.v[i];
	s.n = n;
	*ret = s;
}

void dedup_df_build(const struct dedup_sig *const *sigs, size_t n, struct dedup_df *ret)
{
	_cleanup_free_ uint64_t *all = NULL;
	struct dedup_df df = { .n_docs = n };
	size_t total = 0, k = 0;

	for (size_t i = 0; i < n; i++)
		total += sigs[i]->n;
	all = xreallocarray(NULL, MAX(total, 1), sizeof(*all));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < sigs[i]->n; j++)
			all[k++] = sigs[i]->v[j];
	if (total > 1)
		qsort(all, total, sizeof(*all), u64_cmp);
	df.f = xreallocarray(NULL, MAX(total, 1), sizeof(*df.f));
	df.n = xreallocarray(NULL, MAX(total, 1), sizeof(*df.n));
	for (size_t i = 0; i < total; i++) {
		if (df.len > 0 && df.f[df.len - 1] == all[i]) {
			df.n[df.len - 1]++;
			continue;
		}
		df.f[df.len] = all[i];
		df.n[df.len++] = 1;
	}
	*ret = df;
}

void dedup_df_done(struct dedup_df *df)
{
	free(df->f);
	free(df->n);
	*df = (struct dedup_df){ 0 };
}

static uint32_t df_count(const struct dedup_df *df, uint64_t f)
{
	size_t lo = 0, hi = df->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (df->f[mid] < f)
			lo = mid + 1;
		else if (df->f[mid] > f)
			hi = mid;
		else
			return df->n[mid];
	}
	return 0;
}

/* A feature's weight: 1 (0 for a term list), plus its rarity in the stream
 * (inverse document frequency, smoothed so that a feature no other report
 * has weighs most). */
static double weight(const struct dedup_df *df, uint64_t f)
{
	double w = IS_CONCEPT(f) ? 0.0 : 1.0;

	if (df) {
		double idf = log(((double)df->n_docs + 1.0) / ((double)df_count(df, f) + 0.5));

		/* Every feature counts; a rare one counts more. */
		w += idf > 0.0 ? idf : 0.0;
	}
	return w;
}

enum channel { CHANNEL_WORDS, CHANNEL_FACTS, _CHANNEL_MAX };

static enum channel channel_of(uint64_t f)
{
	return KIND_OF(f) == KIND_WORD ? CHANNEL_WORDS : CHANNEL_FACTS;
}

double dedup_similarity(const struct dedup_sig *a, const struct dedup_sig *b,
			const struct dedup_df *df, uint64_t dt_usec, bool is_same_outlet)
{
	/* Added to the smaller side's weight: sharing one feature, with little
	 * else said, is not enough. */
	const double slack = 0.5;
	/* Within RECENT_USEC of each other, reports of two outlets get up to
	 * 0.3 for closeness alone: reports of one development come in a
	 * burst.  One outlet files one report of a development and revises
	 * it; its reports of one busy day are of different developments. */
	const double recent_usec = 6.0 * 3600 * 1e6;
	double wa[_CHANNEL_MAX] = { 0 }, wb[_CHANNEL_MAX] = { 0 }, both[_CHANNEL_MAX] = { 0 };
	double sim = 0.0;
	bool lead_a = false, lead_b = false, lead_both = false;
	size_t i = 0, j = 0;

	if (dt_usec > DEDUP_WINDOW_USEC)
		return 0.0;
	while (i < a->n || j < b->n) {
		if (j == b->n || (i < a->n && a->v[i] < b->v[j])) {
			if (IS_LEAD(a->v[i]))
				lead_a = true;
			else
				wa[channel_of(a->v[i])] += weight(df, a->v[i]);
			i++;
		} else if (i == a->n || b->v[j] < a->v[i]) {
			if (IS_LEAD(b->v[j]))
				lead_b = true;
			else
				wb[channel_of(b->v[j])] += weight(df, b->v[j]);
			j++;
		} else if (IS_LEAD(a->v[i])) {
			lead_a = lead_b = lead_both = true;
			i++;
			j++;
		} else {
			double w = weight(df, a->v[i]);
			enum channel c = channel_of(a->v[i]);

			wa[c] += w;
			wb[c] += w;
			both[c] += w;
			i++;
			j++;
		}
	}
	/* Facts and numbers survive translation, words do not: each counts. */
	/* The geometric mean of both sides' weights: a long report that says
	 * everything of the day is not the duplicate of every short one. */
	for (unsigned c = 0; c < _CHANNEL_MAX; c++)
		sim += 0.5 * both[c] / (sqrt(wa[c] * wb[c]) + slack);
	if (!is_same_outlet && (double)dt_usec < recent_usec)
		sim += 0.3 * (1.0 - (double)dt_usec / recent_usec);
	if (lead_a && lead_b && !lead_both)
		sim -= LEAD_PENALTY;
	return sim;
}

void dedup_sig_to_blob(const struct dedup_sig *s, unsigned char **ret, size_t *ret_len)
{
	unsigned char *p = xmalloc(s->n * 8);

	for (size_t i = 0; i < s->n; i++)
		for (unsigned k = 0; k < 8; k++)
			p[i * 8 + k] = (unsigned char)(s->v[i] >> (8 * k));
	*ret = p;
	*ret_len = s->n * 8;
}

int dedup_sig_from_blob(const void *blob, size_t len, struct dedup_sig *ret)
{
	const unsigned char *p = blob;
	struct dedup_sig s = { 0 };

	if (len % 8 || len / 8 > MAX_FEATURES)
		return -EBADMSG;
	s.n = len / 8;
	s.v = xcalloc(s.n ? s.n : 1, sizeof(*s.v));
	for (size_t i = 0; i < s.n; i++) {
		for (unsigned k = 0; k < 8; k++)
			s.v[i] |= (uint64_t)p[i * 8 + k] << (8 * k);
		/* sorted and distinct, as dedup_signature() makes them */
		if (i && s.v[i] <= s.v[i - 1]) {
			dedup_sig_done(&s);
			return -EBADMSG;
		}
	}
	*ret = s;
	return 0;
}

struct named {
	uint64_t f;
	size_t order;        /* the first of a feature's names wins */
	char *name;
};

static int named_cmp(const void *a, const void *b)
{
	const struct named *x = a, *y = b;

	if (x->f != y->f)
		return x->f < y->f ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void name_add(struct named **v, size_t *n, uint64_t f, const char *name)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n] = (struct named){ .f = f, .order = *n, .name = xstrdup(name) };
	(*n)++;
}

/* Each word of text with its feature, as add_words() makes it. */
static void name_words(struct named **v, size_t *n, const char *text)
{
	_cleanup_fold_text_ struct fold_text t = { 0 };

	if (!text)
		return;
	fold_append(&t, text, strlen(text));
	for (size_t i = 0; i < t.n_tokens; i++) {
		struct dedup_sig one = { 0 };
		size_t cap = 0;
		const char *w = fold_token_str(&t, i);

		add_words(&one, &cap, w);
		for (size_t j = 0; j < one.n; j++)
			name_add(v, n, one.v[j], w);
		dedup_sig_done(&one);
	}
}

void dedup_names_build(const struct match_result *m, const char *title, const char *summary,
		       struct dedup_names *ret)
{
	struct named *v = NULL;
	size_t n = 0, k = 0;
	struct dedup_names names = { 0 };

	for (size_t i = 0; m && i < m->n_hits; i++)
		if (m->hits[i].is_fact) {
			name_add(&v, &n, fact_feature(KIND_FACT, m->hits[i].rule), m->hits[i].rule);
			name_add(&v, &n, fact_feature(KIND_TITLE_FACT, m->hits[i].rule), m->hits[i].rule);
		}
	for (size_t i = 0; m && i < m->n_evidence; i++) {
		const struct match_evidence *e = &m->evidence[i];

		if (e->list && (streq(e->field, "title") || streq(e->field, "headline"))) {
			_cleanup_free_ char *list = xasprintf("$%s", e->list);

			name_add(&v, &n, fact_feature(KIND_FACT, e->list) | CONCEPT_BIT, list);
		}
	}
	name_words(&v, &n, title);
	name_words(&v, &n, summary);
	if (n > 1)
		qsort(v, n, sizeof(*v), named_cmp);
	names.f = xreallocarray(NULL, MAX(n, 1), sizeof(*names.f));
	names.name = xreallocarray(NULL, MAX(n, 1), sizeof(*names.name));
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && names.f[k - 1] == v[i].f) {
			free(v[i].name);
			continue;
		}
		names.f[k] = v[i].f;
		names.name[k++] = v[i].name;
	}
	names.n = k;
	free(v);
	*ret = names;
}

void dedup_names_done(struct dedup_names *names)
{
	for (size_t i = 0; i < names->n; i++)
		free(names->name[i]);
	free(names->f);
	free(names->name);
	*names = (struct dedup_names){ 0 };
}

const char *dedup_names_find(const struct dedup_names *names, uint64_t f)
{
	size_t lo = 0, hi = names->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (names->f[mid] < f)
			lo = mid + 1;
		else if (names->f[mid] > f)
			hi = mid;
		else
			return names->name[mid];
	}
	return NULL;
}

void dedup_sig_shared(const struct dedup_sig *a, const struct dedup_sig *b, struct dedup_sig *ret)
{
	struct dedup_sig s = { .v = xreallocarray(NULL, MAX(MIN(a->n, b->n), 1), sizeof(*s.v)) };
	size_t i = 0, j = 0;

	while (i < a->n && j < b->n) {
		if (a->v[i] < b->v[j])
			i++;
		else if (b->v[j] < a->v[i])
			j++;
		else {
			s.v[s.n++] = a->v[i];
			i++;
			j++;
		}
	}
	*ret = s;
}
