/* notify.h - desktop notifications: the only libnotify user.
 *
 * Feed text reaches the notification server escaped, never as markup; bursts
 * are folded into one summary per storyline.  Built --without-libnotify, the
 * API stays and notify_new() reports -EOPNOTSUPP so the caller only logs. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "match.h"
#include "util.h"

struct notifier;

struct notify_options {
	unsigned burst;            /* notifications shown per window; 0 = default 3 */
	uint64_t window_usec;      /* 0 = default 60 s */
	int expire_msec;           /* server expiry; -1 = server default, 0 = never */
	bool has_actions;          /* the caller calls notify_dispatch(): offer "open link" */
};

/* One development to announce.  Every string is borrowed and may be NULL
 * except title. */
struct notify_item {
	const char *storyline;     /* storyline title: the summary line */
	const char *title;         /* the item's title, plain text from the feed */
	const char *outlet;        /* feed title, else the link's host */
	const char *link;          /* opened by the default action (http/https only) */
	enum urgency urgency;
};

/* Connects to the session's notification server.  -ENOTCONN: no session bus or
 * no server answers; -EOPNOTSUPP: built without libnotify; -EIO: libnotify
 * would not initialise.  The caller logs the failure once and runs on without
 * notifications (notify_event() etc. accept NULL). */
int notify_new(const char *app_name, const struct notify_options *o, struct notifier **ret);
void notify_free(struct notifier *n);
static inline void notify_freep(struct notifier **n) { notify_free(*n); }
#define _cleanup_notify_ __attribute__((cleanup(notify_freep)))

/* Readable reason for a notify_new() failure, for the one warning. */
const char *notify_strerror(int r);

/* Shows the item (returns 1) or counts it toward the summary that ends its
 * window (returns 0).  -EHOSTDOWN when the server stops taking notifications:
 * returned once per outage, so the caller can log every negative result. */
int notify_event(struct notifier *n, const struct notify_item *it, uint64_t now_usec);

/* Shows the summaries of a window that has ended by now_usec ("5 more updates
 * on ..."); returns how many were shown, or -EHOSTDOWN as above. */
int notify_flush(struct notifier *n, uint64_t now_usec);

/* When notify_flush() has work next; 0 when nothing is waiting. */
uint64_t notify_next_flush_usec(const struct notifier *n);

/* Connecting fails for want of a server (-ENOTCONN) until the session's
 * notification daemon runs: the caller tries again when a notification is
 * due, at most this often, and on SIGHUP. */
#define NOTIFY_RETRY_USEC (60 * USEC_PER_SEC)
bool notify_retry_is_due(uint64_t last_attempt_usec, uint64_t now_usec);

/* What could not be shown while no server answered, folded per storyline
 * (bounded like the rate limiter's summaries), to show once one does. */
struct notify_backlog;
struct notify_backlog *notify_backlog_new(void);
void notify_backlog_free(struct notify_backlog *b);
void notify_backlog_add(struct notify_backlog *b, const struct notify_item *it);
/* Items added since the backlog was last shown. */
unsigned notify_backlog_count(const struct notify_backlog *b);
/* Shows one notification per storyline held (the item itself when it is the
 * only one, else "N updates on STORYLINE" with the latest) and empties b.
 * Returns how many were shown, or -EHOSTDOWN as notify_event(). */
int notify_backlog_show(struct notifier *n, struct notify_backlog *b);

/* Runs pending GLib callbacks (a click on "open link", a closed notification)
 * without blocking.  The daemon's loop calls it from a periodic timer: libnotify
 * delivers action signals on the GLib main context, which sd-event does not run. */
void notify_dispatch(struct notifier *n);
