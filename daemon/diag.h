/* diag.h - where a parser found a problem in its input. */
#pragma once

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
