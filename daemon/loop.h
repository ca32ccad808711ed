/* loop.h - the daemon's one event loop: feed timers, curl sockets, signals,
 * the watchdog and sd_notify.  The only sd-event user. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct config_overrides;
struct diag;
struct loop;

/* The state file inside the state directory. */
#define LOOP_STATE_FILE "state.db"

/* Loads the configuration, the feeds and the rules, opens the state and the
 * event log.  Nothing is polled yet.  On a configuration error returns
 * negative errno with diag saying where; the caller prints it. */
enum {
	LOOP_ONCE  = 1 << 0,  /* poll every due feed once, then exit with a summary */
	LOOP_FORCE = 1 << 1,  /* with LOOP_ONCE: also the feeds in our error backoff */
};
int loop_new(const struct config_overrides *o, unsigned flags, struct loop **ret,
	     struct diag *diag);
void loop_free(struct loop *l);

/* Runs until SIGTERM / SIGINT, or with LOOP_ONCE until every due feed was
 * polled, then says on stderr what the polls and the events came to.
 * Returns 0, or negative errno when the loop itself failed. */
int loop_run(struct loop *l);
