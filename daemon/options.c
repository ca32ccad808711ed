/* options.c - the usage errors of storywatch and storywatchd, in one voice. */

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "options.h"

/* The long option of opts named by arg ("--name" or "--name=value"), or by
 * an abbreviation of one (getopt_long accepts those); NULL when none or
 * several. */
static const struct option *find_long(const struct option *opts, const char *arg,
				      bool *ret_is_ambiguous)
{
	const struct option *found = NULL;
	size_t n;

	*ret_is_ambiguous = false;
	if (strncmp(arg, "--", 2) != 0)
		return NULL;
	arg += 2;
	n = strcspn(arg, "=");
	for (const struct option *o = opts; o && o->name; o++)
		if (strlen(o->name) == n && strncmp(o->name, arg, n) == 0)
			return o;
	for (const struct option *o = opts; o && o->name; o++)
		if (n > 0 && strncmp(o->name, arg, n) == 0) {
			if (found && found->val != o->val) {
				*ret_is_ambiguous = true;
				return NULL;
			}
			found = o;
		}
	return found;
}

static const struct option *find_short(const struct option *opts, int c)
{
	for (; opts && opts->name; opts++)
		if (opts->val == c && !opts->flag)
			return opts;
	return NULL;
}

int options_report_error(const char *prog, const struct option *opts, char **argv)
{
	/* getopt has stepped over the option it turned away. */
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	const struct option *o;
	bool is_ambiguous = false;

	if (!arg)
		arg = "";
	if (strncmp(arg, "--", 2) == 0) {
		o = find_long(opts, arg, &is_ambiguous);
		if (o && o->has_arg == no_argument)
			fprintf(stderr, "%s: option '--%s' takes no argument", prog, o->name);
		else if (o)
			fprintf(stderr, "%s: option '--%s' needs an argument", prog, o->name);
		else if (is_ambiguous)
			fprintf(stderr, "%s: ambiguous option '%s'", prog, arg);
		else
			fprintf(stderr, "%s: unknown option '%s'", prog, arg);
	} else if (optopt > 0 && optopt < 0x100) {
		o = find_short(opts, optopt);
		if (o && o->has_arg == required_argument)
			fprintf(stderr, "%s: option '-%c' needs an argument", prog, optopt);
		else
			fprintf(stderr, "%s: unknown option '-%c'", prog, optopt);
	} else
		fprintf(stderr, "%s: unknown option '%s'", prog, arg);
	fprintf(stderr, " (see '%s --help')\n", prog);
	return 2;
}
