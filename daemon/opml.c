/* opml.c - feed subscriptions from OPML 1.0/2.0 (http://opml.org/spec2.opml). */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>

#include "diag.h"
#include "opml.h"
#include "util.h"

struct opml_reader {
	const char *file;
	struct diag_list *diags;
	unsigned n_errors;
	bool has_doctype;
	bool has_xml_error;
	struct opml_outline *outlines;
	size_t n_outlines, cap_outlines;
};

static void reader_error(struct opml_reader *r, unsigned line, unsigned column,
			 const char *fmt, ...) _printf_(4, 5);

static void reader_error(struct opml_reader *r, unsigned line, unsigned column,
			 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_list_vadd(r->diags, r->file, line, column, fmt, ap);
	va_end(ap);
	r->n_errors++;
}

/* Called for <!DOCTYPE ...> before its internal subset is read: stopping here
 * means no entity is ever declared, so none can expand or load a file. */
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
		       const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct opml_reader *r = ctxt->_private;

	r->has_doctype = true;
	reader_error(r, (unsigned)xmlSAX2GetLineNumber(ctxt), 0,
		     "document type declarations are not allowed in OPML");
	xmlStopParser(ctxt);
}

/* libxml2 reports errors as they happen; the first one explains the rest. */
static void on_error(void *data, xmlErrorPtr err)
{
	xmlParserCtxtPtr ctxt = data;
	struct opml_reader *r = ctxt->_private;
	_cleanup_free_ char *msg = NULL;
	size_t n;

	if (r->has_doctype || r->has_xml_error || err->level < XML_ERR_ERROR)
		return;
	r->has_xml_error = true;
	msg = xstrdup(err->message ? err->message : "unknown error");
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	reader_error(r, err->line > 0 ? (unsigned)err->line : 0,
		     err->int2 > 0 ? (unsigned)err->int2 : 0, "not well-formed XML: %s", msg);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The attribute's value, trimmed; NULL when absent or blank.  Exporters
 * disagree on case ("xmlUrl", "xmlurl"), so the name is matched without it. */
static char *outline_attr(xmlNodePtr node, const char *name)
{
	for (xmlAttrPtr a = node->properties; a; a = a->next) {
		_cleanup_free_ char *raw = NULL;
		xmlChar *v;
		const char *s;
		size_t n;

		if (xmlStrcasecmp(a->name, BAD_CAST name) != 0)
			continue;
		v = xmlNodeListGetString(node->doc, a->children, 1);
		if (!v)
			return NULL;
		raw = xstrdup((const char *)v);
		xmlFree(v);
		s = raw;
		while (is_space(*s))
			s++;
		n = strlen(s);
		while (n > 0 && is_space(s[n - 1]))
			n--;
		return n > 0 ? xstrndup(s, n) : NULL;
	}
	return NULL;
}

static bool is_element(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST name);
}

static bool has_outline_children(xmlNodePtr node)
{
	for (xmlNodePtr c = node->children; c; c = c->next)
		if (is_element(c, "outline"))
			return true;
	return false;
}

/* Depth is bounded by libxml2's own nesting limit (256 without XML_PARSE_HUGE). */
static void read_outlines(struct opml_reader *r, xmlNodePtr parent)
{
	for (xmlNodePtr node = parent->children; node; node = node->next) {
		_cleanup_free_ char *url = NULL, *title = NULL, *type = NULL;
		unsigned line;

		if (!is_element(node, "outline"))
			continue;
		line = (unsigned)xmlGetLineNo(node);
		url = outline_attr(node, "xmlUrl");
		if (url) {
			title = outline_attr(node, "title");
			if (!title)
				title = outline_attr(node, "text");
			if (r->n_outlines == r->cap_outlines) {
				r->cap_outlines = MAX(2 * r->cap_outlines, (size_t) 64);
				r->outlines = xreallocarray(r->outlines, r->cap_outlines,
							    sizeof(*r->outlines));
			}
			r->outlines[r->n_outlines++] = (struct opml_outline){
				.url = steal_ptr(url),
				.title = steal_ptr(title),
				.line = line,
			};
		} else {
			/* A folder has children and no type; a feed entry that
			 * lost its address is a mistake worth reporting. */
			type = outline_attr(node, "type");
			if (type && !has_outline_children(node) &&
			    (strcasecmp(type, "rss") == 0 || strcasecmp(type, "atom") == 0)) {
				title = outline_attr(node, "title");
				if (!title)
					title = outline_attr(node, "text");
				reader_error(r, line, 0, "outline%s%s%s has type=\"%s\" but no xmlUrl",
					     title ? " \"" : "", title ? title : "", title ? "\"" : "",
					     type);
			}
		}
		read_outlines(r, node);
	}
}

void opml_outlines_free(struct opml_outline *o, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(o[i].url);
		free(o[i].title);
	}
	free(o);
}

int opml_read(const void *data, size_t len, const char *file,
	      struct opml_outline **ret, size_t *ret_n, struct diag_list *diags)
{
	struct opml_reader r = { .file = file, .diags = diags };
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc = NULL;
	xmlNodePtr root, body = NULL;

	if (len > OPML_MAX_BYTES) {
		diag_list_add(diags, file, 0, 0, "file too large (more than %u MiB)",
			      OPML_MAX_BYTES / (1024 * 1024));
		return -EFBIG;
	}

	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		fputs("storywatch: out of memory\n", stderr);
		abort();
	}
	ctxt->_private = &r;
	ctxt->sax->internalSubset = on_doctype;
	ctxt->sax->serror = on_error;
	/* No XML_PARSE_NOENT, DTDLOAD, DTDATTR or HUGE: nothing is fetched,
	 * substituted or allowed past libxml2's limits. */
	doc = xmlCtxtReadMemory(ctxt, data, (int)len, file, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
				XML_PARSE_BIG_LINES | XML_PARSE_COMPACT);
	if (!r.has_doctype && !r.has_xml_error && (!doc || !ctxt->wellFormed))
		reader_error(&r, 0, 0, "not well-formed XML");
	xmlFreeParserCtxt(ctxt);
	if (r.n_errors > 0)
		goto out;

	root = xmlDocGetRootElement(doc);
	if (!root || !is_element(root, "opml")) {
		reader_error(&r, root ? (unsigned)xmlGetLineNo(root) : 0, 0,
			     "not an OPML document: the root element is <%s>, not <opml>",
			     root ? (const char *)root->name : "");
		goto out;
	}
	for (xmlNodePtr c = root->children; c && !body; c = c->next)
		if (is_element(c, "body"))
			body = c;
	if (!body) {
		reader_error(&r, (unsigned)xmlGetLineNo(root), 0, "OPML document has no <body>");
		goto out;
	}
	read_outlines(&r, body);

out:
	xmlFreeDoc(doc);
	if (r.n_errors > 0) {
		opml_outlines_free(r.outlines, r.n_outlines);
		return -EINVAL;
	}
	*ret = r.outlines;
	*ret_n = r.n_outlines;
	return 0;
}
