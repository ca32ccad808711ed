/* test-log.c - diagnostics: the line format, priorities, the returned errno. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

/* Runs fn with stderr sent to a temporary file and returns what it wrote. */
static char *capture(void (*fn)(void))
{
	char path[] = "/tmp/test-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	static char out[512];
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0);
	(void) unlink(path);
	fflush(stderr);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	fn();
	fflush(stderr);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	n = pread(fd, out, sizeof(out) - 1, 0);
	close(fd);
	assert_true(n >= 0);
	out[n] = '\0';
	return out;
}

static int returned;

static void warn_enoent(void)
{
	returned = log_warn_errno(-ENOENT, "feed %s: cannot store item, skipping", "http://a.example/");
}

static void debug_line(void)
{
	log_debug("poll %d", 7);
}

static void test_plain_line_with_errno_text(void **state)
{
	unsetenv("JOURNAL_STREAM");
	log_setup("storywatchd", false);
	assert_string_equal(capture(warn_enoent),
			    "storywatchd: feed http://a.example/: cannot store item, skipping: No such file or directory\n");
	assert_int_equal(returned, -ENOENT);
}

static void test_journal_gets_priority_prefix(void **state)
{
	setenv("JOURNAL_STREAM", "8:1234", 1);
	log_setup("storywatchd", false);
	assert_string_equal(capture(warn_enoent),
			    "<4>feed http://a.example/: cannot store item, skipping: No such file or directory\n");
	unsetenv("JOURNAL_STREAM");
}

static void test_debug_only_when_verbose(void **state)
{
	unsetenv("JOURNAL_STREAM");
	log_setup("storywatchd", false);
	assert_string_equal(capture(debug_line), "");
	log_setup("storywatchd", true);
	assert_true(log_is_debug());
	assert_string_equal(capture(debug_line), "storywatchd: poll 7\n");
}

static void test_zero_is_returned_and_adds_nothing(void **state)
{
	unsetenv("JOURNAL_STREAM");
	log_setup("storywatch", false);
	assert_int_equal(log_warn_errno(0, "fine"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_line_with_errno_text),
		cmocka_unit_test(test_journal_gets_priority_prefix),
		cmocka_unit_test(test_debug_only_when_verbose),
		cmocka_unit_test(test_zero_is_returned_and_adds_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
