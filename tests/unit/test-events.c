/* test-events.c - event records and their exactly-once delivery to the log. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>

#include "buf.h"
#include "diag.h"
#include "events-internal.h"
#include "parse.h"
#include "store.h"
#include "testdir.h"

/* 2025-03-18T14:00:00Z */
#define T0 (UINT64_C(1742306400) * USEC_PER_SEC)

struct fixture {
	char *dir;
	char *db_path;
	char *log_path;
	struct store *store;
	/* what on_event saw */
	uint64_t seen[16];
	size_t n_seen;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->dir = testdir_new();
	f->db_path = xasprintf("%s/state.db", f->dir);
	f->log_path = xasprintf("%s/events.jsonl", f->dir);
	assert_int_equal(store_open(f->db_path, &f->store, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->store);
	testdir_remove(f->dir);
	free(f->db_path);
	free(f->log_path);
	free(f);
	return 0;
}

static void record_seq(const struct event *e, void *userdata)
{
	struct fixture *f = userdata;

	assert_true(f->n_seen < ELEMENTSOF(f->seen));
	f->seen[f->n_seen++] = e->seq;
}

static struct events *open_events(struct fixture *f)
{
	struct events_options o = {
		.log_path = f->log_path, .journal = EVENTS_JOURNAL_OFF,
		.on_event = record_seq, .userdata = f,
	};
	struct events *ev = NULL;

	assert_int_equal(events_open(f->store, &o, &ev, NULL), 0);
	return ev;
}

/* Queues an item event titled "Item N" in its own transaction. */
static uint64_t queue_item(struct fixture *f, int n)
{
	_cleanup_free_ char *title = xasprintf("Item %d", n);
	static const char *const rules[] = { "talks" };
	struct event e = {
		.type = EVENT_MATCH, .time_usec = T0 + (uint64_t)n * USEC_PER_SEC,
		.feed = "https://a.example/feed", .id = "x", .title = title, .link = "https://a.example/x",
		.published = PARSE_NO_DATE, .storyline = "s", .rules = rules, .n_rules = 1,
		.score = 1, .action = ACTION_LOG,
	};

	assert_int_equal(store_begin(f->store), 0);
	assert_int_equal(events_queue(f->store, &e), 0);
	assert_int_equal(store_commit(f->store), 0);
	return e.seq;
}

static char *item_line(uint64_t seq, int n)
{
	return xasprintf("{\"seq\":%llu,\"time\":\"2025-03-18T14:00:%02dZ\",\"event\":\"match\","
			 "\"feed\":\"https://a.example/feed\",\"id\":\"x\",\"title\":\"Item %d\","
			 "\"link\":\"https://a.example/x\",\"published\":null,\"storyline\":\"s\","
			 "\"rules\":[\"talks\"],\"score\":1,\"action\":\"log\",\"duplicate_of\":null,"
			 "\"feed_title\":null}\n",
			 (unsigned long long)seq, n, n);
}

static void assert_log(struct fixture *f, const char *expected)
{
	_cleanup_free_ char *got = read_file(f->log_path, NULL);

	assert_non_null(got);
	assert_string_equal(got, expected);
}

static int64_t undelivered(struct fixture *f)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v;

	assert_int_equal(sqlite3_open_v2(f->db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM events WHERE delivered = 0",
					    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void test_json_item_event(void **state)
{
	static const char *const rules[] = { "ceasefire-core", "energy \"grid\"" };
	struct event e = {
		.seq = 12, .type = EVENT_MATCH, .time_usec = T0 + 123456,
		.feed = "https://news.example/rss", .feed_title = "not in the line",
		.id = "urn:x:1", .title = "Перемирие: talks \"resume\"", .link = "https://news.example/1",
		.published = 1742300000, .storyline = "us-russia-ukraine", .rules = rules, .n_rules = 2,
		.score = 7.25, .action = ACTION_NOTIFY, .urgency = URGENCY_CRITICAL,
		.duplicate_of = NULL,
	};
	_cleanup_buf_ struct buf b;

	buf_init(&b, 0);
	assert_int_equal(event_to_json(&e, &b), 0);
	assert_string_equal(buf_str(&b),
		"{\"seq\":12,\"time\":\"2025-03-18T14:00:00Z\",\"event\":\"match\","
		"\"feed\":\"https://news.example/rss\",\"id\":\"urn:x:1\","
		"\"title\":\"Перемирие: talks \\\"resume\\\"\",\"link\":\"https://news.example/1\","
		"\"published\":\"2025-03-18T12:13:20Z\",\"storyline\":\"us-russia-ukraine\","
		"\"rules\":[\"ceasefire-core\",\"energy \\\"grid\\\"\"],\"score\":7.25,"
		"\"action\":\"notify\",\"duplicate_of\":null,\"feed_title\":\"not in the line\"}\n");
}

/* One name for an outlet in the log, status and notifications. */
static void test_outlet_title_else_host(void **state)
{
	static const struct {
		const char *feed_title, *link, *feed, *want;
	} cases[] = {
		{ "Lantern Wire", "https://www.lantern.example/a", "https://lantern.example/rss", "Lantern Wire" },
		{ NULL, "https://www.lantern.example/a?b", "https://x.example/rss", "lantern.example" },
		{ "", "https://user@news.example:8080/a", NULL, "news.example" },
		{ NULL, NULL, "http://[2001:db8::1]:8080/rss", "[2001:db8::1]" },
		{ NULL, "not a url", "https://www.feeds.example", "feeds.example" },
		{ NULL, NULL, NULL, "?" },
	};

	(void) state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *o = event_outlet(cases[i].feed_title, cases[i].link, cases[i].feed);

		assert_string_equal(o, cases[i].want);
	}
}

static void test_json_update_duplicate(void **state)
{
	struct event e = {
		.seq = 3, .type = EVENT_UPDATE, .time_usec = T0, .feed = "f", .id = NULL,
		.title = NULL, .link = NULL, .published = PARSE_NO_DATE, .storyline = NULL,
		.score = 0.5, .action = ACTION_LOG, .duplicate_of = "urn:x:1",
	};
	_cleanup_buf_ struct buf b;

	buf_init(&b, 0);
	assert_int_equal(event_to_json(&e, &b), 0);
	assert_string_equal(buf_str(&b),
		"{\"seq\":3,\"time\":\"2025-03-18T14:00:00Z\",\"event\":\"update\",\"feed\":\"f\","
		"\"id\":null,\"title\":null,\"link\":null,\"published\":null,\"storyline\":null,"
		"\"rules\":[],\"score\":0.5,\"action\":\"log\",\"duplicate_of\":\"urn:x:1\","
		"\"feed_title\":null}\n");
}

static void test_json_feed_events(void **state)
{
	struct event err = {
		.seq = 4, .type = EVENT_FEED_ERROR, .time_usec = T0, .feed = "https://down.example/",
		.error = "HTTP 503", .next_attempt_usec = T0 + 15 * 60 * USEC_PER_SEC,
		.title = "ignored for feed events",
	};
	struct event ok = { .seq = 5, .type = EVENT_FEED_OK, .time_usec = T0, .feed = "https://down.example/" };
	_cleanup_buf_ struct buf b;

	buf_init(&b, 0);
	assert_int_equal(event_to_json(&err, &b), 0);
	assert_int_equal(event_to_json(&ok, &b), 0);
	assert_string_equal(buf_str(&b),
		"{\"seq\":4,\"time\":\"2025-03-18T14:00:00Z\",\"event\":\"feed_error\","
		"\"feed\":\"https://down.example/\",\"error\":\"HTTP 503\","
		"\"next_attempt\":\"2025-03-18T14:15:00Z\",\"feed_title\":null}\n"
		"{\"seq\":5,\"time\":\"2025-03-18T14:00:00Z\",\"event\":\"feed_ok\","
		"\"feed\":\"https://down.example/\",\"error\":null,\"next_attempt\":null,"
		"\"feed_title\":null}\n");
}

static void test_json_respects_ceiling(void **state)
{
	struct event e = { .seq = 1, .type = EVENT_FEED_OK, .time_usec = T0, .feed = "f" };
	_cleanup_buf_ struct buf b;

	buf_init(&b, 20);
	assert_int_equal(event_to_json(&e, &b), -E2BIG);
}

static void test_seq_increases_and_delivers_in_order(void **state)
{
	struct fixture *f = *state;
	_cleanup_events_ struct events *ev = open_events(f);
	_cleanup_free_ char *l1 = NULL, *l2 = NULL, *l3 = NULL, *all = NULL;
	size_t n;

	assert_int_equal(queue_item(f, 1), 1);
	assert_int_equal(queue_item(f, 2), 2);
	assert_int_equal(queue_item(f, 3), 3);
	assert_int_equal(undelivered(f), 3);

	assert_int_equal(events_deliver(ev, &n), 0);
	assert_int_equal(n, 3);
	l1 = item_line(1, 1);
	l2 = item_line(2, 2);
	l3 = item_line(3, 3);
	all = xasprintf("%s%s%s", l1, l2, l3);
	assert_log(f, all);
	assert_int_equal(undelivered(f), 0);
	assert_int_equal(f->n_seen, 3);
	assert_int_equal(f->seen[0], 1);
	assert_int_equal(f->seen[2], 3);
}

static void test_deliver_twice_writes_once(void **state)
{
	struct fixture *f = *state;
	_cleanup_events_ struct events *ev = open_events(f);
	_cleanup_free_ char *l1 = item_line(1, 1), *l2 = item_line(2, 2), *both = NULL;
	size_t n;

	queue_item(f, 1);
	assert_int_equal(events_deliver(ev, &n), 0);
	assert_int_equal(events_deliver(ev, &n), 0);
	assert_int_equal(n, 0);
	assert_log(f, l1);

	queue_item(f, 2);
	assert_int_equal(events_deliver(ev, &n), 0);
	assert_int_equal(n, 1);
	both = xasprintf("%s%s", l1, l2);
	assert_log(f, both);
	assert_int_equal(f->n_seen, 2);
}

static void test_rolled_back_event_never_delivered(void **state)
{
	struct fixture *f = *state;
	_cleanup_events_ struct events *ev = open_events(f);
	struct event e = { .type = EVENT_FEED_OK, .time_usec = T0, .feed = "f" };
	size_t n;

	assert_int_equal(store_begin(f->store), 0);
	assert_int_equal(events_queue(f->store, &e), 0);
	store_rollback(f->store);
	assert_int_equal(events_deliver(ev, &n), 0);
	assert_int_equal(n, 0);
	assert_log(f, "");
}

static void test_torn_last_line_is_rewritten(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *l1 = item_line(1, 1), *l2 = item_line(2, 2), *l3 = item_line(3, 3);
	_cleanup_free_ char *torn = NULL, *expected = NULL;
	struct events *ev = open_events(f);
	size_t n;

	queue_item(f, 1);
	queue_item(f, 2);
	assert_int_equal(events_deliver(ev, &n), 0);
	events_close(ev);

	/* Event 3 was being written when the machine died. */
	queue_item(f, 3);
	torn = xasprintf("%s%s%.*s", l1, l2, 40, l3);
	write_file(f->log_path, torn, strlen(torn));

	ev = open_events(f);
	assert_int_equal(events_deliver(ev, &n), 0);
	assert_int_equal(n, 1);
	events_close(ev);
	expected = xasprintf("%s%s%s", l1, l2, l3);
	assert_log(f, expected);
}

static void test_torn_only_line(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *l1 = item_line(1, 1);
	_cleanup_events_ struct events *ev = NULL;
	size_t n;

	queue_item(f, 1);
	write_file(f->log_path, l1, 10);
	ev = open_events(f);
	assert_int_equal(events_deliver(ev, &n), 0);
	assert_int_equal(n, 1);
	assert_log(f, l1);
}

static void test_written_but_unmarked_not_duplicated(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *l1 = item_line(1, 1), *l2 = item_line(2, 2), *l3 = item_line(3, 3);
	_cleanup_free_ char *two = NULL, *three = NULL;
	struct events *ev = open_events(f);
	sqlite3 *db;
	size_t n;

	queue_item(f, 1);
	queue_item(f, 2);
	assert_int_equal(events_deliver(ev, &n), 0);
	events_close(ev);

	/* The crash came after the fsync, before the mark. */
	assert_int_equal(sqlite3_open(f->db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE events SET delivered = 0", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(undelivered(f), 2);

	f->n_seen = 0;
	ev = open_events(f);
	assert_int_equal(undelivered(f), 0);
	assert_int_equal(events_deliver(ev, &n), 0);
	assert_int_equal(n, 0);
	two = xasprintf("%s%s", l1, l2);
	assert_log(f, two);
	/* Not announced again either. */
	assert_int_equal(f->n_seen, 0);

	assert_int_equal(queue_item(f, 3), 3);
	assert_int_equal(events_deliver(ev, &n), 0);
	assert_int_equal(n, 1);
	three = xasprintf("%s%s%s", l1, l2, l3);
	assert_log(f, three);
	events_close(ev);
}

static void test_recreated_state_continues_seq(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *old = NULL, *l6 = NULL, *l7 = NULL, *l8 = NULL, *expected = NULL;
	_cleanup_events_ struct events *ev = NULL;
	size_t n;

	/* A log from an earlier state file that ended at seq 5. */
	old = item_line(5, 9);
	write_file(f->log_path, old, strlen(old));

	/* The fresh state file queued two events before delivery started. */
	assert_int_equal(queue_item(f, 1), 1);
	assert_int_equal(queue_item(f, 2), 2);
	ev = open_events(f);
	assert_int_equal(events_deliver(ev, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(queue_item(f, 3), 8);
	assert_int_equal(events_deliver(ev, &n), 0);
	assert_int_equal(n, 1);

	l6 = item_line(6, 1);
	l7 = item_line(7, 2);
	l8 = item_line(8, 3);
	expected = xasprintf("%s%s%s%s", old, l6, l7, l8);
	assert_log(f, expected);
}

static void test_rotated_log_is_followed(void **state)
{
	struct fixture *f = *state;
	_cleanup_events_ struct events *ev = open_events(f);
	_cleanup_free_ char *rotated = xasprintf("%s.1", f->log_path);
	_cleanup_free_ char *l1 = item_line(1, 1), *l2 = item_line(2, 2), *old = NULL;
	size_t n;

	queue_item(f, 1);
	assert_int_equal(events_deliver(ev, &n), 0);
	assert_int_equal(rename(f->log_path, rotated), 0);
	queue_item(f, 2);
	assert_int_equal(events_deliver(ev, &n), 0);
	assert_int_equal(n, 1);
	assert_log(f, l2);
	old = read_file(rotated, NULL);
	assert_string_equal(old, l1);
}

static void test_second_writer_refused(void **state)
{
	struct fixture *f = *state;
	_cleanup_events_ struct events *ev = open_events(f);
	struct events_options o = { .log_path = f->log_path, .journal = EVENTS_JOURNAL_OFF };
	struct events *other = NULL;
	struct diag d = { 0 };

	assert_int_equal(events_open(f->store, &o, &other, &d), -EBUSY);
	assert_null(other);
	assert_non_null(strstr(d.message, "in use by another process"));
	diag_clear(&d);
}

/* The child queues and delivers events until it is killed. */
_Noreturn static void crash_child(const char *db_path, const char *log_path)
{
	struct events_options o = { .log_path = log_path, .journal = EVENTS_JOURNAL_OFF };
	struct store *s = NULL;
	struct events *ev = NULL;

	if (store_open(db_path, &s, NULL) < 0 || events_open(s, &o, &ev, NULL) < 0)
		_exit(2);
	for (int i = 0; i < 100000; i++) {
		struct event e = { .type = EVENT_FEED_OK, .time_usec = T0, .feed = "https://a.example/" };

		if (store_begin(s) < 0 || events_queue(s, &e) < 0 || store_commit(s) < 0)
			_exit(3);
		if (events_deliver(ev, NULL) < 0)
			_exit(4);
	}
	_exit(0);
}

static void test_sigkill_loses_and_repeats_nothing(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *log = NULL;
	_cleanup_events_ struct events *ev = NULL;
	uint64_t expect = 1;
	int64_t n_events;
	sqlite3 *db;
	sqlite3_stmt *st;

	/* The fixture's connection stays idle; children write. */
	for (int round = 0; round < 10; round++) {
		struct timespec delay = { 0, (long)(5 + 9 * round) * 1000000L };
		pid_t pid = fork();
		int status;

		assert_true(pid >= 0);
		if (pid == 0)
			crash_child(f->db_path, f->log_path);
		nanosleep(&delay, NULL);
		(void) kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		/* Killed mid-work, or done: never failed on its own. */
		assert_true(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0));
	}

	ev = open_events(f);
	assert_int_equal(events_deliver(ev, NULL), 0);
	assert_int_equal(undelivered(f), 0);

	/* Every committed event is in the log exactly once, in order. */
	log = read_file(f->log_path, NULL);
	for (const char *p = log; *p; expect++) {
		_cleanup_free_ char *prefix = xasprintf("{\"seq\":%llu,", (unsigned long long)expect);
		const char *nl = strchr(p, '\n');

		assert_non_null(nl);
		assert_memory_equal(p, prefix, strlen(prefix));
		p = nl + 1;
	}
	assert_int_equal(sqlite3_open_v2(f->db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM events", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n_events = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	print_message("%lld events written across 10 kills\n", (long long)n_events);
	assert_true(n_events > 0);
	assert_int_equal(expect - 1, (uint64_t)n_events);
}

static void test_scan_skips_foreign_last_line(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *l4 = item_line(4, 4), *content = NULL;
	off_t end;
	uint64_t seq;
	int fd;

	content = xasprintf("%s# a note someone added\n{\"seq\":", l4);
	write_file(f->log_path, content, strlen(content));
	fd = open(f->log_path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(events_log_scan(fd, (off_t)strlen(content), &end, &seq), 0);
	close(fd);
	assert_int_equal(seq, 4);
	assert_int_equal(end, (off_t)(strlen(content) - strlen("{\"seq\":")));
}

static void test_scan_empty_log(void **state)
{
	struct fixture *f = *state;
	off_t end = 1;
	uint64_t seq = 1;
	int fd;

	write_file(f->log_path, "", 0);
	fd = open(f->log_path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(events_log_scan(fd, 0, &end, &seq), 0);
	close(fd);
	assert_int_equal(end, 0);
	assert_int_equal(seq, 0);
}

static void test_scan_long_lines(void **state)
{
	struct fixture *f = *state;
	_cleanup_buf_ struct buf b;
	off_t end;
	uint64_t seq;
	int fd;

	/* Records longer than the first 64 KiB window. */
	buf_init(&b, 0);
	for (int i = 1; i <= 3; i++) {
		buf_printf(&b, "{\"seq\":%d,\"title\":\"", i);
		for (int k = 0; k < 50000; k++)
			buf_puts(&b, "ab");
		buf_puts(&b, "\"}\n");
	}
	buf_puts(&b, "{\"seq\":4,\"tit");
	write_file(f->log_path, b.data, b.len);
	fd = open(f->log_path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(events_log_scan(fd, (off_t)b.len, &end, &seq), 0);
	close(fd);
	assert_int_equal(seq, 3);
	assert_int_equal(end, (off_t)(b.len - strlen("{\"seq\":4,\"tit")));
}

static void test_journal_fields(void **state)
{
	static const char *const rules[] = { "core", "energy" };
	struct event e = {
		.seq = 9, .type = EVENT_MATCH, .time_usec = T0, .feed = "https://news.example/rss",
		.id = "urn:x:1", .title = "Talks resume", .link = "https://news.example/1",
		.published = PARSE_NO_DATE, .storyline = "ceasefire", .rules = rules, .n_rules = 2,
		.score = 6.5, .action = ACTION_NOTIFY,
	};
	static const char *const expected[] = {
		"MESSAGE=match [notify] Talks resume (ceasefire, score 6.5) https://news.example/1",
		"MESSAGE_ID=bec86f13ca2c4b94a4b0a20aece40f3d",
		"PRIORITY=5",
		"STORYWATCH_EVENT=match",
		"STORYWATCH_SEQ=9",
		"STORYWATCH_FEED=https://news.example/rss",
		"STORYWATCH_STORYLINE=ceasefire",
		"STORYWATCH_RULE=core",
		"STORYWATCH_RULE=energy",
		"STORYWATCH_LINK=https://news.example/1",
		"STORYWATCH_TITLE=Talks resume",
		"STORYWATCH_ID=urn:x:1",
		"STORYWATCH_SCORE=6.5",
		"STORYWATCH_ACTION=notify",
	};
	_cleanup_strv_free_ char **v = event_journal_fields(&e);
	size_t n = 0;

	for (; v[n]; n++) {
		assert_true(n < ELEMENTSOF(expected));
		assert_string_equal(v[n], expected[n]);
	}
	assert_int_equal(n, ELEMENTSOF(expected));
}

static void test_journal_fields_feed_error(void **state)
{
	struct event e = {
		.seq = 2, .type = EVENT_FEED_ERROR, .time_usec = T0, .feed = "https://down.example/",
		.error = "connection refused", .next_attempt_usec = T0 + 60 * USEC_PER_SEC,
	};
	_cleanup_strv_free_ char **v = event_journal_fields(&e);

	assert_string_equal(v[0], "MESSAGE=feed https://down.example/ failing: connection refused;"
				  " next attempt 2025-03-18T14:01:00Z");
	assert_string_equal(v[1], "MESSAGE_ID=a17c8d59ac6b489e80b630881607978b");
	assert_string_equal(v[2], "PRIORITY=4");
	assert_string_equal(v[3], "STORYWATCH_EVENT=feed_error");
	assert_string_equal(v[4], "STORYWATCH_SEQ=2");
	assert_string_equal(v[5], "STORYWATCH_FEED=https://down.example/");
	assert_string_equal(v[6], "STORYWATCH_ERROR=connection refused");
	assert_null(v[7]);
}

struct round {
	int n;
	char *rules;
};

static int check_round(const struct event *x, const char *line, void *userdata)
{
	struct round *got = userdata;

	assert_int_equal(x->seq, 1);
	assert_int_equal(x->type, EVENT_UPDATE);
	assert_int_equal(x->time_usec, T0);
	assert_string_equal(x->feed_title, "A");
	assert_int_equal(x->published, 1742300000);
	assert_int_equal(x->urgency, URGENCY_CRITICAL);
	assert_int_equal(x->action, ACTION_NOTIFY);
	assert_true(x->score == 2.5);
	assert_string_equal(x->duplicate_of, "d");
	assert_int_equal(x->n_rules, 3);
	got->rules = xasprintf("%s,%s,%s", x->rules[0], x->rules[1], x->rules[2]);
	assert_memory_equal(line, "{\"seq\":1,\"time\":", 16);
	got->n++;
	return 0;
}

static void test_event_round_trips_through_store(void **state)
{
	struct fixture *f = *state;
	static const char *const rules[] = { "a", "b", "c" };
	struct event e = {
		.type = EVENT_UPDATE, .time_usec = T0, .feed = "https://a.example/", .feed_title = "A",
		.id = "i", .title = "t", .link = "l", .published = 1742300000, .storyline = "s",
		.rules = rules, .n_rules = 3, .score = 2.5, .action = ACTION_NOTIFY,
		.urgency = URGENCY_CRITICAL, .duplicate_of = "d",
	};
	struct round got = { 0 };

	assert_int_equal(store_begin(f->store), 0);
	assert_int_equal(events_queue(f->store, &e), 0);
	assert_int_equal(store_commit(f->store), 0);
	assert_int_equal(store_events_foreach(f->store, 1, UINT64_MAX, true, 0, check_round, &got), 0);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.rules, "a,b,c");
	free(got.rules);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_item_event),
		cmocka_unit_test(test_outlet_title_else_host),
		cmocka_unit_test(test_json_update_duplicate),
		cmocka_unit_test(test_json_feed_events),
		cmocka_unit_test(test_json_respects_ceiling),
		cmocka_unit_test_setup_teardown(test_seq_increases_and_delivers_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deliver_twice_writes_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rolled_back_event_never_delivered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_last_line_is_rewritten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_only_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_written_but_unmarked_not_duplicated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recreated_state_continues_seq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotated_log_is_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_writer_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigkill_loses_and_repeats_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_skips_foreign_last_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_empty_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_long_lines, setup, teardown),
		cmocka_unit_test(test_journal_fields),
		cmocka_unit_test(test_journal_fields_feed_error),
		cmocka_unit_test_setup_teardown(test_event_round_trips_through_store, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
