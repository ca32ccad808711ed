/* ingest.c - one poll's outcome, top to bottom: parse, recognise, match,
 * store and queue events, in one transaction. */

#include <errno.h>
#include <string.h>

#include "diag.h"
#include "dedup.h"
#include "events.h"
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

static int item_match(const struct ruleset *rules, struct match_scratch *scratch, bool is_dry_run,
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
		/* The daemon keeps evidence of relevant items only (dedup's
		 * headline facts); a dry run explains every item. */
		.is_evidence_for_relevant_only = !is_dry_run,
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

/* Decides the feed's health from what was saved before this poll, queues the
 * transition event if any, and saves the state.  Inside the transaction. */
static int ingest_health(const struct ingest *ig, const struct feed_state *st, const char *error,
			 unsigned *ret_streak, size_t *n_events)
{
	struct feed_state prev = { 0 };
	struct feed_state save = *st;
	bool was_failing;
	int r;

	r = store_feed_load(ig->store, st->url, &prev);
	if (r < 0 && r != -ENOENT)
		return r;
	/* A feed never polled before counts as healthy. */
	was_failing = r >= 0 && prev.last_error;

	save.error_streak = error ? (r >= 0 ? prev.error_streak : 0) + 1 : 0;
	save.last_error = (char *)error;
	feed_state_done(&prev);

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
	r = ingest_health(ig, st, error, &streak, &n_events);
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

struct dup_search {
	const struct dedup_sig *sig;
	uint64_t t_usec;
	double best;
	char *of;       /* the first report of the closest development */
};

static int dup_candidate(const struct report *rep, void *userdata)
{
	struct dup_search *d = userdata;
	_cleanup_dedup_sig_ struct dedup_sig other = { 0 };
	uint64_t dt;
	double sim;

	if (!rep->item_id || dedup_sig_from_blob(rep->signature, rep->signature_len, &other) < 0)
		return 0;       /* nothing to cite, or not ours: not a candidate */
	dt = d->t_usec > rep->report_usec ? d->t_usec - rep->report_usec : rep->report_usec - d->t_usec;
	sim = dedup_similarity(d->sig, &other, dt);
	if (sim >= DEDUP_THRESHOLD && sim > d->best) {
		d->best = sim;
		free(d->of);
		d->of = xstrdup(rep->duplicate_of ? rep->duplicate_of : rep->item_id);
	}
	return 0;
}

/* The first report of the development this one repeats, or NULL. */
static int find_duplicate(const struct ingest *ig, const char *storyline,
			  const struct dedup_sig *sig, uint64_t t_usec, char **ret_of)
{
	struct dup_search d = { .sig = sig, .t_usec = t_usec };
	uint64_t from = t_usec > DEDUP_WINDOW_USEC ? t_usec - DEDUP_WINDOW_USEC : 0;
	int r;

	/* Reports published later count too: feeds are polled in any order,
	 * so the first report seen is not always the first one made. */
	r = store_reports_foreach(ig->store, storyline, from, t_usec + DEDUP_WINDOW_USEC, t_usec,
				  dup_candidate, &d);
	if (r < 0) {
		free(d.of);
		return r;
	}
	*ret_of = d.of;
	return 0;
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
	int r = item_match(ig->rules, scratch, false, f, feed_url, &change, &m);

	if (r < 0)
		return r;
	*ret = m->action;
	return 0;
}

/* One item: recognised, matched when new or changed, compared with the other
 * reports of its storyline, recorded, announced. */
static int ingest_item(const struct ingest *ig, struct match_scratch *scratch,
		       const struct feed *f, const char *feed_url,
		       const struct feed_item *it, const char *key, struct ingest_stats *stats)
{
	_cleanup_match_result_ struct match_result *m = NULL;
	_cleanup_free_ const char **rules = NULL;
	_cleanup_dedup_sig_ struct dedup_sig sig = { 0 };
	_cleanup_free_ unsigned char *blob = NULL;
	_cleanup_free_ char *duplicate_of = NULL;
	_cleanup_(item_prev_done) struct item_prev prev = { 0 };
	uint64_t hash = store_content_hash(it->title, it->summary);
	const char *id = it->id ? it->id : it->link;
	uint64_t t_usec = report_usec(ig, it);
	enum action action;
	enum event_type type;
	size_t n_rules, blob_len = 0;
	bool is_new;
	int r;

	r = store_item_get(ig->store, feed_url, key, &prev);
	if (r < 0 && r != -ENOENT)
		return r;
	is_new = r == -ENOENT;
	/* Seen and unchanged: never matched again. */
	if (!is_new && prev.content_hash == hash)
		return store_item_touch(ig->store, feed_url, key, ig->now_usec);

	r = item_match(ig->rules, scratch, false, f, feed_url, it, &m);
	if (r < 0)
		return r;
	action = m->action;
	/* A changed item is an update only if its earlier version was
	 * reported; one that just became relevant is news. */
	type = !is_new && action_is_relevant(prev.action) ? EVENT_UPDATE : EVENT_MATCH;

	if (type == EVENT_MATCH && action == ACTION_NOTIFY && id) {
		/* SPEC 6: the first report of a development notifies, the
		 * others from other outlets are logged as its duplicates. */
		dedup_signature(m, it->title, it->summary, &sig);
		r = find_duplicate(ig, m->storyline, &sig, t_usec, &duplicate_of);
		if (r < 0)
			return r;
		if (duplicate_of)
			action = ACTION_LOG;
		dedup_sig_to_blob(&sig, &blob, &blob_len);
	} else if (type == EVENT_UPDATE && action == ACTION_NOTIFY) {
		/* A live blog retitled: notify only if what changed matters.
		 * Other outlets' reports are compared with what it says now. */
		enum action changed;

		r = change_action(ig, scratch, f, feed_url, it, prev.title, &changed);
		if (r < 0)
			return r;
		if (changed != ACTION_NOTIFY)
			action = ACTION_LOG;
		dedup_signature(m, it->title, it->summary, &sig);
		dedup_sig_to_blob(&sig, &blob, &blob_len);
	}

	/* Most items are irrelevant: their identity and content hash are all
	 * that is kept of them, so the state file stays small. */
	bool is_kept = action_is_relevant(m->action);
	r = store_item_put(ig->store, &(struct item_record){
		.feed_url = feed_url,
		.key = key,
		.content_hash = hash,
		.title = is_kept ? it->title : NULL,
		.link = is_kept ? it->link : NULL,
		.published = it->published,
		.storyline = m->storyline,
		.action = m->action,
		.score = m->score,
		.item_id = is_kept ? id : NULL,
		.report_usec = blob ? t_usec : 0,
		.signature = blob,
		.signature_len = blob_len,
		.duplicate_of = duplicate_of,
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
	keys = document_keys(f);

	r = store_begin(ig->store);
	if (r < 0)
		return r;

	/* The feed row first: items refer to it. */
	save = *st;
	save.title = f->title ? f->title : st->title;
	r = ingest_health(ig, &save, NULL, &streak, &stats.n_events);

	/* One scratch for the document's items: no allocations per item. */
	if (r >= 0 && ig->rules)
		r = match_scratch_new(&scratch);
	for (size_t i = 0; r >= 0 && i < f->n_items; i++)
		if (keys.v[i])
			r = ingest_item(ig, scratch, f, st->url, &f->items[i], keys.v[i], &stats);

	/* Prune only after reading a body: items of a feed that answers 304
	 * for a month are still in it.  Old events are the loop's to prune,
	 * once in a while: that query scans every event. */
	if (r >= 0 && ig->prune_after_usec > 0 && ig->now_usec > ig->prune_after_usec)
		r = store_items_prune(ig->store, st->url, ig->now_usec - ig->prune_after_usec);
	if (r >= 0)
		r = store_commit(ig->store);
	if (r < 0) {
		store_rollback(ig->store);
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

		r = item_match(rules, NULL, true, f, feed_url, it, &m);
		if (r < 0)
			return r;
		r = cb(f, it, keys.v[i], m, userdata);
		if (r < 0)
			return r;
	}
	return 0;
}
