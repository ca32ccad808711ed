/* test-parse.c - feed documents to items (parse.c). */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "diag.h"
#include "parse-internal.h"
#include "parse.h"
#include "timefmt.h"
#include "util.h"

static struct feed *parse_ok(const char *doc)
{
	struct feed *f = NULL;
	struct diag d = {};

	assert_int_equal(parse_feed(doc, strlen(doc), NULL, &f, &d), 0);
	assert_non_null(f);
	diag_clear(&d);
	return f;
}

static struct feed *parse_len(const char *doc, size_t len, const struct parse_options *opts)
{
	struct feed *f = NULL;

	assert_int_equal(parse_feed(doc, len, opts, &f, NULL), 0);
	return f;
}

static void assert_date(int64_t t, const char *want)
{
	char out[TIMEFMT_RFC3339_MAX];

	assert_int_equal(timefmt_rfc3339(t, out), 0);
	assert_string_equal(out, want);
}

#define RSS(items) "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Chan</title>" \
	"<link>http://example.org/news/</link>" items "</channel></rss>"

static void test_rss20_fields(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(RSS(
		"<item><title>Talks resume</title><link>http://example.org/a</link>"
		"<guid isPermaLink=\"false\">id-1</guid><pubDate>Tue, 18 Mar 2025 14:00:00 GMT</pubDate>"
		"<author>desk@example.org (Desk)</author><description>&lt;p&gt;Both sides met.&lt;/p&gt;</description>"
		"<category>Diplomacy</category><category>Energy</category></item>"));

	assert_string_equal(f->title, "Chan");
	assert_string_equal(f->link, "http://example.org/news/");
	assert_int_equal(f->n_items, 1);
	assert_string_equal(f->items[0].title, "Talks resume");
	assert_string_equal(f->items[0].link, "http://example.org/a");
	assert_string_equal(f->items[0].id, "id-1");
	assert_date(f->items[0].published, "2025-03-18T14:00:00Z");
	assert_true(f->items[0].updated == PARSE_NO_DATE);
	assert_string_equal(f->items[0].author, "desk@example.org (Desk)");
	assert_string_equal(f->items[0].summary, "Both sides met.");
	assert_int_equal(f->items[0].n_categories, 2);
	assert_string_equal(f->items[0].categories[0], "Diplomacy");
	assert_string_equal(f->items[0].categories[1], "Energy");
}

static void test_first_title_last_link_and_date(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(RSS(
		"<item xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><title>First</title><dc:title>Second</dc:title>"
		"<link>http://example.org/1</link><link>http://example.org/2</link>"
		"<pubDate>Mon, 17 Mar 2025 10:00:00 GMT</pubDate><pubDate>Tue, 18 Mar 2025 10:00:00 GMT</pubDate>"
		"</item>"));

	assert_string_equal(f->items[0].title, "First");
	assert_string_equal(f->items[0].link, "http://example.org/2");
	assert_date(f->items[0].published, "2025-03-18T10:00:00Z");
}

static void test_media_title_is_a_fallback(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(RSS(
		"<item xmlns:media=\"http://search.yahoo.com/mrss/\"><media:title>Media</media:title><title>Real</title></item>"
		"<item xmlns:media=\"http://search.yahoo.com/mrss/\"><media:group><media:title>Only</media:title></media:group></item>"));

	assert_string_equal(f->items[0].title, "Real");
	assert_string_equal(f->items[1].title, "Only");
}

static void test_dc_date_is_updated(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(RSS(
		"<item xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:date>2025-03-18T12:00:00+01:00</dc:date></item>"));

	assert_true(f->items[0].published == PARSE_NO_DATE);
	assert_date(f->items[0].updated, "2025-03-18T11:00:00Z");
}

static void test_description_over_content_encoded(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(RSS(
		"<item xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">"
		"<content:encoded>&lt;b&gt;Full&lt;/b&gt; text</content:encoded><description>Short</description></item>"
		"<item xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">"
		"<content:encoded><![CDATA[<p>Only <i>content</i></p>]]></content:encoded></item>"));

	assert_string_equal(f->items[0].summary, "Short");
	assert_string_equal(f->items[1].summary, "Only content");
}

static void test_guid_becomes_link(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(RSS(
		"<item><guid>http://example.org/perma</guid></item>"
		"<item><guid isPermaLink=\"True\">http://example.org/no</guid></item>"
		"<item><link/><guid>http://example.org/blocked</guid></item>"
		"<item><guid>tag:example.org,2025:1</guid></item>"));

	assert_string_equal(f->items[0].link, "http://example.org/perma");
	assert_null(f->items[1].link);
	assert_string_equal(f->items[1].id, "http://example.org/no");
	assert_null(f->items[2].link);
	assert_string_equal(f->items[3].link, "tag:example.org,2025:1");
}

static void test_rss_title_html_detection(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(RSS(
		"<item><title>AT&amp;amp;T</title></item>"
		"<item><title>It&amp;#8217;s</title></item>"
		"<item><title>Use &lt;code&gt; here</title></item>"
		"<item><title><![CDATA[<b>Bold</b> move]]></title></item>"));

	assert_string_equal(f->items[0].title, "AT&T");
	assert_string_equal(f->items[1].title, "It\xe2\x80\x99s");
	assert_string_equal(f->items[2].title, "Use <code> here");
	assert_string_equal(f->items[3].title, "Bold move");
}

#define ATOM(entries) "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title type=\"text\">Feed</title>" \
	"<link href=\"http://example.org/\"/>" entries "</feed>"

static void test_atom_alternate_link_choice(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(ATOM(
		"<entry><link rel=\"self\" href=\"http://example.org/self\"/>"
		"<link href=\"http://example.org/first\"/>"
		"<link rel=\"alternate\" type=\"application/pdf\" href=\"http://example.org/pdf\"/>"
		"<link rel=\"ALTERNATE\" type=\"text/html\" href=\"http://example.org/last\"/>"
		"<link rel=\"enclosure\" href=\"http://example.org/e.mp3\"/></entry>"
		"<entry><id>urn:uuid:1234</id><link rel=\"related\" href=\"http://example.org/r\"/></entry>"));

	assert_string_equal(f->items[0].link, "http://example.org/last");
	assert_string_equal(f->items[1].link, "urn:uuid:1234");
	assert_string_equal(f->items[1].id, "urn:uuid:1234");
}

static void test_atom_text_types(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(ATOM(
		"<entry><title type=\"html\">&lt;b&gt;A&lt;/b&gt; &amp;amp; B</title>"
		"<summary type=\"text\">x &lt;b&gt; y</summary></entry>"
		"<entry><title type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>One</p><p>Two</p></div></title>"
		"<content type=\"html\">&lt;p&gt;Body&lt;/p&gt;</content></entry>"));

	assert_string_equal(f->items[0].title, "A & B");
	assert_string_equal(f->items[0].summary, "x <b> y");
	assert_string_equal(f->items[1].title, "One Two");
	assert_string_equal(f->items[1].summary, "Body");
}

static void test_atom_authors(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(ATOM(
		"<author><name>Feed Author</name></author>"
		"<entry><author><name>Anna K</name><email>anna@example.org</email></author></entry>"
		"<entry><author><email>only@example.org</email></author></entry>"
		"<entry><author><name>One</name></author><author><name>Two</name></author></entry>"
		"<entry><title>none</title></entry>"));

	assert_string_equal(f->items[0].author, "Anna K (anna@example.org)");
	assert_string_equal(f->items[1].author, "only@example.org");
	assert_string_equal(f->items[2].author, "Two");
	assert_null(f->items[3].author);
}

static void test_categories_and_keywords(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(RSS(
		"<item xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\""
		" xmlns:media=\"http://search.yahoo.com/mrss/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
		"<category>News</category><dc:subject>Politics</dc:subject>"
		"<itunes:category text=\"Government\"/><itunes:keywords>ceasefire, energy ,,News</itunes:keywords>"
		"<media:keywords>talks,Riyadh</media:keywords></item>"));
	static const char *const want[] = { "News", "Politics", "Government", "ceasefire", "energy", "talks", "Riyadh" };

	assert_int_equal(f->items[0].n_categories, ELEMENTSOF(want));
	for (size_t i = 0; i < ELEMENTSOF(want); i++)
		assert_string_equal(f->items[0].categories[i], want[i]);
}

static void test_atom_category_term(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(ATOM(
		"<entry><category term=\"Ukraine\" label=\"ignored\"/><category label=\"no term\"/></entry>"));

	assert_int_equal(f->items[0].n_categories, 1);
	assert_string_equal(f->items[0].categories[0], "Ukraine");
}

static void test_xml_base_nested(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(
		"<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"http://example.org/a/\">"
		"<entry xml:base=\"b/\"><link href=\"c.html\"/><id>d</id></entry>"
		"<entry><link href=\"/root.html\"/></entry></feed>");

	assert_string_equal(f->items[0].link, "http://example.org/a/b/c.html");
	/* relative Atom ids are resolved too */
	assert_string_equal(f->items[0].id, "http://example.org/a/b/d");
	assert_string_equal(f->items[1].link, "http://example.org/root.html");
}

static void test_relative_link_against_feed_link(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(RSS("<item><link>story/1?a=1&amp;b=2</link></item>"));

	assert_string_equal(f->items[0].link, "http://example.org/news/story/1?a=1&b=2");
}

static void test_base_url_last_resort(void **state)
{
	const char *doc = "<rss><channel><item><link>/x</link></item></channel></rss>";
	struct parse_options opts = { .base_url = "https://feeds.example.net/rss.xml" };
	_cleanup_feed_ struct feed *f = parse_len(doc, strlen(doc), &opts);
	_cleanup_feed_ struct feed *g = parse_len(doc, strlen(doc), NULL);

	assert_string_equal(f->items[0].link, "https://feeds.example.net/x");
	assert_string_equal(g->items[0].link, "/x");
}

static void test_image_and_source_do_not_leak(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(RSS(
		"<item><title>Story</title><link>http://example.org/s</link>"
		"<image><title>Logo</title><link>http://example.org/logo</link></image>"
		"<source url=\"http://other.example/rss\">Other paper</source></item>"));

	assert_string_equal(f->items[0].title, "Story");
	assert_string_equal(f->items[0].link, "http://example.org/s");
	assert_string_equal(f->title, "Chan");
}

static void test_atom_source_does_not_leak(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(ATOM(
		"<entry><source><title>Origin</title><id>src-id</id><author><name>Them</name></author></source>"
		"<title>Mine</title><id>my-id</id></entry>"));

	assert_string_equal(f->items[0].title, "Mine");
	assert_string_equal(f->items[0].id, "my-id");
	assert_null(f->items[0].author);
}

static void test_element_names_case_insensitive(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok("<rss><channel><ITEM><Title>Loud</Title><PubDate>10 Jun 2003</PubDate></ITEM></channel></rss>");

	assert_int_equal(f->n_items, 1);
	assert_string_equal(f->items[0].title, "Loud");
	assert_date(f->items[0].published, "2003-06-10T00:00:00Z");
}

static void test_rss10_rdf_about(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(
		"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\">"
		"<channel rdf:about=\"http://example.org/\"><title>RDF</title></channel>"
		"<item rdf:about=\"about-1\"><title>T</title><link>http://example.org/1</link></item></rdf:RDF>");

	assert_string_equal(f->title, "RDF");
	assert_string_equal(f->items[0].id, "about-1");
	assert_string_equal(f->items[0].link, "http://example.org/1");
}

static void test_windows1251_declared(void **state)
{
	/* "Мир" in windows-1251 */
	_cleanup_feed_ struct feed *f = parse_ok("<?xml version=\"1.0\" encoding=\"windows-1251\"?>"
						 "<rss><channel><item><title>\xcc\xe8\xf0</title></item></channel></rss>");

	assert_string_equal(f->items[0].title, "\xd0\x9c\xd0\xb8\xd1\x80");
}

static void test_utf16_bom(void **state)
{
	const char *ascii = "<rss><channel><item><title>Hi</title></item></channel></rss>";
	size_t n = strlen(ascii);
	_cleanup_free_ char *doc = xmalloc(2 * n + 2);
	_cleanup_feed_ struct feed *f = NULL;

	doc[0] = (char)0xff;
	doc[1] = (char)0xfe;
	for (size_t i = 0; i < n; i++) {
		doc[2 + 2 * i] = ascii[i];
		doc[3 + 2 * i] = 0;
	}
	f = parse_len(doc, 2 * n + 2, NULL);
	assert_string_equal(f->items[0].title, "Hi");
}

static void test_invalid_utf8_read_as_cp1252(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok("<rss><channel><item><title>caf\xe9 \x80 5</title></item></channel></rss>");

	assert_string_equal(f->items[0].title, "caf\xc3\xa9 \xe2\x82\xac 5");
}

static void test_undeclared_koi8r_guessed(void **state)
{
	/* "Переговоры о перемирии продолжаются" in KOI8-R, no declaration */
	static const char doc[] = "<rss><channel><item><title>"
		"\xf0\xc5\xd2\xc5\xc7\xcf\xd7\xcf\xd2\xd9 \xcf \xd0\xc5\xd2\xc5\xcd\xc9\xd2\xc9\xc9 "
		"\xd0\xd2\xcf\xc4\xcf\xcc\xd6\xc1\xc0\xd4\xd3\xd1"
		"</title></item></channel></rss>";
	_cleanup_feed_ struct feed *f = parse_len(doc, strlen(doc), NULL);

	assert_string_equal(f->items[0].title,
			    "\xd0\x9f\xd0\xb5\xd1\x80\xd0\xb5\xd0\xb3\xd0\xbe\xd0\xb2\xd0\xbe\xd1\x80\xd1\x8b "
			    "\xd0\xbe \xd0\xbf\xd0\xb5\xd1\x80\xd0\xb5\xd0\xbc\xd0\xb8\xd1\x80\xd0\xb8\xd0\xb8 "
			    "\xd0\xbf\xd1\x80\xd0\xbe\xd0\xb4\xd0\xbe\xd0\xbb\xd0\xb6\xd0\xb0\xd1\x8e\xd1\x82\xd1\x81\xd1\x8f");
}

static void test_windows1252_declared(void **state)
{
	/* 0x85 is an ellipsis in windows-1252, not a space to strip */
	_cleanup_feed_ struct feed *f = parse_ok("<?xml version=\"1.0\" encoding=\"windows-1252\"?>"
						 "<rss><channel><item><title>Wait\x85</title></item></channel></rss>");

	assert_string_equal(f->items[0].title, "Wait\xe2\x80\xa6");
}

static void test_undeclared_entity_reads_leniently(void **state)
{
	/* an undeclared entity: outside text constructs the escapes stay */
	_cleanup_feed_ struct feed *f = parse_ok(RSS(
		"<item><title>A&nbsp;B &amp; C</title><guid isPermaLink=\"false\">x&amp;y</guid>"
		"<category>R &amp; D</category><category term=\"Q&amp;A\"/></item>"));

	assert_string_equal(f->items[0].title, "A B & C");
	assert_string_equal(f->items[0].id, "x&amp;y");
	assert_int_equal(f->items[0].n_categories, 2);
	assert_string_equal(f->items[0].categories[0], "R &amp; D");
	assert_string_equal(f->items[0].categories[1], "Q&A");
}

static void test_illformed_recovered(void **state)
{
	/* an HTML entity XML does not know, a bare '&', a missing end tag */
	_cleanup_feed_ struct feed *f = parse_ok(RSS(
		"<item><title>A&nbsp;B &eacute; C & D</title><link>http://example.org/?a=1&b=2</link></item>"
		"<item><title>Second</title>"));

	assert_int_equal(f->n_items, 2);
	assert_string_equal(f->items[0].title, "A B \xc3\xa9 C & D");
	assert_string_equal(f->items[0].link, "http://example.org/?a=1&b=2");
	assert_string_equal(f->items[1].title, "Second");
}

static void test_illformed_like_a_lenient_reader(void **state)
{
	/* "&name" without ';' becomes "&name;" text, '<' before a space is text,
	 * unquoted attribute values are read, a second document adds items */
	_cleanup_feed_ struct feed *f = parse_ok(
		"<rss><channel><item><title>Q&A time</title><guid isPermaLink=false>g1</guid></item>"
		"<item><title>5 < 6</title></item></channel></rss>"
		"<rss><channel><item><title>Appended</title></item></channel></rss>");

	assert_int_equal(f->n_items, 3);
	assert_string_equal(f->items[0].title, "Q&A; time");
	assert_string_equal(f->items[0].id, "g1");
	assert_null(f->items[0].link);
	assert_string_equal(f->items[1].title, "5 < 6");
	assert_string_equal(f->items[2].title, "Appended");
}

static void test_leading_garbage_tolerated(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok("\n\n  junk<?xml version=\"1.0\"?><rss><channel><item><title>T</title></item></channel></rss>");

	assert_int_equal(f->n_items, 1);
	assert_string_equal(f->items[0].title, "T");
}

static void test_external_entity_never_loaded(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(
		"<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
		"<rss><channel><item><title>x&xxe;y</title></item></channel></rss>");

	assert_string_equal(f->items[0].title, "x&xxe;y");
}

static void test_internal_text_entity_kept(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(
		"<!DOCTYPE rss [\n<!ENTITY org \"Example Org\">\n  <!ENTITY dash \"&#8212;\">\n"
		"<!ENTITY nested \"&org;&org;\">\n]>"
		"<rss><channel><item><title>&org; &dash; &nested;</title></item></channel></rss>");

	/* plain text and one character reference are kept, entities of entities are not */
	assert_string_equal(f->items[0].title, "Example Org \xe2\x80\x94 &nested;");
}

static void test_doctype_entity_must_start_a_line(void **state)
{
	/* feedparser only keeps declarations that begin a line */
	_cleanup_feed_ struct feed *f = parse_ok(
		"<!DOCTYPE rss [<!ENTITY org \"Example Org\">]>"
		"<rss><channel><item><title>&org;</title></item></channel></rss>");

	assert_string_equal(f->items[0].title, "&org;");
}

static void test_billion_laughs_bounded(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(
		"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
		"<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
		"<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
		"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
		"<rss><channel><item><title>&lol3;</title></item></channel></rss>");

	assert_string_equal(f->items[0].title, "&lol3;");
}

static void test_too_big_refused(void **state)
{
	struct parse_options opts = { .max_bytes = 10 };
	struct feed *f = NULL;
	struct diag d = {};

	assert_int_equal(parse_feed("<rss><channel/></rss>", 21, &opts, &f, &d), -EFBIG);
	assert_null(f);
	assert_string_equal(d.message, "document larger than 10 bytes");
	diag_clear(&d);
}

static void test_not_xml_refused(void **state)
{
	struct feed *f = NULL;
	struct diag d = {};

	assert_int_equal(parse_feed("just text", 9, NULL, &f, &d), -EBADMSG);
	assert_string_equal(d.message, "not an XML document");
	diag_clear(&d);
	assert_int_equal(parse_feed("", 0, NULL, &f, &d), -EBADMSG);
	assert_string_equal(d.message, "empty document");
	diag_clear(&d);
	assert_null(f);
}

/* Parses doc as fetched from base and expects it refused with message. */
static void assert_not_a_feed(const char *doc, const char *base, const char *message)
{
	struct parse_options po = { .base_url = base };
	struct feed *f = NULL;
	struct diag d = {};

	assert_int_equal(parse_feed(doc, strlen(doc), &po, &f, &d), -EBADMSG);
	assert_null(f);
	assert_string_equal(d.message, message);
	diag_clear(&d);
}

static void test_html_page_is_not_a_feed(void **state)
{
	assert_not_a_feed("<html><head><title>Page</title></head><body><p>hi</p></body></html>",
			  NULL, "an HTML page, not RSS or Atom (and it links to no feed)");
	/* A site's address instead of its feed's: say where the feeds are. */
	assert_not_a_feed("<!DOCTYPE html>\n<html><head><title>News</title>"
			  "<link rel=\"stylesheet\" href=\"/s.css\">"
			  "<link rel=\"Alternate\" type=\"application/rss+xml\" title=\"RSS\" href=\"/feed.xml\">"
			  "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"https://other.example/atom\">"
			  "<link rel=\"alternate\" hreflang=\"de\" href=\"/de/\">"
			  "<meta charset=utf-8></head><body><p>hi<br></body></html>",
			  "http://news.example/world/",
			  "an HTML page, not RSS or Atom; it links to the feeds "
			  "http://news.example/feed.xml https://other.example/atom");
	assert_not_a_feed("<html><head><title>Index of /feeds</title></head><body><h1>Index of /feeds</h1>"
			  "<a href=\"a.xml\">a.xml</a></body></html>",
			  NULL, "a directory listing, not RSS or Atom");
}

static void test_other_documents_are_not_feeds(void **state)
{
	struct feed *f = NULL;
	struct diag d = {};

	assert_not_a_feed("<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
			  "<url><loc>http://a.example/b</loc><lastmod>2025-03-18</lastmod></url></urlset>",
			  NULL, "a sitemap, not RSS or Atom");
	assert_not_a_feed("<sitemapindex><sitemap><loc>http://a.example/s.xml</loc></sitemap></sitemapindex>",
			  NULL, "a sitemap, not RSS or Atom");
	assert_not_a_feed("<config><key>1</key></config>", NULL,
			  "an XML document with the root element <config>, not RSS or Atom");
	assert_not_a_feed("  {\"items\": []}", NULL, "a JSON document, not RSS or Atom");
	assert_int_equal(parse_feed("", 0, NULL, &f, &d), -EBADMSG);
	assert_string_equal(d.message, "empty document");
	diag_clear(&d);
}

static void test_empty_feeds_are_feeds(void **state)
{
	_cleanup_feed_ struct feed *rss = parse_ok("<rss version=\"2.0\"><channel><title>T</title></channel></rss>");
	_cleanup_feed_ struct feed *atom = parse_ok("<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>T</title></feed>");
	_cleanup_feed_ struct feed *rdf = parse_ok("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
						   "xmlns=\"http://purl.org/rss/1.0/\"><channel/></rdf:RDF>");

	assert_int_equal(rss->n_items, 0);
	assert_int_equal(atom->n_items, 0);
	assert_int_equal(rdf->n_items, 0);
}

static void test_ttl(void **state)
{
	_cleanup_feed_ struct feed *f = parse_ok(RSS("<ttl>60</ttl>"));

	assert_int_equal(f->ttl_minutes, 60);
}

static struct feed *parse_fixture(const char *name)
{
	_cleanup_free_ char *path = xasprintf("%s/tests/data/feeds/%s", SRCDIR, name);
	struct buf b;
	struct feed *f;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	buf_init(&b, 0);
	assert_true(buf_read_fd(&b, fd) >= 0);
	close(fd);
	f = parse_ok(b.data);
	buf_free(&b);
	return f;
}

/* RSS 2.0: hours 0-5 and 20-23 (24 is midnight), Saturday and Sunday;
 * what is not an hour or a day is passed over. */
static void test_skip_hours_and_days(void **state)
{
	_cleanup_feed_ struct feed *f = parse_fixture("schedule-rss2.xml");

	assert_int_equal(f->schedule.skip_hours, 0x3f | (0xfu << 20));
	assert_int_equal(f->schedule.skip_days, (1u << 0) | (1u << 6));
	assert_int_equal(f->schedule.update_every_sec, 0);
	assert_int_equal(f->ttl_minutes, 0);
	assert_int_equal(f->n_items, 1);
	assert_string_equal(f->items[0].summary, "The morning crossing moves to 07:15.");
}

/* The syndication module: twice daily from 06:00 UTC. */
static void test_syndication_module(void **state)
{
	_cleanup_feed_ struct feed *f = parse_fixture("schedule-rss1.xml");

	assert_int_equal(f->schedule.update_every_sec, 12 * 3600);
	assert_int_equal(f->schedule.update_base, INT64_C(946706400));  /* 2000-01-01T06:00Z */
	assert_int_equal(f->schedule.skip_hours, 0);
	assert_int_equal(f->schedule.skip_days, 0);
	assert_int_equal(f->n_items, 1);
}

static void test_schedule_defaults_and_places(void **state)
{
	struct feed *f;

	/* frequency alone: daily; period alone: once; unknown periods: none */
	f = parse_ok(RSS("<sy:updateFrequency xmlns:sy=\"http://purl.org/rss/1.0/modules/syndication/\">"
			 "4</sy:updateFrequency>"));
	assert_int_equal(f->schedule.update_every_sec, 6 * 3600);
	feed_free(f);
	f = parse_ok(RSS("<sy:updatePeriod>hourly</sy:updatePeriod>"));
	assert_int_equal(f->schedule.update_every_sec, 3600);
	assert_int_equal(f->schedule.update_base, 0);
	feed_free(f);
	f = parse_ok(RSS("<sy:updatePeriod>fortnightly</sy:updatePeriod>"));
	assert_int_equal(f->schedule.update_every_sec, 0);
	feed_free(f);
	/* an item's own <skipHours>, or an <hour> elsewhere, says nothing */
	f = parse_ok(RSS("<item><title>t</title><skipHours><hour>3</hour></skipHours>"
			 "<sy:updatePeriod>hourly</sy:updatePeriod></item><hour>4</hour>"));
	assert_int_equal(f->schedule.skip_hours, 0);
	assert_int_equal(f->schedule.update_every_sec, 0);
	assert_int_equal(f->n_items, 1);
	feed_free(f);
	f = parse_ok(RSS(""));
	assert_int_equal(f->schedule.skip_hours, 0);
	assert_int_equal(f->schedule.skip_days, 0);
	assert_int_equal(f->schedule.update_every_sec, 0);
	feed_free(f);
}

static void test_urljoin(void **state)
{
	static const struct { const char *base, *ref, *want; } cases[] = {
		{ "http://a/b/c/d;p?q", "g", "http://a/b/c/g" },
		{ "http://a/b/c/d;p?q", "./g", "http://a/b/c/g" },
		{ "http://a/b/c/d;p?q", "g/", "http://a/b/c/g/" },
		{ "http://a/b/c/d;p?q", "/g", "http://a/g" },
		{ "http://a/b/c/d;p?q", "//g", "http://g" },
		{ "http://a/b/c/d;p?q", "?y", "http://a/b/c/d;p?y" },
		{ "http://a/b/c/d;p?q", "#s", "http://a/b/c/d;p?q#s" },
		{ "http://a/b/c/d;p?q", "../g", "http://a/b/g" },
		{ "http://a/b/c/d;p?q", "../..", "http://a/" },
		{ "http://a/b/c/d;p?q", "../../../g", "http://a/g" },
		{ "http://a/b/c/d;p?q", "tag:x,2025:1", "tag:x,2025:1" },
		{ "http://a/b/c/d;p?q", "mailto:x@y", "mailto:x@y" },
		{ "http://a", "b", "http://a/b" },
		{ "tag:a", "b", "b" },
		{ "", "b", "b" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *got = parse_urljoin(cases[i].base, cases[i].ref);

		assert_string_equal(got, cases[i].want);
	}
	assert_true(parse_url_is_absolute("https://x"));
	assert_true(parse_url_is_absolute("urn:uuid:1"));
	assert_false(parse_url_is_absolute("/x"));
	assert_false(parse_url_is_absolute("1x:y"));
}

static void test_to_utf8(void **state)
{
	static const char in_a[] = "  <a>\xc3\xa9</a>";
	static const char in_b[] = "<?xml version='1.0' encoding='ISO-8859-1'?><a>\xe9</a>";
	enum parse_charset cs;
	size_t n;
	_cleanup_free_ char *a = parse_to_utf8(in_a, strlen(in_a), &n, &cs);
	_cleanup_free_ char *b = parse_to_utf8(in_b, strlen(in_b), &n, &cs);
	_cleanup_free_ char *c = parse_to_utf8("no markup", 9, &n, &cs);

	assert_string_equal(a, "<a>\xc3\xa9</a>");
	assert_string_equal(b, "<?xml version='1.0' encoding='ISO-8859-1'?><a>\xc3\xa9</a>");
	assert_int_equal(cs, PARSE_CHARSET_LATIN1);
	assert_null(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rss20_fields),
		cmocka_unit_test(test_first_title_last_link_and_date),
		cmocka_unit_test(test_media_title_is_a_fallback),
		cmocka_unit_test(test_dc_date_is_updated),
		cmocka_unit_test(test_description_over_content_encoded),
		cmocka_unit_test(test_guid_becomes_link),
		cmocka_unit_test(test_rss_title_html_detection),
		cmocka_unit_test(test_atom_alternate_link_choice),
		cmocka_unit_test(test_atom_text_types),
		cmocka_unit_test(test_atom_authors),
		cmocka_unit_test(test_categories_and_keywords),
		cmocka_unit_test(test_atom_category_term),
		cmocka_unit_test(test_xml_base_nested),
		cmocka_unit_test(test_relative_link_against_feed_link),
		cmocka_unit_test(test_base_url_last_resort),
		cmocka_unit_test(test_image_and_source_do_not_leak),
		cmocka_unit_test(test_atom_source_does_not_leak),
		cmocka_unit_test(test_element_names_case_insensitive),
		cmocka_unit_test(test_rss10_rdf_about),
		cmocka_unit_test(test_windows1251_declared),
		cmocka_unit_test(test_utf16_bom),
		cmocka_unit_test(test_invalid_utf8_read_as_cp1252),
		cmocka_unit_test(test_undeclared_koi8r_guessed),
		cmocka_unit_test(test_windows1252_declared),
		cmocka_unit_test(test_undeclared_entity_reads_leniently),
		cmocka_unit_test(test_illformed_recovered),
		cmocka_unit_test(test_illformed_like_a_lenient_reader),
		cmocka_unit_test(test_leading_garbage_tolerated),
		cmocka_unit_test(test_external_entity_never_loaded),
		cmocka_unit_test(test_internal_text_entity_kept),
		cmocka_unit_test(test_doctype_entity_must_start_a_line),
		cmocka_unit_test(test_billion_laughs_bounded),
		cmocka_unit_test(test_too_big_refused),
		cmocka_unit_test(test_not_xml_refused),
		cmocka_unit_test(test_html_page_is_not_a_feed),
		cmocka_unit_test(test_other_documents_are_not_feeds),
		cmocka_unit_test(test_empty_feeds_are_feeds),
		cmocka_unit_test(test_ttl),
		cmocka_unit_test(test_skip_hours_and_days),
		cmocka_unit_test(test_syndication_module),
		cmocka_unit_test(test_schedule_defaults_and_places),
		cmocka_unit_test(test_urljoin),
		cmocka_unit_test(test_to_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
