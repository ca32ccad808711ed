/* test-hook.c - the exec hook with real child processes. */

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "hook.h"
#include "util.h"

#define MSEC USEC_PER_MSEC
#define SEC USEC_PER_SEC

static void assert_no_children(void)
{
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* With the test as subreaper, orphans of the hook come to us: each must have
 * died of SIGKILL (a survivor would make this wait and then fail). */
static unsigned reap_orphans_killed(void)
{
	unsigned n = 0;
	int status;

	while (waitpid(-1, &status, 0) > 0) {
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), SIGKILL);
		n++;
	}
	return n;
}

static void test_cat_gets_the_event_on_stdin(void **state)
{
	char *argv[] = { "cat", NULL };
	const char *event = "{\"seq\":1,\"event\":\"match\"}\n";
	struct hook_result r;

	assert_int_equal(hook_run(argv, event, strlen(event), 10 * SEC, 4096, &r), 0);
	assert_int_equal(r.exit_status, 0);
	assert_int_equal(r.signal, 0);
	assert_false(r.is_timed_out);
	assert_string_equal(r.out, event);
	assert_int_equal(r.out_len, strlen(event));
	assert_string_equal(r.err, "");
	hook_result_done(&r);
	assert_no_children();
}

static void test_exit_status_and_stderr(void **state)
{
	char *argv[] = { "sh", "-c", "echo oops >&2; exit 3", NULL };
	struct hook_result r;

	assert_int_equal(hook_run(argv, "x", 1, 10 * SEC, 4096, &r), 0);
	assert_int_equal(r.exit_status, 3);
	assert_int_equal(r.signal, 0);
	assert_false(r.is_timed_out);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "oops\n");
	hook_result_done(&r);
	assert_no_children();
}

static void test_timeout_kills_the_group(void **state)
{
	char *argv[] = { "sh", "-c", "sleep 5 & sleep 5; echo late", NULL };
	struct hook_result r;

	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	assert_int_equal(hook_run(argv, NULL, 0, 1 * SEC, 4096, &r), 0);
	assert_true(r.is_timed_out);
	assert_int_equal(r.exit_status, -1);
	assert_int_equal(r.signal, SIGKILL);
	assert_string_equal(r.out, "");
	hook_result_done(&r);
	/* The sleeps the shell had started by then (on a loaded machine maybe
	 * not both), each killed rather than left to finish. */
	assert_true(reap_orphans_killed() >= 1);
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
	assert_no_children();
}

static void test_leftovers_die_with_the_hook(void **state)
{
	char *argv[] = { "sh", "-c", "sleep 5 & echo done", NULL };
	struct hook_result r;

	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	assert_int_equal(hook_run(argv, NULL, 0, 10 * SEC, 4096, &r), 0);
	assert_false(r.is_timed_out);
	assert_int_equal(r.exit_status, 0);
	assert_string_equal(r.out, "done\n");
	hook_result_done(&r);
	assert_int_equal(reap_orphans_killed(), 1);
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
}

static void test_missing_command(void **state)
{
	char *abs[] = { "/nonexistent/storywatch-hook", NULL };
	char *rel[] = { "storywatch-no-such-hook", NULL };
	struct hook_result r;

	assert_int_equal(hook_run(abs, "x", 1, SEC, 4096, &r), -ENOENT);
	assert_int_equal(hook_run(rel, "x", 1, SEC, 4096, &r), -ENOENT);
	assert_no_children();
}

static void test_empty_argv(void **state)
{
	char *argv[] = { NULL };
	struct hook_result r;

	assert_int_equal(hook_run(argv, NULL, 0, SEC, 4096, &r), -EINVAL);
}

static void test_output_capped(void **state)
{
	char *argv[] = { "sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x; echo end >&2", NULL };
	struct hook_result r;

	assert_int_equal(hook_run(argv, NULL, 0, 10 * SEC, 1000, &r), 0);
	assert_int_equal(r.exit_status, 0);
	assert_int_equal(r.out_len, 1000);
	assert_int_equal(strlen(r.out), 1000);
	assert_int_equal(strspn(r.out, "x"), 1000);
	assert_true(r.is_out_truncated);
	assert_string_equal(r.err, "end\n");
	assert_false(r.is_err_truncated);
	hook_result_done(&r);
	assert_no_children();
}

static void test_hook_that_ignores_stdin(void **state)
{
	/* More than a socket buffer, to a hook that never reads: no SIGPIPE
	 * for us, and the hook's own status comes back. */
	size_t len = 4 * 1024 * 1024;
	_cleanup_free_ char *input = xmalloc(len);
	char *argv[] = { "sh", "-c", "exit 0", NULL };
	struct hook_result r;

	memset(input, 'e', len);
	assert_int_equal(hook_run(argv, input, len, 10 * SEC, 4096, &r), 0);
	assert_int_equal(r.exit_status, 0);
	assert_false(r.is_timed_out);
	hook_result_done(&r);
	assert_no_children();
}

static void test_signals_reset_for_the_hook(void **state)
{
	/* The daemon blocks SIGTERM for its loop; the hook must not inherit
	 * that mask. */
	char *argv[] = { "sh", "-c", "kill -TERM $$; exit 0", NULL };
	sigset_t term, old;
	struct hook_result r;

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	assert_int_equal(sigprocmask(SIG_BLOCK, &term, &old), 0);
	assert_int_equal(hook_run(argv, NULL, 0, 10 * SEC, 4096, &r), 0);
	assert_int_equal(sigprocmask(SIG_SETMASK, &old, NULL), 0);
	assert_int_equal(r.signal, SIGTERM);
	assert_int_equal(r.exit_status, -1);
	assert_false(r.is_timed_out);
	hook_result_done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cat_gets_the_event_on_stdin),
		cmocka_unit_test(test_exit_status_and_stderr),
		cmocka_unit_test(test_timeout_kills_the_group),
		cmocka_unit_test(test_leftovers_die_with_the_hook),
		cmocka_unit_test(test_missing_command),
		cmocka_unit_test(test_empty_argv),
		cmocka_unit_test(test_output_capped),
		cmocka_unit_test(test_hook_that_ignores_stdin),
		cmocka_unit_test(test_signals_reset_for_the_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
