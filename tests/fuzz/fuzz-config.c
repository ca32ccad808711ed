/* fuzz-config.c - storywatch.conf, the feeds list and OPML from hostile bytes. */
#include <stdint.h>
#include <string.h>

#include <libxml/parser.h>

#include "config.h"
#include "config-internal.h"
#include "diag.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void quiet(void *ctx, const char *fmt, ...)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static bool is_initialised;
	struct config c = { 0 };
	struct diag_list diags = { 0 };
	struct feed_source *feeds = NULL;
	size_t n_feeds = 0;

	if (!is_initialised) {
		xmlInitParser();
		xmlSetGenericErrorFunc(NULL, quiet);
		is_initialised = true;
	}

	/* The same bytes as a config file... */
	config_init_defaults(&c);
	(void)config_parse_ini(&c, data, len, "fuzz.conf", "/base", &diags);
	free(c.feeds_file);
	free(c.rules_dir);
	free(c.state_dir);
	free(c.event_log);
	free(c.user_agent);
	diag_list_clear(&diags);

	/* ...as a feeds list, plain or OPML... */
	if (config_parse_feeds(data, len, "fuzz.feeds", &feeds, &n_feeds, &diags) == 0)
		feed_sources_free(feeds, n_feeds);
	diag_list_clear(&diags);

	/* ...and as a single value. */
	if (len < 64) {
		char s[64];
		uint64_t v;

		memcpy(s, data, len);
		s[len] = '\0';
		(void)config_parse_duration(s, &v);
		(void)config_parse_size(s, &v);
	}
	return 0;
}
