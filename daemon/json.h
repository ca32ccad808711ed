/* json.h - JSON text written into a struct buf.
 *
 * Separators are implied: each key or value written after another value in
 * the same object or array gets its comma.  Writers return 0 or -E2BIG. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct buf;

int json_begin_object(struct buf *b);
int json_end_object(struct buf *b);
int json_begin_array(struct buf *b);
int json_end_array(struct buf *b);
int json_key(struct buf *b, const char *key);

/* NULL writes null.  Invalid UTF-8 becomes U+FFFD; control characters, quote,
 * backslash, U+2028 and U+2029 are escaped. */
int json_string(struct buf *b, const char *s);
int json_string_len(struct buf *b, const char *s, size_t n);
int json_null(struct buf *b);
int json_bool(struct buf *b, bool v);
int json_int(struct buf *b, int64_t v);
/* Shortest form that reads back as the same double; non-finite as null. */
int json_double(struct buf *b, double v);
