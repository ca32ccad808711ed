/* store.c - the state file: feeds, items and pending events in SQLite. */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

#include "buf.h"
#include "diag.h"
#include "events.h"
#include "parse.h"
#include "store-internal.h"
#include "util.h"

/* Schema steps: migrations[v] takes a file from user_version v to v + 1 and
 * runs in one transaction with the version bump.  Never edit a released
 * step: append a new one. */
static const char *const migrations[] = {
	/* v1: feeds, items, events. */
	"PRAGMA application_id = 1398240116;" /* STORE_APPLICATION_ID */
	"CREATE TABLE feeds ("
	" id INTEGER PRIMARY KEY,"
	" url TEXT NOT NULL UNIQUE,"
	" title TEXT,"
	" etag TEXT,"
	" last_modified TEXT,"
	" last_poll_usec INTEGER NOT NULL DEFAULT 0,"
	" next_poll_usec INTEGER NOT NULL DEFAULT 0,"
	" http_status INTEGER NOT NULL DEFAULT 0,"
	" error_streak INTEGER NOT NULL DEFAULT 0,"
	" last_error TEXT);"
	"CREATE TABLE items ("
	" feed INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
	" key TEXT NOT NULL,"
	" content_hash INTEGER NOT NULL,"
	" title TEXT,"
	" link TEXT,"
	" first_seen_usec INTEGER NOT NULL,"
	" last_seen_usec INTEGER NOT NULL,"
	" PRIMARY KEY (feed, key)) WITHOUT ROWID;"
	"CREATE INDEX items_by_last_seen ON items(feed, last_seen_usec);"
	/* AUTOINCREMENT: seq never goes back, even after delivered events are
	 * pruned, because the log relies on it increasing. */
	"CREATE TABLE events ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" time_usec INTEGER NOT NULL,"
	" event TEXT NOT NULL,"
	" feed TEXT,"
	" feed_title TEXT,"
	" item_id TEXT,"
	" title TEXT,"
	" link TEXT,"
	" published INTEGER,"
	" storyline TEXT,"
	" rules TEXT,"
	" score REAL,"
	" action TEXT,"
	" urgency TEXT,"
	" duplicate_of TEXT,"
	" error TEXT,"
	" next_attempt_usec INTEGER NOT NULL DEFAULT 0,"
	" payload TEXT NOT NULL,"
	" delivered INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX events_undelivered ON events(seq) WHERE delivered = 0;",

	/* v2: what duplicate detection needs: when an item was published, which
	 * storyline it matched and what was decided. */
	"ALTER TABLE items ADD COLUMN published INTEGER;"
	"ALTER TABLE items ADD COLUMN storyline TEXT;"
	"ALTER TABLE items ADD COLUMN action TEXT NOT NULL DEFAULT 'ignore';"
	"ALTER TABLE items ADD COLUMN score REAL NOT NULL DEFAULT 0;"
	"CREATE INDEX items_by_storyline ON items(storyline, published) WHERE storyline IS NOT NULL;",

	/* v3: duplicate detection: the id events cite, when the report was
	 * made, its signature (dedup.h) and the first report it repeats. */
	"ALTER TABLE items ADD COLUMN item_id TEXT;"
	"ALTER TABLE items ADD COLUMN report_usec INTEGER;"
	"ALTER TABLE items ADD COLUMN signature BLOB;"
	"ALTER TABLE items ADD COLUMN duplicate_of TEXT;"
	"CREATE INDEX items_reports ON items(storyline, report_usec) WHERE signature IS NOT NULL;",

	/* v4: two indexes no query needs: pruning walks one feed's items by
	 * the primary key, duplicate detection uses items_reports.  Each cost
	 * an index insert per item stored. */
	"DROP INDEX items_by_last_seen;"
	"DROP INDEX items_by_storyline;",

	/* v5: items_reports holds what duplicate detection reads of a report,
	 * so that the reports nearest in time are read off the index alone,
	 * without a seek into items for each. */
	"DROP INDEX items_reports;"
	"CREATE INDEX items_reports ON items(storyline, report_usec, item_id, signature, duplicate_of,"
	" action)"
	" WHERE signature IS NOT NULL;",

	/* v6: why each item got its action (decision.h), for `storywatch
	 * explain`: kept for every item, ignored ones too. */
	"ALTER TABLE items ADD COLUMN decision TEXT;",
};

const unsigned store_schema_version = ELEMENTSOF(migrations);

enum stmt {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_FEED_LOAD,
	STMT_FEED_LOAD_BARE,
	STMT_FEED_LIST,
	STMT_FEED_LIST_BARE,
	STMT_FEED_SAVE,
	STMT_FEED_ENSURE,
	STMT_FEED_ID,
	STMT_ITEM_GET,
	STMT_ITEM_PUT,
	STMT_ITEM_TOUCH,
	STMT_ITEM_PRUNE,
	STMT_ITEM_FIND,
	STMT_REPORTS_AFTER,
	STMT_REPORTS_BEFORE,
	STMT_EVENT_NEXT_SEQ,
	STMT_EVENT_INSERT,
	STMT_EVENT_FOREACH,
	STMT_EVENT_FOREACH_UNDELIVERED,
	STMT_EVENT_MARK,
	STMT_EVENT_PRUNE,
	_STMT_MAX,
};

#define FEED_COLUMNS_BARE \
	"url, title, etag, last_modified, last_poll_usec, next_poll_usec, http_status," \
	" error_streak, last_error, 0"

/* Counting walks all of a feed's items: only for who shows the count. */
#define FEED_COLUMNS \
	"url, title, etag, last_modified, last_poll_usec, next_poll_usec, http_status," \
	" error_streak, last_error, (SELECT COUNT(*) FROM items WHERE items.feed = feeds.id)"

#define EVENT_COLUMNS \
	"seq, time_usec, event, feed, feed_title, item_id, title, link, published, storyline," \
	" rules, score, action, urgency, duplicate_of, error, next_attempt_usec, payload"

static const char *const stmt_sql[_STMT_MAX] = {
	[STMT_BEGIN] = "BEGIN IMMEDIATE",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	[STMT_FEED_LOAD] = "SELECT " FEED_COLUMNS " FROM feeds WHERE url = ?1",
	[STMT_FEED_LOAD_BARE] = "SELECT " FEED_COLUMNS_BARE " FROM feeds WHERE url = ?1",
	[STMT_FEED_LIST] = "SELECT " FEED_COLUMNS " FROM feeds ORDER BY url",
	[STMT_FEED_LIST_BARE] = "SELECT " FEED_COLUMNS_BARE " FROM feeds ORDER BY url",
	[STMT_FEED_SAVE] =
		"INSERT INTO feeds (url, title, etag, last_modified, last_poll_usec, next_poll_usec,"
		" http_status, error_streak, last_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
		" ON CONFLICT (url) DO UPDATE SET title = excluded.title, etag = excluded.etag,"
		" last_modified = excluded.last_modified, last_poll_usec = excluded.last_poll_usec,"
		" next_poll_usec = excluded.next_poll_usec, http_status = excluded.http_status,"
		" error_streak = excluded.error_streak, last_error = excluded.last_error",
	[STMT_FEED_ENSURE] = "INSERT INTO feeds (url) VALUES (?1) ON CONFLICT (url) DO NOTHING",
	[STMT_FEED_ID] = "SELECT id FROM feeds WHERE url = ?1",
	[STMT_ITEM_GET] =
		"SELECT content_hash, action, title, duplicate_of FROM items"
		" WHERE feed = ?1 AND key = ?2",
	[STMT_ITEM_PUT] =
		"INSERT INTO items (feed, key, content_hash, title, link, published, storyline, action,"
		" score, first_seen_usec, last_seen_usec, item_id, report_usec, signature, duplicate_of,"
		" decision)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10,"
		" ?11, ?12, ?13, ?14, ?15)"
		" ON CONFLICT (feed, key) DO UPDATE SET content_hash = excluded.content_hash,"
		" title = excluded.title, link = excluded.link, published = excluded.published,"
		" storyline = excluded.storyline, action = excluded.action, score = excluded.score,"
		" last_seen_usec = excluded.last_seen_usec, item_id = excluded.item_id,"
		" decision = excluded.decision,"
		/* a changed report says what its latest version says, and
		 * stays a duplicate of what it first repeated */
		" report_usec = COALESCE(excluded.report_usec, report_usec),"
		" signature = COALESCE(excluded.signature, signature),"
		" duplicate_of = COALESCE(duplicate_of, excluded.duplicate_of)",
	[STMT_ITEM_TOUCH] =
		"UPDATE items SET last_seen_usec = ?3"
		" WHERE feed = ?1 AND key = ?2",
	[STMT_ITEM_PRUNE] =
		"DELETE FROM items WHERE feed = ?1"
		" AND last_seen_usec < ?2",
	/* For a person asking about one item: a walk of all items, which no
	 * index for it would repay at every item stored. */
	[STMT_ITEM_FIND] =
		"SELECT feeds.url, feeds.title, key, item_id, items.title,"
		" CASE link WHEN '' THEN substr(key, instr(key, ':') + 1) ELSE link END, published, storyline,"
		" action, score, duplicate_of, first_seen_usec, last_seen_usec, decision"
		" FROM items JOIN feeds ON feeds.id = items.feed"
		" WHERE item_id = ?1 OR link = ?1 OR key = ?2 OR key = ?3"
		" ORDER BY feeds.url, key",
	/* A burst of news: the nearest in time are the likely originals: the
	 * nearest at or after ?4 and the nearest before it, two walks of
	 * items_reports (which covers them) that store_reports_foreach() merges.
	 * Sorting the whole window instead cost time in the number of reports
	 * in it, and a cold poll of many feeds makes as many queries as it
	 * stores reports. */
	[STMT_REPORTS_AFTER] =
		"SELECT item_id, report_usec, signature, duplicate_of, action, feed FROM items WHERE storyline = ?1"
		" AND signature IS NOT NULL AND report_usec BETWEEN MAX(?2, ?4) AND ?3"
		" ORDER BY report_usec LIMIT " STRINGIFY(STORE_REPORTS_MAX),
	[STMT_REPORTS_BEFORE] =
		"SELECT item_id, report_usec, signature, duplicate_of, action, feed FROM items WHERE storyline = ?1"
		" AND signature IS NOT NULL AND report_usec >= ?2 AND report_usec < MIN(?4, ?3 + 1)"
		" ORDER BY report_usec DESC LIMIT " STRINGIFY(STORE_REPORTS_MAX),
	[STMT_EVENT_NEXT_SEQ] =
		"SELECT MAX(IFNULL((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0),"
		" IFNULL((SELECT MAX(seq) FROM events), 0)) + 1",
	[STMT_EVENT_INSERT] =
		"INSERT INTO events (" EVENT_COLUMNS ") VALUES"
		" (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
	[STMT_EVENT_FOREACH] =
		"SELECT " EVENT_COLUMNS " FROM events WHERE seq BETWEEN ?1 AND ?2"
		" ORDER BY seq LIMIT ?4",
	/* Through events_undelivered: a condition SQLite cannot see is
	 * "delivered = 0" before the bindings (as "delivered = 0 OR ?3 = 0")
	 * walked every event ever kept, at each delivery. */
	[STMT_EVENT_FOREACH_UNDELIVERED] =
		"SELECT " EVENT_COLUMNS " FROM events WHERE seq BETWEEN ?1 AND ?2"
		" AND delivered = 0 ORDER BY seq LIMIT ?4",
	[STMT_EVENT_MARK] = "UPDATE events SET delivered = 1 WHERE seq <= ?1 AND delivered = 0",
	[STMT_EVENT_PRUNE] = "DELETE FROM events WHERE delivered = 1 AND time_usec < ?1",
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmts[_STMT_MAX];
	bool in_transaction;
	bool in_batch;        /* store_batch_begin(): transactions are savepoints */
	/* The last feed whose id items were looked up or stored with: a poll
	 * stores all of one feed's items.  Forgotten on a rollback, which may
	 * undo the feed's row. */
	char *feed_url;
	int64_t feed_id;
};

/* SQLite result codes to errno at the module edge; the text stays available
 * through store_strerror(). */
static int errno_from_sqlite(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_NOMEM:
		fputs("storywatch: out of memory\n", stderr);
		abort();
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EBADMSG;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	case SQLITE_TOOBIG:
		return -E2BIG;
	default:
		return -EIO;
	}
}

static enum action action_from_name(const char *s)
{
	if (streq(s, "notify"))
		return ACTION_NOTIFY;
	if (streq(s, "log"))
		return ACTION_LOG;
	return ACTION_IGNORE;
}

static enum urgency urgency_from_name(const char *s)
{
	if (streq(s, "low"))
		return URGENCY_LOW;
	if (streq(s, "critical"))
		return URGENCY_CRITICAL;
	return URGENCY_NORMAL;
}

static int event_type_from_name(const char *s, enum event_type *ret)
{
	static const enum event_type all[] = {
		EVENT_MATCH, EVENT_UPDATE, EVENT_FEED_ERROR, EVENT_FEED_OK,
	};

	for (size_t i = 0; i < ELEMENTSOF(all); i++)
		if (streq(s, event_type_to_string(all[i]))) {
			*ret = all[i];
			return 0;
		}
	return -EBADMSG;
}

/* ---- statements ----------------------------------------------------------- */

static int stmt_get(struct store *s, enum stmt id, sqlite3_stmt **ret)
{
	int rc;

	if (!s->stmts[id]) {
		rc = sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
					&s->stmts[id], NULL);
		if (rc != SQLITE_OK)
			return errno_from_sqlite(rc);
	}
	*ret = s->stmts[id];
	return 0;
}

static void stmt_done(sqlite3_stmt **st)
{
	if (*st) {
		sqlite3_reset(*st);
		sqlite3_clear_bindings(*st);
	}
}
#define _cleanup_stmt_ _cleanup_(stmt_done)

static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static int bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
	return sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

static int bind_date(sqlite3_stmt *st, int i, int64_t v)
{
	return v == PARSE_NO_DATE ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, v);
}

/* Runs a statement that returns no rows; returns sqlite3_changes() or -errno. */
static int stmt_run(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return errno_from_sqlite(rc);
	return sqlite3_changes(s->db);
}

static char *column_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? xstrdup((const char *)t) : NULL;
}

static const char *column_str(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* ---- opening ---------------------------------------------------------------- */

static int pragma_int(sqlite3 *db, const char *sql, int64_t *ret)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return errno_from_sqlite(rc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ret = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -EBADMSG : errno_from_sqlite(rc);
}

/* Without a WAL file the main file is complete: read it as immutable, which
 * creates no -shm or -wal file next to it.  With one, a plain read-only
 * connection reads both and can neither write nor roll back anything. */
static int sqlite_open_untouched(const char *path, sqlite3 **ret)
{
	_cleanup_free_ char *wal = xasprintf("%s-wal", path);
	_cleanup_buf_ struct buf uri = { 0 };

	if (access(wal, F_OK) == 0 || errno != ENOENT)
		return sqlite3_open_v2(path, ret, SQLITE_OPEN_READONLY, NULL);

	/* RFC 3986 percent-encoding of what a file: URI path cannot hold. */
	buf_init(&uri, 0);
	buf_puts(&uri, "file:");
	for (const char *p = path; *p; p++) {
		if (*p == '?' || *p == '#' || *p == '%')
			buf_printf(&uri, "%%%02X", (unsigned char)*p);
		else
			buf_putc(&uri, *p);
	}
	buf_puts(&uri, "?immutable=1");
	return sqlite3_open_v2(buf_str(&uri), ret, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Looks at an existing file through a read-only connection, which can neither
 * write nor roll back a journal, so that whatever we refuse stays as it was. */
static int store_check_existing(const char *path, struct diag *diag)
{
	static const char magic[16] = "SQLite format 3";
	unsigned char header[100];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t app_id = 0, version = 0, n_objects = 0, has_feeds = 0;
	_cleanup_free_ char *wal = xasprintf("%s-wal", path);
	bool was_clean;
	ssize_t n;
	int fd, rc, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		diag_set(diag, path, 0, 0, "cannot open state file: %s", strerror(errno));
		return r;
	}
	n = read(fd, header, sizeof(header));
	close(fd);
	if (n == 0)
		return 0; /* an empty file is a new database */
	if (n < (ssize_t)sizeof(magic) || memcmp(header, magic, sizeof(magic)) != 0) {
		diag_set(diag, path, 0, 0, "not an SQLite database; refusing to touch it");
		return -EBADMSG;
	}

	/* The last connection to close deletes the WAL.  One left behind means
	 * a crash, a kill or a power loss (or a reader still open): then the
	 * whole file is checked.  After a clean close only the schema and the
	 * feeds table are, in time independent of the items stored: reading a
	 * large state file at every start would cost more than the poll. */
	was_clean = access(wal, F_OK) < 0 && errno == ENOENT;
	/* Opening writes nothing to a file already ours, in WAL mode (header
	 * bytes 18 and 19) and at this schema (user_version at 60,
	 * application_id at 68): any other gets the whole check, so that
	 * what is refused is refused before a byte of it changes. */
	if (n < (ssize_t)sizeof(header) || header[18] != 2 || header[19] != 2 ||
	    be32(header + 60) != store_schema_version || be32(header + 68) != STORE_APPLICATION_ID)
		was_clean = false;

	rc = sqlite_open_untouched(path, &db);
	if (rc != SQLITE_OK) {
		diag_set(diag, path, 0, 0, "cannot open state file: %s", sqlite3_errstr(rc));
		r = errno_from_sqlite(rc);
		goto out;
	}
	sqlite3_busy_timeout(db, 5000);

	if (was_clean && pragma_int(db, "SELECT COUNT(*) FROM sqlite_master"
				    " WHERE type = 'table' AND name = 'feeds'", &has_feeds) < 0)
		has_feeds = 0;
	rc = sqlite3_prepare_v2(db, was_clean && has_feeds > 0 ? "PRAGMA quick_check(feeds)" :
				"PRAGMA quick_check(1)", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW || !streq(column_str(st, 0), "ok")) {
		diag_set(diag, path, 0, 0, "state file is corrupt (%s); refusing to touch it",
			 rc == SQLITE_ROW ? column_str(st, 0) : sqlite3_errmsg(db));
		r = rc == SQLITE_ROW || rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB ||
			rc == SQLITE_OK ? -EBADMSG : errno_from_sqlite(rc);
		goto out;
	}

	r = pragma_int(db, "PRAGMA application_id", &app_id);
	if (r >= 0)
		r = pragma_int(db, "PRAGMA user_version", &version);
	if (r >= 0)
		r = pragma_int(db, "SELECT COUNT(*) FROM sqlite_master", &n_objects);
	if (r < 0) {
		diag_set(diag, path, 0, 0, "cannot read state file: %s", sqlite3_errmsg(db));
		goto out;
	}

	if (app_id != STORE_APPLICATION_ID && (app_id != 0 || n_objects > 0)) {
		diag_set(diag, path, 0, 0,
			 "not a storywatch state file (application_id 0x%08" PRIx32 ", %" PRId64
			 " schema objects); refusing to touch it", (uint32_t)app_id, n_objects);
		r = -EPROTO;
	} else if (version > (int64_t)store_schema_version) {
		diag_set(diag, path, 0, 0,
			 "state file has schema version %" PRId64 ", newer than the %u this storywatch"
			 " knows; refusing to touch it", version, store_schema_version);
		r = -EPROTO;
	} else
		r = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return r;
}

static int store_exec(struct store *s, const char *sql)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return errno_from_sqlite(rc);
}

int store_get_version(struct store *s, unsigned *ret)
{
	int64_t v;
	int r = pragma_int(s->db, "PRAGMA user_version", &v);

	if (r < 0)
		return r;
	*ret = (unsigned)v;
	return 0;
}

static int store_migrate(struct store *s, unsigned target, const char *path, struct diag *diag)
{
	unsigned current;

	/* Up to date: no write lock, so that opening never waits for a writer. */
	if (store_get_version(s, &current) >= 0 && current >= target)
		return 0;

	for (;;) {
		unsigned v = 0;
		char *sql;
		int r;

		r = store_exec(s, "BEGIN IMMEDIATE");
		if (r < 0)
			goto fail;
		/* Read under the write lock: another process may have migrated. */
		r = store_get_version(s, &v);
		if (r < 0)
			goto fail_rollback;
		if (v >= target) {
			(void) store_exec(s, "ROLLBACK");
			return 0;
		}
		r = store_exec(s, migrations[v]);
		if (r < 0)
			goto fail_rollback;
		sql = xasprintf("PRAGMA user_version = %u", v + 1);
		r = store_exec(s, sql);
		free(sql);
		if (r < 0)
			goto fail_rollback;
		r = store_exec(s, "COMMIT");
		if (r < 0)
			goto fail_rollback;
		continue;

	fail_rollback:
		diag_set(diag, path, 0, 0, "cannot migrate state file to schema %u: %s", v + 1,
			 sqlite3_errmsg(s->db));
		(void) store_exec(s, "ROLLBACK");
		return r;
	fail:
		diag_set(diag, path, 0, 0, "cannot migrate state file: %s", sqlite3_errmsg(s->db));
		return r;
	}
}

/* The page cache: a batch of polls (BATCH_MAX in loop.c) writes a few MiB,
 * which SQLite may spill to the WAL before the commit, and what lookups keep
 * reading are the b-trees' interior pages, about a 60th of the file.  2 MiB
 * up to a 64 MiB file, a 32nd of it above, at most 16 MiB: memory in step
 * with the state, not a fixed 8 MiB that 2,000 feeds did not need and
 * 20,000 outgrow. */
size_t store_cache_kib(uint64_t file_size)
{
	return (size_t)MIN(MAX(file_size / 32 / 1024, UINT64_C(2048)), UINT64_C(16384));
}

/* SQLite says "unable to open database file", or fails on the first write,
 * when the state file or its directory (where the -wal and -shm files go) is
 * not writable: find that out first, and say which and what to do. */
static int store_check_writable(const char *path, bool exists, struct diag *diag)
{
	_cleanup_free_ char *dir = NULL;
	const char *slash = strrchr(path, '/');
	int r;

	dir = !slash ? xstrdup(".") : slash == path ? xstrdup("/") :
	      xstrndup(path, (size_t) (slash - path));
	if (access(dir, W_OK | X_OK) < 0) {
		r = -errno;
		diag_set(diag, dir, 0, 0, "cannot create files in the state directory: %s; it must be "
			 "writable by uid %u, which storywatchd runs as (chown or chmod u+w it, or "
			 "choose another with --state-dir)", strerror(-r), (unsigned) geteuid());
		return r;
	}
	if (exists && access(path, R_OK | W_OK) < 0) {
		r = -errno;
		diag_set(diag, path, 0, 0, "cannot write the state file: %s; it must be readable and "
			 "writable by uid %u, which storywatchd runs as (chown or chmod u+rw it)",
			 strerror(-r), (unsigned) geteuid());
		return r;
	}
	return 0;
}

static int store_open_full(const char *path, unsigned version, bool is_readonly,
			   struct store **ret, struct diag *diag)
{
	_cleanup_(store_closep) struct store *s = NULL;
	struct stat stbuf;
	sqlite3_stmt *st = NULL;
	bool is_new = true;
	unsigned v;
	int rc, r;

	if (version > store_schema_version)
		return -EINVAL;

	if (stat(path, &stbuf) == 0) {
		is_new = false;
		r = store_check_existing(path, diag);
		if (r < 0)
			return r;
	} else {
		r = -errno;
		if (r != -ENOENT || is_readonly) {
			diag_set(diag, path, 0, 0, "cannot open state file: %s", strerror(-r));
			return r;
		}
	}
	if (!is_readonly) {
		r = store_check_writable(path, r >= 0, diag);
		if (r < 0)
			return r;
	}

	s = xcalloc(1, sizeof(*s));
	rc = sqlite3_open_v2(path, &s->db, is_readonly ? SQLITE_OPEN_READONLY :
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		diag_set(diag, path, 0, 0, "cannot open state file: %s",
			 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		return errno_from_sqlite(rc);
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, 5000);

	if (is_readonly) {
		r = store_get_version(s, &v);
		if (r < 0) {
			diag_set(diag, path, 0, 0, "cannot read state file: %s", sqlite3_errmsg(s->db));
			return r;
		}
		if (v != store_schema_version) {
			diag_set(diag, path, 0, 0, "state file has schema version %u, this storywatch"
				 " reads %u; storywatchd migrates it when it next starts", v,
				 store_schema_version);
			return -EPROTO;
		}
		*ret = steal_ptr(s);
		return 0;
	}

	/* synchronous=FULL: in WAL mode NORMAL may lose the last commits on
	 * power loss; an event already written to the log whose transaction is
	 * then lost would come back with a reused seq.  One fsync per poll is
	 * cheap. */
	rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && !streq(column_str(st, 0), "wal")) {
		diag_set(diag, path, 0, 0, "cannot use write-ahead logging on the state file"
			 " (journal mode stays %s)", column_str(st, 0));
		sqlite3_finalize(st);
		return -EOPNOTSUPP;
	}
	sqlite3_finalize(st);
	r = rc == SQLITE_ROW ? 0 : errno_from_sqlite(rc);
	if (r >= 0)
		r = store_exec(s, "PRAGMA synchronous = FULL");
	if (r >= 0)
		r = store_exec(s, "PRAGMA foreign_keys = ON");
	if (r >= 0) {
		_cleanup_free_ char *sql = xasprintf("PRAGMA cache_size = -%zu",
						     store_cache_kib(is_new ? 0 : (uint64_t)stbuf.st_size));

		r = store_exec(s, sql);
	}
	if (r < 0) {
		diag_set(diag, path, 0, 0, "cannot set up state file: %s", sqlite3_errmsg(s->db));
		return r;
	}

	r = store_migrate(s, version, path, diag);
	if (r < 0)
		return r;

	*ret = steal_ptr(s);
	return 0;
}

int store_open_version(const char *path, unsigned version, struct store **ret, struct diag *diag)
{
	return store_open_full(path, version, false, ret, diag);
}

int store_open(const char *path, struct store **ret, struct diag *diag)
{
	return store_open_full(path, store_schema_version, false, ret, diag);
}

int store_open_readonly(const char *path, struct store **ret, struct diag *diag)
{
	return store_open_full(path, store_schema_version, true, ret, diag);
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < _STMT_MAX; i++)
		sqlite3_finalize(s->stmts[i]);
	free(s->feed_url);
	if (s->db)
		sqlite3_close(s->db);
	free(s);
}

const char *store_strerror(struct store *s)
{
	return sqlite3_errmsg(s->db);
}

/* ---- feed ids ------------------------------------------------------------- */

static void feed_id_forget(struct store *s)
{
	free(s->feed_url);
	s->feed_url = NULL;
	s->feed_id = 0;
}

/* Steps statement id with url bound to ?1 to its row: 0 with *st on it,
 * -ENOENT when there is none. */
static int stmt_row_by_url(struct store *s, enum stmt id, const char *url, sqlite3_stmt **st)
{
	int r, rc;

	r = stmt_get(s, id, st);
	if (r < 0)
		return r;
	bind_text(*st, 1, url);
	rc = sqlite3_step(*st);
	if (rc == SQLITE_DONE)
		return -ENOENT;
	return rc == SQLITE_ROW ? 0 : errno_from_sqlite(rc);
}

/* The id of the feed at url: -ENOENT when it has none and !create. */
static int feed_id(struct store *s, const char *url, bool create, int64_t *ret)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	if (s->feed_url && streq(s->feed_url, url)) {
		*ret = s->feed_id;
		return 0;
	}
	if (create) {
		r = stmt_get(s, STMT_FEED_ENSURE, &st);
		if (r < 0)
			return r;
		bind_text(st, 1, url);
		r = stmt_run(s, st);
		stmt_done(&st);
		if (r < 0)
			return r;
	}
	r = stmt_row_by_url(s, STMT_FEED_ID, url, &st);
	if (r < 0)
		return r;
	free(s->feed_url);
	s->feed_url = xstrdup(url);
	s->feed_id = sqlite3_column_int64(st, 0);
	*ret = s->feed_id;
	return 0;
}

/* ---- transactions ----------------------------------------------------------- */

static int store_simple(struct store *s, enum stmt id)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = stmt_get(s, id, &st);

	return r < 0 ? r : stmt_run(s, st);
}

int store_batch_begin(struct store *s)
{
	int r;

	assert(!s->in_transaction && !s->in_batch);
	r = store_simple(s, STMT_BEGIN);
	if (r < 0)
		return r;
	s->in_batch = true;
	return 0;
}

int store_batch_commit(struct store *s)
{
	int r;

	assert(s->in_batch && !s->in_transaction);
	r = store_simple(s, STMT_COMMIT);
	if (r < 0) {
		(void) store_simple(s, STMT_ROLLBACK);
		feed_id_forget(s);
		s->in_batch = false;
		return r;
	}
	s->in_batch = false;
	return 0;
}

void store_batch_rollback(struct store *s)
{
	assert(s->in_batch && !s->in_transaction);
	(void) store_simple(s, STMT_ROLLBACK);
	s->in_batch = false;
}

bool store_in_batch(const struct store *s)
{
	return s->in_batch;
}

int store_begin(struct store *s)
{
	int r;

	assert(!s->in_transaction);
	if (s->in_batch) {
		r = store_exec(s, "SAVEPOINT poll");
		if (r < 0)
			return r;
		s->in_transaction = true;
		return 0;
	}
	r = store_simple(s, STMT_BEGIN);
	if (r < 0)
		return r;
	s->in_transaction = true;
	return 0;
}

int store_commit(struct store *s)
{
	int r;

	assert(s->in_transaction);
	r = s->in_batch ? store_exec(s, "RELEASE poll") : store_simple(s, STMT_COMMIT);
	if (r < 0)
		return r;  /* still open: the caller rolls back */
	s->in_transaction = false;
	return 0;
}

void store_rollback(struct store *s)
{
	if (!s->in_transaction)
		return;
	feed_id_forget(s);
	if (s->in_batch)
		(void) store_exec(s, "ROLLBACK TO poll; RELEASE poll");
	else
		(void) store_simple(s, STMT_ROLLBACK);
	s->in_transaction = false;
}

/* ---- feeds ---------------------------------------------------------------- */

void feed_state_done(struct feed_state *st)
{
	if (!st)
		return;
	free(st->url);
	free(st->title);
	free(st->etag);
	free(st->last_modified);
	free(st->last_error);
	*st = (struct feed_state){ 0 };
}

void feed_state_free_array(struct feed_state *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		feed_state_done(&v[i]);
	free(v);
}

static void feed_state_from_row(sqlite3_stmt *st, struct feed_state *ret)
{
	*ret = (struct feed_state){
		.url = column_strdup(st, 0),
		.title = column_strdup(st, 1),
		.etag = column_strdup(st, 2),
		.last_modified = column_strdup(st, 3),
		.last_poll_usec = (uint64_t)sqlite3_column_int64(st, 4),
		.next_poll_usec = (uint64_t)sqlite3_column_int64(st, 5),
		.http_status = (long)sqlite3_column_int64(st, 6),
		.error_streak = (unsigned)sqlite3_column_int64(st, 7),
		.last_error = column_strdup(st, 8),
		.n_items = (uint64_t)sqlite3_column_int64(st, 9),
	};
}

static int feed_load(struct store *s, enum stmt id, const char *url, struct feed_state *ret)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	r = stmt_row_by_url(s, id, url, &st);
	if (r < 0)
		return r;
	feed_state_from_row(st, ret);
	return 0;
}

int store_feed_load(struct store *s, const char *url, struct feed_state *ret)
{
	return feed_load(s, STMT_FEED_LOAD, url, ret);
}

int store_feed_load_bare(struct store *s, const char *url, struct feed_state *ret)
{
	return feed_load(s, STMT_FEED_LOAD_BARE, url, ret);
}

int store_feed_save(struct store *s, const struct feed_state *f)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	r = stmt_get(s, STMT_FEED_SAVE, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, f->url);
	bind_text(st, 2, f->title);
	bind_text(st, 3, f->etag);
	bind_text(st, 4, f->last_modified);
	bind_u64(st, 5, f->last_poll_usec);
	bind_u64(st, 6, f->next_poll_usec);
	sqlite3_bind_int64(st, 7, f->http_status);
	sqlite3_bind_int64(st, 8, f->error_streak);
	bind_text(st, 9, f->last_error);
	r = stmt_run(s, st);
	return r < 0 ? r : 0;
}

static int feed_list(struct store *s, enum stmt id, struct feed_state **ret, size_t *ret_n)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	struct feed_state *v = NULL;
	size_t n = 0, cap = 0;
	int r, rc;

	r = stmt_get(s, id, &st);
	if (r < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = MAX(2 * cap, 64u);
			v = xreallocarray(v, cap, sizeof(*v));
		}
		feed_state_from_row(st, &v[n++]);
	}
	if (rc != SQLITE_DONE) {
		feed_state_free_array(v, n);
		return errno_from_sqlite(rc);
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int store_feed_list(struct store *s, struct feed_state **ret, size_t *ret_n)
{
	return feed_list(s, STMT_FEED_LIST, ret, ret_n);
}

int store_feed_list_bare(struct store *s, struct feed_state **ret, size_t *ret_n)
{
	return feed_list(s, STMT_FEED_LIST_BARE, ret, ret_n);
}

/* ---- items ----------------------------------------------------------------- */

/* FNV-1a with a final avalanche step (the splitmix64 finaliser): not
 * cryptographic, but a retitle going unnoticed needs a 64-bit collision
 * within one feed. */
struct hash64 {
	uint64_t h;
};

static void hash64_init(struct hash64 *h)
{
	h->h = UINT64_C(0xcbf29ce484222325);
}

static void hash64_add(struct hash64 *h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++) {
		h->h ^= c[i];
		h->h *= UINT64_C(0x100000001b3);
	}
}

static uint64_t hash64_final(const struct hash64 *h)
{
	uint64_t x = h->h;

	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

#define NORM_FLAGS (UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD | \
		    UTF8PROC_IGNORE | UTF8PROC_LUMP | UTF8PROC_STRIPCC)

/* What NORM_FLAGS make of one ASCII byte: letters fold to lower case, HT, LF,
 * VT, FF and CR become a space, other controls vanish (-1). */
static int norm_ascii(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	if (c >= 0x09 && c <= 0x0d)
		return ' ';
	if (c < 0x20 || c == 0x7f)
		return -1;
	return c;
}

/* s normalised with NORM_FLAGS into out, or -EBADMSG for ill-formed UTF-8.
 * ASCII is done here: most feed text is ASCII and utf8proc costs ~100 ns a
 * character.  A non-ASCII run goes to utf8proc together with the character
 * before it, which a combining mark may compose with, and with controls that
 * vanish between runs (they would let neighbours compose); nothing composes
 * with a following ASCII character, so the result is the same as mapping the
 * whole string. */
/* The first byte at or after s that does not vanish. */
static unsigned char next_kept(const char *s)
{
	while (*s && (unsigned char)*s < 0x80 && norm_ascii((unsigned char)*s) < 0)
		s++;
	return (unsigned char)*s;
}

/* Hashes normalised bytes, every run of white space one space, none at the
 * ends. */
struct norm_hash {
	struct hash64 *h;
	bool pending_space;
	bool started;
};

static void norm_hash_add(struct norm_hash *nh, unsigned char c)
{
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
		nh->pending_space = nh->started;
		return;
	}
	if (nh->pending_space)
		hash64_add(nh->h, " ", 1);
	nh->pending_space = false;
	nh->started = true;
	hash64_add(nh->h, &c, 1);
}

/* Feeds s normalised with NORM_FLAGS to nh, or returns -EBADMSG for
 * ill-formed UTF-8.  ASCII is done here: most feed text is ASCII and
 * utf8proc costs ~100 ns a character.  A non-ASCII run goes to utf8proc
 * together with the character before it, which a combining mark may compose
 * with, and with controls that vanish between runs (they would let
 * neighbours compose); nothing composes with a following ASCII character, so
 * the result is the same as mapping the whole string. */
static int normalise(const char *s, struct norm_hash *nh)
{
	for (size_t i = 0; s[i];) {
		unsigned char c = (unsigned char)s[i];
		utf8proc_uint8_t *seg = NULL;
		utf8proc_ssize_t m;
		size_t j;

		if (c < 0x80 && next_kept(s + i + 1) < 0x80) {
			int o = norm_ascii(c);

			if (o >= 0)
				norm_hash_add(nh, (unsigned char)o);
			i++;
			continue;
		}
		for (j = i + 1; s[j]; j++) {
			unsigned char d = (unsigned char)s[j];

			if (d >= 0x80)
				continue;
			if (norm_ascii(d) < 0 && next_kept(s + j) >= 0x80)
				continue;
			break;
		}
		m = utf8proc_map((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(j - i), &seg,
				 NORM_FLAGS);
		if (m < 0)
			return -EBADMSG;
		for (utf8proc_ssize_t k = 0; k < m; k++)
			norm_hash_add(nh, seg[k]);
		free(seg);
		i = j;
	}
	return 0;
}

/* Feeds the normalised form of s: NFKC, case folded, ignorable and control
 * characters dropped, every run of white space one space, none at the ends. */
static void hash_normalised(struct hash64 *h, const char *s)
{
	struct hash64 saved = *h;
	struct norm_hash nh = { .h = h };

	if (!s)
		return;
	if (normalise(s, &nh) < 0) {
		/* Ill-formed UTF-8 (parse never hands us that): hash the bytes. */
		*h = saved;
		hash64_add(h, s, strlen(s));
	}
}

uint64_t store_content_hash(const char *title, const char *summary)
{
	struct hash64 h;

	hash64_init(&h);
	/* Tag each part and mark absence, so "ab"+"c" differs from "a"+"bc". */
	hash64_add(&h, title ? "T" : "t", 1);
	hash_normalised(&h, title);
	hash64_add(&h, "", 1);
	hash64_add(&h, summary ? "S" : "s", 1);
	hash_normalised(&h, summary);
	return hash64_final(&h);
}

static char *key_of(const char *prefix, const char *s)
{
	struct hash64 h;

	if (strlen(s) <= STORE_KEY_MAX)
		return xasprintf("%s:%s", prefix, s);
	hash64_init(&h);
	hash64_add(&h, s, strlen(s));
	return xasprintf("%s#%016" PRIx64, prefix, hash64_final(&h));
}

char *store_item_key(const char *id, const char *link, const char *title, int64_t published)
{
	struct hash64 h;
	char date[24];

	if (id && *id)
		return key_of("id", id);
	if (link && *link)
		return key_of("link", link);
	hash64_init(&h);
	hash64_add(&h, title ? title : "", title ? strlen(title) + 1 : 1);
	if (published != PARSE_NO_DATE) {
		snprintf(date, sizeof(date), "%" PRId64, published);
		hash64_add(&h, date, strlen(date));
	}
	return xasprintf("hash:%016" PRIx64, hash64_final(&h));
}

int store_item_get(struct store *s, const char *feed_url, const char *key,
		   struct item_prev *ret)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int64_t id;
	int r, rc;

	r = feed_id(s, feed_url, false, &id);
	if (r < 0)
		return r;
	r = stmt_get(s, STMT_ITEM_GET, &st);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return -ENOENT;
	if (rc != SQLITE_ROW)
		return errno_from_sqlite(rc);
	if (ret)
		*ret = (struct item_prev){
			.content_hash = (uint64_t)sqlite3_column_int64(st, 0),
			.action = action_from_name(column_str(st, 1)),
			.title = column_strdup(st, 2),
			.duplicate_of = column_strdup(st, 3),
		};
	return 0;
}

void item_prev_done(struct item_prev *p)
{
	free(p->title);
	free(p->duplicate_of);
	*p = (struct item_prev){ 0 };
}

/* Whether the identity key is the link itself, "link:" or "id:" + link (a
 * permalink guid): then the link is stored as "", half of most items' bytes. */
static bool is_link_in_key(const char *key, const char *link)
{
	if (!link || !key)
		return false;
	if (strncmp(key, "link:", 5) == 0)
		return streq(key + 5, link);
	return strncmp(key, "id:", 3) == 0 && streq(key + 3, link);
}

int store_item_put(struct store *s, const struct item_record *rec, uint64_t now_usec)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int64_t id;
	int r;

	r = feed_id(s, rec->feed_url, true, &id);
	if (r < 0)
		return r;
	r = stmt_get(s, STMT_ITEM_PUT, &st);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, rec->key);
	bind_u64(st, 3, rec->content_hash);
	bind_text(st, 4, rec->title);
	bind_text(st, 5, is_link_in_key(rec->key, rec->link) ? "" : rec->link);
	bind_date(st, 6, rec->published);
	bind_text(st, 7, rec->storyline);
	bind_text(st, 8, action_to_string(rec->action));
	sqlite3_bind_double(st, 9, rec->score);
	bind_u64(st, 10, now_usec);
	bind_text(st, 11, rec->item_id);
	if (rec->signature)
		bind_u64(st, 12, rec->report_usec);     /* else NULL: keep the old one */
	sqlite3_bind_blob(st, 13, rec->signature, (int)rec->signature_len, SQLITE_TRANSIENT);
	bind_text(st, 14, rec->duplicate_of);
	bind_text(st, 15, rec->decision);
	r = stmt_run(s, st);
	return r < 0 ? r : 0;
}

int store_items_find(struct store *s, const char *id_or_link,
		     int (*cb)(const struct item_found *it, void *userdata), void *userdata)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_free_ char *by_id = store_item_key(id_or_link, NULL, NULL, 0);
	_cleanup_free_ char *by_link = store_item_key(NULL, id_or_link, NULL, 0);
	int r, rc;

	r = stmt_get(s, STMT_ITEM_FIND, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, id_or_link);
	bind_text(st, 2, by_id);
	bind_text(st, 3, by_link);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct item_found it = {
			.feed_url = column_str(st, 0),
			.feed_title = column_str(st, 1),
			.key = column_str(st, 2),
			.item_id = column_str(st, 3),
			.title = column_str(st, 4),
			.link = column_str(st, 5),
			.published = sqlite3_column_type(st, 6) == SQLITE_NULL ? PARSE_NO_DATE :
				     sqlite3_column_int64(st, 6),
			.storyline = column_str(st, 7),
			.action = action_from_name(column_str(st, 8)),
			.score = sqlite3_column_double(st, 9),
			.duplicate_of = column_str(st, 10),
			.first_seen_usec = (uint64_t)sqlite3_column_int64(st, 11),
			.last_seen_usec = (uint64_t)sqlite3_column_int64(st, 12),
			.decision = column_str(st, 13),
		};

		r = cb(&it, userdata);
		if (r < 0)
			return r;
	}
	return rc == SQLITE_DONE ? 0 : errno_from_sqlite(rc);
}

static int reports_query(struct store *s, enum stmt id, const char *storyline, uint64_t from_usec,
			 uint64_t to_usec, uint64_t at_usec, sqlite3_stmt **ret)
{
	int r = stmt_get(s, id, ret);

	if (r < 0)
		return r;
	bind_text(*ret, 1, storyline);
	bind_u64(*ret, 2, from_usec);
	bind_u64(*ret, 3, to_usec);
	bind_u64(*ret, 4, at_usec);
	return 0;
}

/* Steps st: 1 with a row, 0 at the end, or -errno. */
static int reports_step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : errno_from_sqlite(rc);
}

static uint64_t distance(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

int store_reports_foreach(struct store *s, const char *storyline, uint64_t from_usec,
			  uint64_t to_usec, uint64_t at_usec,
			  int (*cb)(const struct report *rep, void *userdata), void *userdata)
{
	_cleanup_stmt_ sqlite3_stmt *after = NULL;
	_cleanup_stmt_ sqlite3_stmt *before = NULL;
	int has_after, has_before, r;

	r = reports_query(s, STMT_REPORTS_AFTER, storyline, from_usec, to_usec, at_usec, &after);
	if (r >= 0)
		r = reports_query(s, STMT_REPORTS_BEFORE, storyline, from_usec, to_usec, at_usec, &before);
	if (r < 0)
		return r;
	has_after = reports_step(after);
	has_before = reports_step(before);
	/* Both come nearest first: merge them up to STORE_REPORTS_MAX. */
	for (unsigned n = 0; n < STORE_REPORTS_MAX; n++) {
		sqlite3_stmt *st;

		if (has_after < 0 || has_before < 0)
			return has_after < 0 ? has_after : has_before;
		if (!has_after && !has_before)
			break;
		if (has_after && (!has_before ||
				  distance((uint64_t)sqlite3_column_int64(after, 1), at_usec) <=
				  distance((uint64_t)sqlite3_column_int64(before, 1), at_usec)))
			st = after;
		else
			st = before;

		struct report rep = {
			.item_id = column_str(st, 0),
			.report_usec = (uint64_t)sqlite3_column_int64(st, 1),
			.signature = sqlite3_column_blob(st, 2),
			.signature_len = (size_t)sqlite3_column_bytes(st, 2),
			.duplicate_of = column_str(st, 3),
			.action = action_from_name(column_str(st, 4)),
			.feed = sqlite3_column_int64(st, 5),
		};

		r = cb(&rep, userdata);
		if (r < 0)
			return r;
		if (st == after)
			has_after = reports_step(after);
		else
			has_before = reports_step(before);
	}
	return 0;
}

int store_feed_id(struct store *s, const char *url, int64_t *ret)
{
	return feed_id(s, url, false, ret);
}

int store_item_touch(struct store *s, const char *feed_url, const char *key, uint64_t now_usec)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int64_t id;
	int r;

	r = feed_id(s, feed_url, false, &id);
	if (r < 0)
		return r;
	r = stmt_get(s, STMT_ITEM_TOUCH, &st);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, key);
	bind_u64(st, 3, now_usec);
	r = stmt_run(s, st);
	if (r < 0)
		return r;
	return r == 0 ? -ENOENT : 0;
}

int store_items_prune(struct store *s, const char *feed_url, uint64_t before_usec)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int64_t id;
	int r;

	r = feed_id(s, feed_url, false, &id);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = stmt_get(s, STMT_ITEM_PRUNE, &st);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, id);
	bind_u64(st, 2, before_usec);
	return stmt_run(s, st);
}

/* ---- events ----------------------------------------------------------------- */

/* Rule names are joined with the ASCII unit separator, which no rule file can
 * put in a name. */
#define RULE_SEP '\x1f'

int store_event_next_seq(struct store *s, uint64_t *ret_seq)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r, rc;

	r = stmt_get(s, STMT_EVENT_NEXT_SEQ, &st);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		return errno_from_sqlite(rc);
	*ret_seq = (uint64_t)sqlite3_column_int64(st, 0);
	return 0;
}

int store_event_insert(struct store *s, const struct event *e, const char *line)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_buf_ struct buf rules;
	bool is_item = false;
	int r;

	r = stmt_get(s, STMT_EVENT_INSERT, &st);
	if (r < 0)
		return r;

	switch (e->type) {
	case EVENT_MATCH:
	case EVENT_UPDATE:
		is_item = true;
		break;
	case EVENT_FEED_ERROR:
	case EVENT_FEED_OK:
		is_item = false;
		break;
	}

	buf_init(&rules, 0);
	for (size_t i = 0; i < e->n_rules; i++) {
		if (i > 0)
			buf_putc(&rules, RULE_SEP);
		buf_puts(&rules, e->rules[i]);
	}

	bind_u64(st, 1, e->seq);
	bind_u64(st, 2, e->time_usec);
	bind_text(st, 3, event_type_to_string(e->type));
	bind_text(st, 4, e->feed);
	bind_text(st, 5, e->feed_title);
	if (is_item) {
		bind_text(st, 6, e->id);
		bind_text(st, 7, e->title);
		bind_text(st, 8, e->link);
		bind_date(st, 9, e->published);
		bind_text(st, 10, e->storyline);
		bind_text(st, 11, e->n_rules ? buf_str(&rules) : NULL);
		sqlite3_bind_double(st, 12, e->score);
		bind_text(st, 13, action_to_string(e->action));
		bind_text(st, 14, urgency_to_string(e->urgency));
		bind_text(st, 15, e->duplicate_of);
	} else
		bind_text(st, 16, e->error);
	bind_u64(st, 17, e->next_attempt_usec);
	bind_text(st, 18, line);
	r = stmt_run(s, st);
	return r < 0 ? r : 0;
}

int store_events_foreach(struct store *s, uint64_t from_seq, uint64_t to_seq,
			 bool undelivered_only, size_t max,
			 int (*cb)(const struct event *e, const char *line, void *userdata),
			 void *userdata)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r, rc;

	r = stmt_get(s, undelivered_only ? STMT_EVENT_FOREACH_UNDELIVERED : STMT_EVENT_FOREACH, &st);
	if (r < 0)
		return r;
	bind_u64(st, 1, from_seq);
	bind_u64(st, 2, MIN(to_seq, (uint64_t)INT64_MAX));
	sqlite3_bind_int64(st, 4, max ? (sqlite3_int64)max : -1);

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		_cleanup_free_ char *rules_copy = NULL;
		_cleanup_free_ const char **rules = NULL;
		size_t n_rules = 0;
		struct event e = {
			.seq = (uint64_t)sqlite3_column_int64(st, 0),
			.time_usec = (uint64_t)sqlite3_column_int64(st, 1),
			.feed = column_str(st, 3),
			.feed_title = column_str(st, 4),
			.id = column_str(st, 5),
			.title = column_str(st, 6),
			.link = column_str(st, 7),
			.published = sqlite3_column_type(st, 8) == SQLITE_NULL ? PARSE_NO_DATE :
				sqlite3_column_int64(st, 8),
			.storyline = column_str(st, 9),
			.score = sqlite3_column_double(st, 11),
			.action = action_from_name(column_str(st, 12)),
			.urgency = urgency_from_name(column_str(st, 13)),
			.duplicate_of = column_str(st, 14),
			.error = column_str(st, 15),
			.next_attempt_usec = (uint64_t)sqlite3_column_int64(st, 16),
		};

		if (event_type_from_name(column_str(st, 2), &e.type) < 0)
			return -EBADMSG;
		if (column_str(st, 10)) {
			rules_copy = column_strdup(st, 10);
			for (char *p = rules_copy;;) {
				char *sep = strchr(p, RULE_SEP);

				rules = xreallocarray(rules, n_rules + 1, sizeof(*rules));
				rules[n_rules++] = p;
				if (!sep)
					break;
				*sep = '\0';
				p = sep + 1;
			}
		}
		e.rules = rules;
		e.n_rules = n_rules;

		r = cb(&e, column_str(st, 17), userdata);
		if (r < 0)
			return r;
	}
	return rc == SQLITE_DONE ? 0 : errno_from_sqlite(rc);
}

int store_events_mark_delivered(struct store *s, uint64_t up_to_seq)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	r = stmt_get(s, STMT_EVENT_MARK, &st);
	if (r < 0)
		return r;
	bind_u64(st, 1, MIN(up_to_seq, (uint64_t)INT64_MAX));
	return stmt_run(s, st);
}

int store_events_renumber_above(struct store *s, uint64_t log_seq)
{
	_cleanup_free_ char *sql = NULL;
	uint64_t next;
	int r;

	r = store_event_next_seq(s, &next);
	if (r < 0)
		return r;
	if (log_seq < next)
		return 0;
	/* Every new seq (old + log_seq) is above every old one, so the update
	 * never collides; then make AUTOINCREMENT continue from there. */
	sql = xasprintf("BEGIN IMMEDIATE;"
			"UPDATE events SET seq = seq + %" PRIu64 ","
			" payload = '{\"seq\":' || (seq + %" PRIu64 ") || substr(payload, instr(payload, ','))"
			" WHERE delivered = 0;"
			"DELETE FROM sqlite_sequence WHERE name = 'events';"
			"INSERT INTO sqlite_sequence (name, seq) VALUES ('events',"
			" MAX(%" PRIu64 ", IFNULL((SELECT MAX(seq) FROM events), 0)));"
			"COMMIT;", log_seq, log_seq, log_seq);
	r = store_exec(s, sql);
	if (r < 0)
		(void) store_exec(s, "ROLLBACK");
	return r;
}

int store_events_prune(struct store *s, uint64_t before_usec)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	r = stmt_get(s, STMT_EVENT_PRUNE, &st);
	if (r < 0)
		return r;
	bind_u64(st, 1, before_usec);
	return stmt_run(s, st);
}
