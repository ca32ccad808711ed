/* entities.h - the HTML5 named character reference table (generated). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct html_entity {
	const char *name;   /* "amp;" or legacy "amp", sorted by strcmp */
	const char *utf8;   /* replacement text */
	bool is_html4;      /* named in HTML 4 (Python's entitydefs) */
};

extern const struct html_entity html_entities[];
extern const size_t html_entities_count;
