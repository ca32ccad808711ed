/* notify-send-test.c - sends notifications through notify.c for
 * notify-dunst.sh, which reads them back from a real dunst.
 *
 *   notify-send-test send DONE_FILE   burst of five items and one summary, then
 *                                     dispatch GLib until DONE_FILE appears
 *   notify-send-test nobus            what the daemon does without a session bus
 *   notify-send-test has-libnotify    exit 0, or 77 when built without libnotify
 *
 * Every negative result of the notify API is printed as a warning, exactly as
 * the daemon logs them, so the script can count warnings. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"
#include "util.h"

#define SEC USEC_PER_SEC
/* A fixed clock: the limiter follows it, not the wall clock. */
#define T0 (UINT64_C(1742306400) * SEC)

static int n_warnings;

static int check(int r, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "warning: %s: %s\n", what, notify_strerror(r));
		n_warnings++;
	}
	return r;
}

static const struct notify_item items[] = {
	{ "Ceasefire talks",
	  "<b>Bold</b> & <a href=\"https://evil.example/\">click</a> 'q'",
	  "Test Wire", "https://example.org/talks?a=1&b=2", URGENCY_CRITICAL },
	{ "Energy truce", "Power grid strikes paused", "Example News",
	  "https://example.net/grid", URGENCY_LOW },
	{ "Ceasefire talks", "Third report", "Wire 3", "https://example.org/3", URGENCY_LOW },
	{ "Ceasefire talks", "Fourth report", "Wire 4", "https://example.org/4", URGENCY_NORMAL },
	{ "Ceasefire talks", "Fifth report <i>", "Wire 5", "https://example.org/5", URGENCY_LOW },
};

static int send_burst(const char *done_file)
{
	struct notify_options o = {
		.burst = 2,
		.window_usec = 60 * SEC,
		.expire_msec = -1,
		.has_actions = true,
	};
	_cleanup_notify_ struct notifier *n = NULL;
	int r;

	r = notify_new("storywatch-test", &o, &n);
	if (r == -EOPNOTSUPP)
		return 77;
	if (check(r, "desktop notifications off") < 0)
		return 1;

	for (size_t i = 0; i < ELEMENTSOF(items); i++) {
		r = check(notify_event(n, &items[i], T0 + i * SEC), "notify");
		printf("event %zu: %d\n", i, r);
	}
	printf("flush early: %d\n", check(notify_flush(n, T0 + 59 * SEC), "notify"));
	printf("flush: %d\n", check(notify_flush(n, T0 + 60 * SEC), "notify"));
	printf("sent\n");
	fflush(stdout);

	/* Wait for the script to click, bounded. */
	for (int i = 0; i < 1000 && access(done_file, F_OK) < 0; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		notify_dispatch(n);
		nanosleep(&ts, NULL);
	}
	return n_warnings ? 1 : 0;
}

static int no_bus(void)
{
	_cleanup_notify_ struct notifier *n = NULL;

	(void)check(notify_new("storywatch-test", NULL, &n), "desktop notifications off");
	/* The daemon runs on: events and flushes are quiet no-ops. */
	for (size_t i = 0; i < ELEMENTSOF(items); i++)
		(void)check(notify_event(n, &items[i], T0 + i * SEC), "notify");
	(void)check(notify_flush(n, T0 + 3600 * SEC), "notify");
	notify_dispatch(n);
	printf("still running\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && streq(argv[1], "send"))
		return send_burst(argv[2]);
	if (argc == 2 && streq(argv[1], "nobus"))
		return no_bus();
	if (argc == 2 && streq(argv[1], "has-libnotify")) {
#ifdef HAVE_LIBNOTIFY
		return 0;
#else
		return 77;
#endif
	}
	fprintf(stderr, "usage: notify-send-test send DONE_FILE | nobus | has-libnotify\n");
	return 2;
}
