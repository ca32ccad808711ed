/* test-fetch.c - the header readers and the scheduling facts of an answer. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fetch.h"
#include "fetch-internal.h"

static void test_delta_seconds(void **state)
{
	assert_int_equal(fetch_parse_delta_seconds("120"), 120);
	assert_int_equal(fetch_parse_delta_seconds(" 7200 "), 7200);
	assert_int_equal(fetch_parse_delta_seconds("0"), 0);
	assert_int_equal(fetch_parse_delta_seconds("60, more"), 60);
}

static void test_delta_seconds_refuses_dates_and_signs(void **state)
{
	assert_int_equal(fetch_parse_delta_seconds("Wed, 21 Oct 2015 07:28:00 GMT"), -1);
	assert_int_equal(fetch_parse_delta_seconds("-5"), -1);
	assert_int_equal(fetch_parse_delta_seconds("12abc"), -1);
	assert_int_equal(fetch_parse_delta_seconds(""), -1);
}

static void test_delta_seconds_saturates(void **state)
{
	assert_int_equal(fetch_parse_delta_seconds("99999999999999999999999999"), INT64_MAX / 100);
}

static void test_max_age_among_directives(void **state)
{
	assert_int_equal(fetch_parse_max_age("max-age=600"), 600);
	assert_int_equal(fetch_parse_max_age("public, max-age=3600, must-revalidate"), 3600);
	assert_int_equal(fetch_parse_max_age("Max-Age = 90"), 90);
	assert_int_equal(fetch_parse_max_age("max-age=\"30\""), 30);
}

static void test_max_age_absent(void **state)
{
	assert_int_equal(fetch_parse_max_age("no-cache"), -1);
	assert_int_equal(fetch_parse_max_age("s-maxage=100"), -1);
	assert_int_equal(fetch_parse_max_age("max-age"), -1);
	assert_int_equal(fetch_parse_max_age(""), -1);
}

static struct fetch_result blank(void)
{
	return (struct fetch_result) {
		.retry_after_delta = -1, .retry_after_date = -1,
		.max_age = -1, .expires = -1, .date = -1,
	};
}

static void test_retry_after_seconds(void **state)
{
	struct fetch_result r = blank();

	assert_int_equal(fetch_result_retry_after(&r, 1000), -1);
	r.retry_after_delta = 120;
	assert_int_equal(fetch_result_retry_after(&r, 1000), 1120);
}

static void test_retry_after_date_on_server_clock(void **state)
{
	struct fetch_result r = blank();

	/* The server says "come back at its 5000" while its clock reads 4000:
	 * 1000 s from our now, whatever our clock says. */
	r.retry_after_date = 5000;
	r.date = 4000;
	assert_int_equal(fetch_result_retry_after(&r, 1000000), 1001000);
	r.date = -1;
	assert_int_equal(fetch_result_retry_after(&r, 1000000), 5000);
}

static void test_fresh_until(void **state)
{
	struct fetch_result r = blank();

	assert_int_equal(fetch_result_fresh_until(&r, 1000), -1);
	r.expires = 9000;
	r.date = 8000;
	assert_int_equal(fetch_result_fresh_until(&r, 1000), 2000);
	/* max-age wins over Expires (RFC 9111 section 5.3). */
	r.max_age = 60;
	assert_int_equal(fetch_result_fresh_until(&r, 1000), 1060);
}

static void test_url_host(void **state)
{
	_cleanup_free_ char *a = fetch_url_host("http://News.Example/feed.xml");
	_cleanup_free_ char *b = fetch_url_host("https://news.example/feed.xml?x=1");
	_cleanup_free_ char *c = fetch_url_host("http://127.0.0.1:8080/a");
	_cleanup_free_ char *d = fetch_url_host("not a url");

	assert_string_equal(a, "news.example:80");
	assert_string_equal(b, "news.example:443");
	assert_string_equal(c, "127.0.0.1:8080");
	assert_null(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_host),
		cmocka_unit_test(test_delta_seconds),
		cmocka_unit_test(test_delta_seconds_refuses_dates_and_signs),
		cmocka_unit_test(test_delta_seconds_saturates),
		cmocka_unit_test(test_max_age_among_directives),
		cmocka_unit_test(test_max_age_absent),
		cmocka_unit_test(test_retry_after_seconds),
		cmocka_unit_test(test_retry_after_date_on_server_clock),
		cmocka_unit_test(test_fresh_until),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
