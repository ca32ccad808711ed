/* text.h - feed text to plain text: HTML flattening, entity decoding,
 * whitespace collapsing, and the repairs feed readers expect.
 *
 * The rules follow what Universal Feed Parser users see (see
 * shared/conformance/NORMALIZATION.md); they are pure functions on UTF-8. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum text_kind {
	TEXT_PLAIN,   /* whitespace collapsed only */
	TEXT_HTML,    /* tags stripped, entities decoded, then collapsed */
};

/* Returns the plain text of s[0..n) as a new string, or NULL when nothing but
 * whitespace is left.  Before flattening, the value is trimmed (Python's
 * str.strip() set), repaired from UTF-8 read as Latin-1 when
 * repair_latin1 is set, and C1 controls become their windows-1252
 * characters. */
char *text_normalize(const char *s, size_t n, enum text_kind kind, bool repair_latin1);

/* Whether an RSS value of no declared type is really HTML: it has a close tag
 * or an entity/character reference, every tag is a known HTML element and
 * every named entity an HTML 4 one (feedparser's looks_like_html). */
bool text_looks_like_html(const char *s, size_t n);

/* Looks up an HTML5 named reference; name[0..n) may end in ';'.  Returns the
 * replacement (borrowed) or NULL. */
const char *text_entity_lookup(const char *name, size_t n);

/* Looks up an HTML 4 entity name (no ';'), as Python's name2codepoint
 * knows them, plus apos.  Returns the replacement (borrowed) or NULL. */
const char *text_html4_entity(const char *name, size_t n);

/* Whether cp has the Unicode White_Space property. */
bool text_is_space(uint32_t cp);

/* The windows-1252 character for a C1 control (U+0080..U+009F); other code
 * points, and the five undefined bytes, map to themselves. */
uint32_t text_cp1252(uint32_t cp);
