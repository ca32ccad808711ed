/* fold.c - tokenise and fold text with libutf8proc. */

#include <stdbool.h>
#include <string.h>
#include <utf8proc.h>

#include "buf.h"
#include "fold.h"
#include "utf8.h"
#include "util.h"

/* NFKC (compatibility decomposition, then composition), case folding, marks
 * stripped after decomposition, default-ignorable code points (soft hyphen,
 * zero-width joiners) dropped. */
#define FOLD_OPTIONS (UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | \
		      UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE)

uint64_t fold_hash(const char *s, size_t n)
{
	uint64_t h = FOLD_HASH_INIT;

	for (size_t i = 0; i < n; i++)
		h = fold_hash_step(h, (unsigned char)s[i]);
	return h;
}

static bool is_word_cp(uint32_t cp)
{
	/* The modifier letter apostrophe is a letter to Unicode, but Ukrainian
	 * writes it where others type ' or ’: all three must split alike. */
	if (cp == 0x2bc)
		return false;
	switch (utf8proc_category((utf8proc_int32_t)cp)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
	case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
		return true;
	default:
		return false;
	}
}

/* Soft hyphen, zero-width (non-)joiner: inside a word they do not split it. */
static bool is_inner_cp(uint32_t cp)
{
	return utf8proc_category((utf8proc_int32_t)cp) == UTF8PROC_CATEGORY_CF;
}

static bool is_ascii_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Case folding keeps Turkish dotless ı apart from i; news spellings do not. */
static utf8proc_int32_t fold_custom(utf8proc_int32_t cp, void *data)
{
	return cp == 0x131 ? 'i' : cp;
}

static void push_token(struct fold_text *t, const char *s, size_t n, uint32_t pos)
{
	if (t->n_tokens == t->cap_tokens) {
		t->cap_tokens = t->cap_tokens ? t->cap_tokens * 2 : 64;
		t->tokens = xreallocarray(t->tokens, t->cap_tokens, sizeof(*t->tokens));
	}
	if (t->buf_len + n + 1 > t->buf_cap) {
		t->buf_cap = MAX(t->buf_cap * 2, t->buf_len + n + 1 + 1024);
		t->buf = xrealloc(t->buf, t->buf_cap);
	}
	memcpy(t->buf + t->buf_len, s, n);
	t->buf[t->buf_len + n] = '\0';
	t->tokens[t->n_tokens++] = (struct fold_token){
		.off = (uint32_t)t->buf_len, .len = (uint32_t)n, .pos = pos, .hash = fold_hash(s, n),
	};
	t->buf_len += n + 1;
}

/* Appends the folded form of one raw token; folding may split it (NFKC turns
 * "½" into "1⁄2") or empty it, so the result is tokenised again. */
static uint32_t push_folded(struct fold_text *t, const char *s, size_t n, uint32_t pos)
{
	bool is_ascii = true;
	char small[64];

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80) {
			is_ascii = false;
			break;
		}
	if (is_ascii && n <= sizeof(small)) {
		/* NFKC and case folding of ASCII letters and digits is tolower(). */
		for (size_t i = 0; i < n; i++)
			small[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
		push_token(t, small, n, pos);
		return pos + 1;
	}

	utf8proc_uint8_t *out = NULL;
	utf8proc_ssize_t m = utf8proc_map_custom((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n,
						 &out, FOLD_OPTIONS, fold_custom, NULL);
	if (m < 0) {
		/* Only ill-formed input fails, and the caller passes decoded runs. */
		free(out);
		return pos;
	}
	size_t i = 0, start = 0;
	bool in_word = false;
	while (i < (size_t)m) {
		uint32_t cp;
		int l = utf8_decode(out + i, (size_t)m - i, &cp);
		if (l < 0)
			l = 1, cp = 0;
		bool w = cp && is_word_cp(cp);
		if (w && !in_word)
			start = i, in_word = true;
		else if (!w && in_word) {
			push_token(t, (const char *)out + start, i - start, pos++);
			in_word = false;
		}
		i += (size_t)l;
	}
	if (in_word)
		push_token(t, (const char *)out + start, (size_t)m - start, pos++);
	free(out);
	return pos;
}

size_t fold_append(struct fold_text *t, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t before = t->n_tokens, i = 0, start = 0;
	uint32_t pos = 0;
	bool in_word = false;

	while (i < n) {
		uint32_t cp;
		int l;
		bool w, inner = false;

		if (p[i] < 0x80) {
			cp = p[i];
			l = 1;
			w = is_ascii_word(p[i]);
		} else {
			l = utf8_decode(p + i, n - i, &cp);
			if (l < 0) {
				l = 1;
				w = false;
			} else {
				w = is_word_cp(cp);
				inner = !w && is_inner_cp(cp);
			}
		}
		if (w && !in_word) {
			start = i;
			in_word = true;
		} else if (!w && !inner && in_word) {
			pos = push_folded(t, s + start, i - start, pos);
			in_word = false;
		}
		i += (size_t)l;
	}
	if (in_word)
		(void)push_folded(t, s + start, n - start, pos);
	return t->n_tokens - before;
}

void fold_reset(struct fold_text *t)
{
	t->buf_len = 0;
	t->n_tokens = 0;
}

void fold_text_free(struct fold_text *t)
{
	if (!t)
		return;
	free(t->buf);
	free(t->tokens);
	*t = (struct fold_text){ 0 };
}

char *fold_string(const char *s, size_t n)
{
	_cleanup_fold_text_ struct fold_text t = { 0 };
	_cleanup_buf_ struct buf b;

	buf_init(&b, 0);
	fold_append(&t, s, n);
	for (size_t i = 0; i < t.n_tokens; i++) {
		if (i)
			(void)buf_putc(&b, ' ');
		(void)buf_puts(&b, fold_token_str(&t, i));
	}
	return buf_steal(&b);
}
