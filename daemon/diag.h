/* diag.h - where a parser found a problem in its input. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

/* Filled by parsers on failure; every field may stay 0/NULL. Owned strings. */
struct diag {
	char *file;
	unsigned line;     /* 1-based; 0 = unknown */
	unsigned column;   /* 1-based; 0 = unknown */
	char *message;
};

void diag_set(struct diag *d, const char *file, unsigned line, unsigned column,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void diag_clear(struct diag *d);

/* "file:line:column: message", leaving out the parts that are unknown.
 * The caller frees. */
char *diag_format(const struct diag *d);

/* Past this many, problems are only counted: a hostile file must not make a
 * checker collect millions of messages. */
#define DIAG_LIST_MAX 100

/* Every problem found in one pass over an input, for `storywatch check`. */
struct diag_list {
	struct diag *diags;
	size_t n;
	size_t n_dropped;  /* problems found after the list was full */
};

void diag_list_add(struct diag_list *l, const char *file, unsigned line, unsigned column,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void diag_list_vadd(struct diag_list *l, const char *file, unsigned line, unsigned column,
		    const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
/* Empties l (it stays usable). */
void diag_list_clear(struct diag_list *l);
static inline void diag_list_clearp(struct diag_list *l) { diag_list_clear(l); }
#define _cleanup_diag_list_ __attribute__((cleanup(diag_list_clearp)))
