/* storywatchd.c - the daemon's main: options, then the loop.  Never forks:
 * systemd or the shell supervises it. */

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "config.h"
#include "diag.h"
#include "log.h"
#include "loop.h"
#include "options.h"
#include "util.h"

static struct config_overrides arg_overrides = { .notify = -1 };
static bool arg_once;
static bool arg_force;
static bool arg_verbose;

static void help(FILE *f)
{
	fprintf(f,
		"Usage: storywatchd [OPTIONS]\n"
		"\n"
		"Polls RSS and Atom feeds, matches new and changed items against the rules\n"
		"and storyline profiles, and records events.\n"
		"\n"
		"  --config FILE     read this configuration file instead of the default\n"
		"  --system, --user  the system service's files (/etc/storywatch,\n"
		"                    /var/lib/storywatch) or the user's (XDG); default:\n"
		"                    the system's for a service or root, else the user's\n"
		"  --feeds FILE      the feeds list (plain URLs or OPML)\n"
		"  --rules DIR       the directory of *.rules files\n"
		"  --state-dir DIR   where the state file lives\n"
		"  --event-log FILE  the JSON Lines event log\n"
		"  --no-notify       no desktop notifications\n"
		"  --once            poll every feed once, record, exit with a summary\n"
		"  --force           with --once, also poll the feeds in error backoff\n"
		"  -v, --verbose     debug messages\n"
		"  -h, --help        show this help\n"
		"      --version     show the version\n");
}

enum {
	OPT_CONFIG = 0x100,
	OPT_FEEDS,
	OPT_RULES,
	OPT_STATE_DIR,
	OPT_EVENT_LOG,
	OPT_NO_NOTIFY,
	OPT_ONCE,
	OPT_VERSION,
	OPT_SYSTEM,
	OPT_USER,
	OPT_FORCE,
};

/* Returns 1 to go on, 0 to exit successfully, negative for a usage error. */
static int parse_argv(int argc, char **argv)
{
	static const struct option options[] = {
		{ "config",    required_argument, NULL, OPT_CONFIG },
		{ "system",    no_argument,       NULL, OPT_SYSTEM },
		{ "user",      no_argument,       NULL, OPT_USER },
		{ "feeds",     required_argument, NULL, OPT_FEEDS },
		{ "rules",     required_argument, NULL, OPT_RULES },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "event-log", required_argument, NULL, OPT_EVENT_LOG },
		{ "no-notify", no_argument,       NULL, OPT_NO_NOTIFY },
		{ "once",      no_argument,       NULL, OPT_ONCE },
		{ "force",     no_argument,       NULL, OPT_FORCE },
		{ "verbose",   no_argument,       NULL, 'v' },
		{ "help",      no_argument,       NULL, 'h' },
		{ "version",   no_argument,       NULL, OPT_VERSION },
		{}
	};
	int c;

	opterr = 0;     /* reported below, as "storywatchd: ..." whatever argv[0] is */
	while ((c = getopt_long(argc, argv, "vh", options, NULL)) >= 0)
		switch (c) {
		case OPT_CONFIG:
			arg_overrides.config_file = optarg;
			break;
		case OPT_SYSTEM:
			arg_overrides.instance = CONFIG_INSTANCE_SYSTEM;
			break;
		case OPT_USER:
			arg_overrides.instance = CONFIG_INSTANCE_USER;
			break;
		case OPT_FEEDS:
			arg_overrides.feeds_file = optarg;
			break;
		case OPT_RULES:
			arg_overrides.rules_dir = optarg;
			break;
		case OPT_STATE_DIR:
			arg_overrides.state_dir = optarg;
			break;
		case OPT_EVENT_LOG:
			arg_overrides.event_log = optarg;
			break;
		case OPT_NO_NOTIFY:
			arg_overrides.notify = 0;
			break;
		case OPT_ONCE:
			arg_once = true;
			break;
		case OPT_FORCE:
			arg_force = true;
			break;
		case 'v':
			arg_verbose = true;
			break;
		case 'h':
			help(stdout);
			return 0;
		case OPT_VERSION:
			printf("storywatchd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			(void) options_report_error("storywatchd", options, argv);
			return -EINVAL;
		}
	if (arg_force && !arg_once) {
		fprintf(stderr, "storywatchd: --force is for --once only (see 'storywatchd --help')\n");
		return -EINVAL;
	}
	if (optind < argc) {
		fprintf(stderr, "storywatchd: unexpected argument '%s' (see 'storywatchd --help')\n",
			argv[optind]);
		return -EINVAL;
	}
	return 1;
}

static void loop_freep(struct loop **l)
{
	loop_free(*l);
}

int main(int argc, char **argv)
{
	_cleanup_(loop_freep) struct loop *l = NULL;
	struct diag d = { 0 };
	int r;

	r = parse_argv(argc, argv);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	log_setup("storywatchd", arg_verbose);

	/* Every poll allocates and frees a body and a parse of tens to hundreds
	 * of KiB: with glibc's default 128 KiB trim threshold, each free gave the
	 * top of the heap back to the kernel and the next poll faulted it in
	 * again (a tenth of a cold poll's CPU went to brk and page faults). */
	(void) mallopt(M_TRIM_THRESHOLD, 4 << 20);
	(void) mallopt(M_TOP_PAD, 1 << 20);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("cannot initialise libcurl");
		return 1;
	}

	r = loop_new(&arg_overrides, (arg_once ? LOOP_ONCE : 0) | (arg_force ? LOOP_FORCE : 0), &l, &d);
	if (r < 0) {
		/* One clear line: where, what. */
		if (d.file && d.line > 0)
			log_error("%s:%u:%u: %s", d.file, d.line, d.column ? d.column : 1,
				  d.message ? d.message : strerror(-r));
		else if (d.file)
			log_error("%s: %s", d.file, d.message ? d.message : strerror(-r));
		else
			log_error("%s", d.message ? d.message : strerror(-r));
		diag_clear(&d);
		curl_global_cleanup();
		return 1;
	}

	r = loop_run(l);
	loop_free(steal_ptr(l));
	curl_global_cleanup();
	return r < 0 ? 1 : 0;
}
