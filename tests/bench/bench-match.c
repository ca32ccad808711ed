/* bench-match.c - parse a feed corpus, then match its items against rule sets
 * of 10, 100 and 1000 generated rules and against a realistic small set.
 *
 * Usage: bench-match CORPUS_DIR [RULES_DIR]
 * CORPUS_DIR is the output of gen-corpus (it lists its feeds in paths.txt).
 * Times are CPU time of this process; the files are read before timing.
 * Each figure is the best of BENCH_REPS runs (default 3): the machine is
 * shared, and the least disturbed run is the closest to the code's own cost.
 * With BENCH_REALISTIC_ONLY=1 in the environment only the realistic set runs,
 * with BENCH_ONLY_RULES=N only the generated sets of N rules, and with
 * BENCH_ONLY_COMMON=P only those whose terms are P% everyday words (both
 * for a profiler). */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "diag.h"
#include "fold.h"
#include "match.h"
#include "parse.h"
#include "rules.h"
#include "util.h"

struct doc {
	char *data;
	size_t len;
};

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[65536];
	size_t n;

	if (!f)
		return NULL;
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		(void)buf_append(&b, chunk, n);
	fclose(f);
	*ret_len = b.len;
	return b.data ? buf_steal(&b) : xstrdup("");
}

/* Deterministic: the same rules on every run. */
static uint64_t rng_state = 20250318;
static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return (uint32_t)(rng_state >> 33) % n;
}

/* A term: a word from the corpus with probability common_pct, else a made-up
 * word that no item contains (names of other stories, other languages). */
static void put_term(struct buf *b, char **vocab, size_t n_vocab, unsigned common_pct)
{
	if (rnd(100) < common_pct)
		(void)buf_puts(b, vocab[rnd((uint32_t)n_vocab)]);
	else
		(void)buf_printf(b, "zq%ux%u", rnd(100000), rnd(1000));
	if (rnd(10) == 0)
		(void)buf_putc(b, '*');
}

static char *gen_rules(size_t n, char **vocab, size_t n_vocab, unsigned common_pct)
{
	struct buf b;

	buf_init(&b, 0);
	(void)buf_puts(&b, "storyline gen {\n notify at 5\n log at 2\n}\n");
	for (size_t i = 0; i < n; i++) {
		(void)buf_printf(&b, "rule g%zu {\n storyline gen\n weight %u\n match ", i, 1 + rnd(4));
		switch (rnd(5)) {
		case 0: /* (a OR b) AND c */
			(void)buf_puts(&b, "(");
			put_term(&b, vocab, n_vocab, common_pct);
			(void)buf_puts(&b, " OR ");
			put_term(&b, vocab, n_vocab, common_pct);
			(void)buf_puts(&b, ") AND ");
			put_term(&b, vocab, n_vocab, common_pct);
			break;
		case 1: /* a NEAR/5 b */
			put_term(&b, vocab, n_vocab, common_pct);
			(void)buf_puts(&b, " NEAR/5 ");
			put_term(&b, vocab, n_vocab, common_pct);
			break;
		case 2: /* "a b" AND NOT c */
			(void)buf_puts(&b, "\"");
			(void)buf_puts(&b, vocab[rnd((uint32_t)n_vocab)]);
			(void)buf_puts(&b, " ");
			if (rnd(100) < common_pct)
				(void)buf_puts(&b, vocab[rnd((uint32_t)n_vocab)]);
			else
				(void)buf_printf(&b, "zq%u", rnd(100000));
			(void)buf_puts(&b, "\" AND NOT ");
			put_term(&b, vocab, n_vocab, common_pct);
			break;
		case 3: /* title:a AND b */
			(void)buf_puts(&b, "title:");
			put_term(&b, vocab, n_vocab, common_pct);
			(void)buf_puts(&b, " AND ");
			put_term(&b, vocab, n_vocab, common_pct);
			break;
		case 4: /* a OR b OR c */
			put_term(&b, vocab, n_vocab, common_pct);
			(void)buf_puts(&b, " OR ");
			put_term(&b, vocab, n_vocab, common_pct);
			(void)buf_puts(&b, " OR ");
			put_term(&b, vocab, n_vocab, common_pct);
			break;
		}
		(void)buf_puts(&b, "\n}\n");
	}
	return buf_steal(&b);
}

static unsigned reps(void)
{
	const char *e = getenv("BENCH_REPS");
	int n = e ? atoi(e) : 3;

	return n > 0 ? (unsigned)n : 1;
}

static double run_match_once(const struct ruleset *rs, struct feed **feeds, size_t n_feeds,
			     unsigned *ret_hits)
{
	_cleanup_match_scratch_ struct match_scratch *scratch = NULL;
	unsigned hits = 0;
	double t0 = cpu_now();

	(void)match_scratch_new(&scratch);
	for (size_t i = 0; i < n_feeds; i++) {
		const struct feed *f = feeds[i];
		for (size_t j = 0; j < f->n_items; j++) {
			const struct feed_item *it = &f->items[j];
			struct match_input in = {
				.title = it->title, .summary = it->summary, .feed_title = f->title,
				.feed_url = f->link, .author = it->author, .link = it->link,
				.categories = (const char *const *)it->categories,
				.n_categories = it->n_categories,
				.is_evidence_for_relevant_only = true,  /* as the daemon */
			};
			struct match_result *m = NULL;
			if (match_item_scratch(rs, &in, scratch, &m) == 0) {
				hits += m->action != ACTION_IGNORE;
				match_result_free(m);
			}
		}
	}
	*ret_hits = hits;
	return cpu_now() - t0;
}

static double run_match(const struct ruleset *rs, struct feed **feeds, size_t n_feeds,
			unsigned *ret_hits)
{
	double best = 1e30;

	for (unsigned r = 0; r < reps(); r++)
		best = MIN(best, run_match_once(rs, feeds, n_feeds, ret_hits));
	return best;
}

int main(int argc, char **argv)
{
	const char *corpus, *rules_dir;
	struct doc *docs = NULL;
	struct feed **feeds;
	size_t n_docs = 0, n_items = 0, total_bytes = 0;
	char line[4096];

	if (argc < 2) {
		fprintf(stderr, "Usage: bench-match CORPUS_DIR [RULES_DIR]\n");
		return 2;
	}
	corpus = argv[1];
	rules_dir = argc > 2 ? argv[2] : NULL;

	_cleanup_free_ char *list = xasprintf("%s/paths.txt", corpus);
	FILE *pf = fopen(list, "r");
	if (!pf) {
		fprintf(stderr, "bench-match: %s: %s (generate it with gen-corpus -o %s)\n", list,
			strerror(errno), corpus);
		return 1;
	}
	while (fgets(line, sizeof(line), pf)) {
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		_cleanup_free_ char *path = xasprintf("%s/%s", corpus, line);
		docs = xreallocarray(docs, n_docs + 1, sizeof(*docs));
		docs[n_docs].data = slurp(path, &docs[n_docs].len);
		if (!docs[n_docs].data) {
			fprintf(stderr, "bench-match: %s: %s\n", path, strerror(errno));
			return 1;
		}
		total_bytes += docs[n_docs].len;
		n_docs++;
	}
	fclose(pf);

	/* Parse only: the feeds of the last run are kept for matching. */
	feeds = xcalloc(n_docs, sizeof(*feeds));
	double parse_sec = 1e30;
	for (unsigned r = 0; r < reps(); r++) {
		n_items = 0;
		for (size_t i = 0; i < n_docs; i++) {
			feed_free(feeds[i]);
			feeds[i] = NULL;
		}
		double t0 = cpu_now();
		for (size_t i = 0; i < n_docs; i++) {
			struct diag d = { 0 };
			if (parse_feed(docs[i].data, docs[i].len, NULL, &feeds[i], &d) < 0) {
				fprintf(stderr, "bench-match: feed %zu: %s\n", i, d.message ? d.message : "?");
				diag_clear(&d);
				return 1;
			}
			n_items += feeds[i]->n_items;
		}
		parse_sec = MIN(parse_sec, cpu_now() - t0);
	}
	printf("corpus: %zu feeds, %zu items, %.1f MB; CPU time, best of %u runs\n", n_docs, n_items,
	       total_bytes / 1e6, reps());
	printf("parse only:            %7.3f s  %9.0f items/s\n", parse_sec, n_items / parse_sec);

	/* The vocabulary of the generated rules: words of the first titles. */
	char **vocab = NULL;
	size_t n_vocab = 0;
	{
		struct fold_text ft = { 0 };
		for (size_t i = 0; i < n_docs && i < 100; i++)
			for (size_t j = 0; j < feeds[i]->n_items; j++)
				if (feeds[i]->items[j].title)
					fold_append(&ft, feeds[i]->items[j].title, strlen(feeds[i]->items[j].title));
		for (size_t i = 0; i < ft.n_tokens; i++) {
			const char *w = fold_token_str(&ft, i);
			bool seen = strlen(w) < 3;
			for (size_t k = 0; k < n_vocab && !seen; k++)
				seen = streq(vocab[k], w);
			if (seen)
				continue;
			vocab = xreallocarray(vocab, n_vocab + 1, sizeof(char *));
			vocab[n_vocab++] = xstrdup(w);
		}
		fold_text_free(&ft);
	}
	printf("generated rules draw from %zu corpus words\n", n_vocab);

	static const size_t sizes[] = { 10, 100, 1000 };
	/* Like real watch rules, most terms are names that few items contain
	 * (2% are everyday words of the corpus); then the worst case, every
	 * term an everyday word that nearly every item contains, so that nearly
	 * every rule must be evaluated and fires. */
	static const unsigned common[] = { 2, 100 };
	for (size_t c = 0; c < ELEMENTSOF(common) && !getenv("BENCH_REALISTIC_ONLY"); c++) {
		double base = 0;
		if (getenv("BENCH_ONLY_COMMON") && (unsigned)atoi(getenv("BENCH_ONLY_COMMON")) != common[c])
			continue;
		printf("generated rules, %u%% of terms everyday words of the corpus:\n", common[c]);
		for (size_t s = 0; s < ELEMENTSOF(sizes); s++) {
			struct rules_errors errs = { 0 };
			if (getenv("BENCH_ONLY_RULES") && (size_t)atoi(getenv("BENCH_ONLY_RULES")) != sizes[s])
				continue;
			struct ruleset *rs = NULL;
			unsigned hits;
			rng_state = 20250318 + sizes[s] + common[c];
			_cleanup_free_ char *text = gen_rules(sizes[s], vocab, n_vocab, common[c]);
			if (rules_compile_text("gen.rules", text, strlen(text), NULL, &rs, &errs) < 0) {
				rules_errors_print(&errs, stderr);
				return 1;
			}
			double sec = run_match(rs, feeds, n_docs, &hits);
			if (s == 0)
				base = sec;
			printf("  %4zu rules (%6zu terms): %7.3f s  %9.0f items/s  %5.2fx the 10-rule time"
			       "  (%u items logged or notified)\n",
			       sizes[s], ruleset_n_terms(rs), sec, n_items / sec, sec / base, hits);
			ruleset_free(rs);
		}
	}

	if (rules_dir) {
		struct rules_errors errs = { 0 };
		struct ruleset *rs = NULL;
		unsigned hits;
		if (rules_compile_dir(rules_dir, &rs, &errs) < 0) {
			rules_errors_print(&errs, stderr);
			return 1;
		}
		/* Parsing and matching timed in turns, so that both see the
		 * same machine: the shared machines are noisy. */
		double sec = 1e30, parse_again = 1e30;
		struct feed **again = xcalloc(n_docs, sizeof(*again));
		for (unsigned r = 0; r < reps(); r++) {
			double t0 = cpu_now();
			for (size_t i = 0; i < n_docs; i++)
				(void)parse_feed(docs[i].data, docs[i].len, NULL, &again[i], NULL);
			parse_again = MIN(parse_again, cpu_now() - t0);
			for (size_t i = 0; i < n_docs; i++) {
				feed_free(again[i]);
				again[i] = NULL;
			}
			sec = MIN(sec, run_match_once(rs, feeds, n_docs, &hits));
		}
		free(again);
		printf("realistic rules %s (%zu rules, %zu facts): %.3f s  %.0f items/s;"
		       " matching adds %.1f%% to parsing (%.3f s in the same turns)"
		       "  (%u items logged or notified)\n",
		       rules_dir, ruleset_n_rules(rs), ruleset_n_facts(rs), sec, n_items / sec,
		       100.0 * sec / parse_again, parse_again, hits);

		/* As the daemon does it: each feed matched right after it is
		 * parsed, against parsing alone, in alternate runs. */
		double both = 1e30, alone = 1e30;
		_cleanup_match_scratch_ struct match_scratch *scratch = NULL;
		(void)match_scratch_new(&scratch);
		for (unsigned r = 0; r < reps(); r++)
			for (int with_match = 0; with_match < 2; with_match++) {
				double t0 = cpu_now();
				for (size_t i = 0; i < n_docs; i++) {
					struct feed *f = NULL;
					if (parse_feed(docs[i].data, docs[i].len, NULL, &f, NULL) < 0)
						continue;
					for (size_t j = 0; with_match && j < f->n_items; j++) {
						const struct feed_item *it = &f->items[j];
						struct match_input in = {
							.title = it->title, .summary = it->summary,
							.feed_title = f->title, .feed_url = f->link,
							.author = it->author, .link = it->link,
							.categories = (const char *const *)it->categories,
							.n_categories = it->n_categories,
							.is_evidence_for_relevant_only = true,
						};
						struct match_result *m = NULL;
						if (match_item_scratch(rs, &in, scratch, &m) == 0)
							match_result_free(m);
					}
					feed_free(f);
				}
				double sec2 = cpu_now() - t0;
				if (with_match)
					both = MIN(both, sec2);
				else
					alone = MIN(alone, sec2);
			}
		printf("pipelined, each feed parsed then matched: %.3f s against %.3f s parsing alone:"
		       " matching adds %.1f%%\n", both, alone, 100.0 * (both - alone) / alone);
		ruleset_free(rs);
	}

	for (size_t i = 0; i < n_docs; i++) {
		feed_free(feeds[i]);
		free(docs[i].data);
	}
	free(feeds);
	free(docs);
	for (size_t i = 0; i < n_vocab; i++)
		free(vocab[i]);
	free(vocab);
	return 0;
}
