/* loop.c - one thread, one sd-event loop: each feed has a due time, one timer
 * is armed for the earliest, libcurl's sockets are IO sources, signals arrive
 * as loop events.  What happens to a fetched body is ingest's business. */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "atom.h"
#include "buf.h"
#include "config.h"
#include "diag.h"
#include "events.h"
#include "fetch.h"
#include "hook.h"
#include "ingest.h"
#include "log.h"
#include "notify.h"
#include "loop.h"
#include "loop-internal.h"
#include "parse.h"
#include "rules.h"
#include "store.h"
#include "timefmt.h"
#include "util.h"

/* The first retry after an error waits one interval, then doubles. */
#define BACKOFF_FACTOR 2

/* Poll outcomes share one commit for up to this many polls or this long:
 * one fsync per batch instead of one per feed.  Events go out after it. */
#define BATCH_MAX 256
#define BATCH_USEC (500 * USEC_PER_MSEC)

#define PRUNE_EVERY_USEC (3600 * USEC_PER_SEC)

/* How often libnotify's callbacks run and ended burst windows are summed up. */
#define NOTIFY_TICK_USEC (500 * USEC_PER_MSEC)

struct feed_slot {
	struct feed_state st;        /* the stored record, kept current */
	uint64_t interval_usec;
	uint64_t due_usec;           /* on the daemon's clock */
	unsigned ttl_minutes;        /* from the last parse */
	struct feed_schedule schedule;  /* likewise */
	bool is_queued;
	bool is_in_flight;
	bool is_done;                /* --once: polled or held back */
	bool is_skipped;             /* --once: held back */
	bool is_removed;             /* dropped by a reload while in flight */
	struct feed_slot *next_ready;
};

struct loop {
	sd_event *event;
	sd_event_source *due_timer;
	sd_event_source *curl_timer;
	sd_event_source *batch_timer;
	bool is_batch_open;
	size_t batch_n;
	uint64_t due_timer_usec;     /* what due_timer is armed for; UINT64_MAX = off */

	struct config_overrides overrides;
	struct config *cfg;
	struct ruleset *rules;
	struct store *store;
	struct ingest_pending *pending;  /* would-be notifications of the open batch */
	struct events *events;
	struct fetch *fetch;
	struct notifier *notifier;   /* NULL: no desktop notifications */
	bool is_notify_offline;      /* no server answered: try again later */
	uint64_t notify_attempt_usec;
	struct notify_backlog *notify_backlog;  /* what waits for a server */
	sd_event_source *notify_timer;

	struct feed_slot **feeds;
	size_t n_feeds;
	struct feed_slot *ready_head, *ready_tail;
	struct feed_slot *removed;   /* dropped by a reload, transfer running */
	size_t n_in_flight;

	bool is_once;
	bool is_force;
	bool is_stopping;
	uint64_t eval_base_usec;     /* 0: the real clock */
	uint64_t mono_base_usec;
	uint64_t rng;

	uint64_t last_prune_usec;
	char **atom_dirty;           /* storylines whose Atom feed is behind the log */
	uint64_t n_events;           /* delivered since start */
	uint64_t n_polls;

	/* Hosts that timed out lately: their other feeds fail at once until
	 * until_usec, one poll interval, so a silent host costs one timeout
	 * per cycle instead of one per feed. */
	struct silent_host {
		char *host;
		char *error;
		uint64_t until_usec;
	} *silent;
	size_t n_silent;

	/* --once: what the polls came to, and the events by kind */
	size_t n_ok, n_not_modified, n_failed, n_skipped;
	uint64_t n_notify, n_log, n_feed_error, n_feed_ok;
};

/* ---- clock and randomness ------------------------------------------------- */

static uint64_t mono_now(struct loop *l)
{
	uint64_t t = 0;

	(void) sd_event_now(l->event, CLOCK_MONOTONIC, &t);
	return t;
}

static uint64_t loop_now(struct loop *l)
{
	uint64_t t = 0;

	if (l->eval_base_usec > 0)
		return l->eval_base_usec + (mono_now(l) - l->mono_base_usec);
	(void) sd_event_now(l->event, CLOCK_REALTIME, &t);
	return t;
}

/* xorshift64*: jitter needs spread, not secrecy. */
static uint64_t loop_random(struct loop *l, uint64_t below)
{
	uint64_t x = l->rng;

	if (below == 0)
		return 0;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	l->rng = x;
	return (x * UINT64_C(2685821657736338717)) % below;
}

/* ---- scheduling (SPEC section 5) ----------------------------------------- */

static uint64_t with_jitter(struct loop *l, uint64_t usec)
{
	uint64_t j = l->cfg->jitter_usec;

	if (j == 0)
		return usec;
	j = MIN(j, usec / 2);
	return usec - j + loop_random(l, 2 * j + 1);
}

uint64_t loop_regular_wait(uint64_t interval_usec, unsigned ttl_minutes, int64_t fresh_until_sec,
			   uint64_t now_usec, uint64_t cap_usec)
{
	uint64_t wait = interval_usec;

	if (ttl_minutes > 0)
		wait = MAX(wait, MIN((uint64_t) ttl_minutes * 60 * USEC_PER_SEC, cap_usec));
	if (fresh_until_sec > 0 && (uint64_t) fresh_until_sec * USEC_PER_SEC > now_usec)
		wait = MAX(wait, MIN((uint64_t) fresh_until_sec * USEC_PER_SEC - now_usec, cap_usec));
	return wait;
}

uint64_t loop_backoff_wait(uint64_t interval_usec, unsigned streak, uint64_t cap_usec)
{
	uint64_t wait = interval_usec;

	for (unsigned i = 1; i < streak && wait < cap_usec; i++)
		wait *= BACKOFF_FACTOR;
	return MIN(wait, cap_usec);
}

bool loop_is_server_hold(const struct feed_state *st)
{
	return st->error_streak > 0 && (st->http_status == 429 || st->http_status == 503);
}

uint64_t loop_initial_due(bool is_once, bool is_force, const struct feed_state *st,
			  uint64_t now_usec, uint64_t spread_usec)
{
	if (st->next_poll_usec <= now_usec)
		return is_once ? now_usec : now_usec + spread_usec;
	if (is_once && st->error_streak == 0)
		return now_usec;
	if (is_once && is_force && !loop_is_server_hold(st))
		return now_usec;
	return st->next_poll_usec;
}

uint64_t loop_url_hash(const char *url)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (const unsigned char *p = (const unsigned char *) url; *p; p++) {
		h ^= *p;
		h *= UINT64_C(0x100000001b3);
	}
	/* FNV-1a alone leaves URLs that differ in the last byte close together */
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	return h;
}

uint64_t loop_spread(uint64_t interval_usec, size_t rank, size_t n)
{
	if (n == 0 || rank >= n)
		return 0;
	return (uint64_t) ((unsigned __int128) interval_usec * rank / n);
}

struct ranked_url {
	uint64_t hash;
	const char *url;
	size_t index;
};

static int ranked_cmp(const void *a, const void *b)
{
	const struct ranked_url *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return strcmp(x->url, y->url);
}

void loop_rank_urls(const char *const *urls, size_t n, size_t *ret_rank)
{
	_cleanup_free_ struct ranked_url *v = xreallocarray(NULL, MAX(n, 1u), sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = (struct ranked_url){ .hash = loop_url_hash(urls[i]), .url = urls[i], .index = i };
	if (n > 0)
		qsort(v, n, sizeof(*v), ranked_cmp);
	for (size_t i = 0; i < n; i++)
		ret_rank[v[i].index] = i;
}

#define HOUR_USEC (3600 * USEC_PER_SEC)
#define DAY_USEC (24 * HOUR_USEC)
#define ALL_HOURS ((UINT32_C(1) << 24) - 1)
#define ALL_DAYS 0x7fu

uint64_t loop_publisher_due(const struct feed_schedule *s, uint64_t now_usec, uint64_t due_usec,
			    uint64_t cap_usec)
{
	uint64_t d = due_usec, limit = now_usec + cap_usec;
	uint32_t hours = s->skip_hours == ALL_HOURS ? 0 : s->skip_hours;
	unsigned days = s->skip_days == ALL_DAYS ? 0 : s->skip_days;

	if (s->update_every_sec > 0) {
		uint64_t every = s->update_every_sec * USEC_PER_SEC, next;

		if (s->update_base > 0) {
			uint64_t base = (uint64_t) s->update_base * USEC_PER_SEC;

			next = now_usec < base ? base : base + ((now_usec - base) / every + 1) * every;
		} else
			next = now_usec + every;
		d = MAX(d, next);
	}
	/* at most a week of skipped hours */
	for (unsigned i = 0; (hours || days) && i < 7 * 24 && d < limit; i++) {
		unsigned hour = (unsigned) (d / HOUR_USEC % 24);
		unsigned day = (unsigned) ((d / DAY_USEC + 4) % 7);  /* 1970-01-01 was a Thursday */

		if (days & (1u << day))
			d = (d / DAY_USEC + 1) * DAY_USEC;
		else if (hours & (UINT32_C(1) << hour))
			d = (d / HOUR_USEC + 1) * HOUR_USEC;
		else
			break;
	}
	return MAX(due_usec, MIN(d, limit));
}

/* The next regular poll, with jitter, then what the publisher asks. */
static uint64_t next_regular(struct loop *l, const struct feed_slot *f, uint64_t now,
			     const struct fetch_result *r)
{
	int64_t fresh = r ? fetch_result_fresh_until(r, (int64_t) (now / USEC_PER_SEC)) : -1;
	uint64_t due = now + with_jitter(l, loop_regular_wait(f->interval_usec, f->ttl_minutes, fresh,
							      now, l->cfg->max_backoff_usec));

	return loop_publisher_due(&f->schedule, now, due, l->cfg->max_backoff_usec);
}

/* The next attempt after a failure: up to a quarter more, for spread. */
static uint64_t next_backoff(struct loop *l, const struct feed_slot *f, uint64_t now, unsigned streak)
{
	uint64_t cap = l->cfg->max_backoff_usec;
	uint64_t wait = loop_backoff_wait(f->interval_usec, streak, cap);

	wait += loop_random(l, wait / 4 + 1);
	return now + MIN(wait, cap);
}

static uint64_t slot_interval(const struct config *c, const struct feed_source *src)
{
	return src->interval_usec > 0 ? src->interval_usec : c->interval_usec;
}

/* ---- the ready queue and the due timer ------------------------------------ */

static void ready_push(struct loop *l, struct feed_slot *f)
{
	f->is_queued = true;
	f->next_ready = NULL;
	if (l->ready_tail)
		l->ready_tail->next_ready = f;
	else
		l->ready_head = f;
	l->ready_tail = f;
}

static struct feed_slot *ready_pop(struct loop *l)
{
	struct feed_slot *f = l->ready_head;

	if (!f)
		return NULL;
	l->ready_head = f->next_ready;
	if (!l->ready_head)
		l->ready_tail = NULL;
	f->next_ready = NULL;
	f->is_queued = false;
	return f;
}

static void ready_clear(struct loop *l)
{
	while (ready_pop(l))
		;
}

static void poll_failed_to_start(struct loop *l, struct feed_slot *f, int r);
static void poll_failed_at_once(struct loop *l, struct feed_slot *f, const char *error);

/* The error a host timed out with lately, or NULL. */
static const char *silent_host_error(struct loop *l, const char *host)
{
	uint64_t now = loop_now(l);

	for (size_t i = 0; host && i < l->n_silent; i++)
		if (streq(l->silent[i].host, host) && l->silent[i].until_usec > now)
			return l->silent[i].error;
	return NULL;
}

static void silent_host_add(struct loop *l, const char *host, const char *error)
{
	uint64_t now = loop_now(l);
	size_t i;

	for (i = 0; i < l->n_silent; i++)
		if (streq(l->silent[i].host, host) || l->silent[i].until_usec <= now)
			break;
	if (i == l->n_silent) {
		l->silent = xreallocarray(l->silent, l->n_silent + 1, sizeof(*l->silent));
		l->silent[l->n_silent++] = (struct silent_host) { 0 };
	}
	free(l->silent[i].host);
	free(l->silent[i].error);
	l->silent[i] = (struct silent_host) {
		.host = xstrdup(host),
		.error = xasprintf("%s (%s did not answer another feed in time)", error, host),
		.until_usec = now + l->cfg->interval_usec,
	};
}

static void silent_hosts_free(struct loop *l)
{
	for (size_t i = 0; i < l->n_silent; i++) {
		free(l->silent[i].host);
		free(l->silent[i].error);
	}
	free(steal_ptr(l->silent));
	l->n_silent = 0;
}

static void start_ready(struct loop *l)
{
	struct feed_slot *f;

	while (!l->is_stopping && l->n_in_flight < MAX(l->cfg->max_connections, 1u) &&
	       (f = ready_pop(l))) {
		struct fetch_request req = {
			.url = f->st.url,
			.etag = f->st.etag,
			.last_modified = f->st.last_modified,
			.userdata = f,
		};
		_cleanup_free_ char *host = l->n_silent ? fetch_url_host(f->st.url) : NULL;
		const char *silent = silent_host_error(l, host);
		int r;

		if (silent) {
			poll_failed_at_once(l, f, silent);
			continue;
		}
		r = fetch_start(l->fetch, &req);
		if (r < 0) {
			poll_failed_to_start(l, f, r);
			continue;
		}
		f->is_in_flight = true;
		l->n_in_flight++;
	}
}

static void due_timer_set(struct loop *l, uint64_t due)
{
	uint64_t now = loop_now(l);
	int r;

	l->due_timer_usec = due;
	if (due == UINT64_MAX) {
		(void) sd_event_source_set_enabled(l->due_timer, SD_EVENT_OFF);
		return;
	}
	r = sd_event_source_set_time(l->due_timer, mono_now(l) + (due > now ? due - now : 0));
	if (r >= 0)
		r = sd_event_source_set_enabled(l->due_timer, SD_EVENT_ONESHOT);
	if (r < 0)
		log_error_errno(r, "cannot arm the poll timer");
}

/* --once: a feed held back is named with -v, and counted for the summary. */
static void once_skipped(struct loop *l, const struct feed_slot *f)
{
	char when[TIMEFMT_RFC3339_MAX];

	l->n_skipped++;
	(void) timefmt_rfc3339((int64_t) (f->due_usec / USEC_PER_SEC), when);
	if (loop_is_server_hold(&f->st))
		log_debug("feed %s: skipped: the server asked to wait (HTTP %ld) until %s",
			  f->st.url, f->st.http_status, when);
	else
		log_debug("feed %s: skipped: failing (%s), next attempt %s; --force polls it now",
			  f->st.url, f->st.last_error ? f->st.last_error : "error", when);
}

/* Queues every due feed, starts what the connection budget allows and arms
 * the timer for the earliest of the rest. */
static void schedule(struct loop *l)
{
	uint64_t now = loop_now(l), earliest = UINT64_MAX;

	if (l->is_stopping)
		return;
	for (size_t i = 0; i < l->n_feeds; i++) {
		struct feed_slot *f = l->feeds[i];

		if (f->is_in_flight || f->is_queued || f->is_done)
			continue;
		if (f->due_usec <= now)
			ready_push(l, f);
		else if (l->is_once) {
			f->is_done = f->is_skipped = true;  /* held back by Retry-After or backoff */
			once_skipped(l, f);
		} else
			earliest = MIN(earliest, f->due_usec);
	}
	start_ready(l);
	due_timer_set(l, earliest);
}

/* ---- sd_notify ------------------------------------------------------------- */

static void notify_status(struct loop *l)
{
	uint64_t now = loop_now(l), next = UINT64_MAX;
	size_t failing = 0;
	char when[TIMEFMT_RFC3339_MAX] = "none";

	for (size_t i = 0; i < l->n_feeds; i++) {
		const struct feed_slot *f = l->feeds[i];

		if (f->st.error_streak > 0)
			failing++;
		if (!f->is_in_flight && !f->is_done)
			next = MIN(next, f->due_usec);
	}
	if (next != UINT64_MAX)
		(void) timefmt_rfc3339((int64_t) (MAX(next, now) / USEC_PER_SEC), when);
	(void) sd_notifyf(0, "STATUS=%zu feeds, %zu failing, %" PRIu64 " events, %zu polling, next poll %s",
			  l->n_feeds, failing, l->n_events, l->n_in_flight, when);
}

/* ---- one poll's outcome ---------------------------------------------------- */

static void deliver(struct loop *l)
{
	size_t n = 0;
	int r = events_deliver(l->events, &n);

	if (r < 0)
		log_error_errno(r, "cannot deliver events to %s, retrying after the next poll",
				l->cfg->event_log);
	l->n_events += n;
}

static void slot_reload_state(struct loop *l, struct feed_slot *f);

/* Delivered events older than prune_after are forgotten, at most hourly:
 * the query scans the events table. */
static void prune_events(struct loop *l)
{
	uint64_t now = loop_now(l);
	int r;

	if (l->cfg->prune_after_usec == 0 || now < l->cfg->prune_after_usec ||
	    (l->last_prune_usec > 0 && now < l->last_prune_usec + PRUNE_EVERY_USEC))
		return;
	l->last_prune_usec = now;
	r = store_events_prune(l->store, now - l->cfg->prune_after_usec);
	if (r < 0)
		log_warn_errno(r, "cannot prune old events, trying again in an hour");
}

/* Judges the batch's would-be notifications together, commits the open
 * batch, then hands its events to the log. */
static void flush(struct loop *l)
{
	if (l->is_batch_open) {
		struct ingest ig = {
			.store = l->store, .rules = l->rules, .now_usec = loop_now(l),
			.pending = l->pending,
		};
		int r = ingest_decide(&ig, NULL);

		if (r < 0) {
			log_error_errno(r, "cannot judge the reports of the last %zu polls", l->batch_n);
			store_batch_rollback(l->store);
		} else
			r = store_batch_commit(l->store);
		ingest_pending_truncate(l->pending, 0);

		l->is_batch_open = false;
		(void) sd_event_source_set_enabled(l->batch_timer, SD_EVENT_OFF);
		if (r < 0) {
			log_error_errno(r, "cannot commit the last %zu polls; they will be repeated",
					l->batch_n);
			for (size_t i = 0; i < l->n_feeds; i++)
				slot_reload_state(l, l->feeds[i]);
		}
		l->batch_n = 0;
	}
	deliver(l);
	prune_events(l);
}

static void batch_enter(struct loop *l)
{
	int r;

	if (l->is_batch_open)
		return;
	r = store_batch_begin(l->store);
	if (r < 0) {
		/* Each poll then commits on its own. */
		log_debug_errno(r, "cannot open a batch");
		return;
	}
	l->is_batch_open = true;
	l->batch_n = 0;
	/* --once commits when every feed is in (or every BATCH_MAX polls):
	 * no one waits for its notifications, and the batch's reports are
	 * judged together, whatever order they came in. */
	if (l->is_once)
		return;
	r = sd_event_source_set_time(l->batch_timer, mono_now(l) + BATCH_USEC);
	if (r >= 0)
		r = sd_event_source_set_enabled(l->batch_timer, SD_EVENT_ONESHOT);
	if (r < 0)
		flush(l);
}

static void batch_leave(struct loop *l)
{
	if (!l->is_batch_open)
		deliver(l);
	else if (++l->batch_n >= BATCH_MAX)
		flush(l);
}

static int on_batch_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	flush(userdata);
	return 0;
}

static void replace(char **p, const char *v)
{
	free(*p);
	*p = xstrdup_or_null(v);
}

static void slot_reload_state(struct loop *l, struct feed_slot *f)
{
	struct feed_state st = { 0 };

	/* The record in memory may hold half of a failed ingest: reread it. */
	if (store_feed_load_bare(l->store, f->st.url, &st) < 0)
		return;
	feed_state_done(&f->st);
	f->st = st;
}

static void record_status(struct loop *l, struct feed_slot *f, const char *error)
{
	struct ingest ig = {
		.store = l->store,
		.rules = l->rules,
		.now_usec = loop_now(l),
		.prune_after_usec = l->cfg->prune_after_usec,
		.max_body_bytes = l->cfg->max_body_bytes,
	};
	int r = ingest_status(&ig, &f->st, error);

	if (r < 0) {
		log_error_errno(r, "feed %s: cannot record the poll", f->st.url);
		slot_reload_state(l, f);
	}
}

static bool schedule_equal(const struct feed_schedule *a, const struct feed_schedule *b)
{
	return a->skip_hours == b->skip_hours && a->skip_days == b->skip_days &&
	       a->update_every_sec == b->update_every_sec && a->update_base == b->update_base;
}

static void record_body(struct loop *l, struct feed_slot *f, const struct fetch_result *res,
			uint64_t now)
{
	struct ingest ig = {
		.store = l->store,
		.rules = l->rules,
		.now_usec = now,
		.prune_after_usec = l->cfg->prune_after_usec,
		.max_body_bytes = l->cfg->max_body_bytes,
		.notify_max_age_usec = l->cfg->notify_max_age_usec,
		.pending = l->is_batch_open ? l->pending : NULL,
	};
	struct ingest_stats stats = { 0 };
	int r;

	r = ingest_body(&ig, &f->st, res->body.data ? res->body.data : "", res->body.len, &stats);
	if (r == -EBADMSG || r == -EFBIG) {
		/* Not a feed, or too big to parse: recorded as the feed's error. */
		log_debug("feed %s: %s", f->st.url, f->st.last_error ? f->st.last_error : "not usable");
		l->n_failed++;
		return;
	}
	if (r < 0) {
		log_warn_errno(r, "feed %s: cannot ingest the document", f->st.url);
		slot_reload_state(l, f);
		l->n_failed++;
		return;
	}
	l->n_ok++;
	log_debug("feed %s: %zu items, %zu new, %zu changed, %zu events", f->st.url,
		  stats.n_items, stats.n_new, stats.n_changed, stats.n_events);
	if (stats.ttl_minutes != f->ttl_minutes || !schedule_equal(&stats.schedule, &f->schedule)) {
		uint64_t due;

		/* The feed's own <ttl> is a lower bound on the interval (RSS 2.0),
		 * and so is what it says of its schedule. */
		f->ttl_minutes = stats.ttl_minutes;
		f->schedule = stats.schedule;
		due = next_regular(l, f, now, res);
		if (due > f->st.next_poll_usec) {
			f->st.next_poll_usec = due;
			r = store_feed_save(l->store, &f->st);
			if (r < 0)
				log_warn_errno(r, "feed %s: cannot save the schedule", f->st.url);
		}
	}
}

static void poll_outcome(struct loop *l, struct feed_slot *f, const struct fetch_result *res)
{
	uint64_t now = loop_now(l);
	struct feed_state *st = &f->st;
	_cleanup_free_ char *error = NULL;

	l->n_polls++;
	st->last_poll_usec = now;
	if (res->error < 0) {
		st->http_status = 0;
		error = xstrdup(res->error_text ? res->error_text : strerror(-res->error));
	} else {
		st->http_status = res->http_status;
		if (res->http_status >= 200 && res->http_status < 300) {
			replace(&st->etag, res->etag);
			replace(&st->last_modified, res->last_modified);
		} else if (res->http_status == 304) {
			/* RFC 9110 section 15.4.5: a 304 may carry fresher validators. */
			if (res->etag)
				replace(&st->etag, res->etag);
			if (res->last_modified)
				replace(&st->last_modified, res->last_modified);
		} else
			error = xasprintf("HTTP %ld", res->http_status);
	}

	if (error) {
		int64_t retry = -1;

		if (res->http_status == 429 || res->http_status == 503)
			retry = fetch_result_retry_after(res, (int64_t) (now / USEC_PER_SEC));
		if (retry >= 0)
			st->next_poll_usec = MIN(MAX((uint64_t) retry * USEC_PER_SEC, now),
						 now + l->cfg->max_backoff_usec);
		else
			st->next_poll_usec = next_backoff(l, f, now, st->error_streak + 1);
		log_debug("feed %s: %s", st->url, error);
		record_status(l, f, error);
		l->n_failed++;
	} else {
		st->next_poll_usec = next_regular(l, f, now, res);
		if (res->http_status == 304) {
			log_debug("feed %s: not modified", st->url);
			record_status(l, f, NULL);
			l->n_not_modified++;
		} else
			record_body(l, f, res, now);
	}
	f->due_usec = st->next_poll_usec;
}

static void poll_failed_to_start(struct loop *l, struct feed_slot *f, int r)
{
	_cleanup_free_ char *error = xasprintf("cannot start the transfer: %s", strerror(-r));
	uint64_t now = loop_now(l);

	f->st.last_poll_usec = now;
	f->st.http_status = 0;
	f->st.next_poll_usec = f->due_usec = next_backoff(l, f, now, f->st.error_streak + 1);
	l->n_failed++;
	batch_enter(l);
	record_status(l, f, error);
	batch_leave(l);
	if (l->is_once)
		f->is_done = true;
}

/* A feed of a host that timed out a moment ago: the same failure, without
 * waiting for it again. */
static void poll_failed_at_once(struct loop *l, struct feed_slot *f, const char *error)
{
	struct fetch_result res = {
		.userdata = f,
		.error = -ETIMEDOUT,
		.error_text = (char *) error,
		.is_silent = true,
		.retry_after_delta = -1, .retry_after_date = -1,
		.max_age = -1, .expires = -1, .date = -1,
	};

	batch_enter(l);
	poll_outcome(l, f, &res);
	batch_leave(l);
	if (l->is_once)
		f->is_done = true;
}

static void slot_free(struct feed_slot *f)
{
	if (!f)
		return;
	feed_state_done(&f->st);
	free(f);
}

static void removed_free(struct loop *l, struct feed_slot *f)
{
	for (struct feed_slot **p = &l->removed; *p; p = &(*p)->next_ready)
		if (*p == f) {
			*p = f->next_ready;
			break;
		}
	slot_free(f);
}

/* The end of a poll cycle: each storyline's Atom feed that a delivered
 * event changed is rewritten from the log (SPEC section 7). */
static void atom_refresh(struct loop *l)
{
	size_t n = 0, n_kept = 0;

	if (!l->atom_dirty)
		return;
	while (l->atom_dirty[n])
		n++;
	for (size_t i = 0; i < n; i++) {
		char *name = l->atom_dirty[i];
		int r = atom_write(l->cfg->state_dir, l->cfg->event_log, name, l->cfg->atom_entries);

		if (r == -EINVAL)
			log_warn("storyline '%s' is not usable as a file name: no Atom feed for it", name);
		else if (r < 0) {
			log_warn_errno(r, "storyline %s: cannot write %s/%s.atom, trying again after "
				       "the next poll", name, l->cfg->state_dir, name);
			l->atom_dirty[n_kept++] = name;
			continue;
		}
		free(name);
	}
	l->atom_dirty[n_kept] = NULL;
}

static void atom_mark(struct loop *l, const struct event *e)
{
	size_t n = 0;

	if (!l->cfg->atom || !e->storyline ||
	    (e->action != ACTION_NOTIFY && !e->duplicate_of && e->type != EVENT_UPDATE))
		return;
	for (; l->atom_dirty && l->atom_dirty[n]; n++)
		if (streq(l->atom_dirty[n], e->storyline))
			return;
	l->atom_dirty = xreallocarray(l->atom_dirty, n + 2, sizeof(char *));
	l->atom_dirty[n] = xstrdup(e->storyline);
	l->atom_dirty[n + 1] = NULL;
}

static void maybe_finish(struct loop *l)
{
	if (l->n_in_flight > 0 || l->ready_head)
		return;
	flush(l);
	atom_refresh(l);
	notify_status(l);
	if (l->is_once) {
		for (size_t i = 0; i < l->n_feeds; i++)
			if (!l->feeds[i]->is_done)
				return;
		(void) sd_event_exit(l->event, 0);
	}
}

static void on_fetch_done(void *data, struct fetch_result *res)
{
	struct loop *l = data;
	struct feed_slot *f = res->userdata;

	f->is_in_flight = false;
	l->n_in_flight--;
	if (f->is_removed)
		removed_free(l, f);
	else if (!l->is_stopping) {
		batch_enter(l);
		poll_outcome(l, f, res);
		batch_leave(l);
		if (l->is_once)
			f->is_done = true;
		else if (f->due_usec < l->due_timer_usec)
			due_timer_set(l, f->due_usec);
		if (res->is_silent) {
			_cleanup_free_ char *host = fetch_url_host(f->st.url);

			/* The host's other transfers would each wait as long. */
			if (host && !silent_host_error(l, host)) {
				_cleanup_free_ char *why = NULL;

				silent_host_add(l, host, res->error_text ? res->error_text : "timed out");
				why = xstrdup(silent_host_error(l, host));
				(void) fetch_abort_host(l->fetch, host, -ETIMEDOUT, why);
			}
		}
	}
	fetch_result_free(res);
	start_ready(l);
	maybe_finish(l);
}

/* ---- desktop notifications (SPEC section 7) ------------------------------ */

/* The exec hooks of the rules that made e a notification: each gets the
 * event as JSON on stdin, no shell, and its time limit (hook.h).  The loop
 * waits for it, at most that long; what it prints is logged. */
/* What a hook may print that is kept for the log. */
#define HOOK_MAX_OUTPUT 4096

static void run_hooks(struct loop *l, const struct event *e)
{
	_cleanup_buf_ struct buf json;

	buf_init(&json, 0);
	for (size_t i = 0; i < e->n_rules; i++) {
		const char *const *argv;
		uint64_t timeout_usec;
		struct hook_result res = { 0 };
		int r;

		if (ruleset_rule_exec(l->rules, e->rules[i], &argv, &timeout_usec) < 0)
			continue;
		if (json.len == 0 && event_to_json(e, &json) < 0)
			return;
		r = hook_run((char *const *)argv, json.data, json.len, timeout_usec,
			     HOOK_MAX_OUTPUT, &res);
		if (r < 0)
			(void) log_warn_errno(r, "rule %s: cannot run %s", e->rules[i], argv[0]);
		else if (res.is_timed_out)
			log_warn("rule %s: %s ran past its timeout and was killed", e->rules[i], argv[0]);
		else if (res.exit_status != 0)
			log_warn("rule %s: %s exited with %s %d%s%s", e->rules[i], argv[0],
				 res.signal ? "signal" : "status", res.signal ? res.signal : res.exit_status,
				 res.err_len ? ": " : "", res.err_len ? res.err : "");
		else
			log_info("rule %s: %s: %s", e->rules[i], argv[0], res.out_len ? res.out : "done");
		hook_result_done(&res);
	}
}

static void notify_setup(struct loop *l, bool is_retry);

/* Called by events_deliver() once an event is in the log: a relevant first
 * report of a development becomes a notification and runs its rules' hooks. */
static void on_event(const struct event *e, void *userdata)
{
	struct loop *l = userdata;
	_cleanup_free_ char *outlet = NULL;
	int r;

	atom_mark(l, e);
	switch (e->type) {
	case EVENT_MATCH:
	case EVENT_UPDATE:
		if (e->action == ACTION_NOTIFY)
			l->n_notify++;
		else
			l->n_log++;
		break;
	case EVENT_FEED_ERROR:
		l->n_feed_error++;
		break;
	case EVENT_FEED_OK:
		l->n_feed_ok++;
		break;
	}
	if ((e->type != EVENT_MATCH && e->type != EVENT_UPDATE) ||
	    e->action != ACTION_NOTIFY || e->duplicate_of)
		return;
	run_hooks(l, e);
	/* The outlet as the log and status name it: its title, else its host. */
	outlet = event_outlet(e->feed_title, e->link, e->feed);
	if (!l->notifier && l->is_notify_offline) {
		/* Kept for the server, and a chance to find one (at most once a
		 * minute): the session's notification daemon may start later. */
		if (!l->notify_backlog)
			l->notify_backlog = notify_backlog_new();
		notify_backlog_add(l->notify_backlog, &(struct notify_item) {
				.storyline = e->storyline,
				.title = e->title ? e->title : e->id,
				.outlet = outlet,
				.link = e->link,
				.urgency = e->urgency,
			});
		if (notify_retry_is_due(l->notify_attempt_usec, loop_now(l)))
			notify_setup(l, true);
		return;
	}
	if (!l->notifier)
		return;
	r = notify_event(l->notifier, &(struct notify_item) {
				.storyline = e->storyline,
				.title = e->title ? e->title : e->id,
				.outlet = outlet,
				.link = e->link,
				.urgency = e->urgency,
			}, loop_now(l));
	if (r < 0)
		log_warn("desktop notification not shown: %s", notify_strerror(r));
}

static int on_notify_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct loop *l = userdata;
	uint64_t next;
	int r;

	notify_dispatch(l->notifier);
	next = notify_next_flush_usec(l->notifier);
	if (next > 0 && next <= loop_now(l)) {
		r = notify_flush(l->notifier, loop_now(l));
		if (r < 0)
			log_warn("desktop notification not shown: %s", notify_strerror(r));
	}
	(void) sd_event_source_set_time(s, usec + NOTIFY_TICK_USEC);
	return 0;
}

/* Connects to the notification server; is_retry after a first attempt found
 * none, when a notification is due or on SIGHUP: then quiet on failure, and
 * on success what waited is shown. */
static void notify_setup(struct loop *l, bool is_retry)
{
	int r;

	if (!l->cfg->notify || l->notifier)
		return;
	l->notify_attempt_usec = loop_now(l);
	r = notify_new("storywatch", &(struct notify_options) { .expire_msec = -1, .has_actions = true },
		       &l->notifier);
	if (r < 0) {
		l->is_notify_offline = r == -ENOTCONN;
		/* Once, and the daemon runs on: the events log is the output. */
		if (!is_retry)
			log_warn("desktop notifications off: %s%s", notify_strerror(r),
				 l->is_notify_offline ? "; trying again when a notification is due "
							"(at most once a minute) and on SIGHUP" : "");
		else
			log_debug("desktop notifications still off: %s", notify_strerror(r));
		return;
	}
	l->is_notify_offline = false;
	if (is_retry) {
		unsigned n = notify_backlog_count(l->notify_backlog);

		log_info("desktop notifications on: a notification server answers%s",
			 n ? ", showing what waited for it" : "");
		r = notify_backlog_show(l->notifier, l->notify_backlog);
		if (r < 0)
			log_warn("desktop notification not shown: %s", notify_strerror(r));
	}
	if (l->notify_timer)
		return;
	r = sd_event_add_time_relative(l->event, &l->notify_timer, CLOCK_MONOTONIC, NOTIFY_TICK_USEC,
				       50 * USEC_PER_MSEC, on_notify_timer, l);
	if (r >= 0)
		r = sd_event_source_set_enabled(l->notify_timer, SD_EVENT_ON);
	if (r < 0)
		log_warn_errno(r, "cannot run notification callbacks; no \"open link\" action");
}

/* ---- libcurl's sockets and timer as sd-event sources ---------------------- */

static int on_curl_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct loop *l = userdata;
	int ev = 0;

	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
		ev |= FETCH_POLL_IN;
	if (revents & (EPOLLOUT | EPOLLERR))
		ev |= FETCH_POLL_OUT;
	(void) fetch_on_socket(l->fetch, fd, ev);
	return 0;
}

static int hook_watch(void *data, int fd, int events, void **slot)
{
	struct loop *l = data;
	sd_event_source *s = *slot;
	uint32_t ep = 0;
	int r;

	if (events < 0) {
		(void) sd_event_source_disable_unref(s);
		*slot = NULL;
		return 0;
	}
	if (events & FETCH_POLL_IN)
		ep |= EPOLLIN;
	if (events & FETCH_POLL_OUT)
		ep |= EPOLLOUT;
	if (s)
		return sd_event_source_set_io_events(s, ep);
	r = sd_event_add_io(l->event, &s, fd, ep, on_curl_io, l);
	if (r < 0)
		return log_error_errno(r, "cannot watch a connection");
	*slot = s;
	return 0;
}

static int on_curl_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct loop *l = userdata;

	(void) fetch_on_timeout(l->fetch);
	return 0;
}

static int hook_timer(void *data, uint64_t timeout_usec)
{
	struct loop *l = data;
	int r;

	if (timeout_usec == UINT64_MAX)
		return sd_event_source_set_enabled(l->curl_timer, SD_EVENT_OFF);
	r = sd_event_source_set_time(l->curl_timer, mono_now(l) + timeout_usec);
	if (r < 0)
		return r;
	return sd_event_source_set_enabled(l->curl_timer, SD_EVENT_ONESHOT);
}

static int on_due_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct loop *l = userdata;

	l->due_timer_usec = UINT64_MAX;
	schedule(l);
	maybe_finish(l);
	return 0;
}

/* ---- loading and reloading ------------------------------------------------- */

static int mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int load_config_and_rules(const struct config_overrides *o, struct config **ret_cfg,
				 struct ruleset **ret_rules, struct diag *diag)
{
	_cleanup_config_ struct config *cfg = NULL;
	_cleanup_ruleset_ struct ruleset *rules = NULL;
	struct rules_errors errors = { 0 };
	int r;

	r = config_load(o, &cfg, diag);
	if (r < 0)
		return r;
	r = rules_compile_dir(cfg->rules_dir, &rules, &errors);
	if (r < 0) {
		/* Every error with its place; the first one is the summary. */
		for (size_t i = 0; i < errors.n; i++) {
			const struct rules_error *e = &errors.v[i];

			if (i == 0)
				diag_set(diag, e->file, e->line, e->column, "%s", e->message);
			else
				log_error("%s:%u:%u: %s", e->file, e->line, e->column, e->message);
		}
		if (errors.n == 0)
			diag_set(diag, cfg->rules_dir, 0, 0, "cannot read the rules: %s", strerror(-r));
		rules_errors_clear(&errors);
		return r;
	}
	*ret_cfg = steal_ptr(cfg);
	*ret_rules = steal_ptr(rules);
	return 0;
}

static void fetch_options_from(const struct config *c, struct fetch_options *o)
{
	*o = (struct fetch_options) {
		.connect_timeout_usec = c->connect_timeout_usec,
		.low_speed_time_usec = c->low_speed_time_usec,
		.total_timeout_usec = c->total_timeout_usec,
		.max_body_bytes = c->max_body_bytes,
		.max_redirects = c->max_redirects,
		.max_connections = c->max_connections,
		.max_host_connections = c->max_host_connections,
		.user_agent = c->user_agent,
	};
}

static int slot_cmp(const void *a, const void *b)
{
	const struct feed_slot *x = *(struct feed_slot *const *) a, *y = *(struct feed_slot *const *) b;

	return strcmp(x->st.url, y->st.url);
}

static struct feed_slot *slot_find(struct feed_slot **sorted, size_t n, const char *url)
{
	struct feed_slot key = { .st.url = (char *) url }, *k = &key, **hit;

	if (n == 0)
		return NULL;
	hit = bsearch(&k, sorted, n, sizeof(*sorted), slot_cmp);
	return hit ? *hit : NULL;
}

static int state_cmp(const void *a, const void *b)
{
	return strcmp(((const struct feed_state *) a)->url, ((const struct feed_state *) b)->url);
}

static int source_cmp(const void *a, const void *b)
{
	const struct feed_source *x = *(const struct feed_source *const *) a;
	const struct feed_source *y = *(const struct feed_source *const *) b;
	int c = strcmp(x->url, y->url);

	/* Equal URLs keep list order, so the first listing wins. */
	return c != 0 ? c : (x < y ? -1 : x > y);
}

/* New slots for cfg's feeds: kept from old (by URL) when present, else from
 * the state file, else fresh.  Old slots not kept are freed, or parked on the
 * removed list while a transfer still points at them. */
static int slots_build(struct loop *l, const struct config *cfg, struct feed_slot **old,
		       size_t n_old, struct feed_slot ***ret, size_t *ret_n)
{
	_cleanup_free_ struct feed_slot **sorted_old = NULL, **sorted_new = NULL;
	_cleanup_free_ const struct feed_source **srcs = NULL;
	_cleanup_free_ bool *is_dup = NULL;
	_cleanup_free_ const char **urls = NULL;
	_cleanup_free_ size_t *rank = NULL;
	struct feed_state *states = NULL;
	size_t n_states = 0, n = 0, n_ranked = 0;
	struct feed_slot **slots;
	uint64_t now = loop_now(l);
	int r;

	r = store_feed_list_bare(l->store, &states, &n_states);
	if (r < 0)
		return log_error_errno(r, "cannot read the feeds' state");
	if (n_states > 0)
		qsort(states, n_states, sizeof(*states), state_cmp);

	sorted_old = xreallocarray(NULL, MAX(n_old, 1u), sizeof(*sorted_old));
	if (n_old > 0) {
		memcpy(sorted_old, old, n_old * sizeof(*old));
		qsort(sorted_old, n_old, sizeof(*sorted_old), slot_cmp);
	}

	/* A URL listed twice is polled once. */
	srcs = xreallocarray(NULL, MAX(cfg->n_feeds, 1u), sizeof(*srcs));
	is_dup = xcalloc(MAX(cfg->n_feeds, 1u), sizeof(*is_dup));
	for (size_t i = 0; i < cfg->n_feeds; i++)
		srcs[i] = &cfg->feeds[i];
	if (cfg->n_feeds > 0)
		qsort(srcs, cfg->n_feeds, sizeof(*srcs), source_cmp);
	for (size_t i = 1; i < cfg->n_feeds; i++)
		if (streq(srcs[i]->url, srcs[i - 1]->url))
			is_dup[srcs[i] - cfg->feeds] = true;

	/* Each feed's place in its interval, by the hash of its URL. */
	urls = xreallocarray(NULL, MAX(cfg->n_feeds, 1u), sizeof(*urls));
	rank = xreallocarray(NULL, MAX(cfg->n_feeds, 1u), sizeof(*rank));
	for (size_t i = 0; i < cfg->n_feeds; i++)
		if (!is_dup[i])
			urls[n_ranked++] = cfg->feeds[i].url;
	loop_rank_urls(urls, n_ranked, rank);

	slots = xreallocarray(NULL, MAX(cfg->n_feeds, 1u), sizeof(*slots));
	for (size_t i = 0; i < cfg->n_feeds; i++) {
		const struct feed_source *src = &cfg->feeds[i];
		struct feed_slot *f;
		bool is_kept;

		if (is_dup[i])
			continue;
		f = slot_find(sorted_old, n_old, src->url);
		is_kept = f;
		if (f) {
			f->is_removed = false;
		} else {
			struct feed_state key = { .url = (char *) src->url }, *st;

			f = xcalloc(1, sizeof(*f));
			st = n_states ? bsearch(&key, states, n_states, sizeof(*states), state_cmp) : NULL;
			if (st) {
				f->st = *st;
				*st = (struct feed_state) { .url = xstrdup(st->url) };
			} else
				f->st.url = xstrdup(src->url);
		}
		f->interval_usec = slot_interval(cfg, src);
		/* At start, feeds due are spread over their interval; a feed a
		 * reload adds is polled at once, and one kept that waits for its
		 * place keeps it. */
		if (!f->is_in_flight && !f->is_queued && !(is_kept && f->due_usec > now))
			f->due_usec = loop_initial_due(l->is_once, l->is_force, &f->st, now,
						       n_old > 0 ? 0 : loop_spread(f->interval_usec, rank[n], n_ranked));
		slots[n++] = f;
	}

	sorted_new = xreallocarray(NULL, MAX(n, 1u), sizeof(*sorted_new));
	if (n > 0) {
		memcpy(sorted_new, slots, n * sizeof(*slots));
		qsort(sorted_new, n, sizeof(*sorted_new), slot_cmp);
	}
	for (size_t i = 0; i < n_old; i++) {
		if (slot_find(sorted_new, n, old[i]->st.url) == old[i])
			continue;
		if (old[i]->is_in_flight) {
			old[i]->is_removed = true;
			old[i]->next_ready = l->removed;
			l->removed = old[i];
		} else
			slot_free(old[i]);
	}
	for (size_t i = 0; i < n_states; i++)
		feed_state_done(&states[i]);
	free(states);
	*ret = slots;
	*ret_n = n;
	return 0;
}

static void log_diag(const struct diag *d, const char *what, const char *then)
{
	if (d->file && d->line > 0)
		log_error("%s:%u:%u: %s; %s", d->file, d->line, d->column ? d->column : 1,
			  d->message ? d->message : what, then);
	else if (d->file)
		log_error("%s: %s; %s", d->file, d->message ? d->message : what, then);
	else
		log_error("%s: %s; %s", what, d->message ? d->message : "failed", then);
}

static void reload(struct loop *l)
{
	_cleanup_config_ struct config *cfg = NULL;
	_cleanup_ruleset_ struct ruleset *rules = NULL;
	struct diag d = { 0 };
	struct fetch_options fo;
	struct feed_slot **slots = NULL;
	size_t n_slots = 0;
	uint64_t mono = 0;
	int r;

	(void) sd_event_now(l->event, CLOCK_MONOTONIC, &mono);
	(void) sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64 "\nSTATUS=reloading", mono);
	log_info("reloading the configuration, feeds and rules");
	flush(l);

	r = load_config_and_rules(&l->overrides, &cfg, &rules, &d);
	if (r < 0) {
		log_diag(&d, "reload", "keeping the previous configuration and rules");
		diag_clear(&d);
		goto done;
	}
	if (!streq(cfg->state_dir, l->cfg->state_dir) || !streq(cfg->event_log, l->cfg->event_log))
		log_warn("the state directory and event log change only on restart");

	/* Everything new is built; from here on nothing fails. */
	ready_clear(l);
	r = slots_build(l, cfg, l->feeds, l->n_feeds, &slots, &n_slots);
	if (r < 0) {
		log_error("keeping the previous configuration and rules");
		goto done;
	}
	free(l->feeds);
	l->feeds = slots;
	l->n_feeds = n_slots;
	config_free(l->cfg);
	l->cfg = steal_ptr(cfg);
	ruleset_free(l->rules);
	l->rules = steal_ptr(rules);
	fetch_options_from(l->cfg, &fo);
	r = fetch_set_options(l->fetch, &fo);
	if (r < 0)
		log_warn_errno(r, "cannot apply the new connection limits");
	log_info("reloaded: %zu feeds", l->n_feeds);
done:
	/* A notification server that was missing may run by now. */
	if (!l->notifier && l->is_notify_offline)
		notify_setup(l, true);
	schedule(l);
	(void) sd_notify(0, "READY=1");
	notify_status(l);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct loop *l = userdata;

	if (si->ssi_signo == SIGHUP) {
		if (!l->is_stopping)
			reload(l);
		return 0;
	}
	/* SIGTERM / SIGINT: what was received is already ingested (ingest runs
	 * as each transfer ends); drop the transfers still running, deliver. */
	log_info("stopping on %s", strsignal((int) si->ssi_signo));
	(void) sd_notify(0, "STOPPING=1");
	l->is_stopping = true;
	ready_clear(l);
	flush(l);
	(void) sd_event_exit(l->event, 0);
	return 0;
}

static int eval_clock(uint64_t *ret, struct diag *diag)
{
	const char *e = getenv("STORYWATCH_EVAL_TIME");
	int64_t sec;

	*ret = 0;
	if (!e || !*e)
		return 0;
	if (timefmt_parse_w3dtf(e, strlen(e), &sec) < 0 || sec <= 0) {
		diag_set(diag, NULL, 0, 0, "STORYWATCH_EVAL_TIME=%s is not an RFC 3339 time", e);
		return -EINVAL;
	}
	*ret = (uint64_t) sec * USEC_PER_SEC;
	return 0;
}

static char *state_path(const char *dir)
{
	return xasprintf("%s/%s", dir, LOOP_STATE_FILE);
}

int loop_new(const struct config_overrides *o, unsigned flags, struct loop **ret,
	     struct diag *diag)
{
	struct loop *l;
	struct fetch_options fo;
	struct fetch_hooks hooks;
	_cleanup_free_ char *db = NULL;
	sigset_t mask;
	uint64_t seed = 0;
	int r;

	l = xcalloc(1, sizeof(*l));
	l->is_once = flags & LOOP_ONCE;
	l->is_force = (flags & LOOP_ONCE) && (flags & LOOP_FORCE);
	l->overrides = *o;
	l->due_timer_usec = UINT64_MAX;

	r = eval_clock(&l->eval_base_usec, diag);
	if (r < 0)
		goto fail;
	r = load_config_and_rules(o, &l->cfg, &l->rules, diag);
	if (r < 0)
		goto fail;

	r = mkdir_p(l->cfg->state_dir, 0700);
	if (r < 0) {
		diag_set(diag, l->cfg->state_dir, 0, 0, "cannot create the state directory: %s", strerror(-r));
		goto fail;
	}
	db = state_path(l->cfg->state_dir);
	(void) ingest_pending_new(&l->pending);
	r = store_open(db, &l->store, diag);
	if (r < 0)
		goto fail;
	r = events_open(l->store, &(struct events_options) {
				.log_path = l->cfg->event_log,
				.journal = EVENTS_JOURNAL_AUTO,
				.on_event = on_event,
				.userdata = l,
			}, &l->events, diag);
	if (r < 0)
		goto fail;

	r = sd_event_new(&l->event);
	if (r < 0)
		goto fail_diag;
	l->mono_base_usec = mono_now(l);

	hooks = (struct fetch_hooks) {
		.watch = hook_watch, .timer = hook_timer, .done = on_fetch_done, .data = l,
	};
	fetch_options_from(l->cfg, &fo);
	r = fetch_new(&fo, &hooks, &l->fetch);
	if (r < 0)
		goto fail_diag;

	/* Timers: curl's wants precision, ours may coalesce. */
	r = sd_event_add_time(l->event, &l->curl_timer, CLOCK_MONOTONIC, UINT64_MAX, 1,
			      on_curl_timer, l);
	if (r >= 0)
		r = sd_event_add_time(l->event, &l->due_timer, CLOCK_MONOTONIC, UINT64_MAX,
				      100 * USEC_PER_MSEC, on_due_timer, l);
	if (r >= 0)
		r = sd_event_add_time(l->event, &l->batch_timer, CLOCK_MONOTONIC, UINT64_MAX,
				      10 * USEC_PER_MSEC, on_batch_timer, l);
	if (r < 0)
		goto fail_diag;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
		r = -errno;
		goto fail_diag;
	}
	r = sd_event_add_signal(l->event, NULL, SIGTERM, on_signal, l);
	if (r >= 0)
		r = sd_event_add_signal(l->event, NULL, SIGINT, on_signal, l);
	if (r >= 0)
		r = sd_event_add_signal(l->event, NULL, SIGHUP, on_signal, l);
	if (r < 0)
		goto fail_diag;
	/* WATCHDOG=1 at half of WATCHDOG_USEC, when systemd asks for it. */
	r = sd_event_set_watchdog(l->event, true);
	if (r < 0)
		goto fail_diag;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint64_t) time(NULL) ^ (uint64_t) getpid() << 32;
	l->rng = seed | 1;

	r = slots_build(l, l->cfg, NULL, 0, &l->feeds, &l->n_feeds);
	if (r < 0)
		goto fail_diag;
	notify_setup(l, false);

	*ret = l;
	return 0;

fail_diag:
	diag_set(diag, NULL, 0, 0, "cannot set up the event loop: %s", strerror(-r));
fail:
	loop_free(l);
	return r;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	/* Transfers go first: removing them calls back into hook_watch. */
	fetch_free(l->fetch);
	for (size_t i = 0; i < l->n_feeds; i++)
		slot_free(l->feeds[i]);
	free(l->feeds);
	while (l->removed)
		removed_free(l, l->removed);
	sd_event_source_disable_unref(l->curl_timer);
	sd_event_source_disable_unref(l->due_timer);
	sd_event_source_disable_unref(l->batch_timer);
	sd_event_source_disable_unref(l->notify_timer);
	sd_event_unref(l->event);
	silent_hosts_free(l);
	events_close(l->events);
	notify_free(l->notifier);
	notify_backlog_free(l->notify_backlog);
	store_close(l->store);
	ingest_pending_free(l->pending);
	ruleset_free(l->rules);
	config_free(l->cfg);
	strv_free(l->atom_dirty);
	free(l);
}

/* At most this many due times of skipped feeds in the summary line. */
#define SUMMARY_DUE_MAX 5

static int due_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

	return x < y ? -1 : x > y;
}

/* --once ends with one line: how the polls went, when each skipped feed is
 * due, and the events by action. */
static void once_summary(struct loop *l)
{
	_cleanup_buf_ struct buf b = { 0 };
	_cleanup_free_ uint64_t *due = NULL;
	size_t n_due = 0;

	buf_init(&b, 0);
	(void) buf_printf(&b, "%zu ok, %zu not modified, %zu failed, %zu skipped",
			  l->n_ok, l->n_not_modified, l->n_failed, l->n_skipped);
	due = xreallocarray(NULL, MAX(l->n_feeds, 1u), sizeof(*due));
	for (size_t i = 0; i < l->n_feeds; i++)
		if (l->feeds[i]->is_skipped)
			due[n_due++] = l->feeds[i]->due_usec;
	qsort(due, n_due, sizeof(*due), due_cmp);
	for (size_t i = 0; i < n_due && i < SUMMARY_DUE_MAX; i++) {
		char when[TIMEFMT_RFC3339_MAX];

		(void) timefmt_rfc3339((int64_t) (due[i] / USEC_PER_SEC), when);
		(void) buf_printf(&b, "%s%s", i == 0 ? " (due " : ", ", when);
	}
	if (n_due > SUMMARY_DUE_MAX)
		(void) buf_printf(&b, ", %zu more", n_due - SUMMARY_DUE_MAX);
	if (n_due > 0)
		(void) buf_puts(&b, l->is_force ? "; the server asked to wait)"
						: "; --force polls those in error backoff)");
	(void) buf_printf(&b, "; events: %" PRIu64 " notify, %" PRIu64 " log, %" PRIu64
			  " feed_error, %" PRIu64 " feed_ok",
			  l->n_notify, l->n_log, l->n_feed_error, l->n_feed_ok);
	log_info("%s", buf_str(&b));
}

int loop_run(struct loop *l)
{
	int r;

	/* Events committed before a crash but not yet in the log go out first. */
	deliver(l);
	if (!l->is_once)
		log_info("%zu feeds", l->n_feeds);
	(void) sd_notify(0, "READY=1");
	schedule(l);
	/* schedule() has set aside the feeds --once holds back. */
	if (l->is_once)
		log_info("%zu feeds, polling %zu once%s", l->n_feeds, l->n_feeds - l->n_skipped,
			 l->n_skipped ? " (the others are held back: see the summary)" : "");
	maybe_finish(l);
	r = sd_event_loop(l->event);
	if (r < 0)
		return log_error_errno(r, "event loop failed");
	if (!l->is_stopping) {
		(void) sd_notify(0, "STOPPING=1");
		l->is_stopping = true;
	}
	flush(l);
	atom_refresh(l);
	/* Summaries of bursts still counting would be lost: show them now. */
	if (l->notifier && notify_flush(l->notifier, UINT64_MAX) < 0)
		log_warn("desktop notification summaries not shown");
	if (l->is_once)
		once_summary(l);
	return 0;
}
