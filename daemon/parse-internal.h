/* parse-internal.h - parse.c internals the unit tests exercise. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* How the input bytes were read. */
enum parse_charset {
	PARSE_CHARSET_UTF8,      /* declared or undeclared, and valid */
	PARSE_CHARSET_UTF16,     /* BOM or declaration, UTF-16/32 */
	PARSE_CHARSET_LATIN1,    /* ISO-8859-1 / windows-1252 family, or the fallback */
	PARSE_CHARSET_ICONV,     /* another declared charset, through iconv */
};

/* Converts a document to UTF-8: BOM, then the XML declaration, then UTF-8 if
 * valid, else windows-1252 (Latin-1 bytes; C1 controls are mapped later, per
 * field).  Leading bytes before the first '<' are dropped.  Returns a new
 * NUL-terminated buffer (the caller's) or NULL when no '<' is left. */
char *parse_to_utf8(const void *data, size_t len, size_t *ret_len, enum parse_charset *ret_charset);

/* Resolves ref against base the way Python's urllib.parse.urljoin() does
 * (RFC 3986 section 5.2 for the hierarchical schemes).  Returns a new string. */
char *parse_urljoin(const char *base, const char *ref);

/* Whether s has a URI scheme (Python's urlsplit() test). */
bool parse_url_is_absolute(const char *s);
