/* cmd-log.c - storywatch log: review the event log (SPEC section 7).
 *
 * A timeline by day; each development once, with the other outlets' reports
 * of it (events whose duplicate_of names it) and its updates folded beneath.
 * Everything from the log is feed text, hostile until shown: control
 * characters and bidi overrides never reach the terminal. */

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "events.h"
#include "evlog.h"
#include "options.h"
#include "utf8.h"
#include "util.h"

#define INDENT "                 "   /* lines under an entry start below its title */

struct filter {
	bool has_since, has_until;
	time_t since, until;    /* since <= time <= until */
	const char *storyline;
	const char *action;
	const char *rule;
	char **events;          /* --event, repeatable */
};

enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

struct style {
	const char *bold, *dim, *red, *yellow, *cyan, *reset;
};

static const struct style plain = { "", "", "", "", "", "" };
static const struct style ansi = {
	"\033[1m", "\033[2m", "\033[31m", "\033[33m", "\033[36m", "\033[0m",
};

/* For --json on a terminal: the same line with unsafe characters written as
 * \u escapes.  A valid JSON line holds them only inside strings, where the
 * escape means the same. */
static void put_json_line(FILE *f, const char *line, bool is_tty)
{
	const unsigned char *p = (const unsigned char *)line;
	size_t n = strlen(line);

	if (!is_tty) {
		fputs(line, f);
		return;
	}
	while (n > 0) {
		uint32_t cp;
		int k = utf8_decode(p, n, &cp);

		if (k < 0)
			k = 1, cp = 0xfffd;
		if (evlog_is_unsafe(cp))
			fprintf(f, "\\u%04x", (unsigned)cp);
		else
			fwrite(p, 1, (size_t)k, f);
		p += k;
		n -= (size_t)k;
	}
}

static bool strv_contains(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (streq(*v, s))
			return true;
	return false;
}

static bool entry_matches(const struct evlog_entry *e, const struct filter *f)
{
	if (f->has_since && e->time < f->since)
		return false;
	if (f->has_until && e->time > f->until)
		return false;
	if (f->storyline && !streq(e->storyline, f->storyline))
		return false;
	if (f->action && !streq(e->action, f->action))
		return false;
	if (f->rule && !strv_contains(e->rules, f->rule))
		return false;
	if (f->events && !strv_contains(f->events, e->event))
		return false;
	return true;
}

/* ---- output -------------------------------------------------------------------- */

/* --utc: every time shown in UTC; else local time, as TZ says. */
static bool arg_utc;

static void to_tm(time_t t, struct tm *ret)
{
	if (arg_utc)
		gmtime_r(&t, ret);
	else
		localtime_r(&t, ret);
}

static void day_key(time_t t, char *ret, size_t n)
{
	struct tm tm;

	to_tm(t, &tm);
	strftime(ret, n, "%Y-%m-%d %a", &tm);
}

static void clock_str(time_t t, time_t ref, char *ret, size_t n)
{
	struct tm tm, rtm;

	to_tm(t, &tm);
	to_tm(ref, &rtm);
	if (tm.tm_year == rtm.tm_year && tm.tm_yday == rtm.tm_yday)
		strftime(ret, n, "%H:%M", &tm);
	else if (tm.tm_year == rtm.tm_year)
		strftime(ret, n, "%m-%d %H:%M", &tm);
	else
		strftime(ret, n, "%Y-%m-%d %H:%M", &tm);
}

static void print_entry(FILE *f, const struct evlog_entry *e, const struct style *st)
{
	char hhmm[32], score[16], tmp[256];
	const char *marker = " ", *color = "";
	size_t n_dups = 0;

	clock_str(e->time, e->time, hhmm, sizeof(hhmm));
	if (e->has_score)
		snprintf(score, sizeof(score), "%5.1f", e->score);
	else
		snprintf(score, sizeof(score), "    -");
	if (streq(e->event, "update")) {
		marker = "~";
		color = st->cyan;
	} else if (e->duplicate_of) {
		marker = "=";
		color = st->dim;
	} else if (streq(e->action, "notify")) {
		marker = "!";
		color = st->red;
	} else if (streq(e->action, "log")) {
		marker = "-";
	} else if (!streq(e->event, "match")) {
		marker = "?";
	}

	fprintf(f, "  %s %s%s%s %s  %s%s%s", hhmm, color, marker, st->reset, score,
		streq(e->action, "notify") ? st->bold : "", e->title ? e->title : "(no title)",
		streq(e->action, "notify") ? st->reset : "");
	if (!streq(e->event, "match") && !streq(e->event, "update"))
		fprintf(f, " [%s]", e->event);
	fputc('\n', f);
	fprintf(f, INDENT "%s%s", st->dim, evlog_outlet(e, tmp, sizeof(tmp)));
	if (e->storyline)
		fprintf(f, "  %s", e->storyline);
	/* The outlet's own time, when it is not the minute we saw the item. */
	if (e->has_published && (e->published / 60 != e->time / 60)) {
		char when[32];

		clock_str(e->published, e->time, when, sizeof(when));
		fprintf(f, "  published %s", when);
	}
	if (e->rules && e->rules[0]) {
		fputs("  rules:", f);
		for (char **r = e->rules; *r; r++)
			fprintf(f, "%s%s", r == e->rules ? " " : ",", *r);
	}
	fprintf(f, "%s\n", st->reset);
	if (e->link)
		fprintf(f, INDENT "%s%s%s\n", st->dim, e->link, st->reset);
	if (e->duplicate_of && !e->parent)
		fprintf(f, INDENT "%ssame development as %s%s\n", st->dim, e->duplicate_of, st->reset);

	for (size_t i = 0; i < e->n_children; i++) {
		const struct evlog_entry *c = e->children[i];

		if (streq(c->event, "update")) {
			clock_str(c->time, e->time, hhmm, sizeof(hhmm));
			fprintf(f, INDENT "%s~ %s updated: %s%s\n", st->cyan, hhmm,
				c->title ? c->title : "(no title)", st->reset);
		} else {
			n_dups++;
		}
	}
	if (n_dups > 0) {
		char **seen = xcalloc(n_dups + 1, sizeof(char *));
		size_t n_seen = 0;

		fprintf(f, INDENT "%s+%zu other report%s: ", st->dim, n_dups, n_dups == 1 ? "" : "s");
		for (size_t i = 0; i < e->n_children; i++) {
			const char *o;

			if (streq(e->children[i]->event, "update"))
				continue;
			o = evlog_outlet(e->children[i], tmp, sizeof(tmp));
			if (strv_contains(seen, o))
				continue;
			fprintf(f, "%s%s", n_seen ? ", " : "", o);
			seen[n_seen++] = xstrdup(o);
		}
		fprintf(f, "%s\n", st->reset);
		strv_free(seen);
	}
}

/* A feed in its error lines: its title and, to find it in the list, its URL. */
static const char *feed_label(const struct evlog_entry *e, char *tmp, size_t n)
{
	if (e->feed_title && e->feed)
		snprintf(tmp, n, "%s (%s)", e->feed_title, e->feed);
	else
		snprintf(tmp, n, "%s", e->feed ? e->feed : "?");
	return tmp;
}

/* One line per feed per day: the first error, how many, and the recovery. */
static void print_feeds(FILE *f, struct evlog_entry **ev, size_t n, const struct style *st)
{
	for (size_t i = 0; i < n; i++) {
		struct evlog_entry *e = ev[i];
		size_t n_errors = 0;
		const char *first_error = NULL;
		time_t first_time = 0, ok_time = 0;
		char hhmm[32], tmp[512];
		bool is_done = false;

		if (!evlog_is_feed_event(e) || e->parent)
			continue;
		for (size_t j = i; j < n; j++) {
			struct evlog_entry *o = ev[j];

			if (!evlog_is_feed_event(o) || o->parent || !streq(o->feed, e->feed))
				continue;
			if (o != e)
				o->parent = e;   /* printed with e */
			if (streq(o->event, "feed_error")) {
				if (n_errors++ == 0) {
					first_error = o->error;
					first_time = o->time;
				}
				is_done = false;
			} else {
				ok_time = o->time;
				is_done = true;
			}
		}
		if (n_errors == 0) {
			clock_str(ok_time, ok_time, hhmm, sizeof(hhmm));
			fprintf(f, "  %s          feed %s recovered\n", hhmm,
				feed_label(e, tmp, sizeof(tmp)));
			continue;
		}
		clock_str(first_time, first_time, hhmm, sizeof(hhmm));
		fprintf(f, "  %s %sx%s        %sfeed %s: %s", hhmm, st->yellow, st->reset, st->yellow,
			feed_label(e, tmp, sizeof(tmp)), first_error ? first_error : "error");
		if (n_errors > 1)
			fprintf(f, " (%zu errors)", n_errors);
		fputs(st->reset, f);
		if (is_done) {
			clock_str(ok_time, first_time, hhmm, sizeof(hhmm));
			fprintf(f, "; recovered %s", hhmm);
		}
		fputc('\n', f);
	}
}

static void print_timeline(FILE *f, struct evlog_entry **ev, size_t n, const struct style *st)
{
	size_t day_start = 0;

	while (day_start < n) {
		char day[32], other[32];
		size_t day_end = day_start;
		bool has_feeds = false;

		day_key(ev[day_start]->time, day, sizeof(day));
		while (day_end < n) {
			day_key(ev[day_end]->time, other, sizeof(other));
			if (!streq(day, other))
				break;
			day_end++;
		}
		fprintf(f, "%s%s%s\n", st->bold, day, st->reset);
		for (size_t i = day_start; i < day_end; i++) {
			if (evlog_is_feed_event(ev[i]))
				has_feeds = true;
			else if (!ev[i]->parent)
				print_entry(f, ev[i], st);
		}
		if (has_feeds)
			print_feeds(f, ev + day_start, day_end - day_start, st);
		day_start = day_end;
		if (day_start < n)
			fputc('\n', f);
	}
}

/* ---- the command ---------------------------------------------------------------- */

/* The event types storywatchd writes, from events.h's one list. */
static bool is_event_type(const char *name)
{
	for (int t = 0; !streq(event_type_to_string((enum event_type)t), "unknown"); t++)
		if (streq(name, event_type_to_string((enum event_type)t)))
			return true;
	return false;
}

static void print_event_types(FILE *f)
{
	for (int t = 0; !streq(event_type_to_string((enum event_type)t), "unknown"); t++)
		fprintf(f, "%s%s", t ? ", " : "", event_type_to_string((enum event_type)t));
}

static void strv_add_unique(char ***v, size_t *n, const char *s)
{
	if (!s || strv_contains(*v, s))
		return;
	*v = xreallocarray(*v, *n + 2, sizeof(char *));
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}


static void help(FILE *f)
{
	fputs("Usage: storywatch log [OPTIONS]\n"
	      "\n"
	      "Review the event log: a timeline by day, each development once with its\n"
	      "other reports and updates folded beneath it.\n"
	      "\n"
	      CLI_INSTANCE_HELP
	      "  --event-log FILE     the log to read (default: the configuration's)\n"
	      "  --since WHEN         only events recorded at or after WHEN\n"
	      "  --until WHEN         only events recorded at or before WHEN (a date: its end)\n"
	      "                       WHEN: YYYY-MM-DD, RFC 3339, or an age: 90s 30m 6h 2d 1w;\n"
	      "                       the time is when storywatchd saw the item (the event's\n"
	      "                       'time'), not when the outlet published it\n"
	      "  --storyline NAME     only this storyline\n"
	      "  --action notify|log  only events with this action\n"
	      "  --rule NAME          only events this rule fired on\n"
	      "  --event TYPE         only this event type (match, update, feed_error,\n"
	      "                       feed_ok, ...); may be repeated\n"
	      "  --json               the matching lines as they are in the log\n"
	      "  --color WHEN         auto (default), always or never\n"
	      "  --utc                times in UTC (default: local time, as TZ says)\n"
	      "  -h, --help           show this help\n", f);
}

int cmd_log(int argc, char **argv)
{
	enum { ARG_EVENT_LOG = 0x100, ARG_SINCE, ARG_UNTIL, ARG_STORYLINE, ARG_ACTION,
	       ARG_RULE, ARG_EVENT, ARG_JSON, ARG_COLOR, ARG_UTC };
	static const struct option options[] = {
		{ "event-log", required_argument, NULL, ARG_EVENT_LOG },
		{ "since",     required_argument, NULL, ARG_SINCE },
		{ "until",     required_argument, NULL, ARG_UNTIL },
		{ "storyline", required_argument, NULL, ARG_STORYLINE },
		{ "action",    required_argument, NULL, ARG_ACTION },
		{ "rule",      required_argument, NULL, ARG_RULE },
		{ "event",     required_argument, NULL, ARG_EVENT },
		{ "json",      no_argument,       NULL, ARG_JSON },
		{ "color",     required_argument, NULL, ARG_COLOR },
		{ "colour",    required_argument, NULL, ARG_COLOR },
		{ "utc",       no_argument,       NULL, ARG_UTC },
		{ "help",      no_argument,       NULL, 'h' },
		CLI_INSTANCE_OPTIONS,
		{}
	};
	struct cli_instance in = CLI_INSTANCE_INIT;
	_cleanup_config_ struct config *cfg = NULL;
	struct filter flt = { 0 };
	_cleanup_strv_free_ char **events = NULL, **storylines = NULL, **json_lines = NULL;
	const char *path;
	_cleanup_buf_ struct buf line = { 0 };
	enum color_mode color = COLOR_AUTO;
	struct evlog_entry **ev = NULL;
	size_t n_ev = 0, n_bad = 0, n_events_arg = 0, lineno = 0, first_bad = 0;
	size_t n_storylines = 0, n_json = 0;
	bool is_json = false, is_tty;
	const struct style *st;
	FILE *f;
	int c, r;

	while ((c = getopt_long(argc, argv, "hv", options, NULL)) >= 0)
		switch (c) {
		case ARG_EVENT_LOG:
			in.o.event_log = optarg;
			break;
		case ARG_SINCE:
		case ARG_UNTIL:
			r = evlog_parse_when(optarg, c == ARG_UNTIL, c == ARG_UNTIL ? &flt.until : &flt.since);
			if (r < 0) {
				fprintf(stderr, "storywatch log: --%s: cannot read '%s' as a date "
					"(YYYY-MM-DD), an RFC 3339 time or an age (2d, 6h, 30m)\n",
					c == ARG_UNTIL ? "until" : "since", optarg);
				return 2;
			}
			if (c == ARG_UNTIL)
				flt.has_until = true;
			else
				flt.has_since = true;
			break;
		case ARG_STORYLINE:
			flt.storyline = optarg;
			break;
		case ARG_ACTION:
			if (!streq(optarg, "notify") && !streq(optarg, "log")) {
				fprintf(stderr, "storywatch log: --action takes notify or log, not '%s'\n", optarg);
				return 2;
			}
			flt.action = optarg;
			break;
		case ARG_RULE:
			flt.rule = optarg;
			break;
		case ARG_EVENT:
			if (!is_event_type(optarg)) {
				fprintf(stderr, "storywatch log: --event: unknown event type '%s' (the types: ",
					optarg);
				print_event_types(stderr);
				fputs(")\n", stderr);
				return 2;
			}
			events = xreallocarray(events, n_events_arg + 2, sizeof(char *));
			events[n_events_arg++] = xstrdup(optarg);
			events[n_events_arg] = NULL;
			break;
		case ARG_UTC:
			arg_utc = true;
			break;
		case ARG_JSON:
			is_json = true;
			break;
		case ARG_COLOR:
			if (streq(optarg, "auto"))
				color = COLOR_AUTO;
			else if (streq(optarg, "always"))
				color = COLOR_ALWAYS;
			else if (streq(optarg, "never"))
				color = COLOR_NEVER;
			else {
				fprintf(stderr, "storywatch log: --color takes auto, always or never, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			help(stdout);
			return 0;
		default:
			if (cli_instance_option(&in, c, optarg))
				break;
			return options_report_error("storywatch log", options, argv);
		}
	if (optind < argc) {
		fprintf(stderr, "storywatch log: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	flt.events = events;

	/* "-" is standard input: no configuration needed. */
	if (in.o.event_log && streq(in.o.event_log, "-"))
		path = "-";
	else if (cli_instance_load("log", &in, &cfg) < 0)
		return 1;
	else
		path = cfg->event_log;
	f = streq(path, "-") ? stdin : fopen(path, "re");
	if (!f) {
		fprintf(stderr, "storywatch log: %s: %s\n", path, strerror(errno));
		return 1;
	}

	is_tty = isatty(STDOUT_FILENO);
	switch (color) {
	case COLOR_AUTO: {
		const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");

		st = is_tty && !(no_color && *no_color) && !streq(term, "dumb") ? &ansi : &plain;
		break;
	}
	case COLOR_ALWAYS:
		st = &ansi;
		break;
	case COLOR_NEVER:
		st = &plain;
		break;
	}

	buf_init(&line, EVLOG_MAX_LINE);
	while ((r = evlog_read_line(f, &line)) != EOF) {
		struct evlog_entry *e;

		lineno++;
		if (r == 0 && line.len == 0)
			continue;
		e = r == 0 ? evlog_entry_from_line(buf_str(&line), line.len) : NULL;
		if (!e) {
			if (n_bad++ == 0)
				first_bad = lineno;
			continue;
		}
		strv_add_unique(&storylines, &n_storylines, e->storyline);
		if (!entry_matches(e, &flt)) {
			evlog_entry_free(e);
			continue;
		}
		if (is_json) {
			/* Shown once the whole log has been read and the filters
			 * found to name something in it. */
			json_lines = xreallocarray(json_lines, n_json + 2, sizeof(char *));
			json_lines[n_json++] = xstrdup(buf_str(&line));
			json_lines[n_json] = NULL;
			evlog_entry_free(e);
			continue;
		}
		ev = xreallocarray(ev, n_ev + 1, sizeof(*ev));
		ev[n_ev++] = e;
	}
	if (f != stdin)
		fclose(f);

	if (flt.storyline && !strv_contains(storylines, flt.storyline)) {
		fprintf(stderr, "storywatch log: no storyline '%s' in %s", flt.storyline, path);
		if (n_storylines == 0)
			fputs(" (no event there names a storyline yet)\n", stderr);
		else {
			fputs("; its storylines: ", stderr);
			for (size_t i = 0; i < n_storylines; i++)
				fprintf(stderr, "%s%s", i ? ", " : "", storylines[i]);
			fputc('\n', stderr);
		}
		for (size_t i = 0; i < n_ev; i++)
			evlog_entry_free(ev[i]);
		free(ev);
		return 1;
	}
	for (size_t i = 0; i < n_json; i++) {
		put_json_line(stdout, json_lines[i], is_tty);
		fputc('\n', stdout);
	}
	if (!is_json) {
		evlog_group(ev, n_ev);
		print_timeline(stdout, ev, n_ev, st);
	}
	for (size_t i = 0; i < n_ev; i++)
		evlog_entry_free(ev[i]);
	free(ev);

	if (fflush(stdout) != 0) {
		fprintf(stderr, "storywatch log: cannot write output: %s\n", strerror(errno));
		return 1;
	}
	if (n_bad > 0)
		fprintf(stderr, "storywatch log: warning: skipped %zu unreadable line%s in %s "
			"(the first is line %zu)\n", n_bad, n_bad == 1 ? "" : "s", path, first_bad);
	return 0;
}

