/* item-json.h - an entry's `storywatch parse` keys, for the commands that
 * print entries (parse, match). */
#pragma once

struct buf;
struct feed;
struct feed_item;

/* Writes the keys feed_title, title, link, id, published, updated, author,
 * summary and categories of it into the JSON object open in b (SPEC section
 * 2: null when absent, dates RFC 3339 UTC).  Returns 0 or -E2BIG. */
int item_json_fields(struct buf *b, const struct feed *f, const struct feed_item *it);
