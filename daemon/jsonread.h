/* jsonread.h - a strict JSON reader (RFC 8259) into a small tree.
 *
 * For reading back our own event log, which is outside input once it is on
 * disk: nesting depth is bounded, strings must be valid UTF-8 and may not hold
 * unpaired surrogates, and nothing but one value (and whitespace) is accepted. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct diag;

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_member;

/* A node; the whole tree is owned by its root. */
struct json_value {
	enum json_type type;
	union {
		double number;
		struct {
			char *s;               /* NUL-terminated; may hold \u0000 */
			size_t len;
		} string;
		struct {
			struct json_value **items;
			size_t n;
		} array;
		struct {
			struct json_member *members;   /* in document order */
			size_t n;
		} object;
	};
};

struct json_member {
	char *key;
	size_t key_len;
	struct json_value *value;
};

#define JSONREAD_MAX_DEPTH_DEFAULT 64

/* Parses exactly one JSON text from s[0..len).  -EBADMSG for anything that is
 * not JSON (diag gets the column, 1-based byte offset, and why), -ELOOP past
 * max_depth nested arrays and objects. */
int jsonread_parse(const char *s, size_t len, unsigned max_depth,
		   struct json_value **ret, struct diag *diag);
void jsonread_free(struct json_value *v);
static inline void jsonread_freep(struct json_value **v) { jsonread_free(*v); }
#define _cleanup_jsonread_ __attribute__((cleanup(jsonread_freep)))

/* The value of key in an object (the first, if a key repeats); NULL when v is
 * not an object or has no such key.  Borrowed. */
const struct json_value *jsonread_get(const struct json_value *v, const char *key);

/* The string at key, or NULL when absent or not a string.  Borrowed. */
const char *jsonread_get_string(const struct json_value *v, const char *key);

/* true and *ret set when key holds a number. */
bool jsonread_get_number(const struct json_value *v, const char *key, double *ret);
