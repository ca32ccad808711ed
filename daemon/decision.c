/* decision.c - the decision record of an item: text in the state file.
 *
 * Version 1, one line per part, fields split by one space, the last field
 * the rest of the line (names and terms may hold spaces, never a newline):
 *   1 TYPE ACTION CAP             m|u, n|l|i, -|a|c|t|d
 *   s SCORE NOTIFY_AT LOG_AT STORYLINE
 *   p POSITION FIELD TERM         a place a term was found, numbered from 0
 *   h f|r ACTION LIMIT CONTRIBUTION PLACES NAME
 *                                 a hit, in rule order; PLACES "-" or "0,2,5"
 *   d SIMILARITY|- FIRST_REPORT
 *   w WORD-OR-FACT                one per shared feature
 * Rules that share a term list find the same places: each is written once.
 * An ignored item nothing matched is "1 m i -". */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "decision.h"
#include "json.h"
#include "util.h"

static const char cap_codes[_DECISION_CAP_MAX] = {
	[DECISION_CAP_NONE] = '-',
	[DECISION_CAP_AGE] = 'a',
	[DECISION_CAP_CHANGE] = 'c',
	[DECISION_CAP_COSMETIC] = 't',
	[DECISION_CAP_DUPLICATE] = 'd',
};

static char action_code(enum action a)
{
	switch (a) {
	case ACTION_IGNORE:
		return 'i';
	case ACTION_LOG:
		return 'l';
	case ACTION_NOTIFY:
		return 'n';
	}
	return '?';
}

static int action_from_code(char c, enum action *ret)
{
	switch (c) {
	case 'i':
		*ret = ACTION_IGNORE;
		return 0;
	case 'l':
		*ret = ACTION_LOG;
		return 0;
	case 'n':
		*ret = ACTION_NOTIFY;
		return 0;
	default:
		return -EBADMSG;
	}
}

const char *decision_cap_to_string(enum decision_cap c)
{
	switch (c) {
	case DECISION_CAP_NONE:
		return "none";
	case DECISION_CAP_AGE:
		return "first poll of its feed, published longer ago than notify_max_age";
	case DECISION_CAP_CHANGE:
		return "an update whose change is no development on its own";
	case DECISION_CAP_COSMETIC:
		return "a retitle that adds no news (live, updated, a time, the outlet)";
	case DECISION_CAP_DUPLICATE:
		return "a duplicate of a development already notified";
	case _DECISION_CAP_MAX:
		break;
	}
	return "?";
}

/* The last field of a line: a newline in it would start another line. */
static void put_rest(struct buf *b, const char *s)
{
	for (s = s ? s : ""; *s; s++)
		(void)buf_putc(b, *s == '\n' || *s == '\r' ? ' ' : *s);
	(void)buf_putc(b, '\n');
}

static ssize_t hit_index(const struct match_result *m, const char *rule)
{
	for (size_t i = 0; i < m->n_hits; i++)
		if (m->hits[i].rule == rule)
			return (ssize_t)i;
	return -1;
}

/* The first rule whose action is ignore: a veto (match.c). */
static ssize_t veto_index(const struct match_result *m)
{
	for (size_t i = 0; i < m->n_hits; i++)
		if (!m->hits[i].is_fact && m->hits[i].action == ACTION_IGNORE)
			return (ssize_t)i;
	return -1;
}

/* Whether evidence j goes into the record. */
static bool is_evidence_kept(const struct match_result *m, size_t j)
{
	const struct match_evidence *e = &m->evidence[j];

	return hit_index(m, e->rule) >= 0 && e->field && *e->field && !strchr(e->field, ' ') &&
	       e->term && *e->term && !decision_evidence_is_repeated(m, j);
}

/* The distinct places of m's kept evidence ("p" lines), and for each kept
 * evidence its place's number in ret_place. */
static void write_places(struct buf *b, const struct match_result *m, ssize_t veto,
			 size_t *ret_place)
{
	size_t n = 0;
	bool has_veto_word = false;

	for (size_t i = 0; i < m->n_evidence; i++) {
		const struct match_evidence *e = &m->evidence[i];
		ssize_t h = hit_index(m, e->rule);
		size_t k;

		ret_place[i] = SIZE_MAX;
		if (!is_evidence_kept(m, i) || (veto >= 0 && (h != veto || has_veto_word)))
			continue;
		has_veto_word = veto >= 0;
		for (k = 0; k < i; k++) {
			const struct match_evidence *o = &m->evidence[k];

			if (ret_place[k] != SIZE_MAX && o->position == e->position &&
			    streq(o->field, e->field) && streq(o->term, e->term))
				break;
		}
		if (k < i) {
			ret_place[i] = ret_place[k];
			continue;
		}
		ret_place[i] = n++;
		(void)buf_printf(b, "p %zu %s ", e->position, e->field);
		put_rest(b, e->term);
	}
}

char *decision_encode(const struct decision *d)
{
	const struct match_result *m = d->match;
	_cleanup_buf_ struct buf b;

	buf_init(&b, 0);
	(void)buf_printf(&b, "1 %c %c %c\n", d->is_update ? 'u' : 'm', action_code(d->action),
			 cap_codes[d->cap]);
	if (m && m->storyline) {
		_cleanup_free_ size_t *place = xreallocarray(NULL, MAX(m->n_evidence, 1), sizeof(*place));
		/* An item a rule vetoed: the first word that rule found is the
		 * reason.  A veto catches much of a busy stream: the rest of
		 * its evidence would cost most of the file. */
		ssize_t veto = d->action == ACTION_IGNORE ? veto_index(m) : -1;

		(void)buf_printf(&b, "s %g %g %g ", m->score, m->notify_at, m->log_at);
		put_rest(&b, m->storyline);
		write_places(&b, m, veto, place);
		for (size_t i = 0; i < m->n_hits; i++) {
			const struct match_hit *h = &m->hits[i];
			bool has_place = false;

			(void)buf_printf(&b, "h %c %c %c %g ", h->is_fact ? 'f' : 'r',
					 action_code(h->action), action_code(h->limit), h->contribution);
			for (size_t j = 0; j < m->n_evidence; j++) {
				if (m->evidence[j].rule != h->rule || place[j] == SIZE_MAX)
					continue;
				(void)buf_printf(&b, "%s%zu", has_place ? "," : "", place[j]);
				has_place = true;
			}
			(void)buf_puts(&b, has_place ? " " : "- ");
			put_rest(&b, h->rule);
		}
	}
	if (d->duplicate_of) {
		if (d->similarity >= 0)
			(void)buf_printf(&b, "d %.3f ", d->similarity);
		else
			(void)buf_puts(&b, "d - ");
		put_rest(&b, d->duplicate_of);
	}
	for (size_t i = 0; i < d->n_shared; i++) {
		if (!d->shared[i] || !*d->shared[i])
			continue;
		(void)buf_puts(&b, "w ");
		put_rest(&b, d->shared[i]);
	}
	/* Without its last newline: one byte a record. */
	if (b.len > 0)
		b.data[--b.len] = '\0';
	return buf_steal(&b);
}

void decision_record_done(struct decision_record *r)
{
	free(r->m.hits);
	free(r->m.evidence);
	free(r->shared);
	free(r->text);
	*r = (struct decision_record){ 0 };
}

/* Splits off the next space-separated field of *p; NULL when there is none. */
static char *next_field(char **p)
{
	char *s = *p, *sp;

	if (!s || !*s)
		return NULL;
	sp = strchr(s, ' ');
	if (sp) {
		*sp = '\0';
		*p = sp + 1;
	} else
		*p = NULL;
	return s;
}

static int parse_double(const char *s, double *ret)
{
	char *end;
	double v;

	if (!s || !*s)
		return -EBADMSG;
	v = strtod(s, &end);
	if (*end || v != v)
		return -EBADMSG;
	*ret = v;
	return 0;
}

static int parse_size(const char *s, size_t *ret)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -EBADMSG;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end || errno || v > SIZE_MAX)
		return -EBADMSG;
	*ret = (size_t)v;
	return 0;
}

/* A one-character field. */
static int parse_code(const char *s, char *ret)
{
	if (!s || !s[0] || s[1])
		return -EBADMSG;
	*ret = s[0];
	return 0;
}

static int parse_header(char *line, struct decision *d)
{
	char *p = line, type, action, cap;
	const char *version = next_field(&p);
	int r;

	if (!streq(version, "1"))
		return -EBADMSG;
	r = parse_code(next_field(&p), &type);
	if (r >= 0)
		r = parse_code(next_field(&p), &action);
	if (r >= 0)
		r = parse_code(p, &cap);
	if (r < 0 || (type != 'm' && type != 'u'))
		return -EBADMSG;
	d->is_update = type == 'u';
	r = action_from_code(action, &d->action);
	if (r < 0)
		return r;
	for (unsigned c = 0; c < _DECISION_CAP_MAX; c++)
		if (cap_codes[c] == cap) {
			d->cap = (enum decision_cap)c;
			return 0;
		}
	return -EBADMSG;
}

/* A term's place, "p" lines, before the hits that refer to it. */
struct place {
	size_t position;
	const char *field, *term;
};

struct places {
	struct place *v;
	size_t n;
};

static int parse_place(char *p, struct places *pl)
{
	struct place x = { 0 };

	if (parse_size(next_field(&p), &x.position) < 0)
		return -EBADMSG;
	x.field = next_field(&p);
	x.term = p;
	if (!x.field || !x.term || !*x.term)
		return -EBADMSG;
	pl->v = xreallocarray(pl->v, pl->n + 1, sizeof(*pl->v));
	pl->v[pl->n++] = x;
	return 0;
}

/* The evidence of a hit named rule: the places listed, "-" for none. */
static int parse_hit_places(char *list, const char *rule, const struct places *pl,
			    struct match_result *m)
{
	if (streq(list, "-"))
		return 0;
	for (char *p = list; p;) {
		char *comma = strchr(p, ','), *next = comma ? comma + 1 : NULL;
		size_t k;

		if (comma)
			*comma = '\0';
		if (parse_size(p, &k) < 0 || k >= pl->n)
			return -EBADMSG;
		m->evidence = xreallocarray(m->evidence, m->n_evidence + 1, sizeof(*m->evidence));
		m->evidence[m->n_evidence++] = (struct match_evidence){
			.rule = rule, .term = pl->v[k].term, .field = pl->v[k].field,
			.position = pl->v[k].position,
		};
		p = next;
	}
	return 0;
}

static int parse_hit(char *p, const struct places *pl, struct match_result *m)
{
	struct match_hit h = { 0 };
	char kind = 0, action = 0, limit = 0, *list;
	int r;

	r = parse_code(next_field(&p), &kind);
	if (r >= 0)
		r = parse_code(next_field(&p), &action);
	if (r >= 0)
		r = parse_code(next_field(&p), &limit);
	if (r >= 0)
		r = parse_double(next_field(&p), &h.contribution);
	if (r >= 0)
		r = action_from_code(action, &h.action);
	if (r >= 0)
		r = action_from_code(limit, &h.limit);
	list = next_field(&p);
	if (r < 0 || (kind != 'f' && kind != 'r') || !list || !p || !*p)
		return -EBADMSG;
	h.is_fact = kind == 'f';
	h.rule = p;
	r = parse_hit_places(list, h.rule, pl, m);
	if (r < 0)
		return r;
	m->hits = xreallocarray(m->hits, m->n_hits + 1, sizeof(*m->hits));
	m->hits[m->n_hits++] = h;
	return 0;
}

static int parse_line(char *line, struct decision_record *rec, struct places *pl,
		      size_t *n_shared)
{
	struct decision *d = &rec->d;
	struct match_result *m = &rec->m;
	char *p = line + 2;
	int r;

	if (line[0] == '\0' || line[1] != ' ')
		return -EBADMSG;
	switch (line[0]) {
	case 's':
		if (d->match)
			return -EBADMSG;
		r = parse_double(next_field(&p), &m->score);
		if (r >= 0)
			r = parse_double(next_field(&p), &m->notify_at);
		if (r >= 0)
			r = parse_double(next_field(&p), &m->log_at);
		if (r < 0 || !p || !*p)
			return -EBADMSG;
		m->storyline = p;
		m->action = d->action;
		d->match = m;
		return 0;
	case 'p':
		return d->match && m->n_hits == 0 ? parse_place(p, pl) : -EBADMSG;
	case 'h':
		return d->match ? parse_hit(p, pl, m) : -EBADMSG;
	case 'd': {
		const char *sim = next_field(&p);

		if (d->duplicate_of || !sim || !p || !*p)
			return -EBADMSG;
		d->similarity = -1;
		if (!streq(sim, "-") && parse_double(sim, &d->similarity) < 0)
			return -EBADMSG;
		d->duplicate_of = p;
		return 0;
	}
	case 'w':
		if (!*p)
			return -EBADMSG;
		rec->shared = xreallocarray(rec->shared, *n_shared + 1, sizeof(*rec->shared));
		rec->shared[(*n_shared)++] = p;
		return 0;
	default:
		return -EBADMSG;
	}
}

int decision_decode(const char *text, struct decision_record *ret)
{
	struct decision_record rec = { .text = xstrdup(text) };
	struct places pl = { 0 };
	size_t n_shared = 0;
	char *line = rec.text, *nl;
	int r;

	nl = strchr(line, '\n');
	if (nl)
		*nl = '\0';
	r = parse_header(line, &rec.d);
	while (r >= 0 && nl) {
		line = nl + 1;
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		r = parse_line(line, &rec, &pl, &n_shared);
	}
	free(pl.v);
	if (r < 0) {
		decision_record_done(&rec);
		return r;
	}
	rec.d.shared = rec.shared;
	rec.d.n_shared = n_shared;
	*ret = rec;
	/* d.match pointed into the local copy. */
	if (ret->d.match)
		ret->d.match = &ret->m;
	return 0;
}

bool decision_evidence_is_repeated(const struct match_result *m, size_t j)
{
	const struct match_evidence *e = &m->evidence[j];

	for (size_t k = 0; k < j; k++) {
		const struct match_evidence *o = &m->evidence[k];

		if (o->rule == e->rule && o->position == e->position && streq(o->term, e->term) &&
		    streq(o->field, e->field))
			return true;
	}
	return false;
}

void decision_format_hits(struct buf *b, const struct match_result *m)
{
	for (size_t i = 0; i < m->n_hits; i++) {
		const struct match_hit *h = &m->hits[i];

		(void)buf_printf(b, "  %+g %s %s", h->contribution, h->is_fact ? "fact" : "rule", h->rule);
		if (!h->is_fact)
			(void)buf_printf(b, " [%s]", action_to_string(h->action));
		(void)buf_putc(b, '\n');
		for (size_t j = 0; j < m->n_evidence; j++) {
			const struct match_evidence *e = &m->evidence[j];

			if (e->rule != h->rule || decision_evidence_is_repeated(m, j))
				continue;
			(void)buf_printf(b, "      %s: %s, word %zu\n", e->term, e->field, e->position + 1);
		}
	}
}

int decision_json_hits(struct buf *b, const struct match_result *m, bool with_limit)
{
	int r = 0;

	r |= json_key(b, "hits");
	r |= json_begin_array(b);
	for (size_t i = 0; m && i < m->n_hits; i++) {
		r |= json_begin_object(b);
		r |= json_key(b, "name");
		r |= json_string(b, m->hits[i].rule);
		r |= json_key(b, "fact");
		r |= json_bool(b, m->hits[i].is_fact);
		r |= json_key(b, "contribution");
		r |= json_double(b, m->hits[i].contribution);
		r |= json_key(b, "action");
		r |= json_string(b, action_to_string(m->hits[i].action));
		if (with_limit) {
			r |= json_key(b, "limit");
			r |= json_string(b, action_to_string(m->hits[i].limit));
		}
		r |= json_end_object(b);
	}
	r |= json_end_array(b);
	r |= json_key(b, "evidence");
	r |= json_begin_array(b);
	for (size_t i = 0; m && i < m->n_evidence; i++) {
		if (decision_evidence_is_repeated(m, i))
			continue;
		r |= json_begin_object(b);
		r |= json_key(b, "rule");
		r |= json_string(b, m->evidence[i].rule);
		r |= json_key(b, "term");
		r |= json_string(b, m->evidence[i].term);
		r |= json_key(b, "field");
		r |= json_string(b, m->evidence[i].field);
		r |= json_key(b, "position");
		r |= json_int(b, (int64_t)m->evidence[i].position);
		r |= json_end_object(b);
	}
	r |= json_end_array(b);
	return r;
}
