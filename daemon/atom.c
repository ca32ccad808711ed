/* atom.c - the Atom 1.0 feed of a storyline (RFC 4287). */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atom.h"
#include "buf.h"
#include "evlog.h"
#include "markup.h"
#include "timefmt.h"
#include "util.h"

/* RFC 4151: tag:authority,date:specific.  The date is the project's, fixed
 * for good: ids must never change. */
#define TAG_PREFIX "tag:storywatch,2025:"

bool atom_is_storyline_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 128 || name[0] == '.')
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/')
			return false;
	return true;
}

/* RFC 5646 in its common shape: letters, then subtags of letters and digits. */
static bool is_language_tag(const char *s)
{
	size_t run = 0;

	if (!s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	for (; *s; s++) {
		if (*s == '-') {
			if (run == 0)
				return false;
			run = 0;
		} else if (((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			    (*s >= '0' && *s <= '9')) && run < 8)
			run++;
		else
			return false;
	}
	return run > 0;
}

static void put_time(struct buf *b, const char *tag, time_t t)
{
	char s[TIMEFMT_RFC3339_MAX];

	if (timefmt_rfc3339((int64_t)t, s) < 0)
		(void)timefmt_rfc3339(0, s);
	(void)buf_printf(b, "<%s>%s</%s>\n", tag, s, tag);
}

static void put_text(struct buf *b, const char *s)
{
	(void)markup_escape(b, s ? s : "");
}

/* The entry's content as HTML, before it is escaped into the XML. */
static void content_html(const struct evlog_entry *e, struct buf *h)
{
	char tmp[256], when[TIMEFMT_RFC3339_MAX];
	size_t n_reports = 0, n_updates = 0;

	(void)buf_puts(h, "<p>First reported by ");
	put_text(h, evlog_outlet(e, tmp, sizeof(tmp)));
	(void)timefmt_rfc3339((int64_t)e->time, when);
	(void)buf_printf(h, " at %s.</p>", when);
	for (size_t i = 0; i < e->n_children; i++)
		if (streq(e->children[i]->event, "update"))
			n_updates++;
		else
			n_reports++;
	if (n_reports > 0) {
		(void)buf_printf(h, "<p>%zu other report%s:</p><ul>", n_reports,
				 n_reports == 1 ? "" : "s");
		for (size_t i = 0; i < e->n_children; i++) {
			const struct evlog_entry *c = e->children[i];

			if (streq(c->event, "update"))
				continue;
			(void)buf_puts(h, "<li>");
			if (evlog_is_web_link(c->link)) {
				(void)buf_puts(h, "<a href=\"");
				put_text(h, c->link);
				(void)buf_puts(h, "\">");
			}
			put_text(h, evlog_outlet(c, tmp, sizeof(tmp)));
			if (evlog_is_web_link(c->link))
				(void)buf_puts(h, "</a>");
			(void)buf_puts(h, ": ");
			put_text(h, c->title ? c->title : "(no title)");
			(void)buf_puts(h, "</li>");
		}
		(void)buf_puts(h, "</ul>");
	}
	if (n_updates > 0) {
		(void)buf_puts(h, "<p>Updated:</p><ul>");
		for (size_t i = 0; i < e->n_children; i++) {
			const struct evlog_entry *c = e->children[i];

			if (!streq(c->event, "update"))
				continue;
			(void)timefmt_rfc3339((int64_t)c->time, when);
			(void)buf_printf(h, "<li>%s: ", when);
			put_text(h, c->title ? c->title : "(no title)");
			(void)buf_puts(h, "</li>");
		}
		(void)buf_puts(h, "</ul>");
	}
	if (e->rules[0]) {
		(void)buf_puts(h, "<p>Rules: ");
		for (char **r = e->rules; *r; r++) {
			if (r != e->rules)
				(void)buf_puts(h, ", ");
			put_text(h, *r);
		}
		(void)buf_puts(h, "</p>");
	}
}

static void put_entry(struct buf *b, const char *storyline, const struct evlog_entry *e)
{
	_cleanup_buf_ struct buf html;
	char tmp[256];
	time_t updated = evlog_updated(e);

	buf_init(&html, 0);
	(void)buf_puts(b, "<entry");
	if (is_language_tag(e->lang))
		(void)buf_printf(b, " xml:lang=\"%s\"", e->lang);
	(void)buf_puts(b, ">\n<id>" TAG_PREFIX);
	(void)markup_pct_encode(b, storyline);
	(void)buf_puts(b, "/");
	if (e->id)
		(void)markup_pct_encode(b, e->id);
	else
		(void)buf_printf(b, "seq-%lld", (long long)e->seq);
	(void)buf_puts(b, "</id>\n<title type=\"text\">");
	put_text(b, e->title ? e->title : "(no title)");
	(void)buf_puts(b, "</title>\n");
	if (evlog_is_web_link(e->link)) {
		(void)buf_puts(b, "<link rel=\"alternate\" href=\"");
		put_text(b, e->link);
		(void)buf_puts(b, "\"/>\n");
	}
	put_time(b, "published", e->has_published && e->published <= updated ? e->published : e->time);
	put_time(b, "updated", updated);
	(void)buf_puts(b, "<author><name>");
	put_text(b, evlog_outlet(e, tmp, sizeof(tmp)));
	(void)buf_puts(b, "</name></author>\n");
	for (char **r = e->rules; *r; r++) {
		(void)buf_puts(b, "<category term=\"");
		put_text(b, *r);
		(void)buf_puts(b, "\"/>\n");
	}
	content_html(e, &html);
	(void)buf_puts(b, "<content type=\"html\">");
	put_text(b, buf_str(&html));
	(void)buf_puts(b, "</content>\n</entry>\n");
}

void atom_build(struct evlog_entry **ev, size_t n, const char *storyline, size_t max_entries,
		time_t now, struct buf *out)
{
	_cleanup_free_ struct evlog_entry **devs = NULL;
	size_t n_devs = 0;
	time_t updated = 0;

	/* Newest first; the log is in time order. */
	devs = xcalloc(max_entries + 1, sizeof(*devs));
	for (size_t i = n; i-- > 0 && n_devs < max_entries;)
		if (evlog_is_development(ev[i]) && streq(ev[i]->storyline, storyline))
			devs[n_devs++] = ev[i];
	for (size_t i = 0; i < n_devs; i++)
		updated = MAX(updated, evlog_updated(devs[i]));

	(void)buf_puts(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		       "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<id>" TAG_PREFIX);
	(void)markup_pct_encode(out, storyline);
	(void)buf_puts(out, "</id>\n<title type=\"text\">storywatch: ");
	put_text(out, storyline);
	(void)buf_puts(out, "</title>\n<subtitle type=\"text\">The developments of the storyline ");
	put_text(out, storyline);
	(void)buf_puts(out, ", each with the other outlets' reports of it.</subtitle>\n");
	put_time(out, "updated", n_devs > 0 ? updated : now);
	(void)buf_puts(out, "<author><name>storywatch</name></author>\n"
		       "<generator version=\"" PACKAGE_VERSION "\">storywatch</generator>\n");
	for (size_t i = 0; i < n_devs; i++)
		put_entry(out, storyline, devs[i]);
	(void)buf_puts(out, "</feed>\n");
}

static bool keep_storyline(const struct evlog_entry *e, void *userdata)
{
	return streq(e->storyline, userdata);
}

int atom_write(const char *dir, const char *event_log, const char *storyline,
	       size_t max_entries)
{
	_cleanup_buf_ struct buf doc = { 0 };
	_cleanup_free_ char *path = NULL, *tmp = NULL;
	struct evlog_entry **ev = NULL;
	size_t n = 0;
	int fd, dfd, r;

	if (!atom_is_storyline_name(storyline))
		return -EINVAL;
	r = evlog_load(event_log, keep_storyline, (void *)storyline, &ev, &n, NULL);
	if (r < 0)
		return r;
	buf_init(&doc, 0);
	evlog_group(ev, n);
	atom_build(ev, n, storyline, max_entries, evlog_now(), &doc);
	evlog_entries_free(ev, n);

	path = xasprintf("%s/%s.atom", dir, storyline);
	tmp = xasprintf("%s/.%s.atom.XXXXXX", dir, storyline);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* A feed reader or a web server reads it, as another user perhaps. */
	r = fchmod(fd, 0644) < 0 ? -errno : 0;
	if (r == 0)
		r = write_all(fd, doc.data, doc.len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlink(tmp);
		return r;
	}
	/* The rename itself survives a power cut once the directory is synced. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}
