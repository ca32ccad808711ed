/* cli.h - the storywatch subcommands, one function each. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct buf;
struct config;
struct evlog_entry;

/* What storywatch feed, report and digest read: the options they share. */
struct cli_events {
	const char *config_file;   /* --config; NULL: the default one */
	const char *event_log;     /* --event-log; NULL: the config's */
	const char *storyline;     /* --storyline; NULL: the log's only one */
	bool has_since;
	time_t since;              /* --since */
};

/* Loads the configuration, then the event log's events since a->since, and
 * groups them (evlog_group).  When no storyline is given and the log has
 * exactly one, *ret_storyline names it (borrowed from an entry); else it is
 * a->storyline, or NULL.  Prints what went wrong as prog and returns 1. */
int cli_events_load(const char *prog, const struct cli_events *a, struct config **ret_cfg,
		    struct evlog_entry ***ret_ev, size_t *ret_n, const char **ret_storyline);

/* The local calendar day of t as YYYY-MM-DD. */
void cli_day(time_t t, char *ret, size_t n);

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
/* storywatch feeds list|add|remove|import|export: the feeds list (cmd-feeds.c). */
int cmd_feeds(int argc, char **argv);
