/* test-buf.c - the bounded buffer. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"

static void test_append_grows(void **state)
{
	_cleanup_buf_ struct buf b;
	char chunk[100];

	buf_init(&b, 0);
	memset(chunk, 'x', sizeof(chunk));
	for (int i = 0; i < 100; i++)
		assert_int_equal(buf_append(&b, chunk, sizeof(chunk)), 0);
	assert_int_equal(b.len, 10000);
	assert_int_equal(b.data[b.len], '\0');
	assert_int_equal(strspn(b.data, "x"), 10000);
}

static void test_ceiling_refuses_and_keeps(void **state)
{
	_cleanup_buf_ struct buf b;

	buf_init(&b, 8);
	assert_int_equal(buf_puts(&b, "12345"), 0);
	assert_int_equal(buf_puts(&b, "6789"), -E2BIG);
	assert_string_equal(buf_str(&b), "12345");
	assert_int_equal(buf_puts(&b, "678"), 0);
	assert_string_equal(buf_str(&b), "12345678");
	assert_int_equal(buf_putc(&b, '9'), -E2BIG);
	assert_int_equal(buf_printf(&b, "%d", 1), -E2BIG);
}

static void test_printf_and_steal(void **state)
{
	struct buf b;
	char *s;

	buf_init(&b, 0);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_printf(&b, "%s-%d", "seq", 42), 0);
	s = buf_steal(&b);
	assert_string_equal(s, "seq-42");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(s);
	s = buf_steal(&b);
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_grows),
		cmocka_unit_test(test_ceiling_refuses_and_keeps),
		cmocka_unit_test(test_printf_and_steal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
