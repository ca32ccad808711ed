/* cli.c - storywatch: the command-line companion of storywatchd. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "config.h"
#include "diag.h"
#include "evlog.h"
#include "loop.h"
#include "store.h"
#include "util.h"

bool cli_instance_option(struct cli_instance *in, int c, const char *arg)
{
	switch (c) {
	case CLI_OPT_CONFIG:
		in->o.config_file = arg;
		return true;
	case CLI_OPT_SYSTEM:
		in->o.instance = CONFIG_INSTANCE_SYSTEM;
		return true;
	case CLI_OPT_USER:
		in->o.instance = CONFIG_INSTANCE_USER;
		return true;
	case 'v':
		in->is_verbose = true;
		return true;
	default:
		return false;
	}
}

int cli_instance_load(const char *cmd, const struct cli_instance *in, struct config **ret)
{
	_cleanup_config_ struct config *c = NULL;
	struct diag d = { 0 };
	int r;

	r = config_load(&in->o, &c, &d);
	if (r < 0) {
		if (d.file && d.line > 0)
			fprintf(stderr, "storywatch %s: %s:%u:%u: %s\n", cmd, d.file, d.line,
				d.column ? d.column : 1, d.message ? d.message : strerror(-r));
		else if (d.file)
			fprintf(stderr, "storywatch %s: %s: %s\n", cmd, d.file,
				d.message ? d.message : strerror(-r));
		else
			fprintf(stderr, "storywatch %s: %s\n", cmd, d.message ? d.message : strerror(-r));
		diag_clear(&d);
		return r;
	}
	cli_instance_describe(cmd, in, c);
	*ret = steal_ptr(c);
	return 0;
}

void cli_instance_describe(const char *cmd, const struct cli_instance *in, const struct config *c)
{
	if (!in->is_verbose)
		return;
	fprintf(stderr, "storywatch %s: %s instance\n", cmd,
		config_instance_is_system(in->o.instance) ? "system" : "user");
	fprintf(stderr, "storywatch %s: config: %s\n", cmd,
		c->config_file ? c->config_file : "none (every default applies)");
	fprintf(stderr, "storywatch %s: state directory: %s\n", cmd, c->state_dir);
	fprintf(stderr, "storywatch %s: event log: %s\n", cmd, c->event_log);
	fprintf(stderr, "storywatch %s: rules: %s\n", cmd, c->rules_dir);
	fprintf(stderr, "storywatch %s: feeds: %s\n", cmd, c->feeds_file ? c->feeds_file : "none");
}

int cli_state_open(const char *cmd, const struct config *cfg, struct store **ret, char **ret_path)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", cfg->state_dir, LOOP_STATE_FILE);
	struct diag d = { 0 };
	int r;

	if (access(path, F_OK) < 0) {
		r = -errno;
		fprintf(stderr, "%s: %s: %s\n", cmd, path,
			r == -ENOENT ? "no state file (storywatchd has not run with this state directory)"
				     : strerror(-r));
		return r;
	}
	r = store_open_readonly(path, ret, &d);
	if (r < 0) {
		fprintf(stderr, "%s: %s: %s\n", cmd, path, d.message ? d.message : strerror(-r));
		diag_clear(&d);
		return r;
	}
	*ret_path = steal_ptr(path);
	return 0;
}

int cli_read_document(const char *path, struct buf *b)
{
	int fd = STDIN_FILENO, r;

	if (!streq(path, "-")) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	r = buf_read_fd(b, fd);
	if (fd != STDIN_FILENO)
		close(fd);
	return r;
}

static bool keep_event(const struct evlog_entry *e, void *userdata)
{
	const struct cli_events *a = userdata;

	if (a->has_since && e->time < a->since)
		return false;
	/* Feed events belong to every storyline. */
	return !a->storyline || !e->storyline || streq(e->storyline, a->storyline);
}

int cli_events_load(const char *prog, const struct cli_events *a, struct config **ret_cfg,
		    struct evlog_entry ***ret_ev, size_t *ret_n, const char **ret_storyline)
{
	_cleanup_config_ struct config *cfg = NULL;
	struct evlog_entry **ev = NULL;
	const char *storyline = a->storyline;
	size_t n = 0, n_bad = 0;
	int r;

	/* prog is "storywatch CMD": cli_instance_load() names CMD. */
	r = cli_instance_load(strchr(prog, ' ') ? strchr(prog, ' ') + 1 : prog, &a->in, &cfg);
	if (r < 0)
		return 1;
	r = evlog_load(cfg->event_log, keep_event, (void *)a, &ev, &n, &n_bad);
	if (r < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, cfg->event_log, strerror(-r));
		return 1;
	}
	if (n_bad > 0)
		fprintf(stderr, "%s: warning: skipped %zu unreadable line%s in %s\n", prog, n_bad,
			n_bad == 1 ? "" : "s", cfg->event_log);
	for (size_t i = 0; i < n && !a->storyline; i++) {
		if (!ev[i]->storyline)
			continue;
		if (!storyline)
			storyline = ev[i]->storyline;
		else if (!streq(storyline, ev[i]->storyline)) {
			fprintf(stderr, "%s: the log holds more than one storyline (%s, %s, ...): "
				"use --storyline NAME\n", prog, storyline, ev[i]->storyline);
			evlog_entries_free(ev, n);
			return 1;
		}
	}
	evlog_group(ev, n);
	*ret_cfg = steal_ptr(cfg);
	*ret_ev = ev;
	*ret_n = n;
	*ret_storyline = storyline;
	return 0;
}

void cli_day(time_t t, char *ret, size_t n)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(ret, n, "%Y-%m-%d", &tm);
}

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "log",   cmd_log,   "review the event log: a timeline by day, by development" },
	{ "help",  cmd_help,  "show this help, or a command's: help COMMAND" },
	{ "check", cmd_check, "check the rules and report every error" },
	{ "match", cmd_match, "run the rules over feed files and explain each score" },
	{ "status", cmd_status, "each feed's last poll, HTTP status, errors, next poll" },
	{ "explain", cmd_explain, "why an item was notified, logged, ignored or a duplicate" },
	{ "parse", cmd_parse, "print the entries of feed documents as JSON Lines" },
	{ "feed",  cmd_feed,  "print a storyline's Atom feed of developments" },
	{ "report", cmd_report, "write a storyline's timeline as one HTML page" },
	{ "digest", cmd_digest, "the period's developments as text or a mail" },
	{ "feeds", cmd_feeds, "list, add, remove, import and export the feeds" },
};

static void help(FILE *f)
{
	fprintf(f,
		"Usage: storywatch [--help] [--version] COMMAND [ARGS...]\n"
		"\n"
		"The command-line companion of storywatchd(8).\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'storywatch COMMAND --help' for a command's options.\n");
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (streq(name, commands[i].name))
			return &commands[i];
	return NULL;
}

/* storywatch help [COMMAND]: that command's own --help. */
static int cmd_help(int argc, char **argv)
{
	const struct command *c;
	char *args[] = { NULL, (char *)"--help", NULL };

	if (argc < 2) {
		help(stdout);
		return 0;
	}
	if (streq(argv[1], "--help") || streq(argv[1], "-h")) {
		printf("Usage: storywatch help [COMMAND]\n"
		       "\n"
		       "List the commands, or show COMMAND's own help, the same as\n"
		       "'storywatch COMMAND --help'.\n");
		return 0;
	}
	if (argc > 2) {
		fprintf(stderr, "storywatch help: unexpected argument '%s'\n", argv[2]);
		return 2;
	}
	c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "storywatch help: unknown command '%s' (see 'storywatch --help')\n",
			argv[1]);
		return 2;
	}
	if (c->run == cmd_help) {
		help(stdout);
		return 0;
	}
	args[0] = (char *)c->name;
	optind = 1;
	return c->run(2, args);
}

int main(int argc, char **argv)
{
	const struct command *c;

	/* Every command reports a bad option itself, in options_report_error's words. */
	opterr = 0;
	if (argc < 2) {
		help(stderr);
		return 2;
	}
	if (streq(argv[1], "--help") || streq(argv[1], "-h")) {
		help(stdout);
		return 0;
	}
	if (streq(argv[1], "--version")) {
		printf("storywatch %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (argv[1][0] == '-') {
		fprintf(stderr, "storywatch: unknown option '%s' (see 'storywatch --help')\n", argv[1]);
		return 2;
	}
	c = find_command(argv[1]);
	if (c) {
		optind = 1;
		return c->run(argc - 1, argv + 1);
	}
	fprintf(stderr, "storywatch: unknown command '%s' (see 'storywatch --help')\n", argv[1]);
	return 2;
}
