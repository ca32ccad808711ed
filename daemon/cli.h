/* cli.h - the storywatch subcommands, one function each. */
#pragma once

struct buf;

/* Reads the file at path, or standard input for "-", into b; 0, -errno, or
 * -EFBIG past b's ceiling. */
int cli_read_document(const char *path, struct buf *b);

/* Each takes the subcommand's own argv (argv[0] is its name) and returns the
 * process exit status. */


/* Each feed's last poll, HTTP status, error streak, next poll and item count. */
int cmd_status(int argc, char **argv);
/* Compiles a rules directory and prints every error with its location. */
int cmd_check(int argc, char **argv);
/* Runs the rules over feed files and explains each item's score. */
int cmd_match(int argc, char **argv);
/* storywatch parse FILE...|-: feed documents to JSON Lines. */
int cmd_parse(int argc, char **argv);
/* storywatch log: review the event log (cmd-log.c). */
int cmd_log(int argc, char **argv);
/* storywatch feeds list|add|remove|import|export: the feeds list (cmd-feeds.c). */
int cmd_feeds(int argc, char **argv);
