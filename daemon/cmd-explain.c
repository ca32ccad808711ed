/* cmd-explain.c - storywatch explain ID|LINK: why the daemon notified, logged
 * or ignored an item, or took it for a duplicate, from the decision record
 * the state file keeps of it (decision.h). */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cli.h"
#include "config.h"
#include "decision.h"
#include "dedup.h"
#include "evlog.h"
#include "json.h"
#include "options.h"
#include "parse.h"
#include "store.h"
#include "timefmt.h"
#include "util.h"

struct explain {
	bool is_json, is_utc;
	size_t n_found;
	int error;              /* a record that could not be read */
	struct buf out;
};

static void explain_help(FILE *f)
{
	fprintf(f,
		"Usage: storywatch explain [--config FILE] [--system|--user] [--state-dir DIR]\n"
		"                          [--event-log FILE] [--json] [--utc] ID|LINK\n"
		"\n"
		"Why storywatchd notified, logged or ignored an item, or took it for a\n"
		"duplicate, from its state: the storyline, the rules and profile facts that\n"
		"matched with the words and fields they found, the score against the\n"
		"storyline's thresholds, what capped the action (a rule's limit, the first\n"
		"poll's notify_max_age, an update that adds no news) and, for a duplicate,\n"
		"the first report with the similarity and what both say.  ID is the id of\n"
		"the event log (its guid or Atom id, else its link); every item with that\n"
		"id or link is shown, one per feed.  Items gone from their feed for longer\n"
		"than prune_after are forgotten: for an item not found, the event log says\n"
		"whether it was seen.  Exit status 1 when no item is found.\n"
		"\n"
		CLI_INSTANCE_HELP
		"  --state-dir DIR      the daemon's state directory (default: the configuration's)\n"
		"  --event-log FILE     the daemon's event log (default: the configuration's)\n"
		"  --json               one JSON object per item and line (times RFC 3339, UTC)\n"
		"  --utc                times in UTC (default: local time, as TZ says)\n");
}

static void format_time(bool is_utc, int64_t sec, char out[static TIMEFMT_RFC3339_MAX])
{
	time_t t = (time_t)sec;
	struct tm tm;

	if (is_utc)
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	if (strftime(out, TIMEFMT_RFC3339_MAX, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, TIMEFMT_RFC3339_MAX, "?");
}

/* The id events cite (guid or Atom id, else link): stored for relevant
 * items, read off the identity for the others. */
static const char *item_event_id(const struct item_found *it)
{
	if (it->item_id)
		return it->item_id;
	if (strncmp(it->key, "id:", 3) == 0)
		return it->key + 3;
	if (strncmp(it->key, "link:", 5) == 0)
		return it->key + 5;
	return it->link;
}

static enum action by_score(const struct match_result *m)
{
	return m->score >= m->notify_at ? ACTION_NOTIFY : m->score >= m->log_at ? ACTION_LOG :
	       ACTION_IGNORE;
}

/* The match's steps, as match.c takes them: score against the thresholds,
 * at most the strongest action of the rules that added to it, a veto, a
 * rule's limit. */
static void text_match(struct buf *b, const struct match_result *m)
{
	enum action score_action = by_score(m), strongest = ACTION_IGNORE;
	const struct match_hit *veto = NULL, *limit = NULL;
	bool has_positive = false;

	for (size_t i = 0; i < m->n_hits; i++) {
		const struct match_hit *h = &m->hits[i];

		if (!h->is_fact && h->action == ACTION_IGNORE && !veto)
			veto = h;
		else if (h->contribution > 0) {
			strongest = has_positive ? MAX(strongest, h->action) : h->action;
			has_positive = true;
		}
		if (h->limit < ACTION_NOTIFY && (!limit || h->limit < limit->limit))
			limit = h;
	}
	(void)buf_printf(b, "  storyline %s: score %g (notify at %g, log at %g): %s by score\n",
			 m->storyline, m->score, m->notify_at, m->log_at, action_to_string(score_action));
	decision_format_hits(b, m);
	if (veto)
		(void)buf_printf(b, "  rule %s says ignore: ignored whatever the score\n", veto->rule);
	else if (!has_positive)
		(void)buf_puts(b, "  no rule or fact added to the score: ignore\n");
	else if (strongest < score_action)
		(void)buf_printf(b, "  the strongest rule that fired says %s: at most %s\n",
				 action_to_string(strongest), action_to_string(strongest));
	if (limit && !veto && limit->limit < MIN(score_action, strongest))
		(void)buf_printf(b, "  rule %s has limit %s: at most %s\n", limit->rule,
				 action_to_string(limit->limit), action_to_string(limit->limit));
}

static void text_decision(struct buf *b, const struct decision *d)
{
	const char *did = d->action == ACTION_IGNORE ? "ignored" :
			  d->action == ACTION_LOG ? "logged" : "notified";

	if (d->match)
		text_match(b, d->match);
	else
		(void)buf_puts(b, "  no rule or fact matched: ignore\n");
	switch (d->cap) {
	case DECISION_CAP_NONE:
		break;
	case DECISION_CAP_AGE:
	case DECISION_CAP_CHANGE:
	case DECISION_CAP_COSMETIC:
	case DECISION_CAP_DUPLICATE:
		(void)buf_printf(b, "  capped at %s: %s\n", action_to_string(d->action),
				 decision_cap_to_string(d->cap));
		break;
	case _DECISION_CAP_MAX:
		break;
	}
	if (d->duplicate_of) {
		(void)buf_printf(b, "  duplicate of %s", d->duplicate_of);
		if (d->similarity >= 0)
			(void)buf_printf(b, ": similarity %.2f (a duplicate from %.2f)", d->similarity,
					 DEDUP_THRESHOLD);
		else
			(void)buf_puts(b, " (decided on an earlier version)");
		(void)buf_putc(b, '\n');
	}
	for (size_t i = 0; i < d->n_shared; i++)
		(void)buf_printf(b, "%s%s", i == 0 ? "  both say: " : ", ", d->shared[i]);
	if (d->n_shared > 0)
		(void)buf_putc(b, '\n');
	(void)buf_printf(b, "  %s%s\n", did, d->is_update ? " (an update of a reported item)" : "");
}

static void write_text(struct explain *x, const struct item_found *it, const struct decision *d)
{
	struct buf *b = &x->out;
	char t1[TIMEFMT_RFC3339_MAX], t2[TIMEFMT_RFC3339_MAX];
	const char *id = item_event_id(it);

	if (x->n_found > 1)
		(void)buf_putc(b, '\n');
	(void)buf_printf(b, "%s\n", it->title ? it->title : "(no title)");
	if (it->feed_title && *it->feed_title)
		(void)buf_printf(b, "  feed: %s (%s)\n", it->feed_title, it->feed_url);
	else
		(void)buf_printf(b, "  feed: %s\n", it->feed_url);
	if (id)
		(void)buf_printf(b, "  id: %s\n", id);
	if (it->link && !streq(it->link, id))
		(void)buf_printf(b, "  link: %s\n", it->link);
	if (it->published != PARSE_NO_DATE) {
		format_time(x->is_utc, it->published, t1);
		(void)buf_printf(b, "  published: %s\n", t1);
	}
	format_time(x->is_utc, (int64_t)(it->first_seen_usec / USEC_PER_SEC), t1);
	format_time(x->is_utc, (int64_t)(it->last_seen_usec / USEC_PER_SEC), t2);
	(void)buf_printf(b, "  seen: %s, last %s\n", t1, t2);
	(void)buf_printf(b, "  action: %s\n", d ? action_to_string(d->action) : "unknown");
	if (d)
		text_decision(b, d);
	else
		(void)buf_puts(b, "  no decision recorded: stored before storywatch kept them\n");
}

static const char *cap_name(enum decision_cap c)
{
	switch (c) {
	case DECISION_CAP_NONE:
		return NULL;
	case DECISION_CAP_AGE:
		return "notify_max_age";
	case DECISION_CAP_CHANGE:
		return "update";
	case DECISION_CAP_COSMETIC:
		return "cosmetic_retitle";
	case DECISION_CAP_DUPLICATE:
		return "duplicate";
	case _DECISION_CAP_MAX:
		break;
	}
	return NULL;
}

static int json_time(struct buf *b, int64_t sec)
{
	char t[TIMEFMT_RFC3339_MAX];

	(void)timefmt_rfc3339(sec, t);
	return json_string(b, t);
}

static int write_json(struct explain *x, const struct item_found *it, const struct decision *d)
{
	const struct match_result *m = d ? d->match : NULL;
	struct buf *b = &x->out;
	int r = 0;

	r |= json_begin_object(b);
	r |= json_key(b, "feed");
	r |= json_string(b, it->feed_url);
	r |= json_key(b, "feed_title");
	r |= json_string(b, it->feed_title);
	r |= json_key(b, "id");
	r |= json_string(b, item_event_id(it));
	r |= json_key(b, "title");
	r |= json_string(b, it->title);
	r |= json_key(b, "link");
	r |= json_string(b, it->link);
	r |= json_key(b, "published");
	r |= it->published == PARSE_NO_DATE ? json_null(b) : json_time(b, it->published);
	r |= json_key(b, "first_seen");
	r |= json_time(b, (int64_t)(it->first_seen_usec / USEC_PER_SEC));
	r |= json_key(b, "last_seen");
	r |= json_time(b, (int64_t)(it->last_seen_usec / USEC_PER_SEC));
	r |= json_key(b, "event");
	r |= !d || d->action == ACTION_IGNORE ? json_null(b) :
	     json_string(b, d->is_update ? "update" : "match");
	r |= json_key(b, "action");
	r |= d ? json_string(b, action_to_string(d->action)) : json_null(b);
	r |= json_key(b, "storyline");
	r |= json_string(b, m ? m->storyline : NULL);
	r |= json_key(b, "score");
	r |= m ? json_double(b, m->score) : json_null(b);
	r |= json_key(b, "notify_at");
	r |= m ? json_double(b, m->notify_at) : json_null(b);
	r |= json_key(b, "log_at");
	r |= m ? json_double(b, m->log_at) : json_null(b);
	r |= decision_json_hits(b, m, true);
	r |= json_key(b, "cap");
	r |= json_string(b, d ? cap_name(d->cap) : NULL);
	r |= json_key(b, "duplicate_of");
	r |= json_string(b, d ? d->duplicate_of : it->duplicate_of);
	r |= json_key(b, "similarity");
	r |= d && d->duplicate_of && d->similarity >= 0 ? json_double(b, d->similarity) : json_null(b);
	r |= json_key(b, "shared");
	r |= json_begin_array(b);
	for (size_t i = 0; d && i < d->n_shared; i++)
		r |= json_string(b, d->shared[i]);
	r |= json_end_array(b);
	r |= json_end_object(b);
	r |= buf_putc(b, '\n');
	return r < 0 ? -E2BIG : 0;
}

static int explain_one(const struct item_found *it, void *userdata)
{
	_cleanup_(decision_record_done) struct decision_record rec = { 0 };
	struct explain *x = userdata;
	const struct decision *d = NULL;

	x->n_found++;
	if (it->decision) {
		int r = decision_decode(it->decision, &rec);

		if (r < 0) {
			fprintf(stderr, "storywatch explain: %s: %s: unreadable decision record, skipped\n",
				it->feed_url, it->key);
			x->error = r;
			return 0;
		}
		d = &rec.d;
	}
	if (x->is_json)
		(void)write_json(x, it, d);
	else
		write_text(x, it, d);
	return 0;
}

/* Whether the event log names the item: then it was seen and is forgotten. */
static bool is_in_log(const struct evlog_entry *e, void *userdata)
{
	const char *what = userdata;

	return streq(e->id, what) || streq(e->link, what);
}

static void explain_not_found(const struct config *cfg, const char *path, const char *what)
{
	struct evlog_entry **ev = NULL;
	size_t n = 0;
	char when[TIMEFMT_RFC3339_MAX];
	unsigned days = (unsigned)(cfg->prune_after_usec / (UINT64_C(86400) * USEC_PER_SEC));

	if (evlog_load(cfg->event_log, is_in_log, (void *)what, &ev, &n, NULL) >= 0 && n > 0) {
		const struct evlog_entry *e = ev[n - 1];

		format_time(false, e->time, when);
		fprintf(stderr, "storywatch explain: %s: pruned from %s: the event log has it (%s %s,"
			" seq %" PRId64 ", %s), but items gone from their feed for %u days are"
			" forgotten\n", what, path, e->event, e->action ? e->action : "-", e->seq, when,
			days);
	} else
		fprintf(stderr, "storywatch explain: %s: no such item in %s: never seen, or ignored and"
			" gone from its feed for longer than %u days (prune_after)\n", what, path, days);
	evlog_entries_free(ev, n);
}

int cmd_explain(int argc, char **argv)
{
	static const struct option options[] = {
		{ "state-dir", required_argument, NULL, 'd' },
		{ "event-log", required_argument, NULL, 'e' },
		{ "json",      no_argument,       NULL, 'j' },
		{ "utc",       no_argument,       NULL, 'u' },
		{ "help",      no_argument,       NULL, 'h' },
		CLI_INSTANCE_OPTIONS,
		{}
	};
	struct cli_instance in = CLI_INSTANCE_INIT;
	_cleanup_config_ struct config *cfg = NULL;
	_cleanup_free_ char *path = NULL;
	_cleanup_store_ struct store *s = NULL;
	struct explain x = { 0 };
	int c, r;

	while ((c = getopt_long(argc, argv, "hv", options, NULL)) >= 0)
		switch (c) {
		case 'd':
			in.o.state_dir = optarg;
			break;
		case 'e':
			in.o.event_log = optarg;
			break;
		case 'j':
			x.is_json = true;
			break;
		case 'u':
			x.is_utc = true;
			break;
		case 'h':
			explain_help(stdout);
			return 0;
		default:
			if (cli_instance_option(&in, c, optarg))
				break;
			return options_report_error("storywatch explain", options, argv);
		}
	if (optind >= argc) {
		fprintf(stderr, "storywatch explain: no ID or LINK given (see 'storywatch explain --help')\n");
		return 2;
	}
	if (optind + 1 < argc) {
		fprintf(stderr, "storywatch explain: unexpected argument '%s'\n", argv[optind + 1]);
		return 2;
	}
	if (cli_instance_load("explain", &in, &cfg) < 0)
		return 1;
	if (cli_state_open("storywatch explain", cfg, &s, &path) < 0)
		return 1;
	buf_init(&x.out, 0);
	r = store_items_find(s, argv[optind], explain_one, &x);
	if (r < 0) {
		fprintf(stderr, "storywatch explain: %s: cannot read the items: %s\n", path, strerror(-r));
		buf_free(&x.out);
		return 1;
	}
	if (fwrite(buf_str(&x.out), 1, x.out.len, stdout) != x.out.len || fflush(stdout) != 0) {
		fprintf(stderr, "storywatch explain: cannot write output: %s\n", strerror(errno));
		buf_free(&x.out);
		return 1;
	}
	buf_free(&x.out);
	if (x.n_found == 0) {
		explain_not_found(cfg, path, argv[optind]);
		return 1;
	}
	return x.error < 0 ? 1 : 0;
}
