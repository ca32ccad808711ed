/* opml.h - the feed subscriptions in an OPML file, as feed readers export them.
 *
 * Bytes in, outlines out: no network, no entities, no DTD. */
#pragma once

#include <stddef.h>

struct diag_list;

/* Larger inputs are refused before libxml2 sees them. */
#define OPML_MAX_BYTES (4u * 1024 * 1024)

/* One outline element that carries an xmlUrl. */
struct opml_outline {
	char *url;        /* the xmlUrl attribute as given, whitespace trimmed */
	char *title;      /* title, else text; NULL when neither */
	unsigned line;    /* of the outline element, for diagnostics */
};

/* Reads every outline with an xmlUrl, in document order, however deeply the
 * folders nest.  Returns 0 with the outlines, or -EINVAL (-EFBIG past
 * OPML_MAX_BYTES) with the problems in diags, each naming file and line.
 * A document type declaration is refused: OPML has no use for one, and
 * refusing it shuts out every entity trick. */
int opml_read(const void *data, size_t len, const char *file,
	      struct opml_outline **ret, size_t *ret_n, struct diag_list *diags);

void opml_outlines_free(struct opml_outline *o, size_t n);
