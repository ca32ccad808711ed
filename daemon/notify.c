/* notify.c - desktop notifications through libnotify, rate-limited. */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "notify-internal.h"
#include "notify.h"
#include "utf8.h"
#include "util.h"

/* After util.h: GLib's MIN and MAX replace ours (gmacros.h #undefs them). */
#ifdef HAVE_LIBNOTIFY
#include <libnotify/notify.h>
#endif

#define DEFAULT_BURST 3
#define DEFAULT_WINDOW_USEC (60 * USEC_PER_SEC)
/* Notifications kept alive so a click can still reach them. */
#define MAX_LIVE 32
#define MAX_BODY 4096

/* ---- the rate limiter: pure, driven by the caller's clock ---------------- */

void notify_limiter_init(struct notify_limiter *l, unsigned burst, uint64_t window_usec)
{
	*l = (struct notify_limiter) {
		.burst = burst,
		.window_usec = window_usec,
	};
}

static void fold_done(struct notify_fold *f)
{
	free(f->storyline);
	free(f->title);
	free(f->outlet);
	free(f->link);
}

void notify_folds_free(struct notify_fold *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fold_done(&f[i]);
	free(f);
}

void notify_limiter_done(struct notify_limiter *l)
{
	notify_folds_free(l->folds, l->n_folds);
	l->folds = NULL;
	l->n_folds = 0;
}

static bool window_has_ended(const struct notify_limiter *l, uint64_t now_usec)
{
	/* A clock that went backwards ends the window too, rather than holding
	 * notifications back until it catches up. */
	return now_usec < l->window_start_usec ||
	       now_usec - l->window_start_usec >= l->window_usec;
}

static struct notify_fold *fold_for(struct notify_limiter *l, const char *storyline)
{
	for (size_t i = 0; i < l->n_folds; i++) {
		const char *s = l->folds[i].storyline;

		if ((!s && !storyline) || streq(s, storyline))
			return &l->folds[i];
	}
	/* The last slot gathers every storyline past the ceiling. */
	if (l->n_folds == NOTIFY_MAX_FOLDS) {
		struct notify_fold *f = &l->folds[NOTIFY_MAX_FOLDS - 1];

		free(f->storyline);
		f->storyline = NULL;
		return f;
	}
	l->folds = xreallocarray(l->folds, l->n_folds + 1, sizeof(*l->folds));
	l->folds[l->n_folds] = (struct notify_fold) {
		.storyline = xstrdup_or_null(storyline),
		.urgency = URGENCY_LOW,
	};
	return &l->folds[l->n_folds++];
}

bool notify_limiter_admit(struct notify_limiter *l, const struct notify_item *it, uint64_t now_usec)
{
	struct notify_fold *f;

	if (!l->is_open || window_has_ended(l, now_usec)) {
		/* Folds of an ended window are the caller's to take first; if
		 * it did not, they roll into this window's summary. */
		l->is_open = true;
		l->window_start_usec = now_usec;
		l->n_shown = 0;
	}
	if (l->n_shown < l->burst) {
		l->n_shown++;
		return true;
	}

	f = fold_for(l, it->storyline);
	f->count++;
	if (it->urgency > f->urgency)
		f->urgency = it->urgency;
	free(f->title);
	free(f->outlet);
	free(f->link);
	f->title = xstrdup_or_null(it->title);
	f->outlet = xstrdup_or_null(it->outlet);
	f->link = xstrdup_or_null(it->link);
	return false;
}

size_t notify_limiter_take(struct notify_limiter *l, uint64_t now_usec, struct notify_fold **ret)
{
	size_t n;

	if (!l->is_open || !window_has_ended(l, now_usec))
		return 0;
	l->is_open = false;
	n = l->n_folds;
	*ret = steal_ptr(l->folds);
	l->n_folds = 0;
	return n;
}

uint64_t notify_limiter_deadline(const struct notify_limiter *l)
{
	if (!l->is_open || l->n_folds == 0)
		return 0;
	return l->window_start_usec + l->window_usec;
}

/* ---- while no server answers ----------------------------------------------- */

bool notify_retry_is_due(uint64_t last_attempt_usec, uint64_t now_usec)
{
	/* A clock that went backwards does not hold the retry back. */
	return last_attempt_usec == 0 || now_usec < last_attempt_usec ||
	       now_usec - last_attempt_usec >= NOTIFY_RETRY_USEC;
}

/* A limiter that shows nothing (burst 0) and whose window always has ended
 * (0 long) folds every item and hands the folds out whenever asked. */
struct notify_backlog {
	struct notify_limiter folds;
	unsigned count;
};

struct notify_backlog *notify_backlog_new(void)
{
	struct notify_backlog *b = xcalloc(1, sizeof(*b));

	notify_limiter_init(&b->folds, 0, 0);
	return b;
}

void notify_backlog_free(struct notify_backlog *b)
{
	if (!b)
		return;
	notify_limiter_done(&b->folds);
	free(b);
}

void notify_backlog_add(struct notify_backlog *b, const struct notify_item *it)
{
	(void)notify_limiter_admit(&b->folds, it, 0);
	if (b->count < UINT_MAX)
		b->count++;
}

unsigned notify_backlog_count(const struct notify_backlog *b)
{
	return b ? b->count : 0;
}

/* ---- text ------------------------------------------------------------------ */

static int put_text(struct buf *b, const char *s, bool is_markup)
{
	_cleanup_free_ char *clean = utf8_repair(s, strlen(s));
	int r = 0;

	for (const char *p = clean; *p && r >= 0; p++) {
		unsigned char c = (unsigned char)*p;

		if (c >= 0x80) {
			/* Whole sequences only, so a body cut at its ceiling
			 * is still valid UTF-8 for D-Bus. */
			size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

			r = buf_append(b, p, len);
			p += len - 1;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			r = buf_putc(b, ' ');
			continue;
		}
		if (is_markup)
			switch (c) {
			/* The body may be interpreted as a subset of HTML
			 * (Desktop Notifications Specification, "Markup"). */
			case '&':  r = buf_puts(b, "&amp;"); continue;
			case '<':  r = buf_puts(b, "&lt;"); continue;
			case '>':  r = buf_puts(b, "&gt;"); continue;
			case '"':  r = buf_puts(b, "&quot;"); continue;
			case '\'': r = buf_puts(b, "&#39;"); continue;
			}
		r = buf_putc(b, (char)c);
	}
	return r;
}

int notify_escape_markup(struct buf *b, const char *s)
{
	return put_text(b, s, true);
}

int notify_plain_text(struct buf *b, const char *s)
{
	return put_text(b, s, false);
}

int notify_format_body(struct buf *b, const char *title, const char *outlet, bool is_markup)
{
	int r = put_text(b, title ? title : "", is_markup);

	if (r >= 0 && outlet && *outlet) {
		r = buf_putc(b, '\n');
		if (r >= 0)
			r = put_text(b, outlet, is_markup);
	}
	return r;
}

/* ---- libnotify ------------------------------------------------------------- */

struct notifier {
	struct notify_limiter limiter;
	int expire_msec;
	bool has_actions;       /* the server offers actions and the caller dispatches */
	bool has_markup;        /* the server interprets body markup */
	bool is_failing;        /* the last show failed: stay quiet until one works */
#ifdef HAVE_LIBNOTIFY
	NotifyNotification *live[MAX_LIVE];
	size_t n_live;
#endif
};

const char *notify_strerror(int r)
{
	switch (-r) {
	case ENOTCONN:
		return "no D-Bus session bus or no notification server answers";
	case EOPNOTSUPP:
		return "built without libnotify";
	case EIO:
		return "libnotify could not be initialised";
	case EHOSTDOWN:
		return "the notification server stopped taking notifications";
	}
	return strerror(-r);
}

uint64_t notify_next_flush_usec(const struct notifier *n)
{
	return n ? notify_limiter_deadline(&n->limiter) : 0;
}

#ifdef HAVE_LIBNOTIFY

static bool caps_have(GList *caps, const char *cap)
{
	for (GList *l = caps; l; l = l->next)
		if (streq(l->data, cap))
			return true;
	return false;
}

int notify_new(const char *app_name, const struct notify_options *o, struct notifier **ret)
{
	_cleanup_free_ struct notifier *n = NULL;
	char *name = NULL, *vendor = NULL, *version = NULL, *spec = NULL;
	GList *caps;

	if (!notify_is_initted() && !notify_init(app_name))
		return -EIO;
	/* notify_init() does not touch the bus; asking the server who it is
	 * does, and fails cleanly without a session bus or a server. */
	if (!notify_get_server_info(&name, &vendor, &version, &spec)) {
		notify_uninit();
		return -ENOTCONN;
	}
	g_free(name);
	g_free(vendor);
	g_free(version);
	g_free(spec);

	n = xcalloc(1, sizeof(*n));
	notify_limiter_init(&n->limiter, o && o->burst ? o->burst : DEFAULT_BURST,
			    o && o->window_usec ? o->window_usec : DEFAULT_WINDOW_USEC);
	n->expire_msec = o ? o->expire_msec : -1;
	caps = notify_get_server_caps();
	n->has_markup = caps_have(caps, "body-markup");
	n->has_actions = o && o->has_actions && caps_have(caps, "actions");
	g_list_free_full(caps, g_free);

	*ret = steal_ptr(n);
	return 0;
}

void notify_free(struct notifier *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_live; i++)
		g_object_unref(n->live[i]);
	notify_limiter_done(&n->limiter);
	free(n);
	notify_uninit();
}

static bool link_is_web(const char *link)
{
	return link && (strncmp(link, "https://", 8) == 0 || strncmp(link, "http://", 7) == 0);
}

static void on_default_action(NotifyNotification *nn, char *action, gpointer userdata)
{
	/* No shell: the link is one argv element.  Without DO_NOT_REAP_CHILD,
	 * GLib reaps xdg-open itself (through an intermediate child). */
	char *argv[] = { (char *)"xdg-open", userdata, NULL };
	GError *error = NULL;

	if (!g_spawn_async(NULL, argv, NULL,
			   G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
			   NULL, NULL, NULL, &error))
		g_clear_error(&error);
	(void)notify_notification_close(nn, NULL);
}

static void keep_live(struct notifier *n, NotifyNotification *nn)
{
	if (n->n_live == MAX_LIVE) {
		g_object_unref(n->live[0]);
		memmove(n->live, n->live + 1, (MAX_LIVE - 1) * sizeof(*n->live));
		n->n_live--;
	}
	n->live[n->n_live++] = g_object_ref(nn);
}

static NotifyUrgency to_notify_urgency(enum urgency u)
{
	switch (u) {
	case URGENCY_LOW:
		return NOTIFY_URGENCY_LOW;
	case URGENCY_NORMAL:
		return NOTIFY_URGENCY_NORMAL;
	case URGENCY_CRITICAL:
		return NOTIFY_URGENCY_CRITICAL;
	}
	return NOTIFY_URGENCY_NORMAL;
}

static int show(struct notifier *n, const char *summary, const char *body,
		const char *link, enum urgency urgency)
{
	NotifyNotification *nn = notify_notification_new(summary, body, NULL);
	GError *error = NULL;
	bool ok;

	notify_notification_set_urgency(nn, to_notify_urgency(urgency));
	if (n->expire_msec >= 0)
		notify_notification_set_timeout(nn, n->expire_msec);
	if (n->has_actions && link_is_web(link))
		notify_notification_add_action(nn, "default", "Open", on_default_action,
					       g_strdup(link), g_free);
	ok = notify_notification_show(nn, &error);
	g_clear_error(&error);
	if (ok && n->has_actions)
		keep_live(n, nn);
	g_object_unref(nn);

	if (!ok) {
		if (n->is_failing)
			return 0;
		n->is_failing = true;
		return -EHOSTDOWN;
	}
	n->is_failing = false;
	return 1;
}

static int show_item(struct notifier *n, const struct notify_item *it)
{
	_cleanup_buf_ struct buf summary, body;

	buf_init(&summary, MAX_BODY);
	buf_init(&body, MAX_BODY);
	(void)notify_plain_text(&summary, it->storyline ? it->storyline : "storywatch");
	(void)notify_format_body(&body, it->title, it->outlet, n->has_markup);
	return show(n, buf_str(&summary), buf_str(&body), it->link, it->urgency);
}

int notify_flush(struct notifier *n, uint64_t now_usec)
{
	struct notify_fold *folds = NULL;
	size_t n_folds;
	int shown = 0, r = 0;

	if (!n)
		return 0;
	n_folds = notify_limiter_take(&n->limiter, now_usec, &folds);
	for (size_t i = 0; i < n_folds; i++) {
		_cleanup_buf_ struct buf summary, body;
		const struct notify_fold *f = &folds[i];
		int k;

		buf_init(&summary, MAX_BODY);
		buf_init(&body, MAX_BODY);
		(void)buf_printf(&summary, "%u more update%s", f->count, f->count == 1 ? "" : "s");
		if (f->storyline) {
			(void)buf_puts(&summary, " on ");
			(void)notify_plain_text(&summary, f->storyline);
		}
		(void)notify_format_body(&body, f->title, f->outlet, n->has_markup);
		k = show(n, buf_str(&summary), buf_str(&body), f->link, f->urgency);
		if (k < 0)
			r = k;
		else
			shown += k;
	}
	notify_folds_free(folds, n_folds);
	return r < 0 ? r : shown;
}

int notify_backlog_show(struct notifier *n, struct notify_backlog *b)
{
	struct notify_fold *folds = NULL;
	size_t n_folds;
	int shown = 0, r = 0;

	if (!n || !b)
		return 0;
	n_folds = notify_limiter_take(&b->folds, 0, &folds);
	b->count = 0;
	for (size_t i = 0; i < n_folds; i++) {
		const struct notify_fold *f = &folds[i];
		int k;

		if (f->count == 1)
			k = show_item(n, &(struct notify_item) {
				.storyline = f->storyline, .title = f->title ? f->title : "",
				.outlet = f->outlet, .link = f->link, .urgency = f->urgency });
		else {
			_cleanup_buf_ struct buf summary, body;

			buf_init(&summary, MAX_BODY);
			buf_init(&body, MAX_BODY);
			(void)buf_printf(&summary, "%u updates", f->count);
			if (f->storyline) {
				(void)buf_puts(&summary, " on ");
				(void)notify_plain_text(&summary, f->storyline);
			}
			(void)notify_format_body(&body, f->title, f->outlet, n->has_markup);
			k = show(n, buf_str(&summary), buf_str(&body), f->link, f->urgency);
		}
		if (k < 0)
			r = k;
		else
			shown += k;
	}
	notify_folds_free(folds, n_folds);
	return r < 0 ? r : shown;
}

int notify_event(struct notifier *n, const struct notify_item *it, uint64_t now_usec)
{
	int r, k;

	if (!n)
		return 0;
	/* A window that ended first gets its summary, so the order on screen
	 * follows the order of events. */
	r = notify_flush(n, now_usec);
	k = notify_limiter_admit(&n->limiter, it, now_usec) ? show_item(n, it) : 0;
	return r < 0 ? r : k;
}

void notify_dispatch(struct notifier *n)
{
	/* Bounded: a flood of D-Bus signals must not hold up the feeds. */
	for (int i = 0; n && i < 64 && g_main_context_iteration(NULL, FALSE); i++)
		;
}

#else /* !HAVE_LIBNOTIFY */

int notify_new(const char *app_name, const struct notify_options *o, struct notifier **ret)
{
	return -EOPNOTSUPP;
}

void notify_free(struct notifier *n)
{
	if (!n)
		return;
	notify_limiter_done(&n->limiter);
	free(n);
}

int notify_event(struct notifier *n, const struct notify_item *it, uint64_t now_usec)
{
	return 0;
}

int notify_flush(struct notifier *n, uint64_t now_usec)
{
	return 0;
}

void notify_dispatch(struct notifier *n)
{
}

int notify_backlog_show(struct notifier *n, struct notify_backlog *b)
{
	struct notify_fold *folds = NULL;

	if (b) {
		notify_folds_free(folds, notify_limiter_take(&b->folds, 0, &folds));
		b->count = 0;
	}
	return 0;
}

#endif
