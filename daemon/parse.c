/* parse.c - feed documents to items with libxml2's SAX2 interface.
 *
 * One pass, no tree: element events drive a small state machine that fills
 * the current item.  Which element fills which field, and who wins when
 * there are several, follows Universal Feed Parser, the reader most feed
 * publishers test against (see shared/conformance/NORMALIZATION.md).
 *
 * Ill-formed documents are read a second time, repaired the way a lenient
 * (SGML) reader sees them (doc_fixup), with the text rules of that reader
 * (is_loose); libxml2's recover mode does the rest.
 *
 * Hostile input: the document is converted to UTF-8 by us (libxml2 is told
 * to ignore the declared encoding), external entities and DTDs are never
 * loaded (no NOENT, no DTDLOAD, NONET), entities declared in the internal
 * subset are only used when they are plain text, entity text has a budget,
 * and libxml2's own depth and amplification limits stay on (no
 * XML_PARSE_HUGE). */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/entities.h>

#include "buf.h"
#include "diag.h"
#include "parse-internal.h"
#include "parse.h"
#include "text.h"
#include "timefmt.h"
#include "utf8.h"
#include "util.h"

#define MAX_DEPTH 300
#define MAX_CAPTURES 64
#define MAX_DOC_ENTITIES 1024
#define MAX_MADE_ENTITIES 4096

enum ns {
	NS_CORE,     /* RSS, RDF-RSS, Atom, or an unknown default namespace */
	NS_DC,
	NS_DCTERMS,
	NS_CONTENT,
	NS_MEDIA,
	NS_ITUNES,
	NS_RDF,
	NS_XHTML,
	NS_SY,
	NS_OTHER,
};

/* What an element means to us; several names share one meaning. */
enum el {
	EL_OTHER,
	EL_CHANNEL,         /* channel, feed */
	EL_RSS,
	EL_ITEM,            /* item, entry */
	EL_IMAGE,
	EL_TEXTINPUT,
	EL_SOURCE,
	EL_TITLE,           /* title, dc:title */
	EL_MEDIA_TITLE,     /* a fallback title only */
	EL_LINK,
	EL_GUID,            /* guid, Atom id */
	EL_DESCRIPTION,     /* description, dc:description, media:description */
	EL_ABSTRACT,        /* CDF */
	EL_SUMMARY,         /* Atom summary, itunes:summary */
	EL_CONTENT,         /* Atom content */
	EL_CONTENT_ENCODED,
	EL_BODY,            /* XHTML body: content */
	EL_PUBLISHED,
	EL_UPDATED,
	EL_AUTHOR,
	EL_CONTRIBUTOR,
	EL_NAME,
	EL_EMAIL,
	EL_URL,
	EL_CATEGORY,
	EL_ITUNES_CATEGORY,
	EL_KEYWORDS,
	EL_TTL,
	EL_SKIP_HOURS,      /* RSS 2.0 <skipHours> of <hour>s */
	EL_SKIP_DAYS,       /* RSS 2.0 <skipDays> of <day>s */
	EL_HOUR,
	EL_DAY,
	EL_SY_PERIOD,       /* the syndication module (RSS 1.0) */
	EL_SY_FREQUENCY,
	EL_SY_BASE,
	EL_MEDIA_GROUP,     /* no element of its own: its text is its parent's */
	EL_PUSHER,          /* a known element with attributes that still holds its text */
};

enum ctype {
	CTYPE_TEXT,         /* text/plain */
	CTYPE_HTML,         /* text/html */
	CTYPE_XHTML,        /* application/xhtml+xml */
	CTYPE_OTHER,        /* any other MIME type: shown as plain text */
};

/* One open element that holds text (feedparser's element stack). */
struct capture {
	int depth;
	enum el el;
	bool collect;       /* keep the text; sinks only stop it reaching a parent */
	bool is_content;    /* a text construct: child elements are markup */
	bool is_redirected; /* a second description, read as content */
	enum ctype type;
	bool is_base64;
	bool is_guid_link;
	struct buf text;
};

struct frame {
	char *base;         /* owned when owns_base */
	bool owns_base;
	bool is_markup;     /* serialized into a text construct */
};

enum ctx {
	CTX_FEED,
	CTX_ENTRY,
	CTX_IMAGE,
	CTX_TEXTINPUT,
	CTX_SOURCE,
};

struct item_build {
	struct feed_item it;
	bool is_open;
	bool has_link;
	bool has_summary;
	/* depth a field was taken from: a deeper element never overrides */
	int title_pd, summary_pd, id_pd, author_pd;
};

struct elinfo {
	const xmlChar *localname, *prefix, *uri;
	enum ns ns;
	enum el el;
	bool is_feed, keeps_textinput, keeps_image;
};

struct state {
	xmlParserCtxtPtr ctxt;
	struct elinfo el_cache[64];
	enum { VER_NONE, VER_RSS, VER_ATOM } version;
	bool seen_root;
	char root_name[16];       /* the root element's local name, lowercased, cut */
	int depth;
	struct frame stack[MAX_DEPTH + 1];
	int ncap;
	struct capture cap[MAX_CAPTURES];
	size_t max_text;

	/* feedparser's flags */
	bool in_feed, in_image, in_textinput, in_source, in_author, in_contributor;
	bool has_content, feed_has_image, feed_has_summary;
	int title_depth;
	char *author_name, *author_email;
	bool author_has_detail;

	struct item_build cur;
	struct feed_item *items;
	size_t n_items, cap_items;

	char *feed_title;
	char *feed_link;
	unsigned ttl;
	struct feed_schedule schedule;
	bool in_skip_hours, in_skip_days;
	char *sy_period;          /* as given, until the end: frequency may come first */
	long sy_frequency;        /* 0 = not given */

	size_t n_doc_entities;
	struct { char *name; char *content; } doc_entities[MAX_DOC_ENTITIES];
	xmlEntityPtr *made;
	size_t n_made, cap_made;
	size_t entity_bytes, entity_budget;
	char *allowed[64];        /* declared entities a lenient reader keeps */
	size_t n_allowed;
	size_t root_end;          /* bytes consumed when the root element closed */

	bool is_well_formed;
	bool is_loose;            /* read the way feedparser's SGML parser does */
	bool has_undeclared_entity;
	int first_error_line, first_error_col;
	char *first_error;
};

/* ---- encodings ----------------------------------------------------------- */

static bool utf8_valid(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		int l;

		/* 8 ASCII bytes at a time */
		while (i + 8 <= n) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			if (w & UINT64_C(0x8080808080808080))
				break;
			i += 8;
		}
		if (i >= n)
			break;
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		l = utf8_decode(p + i, n - i, &cp);
		if (l < 0)
			return false;
		i += (size_t)l;
	}
	return true;
}

/* ISO-8859-1, or windows-1252 when is_cp1252 (its five undefined bytes stay
 * C1 controls, as in Latin-1). */
static char *latin1_to_utf8(const unsigned char *p, size_t n, bool is_cp1252, size_t *ret_len)
{
	char *out = xmalloc(3 * n + 1), *w = out;

	for (size_t i = 0; i < n; i++) {
		if (p[i] < 0x80)
			*w++ = (char)p[i];
		else if (p[i] < 0xa0 && is_cp1252)
			w += utf8_encode(text_cp1252(p[i]), w);
		else {
			*w++ = (char)(0xc0 | (p[i] >> 6));
			*w++ = (char)(0x80 | (p[i] & 0x3f));
		}
	}
	*w = '\0';
	*ret_len = (size_t)(w - out);
	return out;
}

/* UTF-16 or UTF-32 in either byte order; ill-formed units become U+FFFD. */
static char *wide_to_utf8(const unsigned char *p, size_t n, int width, bool big, size_t *ret_len)
{
	char *out = xmalloc(n * 2 + 8), *w = out;
	size_t i = 0;

	while (i + (size_t)width <= n) {
		uint32_t u;

		if (width == 4) {
			u = big ? (uint32_t)p[i] << 24 | (uint32_t)p[i + 1] << 16 | (uint32_t)p[i + 2] << 8 | p[i + 3]
				: (uint32_t)p[i + 3] << 24 | (uint32_t)p[i + 2] << 16 | (uint32_t)p[i + 1] << 8 | p[i];
			i += 4;
		} else {
			u = big ? (uint32_t)(p[i] << 8 | p[i + 1]) : (uint32_t)(p[i + 1] << 8 | p[i]);
			i += 2;
			if (u >= 0xd800 && u <= 0xdbff && i + 2 <= n) {
				uint32_t lo = big ? (uint32_t)(p[i] << 8 | p[i + 1]) : (uint32_t)(p[i + 1] << 8 | p[i]);

				if (lo >= 0xdc00 && lo <= 0xdfff) {
					u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
					i += 2;
				}
			}
		}
		if (u == 0)
			continue;
		if (u > 0x10ffff)
			u = 0xfffd;
		w += utf8_encode(u, w);
	}
	*w = '\0';
	*ret_len = (size_t)(w - out);
	return out;
}

static char *iconv_to_utf8(const char *charset, const char *p, size_t n, size_t *ret_len)
{
	iconv_t cd = iconv_open("UTF-8", charset);
	size_t cap = n * 4 + 16, inleft = n, outleft;
	char *out, *in = (char *)p, *w;

	if (cd == (iconv_t)-1)
		return NULL;
	out = xmalloc(cap);
	w = out;
	outleft = cap - 1;
	if (iconv(cd, &in, &inleft, &w, &outleft) == (size_t)-1) {
		/* feedparser then tries the next candidate: so do we */
		iconv_close(cd);
		free(out);
		return NULL;
	}
	iconv_close(cd);
	*w = '\0';
	*ret_len = (size_t)(w - out);
	return out;
}

/* Undeclared text that is not UTF-8 is usually windows-1252, but feeds in
 * Russian and Ukrainian come in three or four 8-bit Cyrillic charsets, and
 * the reference reader guesses them (chardet).  Cyrillic text is made of
 * runs of high bytes (whole words), Western text has lone accented letters;
 * among the Cyrillic charsets the one whose letter pairs are most often
 * the common ones of Russian and Ukrainian wins (a third of them in real
 * text, under a tenth when the charset or the language is wrong).  Returns
 * an iconv name or NULL for windows-1252. */
static const char *guess_cyrillic(const unsigned char *p, size_t n)
{
	static const char *const candidates[] = { "WINDOWS-1251", "KOI8-R", "KOI8-U", "ISO-8859-5", "CP866" };
	/* ст но то на ен ов ни ра во ко ро ал ре ли ... */
	static const uint16_t bigrams[][2] = {
		{ 0x441, 0x442 }, { 0x43d, 0x43e }, { 0x442, 0x43e }, { 0x43d, 0x430 }, { 0x435, 0x43d },
		{ 0x43e, 0x432 }, { 0x43d, 0x438 }, { 0x440, 0x430 }, { 0x432, 0x43e }, { 0x43a, 0x43e },
		{ 0x440, 0x43e }, { 0x430, 0x43b }, { 0x440, 0x435 }, { 0x43b, 0x438 }, { 0x43e, 0x440 },
		{ 0x435, 0x440 }, { 0x435, 0x441 }, { 0x43f, 0x43e }, { 0x435, 0x442 }, { 0x43f, 0x440 },
		{ 0x43d, 0x435 }, { 0x43e, 0x441 }, { 0x433, 0x43e }, { 0x43a, 0x430 }, { 0x43e, 0x43b },
		{ 0x430, 0x43d }, { 0x438, 0x442 }, { 0x430, 0x442 }, { 0x43b, 0x44c }, { 0x43e, 0x43c },
		{ 0x432, 0x430 }, { 0x435, 0x43b }, { 0x434, 0x435 }, { 0x442, 0x430 }, { 0x43b, 0x43e },
		{ 0x43e, 0x439 }, { 0x442, 0x438 }, { 0x43b, 0x430 }, { 0x434, 0x430 }, { 0x432, 0x438 },
		{ 0x438, 0x43d }, { 0x435, 0x434 }, { 0x430, 0x432 }, { 0x43e, 0x431 },
	};
	size_t high = 0, runs = 0, best_hits = 0, best_pairs = 1;
	const char *best = NULL;

	for (size_t i = 0; i < n; i++)
		if (p[i] >= 0x80) {
			high++;
			if (i == 0 || p[i - 1] < 0x80)
				runs++;
		}
	/* words, not lone accents: on average three high bytes in a row */
	if (high < 8 || high < 3 * runs)
		return NULL;
	for (size_t c = 0; c < ELEMENTSOF(candidates); c++) {
		size_t len, hits = 0, npairs = 0;
		_cleanup_free_ char *u = iconv_to_utf8(candidates[c], (const char *)p, n, &len);
		const unsigned char *q;
		uint32_t prev = 0;

		if (!u)
			continue;
		q = (const unsigned char *)u;
		for (size_t i = 0; i < len;) {
			uint32_t cp;
			int l = utf8_decode(q + i, len - i, &cp);

			if (l < 0) {
				i++;
				prev = 0;
				continue;
			}
			i += (size_t)l;
			if (cp >= 0x410 && cp <= 0x42f)
				cp += 0x20;   /* upper to lower case */
			if (!(cp >= 0x430 && cp <= 0x45f)) {
				prev = 0;
				continue;
			}
			if (prev) {
				npairs++;
				for (size_t k = 0; k < ELEMENTSOF(bigrams); k++)
					if (bigrams[k][0] == prev && bigrams[k][1] == cp) {
						hits++;
						break;
					}
			}
			prev = cp;
		}
		if (npairs >= 4 && hits * best_pairs > best_hits * npairs) {
			best_hits = hits;
			best_pairs = npairs;
			best = candidates[c];
		}
	}
	/* at least one pair in five must be a common one */
	return best && best_hits * 5 >= best_pairs ? best : NULL;
}

/* The same for the double-byte East Asian charsets, from where their lead
 * bytes fall: Shift_JIS kana leads (0x82, 0x83), EUC-JP kana rows (0xa4,
 * 0xa5), EUC-KR Hangul rows (0xb0-0xc8), else GB18030.  The charset must
 * also decode the whole document. */
static const char *guess_cjk(const unsigned char *p, size_t n)
{
	size_t pairs = 0, sjis_kana = 0, sjis_low = 0, euc_kana = 0, hangul = 0, low_trail = 0;
	const char *guess;
	size_t len;
	char *u;

	for (size_t i = 0; i + 1 < n; i++) {
		if (p[i] < 0x81)
			continue;
		pairs++;
		if (p[i] == 0x82 || p[i] == 0x83)
			sjis_kana++;
		if (p[i] <= 0x9f)
			sjis_low++;
		if (p[i] == 0xa4 || p[i] == 0xa5)
			euc_kana++;
		if (p[i] >= 0xb0 && p[i] <= 0xc8)
			hangul++;
		if (p[i + 1] < 0xa1)
			low_trail++;
		i++;
	}
	if (pairs < 8)
		return NULL;
	if (sjis_low * 2 > pairs && sjis_kana * 5 > pairs)
		guess = "CP932";
	else if (low_trail * 10 > pairs)
		return NULL;   /* not an EUC charset */
	else if (euc_kana * 5 > pairs)
		guess = "EUC-JP";
	else if (hangul * 10 > pairs * 6)
		guess = "EUC-KR";
	else
		guess = "GB18030";
	u = iconv_to_utf8(guess, (const char *)p, n, &len);
	if (!u)
		return NULL;
	free(u);
	return guess;
}

/* Reads encoding="..." from an XML declaration at p (ASCII-compatible). */
static bool declared_encoding(const char *p, size_t n, char *out, size_t outsz)
{
	const char *end, *e;
	size_t limit = MIN(n, (size_t)512);

	if (limit < 6 || memcmp(p, "<?xml", 5) != 0)
		return false;
	end = memmem(p, limit, "?>", 2);
	if (!end)
		end = p + limit;
	e = memmem(p, (size_t)(end - p), "encoding", 8);
	if (!e)
		return false;
	e += 8;
	while (e < end && (*e == ' ' || *e == '\t' || *e == '\r' || *e == '\n'))
		e++;
	if (e >= end || *e != '=')
		return false;
	e++;
	while (e < end && (*e == ' ' || *e == '\t' || *e == '\r' || *e == '\n'))
		e++;
	if (e >= end || (*e != '"' && *e != '\''))
		return false;
	{
		char q = *e++;
		size_t k = 0;

		while (e < end && *e != q && k + 1 < outsz) {
			char c = *e++;

			out[k++] = (char)((c >= 'A' && c <= 'Z') ? c | 0x20 : c);
		}
		out[k] = '\0';
		return k > 0;
	}
}

static bool charset_is(const char *cs, const char *const *names)
{
	for (; *names; names++)
		if (streq(cs, *names))
			return true;
	return false;
}

/* Like parse_to_utf8(), but a valid UTF-8 document is not copied: *ret_doc
 * points into data, or into *ret_owned when it had to be converted. */
static int decode_doc(const void *data, size_t len, const char **ret_doc, size_t *ret_len,
		      char **ret_owned, enum parse_charset *ret_charset, size_t *ret_skipped)
{
	static const char *const utf8_names[] = { "utf-8", "utf8", "u8", NULL };
	static const char *const latin1_names[] = {
		"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "cp819",
		"windows-1252", "cp1252", "x-cp1252", "ibm819", NULL,
	};
	static const char *const cp1252_names[] = { "windows-1252", "cp1252", "x-cp1252", NULL };
	static const char *const ascii_names[] = { "us-ascii", "ascii", "ansi_x3.4-1968", NULL };
	const unsigned char *p = data;
	char *out = NULL, cs[64];
	size_t n = len, out_len = 0, skip;
	enum parse_charset charset;

	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		p += 3;
		n -= 3;
	} else if (n >= 4 && p[0] == 0xff && p[1] == 0xfe && p[2] == 0 && p[3] == 0) {
		out = wide_to_utf8(p + 4, n - 4, 4, false, &out_len);
	} else if (n >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0xfe && p[3] == 0xff) {
		out = wide_to_utf8(p + 4, n - 4, 4, true, &out_len);
	} else if (n >= 2 && p[0] == 0xff && p[1] == 0xfe) {
		out = wide_to_utf8(p + 2, n - 2, 2, false, &out_len);
	} else if (n >= 2 && p[0] == 0xfe && p[1] == 0xff) {
		out = wide_to_utf8(p + 2, n - 2, 2, true, &out_len);
	} else if (n >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] != 0) {
		out = wide_to_utf8(p, n, 4, true, &out_len);
	} else if (n >= 4 && p[0] != 0 && p[1] == 0 && p[2] == 0 && p[3] == 0) {
		out = wide_to_utf8(p, n, 4, false, &out_len);
	} else if (n >= 4 && p[0] == 0 && p[1] != 0 && p[2] == 0 && p[3] != 0) {
		out = wide_to_utf8(p, n, 2, true, &out_len);
	} else if (n >= 4 && p[0] != 0 && p[1] == 0 && p[2] != 0 && p[3] == 0) {
		out = wide_to_utf8(p, n, 2, false, &out_len);
	}

	if (out)
		charset = PARSE_CHARSET_UTF16;
	else {
		const char *s = (const char *)p;
		size_t lead = 0;

		while (lead < n && (s[lead] == ' ' || s[lead] == '\t' || s[lead] == '\r' || s[lead] == '\n'))
			lead++;
		if (!declared_encoding(s + lead, n - lead, cs, sizeof(cs)) || charset_is(cs, utf8_names) ||
		    charset_is(cs, ascii_names) || strncmp(cs, "utf-16", 6) == 0 ||
		    strncmp(cs, "utf-32", 6) == 0 || strncmp(cs, "ucs", 3) == 0)
			cs[0] = '\0';
		if (cs[0] && !charset_is(cs, latin1_names)) {
			/* GB18030 is a superset of GB2312, and feedparser uses it so */
			const char *name = streq(cs, "gb2312") ? "gb18030" :
					   streq(cs, "mac-roman") || streq(cs, "macroman") ? "macintosh" : cs;

			out = iconv_to_utf8(name, s, n, &out_len);
			charset = PARSE_CHARSET_ICONV;
		}
		if (!out) {
			if (!charset_is(cs, latin1_names) && utf8_valid(p, n)) {
				const char *lt = memchr(p, '<', n);

				if (!lt)
					return -EBADMSG;
				*ret_doc = lt;
				*ret_len = n - (size_t)(lt - (const char *)p);
				*ret_skipped = (size_t)(lt - (const char *)p);
				*ret_owned = NULL;
				*ret_charset = PARSE_CHARSET_UTF8;
				return 0;
			} else {
				/* declared Latin-1 stays Latin-1 (C1 controls are mapped per
				 * field later); anything else is read as windows-1252 */
				bool is_latin1 = charset_is(cs, latin1_names) && !charset_is(cs, cp1252_names);
				const char *guess = is_latin1 ? NULL : guess_cyrillic(p, n);

				if (!is_latin1 && !guess)
					guess = guess_cjk(p, n);

				if (guess && (out = iconv_to_utf8(guess, (const char *)p, n, &out_len)))
					charset = PARSE_CHARSET_ICONV;
				else {
					out = latin1_to_utf8(p, n, !is_latin1, &out_len);
					charset = PARSE_CHARSET_LATIN1;
				}
			}
		}
	}

	/* whitespace or junk before the first markup */
	for (skip = 0; skip < out_len && out[skip] != '<'; skip++)
		;
	if (skip == out_len) {
		free(out);
		return -EBADMSG;
	}
	*ret_doc = out + skip;
	*ret_skipped = skip;
	*ret_len = out_len - skip;
	*ret_owned = out;
	*ret_charset = charset;
	return 0;
}

char *parse_to_utf8(const void *data, size_t len, size_t *ret_len, enum parse_charset *ret_charset)
{
	const char *doc;
	char *owned, *r;
	size_t n, skipped;

	if (decode_doc(data, len, &doc, &n, &owned, ret_charset, &skipped) < 0)
		return NULL;
	r = xmalloc(n + 1);
	memcpy(r, doc, n);
	r[n] = '\0';
	free(owned);
	*ret_len = n;
	return r;
}

/* ---- repairs before parsing ---------------------------------------------- */

static bool is_name_start(unsigned char c)
{
	return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static bool is_space_byte(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_bad_control(unsigned char c)
{
	return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

/* Copies a start tag, quoting unquoted attribute values (name=value). */
static size_t fix_start_tag(struct buf *out, const char *s, size_t n, size_t i)
{
	char q = 0;

	while (i < n && s[i] != '>') {
		char c = s[i];

		if (q) {
			if (c == q)
				q = 0;
		} else if (c == '"' || c == '\'') {
			q = c;
		} else if (c == '<') {
			break;   /* a tag left open: let the parser see the next one */
		} else if (c == '=') {
			size_t j = i + 1, v;

			while (j < n && is_space_byte((unsigned char)s[j]))
				j++;
			if (j < n && s[j] != '"' && s[j] != '\'' && s[j] != '>') {
				(void)buf_append(out, s + i, j - i);
				(void)buf_putc(out, '"');
				for (v = j; v < n && !is_space_byte((unsigned char)s[v]) && s[v] != '>' && s[v] != '<'; v++)
					if (s[v] == '"')
						(void)buf_puts(out, "&quot;");
					else
						(void)buf_putc(out, s[v]);
				(void)buf_putc(out, '"');
				i = v;
				continue;
			}
		}
		(void)buf_putc(out, c);
		i++;
	}
	return i;
}

/* An ill-formed document, read again the way a lenient (SGML) reader sees
 * it: "&name" without ';' is a reference when HTML 4 knows the name and
 * text ("&name;") otherwise, a bare '&' and a '<' that starts no markup are
 * text, unquoted attribute values get quotes, and control characters XML 1.0
 * section 2.2 forbids are dropped (vertical tab and form feed become spaces).
 * CDATA sections, comments and processing instructions are copied as they
 * are.  Returns a new buffer. */
static char *doc_fixup(const char *s, size_t n, size_t *ret_len)
{
	struct buf out;
	size_t i = 0;

	buf_init(&out, 0);
	(void)buf_append(&out, "", 0);
	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c == '<' && i + 1 < n) {
			const char *end_mark = NULL;
			unsigned char d = (unsigned char)s[i + 1];

			if (n - i >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0)
				end_mark = "]]>";
			else if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0)
				end_mark = "-->";
			else if (d == '?')
				end_mark = "?>";
			if (end_mark) {
				const char *e = memmem(s + i + 2, n - i - 2, end_mark, strlen(end_mark));
				size_t stop = e ? (size_t)(e - s) + strlen(end_mark) : n;

				for (; i < stop; i++)
					if (!is_bad_control((unsigned char)s[i]))
						(void)buf_putc(&out, s[i]);
				continue;
			}
			if (is_name_start(d)) {
				(void)buf_putc(&out, '<');
				i = fix_start_tag(&out, s, n, i + 1);
				continue;
			}
			if (d != '/' && d != '!') {
				(void)buf_puts(&out, "&lt;");
				i++;
				continue;
			}
		} else if (c == '<') {
			(void)buf_puts(&out, "&lt;");
			i++;
			continue;
		} else if (c == '&') {
			size_t j = i + 1;

			if (j < n && s[j] == '#') {
				bool hex = j + 1 < n && (s[j + 1] == 'x' || s[j + 1] == 'X');
				size_t k = j + (hex ? 2 : 1);

				while (k < n && (hex ? isxdigit((unsigned char)s[k]) : isdigit((unsigned char)s[k])))
					k++;
				if (k > j + (hex ? 2 : 1)) {
					(void)buf_append(&out, s + i, k - i);
					(void)buf_putc(&out, ';');
					i = k < n && s[k] == ';' ? k + 1 : k;
					continue;
				}
			} else if (j < n && isalpha((unsigned char)s[j])) {
				size_t k = j;

				while (k < n && (isalnum((unsigned char)s[k]) || s[k] == '.' || s[k] == '-'))
					k++;
				if (k < n && s[k] == ';') {
					(void)buf_append(&out, s + i, k + 1 - i);
					i = k + 1;
					continue;
				}
				if (k < n) {
					bool known = text_html4_entity(s + j, k - j) ||
						     (k - j == 2 && (memcmp(s + j, "lt", 2) == 0 || memcmp(s + j, "gt", 2) == 0)) ||
						     (k - j == 3 && memcmp(s + j, "amp", 3) == 0) ||
						     (k - j == 4 && (memcmp(s + j, "quot", 4) == 0 || memcmp(s + j, "apos", 4) == 0));

					(void)buf_puts(&out, known ? "&" : "&amp;");
					(void)buf_append(&out, s + j, k - j);
					(void)buf_putc(&out, ';');
					i = k;
					continue;
				}
			}
			(void)buf_puts(&out, "&amp;");
			i++;
			continue;
		} else if (is_bad_control(c)) {
			if (c == 0x0b || c == 0x0c)
				(void)buf_putc(&out, ' ');
			i++;
			continue;
		}
		(void)buf_putc(&out, (char)c);
		i++;
	}
	*ret_len = out.len;
	return buf_steal(&out);
}

/* feedparser's replace_doctype(): the internal entities a reader may use
 * are those declared at the start of a line, as plain text or one
 * character reference, in a document with exactly one DOCTYPE. */
static void scan_doctype(struct state *st, const char *s, size_t n)
{
	size_t head = 0, ndoctype = 0, nallowed = 0;
	size_t starts[MAX_DOC_ENTITIES];

	while (head + 1 < n && !(s[head] == '<' && (isalnum((unsigned char)s[head + 1]) || s[head + 1] == '_' ||
						       (unsigned char)s[head + 1] >= 0x80)))
		head++;
	for (size_t i = 0; i + 9 <= head; i++) {
		bool is_doctype, at_line_start = true;

		if (s[i] != '<' || s[i + 1] != '!')
			continue;
		is_doctype = memcmp(s + i, "<!DOCTYPE", 9) == 0;
		if (!is_doctype && memcmp(s + i, "<!ENTITY", 8) != 0)
			continue;
		for (size_t k = i; k > 0; k--) {
			unsigned char b = (unsigned char)s[k - 1];

			if (b == '\n')
				break;
			if (!(b == ' ' || b == '\t' || b == '\r' || b == '\f' || b == '\v')) {
				at_line_start = false;
				break;
			}
		}
		if (!at_line_start)
			continue;
		if (is_doctype)
			ndoctype++;
		else if (nallowed < ELEMENTSOF(starts))
			starts[nallowed++] = i + 8;
	}
	if (ndoctype != 1)
		return;
	for (size_t e = 0; e < nallowed; e++) {
		/* \s+(\w+)\s+"(&#\w+;|[^&"]*)" */
		size_t i = starts[e], name, name_len, v;

		if (i >= head || !isspace((unsigned char)s[i]))
			continue;
		while (i < head && isspace((unsigned char)s[i]))
			i++;
		name = i;
		while (i < head && (isalnum((unsigned char)s[i]) || s[i] == '_'))
			i++;
		name_len = i - name;
		if (!name_len || i >= head || !isspace((unsigned char)s[i]))
			continue;
		while (i < head && isspace((unsigned char)s[i]))
			i++;
		if (i >= head || s[i] != '"')
			continue;
		v = ++i;
		if (s[v] == '&') {
			if (v + 1 >= head || s[v + 1] != '#')
				continue;
			for (i = v + 2; i < head && (isalnum((unsigned char)s[i]) || s[i] == '_'); i++)
				;
			if (i == v + 2 || i + 1 >= head || s[i] != ';' || s[i + 1] != '"')
				continue;
		} else {
			while (i < head && s[i] != '&' && s[i] != '"' && s[i] != '>')
				i++;
			if (i >= head || s[i] != '"')
				continue;
		}
		if (st->n_allowed < ELEMENTSOF(st->allowed))
			st->allowed[st->n_allowed++] = xstrndup(s + name, name_len);
	}
}

static bool entity_allowed(const struct state *st, const char *name)
{
	for (size_t i = 0; i < st->n_allowed; i++)
		if (streq(st->allowed[i], name))
			return true;
	return false;
}

/* ---- URLs ---------------------------------------------------------------- */

struct url {
	const char *scheme; size_t scheme_n;
	const char *netloc; size_t netloc_n; bool has_netloc;
	const char *path; size_t path_n;
	const char *query; size_t query_n;
	const char *frag; size_t frag_n;
};

static bool is_scheme_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '-' || c == '.';
}

static size_t scheme_len(const char *s)
{
	size_t i;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (i = 0; s[i] && s[i] != ':'; i++)
		if (!is_scheme_char(s[i]))
			return 0;
	return s[i] == ':' ? i : 0;
}

bool parse_url_is_absolute(const char *s)
{
	return s && scheme_len(s) > 0;
}

static void url_split(const char *s, struct url *u)
{
	size_t n = strlen(s), i, sl = scheme_len(s);
	const char *end;

	*u = (struct url){};
	if (sl) {
		u->scheme = s;
		u->scheme_n = sl;
		s += sl + 1;
		n -= sl + 1;
	}
	end = s + n;
	if (n >= 2 && s[0] == '/' && s[1] == '/') {
		for (i = 2; i < n && s[i] != '/' && s[i] != '?' && s[i] != '#'; i++)
			;
		u->netloc = s + 2;
		u->netloc_n = i - 2;
		u->has_netloc = true;
		s += i;
	}
	{
		const char *hash = memchr(s, '#', (size_t)(end - s));

		if (hash) {
			u->frag = hash + 1;
			u->frag_n = (size_t)(end - hash - 1);
			end = hash;
		}
	}
	{
		const char *q = memchr(s, '?', (size_t)(end - s));

		if (q) {
			u->query = q + 1;
			u->query_n = (size_t)(end - q - 1);
			end = q;
		}
	}
	u->path = s;
	u->path_n = (size_t)(end - s);
}

static bool scheme_is_relative(const char *s, size_t n)
{
	static const char *const names[] = {
		"", "ftp", "http", "gopher", "nntp", "imap", "wais", "file", "https", "shttp",
		"mms", "prospero", "rtsp", "rtspu", "sftp", "svn", "svn+ssh", "ws", "wss", NULL,
	};

	if (n == 0)
		return true;   /* no scheme at all: Python lists '' too */
	for (const char *const *p = names; *p; p++)
		if (strlen(*p) == n && strncasecmp(*p, s, n) == 0)
			return true;
	return false;
}

static void url_join_out(struct buf *b, const char *scheme, size_t scheme_n, const struct url *u,
			 const char *netloc, size_t netloc_n, bool has_netloc,
			 const char *path, size_t path_n, const char *query, size_t query_n)
{
	for (size_t i = 0; i < scheme_n; i++)
		(void)buf_putc(b, (char)((scheme[i] >= 'A' && scheme[i] <= 'Z') ? scheme[i] | 0x20 : scheme[i]));
	if (scheme_n)
		(void)buf_putc(b, ':');
	if (has_netloc && netloc_n) {
		(void)buf_puts(b, "//");
		(void)buf_append(b, netloc, netloc_n);
		if (path_n && path[0] != '/')
			(void)buf_putc(b, '/');
	} else if (scheme_n && scheme_is_relative(scheme, scheme_n) && !(path_n >= 2 && path[0] == '/' && path[1] == '/')) {
		(void)buf_puts(b, "//");
		if (path_n && path[0] != '/')
			(void)buf_putc(b, '/');
	}
	(void)buf_append(b, path, path_n);
	if (query_n) {
		(void)buf_putc(b, '?');
		(void)buf_append(b, query, query_n);
	}
	if (u->frag_n) {
		(void)buf_putc(b, '#');
		(void)buf_append(b, u->frag, u->frag_n);
	}
}

char *parse_urljoin(const char *base, const char *ref)
{
	struct url b, r;
	struct buf out, path;
	const char *scheme;
	size_t scheme_n;

	if (!base || !*base)
		return xstrdup(ref);
	if (!*ref)
		return xstrdup(base);
	url_split(base, &b);
	url_split(ref, &r);
	scheme = r.scheme_n ? r.scheme : b.scheme;
	scheme_n = r.scheme_n ? r.scheme_n : b.scheme_n;
	if (scheme_n != b.scheme_n || (scheme_n && strncasecmp(scheme, b.scheme, scheme_n) != 0) ||
	    !scheme_is_relative(scheme, scheme_n))
		return xstrdup(ref);

	buf_init(&out, 0);
	(void)buf_append(&out, "", 0);
	if (r.has_netloc) {
		url_join_out(&out, scheme, scheme_n, &r, r.netloc, r.netloc_n, true, r.path, r.path_n,
			     r.query, r.query_n);
		return buf_steal(&out);
	}
	if (r.path_n == 0) {
		url_join_out(&out, scheme, scheme_n, &r, b.netloc, b.netloc_n, b.has_netloc, b.path, b.path_n,
			     r.query_n ? r.query : b.query, r.query_n ? r.query_n : b.query_n);
		return buf_steal(&out);
	}

	/* segments: the base's directory + the reference, or the reference */
	{
		const char *segs[512];
		size_t lens[512], ns = 0, nres = 0;
		const char *res[512];
		size_t reslen[512];
		struct buf joined;

		buf_init(&joined, 0);
		(void)buf_append(&joined, "", 0);
		if (r.path[0] == '/')
			(void)buf_append(&joined, r.path, r.path_n);
		else {
			const char *slash = NULL;

			for (size_t i = 0; i < b.path_n; i++)
				if (b.path[i] == '/')
					slash = b.path + i;
			if (slash)
				(void)buf_append(&joined, b.path, (size_t)(slash - b.path) + 1);
			else if (b.path_n == 0 && b.has_netloc)
				(void)buf_putc(&joined, '/');
			(void)buf_append(&joined, r.path, r.path_n);
		}
		{
			const char *s = joined.data, *e = joined.data + joined.len, *start = s;

			for (const char *q = s; q <= e && ns < ELEMENTSOF(segs); q++)
				if (q == e || *q == '/') {
					segs[ns] = start;
					lens[ns++] = (size_t)(q - start);
					start = q + 1;
				}
		}
		for (size_t i = 0; i < ns; i++) {
			bool inner = i > 0 && i + 1 < ns;

			if (inner && lens[i] == 0 && r.path[0] != '/')
				continue;   /* redundant slashes are filtered */
			if (lens[i] == 2 && segs[i][0] == '.' && segs[i][1] == '.') {
				if (nres > 0)
					nres--;
			} else if (lens[i] == 1 && segs[i][0] == '.')
				continue;
			else {
				res[nres] = segs[i];
				reslen[nres++] = lens[i];
			}
		}
		if (ns && ((lens[ns - 1] == 1 && segs[ns - 1][0] == '.') ||
			   (lens[ns - 1] == 2 && segs[ns - 1][0] == '.' && segs[ns - 1][1] == '.'))) {
			res[nres] = "";
			reslen[nres++] = 0;
		}
		buf_init(&path, 0);
		(void)buf_append(&path, "", 0);
		for (size_t i = 0; i < nres; i++) {
			if (i)
				(void)buf_putc(&path, '/');
			(void)buf_append(&path, res[i], reslen[i]);
		}
		if (path.len == 0)
			(void)buf_putc(&path, '/');
		url_join_out(&out, scheme, scheme_n, &r, b.netloc, b.netloc_n, b.has_netloc, path.data, path.len,
			     r.query, r.query_n);
		buf_free(&path);
		buf_free(&joined);
	}
	return buf_steal(&out);
}

static char *resolve(const char *base, const char *ref)
{
	if (!ref)
		return NULL;
	if (!base)
		return xstrdup(ref);
	return parse_urljoin(base, ref);
}

/* ---- element table ------------------------------------------------------- */
/* ---- element table ------------------------------------------------------- */

static enum ns ns_of(const xmlChar *uri, const xmlChar *prefix)
{
	static const struct { const char *uri; enum ns ns; } known[] = {
		{ "http://purl.org/dc/elements/1.1/", NS_DC },
		{ "http://purl.org/dc/terms/", NS_DCTERMS },
		{ "http://purl.org/rss/1.0/modules/content/", NS_CONTENT },
		{ "http://search.yahoo.com/mrss/", NS_MEDIA },
		{ "http://search.yahoo.com/mrss", NS_MEDIA },
		{ "http://www.itunes.com/dtds/podcast-1.0.dtd", NS_ITUNES },
		{ "http://example.com/dtds/podcast-1.0.dtd", NS_ITUNES },
		{ "http://www.w3.org/1999/02/22-rdf-syntax-ns#", NS_RDF },
		{ "http://www.w3.org/1999/xhtml", NS_XHTML },
		{ "http://purl.org/rss/1.0/modules/syndication/", NS_SY },
		{ "http://backend.userland.com/rss", NS_CORE },
		{ "http://blogs.law.harvard.edu/tech/rss", NS_CORE },
		{ "http://purl.org/rss/1.0/", NS_CORE },
		{ "http://my.netscape.com/rdf/simple/0.9/", NS_CORE },
		{ "http://purl.org/atom/ns#", NS_CORE },
		{ "http://www.w3.org/2005/atom", NS_CORE },
		{ "http://purl.org/rss/1.0/modules/rss091#", NS_CORE },
		{ "http://example.com/newformat#", NS_CORE },
		{ "http://example.com/necho", NS_CORE },
		{ "http://purl.org/echo/", NS_CORE },
		{ "uri/of/echo/namespace#", NS_CORE },
		{ "http://purl.org/pie/", NS_CORE },
	};
	static const struct { const char *prefix; enum ns ns; } prefixes[] = {
		{ "dc", NS_DC }, { "dcterms", NS_DCTERMS }, { "content", NS_CONTENT },
		{ "media", NS_MEDIA }, { "itunes", NS_ITUNES }, { "rdf", NS_RDF },
		{ "sy", NS_SY },
	};

	if (uri) {
		const char *u = (const char *)uri;

		for (size_t i = 0; i < ELEMENTSOF(known); i++)
			if (strcasecmp(u, known[i].uri) == 0)
				return known[i].ns;
		if (strncasecmp(u, "http://backend.userland.com/rss", 31) == 0)
			return NS_CORE;
		return prefix ? NS_OTHER : NS_CORE;
	}
	if (!prefix)
		return NS_CORE;
	/* an undeclared prefix is taken at its word */
	for (size_t i = 0; i < ELEMENTSOF(prefixes); i++)
		if (strcasecmp((const char *)prefix, prefixes[i].prefix) == 0)
			return prefixes[i].ns;
	return NS_OTHER;
}

static enum el el_of(enum ns ns, const char *name)
{
	static const struct { enum ns ns; const char *name; enum el el; } table[] = {
		{ NS_CORE, "channel", EL_CHANNEL },
		{ NS_CORE, "feed", EL_CHANNEL },
		{ NS_CORE, "rss", EL_RSS },
		{ NS_CORE, "item", EL_ITEM },
		{ NS_CORE, "entry", EL_ITEM },
		{ NS_CORE, "image", EL_IMAGE },
		{ NS_CORE, "textinput", EL_TEXTINPUT },
		{ NS_CORE, "source", EL_SOURCE },
		{ NS_CORE, "title", EL_TITLE },
		{ NS_CORE, "link", EL_LINK },
		{ NS_CORE, "guid", EL_GUID },
		{ NS_CORE, "id", EL_GUID },
		{ NS_CORE, "description", EL_DESCRIPTION },
		{ NS_CORE, "abstract", EL_ABSTRACT },
		{ NS_CORE, "summary", EL_SUMMARY },
		{ NS_CORE, "content", EL_CONTENT },
		{ NS_CORE, "fullitem", EL_CONTENT_ENCODED },
		{ NS_CORE, "body", EL_BODY },
		{ NS_XHTML, "body", EL_BODY },
		{ NS_CORE, "pubdate", EL_PUBLISHED },
		{ NS_CORE, "published", EL_PUBLISHED },
		{ NS_CORE, "issued", EL_PUBLISHED },
		{ NS_CORE, "updated", EL_UPDATED },
		{ NS_CORE, "modified", EL_UPDATED },
		{ NS_CORE, "lastbuilddate", EL_UPDATED },
		{ NS_CORE, "author", EL_AUTHOR },
		{ NS_CORE, "managingeditor", EL_AUTHOR },
		{ NS_CORE, "contributor", EL_CONTRIBUTOR },
		{ NS_CORE, "name", EL_NAME },
		{ NS_CORE, "email", EL_EMAIL },
		{ NS_CORE, "url", EL_URL },
		{ NS_CORE, "uri", EL_URL },
		{ NS_CORE, "homepage", EL_URL },
		{ NS_CORE, "category", EL_CATEGORY },
		{ NS_CORE, "keywords", EL_CATEGORY },
		{ NS_CORE, "tags", EL_KEYWORDS },
		{ NS_CORE, "ttl", EL_TTL },
		{ NS_CORE, "skiphours", EL_SKIP_HOURS },
		{ NS_CORE, "skipdays", EL_SKIP_DAYS },
		{ NS_CORE, "hour", EL_HOUR },
		{ NS_CORE, "day", EL_DAY },
		{ NS_SY, "updateperiod", EL_SY_PERIOD },
		{ NS_SY, "updatefrequency", EL_SY_FREQUENCY },
		{ NS_SY, "updatebase", EL_SY_BASE },
		{ NS_CORE, "generator", EL_PUSHER },
		{ NS_DC, "title", EL_TITLE },
		{ NS_DC, "description", EL_DESCRIPTION },
		{ NS_DC, "date", EL_UPDATED },
		{ NS_DC, "creator", EL_AUTHOR },
		{ NS_DC, "author", EL_AUTHOR },
		{ NS_DC, "subject", EL_CATEGORY },
		{ NS_DC, "contributor", EL_CONTRIBUTOR },
		{ NS_DCTERMS, "issued", EL_PUBLISHED },
		{ NS_DCTERMS, "modified", EL_UPDATED },
		{ NS_CONTENT, "encoded", EL_CONTENT_ENCODED },
		{ NS_MEDIA, "title", EL_MEDIA_TITLE },
		{ NS_MEDIA, "description", EL_DESCRIPTION },
		{ NS_MEDIA, "category", EL_CATEGORY },
		{ NS_MEDIA, "keywords", EL_KEYWORDS },
		{ NS_MEDIA, "group", EL_MEDIA_GROUP },
		{ NS_MEDIA, "content", EL_MEDIA_GROUP },
		{ NS_MEDIA, "thumbnail", EL_PUSHER },
		{ NS_MEDIA, "rating", EL_PUSHER },
		{ NS_MEDIA, "credit", EL_PUSHER },
		{ NS_MEDIA, "restriction", EL_PUSHER },
		{ NS_MEDIA, "license", EL_PUSHER },
		{ NS_MEDIA, "player", EL_PUSHER },
		{ NS_ITUNES, "summary", EL_SUMMARY },
		{ NS_ITUNES, "author", EL_AUTHOR },
		{ NS_ITUNES, "name", EL_NAME },
		{ NS_ITUNES, "email", EL_EMAIL },
		{ NS_ITUNES, "category", EL_ITUNES_CATEGORY },
		{ NS_ITUNES, "keywords", EL_KEYWORDS },
		{ NS_ITUNES, "image", EL_PUSHER },
		{ NS_ITUNES, "link", EL_PUSHER },
	};

	for (size_t i = 0; i < ELEMENTSOF(table); i++)
		if (table[i].ns == ns && strcmp(table[i].name, name) == 0)
			return table[i].el;
	return EL_OTHER;
}

/* libxml2 interns names in its dictionary, so within one document the
 * pointers identify an element kind; a small cache spares the table walks. */
static const struct elinfo *classify(struct state *st, const xmlChar *localname, const xmlChar *prefix,
				     const xmlChar *uri, const char *lname)
{
	size_t h = (((uintptr_t)localname >> 3) ^ ((uintptr_t)uri >> 5) ^ ((uintptr_t)prefix >> 7)) %
		   ELEMENTSOF(st->el_cache);
	struct elinfo *e = &st->el_cache[h];

	if (e->localname == localname && e->uri == uri && e->prefix == prefix)
		return e;
	e->localname = localname;
	e->uri = uri;
	e->prefix = prefix;
	e->ns = ns_of(uri, prefix);
	e->el = el_of(e->ns, lname);
	e->is_feed = streq(lname, "feed");
	e->keeps_textinput = streq(lname, "title") || streq(lname, "link") ||
			     streq(lname, "description") || streq(lname, "name");
	e->keeps_image = streq(lname, "title") || streq(lname, "link") || streq(lname, "description") ||
			 streq(lname, "url") || streq(lname, "href") || streq(lname, "width") ||
			 streq(lname, "height");
	return e;
}

/* ---- attributes ---------------------------------------------------------- */

/* Without entity substitution libxml2 hands "&amp;" in attribute values over
 * as "&#38;"; a bare '&' cannot reach us there, so every "&#38;" is one. */
static char *attr_unescape(char *s)
{
	char *r = s, *w = s;

	if (!strstr(s, "&#38;"))
		return s;
	while (*r) {
		if (strncmp(r, "&#38;", 5) == 0) {
			*w++ = '&';
			r += 5;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	return s;
}

/* Finds attribute localname (case-insensitive) in libxml2's 5-tuples; with
 * want_ns NULL only an attribute without namespace matches. */
static char *attr_get(const xmlChar **attrs, int n, const char *name, const char *want_ns)
{
	for (int i = 0; i < n; i++) {
		const xmlChar **a = attrs + 5 * i;

		if (strcasecmp((const char *)a[0], name) != 0)
			continue;
		if (want_ns ? !(a[2] && strcmp((const char *)a[2], want_ns) == 0) : a[2] != NULL)
			continue;
		return attr_unescape(xstrndup((const char *)a[3], (size_t)(a[4] - a[3])));
	}
	return NULL;
}

static void str_lower(char *s)
{
	for (; s && *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s |= 0x20;
}

/* type="..." after feedparser's short-name mapping (text, html, xhtml) */
static enum ctype ctype_of(const char *type, enum ctype dflt)
{
	if (!type)
		return dflt;
	if (streq(type, "text") || streq(type, "plain") || streq(type, "text/plain"))
		return CTYPE_TEXT;
	if (streq(type, "html") || streq(type, "text/html"))
		return CTYPE_HTML;
	if (streq(type, "xhtml") || streq(type, "application/xhtml+xml"))
		return CTYPE_XHTML;
	return CTYPE_OTHER;
}

/* feedparser's _is_base64(): mode="base64", or a type that is neither text
 * nor XML. */
static bool type_is_base64(const char *type, const char *mode, enum ctype dflt)
{
	size_t n;

	if (streq(mode, "base64"))
		return true;
	if (!type)
		return false;
	if (ctype_of(type, dflt) != CTYPE_OTHER || strncmp(type, "text/", 5) == 0)
		return false;
	n = strlen(type);
	return !(n >= 4 && (strcmp(type + n - 4, "+xml") == 0 || strcmp(type + n - 4, "/xml") == 0));
}

/* RFC 4648 base64, skipping characters outside the alphabet as Python's
 * decodebytes() does.  Returns NULL when it is not base64 or not UTF-8. */
static char *base64_decode(const char *s, size_t n)
{
	char *out = xmalloc(n / 4 * 3 + 4);
	size_t w = 0, k = 0;
	uint32_t acc = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int v;

		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '+')
			v = 62;
		else if (c == '/')
			v = 63;
		else if (c == '=')
			break;
		else
			continue;
		acc = acc << 6 | (uint32_t)v;
		if (++k == 4) {
			out[w++] = (char)(acc >> 16);
			out[w++] = (char)(acc >> 8);
			out[w++] = (char)acc;
			acc = 0;
			k = 0;
		}
	}
	if (k == 1) {
		free(out);
		return NULL;
	}
	if (k == 2)
		out[w++] = (char)(acc >> 4);
	else if (k == 3) {
		out[w++] = (char)(acc >> 10);
		out[w++] = (char)(acc >> 2);
	}
	out[w] = '\0';
	if (!utf8_valid((const unsigned char *)out, w) || memchr(out, '\0', w)) {
		free(out);
		return NULL;
	}
	return out;
}

/* ---- items --------------------------------------------------------------- */

static void item_clear(struct feed_item *it)
{
	free(it->title);
	free(it->link);
	free(it->id);
	free(it->author);
	free(it->summary);
	for (size_t i = 0; i < it->n_categories; i++)
		free(it->categories[i]);
	free(it->categories);
	*it = (struct feed_item){ .published = PARSE_NO_DATE, .updated = PARSE_NO_DATE };
}

void feed_free(struct feed *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_items; i++)
		item_clear(&f->items[i]);
	free(f->items);
	free(f->title);
	free(f->link);
	free(f);
}

static void set_str(char **dst, char *v)
{
	free(*dst);
	*dst = v;
}

static void item_add_category(struct item_build *b, char *term)
{
	struct feed_item *it = &b->it;

	if (!term)
		return;
	for (size_t i = 0; i < it->n_categories; i++)
		if (streq(it->categories[i], term)) {
			free(term);
			return;
		}
	it->categories = xreallocarray(it->categories, it->n_categories + 1, sizeof(char *));
	it->categories[it->n_categories++] = term;
}

static void item_end(struct state *st)
{
	if (!st->cur.is_open)
		return;
	if (st->n_items == st->cap_items) {
		st->cap_items = st->cap_items ? st->cap_items * 2 : 16;
		st->items = xreallocarray(st->items, st->cap_items, sizeof(*st->items));
	}
	st->items[st->n_items++] = st->cur.it;
	st->cur = (struct item_build){ .it = { .published = PARSE_NO_DATE, .updated = PARSE_NO_DATE } };
}

/* ---- contexts: where a value lands (feedparser's _get_context) ----------- */

static enum ctx get_context(const struct state *st)
{
	if (st->in_source)
		return CTX_SOURCE;
	if (st->in_image && st->feed_has_image)
		return CTX_IMAGE;
	if (st->in_textinput)
		return CTX_TEXTINPUT;
	if (st->cur.is_open)
		return CTX_ENTRY;
	return CTX_FEED;
}

/* Text elements of an entry land in it unless inside <source>. */
static bool stores_in_entry(const struct state *st)
{
	return st->cur.is_open && !st->in_source;
}

static bool stores_in_feed(const struct state *st)
{
	return !stores_in_entry(st) && st->in_feed && get_context(st) == CTX_FEED;
}

static bool ctx_has_summary(const struct state *st)
{
	switch (get_context(st)) {
	case CTX_ENTRY:
		return st->cur.has_summary;
	case CTX_FEED:
		return st->feed_has_summary;
	case CTX_IMAGE:
	case CTX_TEXTINPUT:
	case CTX_SOURCE:
		break;
	}
	return false;
}

/* ---- captures ------------------------------------------------------------ */

static void append_escaped(struct buf *b, const char *s, size_t n);

static const char *current_base(const struct state *st)
{
	return st->depth > 0 && st->depth <= MAX_DEPTH ? st->stack[st->depth].base : NULL;
}

static struct capture *capture_push(struct state *st, enum el el, enum ctype type, bool is_content)
{
	struct capture *c;

	if (st->ncap == MAX_CAPTURES)
		return NULL;
	c = &st->cap[st->ncap++];
	*c = (struct capture){ .depth = st->depth, .el = el, .type = type, .is_content = is_content,
			       .collect = true };
	buf_init(&c->text, st->max_text);
	return c;
}

static void capture_sink(struct state *st, enum el el)
{
	struct capture *c = capture_push(st, el, CTYPE_TEXT, false);

	if (c)
		c->collect = false;
}

static char *capture_text(struct state *st, struct capture *c, const char *s, size_t n)
{
	enum text_kind kind = TEXT_PLAIN;

	switch (c->type) {
	case CTYPE_HTML:
	case CTYPE_XHTML:
		kind = TEXT_HTML;
		break;
	case CTYPE_TEXT:
		/* RSS text of no declared type may really be HTML */
		if (st->version != VER_ATOM && text_looks_like_html(s, n))
			kind = TEXT_HTML;
		break;
	case CTYPE_OTHER:
		break;
	}
	return text_normalize(s, n, kind, true);
}

/* Entry links: "&amp;" left over from double escaping is decoded, and
 * "&name;" loses its ';' (feedparser repairs query strings so). */
static char *fix_link(char *s, bool is_entry)
{
	char *r, *w;

	if (!s || !strchr(s, '&'))
		return s;
	w = r = s;
	while (*r) {
		if (is_entry && strncmp(r, "&amp;", 5) == 0) {
			*w++ = '&';
			r += 5;
			continue;
		}
		if (*r == '&') {
			const char *q = r + 1;

			while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '_')
				q++;
			if (q > r + 1 && *q == ';') {
				size_t n = (size_t)(q - r);

				memmove(w, r, n);
				w += n;
				r += n + 1;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
	return s;
}

/* Whether a property found at depth may replace one found at *pd. */
static bool depth_wins(int *pd, int depth)
{
	if (*pd >= 0 && depth > *pd)
		return false;
	*pd = depth;
	return true;
}

static bool has_nonspace(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')))
			return true;
	return false;
}

static void end_content(struct state *st, struct capture *c, const char *s, size_t n)
{
	/* copied to the summary when there is none yet (feedparser's _save) */
	if (c->type == CTYPE_OTHER)
		return;
	switch (get_context(st)) {
	case CTX_ENTRY:
		if (!st->cur.has_summary) {
			st->cur.it.summary = capture_text(st, c, s, n);
			st->cur.has_summary = true;
		}
		break;
	case CTX_FEED:
		st->feed_has_summary = true;
		break;
	case CTX_IMAGE:
	case CTX_TEXTINPUT:
	case CTX_SOURCE:
		break;
	}
}

static void add_category(struct state *st, char *term)
{
	if (get_context(st) == CTX_ENTRY)
		item_add_category(&st->cur, term);
	else
		free(term);
}

/* feedparser reads an ill-formed document with an SGML parser that keeps
 * the XML escapes (&amp; &lt; &gt; &quot; &apos;, and CDATA escaped) in
 * element text, and undoes them only in text constructs, with one
 * str.replace() after the other.  Given the text libxml2 decoded, that
 * leaves "&quot;" and "&apos;" decoded once more in text constructs, and
 * the escapes in place everywhere else. */
static char *loose_quotes(const char *s, size_t n)
{
	struct buf b;

	if (!memmem(s, n, "&quot;", 6) && !memmem(s, n, "&apos;", 6))
		return NULL;
	buf_init(&b, 0);
	(void)buf_append(&b, s, n);
	for (int pass = 0; pass < 2; pass++) {
		const char *from = pass == 0 ? "&quot;" : "&apos;";
		char to = pass == 0 ? '"' : '\'';
		char *r = b.data, *w = b.data;

		while (*r) {
			if (strncmp(r, from, 6) == 0) {
				*w++ = to;
				r += 6;
			} else
				*w++ = *r++;
		}
		*w = '\0';
		b.len = (size_t)(w - b.data);
	}
	return buf_steal(&b);
}

static char *xml_escape(const char *s, size_t n)
{
	struct buf b;

	if (!memchr(s, '&', n) && !memchr(s, '<', n) && !memchr(s, '>', n))
		return NULL;
	buf_init(&b, 0);
	(void)buf_append(&b, "", 0);
	append_escaped(&b, s, n);
	return buf_steal(&b);
}

static void capture_end(struct state *st, struct capture *c)
{
	struct item_build *b = &st->cur;
	int depth = c->depth;
	_cleanup_free_ char *decoded = NULL;
	const char *s = c->text.data ? c->text.data : "";
	size_t n = c->text.len;

	if (c->is_base64 && n && (decoded = base64_decode(s, n))) {
		s = decoded;
		n = strlen(decoded);
	}
	if (st->is_loose && n) {
		char *l = NULL;

		/* how a lenient (SGML) reader sees the text, see loose_text() */
		if (c->is_content && c->type != CTYPE_XHTML)
			l = loose_quotes(s, n);
		else if (!c->is_content && c->el != EL_LINK)
			l = xml_escape(s, n);
		if (l) {
			free(decoded);
			s = decoded = l;
			n = strlen(l);
		}
	}

	switch (c->el) {
	case EL_TITLE:
	case EL_MEDIA_TITLE: {
		int saved = st->title_depth;

		if (!(st->title_depth > -1 && st->title_depth <= depth)) {
			if (stores_in_entry(st)) {
				if (depth_wins(&b->title_pd, depth))
					set_str(&b->it.title, capture_text(st, c, s, n));
			} else if (stores_in_feed(st))
				set_str(&st->feed_title, capture_text(st, c, s, n));
		}
		if (has_nonspace(s, n))
			st->title_depth = depth;
		if (c->el == EL_MEDIA_TITLE)
			st->title_depth = saved;
		break;
	}
	case EL_LINK: {
		char *v = text_normalize(s, n, TEXT_PLAIN, true);

		if (v) {
			char *r = resolve(current_base(st), v);

			free(v);
			v = r;
		}
		if (stores_in_entry(st)) {
			if (st->in_image)
				free(v);
			else {
				set_str(&b->it.link, fix_link(v, true));
				b->has_link = true;
			}
		} else if (stores_in_feed(st))
			set_str(&st->feed_link, fix_link(v, false));
		else
			free(v);
		break;
	}
	case EL_GUID: {
		char *v = text_normalize(s, n, TEXT_PLAIN, true);

		if (v && c->is_guid_link) {
			char *r = resolve(current_base(st), v);

			free(v);
			v = r;
		}
		if (c->is_guid_link && get_context(st) == CTX_ENTRY && !b->has_link) {
			b->it.link = xstrdup_or_null(v);
			b->has_link = true;
		}
		if (stores_in_entry(st) && depth_wins(&b->id_pd, depth))
			set_str(&b->it.id, v);
		else
			free(v);
		break;
	}
	case EL_DESCRIPTION:
	case EL_ABSTRACT:
	case EL_SUMMARY:
	case EL_CONTENT:
	case EL_CONTENT_ENCODED:
	case EL_BODY:
		if (c->el == EL_CONTENT || c->el == EL_CONTENT_ENCODED || c->el == EL_BODY || c->is_redirected) {
			end_content(st, c, s, n);
			break;
		}
		if (stores_in_entry(st)) {
			if (depth_wins(&b->summary_pd, depth))
				set_str(&b->it.summary, capture_text(st, c, s, n));
			b->has_summary = true;
		} else if (stores_in_feed(st) && c->el == EL_SUMMARY)
			st->feed_has_summary = true;
		break;
	case EL_PUBLISHED:
	case EL_UPDATED: {
		int64_t t = PARSE_NO_DATE;

		if (get_context(st) != CTX_ENTRY)
			break;
		if (n && timefmt_parse(s, n, &t) < 0)
			t = PARSE_NO_DATE;
		if (c->el == EL_PUBLISHED)
			b->it.published = t;
		else
			b->it.updated = t;
		break;
	}
	case EL_AUTHOR: {
		char *v;

		st->in_author = false;
		if (!stores_in_entry(st))
			break;
		if (st->author_name && st->author_email)
			v = xasprintf("%s (%s)", st->author_name, st->author_email);
		else if (st->author_name)
			v = xstrdup(st->author_name);
		else if (st->author_email)
			v = xstrdup(st->author_email);
		else {
			if (!depth_wins(&b->author_pd, depth))
				break;
			v = text_normalize(s, n, TEXT_PLAIN, true);
		}
		set_str(&b->it.author, v);
		break;
	}
	case EL_NAME:
	case EL_EMAIL:
		if (st->in_author) {
			char *v = text_normalize(s, n, TEXT_PLAIN, true);

			set_str(c->el == EL_NAME ? &st->author_name : &st->author_email, v);
		}
		break;
	case EL_CATEGORY:
	case EL_ITUNES_CATEGORY:
		add_category(st, text_normalize(s, n, TEXT_PLAIN, true));
		break;
	case EL_KEYWORDS:
		if (n) {
			const char *p = s, *end = s + n;

			while (p <= end) {
				const char *comma = memchr(p, ',', (size_t)(end - p));
				size_t len = comma ? (size_t)(comma - p) : (size_t)(end - p);

				add_category(st, text_normalize(p, len, TEXT_PLAIN, true));
				if (!comma)
					break;
				p = comma + 1;
			}
		}
		break;
	case EL_TTL:
		if (stores_in_feed(st) && n) {
			long v = strtol(s, NULL, 10);

			if (v > 0 && v < 1000000)
				st->ttl = (unsigned)v;
		}
		break;
	case EL_SKIP_HOURS:
		st->in_skip_hours = false;
		break;
	case EL_SKIP_DAYS:
		st->in_skip_days = false;
		break;
	case EL_HOUR:
		if (st->in_skip_hours && n) {
			char *end;
			long v = strtol(s, &end, 10);

			/* some publishers write 24 for midnight */
			if (end != s && v >= 0 && v <= 24)
				st->schedule.skip_hours |= UINT32_C(1) << (v % 24);
		}
		break;
	case EL_DAY:
		if (st->in_skip_days && n) {
			static const char *const days[] = {
				"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
			};
			_cleanup_free_ char *d = text_normalize(s, n, TEXT_PLAIN, true);

			for (size_t i = 0; d && i < ELEMENTSOF(days); i++)
				if (strcasecmp(d, days[i]) == 0)
					st->schedule.skip_days |= (uint8_t)(1u << i);
		}
		break;
	case EL_SY_PERIOD:
		if (stores_in_feed(st) && n)
			set_str(&st->sy_period, text_normalize(s, n, TEXT_PLAIN, true));
		break;
	case EL_SY_FREQUENCY:
		if (stores_in_feed(st) && n) {
			long v = strtol(s, NULL, 10);

			if (v > 0 && v < 1000000)
				st->sy_frequency = v;
		}
		break;
	case EL_SY_BASE:
		if (stores_in_feed(st) && n) {
			int64_t t;

			if (timefmt_parse(s, n, &t) == 0 && t > 0)
				st->schedule.update_base = t;
		}
		break;
	case EL_CONTRIBUTOR:
		st->in_contributor = false;
		break;
	case EL_OTHER:
	case EL_CHANNEL:
	case EL_RSS:
	case EL_ITEM:
	case EL_IMAGE:
	case EL_TEXTINPUT:
	case EL_SOURCE:
	case EL_URL:
	case EL_MEDIA_GROUP:
	case EL_PUSHER:
		break;
	}
}

/* ---- SAX callbacks ------------------------------------------------------- */

static void append_escaped(struct buf *b, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		const char *rep = s[i] == '<' ? "&lt;" : s[i] == '&' ? "&amp;" : s[i] == '>' ? "&gt;" : NULL;

		if (!rep)
			continue;
		(void)buf_append(b, s + start, i - start);
		(void)buf_puts(b, rep);
		start = i + 1;
	}
	(void)buf_append(b, s + start, n - start);
}

static void on_characters(void *ctx, const xmlChar *ch, int len)
{
	struct state *st = ctx;
	struct capture *c;

	if (st->ncap == 0 || len <= 0)
		return;
	c = &st->cap[st->ncap - 1];
	if (!c->collect)
		return;
	if (c->is_content && c->type == CTYPE_XHTML)
		append_escaped(&c->text, (const char *)ch, (size_t)len);
	else
		(void)buf_append(&c->text, ch, (size_t)len);
}

static void update_base(struct state *st, const xmlChar **attrs, int nattrs)
{
	struct frame *f = &st->stack[st->depth], *parent = &st->stack[st->depth - 1];
	_cleanup_free_ char *xb = attr_get(attrs, nattrs, "base", "http://www.w3.org/XML/1998/namespace");

	/* feedparser also honours a plain base attribute (CDF) */
	if (!xb)
		xb = attr_get(attrs, nattrs, "base", NULL);
	f->base = parent->base;
	f->owns_base = false;
	if (!xb)
		return;
	if (!parent->base) {
		f->base = steal_ptr(xb);
		f->owns_base = true;
		return;
	}
	{
		char *nb = parse_urljoin(parent->base, xb);

		/* a base that does not end up absolute is ignored */
		if (!parse_url_is_absolute(nb)) {
			free(nb);
			return;
		}
		f->base = nb;
		f->owns_base = true;
	}
}

static void track_version(struct state *st, int nb_namespaces, const xmlChar **namespaces)
{
	for (int i = 0; i < nb_namespaces && st->version == VER_NONE; i++) {
		const char *prefix = (const char *)namespaces[2 * i];
		const char *uri = (const char *)namespaces[2 * i + 1];

		if (!uri)
			continue;
		if ((!prefix && strcasecmp(uri, "http://my.netscape.com/rdf/simple/0.9/") == 0) ||
		    strcasecmp(uri, "http://purl.org/rss/1.0/") == 0)
			st->version = VER_RSS;
		else if (strcasecmp(uri, "http://www.w3.org/2005/atom") == 0)
			st->version = VER_ATOM;
	}
}

/* An attribute value as text (both readers unescape attributes). */
static char *attr_text(const char *v)
{
	return text_normalize(v, strlen(v), TEXT_PLAIN, true);
}

static void item_begin(struct state *st, const xmlChar **attrs, int nattrs)
{
	item_end(st);  /* an item inside an item starts a new one */
	st->cur = (struct item_build){
		.it = { .published = PARSE_NO_DATE, .updated = PARSE_NO_DATE },
		.is_open = true,
		.title_pd = -1, .summary_pd = -1, .id_pd = -1, .author_pd = -1,
	};
	st->title_depth = -1;
	{
		_cleanup_free_ char *about = attr_get(attrs, nattrs, "about",
						     "http://www.w3.org/1999/02/22-rdf-syntax-ns#");

		if (about)
			st->cur.it.id = text_normalize(about, strlen(about), TEXT_PLAIN, true);
	}
	/* CDF: <ITEM HREF=... LASTMOD=...> */
	{
		_cleanup_free_ char *lastmod = attr_get(attrs, nattrs, "lastmod", NULL);
		_cleanup_free_ char *href = attr_get(attrs, nattrs, "href", NULL);
		int64_t t;

		if (lastmod)
			st->cur.it.updated = timefmt_parse(lastmod, strlen(lastmod), &t) == 0 ? t : PARSE_NO_DATE;
		if (href) {
			char *v = text_normalize(href, strlen(href), TEXT_PLAIN, true);

			set_str(&st->cur.it.link, v ? resolve(current_base(st), v) : NULL);
			free(v);
			st->cur.has_link = true;
		}
	}
}

static void start_link(struct state *st, const xmlChar **attrs, int nattrs)
{
	_cleanup_free_ char *rel = attr_get(attrs, nattrs, "rel", NULL);
	_cleanup_free_ char *type = attr_get(attrs, nattrs, "type", NULL);
	_cleanup_free_ char *href = attr_get(attrs, nattrs, "url", NULL);
	char *v, *r;

	if (!href)
		href = attr_get(attrs, nattrs, "uri", NULL);
	if (!href)
		href = attr_get(attrs, nattrs, "href", NULL);
	if (!href) {
		capture_push(st, EL_LINK, CTYPE_TEXT, false);
		return;
	}
	str_lower(rel);
	str_lower(type);
	/* RFC 4287 section 4.2.7.2: no rel means alternate */
	if (rel && !streq(rel, "alternate"))
		return;
	/* feedparser's html_types, after its short-name mapping */
	if (type && !streq(type, "text/html") && !streq(type, "html") &&
	    !streq(type, "application/xhtml+xml") && !streq(type, "xhtml"))
		return;
	v = text_normalize(href, strlen(href), TEXT_PLAIN, true);
	r = v ? resolve(current_base(st), v) : NULL;
	free(v);
	switch (get_context(st)) {
	case CTX_ENTRY:
		set_str(&st->cur.it.link, r);
		st->cur.has_link = true;
		break;
	case CTX_FEED:
		if (st->in_feed) {
			set_str(&st->feed_link, r);
			break;
		}
		free(r);
		break;
	case CTX_IMAGE:
	case CTX_TEXTINPUT:
	case CTX_SOURCE:
		free(r);
		break;
	}
}

static void start_text_construct(struct state *st, enum el el, const xmlChar **attrs, int nattrs)
{
	_cleanup_free_ char *type = attr_get(attrs, nattrs, "type", NULL);
	_cleanup_free_ char *mode = attr_get(attrs, nattrs, "mode", NULL);
	enum ctype dflt = CTYPE_TEXT;
	bool redirect = false;
	struct capture *c;

	/* a second description or summary is content (feedparser's
	 * _start_description and _start_summary) */
	if (el == EL_DESCRIPTION) {
		redirect = ctx_has_summary(st) && !st->has_content;
		dflt = redirect ? CTYPE_TEXT : CTYPE_HTML;
	} else if (el == EL_SUMMARY)
		redirect = ctx_has_summary(st) && !st->has_content;
	else if (el == EL_CONTENT_ENCODED) {
		dflt = CTYPE_HTML;
		st->has_content = true;
	} else if (el == EL_BODY)
		dflt = CTYPE_XHTML;
	else if (el == EL_CONTENT)
		st->has_content = true;
	if (redirect)
		st->has_content = true;
	str_lower(type);
	c = capture_push(st, el, ctype_of(type, dflt), true);
	if (!c)
		return;
	c->is_redirected = redirect;
	c->is_base64 = type_is_base64(type, mode, dflt);
	if (el == EL_CONTENT) {
		_cleanup_free_ char *src = attr_get(attrs, nattrs, "src", NULL);

		/* content by reference has no text to summarise */
		if (src)
			c->collect = false;
	}
}

static void start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
			  const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
			  int nattrs, int nb_defaulted, const xmlChar **attrs)
{
	struct state *st = ctx;
	char name[32];
	size_t ln = strlen((const char *)localname);
	const struct elinfo *info;
	enum el el;
	struct capture *top = st->ncap ? &st->cap[st->ncap - 1] : NULL;

	st->depth++;
	if (st->depth > MAX_DEPTH)
		return;
	st->stack[st->depth] = (struct frame){};
	update_base(st, attrs, nattrs);
	if (!st->seen_root)
		for (size_t i = 0; i < sizeof(st->root_name) - 1 && i < ln; i++)
			st->root_name[i] = (char)tolower((unsigned char)localname[i]);
	st->seen_root = true;
	track_version(st, nb_namespaces, namespaces);

	/* inside text constructs, child elements are markup */
	if (top && top->is_content) {
		bool is_div = strcasecmp((const char *)localname, "div") == 0;

		if (top->type != CTYPE_XHTML && top->type != CTYPE_OTHER && is_div)
			return;  /* typepad wraps escaped HTML in a <div> */
		if (top->type != CTYPE_OTHER)
			top->type = CTYPE_XHTML;
		st->stack[st->depth].is_markup = true;
		if (top->collect && top->type == CTYPE_XHTML) {
			(void)buf_putc(&top->text, '<');
			(void)buf_puts(&top->text, (const char *)localname);
			(void)buf_putc(&top->text, '>');
		}
		return;
	}

	if (ln >= sizeof(name)) {
		if (nattrs == 0)
			capture_sink(st, EL_OTHER);
		return;
	}
	for (size_t i = 0; i <= ln; i++)
		name[i] = (char)((localname[i] >= 'A' && localname[i] <= 'Z') ? localname[i] | 0x20 : localname[i]);
	info = classify(st, localname, prefix, uri, name);
	el = info->el;

	/* feedparser's "special hack" for ill-formed image/textinput blocks */
	if (info->ns == NS_CORE) {
		if (!info->keeps_textinput)
			st->in_textinput = false;
		if (!info->keeps_image)
			st->in_image = false;
	}

	switch (el) {
	case EL_RSS:
		st->version = VER_RSS;
		break;
	case EL_CHANNEL:
		if (info->is_feed && st->version == VER_NONE)
			st->version = VER_ATOM;
		st->in_feed = true;
		break;
	case EL_ITEM:
		item_begin(st, attrs, nattrs);
		capture_sink(st, el);
		break;
	case EL_IMAGE:
		if (!st->cur.is_open)
			st->feed_has_image = true;
		st->in_image = true;
		st->title_depth = -1;
		capture_sink(st, el);
		break;
	case EL_TEXTINPUT:
		st->in_textinput = true;
		st->title_depth = -1;
		capture_sink(st, el);
		break;
	case EL_SOURCE:
		st->in_source = true;
		st->title_depth = -1;
		capture_sink(st, el);
		break;
	case EL_TITLE:
	case EL_MEDIA_TITLE:
	case EL_DESCRIPTION:
	case EL_SUMMARY:
	case EL_CONTENT:
	case EL_CONTENT_ENCODED:
		start_text_construct(st, el, attrs, nattrs);
		break;
	case EL_BODY:
		/* an XHTML body is an item's content; a whole XHTML page is not */
		if (st->cur.is_open)
			start_text_construct(st, el, attrs, nattrs);
		else
			capture_sink(st, EL_OTHER);
		break;
	case EL_ABSTRACT:
		capture_push(st, el, CTYPE_TEXT, true);
		break;
	case EL_LINK:
		start_link(st, attrs, nattrs);
		break;
	case EL_GUID: {
		struct capture *c = capture_push(st, el, CTYPE_TEXT, false);

		if (c) {
			_cleanup_free_ char *perma = attr_get(attrs, nattrs, "ispermalink", NULL);

			c->is_guid_link = !perma || streq(perma, "true");
		}
		break;
	}
	case EL_CATEGORY: {
		_cleanup_free_ char *term = attr_get(attrs, nattrs, "term", NULL);

		if (term)
			add_category(st, attr_text(term));
		capture_push(st, el, CTYPE_TEXT, false);
		break;
	}
	case EL_ITUNES_CATEGORY: {
		_cleanup_free_ char *text = attr_get(attrs, nattrs, "text", NULL);

		if (text)
			add_category(st, attr_text(text));
		capture_push(st, el, CTYPE_TEXT, false);
		break;
	}
	case EL_AUTHOR:
		st->in_author = true;
		set_str(&st->author_name, NULL);
		set_str(&st->author_email, NULL);
		capture_push(st, el, CTYPE_TEXT, false);
		break;
	case EL_CONTRIBUTOR:
		st->in_contributor = true;
		capture_sink(st, el);
		break;
	case EL_NAME:
	case EL_EMAIL:
	case EL_PUBLISHED:
	case EL_UPDATED:
	case EL_KEYWORDS:
	case EL_TTL:
	case EL_SY_PERIOD:
	case EL_SY_FREQUENCY:
	case EL_SY_BASE:
		capture_push(st, el, CTYPE_TEXT, false);
		break;
	case EL_SKIP_HOURS:
	case EL_SKIP_DAYS:
		if (stores_in_feed(st)) {
			st->in_skip_hours = el == EL_SKIP_HOURS;
			st->in_skip_days = el == EL_SKIP_DAYS;
		}
		if (nattrs == 0)
			capture_sink(st, el);
		break;
	case EL_HOUR:
	case EL_DAY:
		if (el == EL_HOUR ? st->in_skip_hours : st->in_skip_days)
			capture_push(st, el, CTYPE_TEXT, false);
		else if (nattrs == 0)
			capture_sink(st, EL_OTHER);  /* any other <hour> is unknown */
		break;
	case EL_URL:
	case EL_PUSHER:
		capture_sink(st, el);
		break;
	case EL_MEDIA_GROUP:
		break;
	case EL_OTHER:
		/* unknown elements hold their text unless they have attributes */
		if (nattrs == 0)
			capture_sink(st, el);
		break;
	}
}

static void end_element(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
	struct state *st = ctx;

	if (st->depth <= MAX_DEPTH) {
		struct capture *top = st->ncap ? &st->cap[st->ncap - 1] : NULL;
		struct frame *f = &st->stack[st->depth];

		if (f->is_markup) {
			if (top && top->collect && top->type == CTYPE_XHTML) {
				(void)buf_puts(&top->text, "</");
				(void)buf_puts(&top->text, (const char *)localname);
				(void)buf_putc(&top->text, '>');
			}
		} else if (top && top->depth == st->depth) {
			enum el el = top->el;

			capture_end(st, top);
			buf_free(&top->text);
			st->ncap--;
			/* leaving the blocks feedparser tracks with flags */
			if (el == EL_ITEM) {
				item_end(st);
				st->has_content = false;
			} else if (el == EL_IMAGE)
				st->in_image = false;
			else if (el == EL_TEXTINPUT)
				st->in_textinput = false;
			else if (el == EL_SOURCE)
				st->in_source = false;
		} else {
			/* elements that hold no text of their own */
			char name[32];
			size_t ln = strlen((const char *)localname);

			if (ln < sizeof(name)) {
				for (size_t i = 0; i <= ln; i++)
					name[i] = (char)((localname[i] >= 'A' && localname[i] <= 'Z') ? localname[i] | 0x20 : localname[i]);
				if (classify(st, localname, prefix, uri, name)->el == EL_CHANNEL)
					st->in_feed = false;
			}
		}
		if (f->owns_base)
			free(f->base);
		*f = (struct frame){};
	}
	if (st->depth == 1 && st->ctxt) {
		long consumed = xmlByteConsumed(st->ctxt);

		if (consumed > 0)
			st->root_end = (size_t)consumed;
	}
	st->depth--;
}

static xmlEntityPtr make_entity(struct state *st, const char *name, const char *content)
{
	xmlEntityPtr e = xcalloc(1, sizeof(*e));

	e->type = XML_ENTITY_DECL;
	e->etype = XML_INTERNAL_PREDEFINED_ENTITY;
	e->name = (const xmlChar *)xstrdup(name);
	e->content = (xmlChar *)xstrdup(content);
	e->length = (int)strlen(content);
	if (st->n_made == st->cap_made) {
		st->cap_made = st->cap_made ? st->cap_made * 2 : 16;
		st->made = xreallocarray(st->made, st->cap_made, sizeof(*st->made));
	}
	st->made[st->n_made++] = e;
	return e;
}

static xmlEntityPtr find_made(struct state *st, const char *name)
{
	for (size_t i = 0; i < st->n_made; i++)
		if (strcmp((const char *)st->made[i]->name, name) == 0)
			return st->made[i];
	return NULL;
}

static xmlEntityPtr on_get_entity(void *ctx, const xmlChar *xname)
{
	struct state *st = ctx;
	const char *name = (const char *)xname, *content = NULL;
	xmlEntityPtr e;
	_cleanup_free_ char *literal = NULL;

	e = find_made(st, name);
	if (!e) {
		size_t n = strlen(name);

		for (size_t i = 0; i < st->n_doc_entities && !content; i++)
			if (streq(st->doc_entities[i].name, name))
				content = st->doc_entities[i].content;
		/* an undeclared entity makes the document ill-formed: the
		 * reference reader then reads it leniently, knowing HTML 4 names */
		if (!content) {
			/* (libxml2 also looks names up while reading the DTD) */
			if (!st->ctxt || !st->ctxt->inSubset)
				st->has_undeclared_entity = true;
			content = text_html4_entity(name, n);
		}
		if (!content) {
			/* kept literally, as a lenient reader shows it */
			literal = xasprintf("&%s;", name);
			content = literal;
		}
		if (st->n_made >= MAX_MADE_ENTITIES)
			return NULL;
		e = make_entity(st, name, content);
	}
	/* a budget for entity text, so that references cannot multiply it */
	if (e->length > 0 && st->entity_bytes + (size_t)e->length > st->entity_budget)
		return NULL;
	st->entity_bytes += (size_t)e->length;
	/* libxml2 copies one byte of a predefined entity into attribute values */
	if (st->ctxt && st->ctxt->instate == XML_PARSER_ATTRIBUTE_VALUE &&
	    (e->length != 1 || (e->content[0] & 0x80) || e->content[0] == '&'))
		return NULL;
	return e;
}

static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
			   const xmlChar *system_id, xmlChar *content)
{
	struct state *st = ctx;

	/* only plain-text internal entities; external ones are never loaded */
	if (type != XML_INTERNAL_GENERAL_ENTITY || !content || !name || !entity_allowed(st, (const char *)name))
		return;
	if (strchr((const char *)content, '&') || strchr((const char *)content, '<') ||
	    strchr((const char *)content, '%'))
		return;
	if (st->n_doc_entities == MAX_DOC_ENTITIES || strlen((const char *)content) > 4096)
		return;
	for (size_t i = 0; i < st->n_doc_entities; i++)
		if (streq(st->doc_entities[i].name, (const char *)name))
			return;  /* the first declaration binds (XML 1.0 section 4.2) */
	st->doc_entities[st->n_doc_entities].name = xstrdup((const char *)name);
	st->doc_entities[st->n_doc_entities].content = xstrdup((const char *)content);
	st->n_doc_entities++;
}

static void on_error(void *ctx, xmlErrorPtr err)
{
	struct state *st = ctx;

	if (!err || st->first_error || err->level < XML_ERR_ERROR)
		return;
	st->first_error = xstrdup(err->message ? err->message : "ill-formed XML");
	{
		size_t n = strlen(st->first_error);

		while (n && st->first_error[n - 1] == '\n')
			st->first_error[--n] = '\0';
	}
	st->first_error_line = err->line;
	st->first_error_col = err->int2;
}

static void state_free(struct state *st)
{
	for (int i = 0; i < st->ncap; i++)
		buf_free(&st->cap[i].text);
	free(st->author_name);
	free(st->author_email);
	for (int d = 0; d <= MIN(st->depth, MAX_DEPTH); d++)
		if (st->stack[d].owns_base)
			free(st->stack[d].base);
	item_clear(&st->cur.it);
	for (size_t i = 0; i < st->n_items; i++)
		item_clear(&st->items[i]);
	free(st->items);
	free(st->feed_title);
	free(st->feed_link);
	free(st->sy_period);
	for (size_t i = 0; i < st->n_doc_entities; i++) {
		free(st->doc_entities[i].name);
		free(st->doc_entities[i].content);
	}
	for (size_t i = 0; i < st->n_made; i++) {
		/* libxml2 hands the declared raw value to the entity getEntity returns */
		if (st->made[i]->orig)
			xmlFree(st->made[i]->orig);
		free((char *)st->made[i]->name);
		free(st->made[i]->content);
		free(st->made[i]);
	}
	free(st->made);
	for (size_t i = 0; i < st->n_allowed; i++)
		free(st->allowed[i]);
	free(st->first_error);
	free(st);
}

static void state_freep(struct state **st)
{
	if (*st)
		state_free(*st);
}

/* One libxml2 parse of doc into st; returns whether it was well-formed. */
static int sax_pass(struct state *st, const char *doc, size_t doc_len)
{
	xmlSAXHandler sax = {
		.initialized = XML_SAX2_MAGIC,
		.startElementNs = start_element,
		.endElementNs = end_element,
		.characters = on_characters,
		.cdataBlock = on_characters,
		.getEntity = on_get_entity,
		.entityDecl = on_entity_decl,
		.serror = on_error,
	};
	xmlParserCtxtPtr ctxt;
	int well_formed;

	ctxt = xmlCreatePushParserCtxt(&sax, st, NULL, 0, NULL);
	if (!ctxt)
		return -ENOMEM;
	st->ctxt = ctxt;
	st->root_end = 0;
	(void)xmlCtxtUseOptions(ctxt, XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR |
				XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC | XML_PARSE_NOCDATA);
	(void)xmlSwitchEncoding(ctxt, XML_CHAR_ENCODING_UTF8);
	(void)xmlParseChunk(ctxt, doc, (int)doc_len, 1);
	st->ctxt = NULL;
	well_formed = ctxt->wellFormed;
	/* libxml2 keeps declared entities in a document of its own in SAX mode */
	if (ctxt->myDoc)
		xmlFreeDoc(ctxt->myDoc);
	xmlFreeParserCtxt(ctxt);
	return well_formed;
}

/* Parses a UTF-8 document.  Documents concatenated after the root element
 * (an ill-formed feed, but lenient readers take their entries) are read
 * into the same state. */
static int run_sax(const char *doc, size_t doc_len, size_t max, bool is_loose, struct state **ret)
{
	_cleanup_(state_freep) struct state *st = xcalloc(1, sizeof(*st));
	int r;

	st->is_loose = is_loose;
	if (doc_len > INT32_MAX)
		return -EFBIG;
	st->max_text = max * 2;
	/* entities may add as much text as the document has, and 64 KiB */
	st->entity_budget = doc_len + 65536;
	st->cur.it = (struct feed_item){ .published = PARSE_NO_DATE, .updated = PARSE_NO_DATE };
	st->title_depth = -1;
	scan_doctype(st, doc, doc_len);

	r = sax_pass(st, doc, doc_len);
	if (r < 0)
		return r;
	st->is_well_formed = r && !st->has_undeclared_entity;
	for (int pass = 0; pass < 16 && !st->is_well_formed && st->root_end > 0 && st->root_end < doc_len; pass++) {
		const char *rest = doc + st->root_end, *lt;
		size_t rest_len = doc_len - st->root_end;

		lt = memchr(rest, '<', rest_len);
		if (!lt)
			break;
		rest_len -= (size_t)(lt - rest);
		r = sax_pass(st, lt, rest_len);
		if (r < 0)
			return r;
		if (st->root_end == 0)
			break;
		st->root_end += (size_t)(lt - doc);
	}
	*ret = steal_ptr(st);
	return 0;
}

/* ---- documents that are not feeds ---------------------------------------- */

static bool looks_like_json(const char *s, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i < len && (s[i] == '{' || s[i] == '[');
}

/* Whether a rel attribute lists the token "alternate" (HTML: space-separated,
 * ASCII case-insensitive). */
static bool rel_has_alternate(const char *rel)
{
	for (const char *p = rel; *p;) {
		size_t n;

		p += strspn(p, " \t\r\n\f");
		n = strcspn(p, " \t\r\n\f");
		if (n == 9 && strncasecmp(p, "alternate", 9) == 0)
			return true;
		p += n;
	}
	return false;
}

static bool type_is_feed(const char *type)
{
	size_t n;

	type += strspn(type, " \t");
	n = strcspn(type, " \t;");
	return (n == 19 && strncasecmp(type, "application/rss+xml", n) == 0) ||
	       (n == 20 && strncasecmp(type, "application/atom+xml", n) == 0);
}

#define HTML_FEED_LINKS_MAX 16u

static void xmlFreep(xmlChar **p)
{
	xmlFree(*p);
}

static void html_walk(xmlNode *n, const char *base_url, struct parse_html_page *page)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcasecmp((const char *)n->name, "title") == 0 && !page->title) {
			_cleanup_(xmlFreep) xmlChar *t = xmlNodeGetContent(n);

			if (t)
				page->title = text_normalize((const char *)t, strlen((const char *)t),
							     TEXT_PLAIN, true);
		} else if (strcasecmp((const char *)n->name, "link") == 0 &&
			   page->n_feeds < HTML_FEED_LINKS_MAX) {
			_cleanup_(xmlFreep) xmlChar *rel = xmlGetProp(n, (const xmlChar *)"rel");
			_cleanup_(xmlFreep) xmlChar *type = xmlGetProp(n, (const xmlChar *)"type");
			_cleanup_(xmlFreep) xmlChar *href = xmlGetProp(n, (const xmlChar *)"href");
			_cleanup_free_ char *url = NULL;

			if (!rel || !type || !href || !rel_has_alternate((const char *)rel) ||
			    !type_is_feed((const char *)type))
				continue;
			url = text_normalize((const char *)href, strlen((const char *)href),
					     TEXT_PLAIN, true);
			if (url && !parse_url_is_absolute(url) && base_url)
				set_str(&url, parse_urljoin(base_url, url));
			if (!url || strlen(url) > 2048)
				continue;
			page->feeds = xreallocarray(page->feeds, page->n_feeds + 1, sizeof(char *));
			page->feeds[page->n_feeds++] = steal_ptr(url);
		}
		html_walk(n->children, base_url, page);
	}
}

int parse_html_page(const void *data, size_t len, const char *base_url,
		    struct parse_html_page *ret)
{
	struct parse_html_page page = { 0 };
	htmlDocPtr doc;

	if (len > INT_MAX)
		return -EFBIG;
	doc = htmlReadMemory(data, (int)len, base_url, NULL,
			     HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
			     HTML_PARSE_NOWARNING | HTML_PARSE_NOIMPLIED);
	if (!doc)
		return -EBADMSG;
	html_walk(xmlDocGetRootElement(doc), base_url, &page);
	xmlFreeDoc(doc);
	*ret = page;
	return 0;
}

void parse_html_page_done(struct parse_html_page *page)
{
	free(page->title);
	for (size_t i = 0; i < page->n_feeds; i++)
		free(page->feeds[i]);
	free(page->feeds);
	*page = (struct parse_html_page){ 0 };
}

/* Says in diag what a document that is not a feed is instead, and for a web
 * page which feeds it links to: the most common mistake is a site's address
 * given for its feed's. */
static void not_a_feed(const char *root, const void *data, size_t len, const char *base_url,
		       struct diag *diag)
{
	_cleanup_(parse_html_page_done) struct parse_html_page page = { 0 };
	_cleanup_buf_ struct buf b = { 0 };

	if (streq(root, "urlset") || streq(root, "sitemapindex")) {
		diag_set(diag, NULL, 0, 0, "a sitemap, not RSS or Atom");
		return;
	}
	if (!streq(root, "html")) {
		diag_set(diag, NULL, 0, 0, "an XML document with the root element <%s>, not RSS or Atom",
			 root);
		return;
	}
	(void)parse_html_page(data, len, base_url, &page);
	if (page.title && strncmp(page.title, "Index of ", 9) == 0) {
		diag_set(diag, NULL, 0, 0, "a directory listing, not RSS or Atom");
		return;
	}
	buf_init(&b, 0);
	(void)buf_puts(&b, "an HTML page, not RSS or Atom");
	for (size_t i = 0; i < page.n_feeds; i++) {
		(void)buf_puts(&b, i == 0 ? "; it links to the feed" : " ");
		if (i == 0 && page.n_feeds > 1)
			(void)buf_puts(&b, "s ");
		else if (i == 0)
			(void)buf_putc(&b, ' ');
		(void)buf_puts(&b, page.feeds[i]);
	}
	if (page.n_feeds == 0)
		(void)buf_puts(&b, " (and it links to no feed)");
	diag_set(diag, NULL, 0, 0, "%s", buf_str(&b));
}

int parse_feed(const void *data, size_t len, const struct parse_options *opts,
	       struct feed **ret, struct diag *diag)
{
	size_t max = opts && opts->max_bytes ? opts->max_bytes : PARSE_MAX_BYTES_DEFAULT;
	_cleanup_(state_freep) struct state *st = NULL;
	_cleanup_free_ char *owned = NULL;
	const char *doc;
	size_t doc_len;
	enum parse_charset charset;
	size_t skipped;
	struct feed *f;
	int r;

	if (len > max) {
		diag_set(diag, NULL, 0, 0, "document larger than %zu bytes", max);
		return -EFBIG;
	}
	if (decode_doc(data, len, &doc, &doc_len, &owned, &charset, &skipped) < 0) {
		diag_set(diag, NULL, 0, 0, "%s", len == 0 ? "empty document" :
			 looks_like_json(data, len) ? "a JSON document, not RSS or Atom" :
						      "not an XML document");
		return -EBADMSG;
	}
	r = run_sax(doc, doc_len, max, false, &st);
	if (r < 0)
		return r;
	/* text before the XML declaration makes the document ill-formed for
	 * the reference reader too, even though we could read it strictly */
	if (!st->is_well_formed || (skipped && doc_len >= 5 && memcmp(doc, "<?xml", 5) == 0)) {
		/* ill-formed: read it again the lenient way when that helps */
		size_t fixed_len;
		char *fixed = doc_fixup(doc, doc_len, &fixed_len);


		if (fixed_len == doc_len && memcmp(fixed, doc, doc_len) == 0)
			free(fixed);
		else {
			free(owned);
			doc = owned = fixed;
			doc_len = fixed_len;
		}
		state_free(steal_ptr(st));
		r = run_sax(doc, doc_len, max, true, &st);
		if (r < 0)
			return r;
	}

	if (!st->seen_root) {
		diag_set(diag, NULL, (unsigned)MAX(st->first_error_line, 0), (unsigned)MAX(st->first_error_col, 0),
			 "%s", st->first_error ? st->first_error : "no XML element found");
		return -EBADMSG;
	}

	/* an item left open by a truncated document still counts */
	item_end(st);
	if (st->version == VER_NONE && (streq(st->root_name, "html") ||
					streq(st->root_name, "urlset") ||
					streq(st->root_name, "sitemapindex") || st->n_items == 0)) {
		not_a_feed(st->root_name, data, len, opts ? opts->base_url : NULL, diag);
		return -EBADMSG;
	}

	f = xcalloc(1, sizeof(*f));
	f->title = steal_ptr(st->feed_title);
	f->link = steal_ptr(st->feed_link);
	if (f->link && !parse_url_is_absolute(f->link) && opts && opts->base_url)
		set_str(&f->link, parse_urljoin(opts->base_url, f->link));
	f->ttl_minutes = st->ttl;
	f->schedule = st->schedule;
	if (st->sy_period || st->sy_frequency > 0) {
		static const struct { const char *name; uint64_t sec; } periods[] = {
			{ "hourly", 3600 }, { "daily", 86400 }, { "weekly", 7 * 86400 },
			{ "monthly", 30 * 86400 }, { "yearly", 365 * 86400 },
		};
		uint64_t period = 0;

		/* the module's defaults: daily, once */
		if (!st->sy_period)
			period = 86400;
		for (size_t i = 0; st->sy_period && i < ELEMENTSOF(periods); i++)
			if (strcasecmp(st->sy_period, periods[i].name) == 0)
				period = periods[i].sec;
		f->schedule.update_every_sec = period / (uint64_t)(st->sy_frequency > 0 ? st->sy_frequency : 1);
	}
	f->items = steal_ptr(st->items);
	f->n_items = st->n_items;
	st->n_items = 0;
	/* the contract: links are absolute when a base is known */
	for (size_t i = 0; i < f->n_items; i++) {
		struct feed_item *it = &f->items[i];

		if (!it->link || parse_url_is_absolute(it->link))
			continue;
		if (f->link && parse_url_is_absolute(f->link))
			set_str(&it->link, parse_urljoin(f->link, it->link));
		else if (opts && opts->base_url)
			set_str(&it->link, parse_urljoin(opts->base_url, it->link));
	}
	*ret = f;
	return 0;
}
