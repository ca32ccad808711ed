/* parse.h - feed documents (RSS 0.9x/1.0/2.0, Atom 0.3/1.0) to items.
 *
 * Bytes in, items out: no network, no database, no logging. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct diag;

/* Marks an absent date in feed_item.published/updated. */
#define PARSE_NO_DATE INT64_MIN

/* Default input ceiling, SPEC section 9. */
#define PARSE_MAX_BYTES_DEFAULT (8u * 1024 * 1024)

/* One entry.  Every string is plain UTF-8 text or NULL (never ""), owned by
 * the feed it belongs to. */
struct feed_item {
	char *title;
	char *link;           /* absolute where a base was known */
	char *id;             /* guid / atom:id / rdf:about as given */
	char *author;
	char *summary;
	int64_t published;    /* seconds since the epoch, UTC, or PARSE_NO_DATE */
	int64_t updated;      /* likewise */
	char **categories;    /* n_categories entries, no duplicates */
	size_t n_categories;
};

/* When a publisher says it updates, or asks not to be polled: RSS 2.0
 * <skipHours> and <skipDays>, and the RSS 1.0 syndication module.  All zero
 * when the feed says nothing. */
struct feed_schedule {
	uint32_t skip_hours;        /* bit h: not during hour h (0-23), UTC */
	uint8_t skip_days;          /* bit d: not on day d, 0 = Sunday ... 6 = Saturday, UTC */
	uint64_t update_every_sec;  /* sy:updatePeriod / sy:updateFrequency; 0 = not given */
	int64_t update_base;        /* sy:updateBase, seconds since the epoch; 0 = not given */
};

struct feed {
	char *title;
	char *link;           /* the channel's / feed's alternate link */
	unsigned ttl_minutes; /* RSS <ttl>, 0 when absent */
	struct feed_schedule schedule;
	struct feed_item *items;
	size_t n_items;
};

struct parse_options {
	size_t max_bytes;     /* 0 = PARSE_MAX_BYTES_DEFAULT */
	const char *base_url; /* the document's URL, for relative links; may be NULL */
};

/* Parses one feed document.  Returns 0 with *ret set (possibly with no items),
 * -EFBIG when the input exceeds the ceiling, -EBADMSG when it is not a feed or
 * cannot be read at all; diag, when given, then says why, naming what the
 * document is instead (empty, JSON, an HTML page and the feeds it links to, a
 * directory listing, a sitemap, another XML document). */
int parse_feed(const void *data, size_t len, const struct parse_options *opts,
	       struct feed **ret, struct diag *diag);

/* What a web page says about itself: its <title> and the feeds it links to
 * (<link rel="alternate" type="application/rss+xml|atom+xml" href>), absolute
 * where base_url is given, at most 16. */
struct parse_html_page {
	char *title;          /* plain text, or NULL */
	char **feeds;
	size_t n_feeds;
};

/* Reads an HTML document with libxml2's HTML parser; 0, or -EBADMSG when
 * nothing could be read. */
int parse_html_page(const void *data, size_t len, const char *base_url,
		    struct parse_html_page *ret);
void parse_html_page_done(struct parse_html_page *page);

void feed_free(struct feed *f);
static inline void feed_freep(struct feed **f) { feed_free(*f); }
#define _cleanup_feed_ __attribute__((cleanup(feed_freep)))
