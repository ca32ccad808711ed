/* test-fold.c - tokenising and folding Unicode text. */

#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fold.h"
#include "fold-internal.h"
#include "utf8.h"
#include "util.h"

static void check(const char *in, const char *want)
{
	_cleanup_free_ char *got = fold_string(in, strlen(in));
	assert_string_equal(got, want);
}

static void test_ascii_case(void **state)
{
	check("Ceasefire TALKS in Riyadh", "ceasefire talks in riyadh");
}

static void test_punctuation_splits(void **state)
{
	check("energy-infrastructure, (truce)... 30-day", "energy infrastructure truce 30 day");
}

static void test_apostrophe_splits(void **state)
{
	check("Putin's envoy", "putin s envoy");
}

static void test_latin_accents_stripped(void **state)
{
	check("Élysée Zelénskyy naïve Kraków", "elysee zelenskyy naive krakow");
}

static void test_combining_equals_precomposed(void **state)
{
	/* "é" as U+00E9 and as "e" + U+0301 */
	_cleanup_free_ char *a = fold_string("caf\xc3\xa9", 6);
	_cleanup_free_ char *b = fold_string("cafe\xcc\x81", 6);
	assert_string_equal(a, "cafe");
	assert_string_equal(b, "cafe");
}

static void test_german_sharp_s(void **state)
{
	check("Straße STRASSE Strasse", "strasse strasse strasse");
	check("Fußball", "fussball");
}

static void test_russian(void **state)
{
	check("ПУТИН Путин путин", "путин путин путин");
	check("перемирие", "перемирие");
}

static void test_russian_yo_and_short_i(void **state)
{
	/* ё and й lose their marks: ё = е + diaeresis, й = и + breve. */
	check("Ёлка Йемен", "елка иемен");
}

static void test_ukrainian_letters(void **state)
{
	/* і stays і; ї loses its diaeresis to і; є and ґ have no decomposition
	 * and only change case. */
	check("Київ", "киів");
	check("ЄВРОПА Європа", "європа європа");
	check("Ґанок ґанок", "ґанок ґанок");
	check("Зеленський", "зеленськии");
	check("ІЗЮМ", "ізюм");
}

static void test_ukrainian_apostrophe_splits(void **state)
{
	check("об\xca\xbc\xd1\x94кт м'ясо п\xe2\x80\x99ять", "об єкт м ясо п ять");
}

static void test_turkish_dotted_capital_i(void **state)
{
	/* İ (U+0130) case-folds to i + combining dot above; the dot is a mark. */
	check("\xc4\xb0stanbul", "istanbul");
}

static void test_turkish_dotless_i(void **state)
{
	/* ı (U+0131) has no case folding of its own; we fold it to i. */
	check("Diyarbak\xc4\xb1r", "diyarbakir");
	check("DIYARBAKIR", "diyarbakir");
}

static void test_compatibility_forms(void **state)
{
	/* ﬁ ligature, fullwidth letters, superscript two */
	check("\xef\xac\x81nal \xef\xbc\xa1\xef\xbc\xa2 x\xc2\xb2", "final ab x2");
}

static void test_soft_hyphen_joins(void **state)
{
	check("cease\xc2\xad" "fire", "ceasefire");
}

static void test_invalid_utf8_separates(void **state)
{
	check("abc\xff" "def\xc3", "abc def");
}

static void test_positions_and_hashes(void **state)
{
	_cleanup_fold_text_ struct fold_text t = { 0 };

	assert_int_equal(fold_append(&t, "One, two", 8), 2);
	assert_int_equal(fold_append(&t, "three", 5), 1);
	assert_int_equal(t.n_tokens, 3);
	assert_string_equal(fold_token_str(&t, 0), "one");
	assert_int_equal(t.tokens[0].pos, 0);
	assert_int_equal(t.tokens[1].pos, 1);
	/* each fold_append() numbers from 0 */
	assert_int_equal(t.tokens[2].pos, 0);
	assert_int_equal(t.tokens[1].len, 3);
	assert_true(t.tokens[2].hash == fold_hash("three", 5));
	fold_reset(&t);
	assert_int_equal(t.n_tokens, 0);
}

static void test_empty_and_no_letters(void **state)
{
	check("", "");
	check(" — … !!", "");
}

static void test_long_ascii_token(void **state)
{
	char in[201], want[201];

	memset(in, 'A', 200);
	in[200] = '\0';
	memset(want, 'a', 200);
	want[200] = '\0';
	check(in, want);
}

static bool same_tokens(const char *s, size_t n)
{
	_cleanup_fold_text_ struct fold_text a = { 0 }, b = { 0 };

	fold_append(&a, s, n);
	fold_append_reference(&b, s, n);
	if (a.n_tokens != b.n_tokens)
		return false;
	for (size_t i = 0; i < a.n_tokens; i++)
		if (a.tokens[i].pos != b.tokens[i].pos || a.tokens[i].hash != b.tokens[i].hash ||
		    strcmp(fold_token_str(&a, i), fold_token_str(&b, i)) != 0)
			return false;
	return true;
}

static void test_fast_path_equals_reference_everywhere(void **state)
{
	/* Every code point up to U+2FFFF, alone, between letters, and with a
	 * combining mark: the per-character path gives utf8proc_map()'s tokens. */
	for (uint32_t cp = 0x80; cp < 0x30000; cp++) {
		char in[16];
		size_t n = 0;
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		in[n++] = 'a';
		n += (size_t)utf8_encode(cp, in + n);
		in[n++] = 'b';
		in[n++] = 'c';
		n += (size_t)utf8_encode(0x301, in + n);
		n += (size_t)utf8_encode(cp, in + n);
		n += (size_t)utf8_encode(0x308, in + n);
		if (!same_tokens(in, n))
			fail_msg("U+%04X folds differently", (unsigned)cp);
	}
}

static void test_two_byte_table_equals_reference(void **state)
{
	/* Every two-byte code point (Latin, Greek, Cyrillic...) as the folding
	 * table sees it: in words, alone, doubled, next to digits. */
	static const char *const forms[] = { "a@b", "@", "X@@9", "1@ @x" };

	for (uint32_t cp = 0x80; cp < 0x800; cp++)
		for (size_t f = 0; f < ELEMENTSOF(forms); f++) {
			char in[64];
			size_t n = 0;
			for (const char *p = forms[f]; *p; p++)
				if (*p == '@')
					n += (size_t)utf8_encode(cp, in + n);
				else
					in[n++] = *p;
			if (!same_tokens(in, n))
				fail_msg("U+%04X in \"%s\" folds differently", (unsigned)cp, forms[f]);
		}
}

static void test_every_length_and_offset(void **state)
{
	/* Texts of every length up to three blocks, cut anywhere in a word:
	 * the scanner's copy of a text's last bytes and its blocks' edges. */
	static const char *const pieces[] = {
		"Ceasefire", " ", "talks", ", ", "Київ", "-", "A", "Zürich", " 30 ",
		"abcdefghijklmnopqrstu", "\xc2\xa0", "X9", "!", "Ærø",
	};
	char text[200];
	size_t n = 0;
	uint32_t x = 18032025;

	while (n < sizeof(text) - 32) {
		x = x * 1103515245 + 12345;
		const char *p = pieces[(x >> 16) % ELEMENTSOF(pieces)];
		memcpy(text + n, p, strlen(p));
		n += strlen(p);
	}
	for (size_t start = 0; start < 8; start++)
		for (size_t len = 0; start + len <= n; len++)
			if (!same_tokens(text + start, len))
				fail_msg("text at %zu, %zu bytes, folds differently", start, len);
}

static void test_hash_is_stable(void **state)
{
	/* dedup keeps hashes of words in the state file: the values of the
	 * first release, on little-endian machines, must stay. */
	static const struct {
		const char *s;
		uint64_t hash;
	} known[] = {
		{ "", UINT64_C(0x90f8749b0fb13233) },
		{ "us", UINT64_C(0xbdf534c792b2f2d5) },
		{ "security", UINT64_C(0xd2e92415b8c750aa) },
		{ "ceasefire", UINT64_C(0x2a4e1bad1822e3b0) },
		{ "negotiations", UINT64_C(0x8e73a21e0a4fa9b9) },
		{ "a1b2c3d4e5f6g7h8", UINT64_C(0xcd3fe1278ff4a1dc) },
	};

	if (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
		skip();
	for (size_t i = 0; i < ELEMENTSOF(known); i++) {
		_cleanup_fold_text_ struct fold_text t = { 0 };
		assert_true(fold_hash(known[i].s, strlen(known[i].s)) == known[i].hash);
		if (*known[i].s) {
			fold_append(&t, known[i].s, strlen(known[i].s));
			assert_int_equal(t.n_tokens, 1);
			assert_true(t.tokens[0].hash == known[i].hash);
		}
	}
}

/* A plain reading of the ASCII rules: letters and digits, lower-cased. */
static char *ascii_reference(const char *s)
{
	char *out = xmalloc(strlen(s) * 2 + 1), *o = out;
	bool in_word = false;

	for (; *s; s++) {
		char c = *s;
		bool w = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (w) {
			if (!in_word && o != out)
				*o++ = ' ';
			*o++ = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
		}
		in_word = w;
	}
	*o = '\0';
	return out;
}

static void test_ascii_every_byte_every_offset(void **state)
{
	/* The eight-bytes-at-a-time scanner against the plain reading, for
	 * every ASCII byte at every offset of words longer than eight bytes. */
	for (int b = 1; b < 128; b++)
		for (size_t at = 0; at < 20; at++) {
			char in[] = "AbCdEfGhIjKlMnOpQrSt uV";
			in[at] = (char)b;
			_cleanup_free_ char *want = ascii_reference(in);
			_cleanup_free_ char *got = fold_string(in, strlen(in));
			if (strcmp(want, got) != 0)
				fail_msg("byte 0x%02x at %zu: \"%s\" != \"%s\"", b, at, got, want);
		}
}

static void test_fast_path_equals_reference_text(void **state)
{
	static const char *const texts[] = {
		"Зеленський і Путін: перемир'я, ґрунт, Європа, їжак",
		"Путин, Трамп и Зеленский обсудили перемирие — ЁЛКА",
		"Straße İstanbul Diyarbakır naïve Ærøskøbing Łódź Gdańsk",
		"ﬁnal ① ½ x² ＡＢ ǅemal",
		"한국어 뉴스 휴전 협상",
		"e\xcc\x81\xcc\xa7 o\xcc\x88\xcc\x81",
		/* Longer than a block, with words across its edges. */
		"Gesprächsrunde über Waffenstillstand in Zürich und Genève: Ærøskøbing, "
		"Łódź, Kraków, Malmö, Córdoba, São Paulo, Île-de-France, Montréal, Київ, Москва",
		"ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZÄÖÜ tail",
	};
	for (size_t i = 0; i < ELEMENTSOF(texts); i++)
		assert_true(same_tokens(texts[i], strlen(texts[i])));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_case),
		cmocka_unit_test(test_punctuation_splits),
		cmocka_unit_test(test_apostrophe_splits),
		cmocka_unit_test(test_latin_accents_stripped),
		cmocka_unit_test(test_combining_equals_precomposed),
		cmocka_unit_test(test_german_sharp_s),
		cmocka_unit_test(test_russian),
		cmocka_unit_test(test_russian_yo_and_short_i),
		cmocka_unit_test(test_ukrainian_letters),
		cmocka_unit_test(test_ukrainian_apostrophe_splits),
		cmocka_unit_test(test_turkish_dotted_capital_i),
		cmocka_unit_test(test_turkish_dotless_i),
		cmocka_unit_test(test_compatibility_forms),
		cmocka_unit_test(test_soft_hyphen_joins),
		cmocka_unit_test(test_invalid_utf8_separates),
		cmocka_unit_test(test_positions_and_hashes),
		cmocka_unit_test(test_empty_and_no_letters),
		cmocka_unit_test(test_long_ascii_token),
		cmocka_unit_test(test_fast_path_equals_reference_everywhere),
		cmocka_unit_test(test_fast_path_equals_reference_text),
		cmocka_unit_test(test_two_byte_table_equals_reference),
		cmocka_unit_test(test_every_length_and_offset),
		cmocka_unit_test(test_hash_is_stable),
		cmocka_unit_test(test_ascii_every_byte_every_offset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
