/* ingest.c - one poll's outcome, top to bottom: parse, recognise, match,
 * store and queue events, in one transaction. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decision.h"
#include "diag.h"
#include "dedup.h"
#include "events.h"
#include "fold.h"
#include "ingest.h"
#include "match.h"
#include "parse.h"
#include "store.h"
#include "util.h"

static bool action_is_relevant(enum action a)
{
	switch (a) {
	case ACTION_IGNORE:
		return false;
	case ACTION_LOG:
	case ACTION_NOTIFY:
		return true;
	}
	return false;
}

/* The date an item without id or link is recognised by. */
static int64_t item_date(const struct feed_item *it)
{
	return it->published != PARSE_NO_DATE ? it->published : it->updated;
}

/* ---- identity within one document ---------------------------------------- */

/* Counts of keys, open addressing; keys are borrowed. */
struct keymap {
	const char **keys;
	size_t *counts;
	size_t cap;
};

static uint64_t key_hash(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
	return h;
}

static void keymap_init(struct keymap *m, size_t n)
{
	m->cap = 16;
	while (m->cap < 2 * n)
		m->cap *= 2;
	m->keys = xcalloc(m->cap, sizeof(*m->keys));
	m->counts = xcalloc(m->cap, sizeof(*m->counts));
}

static void keymap_free(struct keymap *m)
{
	free(m->keys);
	free(m->counts);
	*m = (struct keymap){ 0 };
}

/* The count slot of key, added with count 0 when new.  Never full: the
 * table has twice as many slots as there are items. */
static size_t *keymap_slot(struct keymap *m, const char *key)
{
	size_t i = key_hash(key) & (m->cap - 1);

	while (m->keys[i] && !streq(m->keys[i], key))
		i = (i + 1) & (m->cap - 1);
	m->keys[i] = key;
	return &m->counts[i];
}

enum { KEY_ID, KEY_LINK, KEY_HASH, _KEY_MAX };

/* The identity keys of a document's items (SPEC section 6), NULL for an item
 * to skip.  Feeds in the wild give several items one guid (often the site's
 * address) or one link: trusting it would make them one item whose content
 * changes on every poll, an endless stream of updates.  So a key shared
 * inside the document is not used for any of its items, which fall back to
 * the next kind (id, link, title and date); among items identical in all
 * three, the first counts.  Stable for as long as the document is. */
struct doc_keys {
	char **v;     /* v[i] for f->items[i]; NULL: skip the item */
	size_t n;
};

static void doc_keys_done(struct doc_keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i]);
	free(k->v);
	*k = (struct doc_keys){ 0 };
}

static struct doc_keys document_keys(const struct feed *f)
{
	size_t n = f->n_items;
	char *(*cand)[_KEY_MAX] = xcalloc(n ? n : 1, sizeof(*cand));
	unsigned *level = xcalloc(n ? n : 1, sizeof(*level));
	char **keys = xcalloc(n ? n : 1, sizeof(*keys));
	struct keymap m;
	bool is_moved = true;

	for (size_t i = 0; i < n; i++) {
		const struct feed_item *it = &f->items[i];

		cand[i][KEY_ID] = it->id && *it->id ? store_item_key(it->id, NULL, NULL, 0) : NULL;
		cand[i][KEY_LINK] = it->link && *it->link ? store_item_key(NULL, it->link, NULL, 0) : NULL;
		cand[i][KEY_HASH] = store_item_key(NULL, NULL, it->title, item_date(it));
		while (!cand[i][level[i]])
			level[i]++;
	}

	/* Each round moves every shared key's items one kind down. */
	while (is_moved) {
		is_moved = false;
		keymap_init(&m, n);
		for (size_t i = 0; i < n; i++)
			(*keymap_slot(&m, cand[i][level[i]]))++;
		for (size_t i = 0; i < n; i++) {
			unsigned next = level[i] + 1;

			if (*keymap_slot(&m, cand[i][level[i]]) < 2)
				continue;
			while (next < _KEY_MAX && !cand[i][next])
				next++;
			if (next < _KEY_MAX) {
				level[i] = next;
				is_moved = true;
			}
		}
		keymap_free(&m);
	}

	keymap_init(&m, n);
	for (size_t i = 0; i < n; i++) {
		size_t *seen = keymap_slot(&m, cand[i][level[i]]);

		if ((*seen)++ == 0)
			keys[i] = steal_ptr(cand[i][level[i]]);
	}
	keymap_free(&m);

	for (size_t i = 0; i < n; i++)
		for (unsigned k = 0; k < _KEY_MAX; k++)
			free(cand[i][k]);
	free(cand);
	free(level);
	return (struct doc_keys){ .v = keys, .n = n };
}

static int item_match(const struct ruleset *rules, struct match_scratch *scratch,
		      const struct feed *f, const char *feed_url,
		      const struct feed_item *it, struct match_result **ret)
{
	struct match_input in = {
		.title = it->title,
		.summary = it->summary,
		.feed_title = f->title,
		.feed_url = feed_url,
		.author = it->author,
		.link = it->link,
		.categories = (const char *const *)it->categories,
		.n_categories = it->n_categories,
		/* Evidence of every item: dedup's headline facts, and the
		 * words that decided it, ignored or not (decision.h). */
		.is_evidence_for_relevant_only = false,
	};

	if (!rules) {
		*ret = xcalloc(1, sizeof(**ret));
		(*ret)->action = ACTION_IGNORE;
		(*ret)->urgency = URGENCY_NORMAL;
		return 0;
	}
	return scratch ? match_item_scratch(rules, &in, scratch, ret) : match_item(rules, &in, ret);
}

/* Names of the rules that fired (profile facts are part of the score, not
 * rules).  The array is the caller's, the names are borrowed. */
static const char **hit_rule_names(const struct match_result *m, size_t *ret_n)
{
	const char **v = NULL;
	size_t n = 0;

	for (size_t i = 0; i < m->n_hits; i++) {
		if (m->hits[i].is_fact)
			continue;
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = m->hits[i].rule;
	}
	*ret_n = n;
	return v;
}

/* Decides the feed's health from what was saved before this poll (prev, NULL
 * for a feed never saved), queues the transition event if any, and saves the
 * state.  Inside the transaction. */
static int ingest_health(const struct ingest *ig, const struct feed_state *st,
			 const struct feed_state *prev, const char *error,
			 unsigned *ret_streak, size_t *n_events)
{
	struct feed_state save = *st;
	/* A feed never polled before (prev NULL) counts as healthy. */
	bool was_failing = prev && prev->last_error;
	int r;

	save.error_streak = error ? (prev ? prev->error_streak : 0) + 1 : 0;
	save.last_error = (char *)error;

	if (error && !was_failing) {
		struct event e = {
			.type = EVENT_FEED_ERROR, .time_usec = ig->now_usec, .feed = st->url,
			.feed_title = st->title, .error = error,
			.next_attempt_usec = st->next_poll_usec,
		};

		r = events_queue(ig->store, &e);
		if (r < 0)
			return r;
		(*n_events)++;
	} else if (!error && was_failing) {
		struct event e = {
			.type = EVENT_FEED_OK, .time_usec = ig->now_usec, .feed = st->url,
			.feed_title = st->title,
		};

		r = events_queue(ig->store, &e);
		if (r < 0)
			return r;
		(*n_events)++;
	}

	r = store_feed_save(ig->store, &save);
	if (r < 0)
		return r;
	*ret_streak = save.error_streak;
	return 0;
}

static void feed_state_set_health(struct feed_state *st, const char *error, unsigned streak)
{
	free(st->last_error);
	st->last_error = xstrdup_or_null(error);
	st->error_streak = streak;
}

int ingest_status(const struct ingest *ig, struct feed_state *st, const char *error)
{
	size_t n_events = 0;
	unsigned streak;
	int r;

	r = store_begin(ig->store);
	if (r < 0)
		return r;
	struct feed_state prev = { 0 };
	int q = store_feed_load_bare(ig->store, st->url, &prev);

	r = q < 0 && q != -ENOENT ? q : ingest_health(ig, st, q >= 0 ? &prev : NULL, error, &streak, &n_events);
	feed_state_done(&prev);
	if (r >= 0)
		r = store_commit(ig->store);
	if (r < 0) {
		store_rollback(ig->store);
		return r;
	}
	feed_state_set_health(st, error, streak);
	return 0;
}

/* When a report was made: its publication date, unless it has none or claims
 * to come from the future; then when we first saw it. */
static uint64_t report_usec(const struct ingest *ig, const struct feed_item *it)
{
	int64_t t = item_date(it);

	if (t == PARSE_NO_DATE || t <= 0 || (uint64_t)t > ig->now_usec / USEC_PER_SEC + 3600)
		return ig->now_usec;
	return (uint64_t)t * USEC_PER_SEC;
}

/* ---- duplicates, decided at the end of a batch -------------------------- */

/* A report that would notify, waiting until every feed of the batch is in:
 * then the batch's candidates are judged in the order they were made, each
 * against every report already seen, so that the same items give the same
 * events whatever order the feeds answered in (SPEC section 6). */
struct pending {
	char *feed_url, *key, *feed_title, *id, *title, *link, *storyline;
	char **rules;                   /* NULL-terminated */
	size_t n_rules;
	int64_t published;
	double score;
	enum urgency urgency;
	uint64_t content_hash, report_usec, time_usec;
	unsigned char *blob;
	size_t blob_len;
	struct dedup_sig sig;
	struct dedup_names names;       /* what its features stand for */
	char *decision;                 /* decision.h: would notify */
	bool is_decided;
};

struct ingest_pending {
	struct pending *v;
	size_t n;
	const struct pending **by_id;   /* while decide_all() runs: v by id */
};

int ingest_pending_new(struct ingest_pending **ret)
{
	*ret = xcalloc(1, sizeof(**ret));
	return 0;
}

static void pending_done(struct pending *p)
{
	free(p->feed_url);
	free(p->key);
	free(p->feed_title);
	free(p->id);
	free(p->title);
	free(p->link);
	free(p->storyline);
	strv_free(p->rules);
	free(p->blob);
	dedup_sig_done(&p->sig);
	dedup_names_done(&p->names);
	free(p->decision);
}

/* Forgets the candidates from the n-th on (a rolled back poll's). */
void ingest_pending_truncate(struct ingest_pending *q, size_t n)
{
	if (!q)
		return;
	for (size_t i = n; i < q->n; i++)
		pending_done(&q->v[i]);
	q->n = MIN(q->n, n);
}

size_t ingest_pending_count(const struct ingest_pending *q)
{
	return q ? q->n : 0;
}

void ingest_pending_free(struct ingest_pending *q)
{
	if (!q)
		return;
	ingest_pending_truncate(q, 0);
	free(q->v);
	free(q);
}

static int pending_cmp(const void *x, const void *y)
{
	const struct pending *a = x, *b = y;
	int c;

	if (a->report_usec != b->report_usec)
		return a->report_usec < b->report_usec ? -1 : 1;
	c = strcmp(a->feed_url, b->feed_url);
	return c ? c : strcmp(a->key, b->key);
}

/* The window's reports, for the document frequencies and the candidates. */
struct dup_search {
	const struct ingest_pending *q;
	struct dedup_sig *sigs;
	uint64_t *t_usec;
	int64_t *feed;
	char **first;           /* the development's first report; NULL: not a candidate */
	size_t n;
};

static int pending_id_cmp(const void *x, const void *y)
{
	return strcmp((*(const struct pending *const *)x)->id, (*(const struct pending *const *)y)->id);
}

static bool is_undecided(const struct ingest_pending *q, const char *item_id)
{
	const struct pending key = { .id = (char *)item_id }, *k = &key, *const *lo, *const *hi;

	if (!q || !q->by_id)
		return false;
	lo = bsearch(&k, q->by_id, q->n, sizeof(*q->by_id), pending_id_cmp);
	if (!lo)
		return false;
	/* The same id may come from several feeds: any one undecided counts. */
	for (hi = lo; hi < q->by_id + q->n && streq((*hi)->id, item_id); hi++)
		if (!(*hi)->is_decided)
			return true;
	for (; lo > q->by_id && streq(lo[-1]->id, item_id); lo--)
		if (!lo[-1]->is_decided)
			return true;
	return false;
}

static int dup_collect(const struct report *rep, void *userdata)
{
	struct dup_search *d = userdata;
	struct dedup_sig sig = { 0 };

	if (dedup_sig_from_blob(rep->signature, rep->signature_len, &sig) < 0)
		return 0;       /* not ours: left out */
	d->sigs = xreallocarray(d->sigs, d->n + 1, sizeof(*d->sigs));
	d->t_usec = xreallocarray(d->t_usec, d->n + 1, sizeof(*d->t_usec));
	d->feed = xreallocarray(d->feed, d->n + 1, sizeof(*d->feed));
	d->first = xreallocarray(d->first, d->n + 1, sizeof(*d->first));
	d->sigs[d->n] = sig;
	d->t_usec[d->n] = rep->report_usec;
	d->feed[d->n] = rep->feed;
	/* Only a report that notified, or was a duplicate of one, and has been
	 * judged already, can be the first of a development. */
	d->first[d->n] = rep->item_id && rep->action == ACTION_NOTIFY && !is_undecided(d->q, rep->item_id) ?
		xstrdup(rep->duplicate_of ? rep->duplicate_of : rep->item_id) : NULL;
	d->n++;
	return 0;
}

static void dup_search_done(struct dup_search *d)
{
	for (size_t i = 0; i < d->n; i++) {
		dedup_sig_done(&d->sigs[i]);
		free(d->first[i]);
	}
	free(d->sigs);
	free(d->t_usec);
	free(d->feed);
	free(d->first);
	*d = (struct dup_search){ 0 };
}

/* The first report of the development p repeats, or NULL; then also the
 * similarity and the features both have. */
static int find_duplicate(const struct ingest *ig, const struct pending *p, char **ret_of,
			  double *ret_similarity, struct dedup_sig *ret_shared)
{
	_cleanup_(dup_search_done) struct dup_search d = { .q = ig->pending };
	_cleanup_(dedup_df_done) struct dedup_df df = { 0 };
	_cleanup_free_ const struct dedup_sig **all = NULL;
	uint64_t t = p->report_usec, from = t > DEDUP_WINDOW_USEC ? t - DEDUP_WINDOW_USEC : 0;
	double best = DEDUP_THRESHOLD;
	const char *of = NULL;
	int64_t feed;
	size_t best_i = 0;
	int r;

	r = store_feed_id(ig->store, p->feed_url, &feed);
	if (r < 0)
		return r;
	/* Reports published later count too: feeds are polled in any order,
	 * so the first report seen is not always the first one made. */
	r = store_reports_foreach(ig->store, p->storyline, from, t + DEDUP_WINDOW_USEC, t, dup_collect, &d);
	if (r < 0)
		return r;
	/* The stream's frequencies: the window's reports, this one among them. */
	all = xreallocarray(NULL, d.n + 1, sizeof(*all));
	for (size_t i = 0; i < d.n; i++)
		all[i] = &d.sigs[i];
	all[d.n] = &p->sig;
	dedup_df_build(all, d.n + 1, &df);

	for (size_t i = 0; i < d.n; i++) {
		uint64_t dt = t > d.t_usec[i] ? t - d.t_usec[i] : d.t_usec[i] - t;
		double sim;

		if (!d.first[i] || (p->id && streq(d.first[i], p->id)))
			continue;
		sim = dedup_similarity(&p->sig, &d.sigs[i], &df, dt, d.feed[i] == feed);
		/* Ties go to the earlier report, then the smaller id: the same
		 * answer whatever order the store gives them in. */
		if (sim > best || (sim == best && of && strcmp(d.first[i], of) < 0)) {
			best = sim;
			of = d.first[i];
			best_i = i;
		}
	}
	*ret_of = of ? xstrdup(of) : NULL;
	if (of) {
		*ret_similarity = best;
		dedup_sig_shared(&p->sig, &d.sigs[best_i], ret_shared);
	}
	return 0;
}

/* Why p is logged as a duplicate: its decision, capped, with the first
 * report, the similarity and what both say (facts first, at most 16). */
static char *duplicate_decision(const struct pending *p, const char *of, double similarity,
				const struct dedup_sig *shared)
{
	_cleanup_(decision_record_done) struct decision_record rec = { 0 };
	const char *names[16];
	size_t n = 0;

	if (!p->decision || decision_decode(p->decision, &rec) < 0)
		rec.d = (struct decision){ 0 };
	for (size_t i = shared->n; i > 0 && n < ELEMENTSOF(names); i--) {
		const char *name = dedup_names_find(&p->names, shared->v[i - 1]);
		bool is_listed = false;

		for (size_t j = 0; j < n && !is_listed; j++)
			is_listed = streq(names[j], name);
		if (name && !is_listed)
			names[n++] = name;
	}
	rec.d.action = ACTION_LOG;
	rec.d.cap = DECISION_CAP_DUPLICATE;
	rec.d.duplicate_of = of;
	rec.d.similarity = similarity;
	rec.d.shared = names;
	rec.d.n_shared = n;
	return decision_encode(&rec.d);
}

static int decide_one(const struct ingest *ig, struct pending *p)
{
	_cleanup_free_ char *duplicate_of = NULL;
	_cleanup_free_ char *decision = NULL;
	_cleanup_dedup_sig_ struct dedup_sig shared = { 0 };
	enum action action = ACTION_NOTIFY;
	double similarity = 0;
	int r;

	r = find_duplicate(ig, p, &duplicate_of, &similarity, &shared);
	if (r < 0)
		return r;
	/* SPEC 6: the first report of a development notifies, the others
	 * from other outlets are logged as its duplicates. */
	if (duplicate_of) {
		action = ACTION_LOG;
		decision = duplicate_decision(p, duplicate_of, similarity, &shared);
		r = store_item_put(ig->store, &(struct item_record){
			.feed_url = p->feed_url, .key = p->key, .content_hash = p->content_hash,
			.title = p->title, .link = p->link, .published = p->published,
			.storyline = p->storyline, .action = ACTION_NOTIFY, .score = p->score,
			.item_id = p->id, .report_usec = p->report_usec,
			.signature = p->blob, .signature_len = p->blob_len,
			.duplicate_of = duplicate_of, .decision = decision,
		}, p->time_usec);
		if (r < 0)
			return r;
	}
	p->is_decided = true;

	struct event e = {
		.type = EVENT_MATCH,
		.time_usec = p->time_usec,
		.feed = p->feed_url,
		.feed_title = p->feed_title,
		.id = p->id,
		.title = p->title,
		.link = p->link,
		.published = p->published,
		.storyline = p->storyline,
		.rules = (const char *const *)p->rules,
		.n_rules = p->n_rules,
		.score = p->score,
		.action = action,
		.urgency = p->urgency,
		.duplicate_of = duplicate_of,
	};
	return events_queue(ig->store, &e);
}

/* Inside the caller's transaction. */
static int decide_all(const struct ingest *ig, size_t *n_events)
{
	struct ingest_pending *q = ig->pending;
	int r = 0;

	if (!q || q->n == 0)
		return 0;
	if (q->n > 1)
		qsort(q->v, q->n, sizeof(*q->v), pending_cmp);
	q->by_id = xreallocarray(NULL, q->n, sizeof(*q->by_id));
	for (size_t i = 0; i < q->n; i++)
		q->by_id[i] = &q->v[i];
	qsort(q->by_id, q->n, sizeof(*q->by_id), pending_id_cmp);
	for (size_t i = 0; r >= 0 && i < q->n; i++) {
		r = decide_one(ig, &q->v[i]);
		if (r >= 0 && n_events)
			(*n_events)++;
	}
	free(q->by_id);
	q->by_id = NULL;
	if (r >= 0)
		ingest_pending_truncate(q, 0);
	return r;
}

int ingest_decide(const struct ingest *ig, size_t *ret_n_events)
{
	size_t n = 0;
	int r;

	if (!ig->pending || ig->pending->n == 0) {
		if (ret_n_events)
			*ret_n_events = 0;
		return 0;
	}
	r = store_begin(ig->store);
	if (r < 0)
		return r;
	r = decide_all(ig, &n);
	if (r >= 0)
		r = store_commit(ig->store);
	if (r < 0) {
		store_rollback(ig->store);
		for (size_t i = 0; i < ig->pending->n; i++)
			ig->pending->v[i].is_decided = false;
		return r;
	}
	if (ret_n_events)
		*ret_n_events = n;
	return 0;
}

static char **strv_copy(const char *const *v, size_t n)
{
	char **c = xcalloc(n + 1, sizeof(*c));

	for (size_t i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	return c;
}

/* What the change in an item is worth: its new title when the title
 * changed, else its summary, matched on its own. */
static int change_action(const struct ingest *ig, struct match_scratch *scratch,
			 const struct feed *f, const char *feed_url,
			 const struct feed_item *it, const char *old_title, enum action *ret)
{
	_cleanup_match_result_ struct match_result *m = NULL;
	bool is_retitled = !streq(old_title ? old_title : "", it->title ? it->title : "");
	struct feed_item change = {
		.title = is_retitled ? it->title : NULL,
		.summary = is_retitled ? NULL : it->summary,
		.link = it->link,
		.author = it->author,
	};
	int r = item_match(ig->rules, scratch, f, feed_url, &change, &m);

	if (r < 0)
		return r;
	*ret = m->action;
	return 0;
}

/* Whether it was published more than max_age_usec before now (never for
 * max_age_usec 0 or an item without a date). */
static bool is_older_than(const struct ingest *ig, const struct feed_item *it, uint64_t max_age_usec)
{
	int64_t t = item_date(it);

	if (max_age_usec == 0 || t == PARSE_NO_DATE || t <= 0)
		return false;
	return (uint64_t)t * USEC_PER_SEC + max_age_usec < ig->now_usec;
}

/* Words a retitle adds without news: a live page's labels, times, the
 * outlet's name. */
static const char *const cosmetic_words[] = {
	"live", "updates", "update", "updated", "latest", "breaking", "developing", "new",
	"watch", "video", "minute", "minutes", "happened", "gmt", "utc", "bst", "cet", "cest",
	"edt", "est", "am", "pm", "aktualizacja", "relacja", "na", "żywo", "zywo", "онлайн",
	"трансляция", "обновлено", "трансляція", "оновлено", "direct", "directo", "vivo",
	"en", "ticker", "liveblog",
};

static bool is_cosmetic_word(const char *w, size_t len, const struct fold_text *outlet)
{
	bool is_digits = true;

	for (size_t i = 0; i < len; i++)
		if (w[i] < '0' || w[i] > '9')
			is_digits = false;
	if (is_digits)
		return true;
	for (size_t i = 0; i < ELEMENTSOF(cosmetic_words); i++)
		if (strlen(cosmetic_words[i]) == len && memcmp(cosmetic_words[i], w, len) == 0)
			return true;
	for (size_t i = 0; outlet && i < outlet->n_tokens; i++)
		if (outlet->tokens[i].len == len && memcmp(fold_token_str(outlet, i), w, len) == 0)
			return true;
	return false;
}

/* Whether the new title only adds words that carry no news to the old one
 * ("- live updates", "(updated)", a time, the outlet's name): SPEC 6 says
 * such a retitle is logged, never notified. */
static bool is_cosmetic_retitle(const char *old_title, const char *new_title, const char *outlet_title)
{
	_cleanup_fold_text_ struct fold_text old = { 0 }, new = { 0 }, outlet = { 0 };

	if (!old_title || !new_title)
		return false;
	fold_append(&old, old_title, strlen(old_title));
	fold_append(&new, new_title, strlen(new_title));
	if (outlet_title)
		fold_append(&outlet, outlet_title, strlen(outlet_title));
	for (size_t i = 0; i < new.n_tokens; i++) {
		const char *w = fold_token_str(&new, i);
		size_t len = new.tokens[i].len;
		bool is_old = false;

		for (size_t j = 0; j < old.n_tokens && !is_old; j++)
			is_old = old.tokens[j].len == len && memcmp(fold_token_str(&old, j), w, len) == 0;
		if (!is_old && !is_cosmetic_word(w, len, &outlet))
			return false;
	}
	return true;
}

/* One item: recognised, matched when new or changed, compared with the other
 * reports of its storyline, recorded, announced. */
static int ingest_item(const struct ingest *ig, struct match_scratch *scratch,
		       const struct feed *f, const char *feed_url, bool is_first_poll,
		       const struct feed_item *it, const char *key, struct ingest_stats *stats)
{
	_cleanup_match_result_ struct match_result *m = NULL;
	_cleanup_free_ const char **rules = NULL;
	_cleanup_dedup_sig_ struct dedup_sig sig = { 0 };
	_cleanup_free_ unsigned char *blob = NULL;
	_cleanup_free_ char *duplicate_of = NULL;
	_cleanup_free_ char *decision = NULL;
	_cleanup_(item_prev_done) struct item_prev prev = { 0 };
	uint64_t hash = store_content_hash(it->title, it->summary);
	const char *id = it->id ? it->id : it->link;
	uint64_t t_usec = report_usec(ig, it);
	enum action action;
	enum event_type type;
	enum decision_cap cap = DECISION_CAP_NONE;
	size_t n_rules, blob_len = 0;
	bool is_new, is_pending = false;
	int r;

	r = store_item_get(ig->store, feed_url, key, &prev);
	if (r < 0 && r != -ENOENT)
		return r;
	is_new = r == -ENOENT;
	/* Seen and unchanged: never matched again. */
	if (!is_new && prev.content_hash == hash)
		return store_item_touch(ig->store, feed_url, key, ig->now_usec);

	r = item_match(ig->rules, scratch, f, feed_url, it, &m);
	if (r < 0)
		return r;
	action = m->action;
	/* A changed item is an update only if its earlier version was
	 * reported; one that just became relevant is news. */
	type = !is_new && action_is_relevant(prev.action) ? EVENT_UPDATE : EVENT_MATCH;
	/* A new feed's archive is not news (notify_max_age). */
	if (action == ACTION_NOTIFY && is_first_poll && is_older_than(ig, it, ig->notify_max_age_usec)) {
		action = ACTION_LOG;
		cap = DECISION_CAP_AGE;
	}

	if (type == EVENT_MATCH && action == ACTION_NOTIFY && id) {
		/* Judged with the rest of the batch (decide_all). */
		is_pending = true;
		dedup_signature(m, it->title, it->summary, &sig);
		dedup_sig_to_blob(&sig, &blob, &blob_len);
	} else if (type == EVENT_UPDATE && action == ACTION_NOTIFY) {
		/* A live blog retitled: notify only if what changed matters.
		 * Other outlets' reports are compared with what it says now. */
		enum action changed;

		r = change_action(ig, scratch, f, feed_url, it, prev.title, &changed);
		if (r < 0)
			return r;
		if (changed != ACTION_NOTIFY)
			cap = DECISION_CAP_CHANGE;
		else if (is_cosmetic_retitle(prev.title, it->title, f->title))
			cap = DECISION_CAP_COSMETIC;
		if (cap != DECISION_CAP_NONE)
			action = ACTION_LOG;
		dedup_signature(m, it->title, it->summary, &sig);
		dedup_sig_to_blob(&sig, &blob, &blob_len);
	} else if (action_is_relevant(action) && id) {
		/* Context counts in the stream's word frequencies. */
		dedup_signature(m, it->title, it->summary, &sig);
		dedup_sig_to_blob(&sig, &blob, &blob_len);
	}

	/* Why, for storywatch explain: of every item, the ignored too.  A
	 * candidate's would notify; decide_one() records a duplicate's. */
	decision = decision_encode(&(struct decision){
		.is_update = type == EVENT_UPDATE,
		.action = action,
		.cap = cap,
		.match = m,
		.duplicate_of = prev.duplicate_of,
		.similarity = -1,
	});
	/* Most items are irrelevant: no event cites them, and they take no
	 * part in duplicate detection. */
	bool is_kept = action_is_relevant(m->action);
	r = store_item_put(ig->store, &(struct item_record){
		.feed_url = feed_url,
		.key = key,
		.content_hash = hash,
		.title = it->title,
		.link = it->link,
		.published = it->published,
		.storyline = m->storyline,
		.action = m->action,
		.score = m->score,
		.item_id = is_kept ? id : NULL,
		.report_usec = blob ? t_usec : 0,
		.signature = blob,
		.signature_len = blob_len,
		.duplicate_of = duplicate_of,
		.decision = decision,
	}, ig->now_usec);
	if (r < 0)
		return r;
	if (is_new)
		stats->n_new++;
	else
		stats->n_changed++;

	if (!action_is_relevant(action))
		return 0;

	rules = hit_rule_names(m, &n_rules);
	if (is_pending) {
		struct ingest_pending *q = ig->pending;

		q->v = xreallocarray(q->v, q->n + 1, sizeof(*q->v));
		q->v[q->n++] = (struct pending){
			.feed_url = xstrdup(feed_url), .key = xstrdup(key),
			.feed_title = xstrdup_or_null(f->title), .id = xstrdup(id),
			.title = xstrdup_or_null(it->title), .link = xstrdup_or_null(it->link),
			.storyline = xstrdup_or_null(m->storyline),
			.rules = strv_copy((const char *const *)rules, n_rules), .n_rules = n_rules,
			.published = it->published, .score = m->score, .urgency = m->urgency,
			.content_hash = hash, .report_usec = t_usec, .time_usec = ig->now_usec,
			.blob = steal_ptr(blob), .blob_len = blob_len, .sig = sig,
			.decision = steal_ptr(decision),
		};
		dedup_names_build(m, it->title, it->summary, &q->v[q->n - 1].names);
		sig = (struct dedup_sig){ 0 };
		return 0;
	}
	struct event e = {
		.type = type,
		.time_usec = ig->now_usec,
		.feed = feed_url,
		.feed_title = f->title,
		.id = id,
		.title = it->title,
		.link = it->link,
		.published = it->published,
		.storyline = m->storyline,
		.rules = rules,
		.n_rules = n_rules,
		.score = m->score,
		.action = action,
		.urgency = m->urgency,
		.duplicate_of = duplicate_of ? duplicate_of : prev.duplicate_of,
	};
	r = events_queue(ig->store, &e);
	if (r < 0)
		return r;
	stats->n_events++;
	return 0;
}

static char *parse_error_text(int r, const struct diag *d, size_t max_bytes)
{
	if (r == -EFBIG)
		return xasprintf("feed larger than %zu bytes",
				 max_bytes ? max_bytes : (size_t)PARSE_MAX_BYTES_DEFAULT);
	if (d->message && d->line)
		return xasprintf("not a feed: line %u: %s", d->line, d->message);
	if (d->message)
		return xasprintf("not a feed: %s", d->message);
	return xasprintf("not a feed: %s", strerror(-r));
}

int ingest_body(const struct ingest *ig, struct feed_state *st, const void *body, size_t len,
		struct ingest_stats *ret_stats)
{
	_cleanup_feed_ struct feed *f = NULL;
	_cleanup_(doc_keys_done) struct doc_keys keys = { 0 };
	struct parse_options po = { .max_bytes = ig->max_body_bytes, .base_url = st->url };
	struct ingest_stats stats = { 0 };
	struct feed_state save;
	struct diag d = { 0 };
	_cleanup_(match_scratch_freep) struct match_scratch *scratch = NULL;
	_cleanup_(ingest_pending_freep) struct ingest_pending *own = NULL;
	struct ingest local = *ig;
	size_t n_pending;
	unsigned streak;
	int r;

	r = parse_feed(body, len, &po, &f, &d);
	if (r < 0) {
		_cleanup_free_ char *why = parse_error_text(r, &d, ig->max_body_bytes);
		int q;

		diag_clear(&d);
		if (r != -EBADMSG && r != -EFBIG)
			return r;
		/* The validators name what failed: sent back, they would get a 304
		 * that passes for a recovery.  The next poll asks for the whole body. */
		free(steal_ptr(st->etag));
		free(steal_ptr(st->last_modified));
		q = ingest_status(ig, st, why);
		return q < 0 ? q : r;
	}
	diag_clear(&d);
	stats.n_items = f->n_items;
	stats.ttl_minutes = f->ttl_minutes;
	stats.schedule = f->schedule;
	keys = document_keys(f);

	/* Without a batch, or without a caller's queue, the candidates are
	 * judged before this poll commits. */
	if (!local.pending) {
		(void) ingest_pending_new(&own);
		local.pending = own;
	}
	ig = &local;
	n_pending = ingest_pending_count(ig->pending);

	r = store_begin(ig->store);
	if (r < 0)
		return r;

	/* What was saved before this poll, read once: the feed's health, and
	 * whether any item of it is known (none: a new feed, or a new state,
	 * polled for the first time). */
	_cleanup_(feed_state_done) struct feed_state before = { 0 };
	r = store_feed_load(ig->store, st->url, &before);
	bool has_before = r >= 0, is_first_poll = !has_before || before.n_items == 0;

	/* The feed row first: items refer to it. */
	save = *st;
	save.title = f->title ? f->title : st->title;
	if (r >= 0 || r == -ENOENT)
		r = ingest_health(ig, &save, has_before ? &before : NULL, NULL, &streak, &stats.n_events);

	/* One scratch for the document's items: no allocations per item. */
	if (r >= 0 && ig->rules)
		r = match_scratch_new(&scratch);
	for (size_t i = 0; r >= 0 && i < f->n_items; i++)
		if (keys.v[i])
			r = ingest_item(ig, scratch, f, st->url, is_first_poll, &f->items[i], keys.v[i], &stats);

	/* Prune only after reading a body: items of a feed that answers 304
	 * for a month are still in it.  Old events are the loop's to prune,
	 * once in a while: that query scans every event. */
	if (r >= 0 && ig->prune_after_usec > 0 && ig->now_usec > ig->prune_after_usec)
		r = store_items_prune(ig->store, st->url, ig->now_usec - ig->prune_after_usec);
	if (r >= 0 && (own || !store_in_batch(ig->store)))
		r = decide_all(ig, &stats.n_events);
	if (r >= 0)
		r = store_commit(ig->store);
	if (r < 0) {
		store_rollback(ig->store);
		ingest_pending_truncate(ig->pending, n_pending);
		return r;
	}

	if (f->title && !streq(f->title, st->title)) {
		free(st->title);
		st->title = xstrdup(f->title);
	}
	feed_state_set_health(st, NULL, streak);
	if (ret_stats)
		*ret_stats = stats;
	return 0;
}

int ingest_dry_run(const struct ruleset *rules, const char *feed_url, const void *body, size_t len,
		   size_t max_body_bytes,
		   int (*cb)(const struct feed *f, const struct feed_item *it, const char *key,
			     const struct match_result *m, void *userdata),
		   void *userdata, struct diag *diag)
{
	_cleanup_feed_ struct feed *f = NULL;
	_cleanup_(doc_keys_done) struct doc_keys keys = { 0 };
	struct parse_options po = { .max_bytes = max_body_bytes, .base_url = feed_url };
	int r;

	r = parse_feed(body, len, &po, &f, diag);
	if (r < 0)
		return r;
	keys = document_keys(f);
	for (size_t i = 0; i < f->n_items; i++) {
		const struct feed_item *it = &f->items[i];
		_cleanup_match_result_ struct match_result *m = NULL;

		r = item_match(rules, NULL, f, feed_url, it, &m);
		if (r < 0)
			return r;
		r = cb(f, it, keys.v[i], m, userdata);
		if (r < 0)
			return r;
	}
	return 0;
}
