/* cmd-digest.c - storywatch digest: the period's developments with their
 * links, the number of context items and the feeds in error, as text, as
 * HTML, or as an RFC 5322 message for `sendmail -t` (SPEC section 7). */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "config.h"
#include "diag.h"
#include "evlog.h"
#include "markup.h"
#include "options.h"
#include "timefmt.h"
#include "util.h"

/* RFC 5322 section 2.1.1: a line is at most 998 characters; a title or a link
 * longer than these is cut (a title at a character boundary). */
#define TITLE_MAX 300
#define LINK_MAX 600

struct digest {
	const char *storyline;
	time_t since, now;
	struct evlog_entry **devs;
	size_t n_devs, n_context;
	struct evlog_entry **bad;   /* feeds in error */
	size_t n_bad;
};

static void put_clipped(struct buf *b, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max) {
		(void)buf_puts(b, s);
		return;
	}
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	(void)buf_append(b, s, max);
	(void)buf_puts(b, "…");
}

static void local_time(time_t t, char *ret, size_t n)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(ret, n, "%Y-%m-%d %H:%M", &tm);
}

static size_t n_reports(const struct evlog_entry *e, size_t *ret_updates)
{
	size_t n = 0, u = 0;

	for (size_t i = 0; i < e->n_children; i++)
		if (streq(e->children[i]->event, "update"))
			u++;
		else
			n++;
	*ret_updates = u;
	return n;
}

static void digest_text(const struct digest *d, struct buf *b)
{
	char from[32], to[32], when[32], tmp[256];

	local_time(d->since, from, sizeof(from));
	local_time(d->now, to, sizeof(to));
	(void)buf_printf(b, "storywatch digest: %s\n%s to %s\n\n",
			 d->storyline ? d->storyline : "no storyline yet", from, to);
	(void)buf_printf(b, "%zu development%s:\n", d->n_devs, d->n_devs == 1 ? "" : "s");
	/* One line each: the count of lines is the count of developments. */
	for (size_t i = 0; i < d->n_devs; i++) {
		const struct evlog_entry *e = d->devs[i];
		size_t n_upd, n_rep = n_reports(e, &n_upd);

		local_time(e->time, when, sizeof(when));
		(void)buf_printf(b, "- %s  ", when);
		put_clipped(b, evlog_outlet(e, tmp, sizeof(tmp)), 80);
		(void)buf_puts(b, ": ");
		put_clipped(b, e->title ? e->title : "(no title)", TITLE_MAX);
		if (evlog_is_web_link(e->link) && strlen(e->link) <= LINK_MAX)
			(void)buf_printf(b, " <%s>", e->link);
		if (n_rep > 0)
			(void)buf_printf(b, " (+%zu other report%s)", n_rep, n_rep == 1 ? "" : "s");
		if (n_upd > 0)
			(void)buf_printf(b, " (updated %zu time%s)", n_upd, n_upd == 1 ? "" : "s");
		(void)buf_putc(b, '\n');
	}
	(void)buf_printf(b, "\n%zu context item%s (storywatch report shows them).\n",
			 d->n_context, d->n_context == 1 ? "" : "s");
	if (d->n_bad == 0) {
		(void)buf_puts(b, "No feed in error.\n");
		return;
	}
	(void)buf_printf(b, "\n%zu feed%s in error:\n", d->n_bad, d->n_bad == 1 ? "" : "s");
	for (size_t i = 0; i < d->n_bad; i++) {
		local_time(d->bad[i]->time, when, sizeof(when));
		(void)buf_puts(b, "  ");
		put_clipped(b, d->bad[i]->feed, LINK_MAX);
		(void)buf_puts(b, ": ");
		put_clipped(b, d->bad[i]->error ? d->bad[i]->error : "error", TITLE_MAX);
		(void)buf_printf(b, " (last %s)\n", when);
	}
}

static void put(struct buf *b, const char *s)
{
	(void)markup_escape(b, s ? s : "");
}

static void digest_html(const struct digest *d, struct buf *b)
{
	char from[32], to[32], when[32], tmp[256];

	local_time(d->since, from, sizeof(from));
	local_time(d->now, to, sizeof(to));
	(void)buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		       "script-src 'none'; style-src 'unsafe-inline'\">\n<title>storywatch digest: ");
	put(b, d->storyline ? d->storyline : "no storyline yet");
	(void)buf_puts(b, "</title>\n</head>\n<body>\n<h1>");
	put(b, d->storyline ? d->storyline : "no storyline yet");
	(void)buf_printf(b, "</h1>\n<p>%s to %s</p>\n<h2>%zu development%s</h2>\n<ul>\n", from, to,
			 d->n_devs, d->n_devs == 1 ? "" : "s");
	for (size_t i = 0; i < d->n_devs; i++) {
		const struct evlog_entry *e = d->devs[i];
		size_t n_upd, n_rep = n_reports(e, &n_upd);
		bool is_link = evlog_is_web_link(e->link);

		local_time(e->time, when, sizeof(when));
		(void)buf_printf(b, "<li>%s ", when);
		put(b, evlog_outlet(e, tmp, sizeof(tmp)));
		(void)buf_puts(b, ": ");
		if (is_link) {
			(void)buf_puts(b, "<a href=\"");
			put(b, e->link);
			(void)buf_puts(b, "\">");
		}
		put(b, e->title ? e->title : "(no title)");
		if (is_link)
			(void)buf_puts(b, "</a>");
		if (n_rep > 0)
			(void)buf_printf(b, " (+%zu other report%s)", n_rep, n_rep == 1 ? "" : "s");
		if (n_upd > 0)
			(void)buf_printf(b, " (updated %zu time%s)", n_upd, n_upd == 1 ? "" : "s");
		(void)buf_puts(b, "</li>\n");
	}
	(void)buf_printf(b, "</ul>\n<p>%zu context item%s.</p>\n", d->n_context,
			 d->n_context == 1 ? "" : "s");
	if (d->n_bad > 0) {
		(void)buf_printf(b, "<h2>%zu feed%s in error</h2>\n<ul>\n", d->n_bad,
				 d->n_bad == 1 ? "" : "s");
		for (size_t i = 0; i < d->n_bad; i++) {
			local_time(d->bad[i]->time, when, sizeof(when));
			(void)buf_puts(b, "<li>");
			put(b, d->bad[i]->feed);
			(void)buf_puts(b, ": ");
			put(b, d->bad[i]->error ? d->bad[i]->error : "error");
			(void)buf_printf(b, " (last %s)</li>\n", when);
		}
		(void)buf_puts(b, "</ul>\n");
	}
	(void)buf_puts(b, "</body>\n</html>\n");
}

/* RFC 5322 section 3.3, in English whatever the locale. */
static void mail_date(time_t t, struct buf *b)
{
	static const char days[][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
					  "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	(void)buf_printf(b, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
			 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* RFC 2047 "B" encoding when s is not plain printable ASCII. */
static void mail_header_text(const char *s, struct buf *b)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	bool is_plain = true;

	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] >= 0x7f)
			is_plain = false;
	if (is_plain) {
		(void)buf_puts(b, s);
		return;
	}
	/* Encoded words of at most 45 bytes each, split at characters. */
	while (n > 0) {
		size_t k = MIN(n, 45);

		while (k < n && k > 0 && (p[k] & 0xc0) == 0x80)
			k--;
		(void)buf_puts(b, "=?utf-8?B?");
		for (size_t i = 0; i < k; i += 3) {
			unsigned v = (unsigned)p[i] << 16 | (i + 1 < k ? (unsigned)p[i + 1] << 8 : 0) |
				     (i + 2 < k ? p[i + 2] : 0);

			(void)buf_putc(b, b64[v >> 18 & 63]);
			(void)buf_putc(b, b64[v >> 12 & 63]);
			(void)buf_putc(b, i + 1 < k ? b64[v >> 6 & 63] : '=');
			(void)buf_putc(b, i + 2 < k ? b64[v & 63] : '=');
		}
		(void)buf_puts(b, "?=");
		p += k;
		n -= k;
		if (n > 0)
			(void)buf_puts(b, "\n ");
	}
}

static void mail_headers(const struct digest *d, const char *to, bool is_html, struct buf *b)
{
	char host[256] = "";
	_cleanup_free_ char *subject = NULL;

	/* A host name as gethostname() gives it, kept to what an address allows. */
	if (gethostname(host, sizeof(host) - 1) < 0 || !host[0])
		snprintf(host, sizeof(host), "localhost");
	for (char *p = host; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			*p = '-';
	subject = xasprintf("storywatch: %zu development%s in %s", d->n_devs,
			    d->n_devs == 1 ? "" : "s", d->storyline ? d->storyline : "no storyline");
	(void)buf_printf(b, "From: storywatch <storywatch@%s>\nTo: %s\nSubject: ", host, to);
	mail_header_text(subject, b);
	(void)buf_puts(b, "\nDate: ");
	mail_date(d->now, b);
	(void)buf_printf(b, "\nMessage-ID: <storywatch-digest.%lld.%ld@%s>\n"
			 "MIME-Version: 1.0\n"
			 "Content-Type: text/%s; charset=utf-8\n"
			 "Content-Transfer-Encoding: 8bit\n"
			 "Auto-Submitted: auto-generated\n\n",
			 (long long)d->now, (long)getpid(), host, is_html ? "html" : "plain");
}

static void help(FILE *f)
{
	fputs("Usage: storywatch digest [OPTIONS]\n"
	      "\n"
	      "The period's developments with their links, the number of context items\n"
	      "and the feeds in error: as text, as HTML, or as a mail for sendmail -t.\n"
	      "\n"
	      "  --since WHEN         the period's start: YYYY-MM-DD, RFC 3339, or an\n"
	      "                       age: 90s 30m 6h 2d 1w (default: 1d)\n"
	      "  --storyline NAME     the storyline (default: the only one in the log)\n"
	      "  --html               HTML instead of plain text\n"
	      "  --mail               a whole message with headers, To: digest_to\n"
	      "  --check-mail         print nothing; exit 0 when digest_to is set, else 1\n"
	      CLI_INSTANCE_HELP
	      "  --event-log FILE     the log to read (default: the configuration's)\n"
	      "  -h, --help           show this help\n", f);
}

int cmd_digest(int argc, char **argv)
{
	enum { ARG_STORYLINE = 0x100, ARG_EVENT_LOG, ARG_SINCE, ARG_HTML, ARG_MAIL,
	       ARG_CHECK_MAIL };
	static const struct option options[] = {
		{ "since",      required_argument, NULL, ARG_SINCE },
		{ "storyline",  required_argument, NULL, ARG_STORYLINE },
		{ "html",       no_argument,       NULL, ARG_HTML },
		{ "mail",       no_argument,       NULL, ARG_MAIL },
		{ "check-mail", no_argument,       NULL, ARG_CHECK_MAIL },
		CLI_INSTANCE_OPTIONS,
		{ "event-log",  required_argument, NULL, ARG_EVENT_LOG },
		{ "help",       no_argument,       NULL, 'h' },
		{}
	};
	struct cli_events a = { .in = CLI_INSTANCE_INIT };
	_cleanup_config_ struct config *cfg = NULL;
	_cleanup_buf_ struct buf out = { 0 };
	_cleanup_free_ struct evlog_entry **bad = NULL;
	struct evlog_entry **ev = NULL;
	struct digest d = { 0 };
	bool is_html = false, is_mail = false, is_check = false;
	size_t n = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "hv", options, NULL)) >= 0)
		switch (c) {
		case ARG_SINCE:
			if (evlog_parse_when(optarg, false, &a.since) < 0) {
				fprintf(stderr, "storywatch digest: --since: cannot read '%s' as a date "
					"(YYYY-MM-DD), an RFC 3339 time or an age (2d, 6h, 30m)\n", optarg);
				return 2;
			}
			a.has_since = true;
			break;
		case ARG_STORYLINE:
			a.storyline = optarg;
			break;
		case ARG_HTML:
			is_html = true;
			break;
		case ARG_MAIL:
			is_mail = true;
			break;
		case ARG_CHECK_MAIL:
			is_check = true;
			break;
		case ARG_EVENT_LOG:
			a.in.o.event_log = optarg;
			break;
		case 'h':
			help(stdout);
			return 0;
		default:
			if (cli_instance_option(&a.in, c, optarg))
				break;
			return options_report_error("storywatch digest", options, argv);
		}
	if (optind < argc) {
		fprintf(stderr, "storywatch digest: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	d.now = evlog_now();
	if (!a.has_since) {
		a.since = d.now - 86400;
		a.has_since = true;
	}
	if (is_check) {
		struct diag dg = { 0 };

		r = config_load(&a.in.o, &cfg, &dg);
		diag_clear(&dg);
		return r == 0 && cfg->digest_to ? 0 : 1;
	}
	r = cli_events_load("storywatch digest", &a, &cfg, &ev, &n, &d.storyline);
	if (r != 0)
		return r;
	if (is_mail && !cfg->digest_to) {
		fprintf(stderr, "storywatch digest: --mail needs digest_to in [outputs] of %s\n",
			cfg->config_file ? cfg->config_file : "the configuration file");
		evlog_entries_free(ev, n);
		return 1;
	}
	d.since = a.since;
	d.devs = xcalloc(n + 1, sizeof(*d.devs));
	for (size_t i = 0; i < n; i++)
		if (evlog_is_development(ev[i]) && (!d.storyline || streq(ev[i]->storyline, d.storyline)))
			d.devs[d.n_devs++] = ev[i];
		else if (evlog_is_context(ev[i]))
			d.n_context++;
	d.n_bad = evlog_feeds_in_error(ev, n, &bad);
	d.bad = bad;

	buf_init(&out, 0);
	if (is_mail)
		mail_headers(&d, cfg->digest_to, is_html, &out);
	if (is_html)
		digest_html(&d, &out);
	else
		digest_text(&d, &out);
	free(d.devs);
	evlog_entries_free(ev, n);
	if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
		fprintf(stderr, "storywatch digest: cannot write output: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
