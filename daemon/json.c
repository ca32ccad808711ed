/* json.c - JSON writer (RFC 8259). */

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "utf8.h"

static int json_sep(struct buf *b)
{
	char last;

	if (b->len == 0)
		return 0;
	last = b->data[b->len - 1];
	if (last == '{' || last == '[' || last == ':' || last == '\n')
		return 0;
	return buf_putc(b, ',');
}

int json_begin_object(struct buf *b)
{
	int r = json_sep(b);

	return r < 0 ? r : buf_putc(b, '{');
}

int json_end_object(struct buf *b)
{
	return buf_putc(b, '}');
}

int json_begin_array(struct buf *b)
{
	int r = json_sep(b);

	return r < 0 ? r : buf_putc(b, '[');
}

int json_end_array(struct buf *b)
{
	return buf_putc(b, ']');
}

/* ASCII bytes that go into a JSON string as they are. */
static const bool is_plain[256] = {
	[0x20 ... 0x21] = true,   /* '"' is 0x22 */
	[0x23 ... 0x5b] = true,   /* '\\' is 0x5c */
	[0x5d ... 0x7f] = true,
};

static int json_quoted(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	int r = buf_putc(b, '"');

	while (r >= 0 && p < end) {
		const unsigned char *run = p;
		uint32_t cp;
		int len;

		/* Copy plain ASCII and well-formed UTF-8 (but U+2028/9) in runs. */
		while (p < end) {
			if (is_plain[*p])
				p++;
			else if (*p >= 0x80) {
				uint32_t c;
				int l = utf8_decode(p, (size_t)(end - p), &c);

				if (l < 0 || c == 0x2028 || c == 0x2029)
					break;
				p += l;
			} else
				break;
		}
		if (p > run)
			r = buf_append(b, run, (size_t)(p - run));
		if (r < 0 || p >= end)
			break;

		if (*p < 0x80) {
			switch (*p) {
			case '"':  r = buf_puts(b, "\\\""); break;
			case '\\': r = buf_puts(b, "\\\\"); break;
			case '\n': r = buf_puts(b, "\\n"); break;
			case '\r': r = buf_puts(b, "\\r"); break;
			case '\t': r = buf_puts(b, "\\t"); break;
			case '\b': r = buf_puts(b, "\\b"); break;
			case '\f': r = buf_puts(b, "\\f"); break;
			default:   r = buf_printf(b, "\\u%04x", *p); break;
			}
			p++;
			continue;
		}

		len = utf8_decode(p, (size_t)(end - p), &cp);
		if (len < 0) {
			r = buf_puts(b, "\xef\xbf\xbd");
			p++;
		} else if (cp == 0x2028 || cp == 0x2029) {
			/* Valid JSON, but not valid JavaScript: escape. */
			r = buf_printf(b, "\\u%04x", cp);
			p += len;
		} else {
			r = buf_append(b, p, (size_t)len);
			p += len;
		}
	}
	return r < 0 ? r : buf_putc(b, '"');
}

int json_key(struct buf *b, const char *key)
{
	int r = json_sep(b);

	if (r >= 0)
		r = json_quoted(b, key, strlen(key));
	return r < 0 ? r : buf_putc(b, ':');
}

int json_string_len(struct buf *b, const char *s, size_t n)
{
	int r = json_sep(b);

	if (r < 0)
		return r;
	if (!s)
		return buf_puts(b, "null");
	return json_quoted(b, s, n);
}

int json_string(struct buf *b, const char *s)
{
	return json_string_len(b, s, s ? strlen(s) : 0);
}

int json_null(struct buf *b)
{
	int r = json_sep(b);

	return r < 0 ? r : buf_puts(b, "null");
}

int json_bool(struct buf *b, bool v)
{
	int r = json_sep(b);

	return r < 0 ? r : buf_puts(b, v ? "true" : "false");
}

int json_int(struct buf *b, int64_t v)
{
	int r = json_sep(b);

	return r < 0 ? r : buf_printf(b, "%lld", (long long)v);
}

int json_double(struct buf *b, double v)
{
	char tmp[32];
	int r = json_sep(b);

	if (r < 0)
		return r;
	if (!isfinite(v))
		return buf_puts(b, "null");
	if (v == (double)(int64_t)v && fabs(v) < 1e15)
		return buf_printf(b, "%lld", (long long)v);
	/* %.17g always reads back exactly; try shorter first. */
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	return buf_puts(b, tmp);
}
