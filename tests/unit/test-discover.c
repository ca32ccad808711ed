/* test-discover.c - the feeds a page names in <link rel="alternate">. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "discover.h"
#include "util.h"

static void discover(const char *html, const char *url, struct discovered_feed **ret,
		     size_t *ret_n, char **ret_title)
{
	assert_int_equal(discover_feeds(html, strlen(html), url, ret, ret_n, ret_title), 0);
}

static void test_relative_href_resolved_against_the_page(void **state)
{
	struct discovered_feed *d = NULL;
	char *title = NULL;
	size_t n = 0;

	(void) state;
	discover("<html><head><title> Lantern\n News </title>"
		 "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Head\" href=\"feed.atom\">"
		 "</head></html>", "https://lantern.example/news/index.html", &d, &n, &title);
	assert_int_equal(n, 1);
	assert_string_equal(d[0].url, "https://lantern.example/news/feed.atom");
	assert_string_equal(d[0].title, "Head");
	assert_string_equal(d[0].type, "application/atom+xml");
	assert_string_equal(title, "Lantern\n News");
	discovered_feeds_free(d, n);
	free(title);
}

static void test_base_href_rel_tokens_and_types(void **state)
{
	struct discovered_feed *d = NULL;
	size_t n = 0;

	(void) state;
	discover("<head><base href=\"https://cdn.example/a/b/\">"
		 "<LINK REL=\"feed ALTERNATE\" TYPE=\"Application/RSS+XML; charset=utf-8\" HREF=\"../rss\">"
		 "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"https://cdn.example/a/rss\">"
		 "<link rel=\"alternate\" type=\"application/json\" href=\"/feed.json\">"
		 "<link rel=\"alternative\" type=\"application/rss+xml\" href=\"/x\">"
		 "<link rel=\"stylesheet\" type=\"application/rss+xml\" href=\"/y\">"
		 "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"javascript:alert(1)\">"
		 "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"ftp://cdn.example/f\">"
		 "<link rel=\"alternate\" type=\"application/atom+xml\">",
		 "http://www.example/page", &d, &n, NULL);
	assert_int_equal(n, 1);
	assert_string_equal(d[0].url, "https://cdn.example/a/rss");
	assert_null(d[0].title);
	discovered_feeds_free(d, n);
}

static void test_page_without_feeds(void **state)
{
	struct discovered_feed *d = NULL;
	char *title = NULL;
	size_t n = 7;

	(void) state;
	discover("<p>just text, <b>unclosed", "https://x.example/", &d, &n, &title);
	assert_int_equal(n, 0);
	assert_null(d);
	assert_null(title);
	assert_int_equal(discover_feeds("", 0, "https://x.example/", &d, &n, NULL), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relative_href_resolved_against_the_page),
		cmocka_unit_test(test_base_href_rel_tokens_and_types),
		cmocka_unit_test(test_page_without_feeds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
