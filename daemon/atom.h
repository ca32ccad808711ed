/* atom.h - the Atom 1.0 feed of a storyline (RFC 4287, SPEC section 7): one
 * entry per development, its other reports and updates in the content, its
 * rules as categories.  Built from the event log, for the daemon's
 * STATE_DIR/STORYLINE.atom and for storywatch feed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct buf;
struct evlog_entry;

/* Names usable as STORYLINE in a file name and a tag: URI: 1 to 128 bytes,
 * no '/', no control character, not starting with '.'. */
bool atom_is_storyline_name(const char *name);

/* Appends the document for storyline to out: the latest max_entries
 * developments among ev (the whole log, in log order, already grouped by
 * evlog_group()), newest first.  now is the feed's <updated> when there is
 * no development. */
void atom_build(struct evlog_entry **ev, size_t n, const char *storyline, size_t max_entries,
		time_t now, struct buf *out);

/* Reads event_log, builds the document for storyline and replaces
 * dir/STORYLINE.atom atomically (temporary file, fsync, rename, fsync of the
 * directory).  0 or -errno; -EINVAL for a storyline name not fit for a file. */
int atom_write(const char *dir, const char *event_log, const char *storyline,
	       size_t max_entries);
