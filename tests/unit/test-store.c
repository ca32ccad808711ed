/* test-store.c - the state file: schema, refusal of foreign files, feeds,
 * items, identity and pruning, on real SQLite files in scratch directories. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sqlite3.h>
#include <cmocka.h>

#include "diag.h"
#include "parse.h"
#include "store-internal.h"
#include "testdir.h"

struct fixture {
	char *dir;
	char *path;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->dir = testdir_new();
	f->path = xasprintf("%s/state.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	testdir_remove(f->dir);
	free(f->path);
	free(f);
	return 0;
}

/* Runs SQL on a file with plain sqlite3, as another program would. */
static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void make_store_with_data(const char *path)
{
	_cleanup_store_ struct store *s = NULL;
	struct feed_state st = { .url = "https://example.org/a.xml", .title = "Example" };
	struct item_record it = {
		.feed_url = "https://example.org/a.xml", .key = "id:1", .content_hash = 42,
		.title = "First", .link = "https://example.org/1", .published = 1700000000,
	};

	assert_int_equal(store_open(path, &s, NULL), 0);
	assert_int_equal(store_feed_save(s, &st), 0);
	assert_int_equal(store_item_put(s, &it, 1000), 0);
}

/* Opening must fail with r, say something, and leave path as it was. */
static void assert_refused(const char *dir, const char *path, int expected, const char *needle)
{
	_cleanup_free_ char *before = NULL, *after = NULL;
	struct store *s = NULL;
	struct diag d = { 0 };
	size_t n_before, n_after;
	int n_files = testdir_count(dir);

	before = read_file(path, &n_before);
	assert_non_null(before);

	assert_int_equal(store_open(path, &s, &d), expected);
	assert_null(s);
	assert_non_null(d.message);
	assert_non_null(strstr(d.message, needle));
	diag_clear(&d);

	after = read_file(path, &n_after);
	assert_non_null(after);
	assert_int_equal(n_after, n_before);
	assert_memory_equal(after, before, n_before);
	/* No journal, WAL or shared-memory file left next to it either. */
	assert_int_equal(testdir_count(dir), n_files);
}

static void test_create_new_file(void **state)
{
	struct fixture *f = *state;
	_cleanup_store_ struct store *s = NULL;
	unsigned v;

	assert_int_equal(store_open(f->path, &s, NULL), 0);
	assert_int_equal(store_get_version(s, &v), 0);
	assert_int_equal(v, store_schema_version);
	assert_int_equal(v, 6);
	store_close(steal_ptr(s));

	assert_int_equal(raw_int(f->path, "PRAGMA application_id"), STORE_APPLICATION_ID);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 6);
	/* WAL is a property of the file: byte 18 of the header is 2. */
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
}

static void test_empty_file_is_initialised(void **state)
{
	struct fixture *f = *state;
	_cleanup_store_ struct store *s = NULL;

	write_file(f->path, "", 0);
	assert_int_equal(store_open(f->path, &s, NULL), 0);
	store_close(steal_ptr(s));
	assert_int_equal(raw_int(f->path, "PRAGMA application_id"), STORE_APPLICATION_ID);
}

static void test_reopen_keeps_state(void **state)
{
	struct fixture *f = *state;
	_cleanup_store_ struct store *s = NULL;
	struct feed_state st = { 0 };
	_cleanup_(item_prev_done) struct item_prev prev = { 0 };

	make_store_with_data(f->path);
	assert_int_equal(store_open(f->path, &s, NULL), 0);
	assert_int_equal(store_feed_load(s, "https://example.org/a.xml", &st), 0);
	assert_string_equal(st.title, "Example");
	assert_int_equal(st.n_items, 1);
	feed_state_done(&st);
	assert_int_equal(store_item_get(s, "https://example.org/a.xml", "id:1", &prev), 0);
	assert_int_equal(prev.content_hash, 42);
	assert_int_equal(prev.action, ACTION_IGNORE);
}

static void test_migrate_from_v1(void **state)
{
	struct fixture *f = *state;
	_cleanup_store_ struct store *s = NULL;
	struct feed_state st = { 0 };
	unsigned v;
	_cleanup_(item_prev_done) struct item_prev prev = { 0 };

	/* A file as the v1 code left it, with a feed and an item in it. */
	assert_int_equal(store_open_version(f->path, 1, &s, NULL), 0);
	assert_int_equal(store_get_version(s, &v), 0);
	assert_int_equal(v, 1);
	store_close(steal_ptr(s));
	raw_exec(f->path,
		 "INSERT INTO feeds (id, url, title, etag) VALUES (7, 'https://old.example/f', 'Old', '\"e1\"');"
		 "INSERT INTO items (feed, key, content_hash, title, link, first_seen_usec, last_seen_usec)"
		 " VALUES (7, 'link:https://old.example/1', 99, 'Old item', 'https://old.example/1', 5, 6);");
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 1);

	assert_int_equal(store_open(f->path, &s, NULL), 0);
	assert_int_equal(store_get_version(s, &v), 0);
	assert_int_equal(v, 6);
	assert_int_equal(store_feed_load(s, "https://old.example/f", &st), 0);
	assert_string_equal(st.etag, "\"e1\"");
	assert_int_equal(st.n_items, 1);
	feed_state_done(&st);
	/* The new columns got their defaults for old rows. */
	assert_int_equal(store_item_get(s, "https://old.example/f", "link:https://old.example/1", &prev), 0);
	assert_int_equal(prev.content_hash, 99);
	assert_int_equal(prev.action, ACTION_IGNORE);
	store_close(steal_ptr(s));
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM items WHERE published IS NULL AND score = 0"), 1);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM items WHERE signature IS NULL AND duplicate_of IS NULL"), 1);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'items_by_%'"), 0);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM items WHERE decision IS NULL"), 1);
}

static void copy_file(const char *from, const char *to)
{
	_cleanup_free_ char *data = NULL;
	size_t n;

	data = read_file(from, &n);
	assert_non_null(data);
	write_file(to, data, n);
}

static void test_crash_left_wal_is_read(void **state)
{
	struct fixture *f = *state;
	_cleanup_store_ struct store *s = NULL, *copy = NULL;
	_cleanup_free_ char *wal = xasprintf("%s-wal", f->path);
	_cleanup_free_ char *copy_path = xasprintf("%s/copy.db", f->dir);
	_cleanup_free_ char *copy_wal = xasprintf("%s/copy.db-wal", f->dir);
	struct feed_state st = { 0 };

	/* Snapshot the files while the connection is open, as a crash leaves
	 * them: the new feed is only in the WAL. */
	assert_int_equal(store_open(f->path, &s, NULL), 0);
	assert_int_equal(store_feed_save(s, &(struct feed_state){ .url = "https://a.example/" }), 0);
	copy_file(f->path, copy_path);
	copy_file(wal, copy_wal);

	assert_int_equal(store_open(copy_path, &copy, NULL), 0);
	assert_int_equal(store_feed_load(copy, "https://a.example/", &st), 0);
	feed_state_done(&st);
}

static void test_refuse_not_sqlite(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "feeds I like:\nhttps://example.org/rss\n";

	write_file(f->path, text, sizeof(text) - 1);
	assert_refused(f->dir, f->path, -EBADMSG, "not an SQLite database");
}

static void test_refuse_short_file(void **state)
{
	struct fixture *f = *state;

	write_file(f->path, "SQLite", 6);
	assert_refused(f->dir, f->path, -EBADMSG, "not an SQLite database");
}

static void test_refuse_corrupt(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *data = NULL;
	size_t n;
	int64_t page_size;

	make_store_with_data(f->path);
	page_size = raw_int(f->path, "PRAGMA page_size");
	data = read_file(f->path, &n);
	assert_true(n >= 3 * (size_t)page_size);
	/* Scribble over the b-tree header of page 2. */
	memset(data + page_size, 0xa5, 16);
	write_file(f->path, data, n);

	assert_refused(f->dir, f->path, -EBADMSG, "corrupt");
}

/* After a clean close (no WAL left) the start checks the feeds table only;
 * a WAL left behind by a crash has the whole file checked, items too. */
static void test_refuse_corrupt_items_after_crash(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *data = NULL, *wal = xasprintf("%s-wal", f->path);
	size_t n;
	int64_t page_size, root;

	make_store_with_data(f->path);
	assert_int_equal(testdir_count(f->dir), 1);  /* the close removed the WAL */
	page_size = raw_int(f->path, "PRAGMA page_size");
	root = raw_int(f->path, "SELECT rootpage FROM sqlite_master WHERE name = 'items'");
	assert_true(root > 2);
	data = read_file(f->path, &n);
	assert_true(n >= (size_t)(root * page_size));
	memset(data + (root - 1) * page_size, 0xa5, 16);
	write_file(f->path, data, n);
	write_file(wal, "", 0);

	assert_refused(f->dir, f->path, -EBADMSG, "corrupt");
}

static void test_refuse_foreign_tables(void **state)
{
	struct fixture *f = *state;

	raw_exec(f->path, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
			  "INSERT INTO notes (body) VALUES ('keep me');");
	assert_refused(f->dir, f->path, -EPROTO, "not a storywatch state file");
}

static void test_refuse_foreign_application_id(void **state)
{
	struct fixture *f = *state;

	raw_exec(f->path, "PRAGMA application_id = 1234;");
	assert_refused(f->dir, f->path, -EPROTO, "application_id 0x000004d2");
}

static void test_refuse_newer_schema(void **state)
{
	struct fixture *f = *state;

	make_store_with_data(f->path);
	raw_exec(f->path, "PRAGMA user_version = 99;");
	assert_refused(f->dir, f->path, -EPROTO, "schema version 99");
}

static void test_readonly_reads_and_never_writes(void **state)
{
	struct fixture *f = *state;
	_cleanup_store_ struct store *s = NULL;
	struct feed_state st = { 0 };
	struct diag d = { 0 };

	assert_int_equal(store_open_readonly(f->path, &s, &d), -ENOENT);
	assert_int_equal(testdir_count(f->dir), 0);
	diag_clear(&d);

	make_store_with_data(f->path);
	assert_int_equal(chmod(f->path, 0400), 0);
	assert_int_equal(store_open_readonly(f->path, &s, NULL), 0);
	assert_int_equal(store_feed_load(s, "https://example.org/a.xml", &st), 0);
	assert_int_equal(st.n_items, 1);
	feed_state_done(&st);
	assert_int_equal(store_feed_save(s, &(struct feed_state){ .url = "https://b.example/" }), -EACCES);
}

static void test_readonly_refuses_older_schema(void **state)
{
	struct fixture *f = *state;
	_cleanup_store_ struct store *s = NULL;
	struct diag d = { 0 };

	assert_int_equal(store_open_version(f->path, 1, &s, NULL), 0);
	store_close(steal_ptr(s));
	assert_int_equal(store_open_readonly(f->path, &s, &d), -EPROTO);
	assert_non_null(strstr(d.message, "schema version 1"));
	diag_clear(&d);
}

static void test_feed_round_trip(void **state)
{
	struct fixture *f = *state;
	_cleanup_store_ struct store *s = NULL;
	struct feed_state in = {
		.url = "https://news.example/feed", .title = "News", .etag = "W/\"abc\"",
		.last_modified = "Tue, 18 Mar 2025 14:00:00 GMT",
		.last_poll_usec = UINT64_C(1742306400000000), .next_poll_usec = UINT64_C(1742307300000000),
		.http_status = 503, .error_streak = 3, .last_error = "HTTP 503",
	};
	struct feed_state out = { 0 };

	assert_int_equal(store_open(f->path, &s, NULL), 0);
	assert_int_equal(store_feed_save(s, &in), 0);
	assert_int_equal(store_feed_load(s, in.url, &out), 0);
	assert_string_equal(out.url, in.url);
	assert_string_equal(out.title, "News");
	assert_string_equal(out.etag, "W/\"abc\"");
	assert_string_equal(out.last_modified, "Tue, 18 Mar 2025 14:00:00 GMT");
	assert_int_equal(out.last_poll_usec, UINT64_C(1742306400000000));
	assert_int_equal(out.next_poll_usec, UINT64_C(1742307300000000));
	assert_int_equal(out.http_status, 503);
	assert_int_equal(out.error_streak, 3);
	assert_string_equal(out.last_error, "HTTP 503");
	assert_int_equal(out.n_items, 0);
	feed_state_done(&out);

	/* Saving again updates in place; NULLs stay NULL. */
	in.etag = NULL;
	in.last_error = NULL;
	in.error_streak = 0;
	in.http_status = 200;
	assert_int_equal(store_feed_save(s, &in), 0);
	assert_int_equal(store_feed_load(s, in.url, &out), 0);
	assert_null(out.etag);
	assert_null(out.last_error);
	assert_int_equal(out.error_streak, 0);
	assert_int_equal(out.http_status, 200);
	feed_state_done(&out);
}

static void test_feed_unknown(void **state)
{
	struct fixture *f = *state;
	_cleanup_store_ struct store *s = NULL;
	struct feed_state out = { 0 };

	assert_int_equal(store_open(f->path, &s, NULL), 0);
	assert_int_equal(store_feed_load(s, "https://nowhere.example/", &out), -ENOENT);
	assert_null(out.url);
}

static void test_feed_list_by_url(void **state)
{
	struct fixture *f = *state;
	_cleanup_store_ struct store *s = NULL;
	struct feed_state *v = NULL;
	size_t n = 0;

	assert_int_equal(store_open(f->path, &s, NULL), 0);
	assert_int_equal(store_feed_save(s, &(struct feed_state){ .url = "https://b.example/" }), 0);
	assert_int_equal(store_feed_save(s, &(struct feed_state){ .url = "https://a.example/" }), 0);
	assert_int_equal(store_feed_list(s, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].url, "https://a.example/");
	assert_string_equal(v[1].url, "https://b.example/");
	feed_state_free_array(v, n);
}

static void test_rollback_discards(void **state)
{
	struct fixture *f = *state;
	_cleanup_store_ struct store *s = NULL;
	struct feed_state out = { 0 };

	assert_int_equal(store_open(f->path, &s, NULL), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_feed_save(s, &(struct feed_state){ .url = "https://a.example/" }), 0);
	store_rollback(s);
	assert_int_equal(store_feed_load(s, "https://a.example/", &out), -ENOENT);

	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_feed_save(s, &(struct feed_state){ .url = "https://a.example/" }), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_feed_load(s, "https://a.example/", &out), 0);
	feed_state_done(&out);
}

static void test_identity_prefers_guid(void **state)
{
	_cleanup_free_ char *k = store_item_key("urn:uuid:1234", "https://x.example/a", "T", 5);

	assert_string_equal(k, "id:urn:uuid:1234");
}

static void test_identity_falls_back_to_link(void **state)
{
	_cleanup_free_ char *k = store_item_key(NULL, "https://x.example/a", "T", 5);
	_cleanup_free_ char *k2 = store_item_key("", "https://x.example/a", "T", 5);

	assert_string_equal(k, "link:https://x.example/a");
	assert_string_equal(k2, "link:https://x.example/a");
}

static void test_identity_hashes_title_and_date(void **state)
{
	_cleanup_free_ char *a = store_item_key(NULL, NULL, "Talks resume", 1742306400);
	_cleanup_free_ char *same = store_item_key(NULL, NULL, "Talks resume", 1742306400);
	_cleanup_free_ char *other_date = store_item_key(NULL, NULL, "Talks resume", 1742306401);
	_cleanup_free_ char *no_date = store_item_key(NULL, NULL, "Talks resume", PARSE_NO_DATE);
	_cleanup_free_ char *other_title = store_item_key(NULL, NULL, "Talks stall", 1742306400);

	assert_int_equal(strlen(a), strlen("hash:") + 16);
	assert_memory_equal(a, "hash:", 5);
	assert_string_equal(a, same);
	assert_string_not_equal(a, other_date);
	assert_string_not_equal(a, no_date);
	assert_string_not_equal(a, other_title);
}

static void test_identity_long_id_is_hashed(void **state)
{
	_cleanup_free_ char *id = xmalloc(STORE_KEY_MAX + 2);
	_cleanup_free_ char *k = NULL, *k2 = NULL;

	memset(id, 'x', STORE_KEY_MAX + 1);
	id[STORE_KEY_MAX + 1] = '\0';
	k = store_item_key(id, NULL, NULL, PARSE_NO_DATE);
	assert_int_equal(strlen(k), strlen("id#") + 16);
	assert_memory_equal(k, "id#", 3);
	id[STORE_KEY_MAX] = '\0';
	k2 = store_item_key(id, NULL, NULL, PARSE_NO_DATE);
	assert_int_equal(strlen(k2), 3 + STORE_KEY_MAX);
}

static void test_content_hash_normalises(void **state)
{
	uint64_t h = store_content_hash("Ceasefire talks in Riyadh", "Delegations meet.");

	assert_int_equal(store_content_hash("  ceasefire TALKS\tin  riyadh ", "Delegations\nmeet."), h);
	/* Full-width letters are the same text after NFKC. */
	assert_int_equal(store_content_hash("Ｃeasefire talks in Riyadh", "Delegations meet."), h);
	assert_int_not_equal(store_content_hash("Ceasefire talks in Jeddah", "Delegations meet."), h);
	assert_int_not_equal(store_content_hash("Ceasefire talks in Riyadh", "Delegations met."), h);
	assert_int_not_equal(store_content_hash("Ceasefire talks in Riyadh", NULL), h);
	/* Moving text between title and summary is a change. */
	assert_int_not_equal(store_content_hash("ab", "c"), store_content_hash("a", "bc"));
	assert_int_not_equal(store_content_hash(NULL, "x"), store_content_hash("x", NULL));
	/* Cyrillic case folds too. */
	assert_int_equal(store_content_hash("ПЕРЕМИРИЕ", NULL), store_content_hash("перемирие", NULL));
}

static void test_item_put_get_touch(void **state)
{
	struct fixture *f = *state;
	_cleanup_store_ struct store *s = NULL;
	struct item_record it = {
		.feed_url = "https://a.example/", .key = "id:9", .content_hash = UINT64_C(0xfedcba9876543210),
		.title = "T", .link = "https://a.example/9", .published = PARSE_NO_DATE,
		.storyline = "ceasefire", .action = ACTION_NOTIFY, .score = 4.5,
	};
	_cleanup_(item_prev_done) struct item_prev prev = { 0 };

	assert_int_equal(store_open(f->path, &s, NULL), 0);
	assert_int_equal(store_item_get(s, it.feed_url, it.key, &prev), -ENOENT);
	assert_int_equal(store_item_touch(s, it.feed_url, it.key, 5), -ENOENT);
	/* The feed row is created on demand. */
	assert_int_equal(store_item_put(s, &it, 100), 0);
	assert_int_equal(store_item_get(s, it.feed_url, it.key, &prev), 0);
	assert_int_equal(prev.content_hash, UINT64_C(0xfedcba9876543210));
	assert_int_equal(prev.action, ACTION_NOTIFY);
	assert_int_equal(store_item_touch(s, it.feed_url, it.key, 200), 0);

	it.content_hash = 1;
	it.action = ACTION_LOG;
	assert_int_equal(prev.action, ACTION_NOTIFY);
	assert_string_equal(prev.title, "T");
	assert_null(prev.duplicate_of);
	item_prev_done(&prev);
	assert_int_equal(store_item_put(s, &it, 300), 0);
	assert_int_equal(store_item_get(s, it.feed_url, it.key, &prev), 0);
	assert_int_equal(prev.content_hash, 1);
	assert_int_equal(prev.action, ACTION_LOG);
	store_close(steal_ptr(s));
	/* first_seen kept across updates, last_seen moved. */
	assert_int_equal(raw_int(f->path, "SELECT first_seen_usec FROM items"), 100);
	assert_int_equal(raw_int(f->path, "SELECT last_seen_usec FROM items"), 300);
	assert_int_equal(raw_int(f->path, "SELECT published IS NULL FROM items"), 1);
}

static void test_items_are_per_feed(void **state)
{
	struct fixture *f = *state;
	_cleanup_store_ struct store *s = NULL;
	struct item_record it = { .feed_url = "https://a.example/", .key = "id:1", .content_hash = 1,
				  .published = PARSE_NO_DATE };

	assert_int_equal(store_open(f->path, &s, NULL), 0);
	assert_int_equal(store_item_put(s, &it, 100), 0);
	assert_int_equal(store_item_get(s, "https://b.example/", "id:1", NULL), -ENOENT);
}

struct found {
	size_t n;
	char *feeds[4];
	char *decision;
	char *link;
};

static int found_one(const struct item_found *it, void *userdata)
{
	struct found *fd = userdata;

	assert_true(fd->n < ELEMENTSOF(fd->feeds));
	fd->feeds[fd->n++] = xstrdup(it->feed_url);
	free(fd->decision);
	fd->decision = xstrdup_or_null(it->decision);
	free(fd->link);
	fd->link = xstrdup_or_null(it->link);
	return 0;
}

static void found_done(struct found *fd)
{
	for (size_t i = 0; i < fd->n; i++)
		free(fd->feeds[i]);
	free(fd->decision);
	free(fd->link);
	*fd = (struct found){ 0 };
}

/* storywatch explain: by the id events cite, by link, by identity (an
 * ignored item has no item_id), one row per feed, with its decision. */
static void test_items_find(void **state)
{
	struct fixture *f = *state;
	_cleanup_store_ struct store *s = NULL;
	struct found fd = { 0 };
	struct item_record it = { .feed_url = "https://b.example/", .key = "id:g1", .content_hash = 1,
				  .published = PARSE_NO_DATE, .item_id = "g1", .link = "https://x.example/1",
				  .decision = "1 m l -" };

	assert_int_equal(store_open(f->path, &s, NULL), 0);
	assert_int_equal(store_item_put(s, &it, 100), 0);
	it.feed_url = "https://a.example/";
	it.decision = "1 m n -";
	assert_int_equal(store_item_put(s, &it, 100), 0);
	/* ignored: no item_id, found by its key */
	it = (struct item_record){ .feed_url = "https://a.example/", .key = "link:https://x.example/2",
				   .content_hash = 2, .published = PARSE_NO_DATE, .decision = "1 m i -",
				   .link = "https://x.example/2" };
	assert_int_equal(store_item_put(s, &it, 100), 0);
	/* A link that is the identity is not stored twice, and read back. */
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM items WHERE link = ''"), 1);

	assert_int_equal(store_items_find(s, "g1", found_one, &fd), 0);
	assert_int_equal(fd.n, 2);
	assert_string_equal(fd.feeds[0], "https://a.example/");
	assert_string_equal(fd.feeds[1], "https://b.example/");
	found_done(&fd);
	assert_int_equal(store_items_find(s, "https://x.example/1", found_one, &fd), 0);
	assert_int_equal(fd.n, 2);
	assert_string_equal(fd.link, "https://x.example/1");
	found_done(&fd);
	assert_int_equal(store_items_find(s, "https://x.example/2", found_one, &fd), 0);
	assert_int_equal(fd.n, 1);
	assert_string_equal(fd.decision, "1 m i -");
	assert_string_equal(fd.link, "https://x.example/2");
	found_done(&fd);
	assert_int_equal(store_items_find(s, "https://x.example/3", found_one, &fd), 0);
	assert_int_equal(fd.n, 0);
}

static void test_prune_forgets_gone_items(void **state)
{
	struct fixture *f = *state;
	_cleanup_store_ struct store *s = NULL;
	struct item_record it = { .feed_url = "https://a.example/", .content_hash = 1,
				  .published = PARSE_NO_DATE };
	struct feed_state st = { 0 };

	assert_int_equal(store_open(f->path, &s, NULL), 0);
	it.key = "id:old";
	assert_int_equal(store_item_put(s, &it, 100), 0);
	it.key = "id:recent";
	assert_int_equal(store_item_put(s, &it, 500), 0);
	it.key = "id:other-feed";
	it.feed_url = "https://b.example/";
	assert_int_equal(store_item_put(s, &it, 100), 0);

	assert_int_equal(store_items_prune(s, "https://a.example/", 500), 1);
	assert_int_equal(store_item_get(s, "https://a.example/", "id:old", NULL), -ENOENT);
	assert_int_equal(store_item_get(s, "https://a.example/", "id:recent", NULL), 0);
	assert_int_equal(store_item_get(s, "https://b.example/", "id:other-feed", NULL), 0);
	assert_int_equal(store_items_prune(s, "https://a.example/", 500), 0);
	assert_int_equal(store_feed_load(s, "https://a.example/", &st), 0);
	assert_int_equal(st.n_items, 1);
	feed_state_done(&st);
}

/* The feed id the store remembers between items does not outlive a
 * rollback that undid the feed's row: its id may go to another feed. */
static void test_rollback_forgets_feed_id(void **state)
{
	struct fixture *f = *state;
	_cleanup_store_ struct store *s = NULL;
	struct item_record it = { .feed_url = "https://a.example/", .key = "id:1", .content_hash = 1 };

	assert_int_equal(store_open(f->path, &s, NULL), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_item_put(s, &it, 10), 0);
	assert_int_equal(store_item_get(s, "https://a.example/", "id:1", NULL), 0);
	store_rollback(s);
	assert_int_equal(store_item_get(s, "https://a.example/", "id:1", NULL), -ENOENT);

	assert_int_equal(store_begin(s), 0);
	/* b takes the id a had */
	assert_int_equal(store_feed_save(s, &(struct feed_state){ .url = "https://b.example/" }), 0);
	assert_int_equal(store_item_put(s, &it, 20), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_item_get(s, "https://a.example/", "id:1", NULL), 0);
	assert_int_equal(store_item_get(s, "https://b.example/", "id:1", NULL), -ENOENT);
	assert_int_equal(store_item_touch(s, "https://b.example/", "id:1", 30), -ENOENT);
	assert_int_equal(store_item_touch(s, "https://a.example/", "id:1", 30), 0);
	assert_int_equal(store_items_prune(s, "https://c.example/", 100), 0);
	assert_int_equal(store_items_prune(s, "https://a.example/", 100), 1);
}

/* The page cache grows with the state file, between 2 and 16 MiB. */
static void test_cache_in_step_with_state(void **state)
{
	assert_int_equal(store_cache_kib(0), 2048);
	assert_int_equal(store_cache_kib(UINT64_C(20) << 20), 2048);
	assert_int_equal(store_cache_kib(UINT64_C(64) << 20), 2048);
	assert_int_equal(store_cache_kib(UINT64_C(200) << 20), 6400);
	assert_int_equal(store_cache_kib(UINT64_C(1) << 40), 16384);
}

struct near_seen {
	size_t n;
	uint64_t last_distance;
	uint64_t min_usec, max_usec;
	bool in_order;
};

static int near_cb(const struct report *rep, void *userdata)
{
	struct near_seen *seen = userdata;
	uint64_t at = 1000100, d = rep->report_usec > at ? rep->report_usec - at : at - rep->report_usec;

	if (seen->n > 0 && d < seen->last_distance)
		seen->in_order = false;
	seen->last_distance = d;
	seen->min_usec = seen->n ? MIN(seen->min_usec, rep->report_usec) : rep->report_usec;
	seen->max_usec = MAX(seen->max_usec, rep->report_usec);
	seen->n++;
	return 0;
}

/* The reports nearest in time, at most STORE_REPORTS_MAX, nearest first,
 * from both sides of the time asked about and within the window only. */
static void test_reports_nearest(void **state)
{
	struct fixture *f = *state;
	_cleanup_store_ struct store *s = NULL;
	static const unsigned char sig[] = { 1, 2, 3, 4 };
	struct near_seen seen = { .in_order = true };

	assert_int_equal(store_open(f->path, &s, NULL), 0);
	assert_int_equal(store_feed_save(s, &(struct feed_state){ .url = "https://a.example/" }), 0);
	assert_int_equal(store_begin(s), 0);
	/* 400 reports 1000 usec apart, from 800000 to 1199000; asked about
	 * 1000100, so that no two are equally near. */
	for (unsigned i = 0; i < 400; i++) {
		_cleanup_free_ char *key = xasprintf("id:%u", i);
		struct item_record it = {
			.feed_url = "https://a.example/", .key = key, .content_hash = i,
			.storyline = "war", .action = ACTION_NOTIFY, .item_id = key,
			.report_usec = 800000 + (uint64_t)i * 1000,
			.signature = sig, .signature_len = sizeof(sig),
		};

		assert_int_equal(store_item_put(s, &it, 1), 0);
	}
	assert_int_equal(store_commit(s), 0);

	assert_int_equal(store_reports_foreach(s, "war", 0, 2000000, 1000100, near_cb, &seen), 0);
	assert_int_equal(seen.n, STORE_REPORTS_MAX);
	assert_true(seen.in_order);
	/* Half on either side: ... 1000000 and 1001000 ... */
	assert_int_equal(seen.min_usec, 1000000 - (STORE_REPORTS_MAX / 2 - 1) * 1000);
	assert_int_equal(seen.max_usec, 1001000 + (STORE_REPORTS_MAX / 2 - 1) * 1000);

	/* The window cuts one side off: only what is in it, nearest first. */
	seen = (struct near_seen){ .in_order = true };
	assert_int_equal(store_reports_foreach(s, "war", 990000, 1020000, 1000100, near_cb, &seen), 0);
	assert_int_equal(seen.n, 31);
	assert_true(seen.in_order);
	assert_int_equal(seen.min_usec, 990000);
	assert_int_equal(seen.max_usec, 1020000);

	/* A time after the window: the latest of the window. */
	seen = (struct near_seen){ .in_order = true };
	assert_int_equal(store_reports_foreach(s, "war", 0, 900000, 1000100, near_cb, &seen), 0);
	assert_int_equal(seen.n, 101);
	assert_int_equal(seen.max_usec, 900000);

	seen = (struct near_seen){ .in_order = true };
	assert_int_equal(store_reports_foreach(s, "other", 0, 2000000, 1000100, near_cb, &seen), 0);
	assert_int_equal(seen.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_new_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_file_is_initialised, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_left_wal_is_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_not_sqlite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_short_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_corrupt_items_after_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reports_nearest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_in_step_with_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_forgets_feed_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_foreign_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_foreign_application_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_newer_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_reads_and_never_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_refuses_older_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_feed_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_feed_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_feed_list_by_url, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_discards, setup, teardown),
		cmocka_unit_test(test_identity_prefers_guid),
		cmocka_unit_test(test_identity_falls_back_to_link),
		cmocka_unit_test(test_identity_hashes_title_and_date),
		cmocka_unit_test(test_identity_long_id_is_hashed),
		cmocka_unit_test(test_content_hash_normalises),
		cmocka_unit_test_setup_teardown(test_item_put_get_touch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_items_are_per_feed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_items_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_forgets_gone_items, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
