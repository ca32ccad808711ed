/* test-jsonread.c - the strict JSON reader. */

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "diag.h"
#include "jsonread.h"
#include "util.h"

static struct json_value *parse_ok(const char *s)
{
	struct json_value *v = NULL;

	assert_int_equal(jsonread_parse(s, strlen(s), 16, &v, NULL), 0);
	assert_non_null(v);
	return v;
}

static int parse_err(const char *s, size_t len, unsigned *ret_column)
{
	struct json_value *v = NULL;
	struct diag d = { 0 };
	int r = jsonread_parse(s, len, 16, &v, &d);

	assert_null(v);
	if (ret_column)
		*ret_column = d.column;
	assert_non_null(d.message);
	diag_clear(&d);
	return r;
}

#define assert_rejected(lit) assert_int_equal(parse_err(lit, sizeof(lit) - 1, NULL), -EBADMSG)

static void test_event_line(void **state)
{
	_cleanup_jsonread_ struct json_value *v = parse_ok(
		"{\"seq\":12,\"time\":\"2025-03-18T14:02:00Z\",\"event\":\"match\","
		"\"rules\":[\"call\",\"energy\"],\"score\":7.5,\"duplicate_of\":null}");
	const struct json_value *rules;
	double d;

	assert_int_equal(v->type, JSON_OBJECT);
	assert_int_equal(v->object.n, 6);
	assert_true(jsonread_get_number(v, "seq", &d));
	assert_true(d == 12.0);
	assert_string_equal(jsonread_get_string(v, "event"), "match");
	rules = jsonread_get(v, "rules");
	assert_int_equal(rules->type, JSON_ARRAY);
	assert_int_equal(rules->array.n, 2);
	assert_string_equal(rules->array.items[1]->string.s, "energy");
	assert_true(jsonread_get_number(v, "score", &d));
	assert_true(d == 7.5);
	assert_int_equal(jsonread_get(v, "duplicate_of")->type, JSON_NULL);
	assert_null(jsonread_get_string(v, "duplicate_of"));
	assert_null(jsonread_get(v, "missing"));
	assert_false(jsonread_get_number(v, "event", &d));
}

static void test_literals_and_whitespace(void **state)
{
	_cleanup_jsonread_ struct json_value *v = parse_ok(" \t\r\n[true ,false,\nnull ] \n");

	assert_int_equal(v->array.n, 3);
	assert_int_equal(v->array.items[0]->type, JSON_TRUE);
	assert_int_equal(v->array.items[1]->type, JSON_FALSE);
	assert_int_equal(v->array.items[2]->type, JSON_NULL);
}

static void test_empty_containers(void **state)
{
	_cleanup_jsonread_ struct json_value *v = parse_ok("{\"a\":[],\"b\":{}}");

	assert_int_equal(jsonread_get(v, "a")->array.n, 0);
	assert_int_equal(jsonread_get(v, "b")->type, JSON_OBJECT);
	assert_int_equal(jsonread_get(v, "b")->object.n, 0);
}

static void test_scalar_top_level(void **state)
{
	_cleanup_jsonread_ struct json_value *v = parse_ok("\"just a string\"");

	assert_int_equal(v->type, JSON_STRING);
	assert_string_equal(v->string.s, "just a string");
}

static void test_string_escapes(void **state)
{
	_cleanup_jsonread_ struct json_value *v =
		parse_ok("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9\\u041a \\u20ac\"");

	assert_string_equal(v->string.s, "q\" b\\ s/ \b\f\n\r\t \xc3\xa9\xd0\x9a \xe2\x82\xac");
}

static void test_surrogate_pair(void **state)
{
	_cleanup_jsonread_ struct json_value *v = parse_ok("\"\\ud83d\\ude00 \\uD834\\uDD1E\"");

	/* U+1F600 and U+1D11E */
	assert_string_equal(v->string.s, "\xf0\x9f\x98\x80 \xf0\x9d\x84\x9e");
	assert_int_equal(v->string.len, 9);
}

static void test_escaped_nul_keeps_length(void **state)
{
	_cleanup_jsonread_ struct json_value *v = parse_ok("\"a\\u0000b\"");

	assert_int_equal(v->string.len, 3);
	assert_memory_equal(v->string.s, "a\0b", 3);
}

static void test_raw_utf8_passes(void **state)
{
	_cleanup_jsonread_ struct json_value *v = parse_ok("\"Зеленський\"");

	assert_string_equal(v->string.s, "Зеленський");
}

static void test_numbers(void **state)
{
	_cleanup_jsonread_ struct json_value *v = parse_ok("[0,-0,1.5,-12e2,3E+1,2.5e-1,1e400]");

	assert_true(v->array.items[0]->number == 0.0);
	assert_true(signbit(v->array.items[1]->number));
	assert_true(v->array.items[2]->number == 1.5);
	assert_true(v->array.items[3]->number == -1200.0);
	assert_true(v->array.items[4]->number == 30.0);
	assert_true(v->array.items[5]->number == 0.25);
	assert_true(isinf(v->array.items[6]->number));
}

static void test_bad_numbers(void **state)
{
	assert_rejected("01");
	assert_rejected("+1");
	assert_rejected("1.");
	assert_rejected(".5");
	assert_rejected("1e");
	assert_rejected("1e+");
	assert_rejected("-");
	assert_rejected("0x10");
	assert_rejected("NaN");
	assert_rejected("Infinity");
}

static void test_bad_strings(void **state)
{
	assert_rejected("\"unterminated");
	assert_rejected("\"tab\there\"");
	assert_rejected("\"\\x41\"");
	assert_rejected("\"\\u12\"");
	assert_rejected("\"\\u12g4\"");
	assert_rejected("\"trailing backslash\\");
	assert_rejected("'single'");
	assert_rejected("\"\xff\"");
	assert_rejected("\"\xc0\xaf\"");          /* overlong '/' */
	assert_rejected("\"\xed\xa0\x80\"");      /* raw surrogate */
}

static void test_unpaired_surrogates(void **state)
{
	assert_rejected("\"\\ud800\"");
	assert_rejected("\"\\ud800x\"");
	assert_rejected("\"\\ud800\\u0041\"");
	assert_rejected("\"\\udc00\\ud800\"");
}

static void test_bad_structure(void **state)
{
	assert_rejected("");
	assert_rejected("   ");
	assert_rejected("[1,]");
	assert_rejected("[,1]");
	assert_rejected("{\"a\":1,}");
	assert_rejected("{\"a\" 1}");
	assert_rejected("{a:1}");
	assert_rejected("{1:1}");
	assert_rejected("[1 2]");
	assert_rejected("[1");
	assert_rejected("{\"a\":1");
	assert_rejected("{} {}");
	assert_rejected("nul");
	assert_rejected("truex");
	assert_rejected("[1]\x0b");
	assert_rejected("/* comment */ 1");
}

static void test_embedded_nul_byte(void **state)
{
	assert_int_equal(parse_err("[1]\0", 4, NULL), -EBADMSG);
	assert_int_equal(parse_err("\"a\0b\"", 5, NULL), -EBADMSG);
}

static void test_error_column(void **state)
{
	unsigned col = 0;

	assert_int_equal(parse_err("{\"a\":tru}", 9, &col), -EBADMSG);
	assert_int_equal(col, 6);
	assert_int_equal(parse_err("[1,2 3]", 7, &col), -EBADMSG);
	assert_int_equal(col, 6);
}

static void test_depth_limit(void **state)
{
	struct json_value *v = NULL;
	char deep[64];

	memset(deep, '[', 20);
	memset(deep + 20, ']', 20);
	assert_int_equal(jsonread_parse(deep, 40, 20, &v, NULL), 0);
	jsonread_free(v);
	v = NULL;
	assert_int_equal(jsonread_parse(deep, 40, 19, &v, NULL), -ELOOP);
	assert_null(v);
}

static void test_deep_input_does_not_recurse_past_limit(void **state)
{
	size_t n = 1000000;
	_cleanup_free_ char *s = xmalloc(n);
	struct json_value *v = NULL;

	memset(s, '[', n);
	assert_int_equal(jsonread_parse(s, n, JSONREAD_MAX_DEPTH_DEFAULT, &v, NULL), -ELOOP);
	assert_null(v);
}

static void test_repeated_key_first_wins(void **state)
{
	_cleanup_jsonread_ struct json_value *v = parse_ok("{\"k\":\"first\",\"k\":\"second\"}");

	assert_int_equal(v->object.n, 2);
	assert_string_equal(jsonread_get_string(v, "k"), "first");
}

static void test_get_on_non_object(void **state)
{
	_cleanup_jsonread_ struct json_value *v = parse_ok("[\"k\"]");
	double d;

	assert_null(jsonread_get(v, "k"));
	assert_null(jsonread_get_string(NULL, "k"));
	assert_false(jsonread_get_number(v, "k", &d));
	jsonread_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_line),
		cmocka_unit_test(test_literals_and_whitespace),
		cmocka_unit_test(test_empty_containers),
		cmocka_unit_test(test_scalar_top_level),
		cmocka_unit_test(test_string_escapes),
		cmocka_unit_test(test_surrogate_pair),
		cmocka_unit_test(test_escaped_nul_keeps_length),
		cmocka_unit_test(test_raw_utf8_passes),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_bad_strings),
		cmocka_unit_test(test_unpaired_surrogates),
		cmocka_unit_test(test_bad_structure),
		cmocka_unit_test(test_embedded_nul_byte),
		cmocka_unit_test(test_error_column),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_deep_input_does_not_recurse_past_limit),
		cmocka_unit_test(test_repeated_key_first_wins),
		cmocka_unit_test(test_get_on_non_object),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
