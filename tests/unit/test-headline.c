/* test-headline.c - a headline's main clause, and whether it asks. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "headline.h"

static void assert_main_clause(const char *title, const char *expected)
{
	size_t n = headline_main_clause_len(title);

	assert_int_equal(n, strlen(expected));
	assert_memory_equal(title, expected, n);
}

static void test_subordinate_clause_cut(void **state)
{
	assert_main_clause("Shelling hits a grain port amid truce talks in Geneva", "Shelling hits a grain port");
	assert_main_clause("Refinery burns for a third day despite the strike pause",
			   "Refinery burns for a third day");
	assert_main_clause("Envoy lands in Ankara - as both sides trade blame", "Envoy lands in Ankara");
	assert_main_clause("Talks stall \xe2\x80\x94 until the next round", "Talks stall");
	assert_main_clause("Ostrzał portu mimo rozmów o rozejmie", "Ostrzał portu");
	/* "на фоне" is cut at its second word: the preposition stays, harmless. */
	assert_main_clause("Обстрел порта на фоне переговоров", "Обстрел порта на");
	assert_main_clause("Обстріл порту попри перемир'я", "Обстріл порту");
}

static void test_main_clause_words(void **state)
{
	size_t words;

	assert_int_equal(headline_main_clause("Envoys meet in Geneva amid shelling", &words), 21);
	assert_int_equal(words, 4);
	assert_int_equal(headline_main_clause("Truce talks resume - as strikes go on", &words), 18);
	assert_int_equal(words, 3);
	assert_int_equal(headline_main_clause("Envoy's 2nd round ends", &words), 22);
	assert_int_equal(words, 5);     /* Envoy, s, 2nd, round, ends */
	/* not all ASCII: the scanner's tokens are not these words */
	headline_main_clause("Rozmowy z Zełenskim mimo ostrzału", &words);
	assert_int_equal(words, SIZE_MAX);
	assert_int_equal(headline_main_clause(NULL, &words), 0);
	assert_int_equal(words, SIZE_MAX);
}

static void test_whole_title_is_main_clause(void **state)
{
	/* No subordinator, or only as the first word. */
	assert_main_clause("Envoys agree a sea corridor in overnight talks", "Envoys agree a sea corridor in overnight talks");
	assert_main_clause("After the call, envoys agree a corridor", "After the call, envoys agree a corridor");
	assert_int_equal(headline_main_clause_len(NULL), 0);
	assert_int_equal(headline_main_clause_len(""), 0);
}

static void test_questions(void **state)
{
	assert_true(headline_is_question("Could a sea corridor hold through the winter?"));
	assert_true(headline_is_question("Will the envoys meet again \xe2\x80\x99soon?\xe2\x80\x99"));
	assert_true(headline_is_question("What a frozen front line would mean for the talks"));
	assert_true(headline_is_question("Czy rozejm przetrwa zimę"));
	assert_true(headline_is_question("Почему переговоры снова зашли в тупик"));
	assert_true(headline_is_question("\xc2\xbf" "Puede durar la tregua?"));
	assert_true(headline_is_question("Inside the room: how the envoys drafted the corridor"));
	assert_false(headline_is_question("Envoys agree a sea corridor"));
	assert_false(headline_is_question("Envoy: the corridor opens on Monday"));
	assert_false(headline_is_question("WHO warns of cholera near the front"));
	assert_false(headline_is_question(NULL));
	assert_string_equal(headline_signals("Can the corridor hold?"), "question");
	assert_string_equal(headline_signals("Corridor holds"), "");
}

static void test_articles(void **state)
{
	assert_true(headline_opens_with_article("The corridor talks were symbolic - but achieved little"));
	assert_true(headline_opens_with_article("A quiet envoy and the long road to a corridor"));
	assert_true(headline_opens_with_article("An envoy's week in the harbour town"));
	assert_true(headline_opens_with_article("Mira Holm: The patient negotiator behind the corridor"));
	assert_true(headline_opens_with_article("\"The corridor is dead,\" envoy says"));
	assert_false(headline_opens_with_article("Envoys agree a sea corridor"));
	assert_false(headline_opens_with_article("Theresa Holm leads the corridor talks"));
	assert_false(headline_opens_with_article("A-list envoys gather for corridor talks"));
	/* French and Spanish news headlines keep their articles. */
	assert_false(headline_opens_with_article("Le corridor maritime rouvre lundi"));
	assert_false(headline_opens_with_article("La tregua entra en vigor"));
	/* A colon far into the title is not a label's. */
	assert_false(headline_opens_with_article("Envoys from both sides met for six hours in the harbour: The corridor opens"));
	assert_false(headline_opens_with_article(NULL));
	assert_string_equal(headline_signals("The corridor holds"), "article");
	assert_string_equal(headline_signals("The corridor: will it hold?"), "question article");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subordinate_clause_cut),
		cmocka_unit_test(test_main_clause_words),
		cmocka_unit_test(test_whole_title_is_main_clause),
		cmocka_unit_test(test_questions),
		cmocka_unit_test(test_articles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
