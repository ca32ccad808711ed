/* cli.c - storywatch: the command-line companion of storywatchd. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "config.h"
#include "diag.h"
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

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "log",   cmd_log,   "review the event log: a timeline by day, by development" },
	{ "help",  cmd_help,  "show this help" },
	{ "check", cmd_check, "check the rules and report every error" },
	{ "match", cmd_match, "run the rules over feed files and explain each score" },
	{ "status", cmd_status, "each feed's last poll, HTTP status, errors, next poll" },
	{ "parse", cmd_parse, "print the entries of feed documents as JSON Lines" },
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

static int cmd_help(int argc, char **argv)
{
	help(stdout);
	return 0;
}

int main(int argc, char **argv)
{
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
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (streq(argv[1], commands[i].name)) {
			optind = 1;
			return commands[i].run(argc - 1, argv + 1);
		}
	fprintf(stderr, "storywatch: unknown command '%s' (see 'storywatch --help')\n", argv[1]);
	return 2;
}
