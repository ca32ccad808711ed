/* notify-internal.h - the rate limiter and the markup escaping, for tests. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "match.h"

struct buf;
struct notify_item;

/* Updates folded while a window was full, per storyline. */
struct notify_fold {
	char *storyline;      /* NULL: storylines past NOTIFY_MAX_FOLDS */
	unsigned count;
	enum urgency urgency; /* the highest folded */
	char *title;          /* the latest folded item */
	char *outlet;
	char *link;
};

#define NOTIFY_MAX_FOLDS 16

/* At most burst shown per window; a window opens with the first item after
 * the previous one ended and lasts window_usec. */
struct notify_limiter {
	unsigned burst;
	uint64_t window_usec;
	bool is_open;
	uint64_t window_start_usec;
	unsigned n_shown;
	struct notify_fold *folds;
	size_t n_folds;
};

void notify_limiter_init(struct notify_limiter *l, unsigned burst, uint64_t window_usec);
void notify_limiter_done(struct notify_limiter *l);

/* true: show it now; false: folded into the window's summary.  The caller
 * first takes the folds of a window that has ended. */
bool notify_limiter_admit(struct notify_limiter *l, const struct notify_item *it, uint64_t now_usec);

/* Once the window has ended by now_usec: hands out its folds (the caller frees
 * them with notify_folds_free()) and closes it.  Returns how many. */
size_t notify_limiter_take(struct notify_limiter *l, uint64_t now_usec, struct notify_fold **ret);
void notify_folds_free(struct notify_fold *f, size_t n);

/* 0 when nothing is folded, else the end of the current window. */
uint64_t notify_limiter_deadline(const struct notify_limiter *l);

/* Appends s as text for the notification body markup: & < > " ' become
 * entities, control characters become spaces, invalid UTF-8 becomes U+FFFD. */
int notify_escape_markup(struct buf *b, const char *s);
/* The same without escaping, for servers that show the body as plain text
 * (and for the summary, which is never markup). */
int notify_plain_text(struct buf *b, const char *s);

/* Body text: the title, then the outlet on its own line. */
int notify_format_body(struct buf *b, const char *title, const char *outlet, bool is_markup);
