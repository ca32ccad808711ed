/* fuzz-fold.c - libFuzzer target: the scanner behind fold_append() (64-byte
 * blocks, the two-byte table) against the reference path, which folds every
 * non-ASCII word through utf8proc_map().  Any difference aborts. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "fold-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_fold_text_ struct fold_text fast = { 0 }, ref = { 0 };
	const char *s = (const char *)data;

	if (size > 1 << 16)
		return 0;
	fold_append(&fast, s, size);
	fold_append_reference(&ref, s, size);
	if (fast.n_tokens != ref.n_tokens)
		abort();
	for (size_t i = 0; i < fast.n_tokens; i++) {
		const struct fold_token *a = &fast.tokens[i], *b = &ref.tokens[i];
		if (a->pos != b->pos || a->len != b->len || a->hash != b->hash ||
		    memcmp(fold_token_str(&fast, i), fold_token_str(&ref, i), a->len + 1) != 0 ||
		    a->hash != fold_hash(fold_token_str(&fast, i), a->len))
			abort();
	}
	return 0;
}
