/* options.h - one wording for a command line getopt_long(3) turned away. */
#pragma once

struct option;

/* After getopt_long returned '?' or ':' (with opterr = 0): prints
 * "PROG: unknown option '--x'" or "PROG: option '--x' needs an argument" and
 * where to read the usage, on stderr.  prog is "storywatchd" or
 * "storywatch CMD".  Returns 2, the exit status of a usage error. */
int options_report_error(const char *prog, const struct option *opts, char **argv);
