/* markup.c - text into XML and HTML. */

#include <string.h>

#include "buf.h"
#include "markup.h"

int markup_escape(struct buf *b, const char *s)
{
	int r = 0;

	while (*s && r >= 0) {
		size_t n = strcspn(s, "&<>\"'");

		r = buf_append(b, s, n);
		s += n;
		if (r < 0 || !*s)
			break;
		switch (*s++) {
		case '&': r = buf_puts(b, "&amp;"); break;
		case '<': r = buf_puts(b, "&lt;"); break;
		case '>': r = buf_puts(b, "&gt;"); break;
		case '"': r = buf_puts(b, "&quot;"); break;
		case '\'': r = buf_puts(b, "&#39;"); break;
		}
	}
	return r;
}

int markup_pct_encode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int r = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p && r >= 0; p++) {
		/* RFC 3986 section 2.3. */
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			r = buf_putc(b, (char)*p);
		else {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };

			r = buf_append(b, e, 3);
		}
	}
	return r;
}
