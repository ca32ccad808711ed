/* fold-internal.h - for tests: the slower reference path of fold_append(). */
#pragma once

#include <stddef.h>

struct fold_text;

/* As fold_append(), but every non-ASCII token goes through utf8proc_map(),
 * composition included; fold_append() must always give the same tokens. */
size_t fold_append_reference(struct fold_text *t, const char *s, size_t n);
