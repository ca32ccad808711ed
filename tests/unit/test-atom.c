/* test-atom.c - escaping, the event log read back and folded, and the Atom
 * document built from it. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "atom.h"
#include "buf.h"
#include "evlog.h"
#include "markup.h"
#include "util.h"

static void test_escape(void **state)
{
	_cleanup_buf_ struct buf b;

	buf_init(&b, 0);
	assert_int_equal(markup_escape(&b, "a<b>&\"c'd\"><img src=x>"), 0);
	assert_string_equal(buf_str(&b), "a&lt;b&gt;&amp;&quot;c&#39;d&quot;&gt;&lt;img src=x&gt;");
	buf_reset(&b);
	assert_int_equal(markup_escape(&b, ""), 0);
	assert_string_equal(buf_str(&b), "");
}

static void test_escape_ceiling(void **state)
{
	_cleanup_buf_ struct buf b;

	buf_init(&b, 8);
	assert_int_equal(markup_escape(&b, "<<<"), -E2BIG);
}

static void test_pct_encode(void **state)
{
	_cleanup_buf_ struct buf b;

	buf_init(&b, 0);
	assert_int_equal(markup_pct_encode(&b, "urn:a/1 b~c_d.e-f\xc3\xa9"), 0);
	assert_string_equal(buf_str(&b), "urn%3Aa%2F1%20b~c_d.e-f%C3%A9");
}

static void test_storyline_name(void **state)
{
	assert_true(atom_is_storyline_name("ukraine-ceasefire"));
	assert_false(atom_is_storyline_name(""));
	assert_false(atom_is_storyline_name(NULL));
	assert_false(atom_is_storyline_name("../etc/passwd"));
	assert_false(atom_is_storyline_name(".hidden"));
	assert_false(atom_is_storyline_name("a/b"));
	assert_false(atom_is_storyline_name("a\nb"));
}

/* Hostile text loses what must not be shown, and what XML may not hold. */
static void test_scrub(void **state)
{
	_cleanup_free_ char *s = evlog_scrub("a\x1b[31mb\tc\xe2\x80\xae" "d\xef\xbf\xbe", 14);

	assert_string_equal(s, "a\xef\xbf\xbd[31mb c\xef\xbf\xbd" "d\xef\xbf\xbd");
}

/* An outlet as every output names it: the feed's title, else the host of a
 * web link, else the feed's; a long title is cut between characters. */
static void test_outlet(void **state)
{
	struct evlog_entry e = { .feed = (char *)"https://feeds.example.org/rss",
				 .link = (char *)"https://www.news.example/a/1" };
	char tmp[256], small[7];

	assert_string_equal(evlog_outlet(&e, tmp, sizeof(tmp)), "news.example");
	e.link = (char *)"javascript:alert(1)";
	assert_string_equal(evlog_outlet(&e, tmp, sizeof(tmp)), "feeds.example.org");
	e.feed_title = (char *)"Die Zeit";
	assert_string_equal(evlog_outlet(&e, tmp, sizeof(tmp)), "Die Zeit");
	/* Six bytes of "Züüüü" would end in half a ü. */
	e.feed_title = (char *)"Z\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc";
	assert_string_equal(evlog_outlet(&e, small, sizeof(small)), "Z\xc3\xbc\xc3\xbc");
	e = (struct evlog_entry){ 0 };
	assert_string_equal(evlog_outlet(&e, tmp, sizeof(tmp)), "?");
}

static const char *const lines[] = {
	"{\"seq\":1,\"time\":\"2025-04-02T08:00:00Z\",\"event\":\"match\",\"feed\":\"https://n.example/rss\","
	"\"id\":\"n-1\",\"title\":\"Talks <open>\",\"link\":\"https://n.example/1\","
	"\"published\":\"2025-04-02T07:55:00Z\",\"storyline\":\"port\",\"rules\":[\"talks\",\"a&b\"],"
	"\"score\":7.5,\"action\":\"notify\",\"duplicate_of\":null,\"lang\":\"en-GB\"}",
	"{\"seq\":2,\"time\":\"2025-04-02T08:20:00Z\",\"event\":\"match\",\"feed\":\"https://s.example/rss\","
	"\"id\":\"s-1\",\"title\":\"Talks begin\",\"link\":\"javascript:alert(1)\",\"published\":null,"
	"\"storyline\":\"port\",\"rules\":[\"talks\"],\"score\":6,\"action\":\"log\",\"duplicate_of\":\"n-1\"}",
	"{\"seq\":3,\"time\":\"2025-04-02T09:00:00Z\",\"event\":\"feed_error\",\"feed\":\"https://w.example/rss\","
	"\"error\":\"HTTP 502\"}",
	"{\"seq\":4,\"time\":\"2025-04-02T11:30:00Z\",\"event\":\"update\",\"feed\":\"https://n.example/rss\","
	"\"id\":\"n-1\",\"title\":\"Talks open, no strikes\",\"link\":\"https://n.example/1\",\"published\":null,"
	"\"storyline\":\"port\",\"rules\":[\"talks\"],\"score\":7.5,\"action\":\"notify\",\"duplicate_of\":null}",
	"{\"seq\":5,\"time\":\"2025-04-02T12:00:00Z\",\"event\":\"match\",\"feed\":\"https://s.example/rss\","
	"\"id\":\"s-2\",\"title\":\"Ferry late\",\"link\":\"https://s.example/2\",\"published\":null,"
	"\"storyline\":\"port\",\"rules\":[],\"score\":2,\"action\":\"log\",\"duplicate_of\":null}",
	"{\"seq\":6,\"time\":\"2025-04-03T09:00:00Z\",\"event\":\"match\",\"feed\":\"https://s.example/rss\","
	"\"id\":\"s-3\",\"title\":\"Offer tabled\",\"link\":\"https://s.example/3\",\"published\":null,"
	"\"storyline\":\"port\",\"rules\":[\"offer\"],\"score\":8,\"action\":\"notify\",\"duplicate_of\":null}",
};

static size_t load(struct evlog_entry **ev)
{
	for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
		ev[i] = evlog_entry_from_line(lines[i], strlen(lines[i]));
		assert_non_null(ev[i]);
	}
	evlog_group(ev, ELEMENTSOF(lines));
	return ELEMENTSOF(lines);
}

/* fuzz-atom found a seq past what an integer holds: undefined behaviour on
 * the conversion.  A seq that is no whole number in range is refused. */
static void test_seq_whole_number(void **state)
{
	static const char *const bad[] = {
		"{\"seq\":7.3e38,\"time\":\"2025-04-02T11:30:00Z\",\"event\":\"match\"}",
		"{\"seq\":-1,\"time\":\"2025-04-02T11:30:00Z\",\"event\":\"match\"}",
		"{\"seq\":1.5,\"time\":\"2025-04-02T11:30:00Z\",\"event\":\"match\"}",
	};
	const char *good = "{\"seq\":9007199254740992,\"time\":\"2025-04-02T11:30:00Z\",\"event\":\"match\"}";
	struct evlog_entry *e;

	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_null(evlog_entry_from_line(bad[i], strlen(bad[i])));
	e = evlog_entry_from_line(good, strlen(good));
	assert_non_null(e);
	assert_true(e->seq == INT64_C(9007199254740992));
	evlog_entry_free(e);
}

static void test_group(void **state)
{
	struct evlog_entry *ev[ELEMENTSOF(lines)];
	_cleanup_free_ struct evlog_entry **bad = NULL;
	size_t n = load(ev);

	assert_true(evlog_is_development(ev[0]));
	assert_int_equal(ev[0]->n_children, 2);
	assert_ptr_equal(ev[1]->parent, ev[0]);
	assert_ptr_equal(ev[3]->parent, ev[0]);
	assert_false(evlog_is_development(ev[1]));
	assert_true(evlog_is_context(ev[4]));
	assert_true(evlog_is_development(ev[5]));
	assert_int_equal(evlog_updated(ev[0]), ev[3]->time);
	assert_int_equal(evlog_feeds_in_error(ev, n, &bad), 1);
	assert_string_equal(bad[0]->feed, "https://w.example/rss");
	for (size_t i = 0; i < n; i++)
		evlog_entry_free(ev[i]);
}

static void test_atom_build(void **state)
{
	struct evlog_entry *ev[ELEMENTSOF(lines)];
	_cleanup_buf_ struct buf b;
	size_t n = load(ev);
	const char *s, *second;

	buf_init(&b, 0);
	atom_build(ev, n, "port", 100, 0, &b);
	s = buf_str(&b);
	assert_non_null(strstr(s, "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
			       "<id>tag:storywatch,2025:port</id>\n"));
	assert_non_null(strstr(s, "<updated>2025-04-03T09:00:00Z</updated>\n<author><name>storywatch"));
	/* Newest first; one entry per development. */
	s = strstr(s, "<entry>\n<id>tag:storywatch,2025:port/s-3</id>");
	assert_non_null(s);
	second = strstr(s, "<entry xml:lang=\"en-GB\">\n<id>tag:storywatch,2025:port/n-1</id>\n"
			"<title type=\"text\">Talks &lt;open&gt;</title>\n"
			"<link rel=\"alternate\" href=\"https://n.example/1\"/>\n"
			"<published>2025-04-02T07:55:00Z</published>\n"
			"<updated>2025-04-02T11:30:00Z</updated>\n"
			"<author><name>n.example</name></author>\n"
			"<category term=\"talks\"/>\n<category term=\"a&amp;b\"/>\n");
	assert_non_null(second);
	assert_null(strstr(second + 1, "<entry"));
	/* The other report is listed, but its javascript: link is no link. */
	assert_non_null(strstr(second, "&lt;li&gt;s.example: Talks begin&lt;/li&gt;"));
	assert_null(strstr(buf_str(&b), "javascript"));
	assert_non_null(strstr(second, "2025-04-02T11:30:00Z: Talks open, no strikes"));

	buf_reset(&b);
	atom_build(ev, n, "port", 1, 0, &b);
	assert_null(strstr(buf_str(&b), "port/n-1"));
	assert_non_null(strstr(buf_str(&b), "port/s-3"));

	buf_reset(&b);
	atom_build(ev, n, "other", 100, 86400, &b);
	assert_null(strstr(buf_str(&b), "<entry"));
	assert_non_null(strstr(buf_str(&b), "<updated>1970-01-02T00:00:00Z</updated>"));
	for (size_t i = 0; i < n; i++)
		evlog_entry_free(ev[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_outlet),
		cmocka_unit_test(test_escape_ceiling),
		cmocka_unit_test(test_pct_encode),
		cmocka_unit_test(test_storyline_name),
		cmocka_unit_test(test_scrub),
		cmocka_unit_test(test_seq_whole_number),
		cmocka_unit_test(test_group),
		cmocka_unit_test(test_atom_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
