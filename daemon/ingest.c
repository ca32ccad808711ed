/* ingest.c - one poll's outcome, top to bottom: parse, recognise, match,
 * store and queue events, in one transaction. */

#include <errno.h>
#include <string.h>

#include "diag.h"
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

static int item_match(const struct ruleset *rules, const struct feed *f, const char *feed_url,
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
	};

	if (!rules) {
		*ret = xcalloc(1, sizeof(**ret));
		(*ret)->action = ACTION_IGNORE;
		(*ret)->urgency = URGENCY_NORMAL;
		return 0;
	}
	return match_item(rules, &in, ret);
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

/* One item: recognised, matched when new or changed, recorded, announced. */
static int ingest_item(const struct ingest *ig, const struct feed *f, const char *feed_url,
		       const struct feed_item *it, const char *key, struct ingest_stats *stats)
{
	_cleanup_match_result_ struct match_result *m = NULL;
	_cleanup_free_ const char **rules = NULL;
	uint64_t hash = store_content_hash(it->title, it->summary), old_hash = 0;
	enum action old_action = ACTION_IGNORE;
	bool is_new;
	size_t n_rules;
	int r;

	r = store_item_get(ig->store, feed_url, key, &old_hash, &old_action);
	if (r < 0 && r != -ENOENT)
		return r;
	is_new = r == -ENOENT;
	/* Seen and unchanged: never matched again. */
	if (!is_new && old_hash == hash)
		return store_item_touch(ig->store, feed_url, key, ig->now_usec);

	r = item_match(ig->rules, f, feed_url, it, &m);
	if (r < 0)
		return r;

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
	}, ig->now_usec);
	if (r < 0)
		return r;
	if (is_new)
		stats->n_new++;
	else
		stats->n_changed++;

	if (!action_is_relevant(m->action))
		return 0;

	rules = hit_rule_names(m, &n_rules);
	struct event e = {
		/* A changed item is an update only if its earlier version was
		 * reported; one that just became relevant is news. */
		.type = !is_new && action_is_relevant(old_action) ? EVENT_UPDATE : EVENT_MATCH,
		.time_usec = ig->now_usec,
		.feed = feed_url,
		.feed_title = f->title,
		.id = it->id ? it->id : it->link,
		.title = it->title,
		.link = it->link,
		.published = it->published,
		.storyline = m->storyline,
		.rules = rules,
		.n_rules = n_rules,
		.score = m->score,
		.action = m->action,
		.urgency = m->urgency,
		.duplicate_of = NULL,
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
	unsigned streak;
	int r;

	r = parse_feed(body, len, &po, &f, &d);
	if (r < 0) {
		_cleanup_free_ char *why = parse_error_text(r, &d, ig->max_body_bytes);
		int q;

		diag_clear(&d);
		if (r != -EBADMSG && r != -EFBIG)
			return r;
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

	for (size_t i = 0; r >= 0 && i < f->n_items; i++)
		if (keys.v[i])
			r = ingest_item(ig, f, st->url, &f->items[i], keys.v[i], &stats);

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

		r = item_match(rules, f, feed_url, it, &m);
		if (r < 0)
			return r;
		r = cb(f, it, keys.v[i], m, userdata);
		if (r < 0)
			return r;
	}
	return 0;
}
