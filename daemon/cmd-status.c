/* cmd-status.c - storywatch status: each feed's health from the state file. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cli.h"
#include "config.h"
#include "json.h"
#include "options.h"
#include "store.h"
#include "timefmt.h"
#include "util.h"

/* --utc: times in UTC; else local time, as TZ says (as storywatch log). */
static bool arg_utc;

static void format_time(uint64_t usec, char out[static TIMEFMT_RFC3339_MAX])
{
	time_t t = (time_t) (usec / USEC_PER_SEC);
	struct tm tm;

	if (usec == 0) {
		snprintf(out, TIMEFMT_RFC3339_MAX, "never");
		return;
	}
	if (arg_utc)
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	if (strftime(out, TIMEFMT_RFC3339_MAX, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, TIMEFMT_RFC3339_MAX, "?");
}

static int json_time(struct buf *b, uint64_t usec)
{
	char t[TIMEFMT_RFC3339_MAX];

	if (usec == 0)
		return json_null(b);
	(void) timefmt_rfc3339((int64_t) (usec / USEC_PER_SEC), t);
	return json_string(b, t);
}

static void print_json(const struct feed_state *st)
{
	_cleanup_buf_ struct buf b = { 0 };

	buf_init(&b, 0);
	(void) json_begin_object(&b);
	(void) json_key(&b, "feed");
	(void) json_string(&b, st->url);
	(void) json_key(&b, "title");
	(void) json_string(&b, st->title);
	(void) json_key(&b, "last_poll");
	(void) json_time(&b, st->last_poll_usec);
	(void) json_key(&b, "http_status");
	if (st->last_poll_usec == 0)
		(void) json_null(&b);
	else
		(void) json_int(&b, st->http_status);
	(void) json_key(&b, "error_streak");
	(void) json_int(&b, st->error_streak);
	(void) json_key(&b, "last_error");
	(void) json_string(&b, st->last_error);
	(void) json_key(&b, "next_poll");
	(void) json_time(&b, st->next_poll_usec);
	(void) json_key(&b, "items");
	(void) json_int(&b, (int64_t) st->n_items);
	(void) json_end_object(&b);
	printf("%s\n", buf_str(&b));
}

static void print_row(const struct feed_state *st)
{
	char last[TIMEFMT_RFC3339_MAX], next[TIMEFMT_RFC3339_MAX], http[8];

	format_time(st->last_poll_usec, last);
	if (st->next_poll_usec == 0)
		snprintf(next, sizeof(next), "now");
	else
		format_time(st->next_poll_usec, next);
	if (st->last_poll_usec == 0)
		snprintf(http, sizeof(http), "-");
	else if (st->http_status == 0)
		snprintf(http, sizeof(http), "error");
	else
		snprintf(http, sizeof(http), "%ld", st->http_status);
	/* The feed as every output names it, and its URL to find it in the list. */
	if (st->title && *st->title)
		printf("%-20s  %-5s  %6u  %-20s  %6" PRIu64 "  %s (%s)\n", last, http,
		       st->error_streak, next, st->n_items, st->title, st->url);
	else
		printf("%-20s  %-5s  %6u  %-20s  %6" PRIu64 "  %s\n", last, http, st->error_streak,
		       next, st->n_items, st->url);
	if (st->last_error)
		printf("%20s  error: %s\n", "", st->last_error);
}

static void status_help(FILE *f)
{
	fprintf(f,
		"Usage: storywatch status [--config FILE] [--system|--user] [--state-dir DIR] [--json]\n"
		"                        [--utc]\n"
		"\n"
		"Each feed known to the daemon: last poll, HTTP status, error streak,\n"
		"next poll and stored items.\n"
		"\n"
		CLI_INSTANCE_HELP
		"  --state-dir DIR      the daemon's state directory (default: the configuration's)\n"
		"  --json               one JSON object per feed and line (times RFC 3339, UTC)\n"
		"  --utc                times in UTC (default: local time, as TZ says)\n");
}

int cmd_status(int argc, char **argv)
{
	static const struct option options[] = {
		{ "state-dir", required_argument, NULL, 'd' },
		{ "json",      no_argument,       NULL, 'j' },
		{ "utc",       no_argument,       NULL, 'u' },
		{ "help",      no_argument,       NULL, 'h' },
		CLI_INSTANCE_OPTIONS,
		{}
	};
	struct cli_instance in = CLI_INSTANCE_INIT;
	_cleanup_config_ struct config *cfg = NULL;
	_cleanup_free_ char *path = NULL;
	struct store *s = NULL;
	struct feed_state *feeds = NULL;
	size_t n = 0;
	bool is_json = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "hv", options, NULL)) >= 0)
		switch (c) {
		case 'd':
			in.o.state_dir = optarg;
			break;
		case 'j':
			is_json = true;
			break;
		case 'u':
			arg_utc = true;
			break;
		case 'h':
			status_help(stdout);
			return 0;
		default:
			if (cli_instance_option(&in, c, optarg))
				break;
			return options_report_error("storywatch status", options, argv);
		}
	if (optind < argc) {
		fprintf(stderr, "storywatch status: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (cli_instance_load("status", &in, &cfg) < 0)
		return 1;
	if (cli_state_open("storywatch status", cfg, &s, &path) < 0)
		return 1;
	r = store_feed_list(s, &feeds, &n);
	if (r < 0) {
		fprintf(stderr, "storywatch status: %s: cannot list the feeds: %s\n", path, strerror(-r));
		store_close(s);
		return 1;
	}
	if (!is_json)
		printf("%-20s  %-5s  %6s  %-20s  %6s  %s\n", "LAST POLL", "HTTP", "ERRORS", "NEXT POLL",
		       "ITEMS", "FEED");
	for (size_t i = 0; i < n; i++) {
		if (is_json)
			print_json(&feeds[i]);
		else
			print_row(&feeds[i]);
		feed_state_done(&feeds[i]);
	}
	if (!is_json && n == 0)
		printf("no feed polled yet\n");
	free(feeds);
	store_close(s);
	return 0;
}
