/* events.c - event records: JSON Lines log and journal, delivered exactly once.
 *
 * An event lives first in the state file, written in the transaction that
 * stored its item.  Delivery appends undelivered records to the log, fsyncs,
 * then marks them delivered.  A crash between the fsync and the mark leaves
 * records that are in the log but not marked: the next delivery reads the
 * log's last seq and marks them instead of writing them again.  A crash in
 * the middle of a write leaves a line without its newline: it is cut off and
 * written again whole. */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "buf.h"
#include "diag.h"
#include "events-internal.h"
#include "json.h"
#include "parse.h"
#include "store.h"
#include "util.h"

/* Events handed to the log per write + fsync; bounds memory after a long
 * outage without costing an fsync per event. */
#define DELIVER_BATCH 256

/* How far back the log is searched for the last record with a seq. */
#define SCAN_MAX (16 * 1024 * 1024)

struct events {
	struct store *store;
	char *path;
	int fd;
	dev_t dev;
	ino_t ino;
	bool journal;
	void (*on_event)(const struct event *e, void *userdata);
	void *userdata;
};

/* The host of an http(s) URL, RFC 3986 section 3.2, less a "www." prefix;
 * NULL for anything else. */
static char *url_host(const char *url)
{
	const char *p, *end, *at;

	if (!url || !(p = strstr(url, "://")))
		return NULL;
	p += 3;
	end = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	if (*p == '[')
		end = p + strcspn(p, "]/?#") + (p[strcspn(p, "]/?#")] == ']');
	else
		end = p + strcspn(p, ":/?#");
	if (end - p > 4 && strncasecmp(p, "www.", 4) == 0)
		p += 4;
	return end > p ? xstrndup(p, (size_t)(end - p)) : NULL;
}

char *event_outlet(const char *feed_title, const char *link, const char *feed)
{
	char *host;

	if (feed_title && *feed_title)
		return xstrdup(feed_title);
	host = url_host(link);
	if (!host)
		host = url_host(feed);
	return host ? host : xstrdup(feed && *feed ? feed : "?");
}

const char *event_type_to_string(enum event_type t)
{
	switch (t) {
	case EVENT_MATCH:      return "match";
	case EVENT_UPDATE:     return "update";
	case EVENT_FEED_ERROR: return "feed_error";
	case EVENT_FEED_OK:    return "feed_ok";
	}
	return "unknown";
}

static bool event_is_item(enum event_type t)
{
	switch (t) {
	case EVENT_MATCH:
	case EVENT_UPDATE:
		return true;
	case EVENT_FEED_ERROR:
	case EVENT_FEED_OK:
		return false;
	}
	return false;
}

/* RFC 3339 UTC, second precision like the parse output. */
static void format_time_sec(int64_t sec, char out[static 32])
{
	struct tm tm;
	time_t t = (time_t)sec;

	if (!gmtime_r(&t, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

static int json_time_sec(struct buf *b, int64_t sec)
{
	char tmp[32];

	format_time_sec(sec, tmp);
	return json_string(b, tmp);
}

int event_to_json(const struct event *e, struct buf *b)
{
	int r = 0;

#define W(x) do { if (r >= 0) r = (x); } while (0)
	W(json_begin_object(b));
	W(json_key(b, "seq"));
	W(json_int(b, (int64_t)e->seq));
	W(json_key(b, "time"));
	W(json_time_sec(b, (int64_t)(e->time_usec / USEC_PER_SEC)));
	W(json_key(b, "event"));
	W(json_string(b, event_type_to_string(e->type)));
	W(json_key(b, "feed"));
	W(json_string(b, e->feed));
	if (event_is_item(e->type)) {
		W(json_key(b, "id"));
		W(json_string(b, e->id));
		W(json_key(b, "title"));
		W(json_string(b, e->title));
		W(json_key(b, "link"));
		W(json_string(b, e->link));
		W(json_key(b, "published"));
		if (e->published == PARSE_NO_DATE)
			W(json_null(b));
		else
			W(json_time_sec(b, e->published));
		W(json_key(b, "storyline"));
		W(json_string(b, e->storyline));
		W(json_key(b, "rules"));
		W(json_begin_array(b));
		for (size_t i = 0; i < e->n_rules; i++)
			W(json_string(b, e->rules[i]));
		W(json_end_array(b));
		W(json_key(b, "score"));
		W(json_double(b, e->score));
		W(json_key(b, "action"));
		W(json_string(b, action_to_string(e->action)));
		W(json_key(b, "duplicate_of"));
		W(json_string(b, e->duplicate_of));
	} else {
		W(json_key(b, "error"));
		W(json_string(b, e->error));
		W(json_key(b, "next_attempt"));
		if (e->next_attempt_usec == 0)
			W(json_null(b));
		else
			W(json_time_sec(b, (int64_t)(e->next_attempt_usec / USEC_PER_SEC)));
	}
	/* Last, as SPEC section 7 lists it: what the outlet calls its feed. */
	W(json_key(b, "feed_title"));
	W(json_string(b, e->feed_title));
	W(json_end_object(b));
	W(buf_putc(b, '\n'));
#undef W
	return r;
}

int events_queue(struct store *s, struct event *e)
{
	_cleanup_buf_ struct buf line;
	uint64_t seq;
	int r;

	r = store_event_next_seq(s, &seq);
	if (r < 0)
		return r;
	e->seq = seq;
	buf_init(&line, 0);
	r = event_to_json(e, &line);
	if (r < 0)
		return r;
	return store_event_insert(s, e, buf_str(&line));
}

/* ---- the journal ------------------------------------------------------------ */

/* One MESSAGE_ID per event type, so `journalctl MESSAGE_ID=...` finds them. */
static const char *event_message_id(enum event_type t)
{
	switch (t) {
	case EVENT_MATCH:      return "bec86f13ca2c4b94a4b0a20aece40f3d";
	case EVENT_UPDATE:     return "3f76ac649d36485c94983a7f20946596";
	case EVENT_FEED_ERROR: return "a17c8d59ac6b489e80b630881607978b";
	case EVENT_FEED_OK:    return "ebde727ed25445f4aeb4e6fbd180bcc5";
	}
	return "00000000000000000000000000000000";
}

static int event_priority(const struct event *e)
{
	switch (e->type) {
	case EVENT_MATCH:
	case EVENT_UPDATE:
		return e->action == ACTION_NOTIFY ? LOG_NOTICE : LOG_INFO;
	case EVENT_FEED_ERROR:
		return LOG_WARNING;
	case EVENT_FEED_OK:
		return LOG_INFO;
	}
	return LOG_INFO;
}

static void strv_push(char ***v, size_t *n, char *s)
{
	*v = xreallocarray(*v, *n + 2, sizeof(char *));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

char **event_journal_fields(const struct event *e)
{
	char **v = NULL;
	size_t n = 0;
	char when[32];

	switch (e->type) {
	case EVENT_MATCH:
	case EVENT_UPDATE:
		strv_push(&v, &n, xasprintf("MESSAGE=%s [%s] %s%s%s (%s, score %g) %s",
					    event_type_to_string(e->type),
					    action_to_string(e->action),
					    e->title ? e->title : "(untitled)",
					    e->duplicate_of ? ", duplicate of " : "",
					    e->duplicate_of ? e->duplicate_of : "",
					    e->storyline ? e->storyline : "no storyline",
					    e->score, e->link ? e->link : ""));
		break;
	case EVENT_FEED_ERROR:
		if (e->next_attempt_usec)
			format_time_sec((int64_t)(e->next_attempt_usec / USEC_PER_SEC), when);
		strv_push(&v, &n, xasprintf("MESSAGE=feed %s failing: %s%s%s", e->feed,
					    e->error ? e->error : "unknown error",
					    e->next_attempt_usec ? "; next attempt " : "",
					    e->next_attempt_usec ? when : ""));
		break;
	case EVENT_FEED_OK:
		strv_push(&v, &n, xasprintf("MESSAGE=feed %s recovered", e->feed));
		break;
	}
	strv_push(&v, &n, xasprintf("MESSAGE_ID=%s", event_message_id(e->type)));
	strv_push(&v, &n, xasprintf("PRIORITY=%d", event_priority(e)));
	strv_push(&v, &n, xasprintf("STORYWATCH_EVENT=%s", event_type_to_string(e->type)));
	strv_push(&v, &n, xasprintf("STORYWATCH_SEQ=%" PRIu64, e->seq));
	if (e->feed)
		strv_push(&v, &n, xasprintf("STORYWATCH_FEED=%s", e->feed));
	if (event_is_item(e->type)) {
		if (e->storyline)
			strv_push(&v, &n, xasprintf("STORYWATCH_STORYLINE=%s", e->storyline));
		for (size_t i = 0; i < e->n_rules; i++)
			strv_push(&v, &n, xasprintf("STORYWATCH_RULE=%s", e->rules[i]));
		if (e->link)
			strv_push(&v, &n, xasprintf("STORYWATCH_LINK=%s", e->link));
		if (e->title)
			strv_push(&v, &n, xasprintf("STORYWATCH_TITLE=%s", e->title));
		if (e->id)
			strv_push(&v, &n, xasprintf("STORYWATCH_ID=%s", e->id));
		strv_push(&v, &n, xasprintf("STORYWATCH_SCORE=%g", e->score));
		strv_push(&v, &n, xasprintf("STORYWATCH_ACTION=%s", action_to_string(e->action)));
		if (e->duplicate_of)
			strv_push(&v, &n, xasprintf("STORYWATCH_DUPLICATE_OF=%s", e->duplicate_of));
	} else if (e->error)
		strv_push(&v, &n, xasprintf("STORYWATCH_ERROR=%s", e->error));
	return v;
}

static void event_send_journal(const struct event *e)
{
	_cleanup_strv_free_ char **fields = event_journal_fields(e);
	struct iovec iov[64];
	size_t n = 0;

	for (char **f = fields; *f && n < ELEMENTSOF(iov); f++)
		iov[n++] = (struct iovec){ .iov_base = *f, .iov_len = strlen(*f) };
	/* The journal is a second copy of the log: a failure here loses
	 * nothing, so it is ignored. */
	(void) sd_journal_sendv(iov, (int)n);
}

/* ---- the log file ----------------------------------------------------------- */

/* Reads the seq of a record line "{"seq":N,..."; 0 when it is not one. */
uint64_t events_line_seq(const char *p, size_t n)
{
	static const char prefix[] = "{\"seq\":";
	uint64_t v = 0;
	size_t i = sizeof(prefix) - 1;

	if (n <= i || memcmp(p, prefix, i) != 0)
		return 0;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	return i < n && p[i] == ',' ? v : 0;
}

int events_log_scan(int fd, off_t size, off_t *ret_end, uint64_t *ret_seq)
{
	_cleanup_free_ char *data = NULL;
	size_t window = 64 * 1024;

	for (;; window *= 2) {
		size_t w = (off_t)window < size ? window : (size_t)size;
		off_t base = size - (off_t)w;
		bool can_grow = base > 0 && window < SCAN_MAX;
		ssize_t got;
		char *nl;
		size_t end;

		data = xrealloc(data, w ? w : 1);
		got = pread(fd, data, w, base);
		if (got < 0)
			return -errno;
		if ((size_t)got != w)
			return -EIO; /* shrank under us */

		nl = w ? memrchr(data, '\n', w) : NULL;
		if (!nl) {
			if (can_grow)
				continue;
			/* No newline at all: the whole file is one torn line.  No
			 * newline in SCAN_MAX bytes: keep them, we cannot tell. */
			*ret_end = base == 0 ? 0 : size;
			*ret_seq = 0;
			return 0;
		}
		end = (size_t)(nl - data) + 1;

		/* The last complete line with a seq; a line whose start lies
		 * before the window is looked at in a wider one. */
		for (size_t stop = end; stop > 0;) {
			size_t start = stop - 1;
			uint64_t seq;

			while (start > 0 && data[start - 1] != '\n')
				start--;
			if (start == 0 && base > 0)
				break;
			seq = events_line_seq(data + start, stop - 1 - start);
			if (seq > 0) {
				*ret_end = base + (off_t)end;
				*ret_seq = seq;
				return 0;
			}
			stop = start;
		}
		if (can_grow)
			continue;
		*ret_end = base + (off_t)end;
		*ret_seq = 0;
		return 0;
	}
}

static int fsync_dir_of(const char *path)
{
	_cleanup_free_ char *copy = xstrdup(path);
	int fd, r = 0;

	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* The process holding our POSIX lock on fd's file, or 0 when unknown. */
static pid_t lock_holder(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (fcntl(fd, F_GETLK, &fl) < 0 || fl.l_type == F_UNLCK)
		return 0;
	return fl.l_pid;
}

/* /proc/PID/comm, for a message; NULL when it cannot be read. */
static char *process_name(pid_t pid)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/comm", (int) pid);
	char name[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	n = read(fd, name, sizeof(name) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	name[n] = '\0';
	name[strcspn(name, "\n")] = '\0';
	for (char *p = name; *p; p++)
		if ((unsigned char) *p < 0x20 || *p == 0x7f)
			*p = '?';
	return xstrdup(name);
}

static int events_log_open(struct events *ev, struct diag *diag)
{
	struct stat st;
	bool created = false;
	int fd;

	/* Read-write: the tail is read through the same descriptor that
	 * appends, so both always see one file. */
	fd = open(ev->path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOCTTY | O_CREAT | O_EXCL, 0640);
	if (fd >= 0)
		created = true;
	else if (errno == EEXIST)
		fd = open(ev->path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		int r = -errno;

		diag_set(diag, ev->path, 0, 0, "cannot open event log: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_set(diag, ev->path, 0, 0, "event log is not a regular file");
		close(fd);
		return -EINVAL;
	}
	/* Two writers would interleave lines and each skip the other's seq. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		pid_t pid = r == -EBUSY ? lock_holder(fd) : 0;
		_cleanup_free_ char *who = pid > 0 ? process_name(pid) : NULL;

		if (pid > 0)
			diag_set(diag, ev->path, 0, 0, "event log is in use by process %d (%s): %s; "
				 "stop that one first, or give this one its own --state-dir and "
				 "--event-log", (int) pid, who ? who : "?", strerror(-r));
		else
			diag_set(diag, ev->path, 0, 0, "event log is in use by another process: %s",
				 strerror(-r));
		close(fd);
		return r;
	}
	/* flock() cannot say who holds it; a POSIX lock on the same file can
	 * (F_GETLK), for the message above in the next process that tries. */
	(void) fcntl(fd, F_SETLK, &(struct flock) { .l_type = F_WRLCK, .l_whence = SEEK_SET });
	/* A new file's name must survive a power loss as much as its lines. */
	if (created)
		(void) fsync_dir_of(ev->path);
	if (ev->fd >= 0)
		close(ev->fd);
	ev->fd = fd;
	ev->dev = st.st_dev;
	ev->ino = st.st_ino;
	return 0;
}

/* logrotate renames the log away: follow the path, not the old inode. */
static int events_log_follow(struct events *ev)
{
	struct stat st;

	if (stat(ev->path, &st) == 0 && st.st_dev == ev->dev && st.st_ino == ev->ino)
		return 0;
	return events_log_open(ev, NULL);
}

/* Cuts a torn last line and marks what the log already holds delivered;
 * returns the log's last seq. */
static int events_reconcile(struct events *ev, uint64_t *ret_log_seq)
{
	struct stat st;
	off_t end;
	uint64_t log_seq;
	int r;

	if (fstat(ev->fd, &st) < 0)
		return -errno;
	r = events_log_scan(ev->fd, st.st_size, &end, &log_seq);
	if (r < 0)
		return r;
	if (end < st.st_size) {
		if (ftruncate(ev->fd, end) < 0)
			return -errno;
		if (fsync(ev->fd) < 0)
			return -errno;
	}
	/* A log ahead of the state file (the file was recreated): new events
	 * must continue above what the log holds. */
	r = store_events_renumber_above(ev->store, log_seq);
	if (r < 0)
		return r;
	r = store_events_mark_delivered(ev->store, log_seq);
	if (r < 0)
		return r;
	*ret_log_seq = log_seq;
	return 0;
}

int events_open(struct store *s, const struct events_options *o, struct events **ret,
		struct diag *diag)
{
	_cleanup_(events_closep) struct events *ev = NULL;
	uint64_t log_seq;
	int r;

	ev = xcalloc(1, sizeof(*ev));
	ev->store = s;
	ev->fd = -1;
	ev->path = xstrdup(o->log_path);
	ev->on_event = o->on_event;
	ev->userdata = o->userdata;
	switch (o->journal) {
	case EVENTS_JOURNAL_AUTO:
		ev->journal = getenv("JOURNAL_STREAM") || getenv("INVOCATION_ID");
		break;
	case EVENTS_JOURNAL_OFF:
		ev->journal = false;
		break;
	case EVENTS_JOURNAL_ON:
		ev->journal = true;
		break;
	}

	r = events_log_open(ev, diag);
	if (r < 0)
		return r;
	r = events_reconcile(ev, &log_seq);
	if (r < 0) {
		diag_set(diag, ev->path, 0, 0, "cannot reconcile event log with the state file: %s",
			 strerror(-r));
		return r;
	}
	*ret = steal_ptr(ev);
	return 0;
}

void events_close(struct events *ev)
{
	if (!ev)
		return;
	if (ev->fd >= 0)
		close(ev->fd);
	free(ev->path);
	free(ev);
}

struct batch {
	struct buf *lines;
	uint64_t first, last;
	size_t n;
};

static int batch_add(const struct event *e, const char *line, void *userdata)
{
	struct batch *b = userdata;

	if (b->n == 0)
		b->first = e->seq;
	b->last = e->seq;
	b->n++;
	return buf_puts(b->lines, line);
}

static int event_announce(const struct event *e, const char *line, void *userdata)
{
	struct events *ev = userdata;

	if (ev->journal)
		event_send_journal(e);
	if (ev->on_event)
		ev->on_event(e, ev->userdata);
	return 0;
}

int events_deliver(struct events *ev, size_t *ret_n)
{
	uint64_t log_seq;
	size_t total = 0;
	int r;

	r = events_log_follow(ev);
	if (r < 0)
		return r;
	r = events_reconcile(ev, &log_seq);
	if (r < 0)
		return r;

	for (;;) {
		_cleanup_buf_ struct buf lines;
		struct batch b = { .lines = &lines };

		buf_init(&lines, 0);
		r = store_events_foreach(ev->store, 1, UINT64_MAX, true, DELIVER_BATCH, batch_add, &b);
		if (r < 0)
			return r;
		if (b.n == 0)
			break;

		/* A failed or short write leaves a torn line, which the next
		 * delivery cuts off before writing it again. */
		r = write_all(ev->fd, lines.data, lines.len);
		if (r < 0)
			return r;
		if (fsync(ev->fd) < 0)
			return -errno;

		r = store_events_foreach(ev->store, b.first, b.last, true, 0, event_announce, ev);
		if (r < 0)
			return r;
		r = store_events_mark_delivered(ev->store, b.last);
		if (r < 0)
			return r;
		total += b.n;
	}
	if (ret_n)
		*ret_n = total;
	return 0;
}
