/* cmd-feeds.c - storywatch feeds: list, add, remove, import and export the
 * feeds list storywatchd reads.
 *
 * Edits work on the file's text, line by line, so that its comments, blank
 * lines and per-feed intervals stay as the user wrote them; the result is
 * read back with the daemon's own reader before it replaces the file. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>

#include "buf.h"
#include "cli.h"
#include "config.h"
#include "config-internal.h"
#include "diag.h"
#include "discover.h"
#include "fetch-easy.h"
#include "options.h"
#include "parse.h"
#include "store.h"
#include "util.h"

#define SHIPPED_FEEDS PKGDATADIR "/feeds"

/* The list as it is now, and where an edit goes. */
struct feeds_file {
	char *path;              /* the file edits write */
	char *source;            /* the file read: path, or the shipped list */
	struct buf text;         /* its contents */
	bool is_opml;
	struct feed_source *feeds;
	size_t n_feeds;
	struct config *cfg;      /* timeouts, User-Agent, state directory */
};

static void feeds_file_done(struct feeds_file *f)
{
	free(f->path);
	free(f->source);
	buf_free(&f->text);
	feed_sources_free(f->feeds, f->n_feeds);
	config_free(f->cfg);
}

static void help(FILE *f)
{
	fputs("Usage: storywatch feeds [--config FILE] [--system|--user] [--feeds FILE] COMMAND [ARGS]\n"
	      "\n"
	      "Show and edit the feeds list storywatchd reads (default: the one its\n"
	      "configuration names, else 'feeds' next to the configuration file).\n"
	      "\n"
	      "  list                 the feeds, one URL per line\n"
	      "  add URL              add a feed; URL may be a web page that links to its\n"
	      "                       feeds (<link rel=\"alternate\">): the only one is\n"
	      "                       taken, several are offered on a terminal\n"
	      "  remove URL...        remove these feeds\n"
	      "  import FILE          add the feeds of an OPML file (or a plain list)\n"
	      "  export               the feeds as OPML 2.0 on standard output\n"
	      "\n"
	      CLI_INSTANCE_HELP
	      "  --feeds FILE         this feeds list instead\n"
	      "  --no-fetch           add: do not download URL to check it\n"
	      "  -h, --help           show this help\n"
	      "\n"
	      "Edits keep the file's comments and replace it atomically; a running\n"
	      "storywatchd reads the new list on reload (SIGHUP).\n", f);
}

static void print_diags(const struct diag_list *diags)
{
	for (size_t i = 0; i < diags->n; i++) {
		_cleanup_free_ char *line = diag_format(&diags->diags[i]);

		fprintf(stderr, "%s\n", line);
	}
}

static bool looks_like_xml(const char *s, size_t n)
{
	size_t i = 0;

	if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n && strchr(" \t\r\n", s[i]))
		i++;
	return i < n && s[i] == '<';
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t) (slash - path));
}

/* Finds the list as storywatchd would and reads it. */
static int feeds_file_open(const struct cli_instance *in, const char *feeds_arg,
			   struct feeds_file *ret)
{
	_cleanup_(diag_list_clearp) struct diag_list diags = { 0 };
	struct config_overrides o = in->o;
	_cleanup_free_ char *config_path = NULL;
	int r;

	buf_init(&ret->text, FEEDS_MAX_BYTES);
	/* A named list that does not exist yet is one to create. */
	if (feeds_arg && access(feeds_arg, F_OK) == 0)
		o.feeds_file = feeds_arg;
	r = config_load_all(&o, &ret->cfg, &diags);
	if (r < 0) {
		print_diags(&diags);
		return r;
	}
	cli_instance_describe("feeds", in, ret->cfg);
	if (feeds_arg) {
		ret->path = xstrdup(feeds_arg);
		ret->source = xstrdup(feeds_arg);
	} else if (ret->cfg->feeds_file && !streq(ret->cfg->feeds_file, SHIPPED_FEEDS)) {
		ret->path = xstrdup(ret->cfg->feeds_file);
		ret->source = xstrdup(ret->cfg->feeds_file);
	} else {
		/* The daemon falls back on the shipped list: a change makes the
		 * user's own copy of it, next to the configuration. */
		_cleanup_free_ char *dir = NULL;

		config_path = o.config_file ? xstrdup(o.config_file) :
			      config_default_path_as(config_instance_is_system(o.instance));
		if (!config_path) {
			fprintf(stderr, "storywatch feeds: cannot tell where the configuration is "
				"(set $HOME or use --feeds FILE)\n");
			return -ENOENT;
		}
		dir = dir_of(config_path);
		ret->path = xasprintf("%s/feeds", dir);
		ret->source = xstrdup(ret->cfg->feeds_file ? ret->cfg->feeds_file : ret->path);
	}

	r = cli_read_document(ret->source, &ret->text);
	if (r == -ENOENT)
		return 0;     /* no list yet */
	if (r < 0) {
		fprintf(stderr, "storywatch feeds: %s: %s\n", ret->source,
			r == -EFBIG ? "too large for a feeds list" : strerror(-r));
		return r;
	}
	ret->is_opml = looks_like_xml(ret->text.data ? ret->text.data : "", ret->text.len);
	r = config_parse_feeds(buf_str(&ret->text), ret->text.len, ret->source, &ret->feeds,
			       &ret->n_feeds, &diags);
	if (r < 0) {
		print_diags(&diags);
		return r;
	}
	return 0;
}

/* ---- writing ------------------------------------------------------------------ */

static int mkdir_parents(const char *path)
{
	_cleanup_free_ char *dir = dir_of(path);
	struct stat st;
	int r;

	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	r = mkdir_parents(dir);
	if (r < 0)
		return r;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Replaces path with text: a new file in the same directory, synced, then
 * renamed over the old one, so a reader sees the old list or the new one,
 * never half of either (rename(2)).  A symbolic link is followed: its target
 * is what the user edits. */
static int write_atomic(const char *path, const char *text, size_t len)
{
	_cleanup_free_ char *real = realpath(path, NULL), *tmp = NULL, *dir = NULL;
	const char *target = real ? real : path;
	mode_t mode = 0644;
	struct stat st;
	int fd, r = 0;

	if (stat(target, &st) == 0)
		mode = st.st_mode & 07777;
	r = mkdir_parents(target);
	if (r < 0)
		return r;
	tmp = xasprintf("%s.XXXXXX", target);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (size_t done = 0; done < len && r == 0;) {
		ssize_t k = write(fd, text + done, len - done);

		if (k < 0 && errno != EINTR)
			r = -errno;
		else if (k > 0)
			done += (size_t) k;
	}
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, target) < 0)
		r = -errno;
	if (r < 0) {
		(void) unlink(tmp);
		return r;
	}
	dir = dir_of(target);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void) fsync(fd);
		close(fd);
	}
	return 0;
}

static void print_reload_hint(void)
{
	printf("A running storywatchd reads it on reload: %s, or kill -HUP its pid.\n",
	       geteuid() == 0 ? "systemctl reload storywatchd"
			      : "systemctl --user reload storywatchd");
}

/* Checks the new text with the daemon's reader, then writes it. */
static int commit(struct feeds_file *f, const struct buf *text)
{
	_cleanup_(diag_list_clearp) struct diag_list diags = { 0 };
	struct feed_source *feeds = NULL;
	size_t n = 0;
	int r;

	r = config_parse_feeds(buf_str(text), text->len, f->path, &feeds, &n, &diags);
	if (r < 0) {
		print_diags(&diags);
		fprintf(stderr, "storywatch feeds: %s left as it was\n", f->path);
		return r;
	}
	feed_sources_free(feeds, n);
	r = write_atomic(f->path, buf_str(text), text->len);
	if (r < 0) {
		fprintf(stderr, "storywatch feeds: %s: cannot write: %s\n", f->path, strerror(-r));
		return r;
	}
	return 0;
}

static bool is_listed(const struct feeds_file *f, const char *url)
{
	for (size_t i = 0; i < f->n_feeds; i++)
		if (streq(f->feeds[i].url, url))
			return true;
	return false;
}

/* The text of the list with a trailing newline, to append to. */
static void start_edit(const struct feeds_file *f, struct buf *out)
{
	buf_init(out, FEEDS_MAX_BYTES);
	if (f->text.len == 0)
		return;
	(void) buf_append(out, f->text.data, f->text.len);
	if (f->text.data[f->text.len - 1] != '\n')
		(void) buf_putc(out, '\n');
}

/* A title goes in as a comment line: the plain list has no field for it. */
static int append_feed(struct buf *out, const char *url, const char *title)
{
	int r = 0;

	if (title && *title && !streq(title, url)) {
		r |= buf_puts(out, "# ");
		for (const char *p = title; *p; p++)
			r |= buf_putc(out, *p == '\n' || *p == '\r' ? ' ' : *p);
		r |= buf_putc(out, '\n');
	}
	r |= buf_printf(out, "%s\n", url);
	return r < 0 ? -EFBIG : 0;
}

static int refuse_opml(const struct feeds_file *f)
{
	if (!f->is_opml)
		return 0;
	fprintf(stderr, "storywatch feeds: %s is an OPML file; change it in the feed reader "
		"that wrote it, or name a plain list with feeds= in storywatch.conf\n", f->source);
	return -EINVAL;
}

/* ---- add ---------------------------------------------------------------------- */

static void options_from_config(const struct config *c, struct fetch_options *o)
{
	*o = (struct fetch_options){
		.connect_timeout_usec = c->connect_timeout_usec,
		.low_speed_time_usec = c->low_speed_time_usec,
		.total_timeout_usec = c->total_timeout_usec,
		.max_body_bytes = c->max_body_bytes,
		.max_redirects = c->max_redirects,
		.user_agent = c->user_agent,
	};
}

/* Asks on the terminal which of the feeds to add; -ECANCELED when none. */
static int ask(size_t n, size_t *ret)
{
	char line[64];

	for (;;) {
		char *end;
		unsigned long k;

		fprintf(stderr, "Add which feed? [1-%zu, q to quit] ", n);
		if (!fgets(line, sizeof(line), stdin))
			return -ECANCELED;
		if (line[0] == 'q' || line[0] == 'Q')
			return -ECANCELED;
		errno = 0;
		k = strtoul(line, &end, 10);
		if (errno == 0 && end != line && (*end == '\n' || *end == '\0') && k >= 1 && k <= n) {
			*ret = k - 1;
			return 0;
		}
	}
}

static void list_candidates(FILE *out, const struct discovered_feed *d, size_t n, bool is_numbered)
{
	for (size_t i = 0; i < n; i++) {
		if (is_numbered)
			fprintf(out, "  %zu) %s", i + 1, d[i].url);
		else
			fprintf(out, "  %s", d[i].url);
		if (d[i].title)
			fprintf(out, "  (%s)", d[i].title);
		fputc('\n', out);
	}
}

/* A web page by its media type or its first tag: the parser's recovery
 * would read some of them as an empty feed. */
static bool is_html(const struct fetch_result *res)
{
	const char *p = buf_str(&res->body);

	if (res->content_type && strncasecmp(res->content_type, "text/html", 9) == 0)
		return true;
	if (strncmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	p += strspn(p, " \t\r\n");
	return strncasecmp(p, "<!doctype html", 14) == 0 || strncasecmp(p, "<html", 5) == 0;
}

/* The feed URL to add for what the user gave: the URL itself when it is a
 * feed, else the feed its page links to.  *ret_title: the feed's title. */
static int resolve_feed(const struct feeds_file *f, const char *url, char **ret_url,
			char **ret_title)
{
	struct fetch_options fo;
	struct fetch_result *res = NULL;
	_cleanup_feed_ struct feed *feed = NULL;
	struct discovered_feed *d = NULL;
	_cleanup_free_ char *page_title = NULL;
	size_t n = 0, pick = 0;
	int r;

	options_from_config(f->cfg, &fo);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "storywatch feeds: cannot initialise libcurl\n");
		return -EIO;
	}
	r = fetch_get(url, &fo, &res);
	if (r < 0) {
		fprintf(stderr, "storywatch feeds: %s: %s\n", url, strerror(-r));
		goto out;
	}
	if (res->error < 0) {
		fprintf(stderr, "storywatch feeds: %s: %s (--no-fetch adds it unchecked)\n", url,
			res->error_text ? res->error_text : strerror(-res->error));
		r = res->error;
		goto out;
	}
	if (res->http_status < 200 || res->http_status > 299) {
		fprintf(stderr, "storywatch feeds: %s: the server answered HTTP %ld "
			"(--no-fetch adds it unchecked)\n", url, res->http_status);
		r = -EIO;
		goto out;
	}
	if (!is_html(res) &&
	    parse_feed(buf_str(&res->body), res->body.len,
		       &(struct parse_options){ .base_url = res->effective_url }, &feed, NULL) == 0 &&
	    (feed->n_items > 0 || feed->title)) {
		*ret_url = xstrdup(url);
		*ret_title = xstrdup_or_null(feed->title);
		r = 0;
		goto out;
	}
	r = discover_feeds(buf_str(&res->body), res->body.len,
			   res->effective_url ? res->effective_url : url, &d, &n, &page_title);
	if (r < 0 || n == 0) {
		fprintf(stderr, "storywatch feeds: %s is not a feed, and links to none "
			"(no <link rel=\"alternate\"> with an RSS or Atom type)\n", url);
		r = -ENOENT;
		goto out;
	}
	if (n > 1) {
		if (!isatty(STDIN_FILENO)) {
			fprintf(stderr, "storywatch feeds: %s links to %zu feeds; add the one you "
				"want by its URL:\n", url, n);
			list_candidates(stderr, d, n, false);
			r = -EEXIST;
			goto out;
		}
		fprintf(stderr, "%s links to %zu feeds:\n", url, n);
		list_candidates(stderr, d, n, true);
		r = ask(n, &pick);
		if (r < 0) {
			fprintf(stderr, "storywatch feeds: nothing added\n");
			goto out;
		}
	}
	*ret_url = xstrdup(d[pick].url);
	*ret_title = xstrdup_or_null(d[pick].title ? d[pick].title : page_title);
	if (n == 1)
		printf("%s links to the feed %s\n", url, d[pick].url);
	r = 0;
out:
	discovered_feeds_free(d, n);
	fetch_result_free(res);
	curl_global_cleanup();
	return r;
}

static int feeds_add(struct feeds_file *f, const char *url, bool is_fetching)
{
	_cleanup_(diag_list_clearp) struct diag_list diags = { 0 };
	_cleanup_free_ char *feed_url = NULL, *title = NULL, *line = NULL;
	_cleanup_buf_ struct buf text;
	struct feed_source *one = NULL;
	size_t n_one = 0;
	int r;

	buf_init(&text, 0);
	if (refuse_opml(f) < 0)
		return 1;
	/* The URL itself first, in the reader's words, before going online. */
	line = xasprintf("%s\n", url);
	r = config_parse_feeds(line, strlen(line), "URL", &one, &n_one, &diags);
	if (r < 0) {
		for (size_t i = 0; i < diags.n; i++)
			fprintf(stderr, "storywatch feeds: %s\n", diags.diags[i].message);
		return 2;
	}
	feed_sources_free(one, n_one);
	if (is_fetching) {
		r = resolve_feed(f, url, &feed_url, &title);
		if (r < 0)
			return 1;
	} else
		feed_url = xstrdup(url);
	if (is_listed(f, feed_url)) {
		printf("%s is already in %s\n", feed_url, f->source);
		return 0;
	}
	buf_free(&text);
	start_edit(f, &text);
	if (append_feed(&text, feed_url, title) < 0 || commit(f, &text) < 0)
		return 1;
	printf("Added %s%s%s%s to %s.\n", feed_url, title ? " (" : "", title ? title : "",
	       title ? ")" : "", f->path);
	if (!streq(f->path, f->source))
		printf("%s is a copy of %s with the new feed.\n", f->path, f->source);
	print_reload_hint();
	return 0;
}

/* ---- remove, import --------------------------------------------------------- */

static int feeds_remove(struct feeds_file *f, char **urls, int n_urls)
{
	_cleanup_buf_ struct buf text;
	const char *p = buf_str(&f->text), *end = p + f->text.len;
	size_t n_removed = 0;
	bool *is_found = xcalloc((size_t) n_urls, sizeof(bool));
	int status = 0;

	buf_init(&text, FEEDS_MAX_BYTES);
	if (refuse_opml(f) < 0) {
		free(is_found);
		return 1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t) (end - p));
		const char *next = nl ? nl + 1 : end, *w = p;
		size_t k;
		bool is_gone = false;

		/* The first word of a line is its URL (storywatch.conf(5)). */
		while (w < next && (*w == ' ' || *w == '\t'))
			w++;
		k = strcspn(w, " \t\r\n#");
		if (w + k > next)
			k = (size_t) (next - w);
		for (int i = 0; i < n_urls && k > 0; i++)
			if (strlen(urls[i]) == k && memcmp(w, urls[i], k) == 0) {
				is_found[i] = is_gone = true;
				n_removed++;
			}
		if (!is_gone)
			(void) buf_append(&text, p, (size_t) (next - p));
		p = next;
	}
	for (int i = 0; i < n_urls; i++)
		if (!is_found[i]) {
			fprintf(stderr, "storywatch feeds: %s is not in %s (see 'storywatch feeds list')\n",
				urls[i], f->source);
			status = 1;
		}
	free(is_found);
	if (status)
		return status;
	if (commit(f, &text) < 0)
		return 1;
	printf("Removed %zu feed%s from %s.\n", n_removed, n_removed == 1 ? "" : "s", f->path);
	print_reload_hint();
	return 0;
}

static int feeds_import(struct feeds_file *f, const char *file)
{
	_cleanup_(diag_list_clearp) struct diag_list diags = { 0 };
	_cleanup_buf_ struct buf in, text;
	struct feed_source *add = NULL;
	size_t n_add = 0, n_new = 0;
	int r;

	buf_init(&in, FEEDS_MAX_BYTES);
	buf_init(&text, 0);
	if (refuse_opml(f) < 0)
		return 1;
	r = cli_read_document(file, &in);
	if (r < 0) {
		fprintf(stderr, "storywatch feeds: %s: %s\n", streq(file, "-") ? "<stdin>" : file,
			r == -EFBIG ? "too large for a feeds list" : strerror(-r));
		return 1;
	}
	/* OPML as feed readers export it, or a plain list: the daemon's reader. */
	r = config_parse_feeds(buf_str(&in), in.len, streq(file, "-") ? "<stdin>" : file, &add,
			       &n_add, &diags);
	if (r < 0) {
		print_diags(&diags);
		return 1;
	}
	buf_free(&text);
	start_edit(f, &text);
	for (size_t i = 0; i < n_add; i++) {
		if (is_listed(f, add[i].url))
			continue;
		if (append_feed(&text, add[i].url, add[i].title) < 0) {
			fprintf(stderr, "storywatch feeds: the list would be too large\n");
			feed_sources_free(add, n_add);
			return 1;
		}
		n_new++;
	}
	if (n_new > 0 && commit(f, &text) < 0) {
		feed_sources_free(add, n_add);
		return 1;
	}
	printf("Imported %zu feed%s into %s (%zu already listed).\n", n_new, n_new == 1 ? "" : "s",
	       f->path, n_add - n_new);
	feed_sources_free(add, n_add);
	if (n_new > 0)
		print_reload_hint();
	return 0;
}

/* ---- list, export ------------------------------------------------------------- */

static int feeds_list(const struct feeds_file *f)
{
	for (size_t i = 0; i < f->n_feeds; i++) {
		_cleanup_free_ char *every = NULL;

		if (f->feeds[i].interval_usec > 0)
			every = config_format_duration(f->feeds[i].interval_usec);
		printf("%s%s%s\n", f->feeds[i].url, every ? " " : "", every ? every : "");
	}
	if (f->n_feeds == 0)
		fprintf(stderr, "storywatch feeds: %s lists no feed\n", f->source);
	return 0;
}

/* XML attribute text (XML 1.0 section 2.4, 3.3.3): markup characters and
 * whitespace escaped, other controls dropped. */
static void put_attr(struct buf *b, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '&': (void) buf_puts(b, "&amp;"); break;
		case '<': (void) buf_puts(b, "&lt;"); break;
		case '>': (void) buf_puts(b, "&gt;"); break;
		case '"': (void) buf_puts(b, "&quot;"); break;
		case '\t': (void) buf_puts(b, "&#9;"); break;
		case '\n': (void) buf_puts(b, "&#10;"); break;
		case '\r': (void) buf_puts(b, "&#13;"); break;
		default:
			if ((unsigned char) *s >= 0x20 && *s != 0x7f)
				(void) buf_putc(b, *s);
		}
}

/* The feeds' own titles, as the daemon last read them; borrowed from st. */
static const char *state_title(const struct feed_state *st, size_t n, const char *url)
{
	for (size_t i = 0; i < n; i++)
		if (streq(st[i].url, url))
			return st[i].title;
	return NULL;
}

static int feeds_export(const struct feeds_file *f)
{
	_cleanup_buf_ struct buf b;
	_cleanup_free_ char *state = xasprintf("%s/state.db", f->cfg->state_dir);
	struct feed_state *st = NULL;
	struct store *s = NULL;
	size_t n_st = 0;
	char date[64];
	time_t now = time(NULL);
	struct tm tm;

	buf_init(&b, 0);
	/* Titles from the state when the daemon has run; looking never creates. */
	if (access(state, F_OK) == 0 && store_open_readonly(state, &s, NULL) == 0) {
		if (store_feed_list(s, &st, &n_st) < 0)
			n_st = 0;
		store_close(s);
	}
	gmtime_r(&now, &tm);
	/* OPML 2.0 dates are RFC 822 dates. */
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	(void) buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			  "<opml version=\"2.0\">\n"
			  "  <head>\n"
			  "    <title>storywatch feeds</title>\n"
			  "    <dateCreated>%s</dateCreated>\n"
			  "  </head>\n"
			  "  <body>\n", date);
	for (size_t i = 0; i < f->n_feeds; i++) {
		const char *title = f->feeds[i].title;

		if (!title)
			title = state_title(st, n_st, f->feeds[i].url);
		/* text is required (OPML 2.0 section "outline"); title is not. */
		(void) buf_puts(&b, "    <outline type=\"rss\" text=\"");
		put_attr(&b, title ? title : f->feeds[i].url);
		if (title) {
			(void) buf_puts(&b, "\" title=\"");
			put_attr(&b, title);
		}
		(void) buf_puts(&b, "\" xmlUrl=\"");
		put_attr(&b, f->feeds[i].url);
		(void) buf_puts(&b, "\"/>\n");
	}
	(void) buf_puts(&b, "  </body>\n</opml>\n");
	feed_state_free_array(st, n_st);
	if (fwrite(buf_str(&b), 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
		fprintf(stderr, "storywatch feeds: cannot write output: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

/* ---- the command ------------------------------------------------------------------ */

int cmd_feeds(int argc, char **argv)
{
	enum { ARG_FEEDS = 0x100, ARG_NO_FETCH };
	static const struct option options[] = {
		CLI_INSTANCE_OPTIONS,
		{ "feeds",    required_argument, NULL, ARG_FEEDS },
		{ "no-fetch", no_argument,       NULL, ARG_NO_FETCH },
		{ "help",     no_argument,       NULL, 'h' },
		{}
	};
	struct feeds_file f = { 0 };
	struct cli_instance in = CLI_INSTANCE_INIT;
	const char *feeds_arg = NULL, *verb;
	bool is_fetching = true;
	int c, n_args, status;

	in.o.is_paths_only = false;
	while ((c = getopt_long(argc, argv, "hv", options, NULL)) >= 0)
		switch (c) {
		case ARG_FEEDS:
			feeds_arg = optarg;
			break;
		case ARG_NO_FETCH:
			is_fetching = false;
			break;
		case 'h':
			help(stdout);
			return 0;
		default:
			if (cli_instance_option(&in, c, optarg))
				break;
			return options_report_error("storywatch feeds", options, argv);
		}
	if (optind >= argc) {
		fprintf(stderr, "storywatch feeds: no command given (list, add, remove, import, "
			"export; see 'storywatch feeds --help')\n");
		return 2;
	}
	verb = argv[optind];
	n_args = argc - optind - 1;
	if ((streq(verb, "list") || streq(verb, "export")) ? n_args != 0 :
	    (streq(verb, "add") || streq(verb, "import")) ? n_args != 1 :
	    streq(verb, "remove") ? n_args < 1 : false) {
		fprintf(stderr, "storywatch feeds: %s takes %s (see 'storywatch feeds --help')\n",
			verb, streq(verb, "add") ? "one URL" : streq(verb, "import") ? "one FILE" :
			streq(verb, "remove") ? "one or more URLs" : "no argument");
		return 2;
	}
	if (!streq(verb, "list") && !streq(verb, "export") && !streq(verb, "add") &&
	    !streq(verb, "import") && !streq(verb, "remove")) {
		fprintf(stderr, "storywatch feeds: unknown command '%s' (list, add, remove, import, "
			"export)\n", verb);
		return 2;
	}

	if (feeds_file_open(&in, feeds_arg, &f) < 0) {
		feeds_file_done(&f);
		return 1;
	}
	if (streq(verb, "list"))
		status = feeds_list(&f);
	else if (streq(verb, "export"))
		status = feeds_export(&f);
	else if (streq(verb, "add"))
		status = feeds_add(&f, argv[optind + 1], is_fetching);
	else if (streq(verb, "import"))
		status = feeds_import(&f, argv[optind + 1]);
	else
		status = feeds_remove(&f, argv + optind + 1, n_args);
	feeds_file_done(&f);
	return status;
}
