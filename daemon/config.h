/* config.h - storywatch.conf(5), the feeds list and OPML, and command-line
 * overrides, read into one struct that is read-only once loaded. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct diag;
struct diag_list;

struct feed_source {
	char *url;                 /* http:// or https:// only */
	char *title;               /* from OPML, may be NULL */
	uint64_t interval_usec;    /* 0 = the config's default interval */
};

struct config {
	char *config_file;         /* the file read; NULL when the default one is absent */

	/* [daemon] */
	char *feeds_file;          /* plain list or OPML (detected by content);
	                              default: "feeds" next to the config file */
	char *rules_dir;           /* default: <configdir>/rules if present, else PKGDATADIR/rules */
	char *state_dir;           /* $STATE_DIRECTORY, else $XDG_STATE_HOME/storywatch */
	char *event_log;           /* default: <state_dir>/events.jsonl */
	bool notify;               /* desktop notifications, default yes */
	/* On a feed's first poll, items published longer ago are logged, never
	 * notified; 0: no limit.  Default 2d. */
	uint64_t notify_max_age_usec;

	/* [poll] */
	uint64_t interval_usec;          /* default 15m */
	uint64_t jitter_usec;            /* +/- spread on each schedule, default 10% of interval cap 2m */
	uint64_t connect_timeout_usec;   /* default 15s */
	uint64_t low_speed_time_usec;    /* abort below 100 B/s for this long, default 30s */
	uint64_t total_timeout_usec;     /* default 60s */
	uint64_t max_backoff_usec;       /* default 1d */
	size_t max_body_bytes;           /* default 8 MiB */
	unsigned max_redirects;          /* default 5 */
	unsigned max_connections;        /* in flight in total, default 16 */
	unsigned max_host_connections;   /* per host, default 2 */
	char *user_agent;                /* default "storywatch/VERSION (+URL)" */

	/* [state] */
	uint64_t prune_after_usec;       /* items gone from their feed this long are forgotten, default 30d */

	/* [outputs] */
	bool atom;                       /* keep STATE_DIR/STORYLINE.atom, default yes */
	unsigned atom_entries;           /* developments in it, default 100 */
	char *digest_to;                 /* To: of storywatch digest --mail; NULL: no mail */

	struct feed_source *feeds;
	size_t n_feeds;
};

/* Whose files: the system service's (/etc/storywatch, /var/lib/storywatch) or
 * the user's (XDG); AUTO is the system's for a service or root. */
enum config_instance {
	CONFIG_INSTANCE_AUTO,
	CONFIG_INSTANCE_SYSTEM,
	CONFIG_INSTANCE_USER,
};

/* Where the system service keeps its state: systemd's StateDirectory=storywatch. */
#define CONFIG_SYSTEM_STATE_DIR "/var/lib/storywatch"

/* What the command line says; NULL / -1 mean "not given". */
struct config_overrides {
	const char *config_file;   /* NULL: the instance's default path */
	enum config_instance instance;
	bool is_paths_only;        /* leave the feeds list unread (the commands that
	                              only need to know where the files are) */
	const char *feeds_file;
	const char *rules_dir;
	const char *state_dir;
	const char *event_log;
	int notify;                /* -1 not given, 0 --no-notify */
};

/* Reads the config file (a missing default file is fine, a missing named one is
 * an error), applies the overrides, then reads the feeds list.  On error returns
 * negative errno and fills diag with file, line and message. */
int config_load(const struct config_overrides *o, struct config **ret, struct diag *diag);

/* The same, but goes on after an error and collects every problem in the
 * config file and the feeds list, for `storywatch check`.  Returns -EINVAL
 * when any was found (then *ret is untouched), or another negative errno
 * when a file cannot be read at all (also in diags). */
int config_load_all(const struct config_overrides *o, struct config **ret,
		    struct diag_list *diags);

void config_free(struct config *c);
static inline void config_freep(struct config **c) { config_free(*c); }
#define _cleanup_config_ __attribute__((cleanup(config_freep)))

/* The config file read when no --config is given: the system one when running
 * as a service ($STATE_DIRECTORY set, or uid 0), else the user's XDG one.
 * The caller frees. */
char *config_default_path(void);

/* Whether instance names the system service's files; AUTO decides as
 * config_default_path() does. */
bool config_instance_is_system(enum config_instance instance);

/* "15m", "2h", "90s", "1d", "500ms", "1h30m" (units w d h m s ms us, each at
 * most once, largest first; a bare "0") -> microseconds; -EINVAL otherwise,
 * -ERANGE past UINT64_MAX. */
int config_parse_duration(const char *s, uint64_t *ret_usec);

/* "8M", "512K", "1G", "4096" (K/M/G are powers of 1024, "KiB" etc. also
 * accepted) -> bytes; -EINVAL otherwise, -ERANGE past UINT64_MAX. */
int config_parse_size(const char *s, uint64_t *ret_bytes);
