/* cli.h - the storywatch subcommands, one function each. */
#pragma once

/* Each takes the subcommand's own argv (argv[0] is its name) and returns the
 * process exit status. */


/* storywatch parse FILE...|-: feed documents to JSON Lines. */
int cmd_parse(int argc, char **argv);
