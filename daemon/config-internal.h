/* config-internal.h - the byte-buffer readers behind config_load, for the unit
 * tests and the fuzzer. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct diag_list;

/* Ceilings on what we read: a config file is a page of keys; a feeds list a
 * few hundred URLs, and one machine polls 20,000 at a 15-minute interval
 * (about 350 bytes of memory a feed, polls spread over the interval, at most
 * max_connections transfers at once).  What runs out first is the
 * connection budget: 100,000 feeds at 15 minutes are 111 polls a second,
 * which 16 connections keep up with only if a poll takes under 140 ms. */
#define CONFIG_MAX_BYTES      (64u * 1024)
#define CONFIG_MAX_LINES      2000u
#define CONFIG_MAX_LINE       4096u
#define FEEDS_MAX_BYTES       (32u * 1024 * 1024)
#define FEEDS_MAX_LINES       400000u
#define FEEDS_MAX_COUNT       100000u
#define FEED_URL_MAX          2048u

/* Every value that does not depend on a path or the environment. */
void config_init_defaults(struct config *c);

/* Reads storywatch.conf text into c, which holds defaults or earlier values.
 * Relative paths are taken relative to base_dir (when not NULL).  Goes on
 * after errors; returns 0, or -EINVAL when diags got at least one problem. */
int config_parse_ini(struct config *c, const void *data, size_t len, const char *file,
		     const char *base_dir, struct diag_list *diags);

/* Reads a feeds list, plain or OPML (told apart by content).  Returns 0 with
 * the feeds, or -EINVAL / -EFBIG with every problem in diags. */
int config_parse_feeds(const void *data, size_t len, const char *file,
		       struct feed_source **ret, size_t *ret_n, struct diag_list *diags);

void feed_sources_free(struct feed_source *f, size_t n);

/* A duration as config_parse_duration reads it back ("1h30m"); the caller
 * frees. */
char *config_format_duration(uint64_t usec);

/* config_default_path() with the service/user choice made by the caller. */
char *config_default_path_as(bool is_service);

/* The state directory from the environment: $STATE_DIRECTORY (its first entry),
 * else $XDG_STATE_HOME/storywatch, else ~/.local/state/storywatch; NULL when
 * none can be found.  The caller frees. */
char *config_default_state_dir(void);

/* The same for either instance: the system's is $STATE_DIRECTORY, else
 * CONFIG_SYSTEM_STATE_DIR; the user's ignores $STATE_DIRECTORY only when
 * --user was asked for explicitly.  The caller frees. */
char *config_default_state_dir_as(enum config_instance instance);
