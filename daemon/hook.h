/* hook.h - a rule's exec hook: a command run without a shell, the event JSON
 * on its stdin, its output captured, killed when it overruns its time. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* How a hook ended.  Owned strings; hook_result_done() frees. */
struct hook_result {
	pid_t pid;            /* also its process group */
	int exit_status;      /* exit code; -1 when a signal ended it */
	int signal;           /* the signal that ended it, else 0 */
	bool is_timed_out;    /* it overran and its process group was killed */
	char *out;            /* stdout, NUL-terminated, at most max_output bytes */
	size_t out_len;
	bool is_out_truncated;
	char *err;            /* stderr, likewise */
	size_t err_len;
	bool is_err_truncated;
};

void hook_result_done(struct hook_result *r);

/* Runs argv[0] (looked up in PATH) in its own process group with input on
 * stdin, waiting at most timeout_usec: then SIGKILL goes to the whole group.
 * The group does not outlive the hook either: what the hook leaves running
 * when it exits is killed.  The child is always reaped.  Returns 0 (however the hook itself ended), or
 * a negative errno when it could not be started (-ENOENT: no such command). */
int hook_run(char *const argv[], const void *input, size_t input_len,
	     uint64_t timeout_usec, size_t max_output, struct hook_result *ret);
