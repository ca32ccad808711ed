/* headline.h - how a headline is built: its main clause, and whether it asks.
 *
 * Editors put the news of a report in the main clause of its headline and the
 * setting in a subordinate one ("Drone strike kills two amid truce talks").
 * A headline that asks ("Can the talks succeed?", "What would a deal look
 * like?") introduces an explainer or an analysis, not an event.  These
 * signals are language data, not story data: the rule language exposes them
 * as the `headline:` and `signal:` scopes (storywatch.rules(5)).  Pure. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The length in bytes of title's main clause: the title up to the first word
 * that opens a subordinate clause ("amid", "despite", "as", "after", "until",
 * "while" and their equivalents in German, French, Spanish, Polish, Russian
 * and Ukrainian), with the space and dash before it.  A title that opens with
 * such a word is all main clause ("After the call, ..." names its news after
 * the comma; the first word alone is not cut).  0 for NULL. */
size_t headline_main_clause_len(const char *title);

/* headline_main_clause_len(), and in *ret_words the number of words before
 * the cut when they are all ASCII (then they are the scanner's tokens too,
 * runs of letters and digits, and a matcher can tell the main clause's
 * words by their index), SIZE_MAX when they are not. */
size_t headline_main_clause(const char *title, size_t *ret_words);

/* Whether title asks a question: it ends in a question mark, or its first
 * word is an interrogative ("What", "How", "Why", "Can", "Czy", "Что", ...). */
bool headline_is_question(const char *title);

/* Whether title opens with an English article ("The", "A", "An"), at its
 * start or after a label's colon.  Headlinese drops articles: news reads
 * "Kremlin rejects truce plan"; a feature, a profile or an analysis keeps
 * them ("The talks were symbolic - but ...", "Envoy: The quiet man behind
 * ...").  English only: French, Spanish and German news headlines open
 * with articles as a rule, Slavic languages have none. */
bool headline_opens_with_article(const char *title);

/* The words of the `signal:` scope for title, separated by spaces:
 * "question" when headline_is_question(), "article" when
 * headline_opens_with_article(); "" when no signal holds. */
const char *headline_signals(const char *title);
