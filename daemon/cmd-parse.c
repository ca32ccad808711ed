/* cmd-parse.c - storywatch parse: feed documents to JSON Lines. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "diag.h"
#include "item-json.h"
#include "json.h"
#include "options.h"
#include "parse.h"
#include "util.h"

static void parse_help(FILE *f)
{
	fprintf(f,
		"Usage: storywatch parse [--help] FILE...|-\n"
		"\n"
		"Print every entry of each feed document (RSS 0.9x/1.0/2.0, Atom) as one\n"
		"JSON object per line, in document order, with the keys feed_title, title,\n"
		"link, id, published, updated, author, summary and categories.\n"
		"'-' reads standard input.  Documents larger than %u MiB are refused.\n",
		PARSE_MAX_BYTES_DEFAULT / (1024 * 1024));
}

static int write_item(struct buf *b, const struct feed *f, const struct feed_item *it)
{
	int r = 0;

	r |= json_begin_object(b);
	r |= item_json_fields(b, f, it);
	r |= json_end_object(b);
	r |= buf_putc(b, '\n');
	return r < 0 ? -E2BIG : 0;
}

static int parse_one(const char *path, struct buf *out)
{
	_cleanup_buf_ struct buf in;
	_cleanup_feed_ struct feed *f = NULL;
	struct diag d = {};
	const char *name = streq(path, "-") ? "<stdin>" : path;
	int r;

	buf_init(&in, PARSE_MAX_BYTES_DEFAULT);
	r = cli_read_document(path, &in);
	if (r == -EFBIG) {
		fprintf(stderr, "storywatch parse: %s: larger than %u MiB, not parsed\n", name,
			PARSE_MAX_BYTES_DEFAULT / (1024 * 1024));
		return r;
	}
	if (r < 0) {
		fprintf(stderr, "storywatch parse: %s: %s\n", name, strerror(-r));
		return r;
	}

	r = parse_feed(in.data ? in.data : "", in.len, NULL, &f, &d);
	if (r < 0) {
		if (d.line)
			fprintf(stderr, "storywatch parse: %s:%u:%u: %s\n", name, d.line, d.column,
				d.message ? d.message : strerror(-r));
		else
			fprintf(stderr, "storywatch parse: %s: %s\n", name, d.message ? d.message : strerror(-r));
		diag_clear(&d);
		return r;
	}
	diag_clear(&d);

	for (size_t i = 0; i < f->n_items; i++) {
		buf_reset(out);
		if (write_item(out, f, &f->items[i]) < 0)
			continue;
		if (fwrite(out->data, 1, out->len, stdout) != out->len)
			return -EIO;
	}
	return 0;
}

int cmd_parse(int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	_cleanup_buf_ struct buf out;
	int c, status = 0;

	while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
		switch (c) {
		case 'h':
			parse_help(stdout);
			return 0;
		default:
			return options_report_error("storywatch parse", options, argv);
		}
	if (optind >= argc) {
		fprintf(stderr, "storywatch parse: no FILE given (see 'storywatch parse --help')\n");
		return 2;
	}
	buf_init(&out, 0);
	for (int i = optind; i < argc; i++)
		if (parse_one(argv[i], &out) < 0)
			status = 1;
	if (fflush(stdout) != 0) {
		fprintf(stderr, "storywatch parse: cannot write output: %s\n", strerror(errno));
		return 1;
	}
	return status;
}
