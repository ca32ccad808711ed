/* test-text.c - feed text to plain text (text.c). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "text.h"
#include "util.h"

static void check(const char *in, enum text_kind kind, const char *want)
{
	_cleanup_free_ char *got = text_normalize(in, strlen(in), kind, true);

	if (!want)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

static void test_tags_removed_without_space(void **state)
{
	check("<b>Bre</b>aking <i>news</i>", TEXT_HTML, "Breaking news");
}

static void test_block_tags_separate_words(void **state)
{
	check("one<br>two<p>three</p>four<li>five", TEXT_HTML, "one two three four five");
	check("a<BR/>b", TEXT_HTML, "a b");
}

static void test_img_alt_is_not_text(void **state)
{
	check("see<img src=\"x.png\" alt=\"a picture\">here", TEXT_HTML, "see here");
}

static void test_script_style_applet_dropped(void **state)
{
	check("a<script>var x = '<b>';</script>b<style>p{}</style>c<applet>j</applet>d",
	      TEXT_HTML, "abcd");
}

static void test_comments_removed(void **state)
{
	check("Cease<!-- hidden -->fire", TEXT_HTML, "Ceasefire");
}

static void test_quoted_gt_in_attribute(void **state)
{
	check("<a title=\"1 > 0\" href=\"x\">link</a> text", TEXT_HTML, "link text");
}

static void test_lone_lt_is_text(void **state)
{
	check("3 < 4 and 5 <6", TEXT_HTML, "3 < 4 and 5 <6");
	check("&lt;!DOCTYPE", TEXT_HTML, "<!DOCTYPE");
}

static void test_unterminated_tag_is_text(void **state)
{
	check("a <b unfinished", TEXT_HTML, "a <b unfinished");
}

static void test_named_entities(void **state)
{
	check("Tom &amp; Jerry&nbsp;&eacute;t&eacute; &rsquo;", TEXT_HTML, "Tom & Jerry \xc3\xa9t\xc3\xa9 \xe2\x80\x99");
}

static void test_unknown_entity_loses_semicolon(void **state)
{
	/* feedparser's sanitizer keeps "&name" for names HTML 4 lacks */
	check("x &foo; y &GT z", TEXT_HTML, "x &foo y &GT z");
}

static void test_legacy_entity_at_end(void **state)
{
	check("copyright &copy", TEXT_HTML, "copyright \xc2\xa9");
}

static void test_numeric_references(void **state)
{
	check("&#8217;&#x2019;&#65", TEXT_HTML, "\xe2\x80\x99\xe2\x80\x99" "A");
	/* C1 references are windows-1252, surrogates and 0 are U+FFFD */
	check("&#150;&#x85;", TEXT_HTML, "\xe2\x80\x93\xe2\x80\xa6");
	check("a&#xD800;b&#0;c", TEXT_HTML, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c");
	check("&#99999999999;", TEXT_HTML, "\xef\xbf\xbd");
}

static void test_plain_keeps_markup(void **state)
{
	check("Plain <b>not bold</b> &amp;", TEXT_PLAIN, "Plain <b>not bold</b> &amp;");
}

static void test_whitespace_collapsed_and_trimmed(void **state)
{
	check("  a \t\n b\r\n  ", TEXT_PLAIN, "a b");
	/* NO-BREAK SPACE, IDEOGRAPHIC SPACE and LINE SEPARATOR count as spaces */
	check("a\xc2\xa0\xc2\xa0" "b\xe3\x80\x80" "c\xe2\x80\xa8" "d", TEXT_PLAIN, "a b c d");
	/* ZERO WIDTH SPACE does not */
	check("a\xe2\x80\x8b" "b", TEXT_PLAIN, "a\xe2\x80\x8b" "b");
}

static void test_only_space_is_null(void **state)
{
	check(" \n\t ", TEXT_PLAIN, NULL);
	check("<p> </p><br>", TEXT_HTML, NULL);
}

static void test_c1_controls_become_cp1252(void **state)
{
	check("It\xc2\x92s \xc2\x93quoted\xc2\x94", TEXT_PLAIN, "It\xe2\x80\x99s \xe2\x80\x9cquoted\xe2\x80\x9d");
	/* strip() runs first, so a trailing U+0085 is lost, an inner one kept */
	check("wait\xc2\x85", TEXT_PLAIN, "wait");
	check("a\xc2\x85" "b", TEXT_PLAIN, "a\xe2\x80\xa6" "b");
}

static void test_utf8_read_as_latin1_repaired(void **state)
{
	check("s\xc3\x83\xc2\xa9" "curit\xc3\x83\xc2\xa9", TEXT_PLAIN, "s\xc3\xa9" "curit\xc3\xa9");
	/* real Latin-1 text stays */
	check("caf\xc3\xa9", TEXT_PLAIN, "caf\xc3\xa9");
	{
		_cleanup_free_ char *got = text_normalize("s\xc3\x83\xc2\xa9", 5, TEXT_PLAIN, false);

		assert_string_equal(got, "s\xc3\x83\xc2\xa9");
	}
}

static void test_looks_like_html(void **state)
{
	assert_true(text_looks_like_html("AT&amp;T", 8));
	assert_true(text_looks_like_html("It&#8217;s", 10));
	assert_true(text_looks_like_html("<b>bold</b>", 11));
	/* no close tag and no reference */
	assert_false(text_looks_like_html("Use <code> here", 15));
	/* an element HTML does not have */
	assert_false(text_looks_like_html("<foo>x</foo>", 12));
	/* an entity HTML 4 does not have */
	assert_false(text_looks_like_html("&check; done</b>", 16));
	assert_false(text_looks_like_html("plain", 5));
}

static void test_entity_lookup(void **state)
{
	assert_string_equal(text_entity_lookup("amp;", 4), "&");
	assert_string_equal(text_entity_lookup("amp", 3), "&");
	assert_string_equal(text_entity_lookup("NotEqualTilde;", 14), "\xe2\x89\x82\xcc\xb8");
	assert_null(text_entity_lookup("nosuch;", 7));
}

static void test_is_space_and_cp1252(void **state)
{
	assert_true(text_is_space(0x85));
	assert_true(text_is_space(0x202f));
	assert_false(text_is_space(0x200b));
	assert_false(text_is_space(0xfeff));
	assert_int_equal(text_cp1252(0x80), 0x20ac);
	assert_int_equal(text_cp1252(0x81), 0x81);
	assert_int_equal(text_cp1252(0x9f), 0x178);
	assert_int_equal(text_cp1252(0xe9), 0xe9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tags_removed_without_space),
		cmocka_unit_test(test_block_tags_separate_words),
		cmocka_unit_test(test_img_alt_is_not_text),
		cmocka_unit_test(test_script_style_applet_dropped),
		cmocka_unit_test(test_comments_removed),
		cmocka_unit_test(test_quoted_gt_in_attribute),
		cmocka_unit_test(test_lone_lt_is_text),
		cmocka_unit_test(test_unterminated_tag_is_text),
		cmocka_unit_test(test_named_entities),
		cmocka_unit_test(test_unknown_entity_loses_semicolon),
		cmocka_unit_test(test_legacy_entity_at_end),
		cmocka_unit_test(test_numeric_references),
		cmocka_unit_test(test_plain_keeps_markup),
		cmocka_unit_test(test_whitespace_collapsed_and_trimmed),
		cmocka_unit_test(test_only_space_is_null),
		cmocka_unit_test(test_c1_controls_become_cp1252),
		cmocka_unit_test(test_utf8_read_as_latin1_repaired),
		cmocka_unit_test(test_looks_like_html),
		cmocka_unit_test(test_entity_lookup),
		cmocka_unit_test(test_is_space_and_cp1252),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
