/* cli.h - the storywatch subcommands, one function each. */
#pragma once

/* Each takes the subcommand's own argv (argv[0] is its name) and returns the
 * process exit status. */

