/* fuzz-parse.c - libFuzzer entry point for the feed parser and its helpers. */
#include <stdint.h>
#include <string.h>

#include "diag.h"
#include "parse.h"
#include "text.h"
#include "timefmt.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct parse_options opts = { .max_bytes = 1024 * 1024, .base_url = "http://example.org/feed/" };
	struct feed *f = NULL;
	struct diag d = {};

	if (parse_feed(data, size, &opts, &f, &d) == 0) {
		size_t sum = 0;

		/* touch everything the parser returned */
		sum += f->title ? strlen(f->title) : 0;
		for (size_t i = 0; i < f->n_items; i++) {
			const struct feed_item *it = &f->items[i];
			char date[TIMEFMT_RFC3339_MAX];

			sum += it->title ? strlen(it->title) : 0;
			sum += it->link ? strlen(it->link) : 0;
			sum += it->id ? strlen(it->id) : 0;
			sum += it->author ? strlen(it->author) : 0;
			sum += it->summary ? strlen(it->summary) : 0;
			for (size_t k = 0; k < it->n_categories; k++)
				sum += strlen(it->categories[k]);
			if (it->published != PARSE_NO_DATE)
				(void)timefmt_rfc3339(it->published, date);
		}
		(void)sum;
		feed_free(f);
	}
	diag_clear(&d);

	/* the text and date helpers on their own, on small inputs */
	if (size < 4096) {
		int64_t t;
		char *s = text_normalize((const char *)data, size, TEXT_HTML, true);

		free(s);
		s = text_normalize((const char *)data, size, TEXT_PLAIN, true);
		free(s);
		(void)text_looks_like_html((const char *)data, size);
		if (timefmt_parse((const char *)data, size, &t) == 0) {
			char out[TIMEFMT_RFC3339_MAX];

			(void)timefmt_rfc3339(t, out);
		}
	}
	return 0;
}
