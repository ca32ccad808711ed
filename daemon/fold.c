/* fold.c - tokenise and fold text with libutf8proc. */

#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <utf8proc.h>

#include "buf.h"
#include "fold.h"
#include "fold-internal.h"
#include "fold-scan.h"
#include "utf8.h"
#include "util.h"

/* NFKC (compatibility decomposition, then composition), case folding, marks
 * stripped after decomposition, default-ignorable code points (soft hyphen,
 * zero-width joiners) dropped. */
#define FOLD_OPTIONS (UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | \
		      UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE)

uint64_t fold_hash(const char *s, size_t n)
{
	uint64_t h = FOLD_HASH_SEED ^ n, w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = fold_hash_mix(h, w);
	}
	w = 0;
	for (size_t i = 0; i < n; i++)
		w |= (uint64_t)(unsigned char)s[i] << (8 * i);
	return fold_hash_end(h, w);
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

/* For one code point at a time: the composition step is left out. */
#define FOLD_DECOMPOSE (UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | \
			UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE)

/* Case folding keeps Turkish dotless ı apart from i; news spellings do not. */
static utf8proc_int32_t fold_custom(utf8proc_int32_t cp, void *data)
{
	return cp == 0x131 ? 'i' : cp;
}

/* Room for one more token of n bytes; returns where its bytes go. */
static inline char *reserve(struct fold_text *t, size_t n)
{
	if (t->n_tokens == t->cap_tokens) {
		t->cap_tokens = t->cap_tokens ? t->cap_tokens * 2 : 64;
		t->tokens = xreallocarray(t->tokens, t->cap_tokens, sizeof(*t->tokens));
	}
	if (t->buf_len + n + 1 + FOLD_SLACK > t->buf_cap) {
		t->buf_cap = MAX(t->buf_cap * 2, t->buf_len + n + 1 + FOLD_SLACK + 1024);
		t->buf = xrealloc(t->buf, t->buf_cap);
	}
	return t->buf + t->buf_len;
}

/* Commits the n bytes written at reserve()'s pointer as a token. */
static inline void commit(struct fold_text *t, size_t n, uint64_t hash, uint32_t pos)
{
	t->buf[t->buf_len + n] = '\0';
	t->tokens[t->n_tokens++] = (struct fold_token){
		.off = (uint32_t)t->buf_len, .len = (uint32_t)n, .pos = pos, .hash = hash,
	};
	t->buf_len += n + 1;
}

static void push_token(struct fold_text *t, const char *s, size_t n, uint32_t pos)
{
	memcpy(reserve(t, n), s, n);
	commit(t, n, fold_hash(s, n), pos);
}

/* Splits folded UTF-8 at the characters that are not word characters. */
static uint32_t push_split(struct fold_text *t, const unsigned char *out, size_t m, uint32_t pos)
{
	size_t i = 0, start = 0;
	bool in_word = false;

	while (i < m) {
		uint32_t cp;
		int l = utf8_decode(out + i, m - i, &cp);
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
		push_token(t, (const char *)out + start, m - start, pos++);
	return pos;
}

/* The reference: the whole token through utf8proc_map(), decomposition and
 * recomposition included. */
static uint32_t push_mapped(struct fold_text *t, const char *s, size_t n, uint32_t pos)
{
	utf8proc_uint8_t *out = NULL;
	utf8proc_ssize_t m = utf8proc_map_custom((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n,
						 &out, FOLD_OPTIONS, fold_custom, NULL);

	/* Only ill-formed input fails, and the caller passes decoded runs. */
	if (m >= 0)
		pos = push_split(t, out, (size_t)m, pos);
	free(out);
	return pos;
}

/* Hangul jamo compose with each other after decomposition: the only
 * composition left once marks are stripped. */
static bool is_hangul(uint32_t cp)
{
	return (cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0x3130 && cp <= 0x318f) ||
	       (cp >= 0xa960 && cp <= 0xa97f) || (cp >= 0xac00 && cp <= 0xd7ff);
}

/* The same result as push_mapped() without its allocations: each code point
 * is decomposed, case-folded and stripped of marks on its own, which is
 * exact as long as nothing is left to compose (test-fold checks every code
 * point against push_mapped()). */
static uint32_t push_decomposed(struct fold_text *t, const char *s, size_t n, uint32_t pos)
{
	unsigned char small[256];
	size_t m = 0;

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		utf8proc_int32_t dst[16];
		int bc = 0;
		int l = utf8_decode((const unsigned char *)s + i, n - i, &cp);

		if (l < 0 || is_hangul(cp))
			return push_mapped(t, s, n, pos);
		i += (size_t)l;
		utf8proc_ssize_t k = utf8proc_decompose_char(fold_custom((utf8proc_int32_t)cp, NULL),
							     dst, (utf8proc_ssize_t)ELEMENTSOF(dst),
							     FOLD_DECOMPOSE, &bc);
		if (k < 0 || k > (utf8proc_ssize_t)ELEMENTSOF(dst) || m + 4 * (size_t)k > sizeof(small))
			return push_mapped(t, s, n, pos);
		for (utf8proc_ssize_t j = 0; j < k; j++)
			m += (size_t)utf8_encode((uint32_t)dst[j], (char *)small + m);
	}
	return push_split(t, small, m, pos);
}

/* Appends the folded form of one raw token; folding may split it (NFKC turns
 * "½" into "1⁄2") or empty it, so the result is tokenised again. */
static uint32_t push_folded(struct fold_text *t, const char *s, size_t n, uint32_t pos,
			    bool is_reference)
{
	char *d;

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return is_reference ? push_mapped(t, s, n, pos) : push_decomposed(t, s, n, pos);

	/* NFKC and case folding of ASCII letters and digits is tolower(). */
	d = reserve(t, n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		d[i] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
	}
	commit(t, n, fold_hash_slack(d, n), pos);
	return pos + 1;
}

/* ASCII letters and digits to their folded byte, 0 for other ASCII, and
 * NON_ASCII for the bytes of longer UTF-8 sequences. */
#define NON_ASCII 0xff
static const unsigned char ascii_fold[256] = {
	[0x80 ... 0xff] = NON_ASCII,
	['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
	['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
	['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e', ['f'] = 'f',
	['g'] = 'g', ['h'] = 'h', ['i'] = 'i', ['j'] = 'j', ['k'] = 'k', ['l'] = 'l',
	['m'] = 'm', ['n'] = 'n', ['o'] = 'o', ['p'] = 'p', ['q'] = 'q', ['r'] = 'r',
	['s'] = 's', ['t'] = 't', ['u'] = 'u', ['v'] = 'v', ['w'] = 'w', ['x'] = 'x',
	['y'] = 'y', ['z'] = 'z',
	['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e', ['F'] = 'f',
	['G'] = 'g', ['H'] = 'h', ['I'] = 'i', ['J'] = 'j', ['K'] = 'k', ['L'] = 'l',
	['M'] = 'm', ['N'] = 'n', ['O'] = 'o', ['P'] = 'p', ['Q'] = 'q', ['R'] = 'r',
	['S'] = 's', ['T'] = 't', ['U'] = 'u', ['V'] = 'v', ['W'] = 'w', ['X'] = 'x',
	['Y'] = 'y', ['Z'] = 'z',
};

/* Where the token starting at i ends, by code point class. */
static size_t token_end(const unsigned char *p, size_t n, size_t i)
{
	while (i < n) {
		uint32_t cp;
		int l;
		if (p[i] < 0x80) {
			if (!ascii_fold[p[i]])
				break;
			i++;
			continue;
		}
		l = utf8_decode(p + i, n - i, &cp);
		if (l < 0 || !(is_word_cp(cp) || is_inner_cp(cp)))
			break;
		i += (size_t)l;
	}
	return i;
}

/* The general path, a byte at a time: any text, any length of word. */
static uint32_t append_scalar(struct fold_text *t, const char *s, size_t n, uint32_t pos,
			      bool is_reference)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t start = i;
		unsigned char c = ascii_fold[p[i]];

		if (c == 0) {
			i++;
			continue;
		}
		if (c != NON_ASCII) {
			char *d = reserve(t, n - i);
			size_t len = 0;
			do {
				d[len++] = (char)c;
				i++;
			} while (i < n && (c = ascii_fold[p[i]]) != 0 && c != NON_ASCII);
			if (i >= n || c == 0) {
				commit(t, len, fold_hash_slack(d, len), pos++);
				continue;
			}
			/* Non-ASCII follows: the token may go on, fold it whole. */
			i = token_end(p, n, i);
			pos = push_folded(t, s + start, i - start, pos, is_reference);
			continue;
		}

		uint32_t cp;
		int l = utf8_decode(p + i, n - i, &cp);
		if (l < 0 || !is_word_cp(cp)) {
			i += l < 0 ? 1 : (size_t)l;
			continue;
		}
		i = token_end(p, n, i + (size_t)l);
		pos = push_folded(t, s + start, i - start, pos, is_reference);
	}
	return pos;
}

/* The code points of two UTF-8 bytes (Latin, Greek, Cyrillic, Hebrew,
 * Arabic...), each folded once, the way push_decomposed() folds it. */
enum two_kind {
	TWO_COMPLEX,   /* the general path: marks, format characters, long foldings */
	TWO_WORD,      /* folds to bytes[0..len), all word characters */
	TWO_SEPARATOR, /* not a word character: ends a token */
};

struct two {
	uint8_t kind;
	uint8_t len;
	char bytes[6];
};

static struct two two_table[0x800 - 0x80];
static pthread_once_t two_once = PTHREAD_ONCE_INIT;

static void two_init(void)
{
	for (uint32_t cp = 0x80; cp < 0x800; cp++) {
		struct two *e = &two_table[cp - 0x80];
		utf8proc_int32_t dst[16];
		int bc = 0;

		*e = (struct two){ .kind = TWO_COMPLEX };
		if (!is_word_cp(cp)) {
			if (!is_inner_cp(cp))
				e->kind = TWO_SEPARATOR;
			continue;
		}
		utf8proc_ssize_t k = utf8proc_decompose_char(fold_custom((utf8proc_int32_t)cp, NULL),
							     dst, (utf8proc_ssize_t)ELEMENTSOF(dst),
							     FOLD_DECOMPOSE, &bc);
		if (k <= 0 || k > (utf8proc_ssize_t)ELEMENTSOF(dst))
			continue;
		size_t len = 0;
		bool is_simple = true;
		for (utf8proc_ssize_t j = 0; j < k && is_simple; j++) {
			char b[4];
			int l = utf8_encode((uint32_t)dst[j], b);
			is_simple = l > 0 && is_word_cp((uint32_t)dst[j]) && len + (size_t)l <= sizeof(e->bytes);
			if (is_simple) {
				memcpy(e->bytes + len, b, (size_t)l);
				len += (size_t)l;
			}
		}
		if (is_simple) {
			e->kind = TWO_WORD;
			e->len = (uint8_t)len;
		}
	}
}

/* fold_run() into the empty t, for runs of ASCII letters and digits and
 * two-byte code points that fold simply, through two_table; false, having
 * stored nothing, for any other run. */
static bool fold_run_two(struct fold_text *t, const char *s, size_t n, uint32_t *pos)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = 0;
	uint32_t at = *pos;

	/* A two-byte code point folds to at most six bytes, and every token
	 * takes a NUL: room for them all, as commit() does not check. */
	if (t->cap_tokens < t->n_tokens + n + 1) {
		t->cap_tokens = t->n_tokens + n + 1;
		t->tokens = xreallocarray(t->tokens, t->cap_tokens, sizeof(*t->tokens));
	}
	char *d = reserve(t, 4 * n);

	(void)pthread_once(&two_once, two_init);
	for (size_t i = 0; i < n;) {
		if (p[i] < 0x80) {
			/* ASCII in a run is a letter or a digit. */
			d[len++] = (char)ascii_fold[p[i++]];
			continue;
		}
		if (p[i] < 0xc2 || p[i] > 0xdf || i + 1 >= n || (p[i + 1] & 0xc0) != 0x80)
			goto general;
		const struct two *e = &two_table[(((uint32_t)p[i] & 0x1f) << 6 | (p[i + 1] & 0x3f)) - 0x80];
		i += 2;
		switch (e->kind) {
		case TWO_WORD:
			memcpy(d + len, e->bytes, e->len);
			len += e->len;
			break;
		case TWO_SEPARATOR:
			if (len) {
				commit(t, len, fold_hash_slack(d, len), at++);
				d = t->buf + t->buf_len;
				len = 0;
			}
			break;
		default:
			goto general;
		}
	}
	if (len)
		commit(t, len, fold_hash_slack(d, len), at++);
	*pos = at;
	return true;
general:
	/* Nothing is kept: the general path starts over. */
	fold_reset(t);
	return false;
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
const uint64_t fold_first8_mask[FOLD_SLACK + 1] = {
	0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff, 0xffffffffffff, 0xffffffffffffff,
	UINT64_MAX,
};
#else
const uint64_t fold_first8_mask[FOLD_SLACK + 1] = {
	0, 0xff00000000000000, 0xffff000000000000, 0xffffff0000000000, 0xffffffff00000000,
	0xffffffffff000000, 0xffffffffffff0000, 0xffffffffffffff00, UINT64_MAX,
};
#endif

uint32_t fold_run(struct fold_text *scratch, const char *s, size_t n, uint32_t pos)
{
	fold_reset(scratch);
	if (fold_run_two(scratch, s, n, &pos))
		return pos;
	return append_scalar(scratch, s, n, pos, false);
}

size_t fold_run_end(const char *s, size_t n, size_t i)
{
	while (i < n && ascii_fold[(unsigned char)s[i]])
		i++;
	return i;
}

struct append_ctx {
	struct fold_text *t;
};

static inline void append_word(void *userdata, const struct fold_word *w)
{
	struct fold_text *t = ((struct append_ctx *)userdata)->t;
	char *d = reserve(t, w->len);

	/* Eight bytes at a time: both sides have FOLD_SLACK to spare. */
	for (size_t k = 0; k < w->len; k += 8)
		memcpy(d + k, w->s + k, 8);
	commit(t, w->len, fold_hash_slack(w->s, w->len), w->pos);
}

size_t fold_append(struct fold_text *t, const char *s, size_t n)
{
	_cleanup_fold_text_ struct fold_text scratch = { 0 };
	struct append_ctx c = { t };
	size_t before = t->n_tokens;

	(void)fold_scan(s, n, &scratch, append_word, &c);
	return t->n_tokens - before;
}

size_t fold_append_reference(struct fold_text *t, const char *s, size_t n)
{
	size_t before = t->n_tokens;

	(void)append_scalar(t, s, n, 0, true);
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
