/* hook.c - run a rule's exec hook with a deadline. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "hook.h"
#include "util.h"

extern char **environ;

void hook_result_done(struct hook_result *r)
{
	free(r->out);
	free(r->err);
	*r = (struct hook_result) { 0 };
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

static void close_pair(int p[2])
{
	close_fd(&p[0]);
	close_fd(&p[1]);
}

/* A capture keeps reading past its ceiling, so the child never blocks on a
 * full pipe, but stores no more. */
struct capture {
	int fd;
	size_t max;
	struct buf buf;
	bool is_truncated;
};

static void capture_read(struct capture *c)
{
	char chunk[4096];
	ssize_t n = read(c->fd, chunk, sizeof(chunk));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close_fd(&c->fd);
		return;
	}
	if (c->is_truncated)
		return;
	{
		size_t room = c->max - c->buf.len;
		size_t take = MIN((size_t)n, room);

		if (take > 0)
			(void)buf_append(&c->buf, chunk, take);
		if (take < (size_t)n)
			c->is_truncated = true;
	}
}

static int spawn(char *const argv[], int in_fd, int out_fd, int err_fd, pid_t *ret_pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, defaults;
	int r;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in_fd, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, err_fd, STDERR_FILENO);

	/* The daemon blocks the signals its loop handles and may ignore
	 * SIGPIPE; the hook gets a clean slate, in a group of its own so the
	 * timeout can reach its children too. */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&defaults);
	sigdelset(&defaults, SIGKILL);
	sigdelset(&defaults, SIGSTOP);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
				 POSIX_SPAWN_SETPGROUP);

	r = posix_spawnp(ret_pid, argv[0], &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return -r;
}

static int pidfd_open_compat(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

int hook_run(char *const argv[], const void *input, size_t input_len,
	     uint64_t timeout_usec, size_t max_output, struct hook_result *ret)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	struct capture cap[2];
	const char *in_p = input;
	size_t in_left = input_len;
	int in_fd = -1, pidfd = -1, status = 0, r;
	bool is_timed_out;
	bool is_reaped = false;
	uint64_t deadline;
	pid_t pid;

	if (!argv || !argv[0])
		return -EINVAL;

	/* stdin is a socket so writing to a hook that quit early gives EPIPE
	 * (MSG_NOSIGNAL) instead of a SIGPIPE for the daemon. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0 ||
	    pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		r = -errno;
		close_pair(in);
		close_pair(out);
		close_pair(err);
		return r;
	}
	r = spawn(argv, in[1], out[1], err[1], &pid);
	close_fd(&in[1]);
	close_fd(&out[1]);
	close_fd(&err[1]);
	if (r < 0) {
		close_fd(&in[0]);
		close_fd(&out[0]);
		close_fd(&err[0]);
		return r;
	}

	deadline = now_usec() + timeout_usec;
	in_fd = in[0];
	(void)fcntl(in_fd, F_SETFL, O_NONBLOCK);
	if (in_left == 0)
		close_fd(&in_fd);
	cap[0] = (struct capture) { .fd = out[0], .max = max_output };
	cap[1] = (struct capture) { .fd = err[0], .max = max_output };
	buf_init(&cap[0].buf, max_output);
	buf_init(&cap[1].buf, max_output);
	pidfd = pidfd_open_compat(pid);

	while (!is_reaped || cap[0].fd >= 0 || cap[1].fd >= 0) {
		struct pollfd pfd[4];
		uint64_t now = now_usec();
		int n = 0, wait_msec;

		if (now >= deadline)
			break;
		wait_msec = (int)MIN((deadline - now + 999) / 1000, (uint64_t)1000);
		if (!is_reaped) {
			siginfo_t si = { 0 };

			/* WNOWAIT: the zombie keeps its process group ID
			 * reserved while we kill what it left behind. */
			if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
			    si.si_pid == pid) {
				(void)kill(-pid, SIGKILL);
				while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
					;
				is_reaped = true;
				continue;
			}
			if (pidfd < 0)
				wait_msec = MIN(wait_msec, 10);
			else
				pfd[n++] = (struct pollfd) { .fd = pidfd, .events = POLLIN };
		}
		if (in_fd >= 0)
			pfd[n++] = (struct pollfd) { .fd = in_fd, .events = POLLOUT };
		for (int i = 0; i < 2; i++)
			if (cap[i].fd >= 0)
				pfd[n++] = (struct pollfd) { .fd = cap[i].fd, .events = POLLIN };

		if (poll(pfd, (nfds_t)n, wait_msec) < 0 && errno != EINTR)
			break;

		for (int i = 0; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (pfd[i].fd == in_fd) {
				ssize_t k = send(in_fd, in_p, in_left, MSG_NOSIGNAL | MSG_DONTWAIT);

				if (k > 0) {
					in_p += k;
					in_left -= (size_t)k;
				}
				if ((k < 0 && errno != EAGAIN && errno != EINTR) || in_left == 0)
					close_fd(&in_fd);
			}
			for (int j = 0; j < 2; j++)
				if (pfd[i].fd == cap[j].fd)
					capture_read(&cap[j]);
		}
	}

	close_fd(&in_fd);
	is_timed_out = !is_reaped;
	if (!is_reaped) {
		(void)kill(-pid, SIGKILL);
		/* SIGKILL cannot be caught: this wait is short. */
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (pidfd >= 0)
		(void)close(pidfd);

	*ret = (struct hook_result) {
		.pid = pid,
		.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0,
		.is_timed_out = is_timed_out,
		.is_out_truncated = cap[0].is_truncated,
		.is_err_truncated = cap[1].is_truncated,
	};
	for (int i = 0; i < 2; i++) {
		size_t len = cap[i].buf.len;
		char *s;

		close_fd(&cap[i].fd);
		s = len ? buf_steal(&cap[i].buf) : xstrdup("");
		buf_free(&cap[i].buf);
		if (i == 0) {
			ret->out = s;
			ret->out_len = len;
		} else {
			ret->err = s;
			ret->err_len = len;
		}
	}
	return 0;
}
