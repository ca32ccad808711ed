/* test-json.c - the JSON writer and the UTF-8 helpers it relies on. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "json.h"
#include "utf8.h"

static void test_object_separators(void **state)
{
	_cleanup_buf_ struct buf b;

	buf_init(&b, 0);
	json_begin_object(&b);
	json_key(&b, "seq");
	json_int(&b, 7);
	json_key(&b, "title");
	json_string(&b, "Talks \"resume\"");
	json_key(&b, "rules");
	json_begin_array(&b);
	json_string(&b, "a");
	json_string(&b, "b");
	json_end_array(&b);
	json_key(&b, "dup");
	json_null(&b);
	json_key(&b, "ok");
	json_bool(&b, true);
	json_end_object(&b);
	assert_string_equal(buf_str(&b),
		"{\"seq\":7,\"title\":\"Talks \\\"resume\\\"\",\"rules\":[\"a\",\"b\"],"
		"\"dup\":null,\"ok\":true}");
}

static void test_string_escapes(void **state)
{
	_cleanup_buf_ struct buf b;

	buf_init(&b, 0);
	json_string(&b, "a\\b\n\t\x01\x1f\x7f");
	assert_string_equal(buf_str(&b), "\"a\\\\b\\n\\t\\u0001\\u001f\x7f\"");
}

static void test_string_unicode(void **state)
{
	_cleanup_buf_ struct buf b;

	buf_init(&b, 0);
	/* Cyrillic passes through; U+2028 is escaped; a stray byte becomes U+FFFD. */
	json_string(&b, "Київ\xe2\x80\xa8x\xff");
	assert_string_equal(buf_str(&b), "\"Київ\\u2028x\xef\xbf\xbd\"");
}

static void test_null_string(void **state)
{
	_cleanup_buf_ struct buf b;

	buf_init(&b, 0);
	json_begin_array(&b);
	json_string(&b, NULL);
	json_string(&b, "");
	json_end_array(&b);
	assert_string_equal(buf_str(&b), "[null,\"\"]");
}

static void test_doubles(void **state)
{
	_cleanup_buf_ struct buf b;

	buf_init(&b, 0);
	json_begin_array(&b);
	json_double(&b, 2.0);
	json_double(&b, 0.1);
	json_double(&b, -3.25);
	json_double(&b, 1.0 / 0.0);
	json_end_array(&b);
	assert_string_equal(buf_str(&b), "[2,0.1,-3.25,null]");
}

static void test_utf8_decode_rejects(void **state)
{
	uint32_t cp;

	assert_int_equal(utf8_decode((const unsigned char *)"\xc0\x80", 2, &cp), -1);     /* overlong */
	assert_int_equal(utf8_decode((const unsigned char *)"\xed\xa0\x80", 3, &cp), -1); /* surrogate */
	assert_int_equal(utf8_decode((const unsigned char *)"\xf4\x90\x80\x80", 4, &cp), -1);
	assert_int_equal(utf8_decode((const unsigned char *)"\xe2\x82", 2, &cp), -1);     /* truncated */
	assert_int_equal(utf8_decode((const unsigned char *)"\xe2\x82\xac", 3, &cp), 3);
	assert_int_equal(cp, 0x20ac);
}

static void test_utf8_repair(void **state)
{
	char *s = utf8_repair("a\xff" "b\0c", 5);

	assert_string_equal(s, "a\xef\xbf\xbd" "bc");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object_separators),
		cmocka_unit_test(test_string_escapes),
		cmocka_unit_test(test_string_unicode),
		cmocka_unit_test(test_null_string),
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_utf8_decode_rejects),
		cmocka_unit_test(test_utf8_repair),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
