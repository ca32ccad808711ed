/* fold.h - Unicode text to folded word tokens, the matcher's unit of comparison.
 *
 * A token is a run of letters, marks and digits (format characters such as
 * the soft hyphen may sit inside one).  Each token is folded with libutf8proc:
 * NFKC, case folding, marks stripped, so "Zelenskyy", "ZELENSKYY" and
 * "Zelénskyy" compare equal, "Straße" becomes "strasse" and "Київ" "киів".
 * Dotless ı also folds to i, so Turkish spellings meet their ASCII forms. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Bytes readable past the end of every folded token, for hashing in words. */
#define FOLD_SLACK 8

struct fold_token {
	uint32_t off;   /* into fold_text.buf; the folded bytes are NUL-terminated */
	uint32_t len;   /* folded length in bytes */
	uint32_t pos;   /* token index within the text passed to fold_append() */
	uint64_t hash;  /* fold_hash() of the folded bytes */
};

/* Tokens of one or more texts; reuse one across calls with fold_reset(). */
struct fold_text {
	char *buf;
	size_t buf_len, buf_cap;
	struct fold_token *tokens;
	size_t n_tokens, cap_tokens;
};

/* Appends the tokens of s[0..n) (UTF-8; ill-formed bytes separate tokens),
 * numbering them from 0.  Returns the number of tokens appended. */
size_t fold_append(struct fold_text *t, const char *s, size_t n);

void fold_reset(struct fold_text *t);
void fold_text_free(struct fold_text *t);
static inline void fold_text_freep(struct fold_text *t) { fold_text_free(t); }
#define _cleanup_fold_text_ __attribute__((cleanup(fold_text_freep)))

static inline const char *fold_token_str(const struct fold_text *t, size_t i)
{
	return t->buf + t->tokens[i].off;
}

/* A hash of folded bytes, eight at a time.  dedup keeps hashes of words in
 * the state file, so it must not change; it is the same on machines of one
 * byte order only. */
uint64_t fold_hash(const char *s, size_t n);

/* Folds s[0..n) and joins its tokens with single spaces: "Straße, Київ!" gives
 * "strasse киів".  The caller frees the result. */
char *fold_string(const char *s, size_t n);
