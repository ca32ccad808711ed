/* cmd-feed.c - storywatch feed: the Atom feed the daemon keeps in
 * STATE_DIR/STORYLINE.atom, built from the event log now. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "atom.h"
#include "buf.h"
#include "cli.h"
#include "config.h"
#include "evlog.h"
#include "options.h"
#include "util.h"

static void help(FILE *f)
{
	fputs("Usage: storywatch feed [OPTIONS]\n"
	      "\n"
	      "Print the Atom feed of a storyline's developments, as storywatchd keeps it\n"
	      "in STATE_DIR/STORYLINE.atom.\n"
	      "\n"
	      "  --storyline NAME     the storyline (default: the only one in the log)\n"
	      CLI_INSTANCE_HELP
	      "  --event-log FILE     the log to read (default: the configuration's)\n"
	      "  -h, --help           show this help\n", f);
}

int cmd_feed(int argc, char **argv)
{
	enum { ARG_STORYLINE = 0x100, ARG_EVENT_LOG };
	static const struct option options[] = {
		{ "storyline", required_argument, NULL, ARG_STORYLINE },
		CLI_INSTANCE_OPTIONS,
		{ "event-log", required_argument, NULL, ARG_EVENT_LOG },
		{ "help",      no_argument,       NULL, 'h' },
		{}
	};
	struct cli_events a = { .in = CLI_INSTANCE_INIT };
	_cleanup_config_ struct config *cfg = NULL;
	_cleanup_buf_ struct buf doc = { 0 };
	struct evlog_entry **ev = NULL;
	const char *storyline = NULL;
	size_t n = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "hv", options, NULL)) >= 0)
		switch (c) {
		case ARG_STORYLINE:
			a.storyline = optarg;
			break;
		case ARG_EVENT_LOG:
			a.in.o.event_log = optarg;
			break;
		case 'h':
			help(stdout);
			return 0;
		default:
			if (cli_instance_option(&a.in, c, optarg))
				break;
			return options_report_error("storywatch feed", options, argv);
		}
	if (optind < argc) {
		fprintf(stderr, "storywatch feed: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (a.storyline && !atom_is_storyline_name(a.storyline)) {
		fprintf(stderr, "storywatch feed: '%s' is not a storyline name\n", a.storyline);
		return 2;
	}
	r = cli_events_load("storywatch feed", &a, &cfg, &ev, &n, &storyline);
	if (r != 0)
		return r;
	if (!storyline) {
		fprintf(stderr, "storywatch feed: no storyline in %s yet; use --storyline NAME\n",
			cfg->event_log);
		evlog_entries_free(ev, n);
		return 1;
	}
	buf_init(&doc, 0);
	atom_build(ev, n, storyline, cfg->atom_entries, evlog_now(), &doc);
	evlog_entries_free(ev, n);
	if (fwrite(doc.data, 1, doc.len, stdout) != doc.len || fflush(stdout) != 0) {
		fprintf(stderr, "storywatch feed: cannot write output: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
