/* fuzz-rules.c - libFuzzer target: the rules compiler, then the matcher on
 * the same bytes read as an item. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "match.h"
#include "rules.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_errors errs = { 0 };
	struct ruleset *rs = NULL;
	_cleanup_free_ char *text = NULL;

	if (size > RULES_MAX_FILE_BYTES + 1)
		return 0;
	if (rules_compile_text("fuzz.rules", (const char *)data, size, NULL, &rs, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			free(rules_error_format(&errs.v[i]));
		rules_errors_clear(&errs);
		return 0;
	}
	/* The rules text doubles as the item: its words are the rules' terms. */
	text = xstrndup((const char *)data, size);
	const char *cats[] = { text, "energy" };
	struct match_input in = {
		.title = text, .summary = text, .feed_title = text, .feed_url = text,
		.author = text, .link = text, .categories = cats, .n_categories = 2,
	};
	struct match_result *res = NULL;
	if (match_item(rs, &in, &res) == 0)
		match_result_free(res);
	ruleset_free(rs);
	return 0;
}
