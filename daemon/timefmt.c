/* timefmt.c - feed dates without strptime, locale or TZ.
 *
 * The RFC 822 and W3C-DTF readers follow the reference reader's algorithm
 * closely (split on whitespace / 'T', Python int() on the pieces, a datetime
 * range check), because feeds in the wild rely on its leniency; out-of-range
 * ISO 8601 dates are normalised like mktime() does. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "timefmt.h"
#include "util.h"

#define MAX_DATE_LEN 128
#define MAX_PARTS 16

struct piece {
	const char *p;
	size_t n;
};

int64_t timefmt_days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t m0 = m - 1, era, yoe, doy, doe;

	/* month out of range: carry into the year (floor division) */
	y += m0 >= 0 ? m0 / 12 : -((-m0 + 11) / 12);
	m = m0 - 12 * (m0 >= 0 ? m0 / 12 : -((-m0 + 11) / 12)) + 1;
	/* Howard Hinnant's days_from_civil, for day 1, then add the days */
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468 + (d - 1);
}

static void civil_from_days(int64_t z, int64_t *ret_y, int *ret_m, int *ret_d)
{
	int64_t era, doe, yoe, y, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*ret_d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*ret_m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*ret_y = y + (*ret_m <= 2);
}

int timefmt_rfc3339(int64_t sec, char out[TIMEFMT_RFC3339_MAX])
{
	int64_t days, rem, y;
	int m, d;

	if (sec < INT64_C(-62135596800) || sec > INT64_C(253402300799))
		return -ERANGE;
	days = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
	rem = sec - days * 86400;
	civil_from_days(days, &y, &m, &d);
	{
		/* by hand: this runs for every date of every item */
		int v[6] = { (int)y, m, d, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60) };
		static const char sep[6] = { '-', '-', 'T', ':', ':', 'Z' };
		char *w = out;

		for (int i = 0; i < 6; i++) {
			if (i == 0) {
				*w++ = (char)('0' + v[0] / 1000);
				*w++ = (char)('0' + v[0] / 100 % 10);
			}
			*w++ = (char)('0' + v[i] / 10 % 10);
			*w++ = (char)('0' + v[i] % 10);
			*w++ = sep[i];
		}
		*w = '\0';
	}
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* What Python's number parsers read of s: the text between surrounding
 * whitespace, after a sign, which *ret_neg tells. */
static struct piece number_body(struct piece s, bool *ret_neg)
{
	size_t i = 0, n = s.n;

	while (n && is_space(s.p[n - 1]))
		n--;
	while (i < n && is_space(s.p[i]))
		i++;
	*ret_neg = false;
	if (i < n && (s.p[i] == '+' || s.p[i] == '-'))
		*ret_neg = s.p[i++] == '-';
	return (struct piece){ .p = s.p + i, .n = n - i };
}

/* Python's int(str): surrounding whitespace, a sign, digits with single
 * underscores between them. */
static bool py_int(struct piece s, int64_t *ret)
{
	bool neg, any = false;
	int64_t v = 0;

	s = number_body(s, &neg);
	for (size_t i = 0, n = s.n; i < n; i++) {
		if (s.p[i] == '_' && any && i + 1 < n && is_digit(s.p[i + 1]))
			continue;
		if (!is_digit(s.p[i]))
			return false;
		if (v < INT64_C(100000000000))
			v = v * 10 + (s.p[i] - '0');
		any = true;
	}
	if (!any)
		return false;
	*ret = neg ? -v : v;
	return true;
}

/* int(float(str)) for the forms dates use: [sign]digits[.digits] or .digits */
static bool py_float_int(struct piece s, int64_t *ret)
{
	bool neg;
	size_t i = 0, n, digits = 0;
	int64_t v = 0;

	s = number_body(s, &neg);
	n = s.n;
	for (; i < n && is_digit(s.p[i]); i++, digits++)
		if (v < INT64_C(100000000000))
			v = v * 10 + (s.p[i] - '0');
	if (i < n && s.p[i] == '.')
		for (i++; i < n && is_digit(s.p[i]); i++)
			digits++;
	if (i != n || digits == 0)
		return false;
	*ret = neg ? -v : v;
	return true;
}

static bool piece_eq(struct piece s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static bool piece_prefix(struct piece s, const char *lit)
{
	size_t l = strlen(lit);

	return s.n >= l && memcmp(s.p, lit, l) == 0;
}

static struct piece piece_sub(struct piece s, size_t from, size_t to)
{
	if (from > s.n)
		from = s.n;
	if (to > s.n)
		to = s.n;
	if (to < from)
		to = from;
	return (struct piece){ s.p + from, to - from };
}

/* str.split() */
static size_t split_ws(const char *s, size_t n, struct piece *parts, size_t max)
{
	size_t k = 0, i = 0;

	while (i < n) {
		size_t start;

		while (i < n && is_space(s[i]))
			i++;
		if (i >= n)
			break;
		start = i;
		while (i < n && !is_space(s[i]))
			i++;
		if (k == max)
			return max + 1;
		parts[k++] = (struct piece){ s + start, i - start };
	}
	return k;
}

/* str.split(sep, maxsplit) for a single character; maxsplit < 0 = no limit */
static size_t split_ch(struct piece s, char sep, int maxsplit, struct piece *parts, size_t max)
{
	size_t k = 0, start = 0;

	for (size_t i = 0; i <= s.n; i++) {
		if (i == s.n || (s.p[i] == sep && (maxsplit < 0 || (int)k < maxsplit))) {
			if (k == max)
				return max + 1;
			parts[k++] = (struct piece){ s.p + start, i - start };
			start = i + 1;
		}
	}
	return k;
}

struct zone {
	const char *name;
	int hours;
	bool rfc822_only;
};

/* RFC 822 section 5 zones and the American ones feeds use; the military
 * letters carry the signs RFC 1123 section 5.2.14 says RFC 822 got wrong,
 * as the reference reader reads them. */
static const struct zone zones[] = {
	{ "ut", 0, false },   { "gmt", 0, false },  { "z", 0, false },
	{ "adt", -3, false }, { "ast", -4, false }, { "at", -4, false },
	{ "edt", -4, false }, { "est", -5, false }, { "et", -5, false },
	{ "cdt", -5, false }, { "cst", -6, false }, { "ct", -6, false },
	{ "mdt", -6, false }, { "mst", -7, false }, { "mt", -7, false },
	{ "pdt", -7, false }, { "pst", -8, false }, { "pt", -8, false },
	{ "a", -1, false },   { "n", 1, false },    { "m", -12, false },
	{ "y", 12, false },   { "met", 1, true },   { "mest", 2, true },
};

/* Unknown zone names count as UTC. */
static int zone_hours(struct piece s, bool rfc822)
{
	for (size_t i = 0; i < ELEMENTSOF(zones); i++)
		if (piece_eq(s, zones[i].name) && (rfc822 || !zones[i].rfc822_only))
			return zones[i].hours;
	return 0;
}

static int month_of(struct piece s)
{
	static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";

	if (s.n < 3)
		return 0;
	for (int i = 0; i < 12; i++)
		if (memcmp(s.p, names + 3 * i, 3) == 0)
			return i + 1;
	return 0;
}

static bool is_day_name(struct piece s)
{
	static const char names[] = "montuewedthufrisatsun";

	/* parts[0][:3] in day_names: a shorter piece never matches */
	if (s.n < 3)
		return false;
	for (int i = 0; i < 7; i++)
		if (memcmp(s.p, names + 3 * i, 3) == 0)
			return true;
	return false;
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int64_t m)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

/* datetime(year, month, day, hour, minute, second) - offset */
static int make_time(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s,
		     int64_t offset_sec, int64_t *ret)
{
	int64_t t;

	if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
		return -EINVAL;
	t = timefmt_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset_sec;
	if (t < INT64_C(-62135596800) || t > INT64_C(253402300799))
		return -EINVAL;
	*ret = t;
	return 0;
}

static size_t lower_copy(const char *s, size_t n, char *buf)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] | 0x20 : s[i]);
	return n;
}

int timefmt_parse_rfc822(const char *s, size_t n, int64_t *ret_sec)
{
	char buf[MAX_DATE_LEN], tzbuf[MAX_DATE_LEN];
	struct piece parts[MAX_PARTS + 2], tp[4], tz;
	size_t k, first = 0;
	int64_t day, year, hms[3] = { 0, 0, 0 }, tzh = 0, tzm = 0;
	int month;

	if (n > sizeof(buf))
		return -EINVAL;
	lower_copy(s, n, buf);
	k = split_ws(buf, n, parts, MAX_PARTS);
	if (k > MAX_PARTS)
		return -EINVAL;
	if (k < 5) {
		/* only a date: midnight UTC */
		parts[k++] = (struct piece){ "00:00:00", 8 };
		parts[k++] = (struct piece){ "0000", 4 };
	}
	if (is_day_name(parts[0]))
		first = 1;
	if (k - first < 5)
		return -EINVAL;
	struct piece *p = parts + first;

	month = month_of(p[1]);
	if (!py_int(p[0], &day)) {
		/* "Jun 10 2003": day and month swapped */
		if (!month_of(p[0]) || !py_int(p[1], &day))
			return -EINVAL;
		month = month_of(p[0]);
	}
	if (!month)
		return -EINVAL;
	if (!py_int(p[2], &year))
		return -EINVAL;
	if (p[2].n <= 2)
		year += year < 90 ? 2000 : 1900;

	k = split_ch(p[3], ':', -1, tp, 3);
	if (k > 3)
		return -EINVAL;
	for (size_t i = 0; i < k; i++)
		if (!py_int(tp[i], &hms[i]))
			return -EINVAL;

	tz = p[4];
	if (piece_prefix(tz, "etc/"))
		tz = piece_sub(tz, 4, tz.n);
	if (piece_prefix(tz, "gmt")) {
		/* GMT-05:00 -> -0500 */
		size_t w = 0;

		for (size_t i = 3; i < tz.n; i++)
			if (tz.p[i] != ':')
				tzbuf[w++] = tz.p[i];
		tz = w ? (struct piece){ tzbuf, w } : (struct piece){ "gmt", 3 };
	}
	if (tz.n && (tz.p[0] == '-' || tz.p[0] == '+')) {
		bool ok;

		if (memchr(tz.p, ':', tz.n))
			ok = py_int(piece_sub(tz, 1, 3), &tzh) && py_int(piece_sub(tz, 4, tz.n), &tzm);
		else
			ok = py_int(piece_sub(tz, 1, 3), &tzh) && py_int(piece_sub(tz, 3, tz.n), &tzm);
		if (!ok)
			return -EINVAL;
		if (tz.p[0] == '-') {
			tzh = -tzh;
			tzm = -tzm;
		}
	} else
		tzh = zone_hours(tz, true);
	return make_time(year, month, day, hms[0], hms[1], hms[2], tzh * 3600 + tzm * 60, ret_sec);
}

int timefmt_parse_w3dtf(const char *s, size_t n, int64_t *ret_sec)
{
	char buf[MAX_DATE_LEN];
	struct piece parts[MAX_PARTS + 3], date[4], tp[4];
	size_t k;
	int64_t ymd[3], hms[3] = { 0, 0, 0 }, tzh = 0, tzm = 0;

	if (n == 0 || n > sizeof(buf))
		return -EINVAL;
	lower_copy(s, n, buf);
	k = split_ch((struct piece){ buf, n }, 't', -1, parts, 2);
	if (k > 2)
		return -EINVAL;
	if (k == 1) {
		/* a date only, or an MSSQL-style "date time" */
		k = split_ws(buf, n, parts, MAX_PARTS);
		if (k > MAX_PARTS || k == 0)
			return -EINVAL;
		if (k == 1)
			parts[k++] = (struct piece){ "00:00:00z", 9 };
	}
	size_t nd = split_ch(parts[0], '-', 2, date, 3);

	if (nd == 0 || date[0].n != 4)
		return -EINVAL;
	for (size_t i = 0; i < 3; i++)
		if (i >= nd)
			ymd[i] = 1;
		else if (!py_int(date[i], &ymd[i]))
			return -EINVAL;
	if (parts[1].n && parts[1].p[parts[1].n - 1] == 'z') {
		parts[1].n--;
		parts[k++] = (struct piece){ "z", 1 };
	}
	{
		const char *minus = memchr(parts[1].p, '-', parts[1].n);
		const char *plus = memchr(parts[1].p, '+', parts[1].n);
		size_t loc = minus ? (size_t)(minus - parts[1].p) :
			     plus ? (size_t)(plus - parts[1].p) : parts[1].n;

		parts[k++] = piece_sub(parts[1], loc, parts[1].n);
		parts[1] = piece_sub(parts[1], 0, loc);
	}
	size_t nt = split_ch(parts[1], ':', 2, tp, 3);

	if (parts[2].n && (parts[2].p[0] == '-' || parts[2].p[0] == '+')) {
		if (!py_int(piece_sub(parts[2], 1, 3), &tzh) || !py_int(piece_sub(parts[2], 4, parts[2].n), &tzm))
			return -EINVAL;
		if (parts[2].p[0] == '-') {
			tzh = -tzh;
			tzm = -tzm;
		}
	} else
		tzh = zone_hours(parts[2], false);
	for (size_t i = 0; i < nt; i++)
		if (!py_float_int(tp[i], &hms[i]))
			return -EINVAL;
	return make_time(ymd[0], ymd[1], ymd[2], hms[0], hms[1], hms[2], tzh * 3600 + tzm * 60, ret_sec);
}

static size_t digits_at(const char *s, size_t n, size_t i, size_t want, int64_t *ret)
{
	int64_t v = 0;

	if (i + want > n)
		return 0;
	for (size_t k = 0; k < want; k++) {
		if (!is_digit(s[i + k]))
			return 0;
		v = v * 10 + (s[i + k] - '0');
	}
	*ret = v;
	return want;
}

/* The reference reader's ISO 8601 templates, tried in order, each matched
 * as a prefix: Y = year digit, M month, D day, O ordinal day, '-' a literal,
 * '?' makes the preceding '-' optional.  Templates that need today's date
 * (--MM, -YY ...) are left out: a feed date should not depend on the clock. */
static const char *const iso_templates[] = {
	"YYYY-?MM-?DD", "YYYY-MM", "YYYY-?OOO", "YY-?MM-?DD", "YY-?OOO", "YYYY",
};

struct iso_fields {
	int64_t year, month, day, ordinal;
	int year_digits;
	bool has_month, has_day, has_ordinal;
};

/* Matches one template; returns the length matched or 0. */
static size_t iso_match(const char *t, const char *s, size_t n, struct iso_fields *f)
{
	size_t i = 0;

	*f = (struct iso_fields){};
	while (*t) {
		char c = *t;
		size_t run = 0;

		if (c == '-') {
			bool optional = t[1] == '?';

			if (i < n && s[i] == '-')
				i++;
			else if (!optional)
				return 0;
			t += optional ? 2 : 1;
			continue;
		}
		while (t[run] == c)
			run++;
		{
			int64_t v = 0;

			for (size_t k = 0; k < run; k++) {
				if (i + k >= n || !is_digit(s[i + k]))
					return 0;
				v = v * 10 + (s[i + k] - '0');
			}
			/* [01]\d months, [0123]\d days, [0123]\d\d ordinals */
			if ((c == 'M' && s[i] > '1') || ((c == 'D' || c == 'O') && s[i] > '3'))
				return 0;
			switch (c) {
			case 'Y':
				f->year = v;
				f->year_digits = (int)run;
				break;
			case 'M':
				f->month = v;
				f->has_month = true;
				break;
			case 'D':
				f->day = v;
				f->has_day = true;
				break;
			case 'O':
				f->ordinal = v;
				f->has_ordinal = true;
				break;
			}
			i += run;
			t += run;
		}
	}
	return i;
}

static int parse_iso8601(const char *s, size_t n, int64_t *ret_sec)
{
	struct iso_fields f;
	int64_t h = 0, mi = 0, sec = 0, tzh = 0, tzm = 0, t, y, mo, d;
	size_t i = 0;
	bool matched = false;

	for (size_t k = 0; k < ELEMENTSOF(iso_templates) && !matched; k++)
		if ((i = iso_match(iso_templates[k], s, n, &f)) > 0)
			matched = true;
	if (!matched)
		return -EINVAL;
	/* two-digit years are this century's, as the reference reader does */
	y = f.year_digits == 2 ? 2000 + f.year : f.year;
	mo = f.has_month ? f.month : 1;
	d = f.has_day ? f.day : f.has_ordinal ? f.ordinal : 1;
	if (f.has_ordinal && !f.has_month)
		mo = 1;
	{
		size_t j = i;

		if (j < n && s[j] == 'T')
			j++;
		if (digits_at(s, n, j, 2, &h) && j + 2 < n && s[j + 2] == ':' &&
		    digits_at(s, n, j + 3, 2, &mi)) {
			j += 5;
			if (j < n && s[j] == ':' && digits_at(s, n, j + 1, 2, &sec))
				j += 3;
			if (j < n && s[j] == '.' && j + 1 < n && is_digit(s[j + 1]))
				for (j++; j < n && is_digit(s[j]); j++)
					;
			if (j < n && (s[j] == '+' || s[j] == '-') && digits_at(s, n, j + 1, 2, &tzh)) {
				if (j + 3 < n && s[j + 3] == ':')
					(void)digits_at(s, n, j + 4, 2, &tzm);
				if (s[j] == '-') {
					/* mktime() of local time: a west offset adds */
					h += tzh;
					mi += tzm;
				} else {
					h -= tzh;
					mi -= tzm;
				}
			}
		} else
			h = mi = 0;
	}
	if (y < 1)
		return -EINVAL;
	t = timefmt_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	if (t < INT64_C(-62135596800) || t > INT64_C(253402300799))
		return -EINVAL;
	*ret_sec = t;
	return 0;
}

/* asctime: "Sun Mar 16 15:21:00 2025" or with a zone before the year. */
static int parse_asctime(const char *s, size_t n, int64_t *ret_sec)
{
	struct piece parts[8];
	char buf[MAX_DATE_LEN + 16];
	size_t k = split_ws(s, n, parts, 7), w;

	if (k == 5) {
		parts[5] = parts[4];
		parts[4] = (struct piece){ "+0000", 5 };
		k = 6;
	}
	if (k != 6)
		return -EINVAL;
	static const int order[6] = { 0, 2, 1, 5, 3, 4 };

	w = 0;
	for (size_t i = 0; i < 6; i++) {
		struct piece p = parts[order[i]];

		if (w + p.n + 1 > sizeof(buf))
			return -EINVAL;
		memcpy(buf + w, p.p, p.n);
		w += p.n;
		buf[w++] = ' ';
	}
	return timefmt_parse_rfc822(buf, w - 1, ret_sec);
}

int timefmt_parse(const char *s, size_t n, int64_t *ret_sec)
{
	/* the element text is stripped first */
	while (n && is_space(*s)) {
		s++;
		n--;
	}
	while (n && is_space(s[n - 1]))
		n--;
	if (n == 0 || n > MAX_DATE_LEN)
		return -EINVAL;
	if (timefmt_parse_w3dtf(s, n, ret_sec) == 0)
		return 0;
	if (timefmt_parse_rfc822(s, n, ret_sec) == 0)
		return 0;
	if (parse_iso8601(s, n, ret_sec) == 0)
		return 0;
	return parse_asctime(s, n, ret_sec);
}
