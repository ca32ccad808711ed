/* dedup.h - is a report a development already reported by another?
 *
 * Outlets retell the same development in their own words and languages
 * within hours.  A signature keeps what survives retelling: the storyline
 * profile's facts the report names (language-independent: the profile lists
 * every spelling), the facts of its headline and the actor it leads with,
 * the rules' term lists its headline names (what was done, in any
 * language), its content words and its numbers.  Two reports are the same development when their signatures are
 * close, and closeness in time counts: a match needs less in common an hour
 * after the first report than half a day after it.  Pure: no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct match_result;

/* Past this, no report is a duplicate of another. */
#define DEDUP_WINDOW_USEC (UINT64_C(12) * 3600 * 1000000)
/* Similarity (0 to 1.3) from which a report is a duplicate; chosen on the
 * storyline-dev kits, written and real. */
#define DEDUP_THRESHOLD 0.45

/* Sorted, distinct 64-bit feature hashes; the top two bits say the kind. */
struct dedup_sig {
	uint64_t *v;
	size_t n;
};

void dedup_sig_done(struct dedup_sig *s);
static inline void dedup_sig_donep(struct dedup_sig *s) { dedup_sig_done(s); }
#define _cleanup_dedup_sig_ __attribute__((cleanup(dedup_sig_donep)))

/* The signature of a report: m's profile facts (and which of them are in the
 * title), and the words and numbers of title and summary (either may be NULL). */
void dedup_signature(const struct match_result *m, const char *title, const char *summary,
		     struct dedup_sig *ret);

/* Document frequencies of the recent stream: for each feature, how many of
 * n_docs reports have it.  What every report of the day says (the leaders,
 * the place, "summit") is frequent and weighs little; what sets a report
 * apart is rare and weighs much (inverse document frequency, as in
 * first-story detection).  Features sorted, counts beside them. */
struct dedup_df {
	uint64_t *f;
	uint32_t *n;
	size_t len;
	size_t n_docs;
};

/* The frequencies over sigs[0..n). */
void dedup_df_build(const struct dedup_sig *const *sigs, size_t n, struct dedup_df *ret);
void dedup_df_done(struct dedup_df *df);

/* How alike two reports are, dt_usec apart: the weight of what they share
 * over the geometric mean of each one's weight, each feature weighed by its
 * rarity in df (NULL: all alike), for words and for the language-independent
 * features (facts, numbers) apart, 0.5 each; up to 0.3 more for closeness
 * in time between outlets (one outlet's reports of a busy day are of many
 * developments); 0.1 less when their headlines lead with different actors;
 * 0 past DEDUP_WINDOW_USEC.  -0.1 to 1.3. */
double dedup_similarity(const struct dedup_sig *a, const struct dedup_sig *b,
			const struct dedup_df *df, uint64_t dt_usec, bool is_same_outlet);

/* The signature as bytes for the state file (8 bytes a feature, little
 * endian), and back: -EBADMSG for bytes that are not a signature. */
void dedup_sig_to_blob(const struct dedup_sig *s, unsigned char **ret, size_t *ret_len);
int dedup_sig_from_blob(const void *blob, size_t len, struct dedup_sig *ret);

/* What two reports share, in words a reader knows: each feature of
 * dedup_signature(m, title, summary) with the word (folded, as first found)
 * or the profile fact it stands for.  Sorted by feature. */
struct dedup_names {
	uint64_t *f;
	char **name;
	size_t n;
};

void dedup_names_build(const struct match_result *m, const char *title, const char *summary,
		       struct dedup_names *ret);
void dedup_names_done(struct dedup_names *names);
/* The name of feature f (borrowed), or NULL. */
const char *dedup_names_find(const struct dedup_names *names, uint64_t f);

/* The features both a and b have, sorted. */
void dedup_sig_shared(const struct dedup_sig *a, const struct dedup_sig *b, struct dedup_sig *ret);
