/* cli.h - the storywatch subcommands, one function each. */
#pragma once

/* Each takes the subcommand's own argv (argv[0] is its name) and returns the
 * process exit status. */


/* storywatch log: review the event log (cmd-log.c). */
int cmd_log(int argc, char **argv);
