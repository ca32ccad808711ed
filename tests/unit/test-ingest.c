/* test-ingest.c - one poll's outcome end to end: feed documents written here,
 * a small rules directory, a real state file and event log in a scratch dir. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "diag.h"
#include "events.h"
#include "ingest.h"
#include "match.h"
#include "parse.h"
#include "rules.h"
#include "store.h"
#include "testdir.h"

/* 2025-03-18T14:00:00Z */
#define T0 (UINT64_C(1742306400) * USEC_PER_SEC)
#define HOUR (UINT64_C(3600) * USEC_PER_SEC)
#define DAY (24 * HOUR)

#define URL "https://wire.example/world.rss"

static const char rules_text[] =
	"# Test storyline: a ceasefire that matters, sanctions as background.\n"
	"storyline truce {\n"
	"\ttitle \"Truce negotiations\"\n"
	"\tnotify at 10\n"
	"\tlog at 4\n"
	"}\n"
	"\n"
	"rule truce-talks {\n"
	"\tstoryline truce\n"
	"\tweight 10\n"
	"\taction notify\n"
	"\turgency critical\n"
	"\tmatch ceasefire AND (talks OR negotiators)\n"
	"}\n"
	"\n"
	"rule sanctions-context {\n"
	"\tstoryline truce\n"
	"\tweight 5\n"
	"\taction log\n"
	"\tmatch sanctions\n"
	"}\n";

struct fixture {
	char *dir;
	char *rules_dir;
	char *log_path;
	struct store *store;
	struct ruleset *rules;
	struct events *events;
	struct ingest ig;
	struct feed_state st;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	_cleanup_free_ char *db = NULL, *rules_file = NULL;
	struct rules_errors errors = { 0 };
	struct events_options eo = { .journal = EVENTS_JOURNAL_OFF };

	f->dir = testdir_new();
	db = xasprintf("%s/state.db", f->dir);
	f->log_path = xasprintf("%s/events.jsonl", f->dir);
	f->rules_dir = xasprintf("%s/rules", f->dir);
	assert_int_equal(mkdir(f->rules_dir, 0700), 0);
	rules_file = xasprintf("%s/truce.rules", f->rules_dir);
	write_file(rules_file, rules_text, sizeof(rules_text) - 1);
	if (rules_compile_dir(f->rules_dir, &f->rules, &errors) < 0)
		rules_errors_print(&errors, stderr);
	rules_errors_clear(&errors);
	assert_non_null(f->rules);

	assert_int_equal(store_open(db, &f->store, NULL), 0);
	eo.log_path = f->log_path;
	assert_int_equal(events_open(f->store, &eo, &f->events, NULL), 0);

	f->ig = (struct ingest){
		.store = f->store, .rules = f->rules, .now_usec = T0,
		.prune_after_usec = 30 * DAY, .max_body_bytes = 1024 * 1024,
	};
	f->st = (struct feed_state){ .url = xstrdup(URL), .http_status = 200, .last_poll_usec = T0,
				     .next_poll_usec = T0 + HOUR };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *rules_file = xasprintf("%s/truce.rules", f->rules_dir);

	events_close(f->events);
	store_close(f->store);
	ruleset_free(f->rules);
	feed_state_done(&f->st);
	(void) unlink(rules_file);
	(void) rmdir(f->rules_dir);
	free(f->rules_dir);
	free(f->log_path);
	testdir_remove(f->dir);
	free(f);
	return 0;
}

/* An RSS 2.0 document; each item is "guid|title|description" (guid may be
 * empty). */
static char *rss(const char *const *items, size_t n)
{
	struct buf b;

	buf_init(&b, 0);
	buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<rss version=\"2.0\"><channel><title>Wire World</title>"
		     "<link>https://wire.example/</link><ttl>30</ttl>\n");
	for (size_t i = 0; i < n; i++) {
		const char *p1 = strchr(items[i], '|'), *p2 = strchr(p1 + 1, '|');

		buf_puts(&b, "<item>");
		if (p1 > items[i])
			buf_printf(&b, "<guid isPermaLink=\"false\">%.*s</guid>", (int)(p1 - items[i]), items[i]);
		buf_printf(&b, "<title>%.*s</title>", (int)(p2 - p1 - 1), p1 + 1);
		buf_printf(&b, "<description>%s</description>", p2 + 1);
		buf_printf(&b, "<link>https://wire.example/%zu</link>", i);
		buf_puts(&b, "<pubDate>Tue, 18 Mar 2025 13:00:00 GMT</pubDate></item>\n");
	}
	buf_puts(&b, "</channel></rss>\n");
	return buf_steal(&b);
}

static int ingest_items(struct fixture *f, const char *const *items, size_t n, struct ingest_stats *stats)
{
	_cleanup_free_ char *doc = rss(items, n);

	return ingest_body(&f->ig, &f->st, doc, strlen(doc), stats);
}

/* Delivers what is queued and returns the log's whole content. */
static char *deliver(struct fixture *f)
{
	assert_int_equal(events_deliver(f->events, NULL), 0);
	return read_file(f->log_path, NULL);
}

static void test_new_relevant_item_matches(void **state)
{
	struct fixture *f = *state;
	static const char *const items[] = {
		"w-1|Ceasefire talks open in Riyadh|Negotiators meet for a first round.",
	};
	struct ingest_stats stats;
	_cleanup_free_ char *log = NULL;

	assert_int_equal(ingest_items(f, items, 1, &stats), 0);
	assert_int_equal(stats.n_items, 1);
	assert_int_equal(stats.n_new, 1);
	assert_int_equal(stats.n_changed, 0);
	assert_int_equal(stats.n_events, 1);
	assert_int_equal(stats.ttl_minutes, 30);
	assert_string_equal(f->st.title, "Wire World");

	log = deliver(f);
	assert_string_equal(log,
		"{\"seq\":1,\"time\":\"2025-03-18T14:00:00Z\",\"event\":\"match\","
		"\"feed\":\"" URL "\",\"id\":\"w-1\",\"title\":\"Ceasefire talks open in Riyadh\","
		"\"link\":\"https://wire.example/0\",\"published\":\"2025-03-18T13:00:00Z\","
		"\"storyline\":\"truce\",\"rules\":[\"truce-talks\"],\"score\":10,"
		"\"action\":\"notify\",\"duplicate_of\":null,\"feed_title\":\"Wire World\"}\n");
}

static void test_same_body_again_is_silent(void **state)
{
	struct fixture *f = *state;
	static const char *const items[] = {
		"w-1|Ceasefire talks open in Riyadh|Negotiators meet for a first round.",
	};
	struct ingest_stats stats;

	assert_int_equal(ingest_items(f, items, 1, &stats), 0);
	f->ig.now_usec += HOUR;
	assert_int_equal(ingest_items(f, items, 1, &stats), 0);
	assert_int_equal(stats.n_items, 1);
	assert_int_equal(stats.n_new, 0);
	assert_int_equal(stats.n_changed, 0);
	assert_int_equal(stats.n_events, 0);
}

static void test_whitespace_and_case_are_not_a_change(void **state)
{
	struct fixture *f = *state;
	static const char *const before[] = {
		"w-1|Ceasefire talks open in Riyadh|Negotiators meet for a first round.",
	};
	static const char *const after[] = {
		"w-1|CEASEFIRE talks   open in Riyadh|Negotiators meet for a first round. ",
	};
	struct ingest_stats stats;

	assert_int_equal(ingest_items(f, before, 1, &stats), 0);
	assert_int_equal(ingest_items(f, after, 1, &stats), 0);
	assert_int_equal(stats.n_changed, 0);
	assert_int_equal(stats.n_events, 0);
}

static void test_changed_title_is_an_update(void **state)
{
	struct fixture *f = *state;
	static const char *const before[] = {
		"w-1|Ceasefire talks open in Riyadh|Negotiators meet for a first round.",
	};
	static const char *const after[] = {
		"w-1|Ceasefire talks end without deal|Negotiators meet for a first round.",
	};
	struct ingest_stats stats;
	_cleanup_free_ char *log = NULL;
	const char *second;

	assert_int_equal(ingest_items(f, before, 1, &stats), 0);
	f->ig.now_usec += HOUR;
	assert_int_equal(ingest_items(f, after, 1, &stats), 0);
	assert_int_equal(stats.n_new, 0);
	assert_int_equal(stats.n_changed, 1);
	assert_int_equal(stats.n_events, 1);

	log = deliver(f);
	second = strchr(log, '\n') + 1;
	assert_string_equal(second,
		"{\"seq\":2,\"time\":\"2025-03-18T15:00:00Z\",\"event\":\"update\","
		"\"feed\":\"" URL "\",\"id\":\"w-1\",\"title\":\"Ceasefire talks end without deal\","
		"\"link\":\"https://wire.example/0\",\"published\":\"2025-03-18T13:00:00Z\","
		"\"storyline\":\"truce\",\"rules\":[\"truce-talks\"],\"score\":10,"
		"\"action\":\"notify\",\"duplicate_of\":null,\"feed_title\":\"Wire World\"}\n");
}

static void test_update_without_relevant_change_is_logged(void **state)
{
	struct fixture *f = *state;
	static const char *const before[] = {
		"w-1|Ceasefire talks open in Riyadh|Negotiators meet for a first round.",
	};
	static const char *const after[] = {
		"w-1|Ceasefire talks open in Riyadh|Negotiators meet for a first round. Photos of the hotel.",
	};
	struct ingest_stats stats;
	_cleanup_free_ char *log = NULL;

	assert_int_equal(ingest_items(f, before, 1, &stats), 0);
	f->ig.now_usec += HOUR;
	assert_int_equal(ingest_items(f, after, 1, &stats), 0);
	assert_int_equal(stats.n_events, 1);
	log = deliver(f);
	/* the item is still relevant, but what changed (the summary) is not */
	assert_non_null(strstr(strchr(log, '\n') + 1, "\"event\":\"update\""));
	assert_non_null(strstr(strchr(log, '\n') + 1, "\"action\":\"log\",\"duplicate_of\":null,"));
}

/* Ingests one item as the only item of another feed. */
static void ingest_other_feed(struct fixture *f, const char *url, const char *item)
{
	_cleanup_free_ char *doc = rss(&item, 1);
	struct feed_state st = { .url = xstrdup(url), .http_status = 200, .last_poll_usec = f->ig.now_usec };
	struct ingest_stats stats;

	assert_int_equal(ingest_body(&f->ig, &st, doc, strlen(doc), &stats), 0);
	feed_state_done(&st);
}

static void test_other_outlet_same_development_is_a_duplicate(void **state)
{
	struct fixture *f = *state;
	static const char *const items[] = {
		"w-1|Ceasefire talks open in Riyadh|Negotiators meet for a first round.",
	};
	_cleanup_free_ char *log = NULL;
	const char *second;

	assert_int_equal(ingest_items(f, items, 1, NULL), 0);
	f->ig.now_usec += HOUR;
	ingest_other_feed(f, "https://other.example/feed",
			  "o-7|Riyadh: ceasefire talks open|First round for the negotiators.");
	log = deliver(f);
	second = strchr(log, '\n') + 1;
	assert_non_null(strstr(second, "\"id\":\"o-7\""));
	assert_non_null(strstr(second, "\"action\":\"log\",\"duplicate_of\":\"w-1\","));
}

static void test_other_development_same_day_is_not_a_duplicate(void **state)
{
	struct fixture *f = *state;
	static const char *const items[] = {
		"w-1|Ceasefire talks open in Riyadh|Negotiators meet for a first round.",
	};
	_cleanup_free_ char *log = NULL;
	const char *second;

	assert_int_equal(ingest_items(f, items, 1, NULL), 0);
	f->ig.now_usec += 2 * HOUR;
	ingest_other_feed(f, "https://other.example/feed",
			  "o-8|Kashmir ceasefire talks collapse in Geneva|Delegations from Delhi and Islamabad walked out.");
	log = deliver(f);
	second = strchr(log, '\n') + 1;
	assert_non_null(strstr(second, "\"id\":\"o-8\""));
	assert_non_null(strstr(second, "\"action\":\"notify\",\"duplicate_of\":null,"));
}

static void test_irrelevant_item_is_silent(void **state)
{
	struct fixture *f = *state;
	static const char *const items[] = {
		"w-2|Local elections in a northern town|Turnout was low.",
	};
	struct ingest_stats stats;
	_cleanup_free_ char *log = NULL;

	assert_int_equal(ingest_items(f, items, 1, &stats), 0);
	assert_int_equal(stats.n_new, 1);
	assert_int_equal(stats.n_events, 0);
	log = deliver(f);
	assert_string_equal(log, "");
}

static void test_item_becoming_relevant_is_a_match(void **state)
{
	struct fixture *f = *state;
	static const char *const before[] = { "w-3|Markets close higher|Oil steady." };
	static const char *const after[] = { "w-3|Markets close higher|New sanctions weigh on oil." };
	struct ingest_stats stats;
	_cleanup_free_ char *log = NULL;

	assert_int_equal(ingest_items(f, before, 1, &stats), 0);
	assert_int_equal(stats.n_events, 0);
	assert_int_equal(ingest_items(f, after, 1, &stats), 0);
	assert_int_equal(stats.n_changed, 1);
	assert_int_equal(stats.n_events, 1);
	log = deliver(f);
	assert_non_null(strstr(log, "\"event\":\"match\""));
	assert_non_null(strstr(log, "\"rules\":[\"sanctions-context\"],\"score\":5,\"action\":\"log\""));
}

static void test_items_without_guid_use_link(void **state)
{
	struct fixture *f = *state;
	static const char *const items[] = {
		"|Ceasefire talks resume|Negotiators return.",
	};
	struct ingest_stats stats;
	_cleanup_free_ char *log = NULL;

	assert_int_equal(ingest_items(f, items, 1, &stats), 0);
	assert_int_equal(stats.n_events, 1);
	assert_int_equal(store_item_get(f->store, URL, "link:https://wire.example/0", NULL), 0);
	/* The event's id falls back to the link. */
	log = deliver(f);
	assert_non_null(strstr(log, "\"id\":\"https://wire.example/0\""));
}

static void test_shared_guid_is_not_an_identity(void **state)
{
	struct fixture *f = *state;
	/* A feed that gives every item its home page as guid. */
	static const char *const items[] = {
		"https://wire.example/|Ceasefire talks open|Negotiators meet.",
		"https://wire.example/|Ceasefire talks stall|Negotiators leave.",
		"solo|Weather|Rain.",
	};
	struct ingest_stats stats;

	assert_int_equal(ingest_items(f, items, 3, &stats), 0);
	assert_int_equal(stats.n_new, 3);
	assert_int_equal(stats.n_events, 2);
	assert_int_equal(store_item_get(f->store, URL, "link:https://wire.example/0", NULL), 0);
	assert_int_equal(store_item_get(f->store, URL, "link:https://wire.example/1", NULL), 0);
	assert_int_equal(store_item_get(f->store, URL, "id:solo", NULL), 0);
	assert_int_equal(store_item_get(f->store, URL, "id:https://wire.example/", NULL), -ENOENT);

	/* And the next poll of the same document is quiet, not two updates. */
	assert_int_equal(ingest_items(f, items, 3, &stats), 0);
	assert_int_equal(stats.n_changed, 0);
	assert_int_equal(stats.n_events, 0);
}

static void test_identical_items_count_once(void **state)
{
	struct fixture *f = *state;
	static const char doc[] =
		"<rss version=\"2.0\"><channel><title>Twice</title>"
		"<item><title>Ceasefire talks open</title><link>https://wire.example/a</link></item>"
		"<item><title>Ceasefire talks open</title><link>https://wire.example/a</link></item>"
		"</channel></rss>";
	struct ingest_stats stats;

	assert_int_equal(ingest_body(&f->ig, &f->st, doc, sizeof(doc) - 1, &stats), 0);
	assert_int_equal(stats.n_items, 2);
	assert_int_equal(stats.n_new, 1);
	assert_int_equal(stats.n_events, 1);
}

static void test_feed_error_once_then_ok_once(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *log = NULL;

	f->st.next_poll_usec = T0 + 15 * 60 * USEC_PER_SEC;
	assert_int_equal(ingest_status(&f->ig, &f->st, "HTTP 503"), 0);
	assert_int_equal(f->st.error_streak, 1);
	assert_string_equal(f->st.last_error, "HTTP 503");
	f->ig.now_usec += HOUR;
	assert_int_equal(ingest_status(&f->ig, &f->st, "connection refused"), 0);
	assert_int_equal(ingest_status(&f->ig, &f->st, "connection refused"), 0);
	assert_int_equal(f->st.error_streak, 3);
	assert_string_equal(f->st.last_error, "connection refused");

	f->ig.now_usec += HOUR;
	assert_int_equal(ingest_status(&f->ig, &f->st, NULL), 0);   /* a 304 */
	assert_int_equal(f->st.error_streak, 0);
	assert_null(f->st.last_error);
	assert_int_equal(ingest_status(&f->ig, &f->st, NULL), 0);

	log = deliver(f);
	assert_string_equal(log,
		"{\"seq\":1,\"time\":\"2025-03-18T14:00:00Z\",\"event\":\"feed_error\","
		"\"feed\":\"" URL "\",\"error\":\"HTTP 503\",\"next_attempt\":\"2025-03-18T14:15:00Z\",\"feed_title\":null}\n"
		"{\"seq\":2,\"time\":\"2025-03-18T16:00:00Z\",\"event\":\"feed_ok\","
		"\"feed\":\"" URL "\",\"error\":null,\"next_attempt\":null,\"feed_title\":null}\n");
}

static void test_health_is_saved(void **state)
{
	struct fixture *f = *state;
	struct feed_state loaded = { 0 };

	assert_int_equal(ingest_status(&f->ig, &f->st, "timeout"), 0);
	assert_int_equal(store_feed_load(f->store, URL, &loaded), 0);
	assert_int_equal(loaded.error_streak, 1);
	assert_string_equal(loaded.last_error, "timeout");
	assert_int_equal(loaded.next_poll_usec, T0 + HOUR);
	feed_state_done(&loaded);
}

static void test_body_recovers_failing_feed(void **state)
{
	struct fixture *f = *state;
	static const char *const items[] = { "w-2|Local elections|Turnout was low." };
	struct ingest_stats stats;
	_cleanup_free_ char *log = NULL;

	assert_int_equal(ingest_status(&f->ig, &f->st, "HTTP 500"), 0);
	assert_int_equal(ingest_items(f, items, 1, &stats), 0);
	assert_int_equal(stats.n_events, 1);
	assert_int_equal(f->st.error_streak, 0);
	log = deliver(f);
	assert_non_null(strstr(log, "\"seq\":2,\"time\":\"2025-03-18T14:00:00Z\",\"event\":\"feed_ok\""));
}

static void test_not_a_feed_is_a_feed_error(void **state)
{
	struct fixture *f = *state;
	static const char body[] = "Service temporarily unavailable, back soon.\n";
	struct ingest_stats stats = { .n_items = 99 };
	_cleanup_free_ char *log = NULL;

	assert_int_equal(ingest_body(&f->ig, &f->st, body, sizeof(body) - 1, &stats), -EBADMSG);
	assert_int_equal(stats.n_items, 99);  /* untouched on failure */
	assert_int_equal(f->st.error_streak, 1);
	assert_non_null(f->st.last_error);
	assert_memory_equal(f->st.last_error, "not a feed", 10);
	assert_int_equal(ingest_body(&f->ig, &f->st, body, sizeof(body) - 1, &stats), -EBADMSG);
	assert_int_equal(f->st.error_streak, 2);

	log = deliver(f);
	assert_non_null(strstr(log, "\"event\":\"feed_error\""));
	assert_non_null(strstr(log, "\"error\":\"not a feed: not an XML document\""));
	/* One event for two failed polls. */
	assert_int_equal(strchr(log, '\n') - log + 1, (ptrdiff_t)strlen(log));
}

static void test_oversized_body_is_a_feed_error(void **state)
{
	struct fixture *f = *state;
	static const char *const items[] = { "w-1|Ceasefire talks open|Negotiators meet." };
	_cleanup_free_ char *doc = rss(items, 1);

	f->ig.max_body_bytes = 100;
	assert_int_equal(ingest_body(&f->ig, &f->st, doc, strlen(doc), NULL), -EFBIG);
	assert_string_equal(f->st.last_error, "feed larger than 100 bytes");
	assert_int_equal(store_item_get(f->store, URL, "id:w-1", NULL), -ENOENT);
}

static void test_gone_items_are_pruned(void **state)
{
	struct fixture *f = *state;
	static const char *const both[] = { "a|Local elections|x", "b|Weather|y" };
	static const char *const only_b[] = { "b|Weather|y" };
	struct ingest_stats stats;

	assert_int_equal(ingest_items(f, both, 2, &stats), 0);
	f->ig.now_usec = T0 + 10 * DAY;
	assert_int_equal(ingest_items(f, only_b, 1, &stats), 0);
	/* Gone for 10 days: still remembered. */
	assert_int_equal(store_item_get(f->store, URL, "id:a", NULL), 0);

	/* 304s for a month touch nothing and prune nothing. */
	f->ig.now_usec = T0 + 45 * DAY;
	assert_int_equal(ingest_status(&f->ig, &f->st, NULL), 0);
	assert_int_equal(store_item_get(f->store, URL, "id:a", NULL), 0);

	assert_int_equal(ingest_items(f, only_b, 1, &stats), 0);
	assert_int_equal(store_item_get(f->store, URL, "id:a", NULL), -ENOENT);
	assert_int_equal(store_item_get(f->store, URL, "id:b", NULL), 0);
}

struct dry {
	size_t n;
	enum action actions[4];
	char *keys[4];
};

static int dry_cb(const struct feed *feed, const struct feed_item *it, const char *key,
		  const struct match_result *m, void *userdata)
{
	struct dry *d = userdata;

	assert_true(d->n < 4);
	assert_string_equal(feed->title, "Wire World");
	d->actions[d->n] = m->action;
	d->keys[d->n] = xstrdup(key);
	d->n++;
	return 0;
}

static void test_dry_run_matches_without_store(void **state)
{
	struct fixture *f = *state;
	static const char *const items[] = {
		"w-1|Ceasefire talks open|Negotiators meet.",
		"w-2|Local elections|Turnout was low.",
		"|New sanctions|Oil.",
	};
	_cleanup_free_ char *doc = rss(items, 3);
	struct dry d = { 0 };

	assert_int_equal(ingest_dry_run(f->rules, URL, doc, strlen(doc), 0, dry_cb, &d, NULL), 0);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.actions[0], ACTION_NOTIFY);
	assert_int_equal(d.actions[1], ACTION_IGNORE);
	assert_int_equal(d.actions[2], ACTION_LOG);
	assert_string_equal(d.keys[0], "id:w-1");
	assert_string_equal(d.keys[2], "link:https://wire.example/2");
	for (size_t i = 0; i < d.n; i++)
		free(d.keys[i]);
	/* Nothing was stored. */
	assert_int_equal(store_item_get(f->store, URL, "id:w-1", NULL), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_relevant_item_matches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_body_again_is_silent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whitespace_and_case_are_not_a_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_title_is_an_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_without_relevant_change_is_logged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_outlet_same_development_is_a_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_development_same_day_is_not_a_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irrelevant_item_is_silent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_item_becoming_relevant_is_a_match, setup, teardown),
		cmocka_unit_test_setup_teardown(test_items_without_guid_use_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_guid_is_not_an_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identical_items_count_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_feed_error_once_then_ok_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_is_saved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_recovers_failing_feed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_feed_is_a_feed_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_body_is_a_feed_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gone_items_are_pruned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run_matches_without_store, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
