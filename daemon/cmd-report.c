/* cmd-report.c - storywatch report: a storyline as one self-contained HTML
 * page, day by day (SPEC section 7).
 *
 * No script, no external resource: the page carries its style, draws its
 * chart as inline SVG and forbids scripts in its Content-Security-Policy, so
 * a hostile headline stays text even if escaping were ever wrong.  Every
 * string from the log goes through markup_escape(); only http(s) links. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "config.h"
#include "evlog.h"
#include "markup.h"
#include "options.h"
#include "timefmt.h"
#include "util.h"

#define CHART_HEIGHT 160
#define CHART_BAR 14

static const char style[] =
	"body{font:15px/1.45 system-ui,sans-serif;max-width:52rem;margin:1.5rem auto;"
	"padding:0 1rem;color:#1b1b1b;background:#fff}"
	"h1{font-size:1.5rem;margin:0 0 .2rem}h2{font-size:1.15rem;border-bottom:1px solid #ccc;"
	"margin-top:2rem}h3{font-size:1rem;margin:.2rem 0}"
	"time{font-variant-numeric:tabular-nums;color:#555}"
	".period,.meta,.reports,.updates,footer{color:#444;font-size:.9rem}"
	"article{border-left:3px solid #b3261e;padding:.2rem .8rem;margin:.8rem 0;"
	"break-inside:avoid}"
	".reports,.updates,.context ul{margin:.2rem 0;padding-left:1.2rem}"
	".updates li{color:#0b5c6b}.feeds li{color:#8a5300}"
	"a{color:#0b4f9c;overflow-wrap:anywhere}summary{cursor:pointer;color:#444}"
	"svg text{font:11px sans-serif;fill:#333}.dev{fill:#b3261e}.ctx{fill:#9aa0a6}"
	"@media print{body{max-width:none;margin:0;font-size:11pt}a{color:inherit}"
	"h2{break-after:avoid}}";

struct day {
	char key[16];
	size_t n_devs, n_context;
};

static void put(struct buf *b, const char *s)
{
	(void)markup_escape(b, s ? s : "");
}

static void put_clock(struct buf *b, time_t t, bool is_full)
{
	char iso[TIMEFMT_RFC3339_MAX], text[32];
	struct tm tm;

	(void)timefmt_rfc3339((int64_t)t, iso);
	localtime_r(&t, &tm);
	strftime(text, sizeof(text), is_full ? "%Y-%m-%d %H:%M" : "%H:%M", &tm);
	(void)buf_printf(b, "<time datetime=\"%s\">%s</time>", iso, text);
}

/* A title, as a link when the log gives a web link for it. */
static void put_title_link(struct buf *b, const struct evlog_entry *e, const char *class)
{
	if (evlog_is_web_link(e->link)) {
		(void)buf_printf(b, "<a class=\"%s\" href=\"", class);
		put(b, e->link);
		(void)buf_puts(b, "\">");
	} else
		(void)buf_printf(b, "<span class=\"%s\">", class);
	put(b, e->title ? e->title : "(no title)");
	(void)buf_puts(b, evlog_is_web_link(e->link) ? "</a>" : "</span>");
}

static void put_outlet(struct buf *b, const struct evlog_entry *e)
{
	char tmp[256];

	(void)buf_puts(b, "<span class=\"outlet\">");
	put(b, evlog_outlet(e, tmp, sizeof(tmp)));
	(void)buf_puts(b, "</span>");
}

static void put_development(struct buf *b, const struct evlog_entry *e)
{
	size_t n_reports = 0, n_updates = 0;

	(void)buf_printf(b, "<article class=\"development\" id=\"dev-%lld\">\n<h3>",
			 (long long)e->seq);
	put_clock(b, e->time, false);
	(void)buf_puts(b, " ");
	put_title_link(b, e, "title");
	(void)buf_puts(b, "</h3>\n<p class=\"meta\">");
	put_outlet(b, e);
	if (e->rules[0]) {
		(void)buf_puts(b, " · rules: ");
		for (char **r = e->rules; *r; r++) {
			if (r != e->rules)
				(void)buf_puts(b, ", ");
			put(b, *r);
		}
	}
	if (e->has_score)
		(void)buf_printf(b, " · score %.1f", e->score);
	(void)buf_puts(b, "</p>\n");
	for (size_t i = 0; i < e->n_children; i++)
		if (streq(e->children[i]->event, "update"))
			n_updates++;
		else
			n_reports++;
	if (n_reports > 0) {
		(void)buf_printf(b, "<ul class=\"reports\" aria-label=\"%zu other report%s\">\n",
				 n_reports, n_reports == 1 ? "" : "s");
		for (size_t i = 0; i < e->n_children; i++) {
			const struct evlog_entry *c = e->children[i];

			if (streq(c->event, "update"))
				continue;
			(void)buf_puts(b, "<li class=\"report\">");
			put_clock(b, c->time, c->time - e->time >= 86400);
			(void)buf_puts(b, " ");
			put_outlet(b, c);
			(void)buf_puts(b, ": ");
			put_title_link(b, c, "report-title");
			(void)buf_puts(b, "</li>\n");
		}
		(void)buf_puts(b, "</ul>\n");
	}
	if (n_updates > 0) {
		(void)buf_puts(b, "<ul class=\"updates\">\n");
		for (size_t i = 0; i < e->n_children; i++) {
			const struct evlog_entry *c = e->children[i];

			if (!streq(c->event, "update"))
				continue;
			(void)buf_puts(b, "<li class=\"update\">");
			put_clock(b, c->time, c->time - e->time >= 86400);
			(void)buf_puts(b, " updated: ");
			put(b, c->title ? c->title : "(no title)");
			(void)buf_puts(b, "</li>\n");
		}
		(void)buf_puts(b, "</ul>\n");
	}
	(void)buf_puts(b, "</article>\n");
}

static void put_context_item(struct buf *b, const struct evlog_entry *e)
{
	(void)buf_puts(b, "<li>");
	put_clock(b, e->time, false);
	(void)buf_puts(b, " ");
	put_outlet(b, e);
	(void)buf_puts(b, ": ");
	put_title_link(b, e, "context-title");
	if (e->n_children > 0)
		(void)buf_printf(b, " <span class=\"meta\">(+%zu)</span>", e->n_children);
	(void)buf_puts(b, "</li>\n");
}

/* Two bars a day, developments and context items, scaled to the busiest. */
static void put_chart(struct buf *b, const struct day *days, size_t n_days)
{
	size_t max = 1, width = MAX(240, 40 + n_days * (2 * CHART_BAR + 16));

	for (size_t i = 0; i < n_days; i++)
		max = MAX(max, MAX(days[i].n_devs, days[i].n_context));
	(void)buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
			 "aria-label=\"developments and context items per day\" width=\"%zu\" "
			 "height=\"%d\" viewBox=\"0 0 %zu %d\">\n", width, CHART_HEIGHT + 40,
			 width, CHART_HEIGHT + 40);
	for (size_t i = 0; i < n_days; i++) {
		size_t x = 20 + i * (2 * CHART_BAR + 16);
		size_t hd = days[i].n_devs * CHART_HEIGHT / max;
		size_t hc = days[i].n_context * CHART_HEIGHT / max;

		(void)buf_printf(b, "<rect class=\"dev\" x=\"%zu\" y=\"%zu\" width=\"%d\" height=\"%zu\"/>"
				 "<text x=\"%zu\" y=\"%zu\">%zu</text>\n", x,
				 (size_t)CHART_HEIGHT + 12 - hd, CHART_BAR, hd, x, (size_t)CHART_HEIGHT + 10 - hd,
				 days[i].n_devs);
		(void)buf_printf(b, "<rect class=\"ctx\" x=\"%zu\" y=\"%zu\" width=\"%d\" height=\"%zu\"/>"
				 "<text x=\"%zu\" y=\"%zu\">%zu</text>\n", x + CHART_BAR,
				 (size_t)CHART_HEIGHT + 12 - hc, CHART_BAR, hc, x + CHART_BAR,
				 (size_t)CHART_HEIGHT + 10 - hc, days[i].n_context);
		(void)buf_printf(b, "<text x=\"%zu\" y=\"%d\">%s</text>\n", x, CHART_HEIGHT + 28,
				 days[i].key + 5);
	}
	(void)buf_printf(b, "<rect class=\"dev\" x=\"20\" y=\"%d\" width=\"10\" height=\"10\"/>"
			 "<text x=\"34\" y=\"%d\">developments</text>"
			 "<rect class=\"ctx\" x=\"130\" y=\"%d\" width=\"10\" height=\"10\"/>"
			 "<text x=\"144\" y=\"%d\">context</text>\n</svg>\n",
			 CHART_HEIGHT + 30, CHART_HEIGHT + 39, CHART_HEIGHT + 30, CHART_HEIGHT + 39);
}

static void put_feeds(struct buf *b, struct evlog_entry **ev, size_t n)
{
	_cleanup_free_ struct evlog_entry **bad = NULL;
	size_t n_bad = evlog_feeds_in_error(ev, n, &bad);

	(void)buf_puts(b, "<section class=\"feeds\" id=\"feeds\">\n<h2>Feeds in error</h2>\n");
	if (n_bad == 0) {
		(void)buf_puts(b, "<p class=\"meta\">None.</p>\n</section>\n");
		return;
	}
	(void)buf_puts(b, "<ul>\n");
	for (size_t i = 0; i < n_bad; i++) {
		(void)buf_puts(b, "<li><code>");
		put(b, bad[i]->feed);
		(void)buf_puts(b, "</code>: ");
		put(b, bad[i]->error ? bad[i]->error : "error");
		(void)buf_puts(b, " (last ");
		put_clock(b, bad[i]->time, true);
		(void)buf_puts(b, ")</li>\n");
	}
	(void)buf_puts(b, "</ul>\n</section>\n");
}

/* The page for ev (in log order, grouped), from since (or its first event)
 * to now. */
static void report_build(struct evlog_entry **ev, size_t n, const char *storyline,
			 time_t since, time_t now, struct buf *b)
{
	_cleanup_free_ struct day *days = NULL;
	size_t n_days = 0, n_devs = 0, n_context = 0;
	char when[TIMEFMT_RFC3339_MAX];

	for (size_t i = 0; i < n; i++) {
		char key[16];
		bool is_dev = evlog_is_development(ev[i]);

		if (!is_dev && !evlog_is_context(ev[i]))
			continue;
		cli_day(ev[i]->time, key, sizeof(key));
		if (n_days == 0 || !streq(days[n_days - 1].key, key)) {
			days = xreallocarray(days, n_days + 1, sizeof(*days));
			days[n_days] = (struct day) { 0 };
			snprintf(days[n_days].key, sizeof(days[n_days].key), "%s", key);
			n_days++;
		}
		if (is_dev) {
			days[n_days - 1].n_devs++;
			n_devs++;
		} else {
			days[n_days - 1].n_context++;
			n_context++;
		}
	}

	(void)buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		       "script-src 'none'; style-src 'unsafe-inline'; img-src data:; "
		       "base-uri 'none'; form-action 'none'\">\n"
		       "<meta name=\"referrer\" content=\"no-referrer\">\n"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		       "<title>storywatch report: ");
	put(b, storyline ? storyline : "no storyline");
	(void)buf_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>", style);
	put(b, storyline ? storyline : "No storyline yet");
	(void)buf_puts(b, "</h1>\n<p class=\"period\">");
	put_clock(b, since, true);
	(void)buf_puts(b, " to ");
	put_clock(b, now, true);
	(void)buf_printf(b, ": <strong id=\"n-developments\">%zu</strong> development%s, "
			 "<span id=\"n-context\">%zu</span> context item%s</p>\n</header>\n",
			 n_devs, n_devs == 1 ? "" : "s", n_context, n_context == 1 ? "" : "s");

	(void)buf_puts(b, "<section id=\"chart\">\n<h2>Per day</h2>\n");
	put_chart(b, days, n_days);
	(void)buf_puts(b, "</section>\n");
	put_feeds(b, ev, n);

	(void)buf_puts(b, "<main>\n");
	for (size_t d = 0, i = 0; d < n_days; d++) {
		size_t day_start;

		(void)buf_printf(b, "<section class=\"day\" id=\"day-%s\">\n<h2>%s</h2>\n",
				 days[d].key, days[d].key);
		/* Developments in time order, then the day's context, folded. */
		for (; i < n; i++) {
			char key[16];

			if (!evlog_is_development(ev[i]) && !evlog_is_context(ev[i]))
				continue;
			cli_day(ev[i]->time, key, sizeof(key));
			if (streq(key, days[d].key))
				break;
		}
		day_start = i;
		for (; i < n; i++) {
			char key[16];

			if (!evlog_is_development(ev[i]) && !evlog_is_context(ev[i]))
				continue;
			cli_day(ev[i]->time, key, sizeof(key));
			if (!streq(key, days[d].key))
				break;
			if (evlog_is_development(ev[i]))
				put_development(b, ev[i]);
		}
		if (days[d].n_context > 0) {
			(void)buf_printf(b, "<details class=\"context\">\n<summary>%zu context item%s"
					 "</summary>\n<ul>\n", days[d].n_context,
					 days[d].n_context == 1 ? "" : "s");
			for (size_t j = day_start; j < i; j++)
				if (evlog_is_context(ev[j]))
					put_context_item(b, ev[j]);
			(void)buf_puts(b, "</ul>\n</details>\n");
		}
		(void)buf_puts(b, "</section>\n");
	}
	if (n_days == 0)
		(void)buf_puts(b, "<p>Nothing in this period.</p>\n");
	(void)timefmt_rfc3339((int64_t)now, when);
	(void)buf_printf(b, "</main>\n<footer>\n<p>Made by storywatch " PACKAGE_VERSION
			 " from the event log at %s.</p>\n</footer>\n</body>\n</html>\n", when);
}

static void help(FILE *f)
{
	fputs("Usage: storywatch report [OPTIONS]\n"
	      "\n"
	      "Write a storyline's timeline as one self-contained HTML page: each day's\n"
	      "developments with their other reports and updates, the day's context,\n"
	      "a chart per day and the feeds in error.\n"
	      "\n"
	      "  --since WHEN         only events at or after WHEN: YYYY-MM-DD, RFC 3339,\n"
	      "                       or an age: 90s 30m 6h 2d 1w (default: all)\n"
	      "  --storyline NAME     the storyline (default: the only one in the log)\n"
	      "  -o, --output FILE    write the page to FILE (default: standard output)\n"
	      CLI_INSTANCE_HELP
	      "  --event-log FILE     the log to read (default: the configuration's)\n"
	      "  -h, --help           show this help\n", f);
}

int cmd_report(int argc, char **argv)
{
	enum { ARG_STORYLINE = 0x100, ARG_EVENT_LOG, ARG_SINCE };
	static const struct option options[] = {
		{ "since",     required_argument, NULL, ARG_SINCE },
		{ "storyline", required_argument, NULL, ARG_STORYLINE },
		{ "output",    required_argument, NULL, 'o' },
		CLI_INSTANCE_OPTIONS,
		{ "event-log", required_argument, NULL, ARG_EVENT_LOG },
		{ "help",      no_argument,       NULL, 'h' },
		{}
	};
	struct cli_events a = { .in = CLI_INSTANCE_INIT };
	_cleanup_config_ struct config *cfg = NULL;
	_cleanup_buf_ struct buf page = { 0 };
	struct evlog_entry **ev = NULL;
	const char *storyline = NULL, *output = NULL;
	time_t now = evlog_now(), since;
	size_t n = 0;
	FILE *f = stdout;
	int c, r;

	while ((c = getopt_long(argc, argv, "ho:v", options, NULL)) >= 0)
		switch (c) {
		case ARG_SINCE:
			if (evlog_parse_when(optarg, false, &a.since) < 0) {
				fprintf(stderr, "storywatch report: --since: cannot read '%s' as a date "
					"(YYYY-MM-DD), an RFC 3339 time or an age (2d, 6h, 30m)\n", optarg);
				return 2;
			}
			a.has_since = true;
			break;
		case ARG_STORYLINE:
			a.storyline = optarg;
			break;
		case 'o':
			output = optarg;
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
			return options_report_error("storywatch report", options, argv);
		}
	if (optind < argc) {
		fprintf(stderr, "storywatch report: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	r = cli_events_load("storywatch report", &a, &cfg, &ev, &n, &storyline);
	if (r != 0)
		return r;
	since = a.has_since ? a.since : n > 0 ? ev[0]->time : now;
	buf_init(&page, 0);
	report_build(ev, n, storyline, since, now, &page);
	evlog_entries_free(ev, n);

	if (output && !streq(output, "-")) {
		f = fopen(output, "we");
		if (!f) {
			fprintf(stderr, "storywatch report: %s: %s\n", output, strerror(errno));
			return 1;
		}
	}
	r = fwrite(page.data, 1, page.len, f) == page.len ? 0 : -errno;
	if (f != stdout) {
		if (fclose(f) != 0 && r == 0)
			r = -errno;
	} else if (fflush(f) != 0 && r == 0)
		r = -errno;
	if (r < 0) {
		fprintf(stderr, "storywatch report: cannot write %s: %s\n",
			output ? output : "output", strerror(-r));
		return 1;
	}
	return 0;
}
