/* utf8.c - strict UTF-8 (RFC 3629 section 4). */

#include "buf.h"
#include "utf8.h"

int utf8_decode(const unsigned char *p, size_t n, uint32_t *ret_cp)
{
	uint32_t cp;
	int len;

	if (n == 0)
		return -1;
	if (p[0] < 0x80) {
		*ret_cp = p[0];
		return 1;
	} else if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else
		return -1;
	if (n < (size_t)len)
		return -1;
	for (int i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*ret_cp = cp;
	return len;
}

int utf8_encode(uint32_t cp, char out[4])
{
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

char *utf8_repair(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	struct buf b;

	buf_init(&b, 0);
	(void)buf_append(&b, "", 0);
	while (p < end) {
		uint32_t cp;
		int len = utf8_decode(p, (size_t)(end - p), &cp);

		if (len < 0) {
			(void)buf_puts(&b, "\xef\xbf\xbd");
			p++;
		} else {
			if (cp != 0)
				(void)buf_append(&b, p, (size_t)len);
			p += len;
		}
	}
	return buf_steal(&b);
}
