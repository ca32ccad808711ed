/* evlog.c - reading the event log back (SPEC section 7), for storywatch log,
 * feed, report and digest and for the daemon's Atom feed.
 *
 * Everything in the log is feed text, hostile until shown: control
 * characters, bidi overrides and what XML may not hold never leave here. */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "events.h"
#include "evlog.h"
#include "jsonread.h"
#include "utf8.h"
#include "util.h"

/* ---- text that is safe to show --------------------------------------------- */

bool evlog_is_unsafe(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f ||                /* C0, DEL */
	       (cp >= 0x80 && cp <= 0x9f) ||             /* C1: 0x9b is a CSI */
	       cp == 0x2028 || cp == 0x2029 ||           /* line breaks in disguise */
	       (cp >= 0x202a && cp <= 0x202e) ||         /* bidi embeddings, overrides */
	       (cp >= 0x2066 && cp <= 0x2069) ||         /* bidi isolates */
	       cp == 0xfffe || cp == 0xffff;             /* not XML 1.0 Chars */
}

/* A copy of s[0..n) for the terminal: whitespace controls become spaces, every
 * other unsafe character (ESC of an escape sequence included) U+FFFD. */
char *evlog_scrub(const char *s, size_t n)
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
		else if (evlog_is_unsafe(cp))
			(void)buf_puts(&b, "\xef\xbf\xbd");
		else
			(void)buf_append(&b, p, (size_t)k);
		p += k;
	}
	return buf_steal(&b) ?: xstrdup("");
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
int evlog_parse_time(const char *s, time_t *ret)
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

time_t evlog_now(void)
{
	const char *e = getenv("STORYWATCH_EVAL_TIME");
	time_t t;

	/* The same clock the daemon uses, so replayed logs read the same. */
	if (e && evlog_parse_time(e, &t) == 0)
		return t;
	return time(NULL);
}

/* --since/--until: YYYY-MM-DD (local day), RFC 3339, or an age like 2d, 6h,
 * 30m, 90s, 1w.  A date as --until means the end of that day. */
int evlog_parse_when(const char *s, bool is_until, time_t *ret)
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
	if (evlog_parse_time(s, ret) == 0)
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
		*ret = evlog_now() - (time_t)(n * (unsigned long long)unit);
		return 0;
	}
}

/* ---- reading the log --------------------------------------------------------- */

void evlog_entry_free(struct evlog_entry *e)
{
	if (!e)
		return;
	free(e->event);
	free(e->feed);
	free(e->feed_title);
	free(e->lang);
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

	return v && v->type == JSON_STRING ? evlog_scrub(v->string.s, v->string.len) : NULL;
}

/* NULL for a line that is not an event: every event has seq, time and event. */
struct evlog_entry *evlog_entry_from_line(const char *line, size_t len)
{
	_cleanup_jsonread_ struct json_value *v = NULL;
	const struct json_value *rules;
	struct evlog_entry *e;
	const char *t;
	double seq;

	if (jsonread_parse(line, len, 8, &v, NULL) < 0 || v->type != JSON_OBJECT)
		return NULL;
	t = jsonread_get_string(v, "time");
	if (!jsonread_get_number(v, "seq", &seq) || !t || !jsonread_get_string(v, "event"))
		return NULL;
	/* A sequence number is a whole number a double holds exactly. */
	if (!(seq >= 0 && seq <= 9007199254740992.0) || seq != (double)(int64_t)seq)
		return NULL;

	e = xcalloc(1, sizeof(*e));
	if (evlog_parse_time(t, &e->time) < 0) {
		evlog_entry_free(e);
		return NULL;
	}
	e->seq = (int64_t)seq;
	e->event = get_scrubbed(v, "event");
	e->feed = get_scrubbed(v, "feed");
	e->feed_title = get_scrubbed(v, "feed_title");
	e->lang = get_scrubbed(v, "lang");
	t = jsonread_get_string(v, "published");
	e->has_published = t && evlog_parse_time(t, &e->published) == 0;
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
				e->rules[n++] = evlog_scrub(rules->array.items[i]->string.s,
						      rules->array.items[i]->string.len);
		e->rules[n] = NULL;
	}
	return e;
}


int evlog_read_line(FILE *f, struct buf *line)
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
	struct evlog_entry **slots;   /* open addressing, by id */
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

static struct evlog_entry **id_map_slot(struct id_map *m, const char *id)
{
	size_t i = hash(id) & (m->n_slots - 1);

	while (m->slots[i] && !streq(m->slots[i]->id, id))
		i = (i + 1) & (m->n_slots - 1);
	return &m->slots[i];
}

static void add_child(struct evlog_entry *parent, struct evlog_entry *e)
{
	while (parent->parent)
		parent = parent->parent;
	parent->children = xreallocarray(parent->children, parent->n_children + 1,
					 sizeof(*parent->children));
	parent->children[parent->n_children++] = e;
	e->parent = parent;
}

bool evlog_is_feed_event(const struct evlog_entry *e)
{
	return streq(e->event, "feed_error") || streq(e->event, "feed_ok");
}

/* Folds reports of the same development and updates under the first event
 * that introduced the item, when that event is among those shown. */
void evlog_group(struct evlog_entry **ev, size_t n)
{
	struct id_map m;

	id_map_init(&m, n);
	for (size_t i = 0; i < n; i++) {
		struct evlog_entry *e = ev[i], **slot;

		if (evlog_is_feed_event(e))
			continue;
		if (e->duplicate_of) {
			struct evlog_entry *target = *id_map_slot(&m, e->duplicate_of);

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

bool evlog_is_development(const struct evlog_entry *e)
{
	return !e->parent && !evlog_is_feed_event(e) && streq(e->action, "notify");
}

bool evlog_is_context(const struct evlog_entry *e)
{
	return !e->parent && !evlog_is_feed_event(e) && streq(e->action, "log");
}

time_t evlog_updated(const struct evlog_entry *e)
{
	time_t t = e->time;

	for (size_t i = 0; i < e->n_children; i++)
		if (streq(e->children[i]->event, "update") && e->children[i]->time > t)
			t = e->children[i]->time;
	return t;
}

bool evlog_is_web_link(const char *url)
{
	return url && (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0);
}

size_t evlog_feeds_in_error(struct evlog_entry **ev, size_t n, struct evlog_entry ***ret)
{
	struct evlog_entry **out = NULL;
	size_t n_out = 0;

	/* From the end: the first feed event met for a feed is its last. */
	for (size_t i = n; i-- > 0;) {
		bool is_seen = false;

		if (!evlog_is_feed_event(ev[i]) || !ev[i]->feed)
			continue;
		for (size_t j = i + 1; j < n && !is_seen; j++)
			is_seen = evlog_is_feed_event(ev[j]) && streq(ev[j]->feed, ev[i]->feed);
		if (is_seen || !streq(ev[i]->event, "feed_error"))
			continue;
		out = xreallocarray(out, n_out + 1, sizeof(*out));
		out[n_out++] = ev[i];
	}
	*ret = out;
	return n_out;
}

int evlog_load(const char *path, bool (*keep)(const struct evlog_entry *e, void *userdata),
	       void *userdata, struct evlog_entry ***ret, size_t *ret_n, size_t *ret_n_bad)
{
	_cleanup_buf_ struct buf line = { 0 };
	struct evlog_entry **ev = NULL;
	size_t n = 0, cap = 0, n_bad = 0;
	FILE *f;
	int r;

	f = streq(path, "-") ? stdin : fopen(path, "re");
	if (!f)
		return -errno;
	buf_init(&line, EVLOG_MAX_LINE);
	while ((r = evlog_read_line(f, &line)) != EOF) {
		struct evlog_entry *e;

		if (r == 0 && line.len == 0)
			continue;
		e = r == 0 ? evlog_entry_from_line(buf_str(&line), line.len) : NULL;
		if (!e) {
			n_bad++;
			continue;
		}
		if (keep && !keep(e, userdata)) {
			evlog_entry_free(e);
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			ev = xreallocarray(ev, cap, sizeof(*ev));
		}
		ev[n++] = e;
	}
	r = ferror(f) ? -EIO : 0;
	if (f != stdin)
		fclose(f);
	if (r < 0) {
		evlog_entries_free(ev, n);
		return r;
	}
	*ret = ev;
	*ret_n = n;
	if (ret_n_bad)
		*ret_n_bad = n_bad;
	return 0;
}

void evlog_entries_free(struct evlog_entry **ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		evlog_entry_free(ev[i]);
	free(ev);
}


const char *evlog_outlet(const struct evlog_entry *e, char *tmp, size_t n)
{
	const char *link = evlog_is_web_link(e->link) ? e->link : NULL;
	_cleanup_free_ char *o = event_outlet(e->feed_title, link, e->feed);

	size_t len = strlen(o);

	/* Cut, if at all, between characters: the outlet goes into XML too. */
	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)o[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(tmp, o, len);
	tmp[len] = '\0';
	return tmp;
}
