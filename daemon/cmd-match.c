/* cmd-match.c - storywatch match: run the rules over feed files and explain
 * each item's score. */

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "decision.h"
#include "diag.h"
#include "item-json.h"
#include "json.h"
#include "match.h"
#include "options.h"
#include "parse.h"
#include "rules.h"
#include "util.h"

struct tally {
	unsigned n[3];       /* by enum action */
};

static void match_help(FILE *f)
{
	fprintf(f,
		"Usage: storywatch match [--config FILE] [--system|--user] [--rules DIR] [--json] FILE...|-\n"
		"\n"
		"Run the rules of DIR (default: the rules storywatchd reads, %s\n"
		"when the configuration names none) over every entry of each feed\n"
		"document and explain, per entry, which rules and facts matched, which\n"
		"terms were found where (field and word position), the score and the\n"
		"action.  --json prints one object per entry: the keys of 'storywatch parse'\n"
		"plus storyline, rules, facts, score, action, urgency, hits and evidence.\n"
		"\n"
		"The action is the item's alone.  The daemon's duplicate detection across\n"
		"reports, its first-poll age limit (notify_max_age) and its update rules\n"
		"need its state and are left out here; the event log has its decisions.\n"
		"\n"
		CLI_INSTANCE_HELP,
		PKGDATADIR "/rules");
}

static int write_json(struct buf *b, const struct feed *f, const struct feed_item *it,
		      const struct match_result *m)
{
	int r = 0;

	/* The keys of storywatch parse, in its order. */
	r |= json_begin_object(b);
	r |= item_json_fields(b, f, it);

	r |= json_key(b, "storyline");
	r |= json_string(b, m->storyline);
	r |= json_key(b, "rules");
	r |= json_begin_array(b);
	for (size_t i = 0; i < m->n_hits; i++)
		if (!m->hits[i].is_fact)
			r |= json_string(b, m->hits[i].rule);
	r |= json_end_array(b);
	r |= json_key(b, "facts");
	r |= json_begin_array(b);
	for (size_t i = 0; i < m->n_hits; i++)
		if (m->hits[i].is_fact)
			r |= json_string(b, m->hits[i].rule);
	r |= json_end_array(b);
	r |= json_key(b, "score");
	r |= json_double(b, m->score);
	r |= json_key(b, "action");
	r |= json_string(b, action_to_string(m->action));
	r |= json_key(b, "urgency");
	r |= json_string(b, urgency_to_string(m->urgency));
	r |= decision_json_hits(b, m, false);
	r |= json_end_object(b);
	r |= buf_putc(b, '\n');
	return r < 0 ? -E2BIG : 0;
}

static void write_text(struct buf *b, const char *name, size_t idx, const struct feed_item *it,
		       const struct match_result *m)
{
	(void)buf_printf(b, "%s: item %zu: %s\n", name, idx + 1, it->title ? it->title : "(no title)");
	if (it->link)
		(void)buf_printf(b, "  link: %s\n", it->link);
	if (!m->storyline) {
		(void)buf_puts(b, "  no rule or fact matched: ignore\n\n");
		return;
	}
	(void)buf_printf(b, "  storyline %s%s%s%s: score %g, %s", m->storyline,
			 m->storyline_title ? " (" : "", m->storyline_title ? m->storyline_title : "",
			 m->storyline_title ? ")" : "", m->score, action_to_string(m->action));
	if (m->action == ACTION_NOTIFY)
		(void)buf_printf(b, " (urgency %s)", urgency_to_string(m->urgency));
	(void)buf_putc(b, '\n');
	decision_format_hits(b, m);
	(void)buf_putc(b, '\n');
}

static int match_file(const struct ruleset *rs, struct match_scratch *scratch, const char *path,
		      bool is_json, struct buf *out, struct tally *t)
{
	_cleanup_buf_ struct buf in;
	_cleanup_feed_ struct feed *f = NULL;
	struct diag d = { 0 };
	const char *name = streq(path, "-") ? "<stdin>" : path;
	int r;

	buf_init(&in, PARSE_MAX_BYTES_DEFAULT);
	r = cli_read_document(path, &in);
	if (r < 0) {
		fprintf(stderr, "storywatch match: %s: %s\n", name,
			r == -EFBIG ? "larger than the parser's ceiling, not read" : strerror(-r));
		return r;
	}
	r = parse_feed(in.data ? in.data : "", in.len, NULL, &f, &d);
	if (r < 0) {
		fprintf(stderr, "storywatch match: %s: %s\n", name, d.message ? d.message : strerror(-r));
		diag_clear(&d);
		return r;
	}
	diag_clear(&d);

	for (size_t i = 0; i < f->n_items; i++) {
		const struct feed_item *it = &f->items[i];
		_cleanup_match_result_ struct match_result *m = NULL;
		struct match_input mi = {
			.title = it->title,
			.summary = it->summary,
			.feed_title = f->title,
			.feed_url = f->link,
			.author = it->author,
			.link = it->link,
			.categories = (const char *const *)it->categories,
			.n_categories = it->n_categories,
		};

		r = match_item_scratch(rs, &mi, scratch, &m);
		if (r < 0) {
			fprintf(stderr, "storywatch match: %s: item %zu: cannot match: %s\n", name, i + 1,
				strerror(-r));
			continue;
		}
		t->n[m->action]++;
		buf_reset(out);
		if (is_json)
			(void)write_json(out, f, it, m);
		else
			write_text(out, name, i, it, m);
		if (fwrite(buf_str(out), 1, out->len, stdout) != out->len)
			return -EIO;
	}
	return 0;
}

int cmd_match(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		CLI_INSTANCE_OPTIONS,
		{}
	};
	struct cli_instance in = CLI_INSTANCE_INIT;
	_cleanup_config_ struct config *cfg = NULL;
	const char *dir = NULL;
	struct rules_errors errors = { 0 };
	_cleanup_ruleset_ struct ruleset *rs = NULL;
	_cleanup_match_scratch_ struct match_scratch *scratch = NULL;
	_cleanup_buf_ struct buf out;
	struct tally t = { 0 };
	bool is_json = false;
	int c, r, status = 0;

	buf_init(&out, 0);
	while ((c = getopt_long(argc, argv, "+r:jhv", opts, NULL)) >= 0)
		switch (c) {
		case 'r':
			dir = optarg;
			break;
		case 'j':
			is_json = true;
			break;
		case 'h':
			match_help(stdout);
			return 0;
		default:
			if (cli_instance_option(&in, c, optarg))
				break;
			return options_report_error("storywatch match", opts, argv);
		}
	if (optind >= argc) {
		fprintf(stderr, "storywatch match: no FILE given (see 'storywatch match --help')\n");
		return 2;
	}

	in.o.rules_dir = dir;
	if (cli_instance_load("match", &in, &cfg) < 0)
		return 1;
	dir = cfg->rules_dir;
	r = rules_compile_dir(dir, &rs, &errors);
	if (r < 0) {
		rules_errors_print(&errors, stderr);
		fprintf(stderr, "storywatch match: %s: %zu error%s in the rules\n", dir, errors.n,
			errors.n == 1 ? "" : "s");
		rules_errors_clear(&errors);
		return 1;
	}

	(void)match_scratch_new(&scratch);
	for (int i = optind; i < argc; i++)
		if (match_file(rs, scratch, argv[i], is_json, &out, &t) < 0)
			status = 1;
	/* A summary only of a complete run: after an error it would read as one. */
	if (!is_json && status == 0)
		printf("%u item%s: %u notify, %u log, %u ignore\n",
		       t.n[ACTION_NOTIFY] + t.n[ACTION_LOG] + t.n[ACTION_IGNORE],
		       t.n[ACTION_NOTIFY] + t.n[ACTION_LOG] + t.n[ACTION_IGNORE] == 1 ? "" : "s",
		       t.n[ACTION_NOTIFY], t.n[ACTION_LOG], t.n[ACTION_IGNORE]);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "storywatch match: cannot write output: %s\n", strerror(errno));
		return 1;
	}
	return status;
}
