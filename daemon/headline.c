/* headline.c - the main clause of a headline, and whether it asks. */

#include <stdint.h>
#include <string.h>
#include <utf8proc.h>

#include "headline.h"
#include "util.h"

/* Words that open a subordinate clause: what follows them is the setting of
 * the news, not the news.  Lower case; compared without case. */
static const char *const subordinators[] = {
	/* en */ "amid", "amidst", "despite", "as", "after", "until", "while", "before",
	"following", "ahead",
	/* de */ "trotz", "während", "nachdem", "bevor", "inmitten", "angesichts",
	/* fr */ "malgré", "alors", "tandis", "après", "avant", "pendant",
	/* es */ "pese", "mientras", "tras", "después", "antes",
	/* pl */ "mimo", "pomimo", "podczas", "zanim", "obliczu",
	/* ru */ "несмотря", "фоне", "после", "пока", "перед",
	/* uk */ "попри", "тлі", "після", "поки",
};

/* Words that open a question when they open the headline. */
static const char *const interrogatives[] = {
	/* en */ "what", "how", "why", "who", "whom", "whose", "when", "where", "which",
	"can", "could", "is", "are", "was", "were", "does", "do", "did", "will", "would",
	"should", "has", "have",
	/* de */ "was", "wie", "warum", "wer", "wann", "wo", "welche", "welcher", "kann", "ist", "wird",
	/* fr */ "pourquoi", "comment", "quel", "quelle", "quels", "quelles", "qui", "que",
	/* es */ "qué", "cómo", "quién", "cuándo", "dónde", "cuál",
	/* pl */ "czy", "jak", "dlaczego", "co", "kto", "kiedy", "gdzie", "ile", "jaki", "jaka", "jakie",
	/* ru */ "что", "как", "почему", "кто", "когда", "где", "зачем",
	/* uk */ "що", "як", "чому", "хто", "коли", "де", "навіщо", "чи",
};

/* Whether the character at s (of n bytes left) is part of a word: ASCII
 * letters and digits, and every non-ASCII character but the punctuation of
 * U+2000..U+206F (quotes, dashes) and the guillemets. */
static size_t word_char_len(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return ((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z') || (s[0] >= '0' && s[0] <= '9');
	size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	if (len > n)
		return 0;
	if (s[0] == 0xe2 && (s[1] == 0x80 || s[1] == 0x81))
		return 0;
	if (s[0] == 0xc2 && (s[1] == 0xab || s[1] == 0xbb || s[1] == 0xbf || s[1] == 0xa1))
		return 0;
	return len;
}

/* The longest word of either list, in bytes: longer words are in neither. */
#define LIST_WORD_MAX 24

/* A list of words, and for each ASCII letter the lengths in bytes (bit
 * len) of its words that start with it. */
struct word_list {
	const char *const *v;
	size_t n;
	uint32_t lens[26];
};

static void word_list_init(struct word_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i][0] >= 'a' && l->v[i][0] <= 'z')
			l->lens[l->v[i][0] - 'a'] |= UINT32_C(1) << strlen(l->v[i]);
}

/* Whether w[0..len), in lower case, is in list. */
static bool word_is(const char *w, size_t len, const struct word_list *list)
{
	utf8proc_uint8_t low[LIST_WORD_MAX + 4];
	size_t n = 0;

	if (len > LIST_WORD_MAX || len < 2)
		return false;
	/* Most words of a title start with a letter, or are of a length, no
	 * listed word starting with an ASCII letter has. */
	unsigned char c0 = (unsigned char)w[0] | 0x20;
	if ((unsigned char)w[0] < 0x80 && (c0 < 'a' || c0 > 'z' || !(list->lens[c0 - 'a'] >> len & 1)))
		return false;
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)w[i];
		utf8proc_int32_t cp;
		utf8proc_ssize_t k;

		if (c < 0x80) {
			low[n++] = (utf8proc_uint8_t)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
			i++;
			continue;
		}
		k = utf8proc_iterate((const utf8proc_uint8_t *)w + i, (utf8proc_ssize_t)(len - i), &cp);
		if (k <= 0 || n + 4 > LIST_WORD_MAX)
			return false;
		n += (size_t)utf8proc_encode_char(utf8proc_tolower(cp), low + n);
		i += (size_t)k;
	}
	for (size_t i = 0; i < list->n; i++)
		if (list->v[i][0] == (char)low[0] && strlen(list->v[i]) == n && memcmp(list->v[i], low, n) == 0)
			return true;
	return false;
}

static struct word_list subordinator_list = { subordinators, ELEMENTSOF(subordinators), { 0 } };
static struct word_list interrogative_list = { interrogatives, ELEMENTSOF(interrogatives), { 0 } };

/* Before main(), so that threads only ever read the lists. */
static void __attribute__((constructor)) word_lists_init(void)
{
	word_list_init(&subordinator_list);
	word_list_init(&interrogative_list);
}

/* Calls each word of s in turn until visit returns true; returns the offset
 * of that word, or strlen(s), and in *ret_nth (if not NULL) how many words
 * came before it. */
static size_t find_word(const char *s, bool (*visit)(const char *w, size_t len, size_t nth), size_t *ret_nth)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, nth = 0;

	while (i < n) {
		size_t start, c;

		while (i < n && !(c = word_char_len(p + i, n - i)))
			i++;
		start = i;
		while (i < n && (c = word_char_len(p + i, n - i)))
			i += c;
		if (i > start && visit(s + start, i - start, nth++)) {
			if (ret_nth)
				*ret_nth = nth - 1;
			return start;
		}
	}
	if (ret_nth)
		*ret_nth = nth;
	return n;
}

static bool is_subordinator(const char *w, size_t len, size_t nth)
{
	return nth > 0 && word_is(w, len, &subordinator_list);
}

size_t headline_main_clause_len(const char *title)
{
	return headline_main_clause(title, NULL);
}

size_t headline_main_clause(const char *title, size_t *ret_words)
{
	size_t cut, words;
	unsigned char high = 0;

	if (ret_words)
		*ret_words = SIZE_MAX;
	if (!title)
		return 0;
	cut = find_word(title, is_subordinator, &words);
	/* Not the dash or comma that led into the clause. */
	while (cut > 0 && strchr(" \t,;-", title[cut - 1]))
		cut--;
	while (cut >= 3 && (unsigned char)title[cut - 3] == 0xe2 && (unsigned char)title[cut - 2] == 0x80 &&
	       ((unsigned char)title[cut - 1] == 0x93 || (unsigned char)title[cut - 1] == 0x94)) {
		cut -= 3;
		while (cut > 0 && strchr(" \t,;-", title[cut - 1]))
			cut--;
	}
	/* The words found are the scanner's tokens too when all are ASCII. */
	for (size_t i = 0; i < cut; i++)
		high |= (unsigned char)title[i];
	if (ret_words && high < 0x80)
		*ret_words = words;
	return cut;
}

static bool is_first(const char *w, size_t len, size_t nth)
{
	(void) w;
	(void) len;
	(void) nth;
	return true;
}

static bool headline_starts_with_interrogative(const char *title);

bool headline_is_question(const char *title)
{
	size_t n;

	if (!title)
		return false;
	/* ¿ opens a Spanish question. */
	for (const char *p = title; *p == ' ' || *p == '"' || (unsigned char)*p == 0xc2; p++)
		if ((unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xbf)
			return true;
	n = strlen(title);
	/* The last character that is not space or a closing quote. */
	while (n > 0) {
		unsigned char c = (unsigned char)title[n - 1];

		if (c == ' ' || c == '\t' || c == '"' || c == '\'' || c == ')')
			n--;
		else if (n >= 2 && (unsigned char)title[n - 2] == 0xc2 && c == 0xbb)
			n -= 2;         /* » */
		else if (n >= 3 && (unsigned char)title[n - 3] == 0xe2 && (unsigned char)title[n - 2] == 0x80 &&
			 (c == 0x99 || c == 0x9d))
			n -= 3;         /* ’ ” */
		else
			break;
	}
	if (n > 0 && title[n - 1] == '?')
		return true;
	/* "Kicker: How the talks stalled": the headline proper starts after
	 * the colon of a label. */
	const char *colon = strchr(title, ':');
	if (colon && colon - title < 40 && headline_starts_with_interrogative(colon + 1))
		return true;
	return headline_starts_with_interrogative(title);
}

static bool headline_starts_with_interrogative(const char *title)
{
	size_t n, first;

	first = find_word(title, is_first, NULL);
	if (first == strlen(title))
		return false;
	size_t left = strlen(title + first), c;
	n = 0;
	while (n < left && (c = word_char_len((const unsigned char *)title + first + n, left - n)))
		n += c;
	/* "WHO warns": an acronym, not a question. */
	if (n > 1 && title[first] >= 'A' && title[first] <= 'Z' && title[first + 1] >= 'A' &&
	    title[first + 1] <= 'Z')
		return false;
	return word_is(title + first, n, &interrogative_list);
}

static bool starts_with_article(const char *s)
{
	static const char *const articles[] = { "The ", "A ", "An " };

	while (*s == ' ' || *s == '"' || *s == '\'')
		s++;
	for (size_t i = 0; i < ELEMENTSOF(articles); i++)
		if (strncmp(s, articles[i], strlen(articles[i])) == 0)
			return true;
	return false;
}

bool headline_opens_with_article(const char *title)
{
	const char *colon;

	if (!title)
		return false;
	colon = strchr(title, ':');
	return starts_with_article(title) || (colon && colon - title < 40 && starts_with_article(colon + 1));
}

const char *headline_signals(const char *title)
{
	bool q = headline_is_question(title), a = headline_opens_with_article(title);

	return q && a ? "question article" : q ? "question" : a ? "article" : "";
}
