/* cli.h - the storywatch subcommands, one function each. */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"

struct buf;
struct config;
struct evlog_entry;

/* The local calendar day of t as YYYY-MM-DD. */
void cli_day(time_t t, char *ret, size_t n);

/* The options that choose the daemon's instance, shared by every command that
 * reads what storywatchd wrote: --config FILE, --system, --user, -v. */
enum {
	CLI_OPT_CONFIG = 0x1000,
	CLI_OPT_SYSTEM,
	CLI_OPT_USER,
};
#define CLI_INSTANCE_OPTIONS \
	{ "config",  required_argument, NULL, CLI_OPT_CONFIG }, \
	{ "system",  no_argument,       NULL, CLI_OPT_SYSTEM }, \
	{ "user",    no_argument,       NULL, CLI_OPT_USER }, \
	{ "verbose", no_argument,       NULL, 'v' }
#define CLI_INSTANCE_HELP \
	"  --config FILE        the daemon's configuration file (default: the instance's)\n" \
	"  --system, --user     the system service's files (/etc/storywatch,\n" \
	"                       /var/lib/storywatch) or the user's (XDG); default:\n" \
	"                       the system's for root, else the user's\n" \
	"  -v, --verbose        say which files are read\n"

struct cli_instance {
	struct config_overrides o;
	bool is_verbose;
};
#define CLI_INSTANCE_INIT { .o = { .notify = -1, .is_paths_only = true } }

/* What storywatch feed, report and digest read: the options they share. */
struct cli_events {
	struct cli_instance in;    /* --config, --system, --user, -v; in.o.event_log:
				    * --event-log (NULL: the configuration's) */
	const char *storyline;     /* --storyline; NULL: the log's only one */
	bool has_since;
	time_t since;              /* --since */
};

/* Loads the instance's configuration (cli_instance_load()), then the event
 * log's events since a->since, and groups them (evlog_group).  When no storyline is given and the log has
 * exactly one, *ret_storyline names it (borrowed from an entry); else it is
 * a->storyline, or NULL.  Prints what went wrong as prog and returns 1. */
int cli_events_load(const char *prog, const struct cli_events *a, struct config **ret_cfg,
		    struct evlog_entry ***ret_ev, size_t *ret_n, const char **ret_storyline);

/* Takes one getopt result; true when it was an instance option (then applied). */
bool cli_instance_option(struct cli_instance *in, int c, const char *arg);

/* Loads the configuration exactly as storywatchd does, with in's overrides;
 * on error prints "storywatch CMD: ..." and returns negative errno.  With -v
 * says on stderr which instance and files it found. */
int cli_instance_load(const char *cmd, const struct cli_instance *in, struct config **ret);
/* With -v: the instance and the files of c, on stderr. */
void cli_instance_describe(const char *cmd, const struct cli_instance *in, const struct config *c);

/* Opens the instance's state file read-only into *ret, its path in
 * *ret_path.  Looking never creates it: a missing file means storywatchd has
 * not run with this state directory.  On error prints "CMD: PATH: ..." and
 * returns negative errno. */
struct store;
int cli_state_open(const char *cmd, const struct config *cfg, struct store **ret, char **ret_path);

/* Reads the file at path, or standard input for "-", into b; 0, -errno, or
 * -EFBIG past b's ceiling. */
int cli_read_document(const char *path, struct buf *b);

/* Each takes the subcommand's own argv (argv[0] is its name) and returns the
 * process exit status. */


/* Each feed's last poll, HTTP status, error streak, next poll and item count. */
int cmd_status(int argc, char **argv);
/* Compiles a rules directory and prints every error with its location. */
int cmd_check(int argc, char **argv);
/* Runs the rules over feed files and explains each item's score. */
int cmd_match(int argc, char **argv);
/* storywatch parse FILE...|-: feed documents to JSON Lines. */
int cmd_parse(int argc, char **argv);
/* storywatch log: review the event log (cmd-log.c). */
int cmd_log(int argc, char **argv);
/* storywatch feed: a storyline's Atom feed to stdout (cmd-feed.c). */
int cmd_feed(int argc, char **argv);
/* storywatch report: the storyline as one HTML page (cmd-report.c). */
int cmd_report(int argc, char **argv);
/* storywatch digest: the period in text or a mail (cmd-digest.c). */
int cmd_digest(int argc, char **argv);
/* storywatch explain ID|LINK: why an item got its action (cmd-explain.c). */
int cmd_explain(int argc, char **argv);
/* storywatch feeds list|add|remove|import|export: the feeds list (cmd-feeds.c). */
int cmd_feeds(int argc, char **argv);
