/* fuzz-atom.c - libFuzzer target for the Atom feed: any event log, read back,
 * folded and built into a document, gives well-formed XML (libxml2 reads it
 * back) whose only elements are ours. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "atom.h"
#include "buf.h"
#include "evlog.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {
	"feed", "id", "title", "subtitle", "updated", "author", "name", "generator", "entry",
	"link", "published", "category", "content",
};

static void check_elements(const xmlNode *n)
{
	for (; n; n = n->next) {
		bool is_ours = false;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		for (size_t i = 0; i < ELEMENTSOF(names); i++)
			is_ours |= strcmp((const char *)n->name, names[i]) == 0;
		if (!is_ours)
			abort();
		check_elements(n->children);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_buf_ struct buf doc = { 0 };
	struct evlog_entry **ev = NULL;
	const char *p = (const char *)data, *end = p + size;
	size_t n = 0;
	xmlDoc *x;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct evlog_entry *e = evlog_entry_from_line(p, len);

		if (e) {
			ev = xreallocarray(ev, n + 1, sizeof(*ev));
			ev[n++] = e;
		}
		p += len + 1;
	}
	evlog_group(ev, n);
	buf_init(&doc, 0);
	atom_build(ev, n, n > 0 && ev[0]->storyline ? ev[0]->storyline : "s", 100, 0, &doc);
	x = xmlReadMemory(doc.data, (int)doc.len, "fuzz.atom", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
			  XML_PARSE_NOWARNING);
	if (!x)
		abort();
	check_elements(xmlDocGetRootElement(x));
	xmlFreeDoc(x);
	evlog_entries_free(ev, n);
	return 0;
}
