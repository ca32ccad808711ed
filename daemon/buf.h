/* buf.h - a growable byte buffer with a ceiling set when it is created. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

#include "util.h"

struct buf {
	char *data;     /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t max;     /* appending past this fails with -E2BIG */
};

/* max = 0 means no ceiling: only for data we produce ourselves. */
void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
static inline void buf_freep(struct buf *b) { buf_free(b); }
#define _cleanup_buf_ _cleanup_(buf_freep)

/* All return 0, or -E2BIG (buffer left unchanged) past the ceiling. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) _printf_(2, 3);
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) _printf_(2, 0);

void buf_reset(struct buf *b);

/* Appends all that fd gives until its end; -EFBIG past the ceiling (what
 * was read stays), -errno when a read fails. */
int buf_read_fd(struct buf *b, int fd);

/* Returns the NUL-terminated contents (the caller's) and empties b. */
char *buf_steal(struct buf *b);

/* Contents as a C string; "" for an empty buffer. Borrowed. */
const char *buf_str(const struct buf *b);
