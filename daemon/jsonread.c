/* jsonread.c - strict recursive-descent JSON reader (RFC 8259). */

#include <errno.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "jsonread.h"
#include "utf8.h"
#include "util.h"

struct reader {
	const char *p, *start, *end;
	unsigned depth, max_depth;
	struct diag *diag;
	int error;
};

static struct json_value *fail(struct reader *rd, int error, const char *why)
{
	if (rd->error == 0) {
		rd->error = error;
		if (rd->diag)
			diag_set(rd->diag, NULL, 1, (unsigned)(rd->p - rd->start) + 1, "%s", why);
	}
	return NULL;
}

void jsonread_free(struct json_value *v)
{
	if (!v)
		return;
	switch (v->type) {
	case JSON_NULL:
	case JSON_FALSE:
	case JSON_TRUE:
	case JSON_NUMBER:
		break;
	case JSON_STRING:
		free(v->string.s);
		break;
	case JSON_ARRAY:
		for (size_t i = 0; i < v->array.n; i++)
			jsonread_free(v->array.items[i]);
		free(v->array.items);
		break;
	case JSON_OBJECT:
		for (size_t i = 0; i < v->object.n; i++) {
			free(v->object.members[i].key);
			jsonread_free(v->object.members[i].value);
		}
		free(v->object.members);
		break;
	}
	free(v);
}

static struct json_value *new_value(enum json_type type)
{
	struct json_value *v = xcalloc(1, sizeof(*v));

	v->type = type;
	return v;
}

/* RFC 8259 section 2: the only whitespace. */
static void skip_ws(struct reader *rd)
{
	while (rd->p < rd->end &&
	       (*rd->p == ' ' || *rd->p == '\t' || *rd->p == '\n' || *rd->p == '\r'))
		rd->p++;
}

static bool literal(struct reader *rd, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(rd->end - rd->p) < n || memcmp(rd->p, word, n) != 0)
		return false;
	rd->p += n;
	return true;
}

static int hex4(const char *p, uint32_t *ret)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*ret = v;
	return 0;
}

/* Reads a string token (rd->p at the opening quote) into a new allocation. */
static char *read_string(struct reader *rd, size_t *ret_len)
{
	const char *p = rd->p + 1, *q = p;
	char *out, *o;

	/* Escapes only shrink, so the token's length bounds the result. */
	while (q < rd->end && *q != '"')
		q += *q == '\\' ? 2 : 1;
	out = o = xmalloc((size_t)(MIN(q, rd->end) - p) + 1);
	for (;;) {
		unsigned char c;

		if (p >= rd->end) {
			rd->p = p;
			free(out);
			return fail(rd, -EBADMSG, "unterminated string"), NULL;
		}
		c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c < 0x20) {
			rd->p = p;
			free(out);
			return fail(rd, -EBADMSG, "control character in string"), NULL;
		}
		if (c == '\\') {
			uint32_t cp, lo;
			char enc[4];

			if (p + 1 >= rd->end)
				goto bad_escape;
			switch (p[1]) {
			case '"':  *o++ = '"'; p += 2; continue;
			case '\\': *o++ = '\\'; p += 2; continue;
			case '/':  *o++ = '/'; p += 2; continue;
			case 'b':  *o++ = '\b'; p += 2; continue;
			case 'f':  *o++ = '\f'; p += 2; continue;
			case 'n':  *o++ = '\n'; p += 2; continue;
			case 'r':  *o++ = '\r'; p += 2; continue;
			case 't':  *o++ = '\t'; p += 2; continue;
			case 'u':  break;
			default:   goto bad_escape;
			}
			if (rd->end - p < 6 || hex4(p + 2, &cp) < 0)
				goto bad_escape;
			p += 6;
			/* RFC 8259 section 7: a character outside the BMP is
			 * a UTF-16 surrogate pair of two escapes. */
			if (cp >= 0xdc00 && cp <= 0xdfff)
				goto bad_surrogate;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (rd->end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
				    hex4(p + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
					goto bad_surrogate;
				p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			{
				int k = utf8_encode(cp, enc);

				memcpy(o, enc, (size_t)k);
				o += k;
			}
			continue;
		}
		if (c < 0x80) {
			*o++ = (char)c;
			p++;
			continue;
		}
		{
			uint32_t cp;
			int k = utf8_decode((const unsigned char *)p, (size_t)(rd->end - p), &cp);

			if (k < 0) {
				rd->p = p;
				free(out);
				return fail(rd, -EBADMSG, "invalid UTF-8 in string"), NULL;
			}
			memcpy(o, p, (size_t)k);
			o += k;
			p += k;
		}
	}
	*o = '\0';
	rd->p = p + 1;
	*ret_len = (size_t)(o - out);
	return out;

bad_escape:
	rd->p = p;
	free(out);
	return fail(rd, -EBADMSG, "invalid escape in string"), NULL;
bad_surrogate:
	rd->p = p;
	free(out);
	return fail(rd, -EBADMSG, "unpaired UTF-16 surrogate in string"), NULL;
}

static locale_t c_locale(void)
{
	static locale_t loc;

	/* strtod() follows LC_NUMERIC; JSON's decimal point is always '.'. */
	if (!loc)
		loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	return loc;
}

static struct json_value *read_number(struct reader *rd)
{
	const char *p = rd->p, *start = p;
	_cleanup_free_ char *copy = NULL;
	struct json_value *v;

	/* RFC 8259 section 6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
	if (p < rd->end && *p == '-')
		p++;
	if (p < rd->end && *p == '0')
		p++;
	else if (p < rd->end && *p >= '1' && *p <= '9')
		while (p < rd->end && *p >= '0' && *p <= '9')
			p++;
	else
		goto bad;
	if (p < rd->end && *p == '.') {
		p++;
		if (p >= rd->end || *p < '0' || *p > '9')
			goto bad;
		while (p < rd->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < rd->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < rd->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= rd->end || *p < '0' || *p > '9')
			goto bad;
		while (p < rd->end && *p >= '0' && *p <= '9')
			p++;
	}

	copy = xstrndup(start, (size_t)(p - start));
	v = new_value(JSON_NUMBER);
	/* Out of range becomes +-HUGE_VAL or 0, as RFC 8259 section 6 allows. */
	v->number = c_locale() ? strtod_l(copy, NULL, c_locale()) : strtod(copy, NULL);
	rd->p = p;
	return v;
bad:
	rd->p = p;
	return fail(rd, -EBADMSG, "invalid number");
}

static struct json_value *read_value(struct reader *rd);

static struct json_value *read_array(struct reader *rd)
{
	struct json_value *v = new_value(JSON_ARRAY);
	size_t cap = 0;

	rd->p++;
	skip_ws(rd);
	if (rd->p < rd->end && *rd->p == ']') {
		rd->p++;
		return v;
	}
	for (;;) {
		struct json_value *item = read_value(rd);

		if (!item)
			break;
		if (v->array.n == cap) {
			cap = cap ? cap * 2 : 4;
			v->array.items = xreallocarray(v->array.items, cap, sizeof(*v->array.items));
		}
		v->array.items[v->array.n++] = item;
		skip_ws(rd);
		if (rd->p < rd->end && *rd->p == ',') {
			rd->p++;
			continue;
		}
		if (rd->p < rd->end && *rd->p == ']') {
			rd->p++;
			return v;
		}
		fail(rd, -EBADMSG, "expected ',' or ']'");
		break;
	}
	jsonread_free(v);
	return NULL;
}

static struct json_value *read_object(struct reader *rd)
{
	struct json_value *v = new_value(JSON_OBJECT);
	size_t cap = 0;

	rd->p++;
	skip_ws(rd);
	if (rd->p < rd->end && *rd->p == '}') {
		rd->p++;
		return v;
	}
	for (;;) {
		struct json_member m = { 0 };

		if (rd->p >= rd->end || *rd->p != '"') {
			fail(rd, -EBADMSG, "expected a string key");
			break;
		}
		m.key = read_string(rd, &m.key_len);
		if (!m.key)
			break;
		skip_ws(rd);
		if (rd->p >= rd->end || *rd->p != ':') {
			free(m.key);
			fail(rd, -EBADMSG, "expected ':'");
			break;
		}
		rd->p++;
		m.value = read_value(rd);
		if (!m.value) {
			free(m.key);
			break;
		}
		if (v->object.n == cap) {
			cap = cap ? cap * 2 : 8;
			v->object.members = xreallocarray(v->object.members, cap, sizeof(*v->object.members));
		}
		v->object.members[v->object.n++] = m;
		skip_ws(rd);
		if (rd->p < rd->end && *rd->p == ',') {
			rd->p++;
			skip_ws(rd);
			continue;
		}
		if (rd->p < rd->end && *rd->p == '}') {
			rd->p++;
			return v;
		}
		fail(rd, -EBADMSG, "expected ',' or '}'");
		break;
	}
	jsonread_free(v);
	return NULL;
}

static struct json_value *read_value(struct reader *rd)
{
	struct json_value *v;

	skip_ws(rd);
	if (rd->p >= rd->end)
		return fail(rd, -EBADMSG, "expected a value");

	switch (*rd->p) {
	case '{':
	case '[':
		if (rd->depth >= rd->max_depth)
			return fail(rd, -ELOOP, "nested too deeply");
		rd->depth++;
		v = *rd->p == '{' ? read_object(rd) : read_array(rd);
		rd->depth--;
		return v;
	case '"': {
		size_t len;
		char *s = read_string(rd, &len);

		if (!s)
			return NULL;
		v = new_value(JSON_STRING);
		v->string.s = s;
		v->string.len = len;
		return v;
	}
	case 't':
		if (literal(rd, "true"))
			return new_value(JSON_TRUE);
		break;
	case 'f':
		if (literal(rd, "false"))
			return new_value(JSON_FALSE);
		break;
	case 'n':
		if (literal(rd, "null"))
			return new_value(JSON_NULL);
		break;
	default:
		if (*rd->p == '-' || (*rd->p >= '0' && *rd->p <= '9'))
			return read_number(rd);
		break;
	}
	return fail(rd, -EBADMSG, "expected a value");
}

int jsonread_parse(const char *s, size_t len, unsigned max_depth,
		   struct json_value **ret, struct diag *diag)
{
	struct reader rd = {
		.p = s, .start = s, .end = s + len,
		.max_depth = max_depth,
		.diag = diag,
	};
	struct json_value *v = read_value(&rd);

	if (!v)
		return rd.error;
	skip_ws(&rd);
	if (rd.p != rd.end) {
		jsonread_free(v);
		fail(&rd, -EBADMSG, "trailing characters after the value");
		return rd.error;
	}
	*ret = v;
	return 0;
}

const struct json_value *jsonread_get(const struct json_value *v, const char *key)
{
	if (!v || v->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < v->object.n; i++)
		if (streq(v->object.members[i].key, key))
			return v->object.members[i].value;
	return NULL;
}

const char *jsonread_get_string(const struct json_value *v, const char *key)
{
	const struct json_value *s = jsonread_get(v, key);

	return s && s->type == JSON_STRING ? s->string.s : NULL;
}

bool jsonread_get_number(const struct json_value *v, const char *key, double *ret)
{
	const struct json_value *n = jsonread_get(v, key);

	if (!n || n->type != JSON_NUMBER)
		return false;
	*ret = n->number;
	return true;
}
