/* item-json.c - an entry's `storywatch parse` keys. */

#include <errno.h>

#include "buf.h"
#include "item-json.h"
#include "json.h"
#include "parse.h"
#include "timefmt.h"

static int write_date(struct buf *b, int64_t t)
{
	char s[TIMEFMT_RFC3339_MAX];

	if (t == PARSE_NO_DATE || timefmt_rfc3339(t, s) < 0)
		return json_null(b);
	return json_string(b, s);
}

int item_json_fields(struct buf *b, const struct feed *f, const struct feed_item *it)
{
	int r = 0;

	r |= json_key(b, "feed_title");
	r |= json_string(b, f->title);
	r |= json_key(b, "title");
	r |= json_string(b, it->title);
	r |= json_key(b, "link");
	r |= json_string(b, it->link);
	r |= json_key(b, "id");
	r |= json_string(b, it->id);
	r |= json_key(b, "published");
	r |= write_date(b, it->published);
	r |= json_key(b, "updated");
	r |= write_date(b, it->updated);
	r |= json_key(b, "author");
	r |= json_string(b, it->author);
	r |= json_key(b, "summary");
	r |= json_string(b, it->summary);
	r |= json_key(b, "categories");
	r |= json_begin_array(b);
	for (size_t i = 0; i < it->n_categories; i++)
		r |= json_string(b, it->categories[i]);
	r |= json_end_array(b);
	return r < 0 ? -E2BIG : 0;
}
