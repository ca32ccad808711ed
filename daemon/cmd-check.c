/* cmd-check.c - storywatch check: read the configuration, the feeds list and
 * the rules as the daemon would, and report every error. */

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "diag.h"
#include "options.h"
#include "rules.h"
#include "util.h"

static void check_help(FILE *f)
{
	fprintf(f,
		"Usage: storywatch check [--config FILE] [--system|--user] [--feeds FILE] [--rules DIR]\n"
		"\n"
		"Read the configuration, the feeds list and the rules as storywatchd does\n"
		"and print every error with its file, line and column.  Exit 1 on any error.\n"
		"With --rules alone only the rules of DIR are compiled; otherwise the\n"
		"configuration (default: the one storywatchd reads) names the feeds list\n"
		"and the rules directory (default %s).\n"
		"\n"
		CLI_INSTANCE_HELP,
		PKGDATADIR "/rules");
}

/* Every error of the configuration and the feeds list; the rules directory
 * they name, or NULL when they could not be read.  Returns the error count. */
static size_t check_config(const struct cli_instance *in, char **ret_rules_dir)
{
	_cleanup_(diag_list_clearp) struct diag_list diags = { 0 };
	struct config *cfg = NULL;
	size_t n;
	int r;

	r = config_load_all(&in->o, &cfg, &diags);
	for (size_t i = 0; i < diags.n; i++) {
		_cleanup_free_ char *line = diag_format(&diags.diags[i]);

		fprintf(stderr, "%s\n", line);
	}
	n = diags.n + diags.n_dropped;
	if (r < 0) {
		*ret_rules_dir = NULL;
		return n ? n : 1;
	}
	cli_instance_describe("check", in, cfg);
	if (!cfg->feeds_file || access(cfg->feeds_file, F_OK) < 0)
		fprintf(stderr, "storywatch check: warning: %s: no feeds list; storywatchd polls "
			"nothing until there is one (storywatch feeds add URL)\n",
			cfg->feeds_file ? cfg->feeds_file : "feeds");
	else if (cfg->n_feeds == 0)
		fprintf(stderr, "storywatch check: warning: %s: lists no feed; storywatchd polls "
			"nothing (storywatch feeds add URL)\n", cfg->feeds_file);
	else
		printf("%s: %zu feed%s: OK\n", cfg->feeds_file, cfg->n_feeds,
		       cfg->n_feeds == 1 ? "" : "s");
	*ret_rules_dir = xstrdup(cfg->rules_dir);
	config_free(cfg);
	return n;
}

/* Files the daemon passes over for their name although they look meant as
 * rules: hidden ones, editor backups, a ".rule" for ".rules".  Returns how
 * many were reported. */
static void closedirp(DIR **d)
{
	if (*d)
		(void) closedir(*d);
}

static size_t warn_skipped(const char *dir)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		size_t l = strlen(name);
		bool is_taken = name[0] != '.' && l > 6 && streq(name + l - 6, ".rules");

		if (streq(name, ".") || streq(name, "..") || is_taken || !strstr(name, ".rule"))
			continue;
		fprintf(stderr, "storywatch check: warning: %s/%s: skipped: only files named "
			"NAME.rules (not hidden) are read\n", dir, name);
		n++;
	}
	return n;
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_INSTANCE_OPTIONS,
		{ "feeds", required_argument, NULL, 'f' },
		{ "rules", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct cli_instance in = CLI_INSTANCE_INIT;
	struct config_overrides *o = &in.o;
	_cleanup_free_ char *config_rules = NULL;
	const char *dir = NULL;
	struct rules_errors errors = { 0 };
	_cleanup_ruleset_ struct ruleset *rs = NULL;
	size_t n_config_errors = 0;
	bool is_usable;
	int c, r;

	in.o.is_paths_only = false;
	while ((c = getopt_long(argc, argv, "c:f:r:hv", opts, NULL)) >= 0)
		switch (c) {
		case 'c':
			o->config_file = optarg;
			break;
		case 'f':
			o->feeds_file = optarg;
			break;
		case 'r':
			dir = optarg;
			break;
		case 'h':
			check_help(stdout);
			return 0;
		default:
			if (cli_instance_option(&in, c, optarg))
				break;
			return options_report_error("storywatch check", opts, argv);
		}
	if (optind < argc) {
		fprintf(stderr, "storywatch check: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}

	if (!dir || o->config_file || o->feeds_file) {
		o->rules_dir = dir;
		n_config_errors = check_config(&in, &config_rules);
		if (!dir)
			dir = config_rules;
	}
	if (!dir) {
		fprintf(stderr, "storywatch check: %zu error%s\n", n_config_errors,
			n_config_errors == 1 ? "" : "s");
		return 1;
	}

	(void) warn_skipped(dir);
	r = rules_compile_dir(dir, &rs, &errors);
	if (r < 0) {
		rules_errors_print(&errors, stderr);
		fprintf(stderr, "storywatch check: %s: %zu error%s\n", dir, errors.n + n_config_errors,
			errors.n + n_config_errors == 1 ? "" : "s");
		rules_errors_clear(&errors);
		return 1;
	}
	is_usable = ruleset_n_storylines(rs) > 0 && ruleset_n_rules(rs) > 0;
	printf("%s: %zu storyline%s, %zu rule%s, %zu fact%s, %zu terms%s\n", dir,
	       ruleset_n_storylines(rs), ruleset_n_storylines(rs) == 1 ? "" : "s",
	       ruleset_n_rules(rs), ruleset_n_rules(rs) == 1 ? "" : "s",
	       ruleset_n_facts(rs), ruleset_n_facts(rs) == 1 ? "" : "s",
	       ruleset_n_terms(rs), is_usable ? ": OK" : "");
	/* Compiles, yet the daemon could never notify or log a thing. */
	if (!is_usable) {
		fprintf(stderr, "storywatch check: %s: no %s: storywatchd would ignore every item\n",
			dir, ruleset_n_storylines(rs) == 0 ? "storyline" : "rule");
		n_config_errors++;
	}
	if (n_config_errors) {
		fprintf(stderr, "storywatch check: %zu error%s\n", n_config_errors,
			n_config_errors == 1 ? "" : "s");
		return 1;
	}
	return 0;
}
