/* utf8.h - strict UTF-8 decoding and encoding (RFC 3629). */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Decodes one code point from p[0..n); returns its length (1-4), or -1 for an
 * ill-formed sequence (overlong, surrogate, > U+10FFFF, truncated). */
int utf8_decode(const unsigned char *p, size_t n, uint32_t *ret_cp);

/* Writes cp (<= U+10FFFF, surrogates become U+FFFD) to out; returns 1-4. */
int utf8_encode(uint32_t cp, char out[4]);

/* Returns a copy of s[0..n) with every ill-formed sequence replaced by U+FFFD
 * and NUL bytes dropped.  The caller frees it. */
char *utf8_repair(const char *s, size_t n);
