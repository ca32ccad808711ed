/* test-decide.c - which report of a development notifies, judged at the end
 * of a batch of polls: by what is specific to a report, not by what a busy
 * day shares, and the same whatever order the feeds answer in.  A real state
 * file in a scratch directory; feeds and headlines written here. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "buf.h"
#include "events.h"
#include "ingest.h"
#include "rules.h"
#include "store.h"
#include "testdir.h"

/* 2025-06-02T08:00:00Z, the morning of a summit of our own invention */
#define T0 (UINT64_C(1748851200) * USEC_PER_SEC)
#define HOUR (UINT64_C(3600) * USEC_PER_SEC)

static const char rules_text[] =
	"storyline harbour {\n"
	"\tnotify at 4\n"
	"\tlog at 1\n"
	"\tfact actor 1 = Varga\n"
	"\tfact actor 1 = Lind\n"
	"\tfact place 1 = Valletta\n"
	"}\n"
	"rule summit-news {\n"
	"\tstoryline harbour\n"
	"\tweight 4\n"
	"\taction notify\n"
	"\tmatch headline:(Varga OR Lind OR Valletta OR summit OR leaders)\n"
	"}\n"
	"rule background {\n"
	"\tstoryline harbour\n"
	"\tweight 1\n"
	"\taction log\n"
	"\tmatch Varga OR Lind OR Valletta\n"
	"}\n"
	"rule questions {\n"
	"\tstoryline harbour\n"
	"\tweight 0\n"
	"\tlimit log\n"
	"\tmatch signal:question\n"
	"}\n";

/* One report: outlet (feed), id, hours after T0, title, summary. */
struct report_text {
	unsigned outlet;
	const char *id;
	unsigned hour;
	const char *title;
	const char *summary;
	const char *development;    /* what the test expects it to be a report of */
};

/* A summit day: six developments, each reported by both outlets, all
 * naming the two leaders and the place. */
static const struct report_text summit_day[] = {
	{ 0, "a-end", 1, "Varga and Lind end Valletta summit without a ceasefire agreement",
	  "The two leaders left after three hours of talks with no signed text.", "end" },
	{ 1, "b-end", 2, "Valletta summit closes with no ceasefire deal, Lind says",
	  "Three hours of talks ended without a signed text, the leaders said.", "end" },
	{ 0, "a-oil", 3, "Varga postpones new oil sanctions after Valletta talks",
	  "Penalties on refinery exports are held off for now.", "oil" },
	{ 1, "b-oil", 4, "No new oil sanctions for now, Varga tells reporters in Valletta",
	  "The penalties on refinery exports are held off.", "oil" },
	{ 0, "a-vienna", 5, "Second Varga-Lind meeting set for Vienna in June",
	  "Officials agreed a date for a follow-up round in the Austrian capital.", "vienna" },
	{ 1, "b-vienna", 5, "Leaders agree to meet again in Vienna in June",
	  "A follow-up round will take place in the Austrian capital, Varga and Lind said.", "vienna" },
	{ 0, "a-swap", 6, "Lind proposes exchange of 500 prisoners at Valletta summit",
	  "The offer covers 500 detainees held by each side.", "swap" },
	{ 1, "b-swap", 7, "Lind offers swap of 500 prisoners, Varga to reply within a week",
	  "Detainees held by each side would be released within a month.", "swap" },
	{ 0, "a-grain", 8, "Grain corridor through the straits to reopen, Valletta leaders say",
	  "Ships will be inspected at two ports under the arrangement.", "grain" },
	{ 1, "b-grain", 9, "Straits grain shipping to resume under Valletta arrangement",
	  "Inspections at two ports will cover every grain ship.", "grain" },
	{ 0, "a-vote", 10, "Varga demands elections before any ceasefire takes effect",
	  "He told the summit in Valletta that a vote must come first.", "vote" },
	{ 1, "b-vote", 11, "Elections first, Varga insists at Valletta summit",
	  "A vote must come before any ceasefire, Varga told Lind.", "vote" },
};

static const char *const feed_urls[] = {
	"https://harbour-wire.example/world.rss",
	"https://straits-daily.example/news.rss",
};

struct fixture {
	char *dir;
	struct ruleset *rules;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->dir = testdir_new();
	assert_int_equal(rules_compile_text("harbour.rules", rules_text, strlen(rules_text), NULL,
					    &f->rules, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ruleset_free(f->rules);
	testdir_remove(f->dir);
	free(f);
	return 0;
}

/* RSS 2.0 of the reports of one outlet, in the order of idx[]. */
static char *rss(const struct report_text *r, const size_t *idx, size_t n, unsigned outlet)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Outlet %u</title>\n",
		   outlet);
	for (size_t k = 0; k < n; k++) {
		const struct report_text *x = &r[idx[k]];
		time_t t = (time_t)(T0 / USEC_PER_SEC + x->hour * 3600);
		char date[64];
		struct tm tm;

		if (x->outlet != outlet)
			continue;
		(void) gmtime_r(&t, &tm);
		(void) strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		buf_printf(&b, "<item><guid isPermaLink=\"false\">%s</guid><title>%s</title>"
			   "<description>%s</description><pubDate>%s</pubDate></item>\n",
			   x->id, x->title, x->summary, date);
	}
	buf_puts(&b, "</channel></rss>\n");
	return buf_steal(&b);
}

static int collect(const struct event *e, const char *line, void *userdata)
{
	struct buf *b = userdata;

	(void) line;
	if (e->type != EVENT_MATCH)
		return 0;
	buf_printf(b, "%s %s %s\n", e->id, action_to_string(e->action),
		   e->duplicate_of ? e->duplicate_of : "-");
	return 0;
}

/* "type id action" lines, in event order. */
static int collect_typed(const struct event *e, const char *line, void *userdata)
{
	struct buf *b = userdata;

	(void) line;
	if (e->type == EVENT_MATCH || e->type == EVENT_UPDATE)
		buf_printf(b, "%s %s %s\n", event_type_to_string(e->type), e->id, action_to_string(e->action));
	return 0;
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Ingests the reports in one batch, the outlets' feeds in the given order
 * and each feed's items in the order of idx[], in a new state file; returns
 * "id action duplicate_of" lines, sorted. */
static char *run_batch(struct fixture *f, const struct report_text *r, size_t n, const size_t *idx,
		       const unsigned *outlet_order, unsigned run)
{
	_cleanup_free_ char *db = xasprintf("%s/state-%u.db", f->dir, run);
	_cleanup_(ingest_pending_freep) struct ingest_pending *q = NULL;
	struct store *s = NULL;
	struct buf out;
	char **lines = NULL;
	size_t n_lines = 0;

	assert_int_equal(store_open(db, &s, NULL), 0);
	assert_int_equal(ingest_pending_new(&q), 0);
	struct ingest ig = {
		.store = s, .rules = f->rules, .now_usec = T0 + 12 * HOUR,
		.max_body_bytes = 1 << 20, .pending = q,
	};
	assert_int_equal(store_batch_begin(s), 0);
	for (unsigned k = 0; k < ELEMENTSOF(feed_urls); k++) {
		unsigned o = outlet_order[k];
		_cleanup_free_ char *doc = rss(r, idx, n, o);
		struct feed_state st = { .url = xstrdup(feed_urls[o]), .http_status = 200,
					 .last_poll_usec = ig.now_usec };

		assert_int_equal(ingest_body(&ig, &st, doc, strlen(doc), NULL), 0);
		feed_state_done(&st);
	}
	assert_int_equal(ingest_decide(&ig, NULL), 0);
	assert_int_equal(store_batch_commit(s), 0);

	buf_init(&out, 0);
	assert_int_equal(store_events_foreach(s, 0, UINT64_MAX, true, 0, collect, &out), 0);
	store_close(s);

	/* sorted, so that runs compare whatever order events were queued in */
	for (const char *p = buf_str(&out), *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		lines = xreallocarray(lines, n_lines + 1, sizeof(*lines));
		lines[n_lines++] = xstrndup(p, (size_t)(nl - p + 1));
	}
	qsort(lines, n_lines, sizeof(*lines), line_cmp);
	buf_reset(&out);
	for (size_t i = 0; i < n_lines; i++) {
		buf_puts(&out, lines[i]);
		free(lines[i]);
	}
	free(lines);
	return buf_steal(&out);
}

static const struct report_text *by_id(const char *id)
{
	for (size_t i = 0; i < ELEMENTSOF(summit_day); i++)
		if (strcmp(summit_day[i].id, id) == 0)
			return &summit_day[i];
	return NULL;
}

static __attribute__((unused)) void test_dense_day_six_developments(void **state)
{
	struct fixture *f = *state;
	size_t idx[ELEMENTSOF(summit_day)];
	static const unsigned order[] = { 0, 1 };
	_cleanup_free_ char *events = NULL;
	unsigned n_notify = 0, n_dup = 0;

	for (size_t i = 0; i < ELEMENTSOF(idx); i++)
		idx[i] = i;
	events = run_batch(f, summit_day, ELEMENTSOF(summit_day), idx, order, 0);

	for (char *line = events, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		char id[32], action[16], dup[32];

		*nl = '\0';
		assert_int_equal(sscanf(line, "%31s %15s %31s", id, action, dup), 3);
		if (strcmp(action, "notify") == 0) {
			n_notify++;
			assert_string_equal(dup, "-");
			/* the earlier report, outlet a, is the first */
			assert_int_equal(id[0], 'a');
		} else {
			n_dup++;
			assert_string_equal(action, "log");
			assert_non_null(by_id(dup));
			/* a duplicate of the same development, never of another */
			assert_string_equal(by_id(dup)->development, by_id(id)->development);
		}
	}
	assert_int_equal(n_notify, 6);
	assert_int_equal(n_dup, 6);
}

static __attribute__((unused)) void test_same_events_in_any_order(void **state)
{
	struct fixture *f = *state;
	size_t n = ELEMENTSOF(summit_day), idx[ELEMENTSOF(summit_day)];
	unsigned seed = 20250602;
	_cleanup_free_ char *first = NULL;

	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	for (unsigned run = 0; run < 20; run++) {
		_cleanup_free_ char *events = NULL;
		unsigned order[2] = { run % 2, 1 - run % 2 };

		/* Fisher-Yates with a fixed seed: the same 20 orders every time */
		for (size_t i = n - 1; i > 0; i--) {
			size_t j = (size_t)rand_r(&seed) % (i + 1), t = idx[i];

			idx[i] = idx[j];
			idx[j] = t;
		}
		events = run_batch(f, summit_day, n, idx, order, run);
		if (!first)
			first = steal_ptr(events);
		else
			assert_string_equal(events, first);
	}
}

static __attribute__((unused)) void test_question_headline_is_context(void **state)
{
	struct fixture *f = *state;
	static const struct report_text r[] = {
		{ 0, "a-q", 1, "Can Varga and Lind still agree on the straits?",
		  "What a deal at Valletta would need.", "q" },
		{ 1, "b-sub", 2, "Fishermen stay ashore amid Valletta summit",
		  "Boats waited for news from the summit.", "sub" },
	};
	size_t idx[] = { 0, 1 };
	static const unsigned order[] = { 0, 1 };
	_cleanup_free_ char *events = run_batch(f, r, 2, idx, order, 0);

	/* a question is logged; the leaders only in the "amid" clause: logged */
	assert_string_equal(events, "a-q log -\nb-sub log -\n");
}

/* Polls one document into the state file db at now (no batch: judged at
 * once) and returns its match and update events as "type id action" lines. */
static __attribute__((unused)) char *poll_once(struct fixture *f, const char *db, const char *doc, uint64_t now)
{
	struct store *s = NULL;
	struct buf out;
	struct ingest ig = {
		.rules = f->rules, .now_usec = now, .max_body_bytes = 1 << 20,
		.notify_max_age_usec = 48 * HOUR,
	};
	struct feed_state st = { .url = xstrdup(feed_urls[0]), .http_status = 200, .last_poll_usec = now };

	assert_int_equal(store_open(db, &s, NULL), 0);
	ig.store = s;
	assert_int_equal(ingest_body(&ig, &st, doc, strlen(doc), NULL), 0);
	feed_state_done(&st);
	buf_init(&out, 0);
	assert_int_equal(store_events_foreach(s, 0, UINT64_MAX, true, 0, collect_typed, &out), 0);
	assert_true(store_events_mark_delivered(s, INT64_MAX) >= 0);
	store_close(s);
	return buf_steal(&out);
}

static const char doc_head[] = "<rss version=\"2.0\"><channel><title>Harbour Wire</title>";

static __attribute__((unused)) void test_cosmetic_retitle_is_logged(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *db = xasprintf("%s/retitle.db", f->dir);
	_cleanup_free_ char *e1 = NULL, *e2 = NULL, *e3 = NULL, *d1 = NULL, *d2 = NULL, *d3 = NULL;

	d1 = xasprintf("%s" "<item><guid>live-1</guid><title>%s</title>"
		       "<pubDate>Mon, 02 Jun 2025 07:00:00 GMT</pubDate></item></channel></rss>",
		       doc_head, "Varga and Lind meet in Valletta");
	d2 = xasprintf("%s" "<item><guid>live-1</guid><title>%s</title>"
		       "<pubDate>Mon, 02 Jun 2025 07:00:00 GMT</pubDate></item></channel></rss>",
		       doc_head, "Varga and Lind meet in Valletta - live updates 14:05 | Harbour Wire");
	d3 = xasprintf("%s" "<item><guid>live-1</guid><title>%s</title>"
		       "<pubDate>Mon, 02 Jun 2025 07:00:00 GMT</pubDate></item></channel></rss>",
		       doc_head, "Varga and Lind meet in Valletta, sign harbour corridor accord");
	e1 = poll_once(f, db, d1, T0);
	assert_string_equal(e1, "match live-1 notify\n");
	/* labels, a time and the outlet's name: no news */
	e2 = poll_once(f, db, d2, T0 + HOUR);
	assert_string_equal(e2, "update live-1 log\n");
	/* new words in the headline: judged as news again */
	e3 = poll_once(f, db, d3, T0 + 2 * HOUR);
	assert_string_equal(e3, "update live-1 notify\n");
}

static __attribute__((unused)) void test_first_poll_notifies_nothing_old(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *db = xasprintf("%s/first.db", f->dir);
	_cleanup_free_ char *doc = NULL, *events = NULL, *doc2 = NULL, *events2 = NULL;

	/* T0 is 2 June 08:00; one item from May, one from this morning */
	doc = xasprintf("%s"
			"<item><guid>old</guid><title>Varga and Lind agree to talk in Valletta</title>"
			"<pubDate>Tue, 20 May 2025 09:00:00 GMT</pubDate></item>"
			"<item><guid>new</guid><title>Varga lands in Valletta for the summit</title>"
			"<pubDate>Mon, 02 Jun 2025 07:00:00 GMT</pubDate></item></channel></rss>", doc_head);
	events = poll_once(f, db, doc, T0);
	assert_string_equal(events, "match old log\nmatch new notify\n");

	/* On later polls an item is judged on its own, whatever its date. */
	doc2 = xasprintf("%s"
			 "<item><guid>late</guid><title>Lind reaches Valletta a day late</title>"
			 "<pubDate>Tue, 27 May 2025 09:00:00 GMT</pubDate></item></channel></rss>", doc_head);
	events2 = poll_once(f, db, doc2, T0 + HOUR);
	assert_string_equal(events2, "match late notify\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#ifdef DENSE_DAY
		/* Makefile.am: an expected failure for now. */
		cmocka_unit_test_setup_teardown(test_dense_day_six_developments, setup, teardown),
#else
		cmocka_unit_test_setup_teardown(test_same_events_in_any_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_question_headline_is_context, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cosmetic_retitle_is_logged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_poll_notifies_nothing_old, setup, teardown),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
