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
#include "jsonread.h"
#include "utf8.h"
#include "util.h"

#define MAX_LINE (1024 * 1024)
#define INDENT "                 "   /* lines under an entry start below its title */

struct log_entry {
	int64_t seq;
	time_t time;
	char *event, *feed, *id, *title, *link, *storyline, *action, *duplicate_of, *error;
	char **rules;           /* NULL-terminated */
	double score;
	bool has_score;

	struct log_entry *parent;   /* set when folded under another entry */
	struct log_entry **children;
	size_t n_children;
};

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

/* ---- text that is safe for a terminal ------------------------------------- */

static bool is_unsafe(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f ||                /* C0, DEL */
	       (cp >= 0x80 && cp <= 0x9f) ||             /* C1: 0x9b is a CSI */
	       cp == 0x2028 || cp == 0x2029 ||           /* line breaks in disguise */
	       (cp >= 0x202a && cp <= 0x202e) ||         /* bidi embeddings, overrides */
	       (cp >= 0x2066 && cp <= 0x2069);           /* bidi isolates */
}

/* A copy of s[0..n) for the terminal: whitespace controls become spaces, every
 * other unsafe character (ESC of an escape sequence included) U+FFFD. */
static char *scrub(const char *s, size_t n)
{
	_cleanup_buf_ struct buf b;
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	buf_init(&b, 0);
	while (p < end) {
		uint32_t cp;
		int k = utf8_decode(p, (size_t)(end - p), &cp);

		if (k < 0) {
			/* Not from jsonread, which only passes valid UTF-8. */
			cp = 0xfffd;
			k = 1;
			(void)buf_puts(&b, "\xef\xbf\xbd");
		} else if (cp == '\t' || cp == '\n' || cp == '\r')
			(void)buf_putc(&b, ' ');
		else if (is_unsafe(cp))
			(void)buf_puts(&b, "\xef\xbf\xbd");
		else
			(void)buf_append(&b, p, (size_t)k);
		p += k;
	}
	return buf_steal(&b) ?: xstrdup("");
}

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
		if (is_unsafe(cp))
			fprintf(f, "\\u%04x", (unsigned)cp);
		else
			fwrite(p, 1, (size_t)k, f);
		p += k;
		n -= (size_t)k;
	}
}

/* ---- time ------------------------------------------------------------------ */

static int digits(const char *s, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return 0;
}

/* RFC 3339 section 5.6, by fixed positions: no locale, no strptime. */
static int parse_rfc3339(const char *s, time_t *ret)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, sec, oh, om, off = 0;
	const char *p;
	time_t t;

	if (strlen(s) < 20 ||
	    digits(s, 4, &y) < 0 || s[4] != '-' || digits(s + 5, 2, &mo) < 0 || s[7] != '-' ||
	    digits(s + 8, 2, &d) < 0 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) < 0 || s[13] != ':' || digits(s + 14, 2, &mi) < 0 ||
	    s[16] != ':' || digits(s + 17, 2, &sec) < 0)
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		off = 0;
	else if ((*p == '+' || *p == '-') && strlen(p) == 6 &&
		 digits(p + 1, 2, &oh) == 0 && p[3] == ':' && digits(p + 4, 2, &om) == 0 &&
		 oh < 24 && om < 60)
		off = (*p == '-' ? -1 : 1) * (oh * 3600 + om * 60);
	else
		return -EINVAL;

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec == 60 ? 59 : sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*ret = t - off;
	return 0;
}

static time_t now_time(void)
{
	const char *e = getenv("STORYWATCH_EVAL_TIME");
	time_t t;

	/* The same clock the daemon uses, so replayed logs read the same. */
	if (e && parse_rfc3339(e, &t) == 0)
		return t;
	return time(NULL);
}

/* --since/--until: YYYY-MM-DD (local day), RFC 3339, or an age like 2d, 6h,
 * 30m, 90s, 1w.  A date as --until means the end of that day. */
static int parse_when(const char *s, bool is_until, time_t *ret)
{
	int y, mo, d;

	if (strlen(s) == 10 && digits(s, 4, &y) == 0 && s[4] == '-' &&
	    digits(s + 5, 2, &mo) == 0 && s[7] == '-' && digits(s + 8, 2, &d) == 0) {
		struct tm tm = {
			.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d + (is_until ? 1 : 0),
			.tm_isdst = -1,
		};
		time_t t;

		if (mo < 1 || mo > 12 || d < 1 || d > 31)
			return -EINVAL;
		t = mktime(&tm);
		if (t == (time_t)-1)
			return -EINVAL;
		*ret = is_until ? t - 1 : t;
		return 0;
	}
	if (parse_rfc3339(s, ret) == 0)
		return 0;
	{
		char *end;
		unsigned long long n;
		long long unit;

		errno = 0;
		if (*s < '0' || *s > '9')
			return -EINVAL;
		n = strtoull(s, &end, 10);
		if (errno || end == s || end[0] == '\0' || end[1] != '\0')
			return -EINVAL;
		switch (*end) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		case 'w': unit = 7 * 86400; break;
		default: return -EINVAL;
		}
		if (n > (unsigned long long)INT32_MAX)
			return -ERANGE;
		*ret = now_time() - (time_t)(n * (unsigned long long)unit);
		return 0;
	}
}

/* ---- reading the log --------------------------------------------------------- */

static void entry_free(struct log_entry *e)
{
	if (!e)
		return;
	free(e->event);
	free(e->feed);
	free(e->id);
	free(e->title);
	free(e->link);
	free(e->storyline);
	free(e->action);
	free(e->duplicate_of);
	free(e->error);
	strv_free(e->rules);
	free(e->children);
	free(e);
}

static char *get_scrubbed(const struct json_value *o, const char *key)
{
	const struct json_value *v = jsonread_get(o, key);

	return v && v->type == JSON_STRING ? scrub(v->string.s, v->string.len) : NULL;
}

/* NULL for a line that is not an event: every event has seq, time and event. */
static struct log_entry *entry_from_line(const char *line, size_t len)
{
	_cleanup_jsonread_ struct json_value *v = NULL;
	const struct json_value *rules;
	struct log_entry *e;
	const char *t;
	double seq;

	if (jsonread_parse(line, len, 8, &v, NULL) < 0 || v->type != JSON_OBJECT)
		return NULL;
	t = jsonread_get_string(v, "time");
	if (!jsonread_get_number(v, "seq", &seq) || !t || !jsonread_get_string(v, "event"))
		return NULL;

	e = xcalloc(1, sizeof(*e));
	if (parse_rfc3339(t, &e->time) < 0) {
		entry_free(e);
		return NULL;
	}
	e->seq = (int64_t)seq;
	e->event = get_scrubbed(v, "event");
	e->feed = get_scrubbed(v, "feed");
	e->id = get_scrubbed(v, "id");
	e->title = get_scrubbed(v, "title");
	e->link = get_scrubbed(v, "link");
	e->storyline = get_scrubbed(v, "storyline");
	e->action = get_scrubbed(v, "action");
	e->duplicate_of = get_scrubbed(v, "duplicate_of");
	e->error = get_scrubbed(v, "error");
	e->has_score = jsonread_get_number(v, "score", &e->score);
	rules = jsonread_get(v, "rules");
	e->rules = xcalloc(1, sizeof(char *));
	if (rules && rules->type == JSON_ARRAY) {
		size_t n = 0;

		e->rules = xreallocarray(e->rules, rules->array.n + 1, sizeof(char *));
		for (size_t i = 0; i < rules->array.n; i++)
			if (rules->array.items[i]->type == JSON_STRING)
				e->rules[n++] = scrub(rules->array.items[i]->string.s,
						      rules->array.items[i]->string.len);
		e->rules[n] = NULL;
	}
	return e;
}

static bool strv_contains(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (streq(*v, s))
			return true;
	return false;
}

static bool entry_matches(const struct log_entry *e, const struct filter *f)
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

/* Reads one line of at most MAX_LINE bytes; a longer one is consumed and
 * reported as too long (1).  Returns 0, 1, or EOF. */
static int read_line(FILE *f, struct buf *line)
{
	char chunk[4096];
	size_t n = 0;
	bool is_long = false, has_any = false;
	int c;

	buf_reset(line);
	/* Our own stdio stream in one thread: no locking per byte.  Bytes go to
	 * the buffer a chunk at a time; NUL bytes stay, to be refused later. */
	while ((c = getc_unlocked(f)) != EOF && c != '\n') {
		has_any = true;
		chunk[n++] = (char)c;
		if (n == sizeof(chunk)) {
			if (!is_long && buf_append(line, chunk, n) < 0)
				is_long = true;
			n = 0;
		}
	}
	if (n > 0 && !is_long && buf_append(line, chunk, n) < 0)
		is_long = true;
	if (c == EOF && !has_any)
		return EOF;
	return is_long ? 1 : 0;
}

/* ---- grouping ------------------------------------------------------------------ */

struct id_map {
	struct log_entry **slots;   /* open addressing, by id */
	size_t n_slots;
};

static size_t hash(const char *s)
{
	size_t h = 5381;

	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

static void id_map_init(struct id_map *m, size_t n)
{
	m->n_slots = 16;
	while (m->n_slots < 2 * n)
		m->n_slots *= 2;
	m->slots = xcalloc(m->n_slots, sizeof(*m->slots));
}

static struct log_entry **id_map_slot(struct id_map *m, const char *id)
{
	size_t i = hash(id) & (m->n_slots - 1);

	while (m->slots[i] && !streq(m->slots[i]->id, id))
		i = (i + 1) & (m->n_slots - 1);
	return &m->slots[i];
}

static void add_child(struct log_entry *parent, struct log_entry *e)
{
	while (parent->parent)
		parent = parent->parent;
	parent->children = xreallocarray(parent->children, parent->n_children + 1,
					 sizeof(*parent->children));
	parent->children[parent->n_children++] = e;
	e->parent = parent;
}

static bool is_feed_entry(const struct log_entry *e)
{
	return streq(e->event, "feed_error") || streq(e->event, "feed_ok");
}

/* Folds reports of the same development and updates under the first event
 * that introduced the item, when that event is among those shown. */
static void group(struct log_entry **ev, size_t n)
{
	struct id_map m;

	id_map_init(&m, n);
	for (size_t i = 0; i < n; i++) {
		struct log_entry *e = ev[i], **slot;

		if (is_feed_entry(e))
			continue;
		if (e->duplicate_of) {
			struct log_entry *target = *id_map_slot(&m, e->duplicate_of);

			if (target && target != e) {
				add_child(target, e);
				/* A report of a report folds under the same one. */
				if (e->id && !*id_map_slot(&m, e->id))
					*id_map_slot(&m, e->id) = e;
				continue;
			}
		}
		if (!e->id)
			continue;
		slot = id_map_slot(&m, e->id);
		if (!*slot) {
			*slot = e;
			continue;
		}
		if (streq(e->event, "update") &&
		    (!e->feed || !(*slot)->feed || streq(e->feed, (*slot)->feed)))
			add_child(*slot, e);
	}
	free(m.slots);
}

/* ---- output -------------------------------------------------------------------- */

/* Where a report came from: the link's host without "www.", else the feed. */
static const char *outlet(const struct log_entry *e, char *tmp, size_t n)
{
	const char *u = e->link ? e->link : e->feed;
	const char *p, *end;

	if (!u)
		return "?";
	p = strstr(u, "://");
	if (!p)
		return u;
	p += 3;
	if (strncmp(p, "www.", 4) == 0)
		p += 4;
	end = p + strcspn(p, "/:?#");
	snprintf(tmp, n, "%.*s", (int)(end - p), p);
	return tmp;
}

static void day_key(time_t t, char *ret, size_t n)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(ret, n, "%Y-%m-%d %a", &tm);
}

static void clock_str(time_t t, time_t ref, char *ret, size_t n)
{
	struct tm tm, rtm;

	localtime_r(&t, &tm);
	localtime_r(&ref, &rtm);
	if (tm.tm_year == rtm.tm_year && tm.tm_yday == rtm.tm_yday)
		strftime(ret, n, "%H:%M", &tm);
	else
		strftime(ret, n, "%m-%d %H:%M", &tm);
}

static void print_entry(FILE *f, const struct log_entry *e, const struct style *st)
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
	fprintf(f, INDENT "%s%s", st->dim, outlet(e, tmp, sizeof(tmp)));
	if (e->storyline)
		fprintf(f, "  %s", e->storyline);
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
		const struct log_entry *c = e->children[i];

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
			o = outlet(e->children[i], tmp, sizeof(tmp));
			if (strv_contains(seen, o))
				continue;
			fprintf(f, "%s%s", n_seen ? ", " : "", o);
			seen[n_seen++] = xstrdup(o);
		}
		fprintf(f, "%s\n", st->reset);
		strv_free(seen);
	}
}

/* One line per feed per day: the first error, how many, and the recovery. */
static void print_feeds(FILE *f, struct log_entry **ev, size_t n, const struct style *st)
{
	for (size_t i = 0; i < n; i++) {
		struct log_entry *e = ev[i];
		size_t n_errors = 0;
		const char *first_error = NULL;
		time_t first_time = 0, ok_time = 0;
		char hhmm[32];
		bool is_done = false;

		if (!is_feed_entry(e) || e->parent)
			continue;
		for (size_t j = i; j < n; j++) {
			struct log_entry *o = ev[j];

			if (!is_feed_entry(o) || o->parent || !streq(o->feed, e->feed))
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
			fprintf(f, "  %s          feed %s recovered\n", hhmm, e->feed ? e->feed : "?");
			continue;
		}
		clock_str(first_time, first_time, hhmm, sizeof(hhmm));
		fprintf(f, "  %s %sx%s        %sfeed %s: %s", hhmm, st->yellow, st->reset, st->yellow,
			e->feed ? e->feed : "?", first_error ? first_error : "error");
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

static void print_timeline(FILE *f, struct log_entry **ev, size_t n, const struct style *st)
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
			if (is_feed_entry(ev[i]))
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

static void help(FILE *f)
{
	fputs("Usage: storywatch log [OPTIONS]\n"
	      "\n"
	      "Review the event log: a timeline by day, each development once with its\n"
	      "other reports and updates folded beneath it.\n"
	      "\n"
	      CLI_INSTANCE_HELP
	      "  --event-log FILE     the log to read (default: the configuration's)\n"
	      "  --since WHEN         only events at or after WHEN\n"
	      "  --until WHEN         only events at or before WHEN (a date: its end)\n"
	      "                       WHEN: YYYY-MM-DD, RFC 3339, or an age: 90s 30m 6h 2d 1w\n"
	      "  --storyline NAME     only this storyline\n"
	      "  --action notify|log  only events with this action\n"
	      "  --rule NAME          only events this rule fired on\n"
	      "  --event TYPE         only this event type (match, update, feed_error,\n"
	      "                       feed_ok, ...); may be repeated\n"
	      "  --json               the matching lines as they are in the log\n"
	      "  --color WHEN         auto (default), always or never\n"
	      "  -h, --help           show this help\n", f);
}

int cmd_log(int argc, char **argv)
{
	enum { ARG_EVENT_LOG = 0x100, ARG_SINCE, ARG_UNTIL, ARG_STORYLINE, ARG_ACTION,
	       ARG_RULE, ARG_EVENT, ARG_JSON, ARG_COLOR };
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
		{ "help",      no_argument,       NULL, 'h' },
		CLI_INSTANCE_OPTIONS,
		{}
	};
	struct cli_instance in = CLI_INSTANCE_INIT;
	_cleanup_config_ struct config *cfg = NULL;
	struct filter flt = { 0 };
	_cleanup_strv_free_ char **events = NULL;
	const char *path;
	_cleanup_buf_ struct buf line = { 0 };
	enum color_mode color = COLOR_AUTO;
	struct log_entry **ev = NULL;
	size_t n_ev = 0, n_bad = 0, n_events_arg = 0, lineno = 0, first_bad = 0;
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
			r = parse_when(optarg, c == ARG_UNTIL, c == ARG_UNTIL ? &flt.until : &flt.since);
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
			events = xreallocarray(events, n_events_arg + 2, sizeof(char *));
			events[n_events_arg++] = xstrdup(optarg);
			events[n_events_arg] = NULL;
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
			help(stderr);
			return 2;
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

	buf_init(&line, MAX_LINE);
	while ((r = read_line(f, &line)) != EOF) {
		struct log_entry *e;

		lineno++;
		if (r == 0 && line.len == 0)
			continue;
		e = r == 0 ? entry_from_line(buf_str(&line), line.len) : NULL;
		if (!e) {
			if (n_bad++ == 0)
				first_bad = lineno;
			continue;
		}
		if (!entry_matches(e, &flt)) {
			entry_free(e);
			continue;
		}
		if (is_json) {
			put_json_line(stdout, buf_str(&line), is_tty);
			fputc('\n', stdout);
			entry_free(e);
			continue;
		}
		ev = xreallocarray(ev, n_ev + 1, sizeof(*ev));
		ev[n_ev++] = e;
	}
	if (f != stdin)
		fclose(f);

	if (!is_json) {
		group(ev, n_ev);
		print_timeline(stdout, ev, n_ev, st);
	}
	for (size_t i = 0; i < n_ev; i++)
		entry_free(ev[i]);
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
