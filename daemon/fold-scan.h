/* fold-scan.h - the tokens of a text one at a time, none of them stored.
 *
 * fold_scan() is the tokeniser behind fold_append(), and the matcher's: the
 * matcher looks each token up as it comes and keeps only those its rules
 * know.  It is inline, so that the visitor given at a call site is inlined
 * into the loop; the tokens are those fold_append() gives (test-fold checks
 * both against the reference path).
 *
 * The common case is read 64 bytes at a time: two bit masks say where the
 * words are and whether any byte is not ASCII, and the block is folded for
 * ASCII at once, so an ASCII word is handed out where it lies.  Any other
 * word goes to fold_run(), which handles all of Unicode. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#include <emmintrin.h>
#define FOLD_SCAN_BLOCKS 1
#endif

#include "fold.h"

struct fold_word {
	const char *s;      /* folded bytes, with FOLD_SLACK readable bytes past len */
	size_t len;
	uint64_t first8;    /* fold_first8(s, len), which the scanner has at hand */
	uint32_t pos;       /* token index within the text */
};

/* Folds the tokens of s[0..n) into scratch (emptied first), numbering them
 * from pos; returns the next position.  The general path, for any text. */
uint32_t fold_run(struct fold_text *scratch, const char *s, size_t n, uint32_t pos);

/* Where the run of letters, digits and non-ASCII bytes at s[i] ends. */
size_t fold_run_end(const char *s, size_t n, size_t i);

static inline uint64_t fold_hash_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * UINT64_C(0xff51afd7ed558ccd);
	return h ^ (h >> 32);
}

static inline uint64_t fold_hash_end(uint64_t h, uint64_t w)
{
	h = (h ^ w) * UINT64_C(0xc4ceb9fe1a85ec53);
	return h ^ (h >> 29);
}

#define FOLD_HASH_SEED UINT64_C(0x9e3779b97f4a7c15)

/* fold_hash() of d[0..n), where d has FOLD_SLACK readable bytes past n:
 * the tail is one load, masked, on little-endian machines. */
static inline uint64_t fold_hash_slack(const char *d, size_t n)
{
	uint64_t h = FOLD_HASH_SEED ^ n, w;
	size_t full = n & ~(size_t)7;

	for (size_t i = 0; i < full; i += 8) {
		memcpy(&w, d + i, 8);
		h = fold_hash_mix(h, w);
	}
	if (n == full)
		return fold_hash_end(h, 0);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(&w, d + full, 8);
	w &= (UINT64_C(1) << (8 * (n - full))) - 1;
#else
	w = 0;
	for (size_t i = full; i < n; i++)
		w |= (uint64_t)(unsigned char)d[i] << (8 * (i - full));
#endif
	return fold_hash_end(h, w);
}

/* By a token's length: the mask of its bytes in its first eight. */
extern const uint64_t fold_first8_mask[FOLD_SLACK + 1];

/* The first eight bytes of a folded token, zeros past its end; s has
 * FOLD_SLACK readable bytes past len.  Filters are keyed on it: no hash
 * needs to be made for the many tokens they turn away. */
static inline uint64_t fold_first8(const char *s, size_t len)
{
	uint64_t v;

	memcpy(&v, s, 8);
	return v & fold_first8_mask[len < 8 ? len : 8];
}

/* Visits the tokens fold_run() left in scratch. */
static inline __attribute__((always_inline)) void
fold_visit_run(const struct fold_text *scratch, void (*visit)(void *, const struct fold_word *), void *ctx)
{
	for (size_t k = 0; k < scratch->n_tokens; k++) {
		const struct fold_token *t = &scratch->tokens[k];
		const char *str = fold_token_str(scratch, k);
		struct fold_word w = {
			.s = str, .len = t->len, .first8 = fold_first8(str, t->len), .pos = t->pos,
		};
		visit(ctx, &w);
	}
}

#ifdef FOLD_SCAN_BLOCKS
#define FOLD_BLOCK 64
#define FOLD_BLOCK_READ (FOLD_BLOCK + 16)  /* readable bytes a block needs */

/* Reads a block: bit i of the result says that q[i] is an ASCII letter or
 * digit, or not ASCII at all (*ret_high gets those).  lower gets the
 * FOLD_BLOCK_READ bytes of q with the case bit set, which folds ASCII
 * letters and leaves digits as they are: a short ASCII word is folded
 * where it lies. */
static inline __attribute__((always_inline)) uint64_t
fold_block(const unsigned char *q, char *lower, uint64_t *ret_high)
{
	const __m128i below_a = _mm_set1_epi8('a' - 1), above_z = _mm_set1_epi8('z' + 1);
	const __m128i below_0 = _mm_set1_epi8('0' - 1), above_9 = _mm_set1_epi8('9' + 1);
	const __m128i case_bit = _mm_set1_epi8(0x20);
	uint64_t word = 0, high = 0;

	for (unsigned k = 0; k < FOLD_BLOCK / 16; k++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(q + 16 * k));
		__m128i l = _mm_or_si128(v, case_bit);
		_mm_storeu_si128((__m128i *)(void *)(lower + 16 * k), l);
		/* Signed compares: bytes from 0x80 up are negative, in neither range. */
		__m128i letter = _mm_and_si128(_mm_cmpgt_epi8(l, below_a), _mm_cmplt_epi8(l, above_z));
		__m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, below_0), _mm_cmplt_epi8(v, above_9));
		__m128i w = _mm_or_si128(_mm_or_si128(letter, digit), v);
		word |= (uint64_t)(uint16_t)_mm_movemask_epi8(w) << (16 * k);
		high |= (uint64_t)(uint16_t)_mm_movemask_epi8(v) << (16 * k);
	}
	/* The slack past the block, for the words that end near its end. */
	_mm_storeu_si128((__m128i *)(void *)(lower + FOLD_BLOCK),
			 _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(q + FOLD_BLOCK)), case_bit));
	*ret_high = high;
	return word;
}
#endif

#ifdef FOLD_SCAN_BLOCKS
/* The words of one block of text s: starts and ends mark their first and
 * last bytes, high the bytes that are not ASCII, lower the block folded.
 * Returns the next token position. */
static inline __attribute__((always_inline)) uint32_t
fold_scan_words(const char *s, const char *lower, uint64_t starts, uint64_t ends, uint64_t high,
		uint32_t pos, struct fold_text *scratch,
		void (*visit)(void *, const struct fold_word *), void *ctx)
{
	while (starts) {
		unsigned b = (unsigned)__builtin_ctzll(starts), e = (unsigned)__builtin_ctzll(ends);
		size_t len = e - b + 1;
		starts &= starts - 1;
		ends &= ends - 1;
		if (high && (high >> b) & (~UINT64_C(0) >> (64 - len))) {
			pos = fold_run(scratch, s + b, len, pos);
			fold_visit_run(scratch, visit, ctx);
			continue;
		}
		struct fold_word w = {
			.s = lower + b, .len = len, .first8 = fold_first8(lower + b, len), .pos = pos++,
		};
		visit(ctx, &w);
	}
	return pos;
}

/* The last n < FOLD_BLOCK_READ bytes of a text into tail, zeros after them:
 * inline, for the many short texts (titles, categories). */
static inline __attribute__((always_inline)) void
fold_copy_tail(unsigned char *tail, const unsigned char *q, size_t n)
{
	for (unsigned j = 0; j < FOLD_BLOCK_READ / 16; j++)
		_mm_storeu_si128((__m128i *)(void *)(tail + 16 * j), _mm_setzero_si128());
	/* Overlapping copies, first and last, rather than a byte loop. */
	if (n >= 16) {
		for (size_t k = 0; k + 16 <= n; k += 16)
			_mm_storeu_si128((__m128i *)(void *)(tail + k),
					 _mm_loadu_si128((const __m128i *)(const void *)(q + k)));
		_mm_storeu_si128((__m128i *)(void *)(tail + n - 16),
				 _mm_loadu_si128((const __m128i *)(const void *)(q + n - 16)));
	} else if (n >= 8) {
		memcpy(tail, q, 8);
		memcpy(tail + n - 8, q + n - 8, 8);
	} else if (n >= 4) {
		memcpy(tail, q, 4);
		memcpy(tail + n - 4, q + n - 4, 4);
	} else if (n > 0) {
		tail[0] = q[0];
		tail[n / 2] = q[n / 2];
		tail[n - 1] = q[n - 1];
	}
}
#endif

/* Calls visit(ctx, word) for each token of s[0..n), in order, and returns
 * how many there were.  scratch is working memory for words that are not
 * plain ASCII; keep it between calls. */
static inline __attribute__((always_inline)) uint32_t
fold_scan(const char *s, size_t n, struct fold_text *scratch,
	  void (*visit)(void *, const struct fold_word *), void *ctx)
{
#ifdef FOLD_SCAN_BLOCKS
	const unsigned char *p = (const unsigned char *)s;
	unsigned char tail[FOLD_BLOCK_READ];
	char lower[FOLD_BLOCK_READ];
	size_t i = 0;
	uint32_t pos = 0;

	while (i < n) {
		/* The last bytes are copied, so no read goes past the text. */
		const unsigned char *q = p + i;
		if (n - i < FOLD_BLOCK_READ) {
			fold_copy_tail(tail, q, n - i);
			q = tail;
		}
		uint64_t high, bits = fold_block(q, lower, &high);
		/* A block starts at a word or between words, never inside one. */
		uint64_t starts = bits & ~(bits << 1), ends = bits & ~(bits >> 1);
		size_t next = i + FOLD_BLOCK;

		if (bits >> 63) {
			/* The last word may go on past the block: read on from its
			 * start, or the general way if it fills the block. */
			unsigned last = 63 - (unsigned)__builtin_clzll(starts);
			if (last == 0) {
				next = fold_run_end(s, n, i);
				pos = fold_run(scratch, s + i, next - i, pos);
				fold_visit_run(scratch, visit, ctx);
				i = next;
				continue;
			}
			starts &= ~(UINT64_C(1) << last);
			ends &= ~(UINT64_C(1) << 63);
			next = i + last;
		}
		/* Two copies of the loop: most blocks are plain ASCII. */
		if (high)
			pos = fold_scan_words(s + i, lower, starts, ends, high, pos, scratch, visit, ctx);
		else
			pos = fold_scan_words(s + i, lower, starts, ends, 0, pos, scratch, visit, ctx);
		i = next < n ? next : n;
	}
	return pos;
#else
	uint32_t pos = fold_run(scratch, s, n, 0);
	fold_visit_run(scratch, visit, ctx);
	return pos;
#endif
}
