/* text.c - HTML fragments and feed text to plain text, in one pass.
 *
 * A small tokenizer in the manner of Python's html.parser (what the reference
 * reader uses): start and end tags, comments, declarations and processing
 * instructions are recognised; anything else, including a lone '<', is text.
 * Character references follow the HTML5 rules of html.unescape(). */
#include <string.h>

#include "entities.h"
#include "text.h"
#include "utf8.h"
#include "util.h"

/* The output is written with whitespace collapsed as it goes. */
struct out {
	char *p;
	size_t len;
	bool pending_space;
};

static const uint16_t cp1252_c1[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
	0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

uint32_t text_cp1252(uint32_t cp)
{
	return cp >= 0x80 && cp <= 0x9f ? cp1252_c1[cp - 0x80] : cp;
}

bool text_is_space(uint32_t cp)
{
	if (cp <= 0x20)
		return cp == 0x20 || (cp >= 0x09 && cp <= 0x0d);
	if (cp < 0x85)
		return false;
	return cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
	       cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/* Python's str.strip() also strips U+001C..U+001F. */
static bool is_py_space(uint32_t cp)
{
	return text_is_space(cp) || (cp >= 0x1c && cp <= 0x1f);
}

static inline void out_cp(struct out *o, uint32_t cp)
{
	if (cp < 0x80) {
		if (cp == ' ' || (cp >= 0x09 && cp <= 0x0d)) {
			if (o->len)
				o->pending_space = true;
			return;
		}
	} else {
		cp = text_cp1252(cp);
		if (text_is_space(cp)) {
			if (o->len)
				o->pending_space = true;
			return;
		}
	}
	if (o->pending_space) {
		o->p[o->len++] = ' ';
		o->pending_space = false;
	}
	if (cp < 0x80)
		o->p[o->len++] = (char)cp;
	else
		o->len += (size_t)utf8_encode(cp, o->p + o->len);
}

static inline void out_space(struct out *o)
{
	if (o->len)
		o->pending_space = true;
}

static void out_utf8(struct out *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	while (n) {
		uint32_t cp;
		int l = utf8_decode(p, n, &cp);

		if (l < 0) {
			cp = 0xfffd;
			l = 1;
		}
		out_cp(o, cp);
		p += l;
		n -= (size_t)l;
	}
}

/* Copies text s[0..n) (already UTF-8) with collapsing; the common ASCII case
 * stays on the fast path. */
static void out_text(struct out *o, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		uint32_t cp;
		int l;

		if (*p > 0x20 && *p < 0x7f) {
			/* a run of visible ASCII is copied as it is */
			const unsigned char *q = p + 1;

			while (q < end && *q > 0x20 && *q < 0x7f)
				q++;
			if (o->pending_space) {
				o->p[o->len++] = ' ';
				o->pending_space = false;
			}
			memcpy(o->p + o->len, p, (size_t)(q - p));
			o->len += (size_t)(q - p);
			p = q;
			continue;
		}
		if (*p < 0x80) {
			out_cp(o, *p++);
			continue;
		}
		if (*p >= 0xc3 && *p != 0xe1 && *p != 0xe2 && *p != 0xe3 && *p <= 0xf4) {
			/* no space or C1 control starts with these: copy the sequence */
			size_t len = *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;
			size_t k;

			for (k = 1; k < len && p + k < end && (p[k] & 0xc0) == 0x80; k++)
				;
			if (k == len) {
				if (o->pending_space) {
					o->p[o->len++] = ' ';
					o->pending_space = false;
				}
				memcpy(o->p + o->len, p, len);
				o->len += len;
				p += len;
				continue;
			}
		}
		l = utf8_decode(p, (size_t)(end - p), &cp);
		if (l < 0) {
			cp = 0xfffd;
			l = 1;
		}
		out_cp(o, cp);
		p += l;
	}
}

static int entity_cmp(const char *name, size_t n, const char *key)
{
	int r = strncmp(name, key, n);

	if (r)
		return r;
	return key[n] ? -1 : 0;
}

const char *text_entity_lookup(const char *name, size_t n)
{
	size_t lo = 0, hi = html_entities_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = entity_cmp(name, n, html_entities[mid].name);

		if (r == 0)
			return html_entities[mid].utf8;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static bool entity_is_html4(const char *name, size_t n)
{
	char key[40];
	size_t lo = 0, hi = html_entities_count;

	if (n + 2 > sizeof(key))
		return false;
	memcpy(key, name, n);
	key[n] = ';';
	n++;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = entity_cmp(key, n, html_entities[mid].name);

		if (r == 0)
			return html_entities[mid].is_html4;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

const char *text_html4_entity(const char *name, size_t n)
{
	char key[40];
	size_t lo = 0, hi = html_entities_count;

	if (n == 4 && memcmp(name, "apos", 4) == 0)
		return "'";
	if (n + 2 > sizeof(key))
		return NULL;
	memcpy(key, name, n);
	key[n++] = ';';
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = entity_cmp(key, n, html_entities[mid].name);

		if (r == 0)
			return html_entities[mid].is_html4 ? html_entities[mid].utf8 : NULL;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Code points html.unescape() drops from numeric references. */
static bool is_invalid_codepoint(uint32_t c)
{
	return (c >= 0x1 && c <= 0x8) || c == 0xb || (c >= 0xe && c <= 0x1f) ||
	       (c >= 0x7f && c <= 0x9f) || (c >= 0xfdd0 && c <= 0xfdef) ||
	       (c & 0xfffe) == 0xfffe;
}

/* Decodes the reference at s[0] == '&'; returns the bytes consumed (1 when
 * it is a literal '&'), html.unescape() semantics. */
static size_t decode_ref(struct out *o, const char *s, size_t n)
{
	size_t i;

	if (n >= 3 && s[1] == '#') {
		bool hex = s[2] == 'x' || s[2] == 'X';
		uint64_t v = 0;
		size_t start = hex ? 3 : 2;

		for (i = start; i < n && (hex ? is_hex(s[i]) : is_digit(s[i])); i++) {
			unsigned d = is_digit(s[i]) ? (unsigned)(s[i] - '0') : (unsigned)((s[i] | 0x20) - 'a' + 10);

			if (v <= 0x10ffff)
				v = v * (hex ? 16 : 10) + d;
		}
		if (i == start) {
			out_cp(o, '&');
			return 1;
		}
		if (i < n && s[i] == ';')
			i++;
		if (v == 0)
			out_cp(o, 0xfffd);
		else if (v == 0x0d)
			out_cp(o, 0x0d);
		else if (v >= 0x80 && v <= 0x9f)
			out_cp(o, text_cp1252((uint32_t)v));
		else if ((v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
			out_cp(o, 0xfffd);
		else if (!is_invalid_codepoint((uint32_t)v))
			out_cp(o, (uint32_t)v);
		return i;
	}

	/* feedparser's sanitizer (sgmllib) reads &name followed by any other
	 * character: HTML 4 names are decoded, others stay as "&name" and lose
	 * their ';'.  At the very end html.unescape()'s rules apply. */
	for (i = 1; i < n && (is_alpha(s[i]) || (i > 1 && (is_digit(s[i]) || s[i] == '.' || s[i] == '-'))); i++)
		;
	if (i > 1 && i < n) {
		const char *v = text_html4_entity(s + 1, i - 1);

		if (v) {
			out_utf8(o, v);
			return s[i] == ';' ? i + 1 : i;
		}
		for (size_t k = 0; k < i; k++)
			out_cp(o, (unsigned char)s[k]);
		return s[i] == ';' ? i + 1 : i;
	}

	/* [^\t\n\f <&#;]{1,32};? */
	for (i = 1; i < n && i <= 32; i++) {
		char c = s[i];

		if (c == '\t' || c == '\n' || c == '\f' || c == ' ' || c == '<' || c == '&' ||
		    c == '#' || c == ';')
			break;
	}
	if (i == 1) {
		out_cp(o, '&');
		return 1;
	}
	{
		size_t len = i - 1;
		const char *v;

		if (i < n && s[i] == ';' && (v = text_entity_lookup(s + 1, len + 1))) {
			out_utf8(o, v);
			return i + 1;
		}
		if ((v = text_entity_lookup(s + 1, len))) {
			out_utf8(o, v);
			return i;
		}
		/* The longest legacy name (no ';') that prefixes it. */
		for (size_t x = len - 1; x >= 2 && len > 2; x--) {
			v = text_entity_lookup(s + 1, x);
			if (v) {
				out_utf8(o, v);
				return 1 + x;
			}
		}
	}
	out_cp(o, '&');
	return 1;
}

static void out_text_refs(struct out *o, const char *s, size_t n)
{
	size_t i = 0, start = 0;

	while (i < n) {
		const char *amp = memchr(s + i, '&', n - i);

		if (!amp) {
			out_text(o, s + start, n - start);
			return;
		}
		i = (size_t)(amp - s);
		out_text(o, s + start, i - start);
		i += decode_ref(o, s + i, n - i);
		start = i;
	}
	out_text(o, s + start, n - start);
}

static bool name_in(const char *name, size_t n, const char *const *list)
{
	for (; *list; list++) {
		const char *l = *list;
		size_t k = 0;

		/* stops at the list entry's end: name may hold any byte */
		while (k < n && l[k] && l[k] == name[k])
			k++;
		if (k == n && l[k] == '\0')
			return true;
	}
	return false;
}

/* Tags that separate words, grouped by length for a quick lookup. */
static bool is_block_tag(const char *name, size_t n)
{
	static const char *const by_len[11] = {
		[1] = "p",
		[2] = "brdddldth1h2h3h4h5h6hrliolthtdtrul",
		[3] = "divimgnavpre",
		[4] = "formmain",
		[5] = "asidetabletbodytfootthead",
		[6] = "centerfigurefooterheader",
		[7] = "addressarticlecaptionsection",
		[8] = "fieldset",
		[10] = "blockquotefigcaption",
	};
	const char *list;

	if (n == 0 || n >= ELEMENTSOF(by_len) || !(list = by_len[n]))
		return false;
	for (; *list; list += n)
		if (memcmp(list, name, n) == 0)
			return true;
	return false;
}

static const char *const skip_tags[] = { "script", "style", "applet", NULL };

/* Lower-cases a tag name into buf; returns its length (0 if too long). */
static size_t tag_name(const char *s, size_t n, char *buf, size_t bufsz, size_t *ret_end)
{
	size_t i = 0;

	/* html.parser: a tag name runs to whitespace, '/' or '>' */
	while (i < n && s[i] != '>' && s[i] != '/' && s[i] != ' ' && s[i] != '\t' &&
	       s[i] != '\n' && s[i] != '\r' && s[i] != '\f')
		i++;
	*ret_end = i;
	if (i >= bufsz)
		return 0;
	for (size_t k = 0; k < i; k++)
		buf[k] = (char)((s[k] >= 'A' && s[k] <= 'Z') ? s[k] | 0x20 : s[k]);
	return i;
}

/* Finds the '>' closing a tag whose attributes start at s[i], skipping quoted
 * attribute values; returns n when there is none. */
static size_t tag_end(const char *s, size_t n, size_t i)
{
	while (i < n) {
		char c = s[i];

		if (c == '>')
			return i;
		if ((c == '"' || c == '\'') && i > 0 && (s[i - 1] == '=' || s[i - 1] == ' ')) {
			const char *q = memchr(s + i + 1, c, n - i - 1);

			if (!q)
				return n;
			i = (size_t)(q - s) + 1;
			continue;
		}
		i++;
	}
	return n;
}

static size_t find_ci(const char *s, size_t n, size_t from, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = from; i + m <= n; i++) {
		if (s[i] != '<')
			continue;
		if (strncasecmp(s + i, needle, m) == 0)
			return i;
	}
	return n;
}

static void html_to_text(struct out *o, const char *s, size_t n)
{
	size_t i = 0, text_start = 0;

	while (i < n) {
		const char *lt = memchr(s + i, '<', n - i);
		size_t j;

		if (!lt)
			break;
		i = (size_t)(lt - s);
		if (i + 1 >= n)
			break;
		j = i + 1;
		if (is_alpha(s[j]) || (s[j] == '/' && j + 1 < n && is_alpha(s[j + 1]))) {
			bool is_end = s[j] == '/';
			char name[16];
			size_t name_end, nl, close;

			if (is_end)
				j++;
			nl = tag_name(s + j, n - j, name, sizeof(name), &name_end);
			close = tag_end(s, n, j + name_end);
			if (close >= n) {
				/* unterminated: html.parser keeps the '<' as text */
				i = i + 1;
				continue;
			}
			out_text_refs(o, s + text_start, i - text_start);
			if (nl && is_block_tag(name, nl))
				out_space(o);
			i = close + 1;
			text_start = i;
			if (!is_end && nl && name_in(name, nl, skip_tags) && s[close - 1] != '/') {
				char needle[16] = "</";

				memcpy(needle + 2, name, nl);
				needle[2 + nl] = '\0';
				i = find_ci(s, n, i, needle);
				text_start = i;
			}
			continue;
		}
		if (s[j] == '!' && n - j >= 3 && s[j + 1] == '-' && s[j + 2] == '-') {
			const char *e = memmem(s + j + 3, n - j - 3, "-->", 3);

			if (!e) {
				i = j;
				continue;
			}
			out_text_refs(o, s + text_start, i - text_start);
			i = (size_t)(e - s) + 3;
			text_start = i;
			continue;
		}
		if (s[j] == '!' || s[j] == '?' || (s[j] == '/' && j + 1 < n && s[j + 1] == '>')) {
			const char *gt = memchr(s + j, '>', n - j);

			if (!gt) {
				i = j;
				continue;
			}
			out_text_refs(o, s + text_start, i - text_start);
			i = (size_t)(gt - s) + 1;
			text_start = i;
			continue;
		}
		i = j;   /* a '<' that starts nothing is text */
	}
	if (text_start < n)
		out_text_refs(o, s + text_start, n - text_start);
}

/* The bounds of s[0..n) without leading/trailing Python whitespace. */
static void py_strip(const char **s, size_t *n)
{
	const unsigned char *p = (const unsigned char *)*s, *end = p + *n;

	while (p < end) {
		uint32_t cp;
		int l = utf8_decode(p, (size_t)(end - p), &cp);

		if (l < 0 || !is_py_space(cp))
			break;
		p += l;
	}
	while (end > p) {
		const unsigned char *q = end - 1;
		uint32_t cp;

		while (q > p && (*q & 0xc0) == 0x80 && end - q < 4)
			q--;
		if (utf8_decode(q, (size_t)(end - q), &cp) != end - q || !is_py_space(cp))
			break;
		end = q;
	}
	*s = (const char *)p;
	*n = (size_t)(end - p);
}

/* When every character is <= U+00FF and some are not ASCII, and their
 * Latin-1 bytes form valid UTF-8, returns those bytes (the caller's). */
static char *latin1_repair(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	unsigned need = 0;      /* continuation bytes the Latin-1 stream still owes */
	unsigned char lead = 0;
	bool has_high = false;
	char *r, *w;

	/* check first, without allocating: most text is not mojibake */
	while (p + 8 <= end) {
		uint64_t word;

		memcpy(&word, p, 8);
		if (word & UINT64_C(0x8080808080808080))
			break;
		p += 8;
	}
	for (const unsigned char *q = p; q < end; q++) {
		unsigned char b;

		if (*q < 0x80) {
			if (need)
				return NULL;
			continue;
		}
		/* a lead byte above 0xc3 is a code point above U+00FF */
		if (*q > 0xc3 || *q < 0xc2 || q + 1 >= end || (q[1] & 0xc0) != 0x80)
			return NULL;
		b = (unsigned char)(((*q & 0x03) << 6) | (q[1] & 0x3f));
		q++;
		has_high = true;
		if (need) {
			if ((b & 0xc0) != 0x80)
				return NULL;
			/* overlong and surrogate forms (RFC 3629 section 4) */
			if ((lead == 0xe0 && b < 0xa0) || (lead == 0xed && b > 0x9f) ||
			    (lead == 0xf0 && b < 0x90) || (lead == 0xf4 && b > 0x8f))
				return NULL;
			lead = 0;
			need--;
		} else if (b >= 0xc2 && b <= 0xdf)
			need = 1;
		else if (b >= 0xe0 && b <= 0xef) {
			need = 2;
			lead = b;
		} else if (b >= 0xf0 && b <= 0xf4) {
			need = 3;
			lead = b;
		} else
			return NULL;
	}
	if (need || !has_high)
		return NULL;
	w = r = xmalloc(n + 1);
	p = (const unsigned char *)s;
	while (p < end) {
		if (*p < 0x80)
			*w++ = (char)*p++;
		else {
			*w++ = (char)(((p[0] & 0x03) << 6) | (p[1] & 0x3f));
			p += 2;
		}
	}
	*w = '\0';
	return r;
}

char *text_normalize(const char *s, size_t n, enum text_kind kind, bool repair_latin1)
{
	_cleanup_free_ char *fixed = NULL;
	struct out o = {};

	if (!s)
		return NULL;
	py_strip(&s, &n);
	if (n == 0)
		return NULL;
	if (repair_latin1 && (fixed = latin1_repair(s, n))) {
		s = fixed;
		n = strlen(fixed);
	}
	/* worst case growth: an invalid byte becomes a 3-byte U+FFFD */
	o.p = xmalloc(n * 3 + 8);
	switch (kind) {
	case TEXT_PLAIN:
		out_text(&o, s, n);
		break;
	case TEXT_HTML:
		html_to_text(&o, s, n);
		break;
	}
	if (o.len == 0) {
		free(o.p);
		return NULL;
	}
	o.p[o.len] = '\0';
	return o.p;
}

static const char *const html_elements[] = {
	"a", "abbr", "acronym", "address", "area", "article", "aside", "audio", "b",
	"big", "blockquote", "br", "button", "canvas", "caption", "center", "cite",
	"code", "col", "colgroup", "command", "datagrid", "datalist", "dd", "del",
	"details", "dfn", "dialog", "dir", "div", "dl", "dt", "em", "event-source",
	"fieldset", "figcaption", "figure", "font", "footer", "form", "h1", "h2",
	"h3", "h4", "h5", "h6", "header", "hr", "i", "img", "input", "ins", "kbd",
	"keygen", "label", "legend", "li", "m", "map", "menu", "meter", "multicol",
	"nav", "nextid", "noscript", "ol", "optgroup", "option", "output", "p",
	"pre", "progress", "q", "s", "samp", "section", "select", "small", "sound",
	"source", "spacer", "span", "strike", "strong", "sub", "sup", "table",
	"tbody", "td", "textarea", "tfoot", "th", "thead", "time", "tr", "tt", "u",
	"ul", "var", "video", NULL,
};

/* Python's \w for our purposes: ASCII alphanumerics, '_', any non-ASCII. */
static bool is_word(unsigned char c)
{
	return c >= 0x80 || c == '_' || is_digit((char)c) || is_alpha((char)c);
}

bool text_looks_like_html(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	bool qualifies = false;

	/* must have a close tag </\w+> or a reference &#?\w+; */
	for (size_t i = 0; i < n && !qualifies; i++) {
		size_t j;

		if (p[i] == '<' && i + 1 < n && p[i + 1] == '/') {
			for (j = i + 2; j < n && is_word(p[j]); j++)
				;
			qualifies = j > i + 2 && j < n && p[j] == '>';
		} else if (p[i] == '&') {
			j = i + 1;
			if (j < n && p[j] == '#')
				j++;
			size_t k = j;
			for (; k < n && is_word(p[k]); k++)
				;
			qualifies = k > j && k < n && p[k] == ';';
		}
	}
	if (!qualifies)
		return false;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '<') {
			size_t j = i + 1, k;
			char name[16];

			if (j < n && p[j] == '/')
				j++;
			for (k = j; k < n && is_word(p[k]); k++)
				;
			if (k == j)
				continue;
			if (k - j >= sizeof(name))
				return false;
			for (size_t m = 0; m < k - j; m++)
				name[m] = (char)((p[j + m] >= 'A' && p[j + m] <= 'Z') ? p[j + m] | 0x20 : p[j + m]);
			if (!name_in(name, k - j, html_elements))
				return false;
			i = k - 1;
		} else if (p[i] == '&') {
			size_t k;

			for (k = i + 1; k < n && is_word(p[k]); k++)
				;
			if (k > i + 1 && k < n && p[k] == ';') {
				if (!entity_is_html4(s + i + 1, k - i - 1))
					return false;
				i = k;
			}
		}
	}
	return true;
}
