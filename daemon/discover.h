/* discover.h - the feeds a web page names in <link rel="alternate">, so that
 * a user may give a site's address where a feed's is wanted.
 *
 * Bytes in, URLs out: no network. */
#pragma once

#include <stddef.h>

struct discovered_feed {
	char *url;      /* absolute, http or https */
	char *title;    /* the link's title attribute, NULL when none */
	char *type;     /* "application/rss+xml", "application/atom+xml", ... */
};

/* Reads an HTML page (libxml2's forgiving HTML parser) and returns every
 * <link rel="alternate"> with an RSS or Atom type, its href resolved against
 * <base href> and page_url, once each, in document order.  *ret_title gets
 * the page's <title> (NULL when none; pass NULL not to ask).  Returns 0,
 * also with no feed found, or -EBADMSG when the bytes are no document. */
int discover_feeds(const void *html, size_t len, const char *page_url,
		   struct discovered_feed **ret, size_t *ret_n, char **ret_title);

void discovered_feeds_free(struct discovered_feed *f, size_t n);
