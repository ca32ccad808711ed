/* markup.h - text into XML and HTML, for the Atom feed and the report. */
#pragma once

struct buf;

/* Appends s with & < > " ' as character references: safe as XML or HTML
 * text and inside a quoted attribute.  s must hold only characters XML
 * allows, as evlog_scrub() leaves them.  0 or -E2BIG past b's ceiling. */
int markup_escape(struct buf *b, const char *s);

/* Appends s with every byte but the RFC 3986 unreserved ones percent-encoded:
 * a name or an id made safe inside a URI. */
int markup_pct_encode(struct buf *b, const char *s);
