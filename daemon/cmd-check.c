/* cmd-check.c - storywatch check: compile the rules and report every error. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "rules.h"
#include "util.h"

static void check_help(FILE *f)
{
	fprintf(f,
		"Usage: storywatch check [--rules DIR]\n"
		"\n"
		"Compile every *.rules file of DIR (default %s) and print each error\n"
		"with its file, line and column.  Exit 1 on any error.\n",
		PKGDATADIR "/rules");
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *dir = PKGDATADIR "/rules";
	struct rules_errors errors = { 0 };
	_cleanup_ruleset_ struct ruleset *rs = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "r:h", opts, NULL)) >= 0)
		switch (c) {
		case 'r':
			dir = optarg;
			break;
		case 'h':
			check_help(stdout);
			return 0;
		default:
			check_help(stderr);
			return 2;
		}
	if (optind < argc) {
		fprintf(stderr, "storywatch check: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}

	r = rules_compile_dir(dir, &rs, &errors);
	if (r < 0) {
		rules_errors_print(&errors, stderr);
		fprintf(stderr, "storywatch check: %s: %zu error%s\n", dir, errors.n,
			errors.n == 1 ? "" : "s");
		rules_errors_clear(&errors);
		return 1;
	}
	printf("%s: %zu storyline%s, %zu rule%s, %zu fact%s, %zu terms: OK\n", dir,
	       ruleset_n_storylines(rs), ruleset_n_storylines(rs) == 1 ? "" : "s",
	       ruleset_n_rules(rs), ruleset_n_rules(rs) == 1 ? "" : "s",
	       ruleset_n_facts(rs), ruleset_n_facts(rs) == 1 ? "" : "s",
	       ruleset_n_terms(rs));
	return 0;
}
