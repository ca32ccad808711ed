/* test-timefmt.c - feed dates (timefmt.c). */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "timefmt.h"

/* Parses s and checks its RFC 3339 form; want NULL = rejected. */
static void check(const char *s, const char *want)
{
	int64_t t;
	char out[TIMEFMT_RFC3339_MAX];
	int r = timefmt_parse(s, strlen(s), &t);

	if (!want) {
		assert_int_equal(r, -EINVAL);
		return;
	}
	assert_int_equal(r, 0);
	assert_int_equal(timefmt_rfc3339(t, out), 0);
	assert_string_equal(out, want);
}

static void test_rfc822_basic(void **state)
{
	check("Tue, 10 Jun 2003 04:00:00 GMT", "2003-06-10T04:00:00Z");
	check("tue, 10 JUN 2003 04:00:00 gmt", "2003-06-10T04:00:00Z");
}

static void test_rfc822_numeric_zones(void **state)
{
	check("Sun, 6 Apr 2025 9:05:07 +0200", "2025-04-06T07:05:07Z");
	check("Sun, 6 Apr 2025 09:05:07 -05:30", "2025-04-06T14:35:07Z");
	check("Sun, 06 Apr 2025 09:05:07 GMT+03:00", "2025-04-06T06:05:07Z");
}

static void test_rfc822_named_zones(void **state)
{
	check("Mon, 10 Mar 2025 12:00:00 EST", "2025-03-10T17:00:00Z");
	check("Mon, 10 Mar 2025 12:00:00 PDT", "2025-03-10T19:00:00Z");
	check("Mon, 10 Mar 2025 12:00:00 MEST", "2025-03-10T10:00:00Z");
	/* unknown names count as UTC */
	check("Mon, 10 Mar 2025 12:00:00 MSK", "2025-03-10T12:00:00Z");
	check("Mon, 10 Mar 2025 12:00:00 CET", "2025-03-10T12:00:00Z");
}

static void test_rfc822_military_zones(void **state)
{
	/* RFC 822's signs, inverted as the reference reader reads them */
	check("10 Mar 2025 12:00:00 A", "2025-03-10T13:00:00Z");
	check("10 Mar 2025 12:00:00 N", "2025-03-10T11:00:00Z");
	check("10 Mar 2025 12:00:00 Z", "2025-03-10T12:00:00Z");
}

static void test_rfc822_optional_parts(void **state)
{
	check("10 Jun 2003 04:00 GMT", "2003-06-10T04:00:00Z");
	check("10 Jun 2003", "2003-06-10T00:00:00Z");
	check("Jun 10 2003 04:00:00 GMT", "2003-06-10T04:00:00Z");
}

static void test_rfc822_two_digit_years(void **state)
{
	check("Tue, 10 Jun 03 04:00:00 GMT", "2003-06-10T04:00:00Z");
	check("Thu, 10 Jun 99 04:00:00 GMT", "1999-06-10T04:00:00Z");
}

static void test_rfc822_rejects(void **state)
{
	check("Tue, 10 Jun 2003 04:00:00", NULL);        /* no zone after a day name */
	check("Tue,10 Jun 2003 04:00:00 GMT", NULL);     /* no space after the comma */
	check("Tue, 10 Jun 2003 24:00:00 GMT", NULL);
	check("Tue, 10 Jun 2003 23:59:60 GMT", NULL);
	check("Tue, 31 Feb 2003 04:00:00 GMT", NULL);
	check("next tuesday", NULL);
	check("", NULL);
}

static void test_asctime(void **state)
{
	check("Sat Mar 15 15:21:00 2025", "2025-03-15T15:21:00Z");
}

static void test_w3dtf_forms(void **state)
{
	check("2003-12-31T10:14:55Z", "2003-12-31T10:14:55Z");
	check("2003-12-31t10:14:55z", "2003-12-31T10:14:55Z");
	check("2003-12-31T10:14:55.117-08:00", "2003-12-31T18:14:55Z");
	check("2003-12-31T10:14:55+0100", "2003-12-31T09:14:55Z");
	check("2003-12-31 10:14:55", "2003-12-31T10:14:55Z");
	check("2003-12-31T10:14", "2003-12-31T10:14:00Z");
}

static void test_w3dtf_partial_dates(void **state)
{
	check("2003", "2003-01-01T00:00:00Z");
	check("2003-12", "2003-12-01T00:00:00Z");
	check("2003-12-31", "2003-12-31T00:00:00Z");
}

static void test_iso8601_rolls_over(void **state)
{
	check("2025-02-29", "2025-03-01T00:00:00Z");
	check("2025-04-31T10:00:00Z", "2025-05-01T10:00:00Z");
	/* a 2-digit year and an ordinal day */
	check("15184", "2015-07-03T00:00:00Z");
}

static void test_rfc822_in_atom_and_iso_in_pubdate(void **state)
{
	int64_t a, b;

	assert_int_equal(timefmt_parse("2025-03-18T14:00:00Z", 20, &a), 0);
	assert_int_equal(timefmt_parse("Tue, 18 Mar 2025 14:00:00 GMT", 29, &b), 0);
	assert_true(a == b);
	assert_true(a == INT64_C(1742306400));
}

static void test_each_parser_alone(void **state)
{
	int64_t t;

	assert_int_equal(timefmt_parse_rfc822("2003-12-31", 10, &t), -EINVAL);
	assert_int_equal(timefmt_parse_w3dtf("Tue, 10 Jun 2003 04:00:00 GMT", 29, &t), -EINVAL);
	assert_int_equal(timefmt_parse_w3dtf("1970-01-01T00:00:01Z", 20, &t), 0);
	assert_true(t == 1);
}

static void test_days_from_civil(void **state)
{
	assert_true(timefmt_days_from_civil(1970, 1, 1) == 0);
	assert_true(timefmt_days_from_civil(2000, 3, 1) == 11017);
	assert_true(timefmt_days_from_civil(1969, 12, 31) == -1);
	/* out of range months and days carry */
	assert_true(timefmt_days_from_civil(2024, 13, 1) == timefmt_days_from_civil(2025, 1, 1));
	assert_true(timefmt_days_from_civil(2025, 2, 29) == timefmt_days_from_civil(2025, 3, 1));
	assert_true(timefmt_days_from_civil(2025, 0, 1) == timefmt_days_from_civil(2024, 12, 1));
}

static void test_rfc3339_format(void **state)
{
	char out[TIMEFMT_RFC3339_MAX];

	assert_int_equal(timefmt_rfc3339(0, out), 0);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	assert_int_equal(timefmt_rfc3339(-1, out), 0);
	assert_string_equal(out, "1969-12-31T23:59:59Z");
	assert_int_equal(timefmt_rfc3339(INT64_C(253402300799), out), 0);
	assert_string_equal(out, "9999-12-31T23:59:59Z");
	assert_int_equal(timefmt_rfc3339(INT64_C(253402300800), out), -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc822_basic),
		cmocka_unit_test(test_rfc822_numeric_zones),
		cmocka_unit_test(test_rfc822_named_zones),
		cmocka_unit_test(test_rfc822_military_zones),
		cmocka_unit_test(test_rfc822_optional_parts),
		cmocka_unit_test(test_rfc822_two_digit_years),
		cmocka_unit_test(test_rfc822_rejects),
		cmocka_unit_test(test_asctime),
		cmocka_unit_test(test_w3dtf_forms),
		cmocka_unit_test(test_w3dtf_partial_dates),
		cmocka_unit_test(test_iso8601_rolls_over),
		cmocka_unit_test(test_rfc822_in_atom_and_iso_in_pubdate),
		cmocka_unit_test(test_each_parser_alone),
		cmocka_unit_test(test_days_from_civil),
		cmocka_unit_test(test_rfc3339_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
