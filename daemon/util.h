/* util.h - allocation that aborts on exhaustion, cleanup helpers. */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_ __attribute__((unused))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define USEC_PER_SEC  UINT64_C(1000000)
#define USEC_PER_MSEC UINT64_C(1000)

/* Hand an owned pointer out of a cleanup-managed local. */
#define steal_ptr(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })

static inline void freep(void *p) { free(*(void **)p); }
#define _cleanup_free_ _cleanup_(freep)

/* Out of memory is not an input error: these abort with a message. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) _printf_(1, 2);
char *xvasprintf(const char *fmt, va_list ap) _printf_(1, 0);

/* Returns a copy of s, or NULL when s is NULL. */
char *xstrdup_or_null(const char *s);

/* Writes all of data[0..n) to fd, again after EINTR and short writes;
 * 0 or negative errno. */
int write_all(int fd, const void *data, size_t n);

static inline int streq(const char *a, const char *b) { return a && b && __builtin_strcmp(a, b) == 0; }
/* Also true when both are NULL. */
static inline int streq_ptr(const char *a, const char *b) { return a == b || streq(a, b); }

/* A NULL-terminated array of owned strings. */
void strv_free(char **v);
static inline void strv_freep(char ***v) { strv_free(*v); }
#define _cleanup_strv_free_ _cleanup_(strv_freep)
