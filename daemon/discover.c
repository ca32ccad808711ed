/* discover.c - feed autodiscovery: <link rel="alternate" type="application/
 * rss+xml" href="..."> in a page's head (the RSS Advisory Board's "RSS
 * Autodiscovery", and RFC 4287's media type for Atom). */

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "discover.h"
#include "util.h"

/* The feed types a feed reader follows; JSON Feed is not one we read. */
static bool is_feed_type(const char *type)
{
	static const char *const types[] = {
		"application/rss+xml", "application/atom+xml", "application/rdf+xml",
		"application/x-rss+xml", "application/x-atom+xml",
	};
	size_t n = strcspn(type, "; \t");

	for (size_t i = 0; i < ELEMENTSOF(types); i++)
		if (strlen(types[i]) == n && strncasecmp(type, types[i], n) == 0)
			return true;
	return false;
}

/* rel is a set of space-separated, case-insensitive tokens (HTML, "link
 * types"). */
static bool has_token(const char *rel, const char *token)
{
	size_t n = strlen(token);

	while (*rel) {
		size_t k;

		rel += strspn(rel, " \t\r\n\f");
		k = strcspn(rel, " \t\r\n\f");
		if (k == n && strncasecmp(rel, token, n) == 0)
			return true;
		rel += k;
	}
	return false;
}

static char *attr(xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *) name);
	char *s;

	if (!v)
		return NULL;
	s = xstrdup((const char *) v);
	xmlFree(v);
	return s;
}

/* href resolved against base (RFC 3986 section 5.2, by curl's URL parser);
 * NULL unless the result is http or https. */
static char *resolve(const char *base, const char *href)
{
	CURLU *h = curl_url();
	char *out = NULL, *scheme = NULL, *ret = NULL;

	if (!h)
		return NULL;
	if ((!base || curl_url_set(h, CURLUPART_URL, base, 0) == CURLUE_OK) &&
	    curl_url_set(h, CURLUPART_URL, href, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    (strcasecmp(scheme, "http") == 0 || strcasecmp(scheme, "https") == 0) &&
	    curl_url_get(h, CURLUPART_URL, &out, 0) == CURLUE_OK)
		ret = xstrdup(out);
	curl_free(out);
	curl_free(scheme);
	curl_url_cleanup(h);
	return ret;
}

static char *trimmed_text(xmlNode *n)
{
	xmlChar *c = xmlNodeGetContent(n);
	const char *s;
	char *ret;
	size_t len;

	if (!c)
		return NULL;
	s = (const char *) c;
	s += strspn(s, " \t\r\n");
	len = strlen(s);
	while (len > 0 && strchr(" \t\r\n", s[len - 1]))
		len--;
	ret = len > 0 ? xstrndup(s, len) : NULL;
	xmlFree(c);
	return ret;
}

struct found {
	struct discovered_feed *feeds;
	size_t n;
	char *base;      /* <base href>, resolved; NULL: the page's URL */
	char *title;
	const char *page_url;
};

static void walk(xmlNode *n, struct found *f)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcasecmp((const char *) n->name, "base") == 0 && !f->base) {
			_cleanup_free_ char *href = attr(n, "href");

			if (href)
				f->base = resolve(f->page_url, href);
		} else if (strcasecmp((const char *) n->name, "title") == 0 && !f->title)
			f->title = trimmed_text(n);
		else if (strcasecmp((const char *) n->name, "link") == 0) {
			_cleanup_free_ char *rel = attr(n, "rel"), *type = attr(n, "type");
			_cleanup_free_ char *href = attr(n, "href"), *url = NULL;
			bool is_known = false;

			if (!rel || !type || !href || !has_token(rel, "alternate") ||
			    !is_feed_type(type))
				continue;
			url = resolve(f->base ? f->base : f->page_url, href);
			if (!url)
				continue;
			for (size_t i = 0; i < f->n && !is_known; i++)
				is_known = streq(f->feeds[i].url, url);
			if (is_known)
				continue;
			f->feeds = xreallocarray(f->feeds, f->n + 1, sizeof(*f->feeds));
			f->feeds[f->n++] = (struct discovered_feed){
				.url = steal_ptr(url),
				.title = attr(n, "title"),
				.type = steal_ptr(type),
			};
			continue;
		}
		walk(n->children, f);
	}
}

int discover_feeds(const void *html, size_t len, const char *page_url,
		   struct discovered_feed **ret, size_t *ret_n, char **ret_title)
{
	struct found f = { .page_url = page_url };
	htmlDocPtr doc;

	if (len == 0 || len > INT32_MAX)
		return -EBADMSG;
	doc = htmlReadMemory(html, (int) len, page_url, NULL,
			     HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
			     HTML_PARSE_NONET | HTML_PARSE_NOBLANKS);
	if (!doc)
		return -EBADMSG;
	walk(xmlDocGetRootElement(doc), &f);
	xmlFreeDoc(doc);
	free(f.base);
	if (ret_title)
		*ret_title = steal_ptr(f.title);
	free(f.title);
	*ret = f.feeds;
	*ret_n = f.n;
	return 0;
}

void discovered_feeds_free(struct discovered_feed *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].url);
		free(f[i].title);
		free(f[i].type);
	}
	free(f);
}
