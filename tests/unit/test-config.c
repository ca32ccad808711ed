/* test-config.c - storywatch.conf, the feeds list, OPML and overrides. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "config-internal.h"
#include "diag.h"
#include "util.h"

#define SEC  UINT64_C(1000000)
#define MIN_ (60 * SEC)
#define HOUR (60 * MIN_)
#define DAY  (24 * HOUR)

/* ---- fixtures ---------------------------------------------------------------- */

struct fixture {
	char dir[64];
};

static const char *const env_vars[] = {
	"STATE_DIRECTORY", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "HOME",
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/test-config-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	for (size_t i = 0; i < ELEMENTSOF(env_vars); i++)
		unsetenv(env_vars[i]);
	/* Every default path lands inside the test's own directory. */
	setenv("HOME", f->dir, 1);
	*state = f;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	nftw(f->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* Writes dir/name and returns its path (the caller's). */
static char *write_file(const struct fixture *f, const char *name, const char *content)
{
	char *path = xasprintf("%s/%s", f->dir, name);
	FILE *fp = fopen(path, "we");

	assert_non_null(fp);
	assert_int_equal(fwrite(content, 1, strlen(content), fp), strlen(content));
	assert_int_equal(fclose(fp), 0);
	return path;
}

static char *make_dir(const struct fixture *f, const char *name)
{
	char *path = xasprintf("%s/%s", f->dir, name);

	assert_int_equal(mkdir(path, 0755), 0);
	return path;
}

static void config_clear(struct config *c)
{
	free(c->config_file);
	free(c->feeds_file);
	free(c->rules_dir);
	free(c->state_dir);
	free(c->event_log);
	free(c->user_agent);
	free(c->digest_to);
	feed_sources_free(c->feeds, c->n_feeds);
	*c = (struct config){ 0 };
}

/* Parses text as a config file named "t.conf" in base directory "/base". */
static int parse_ini(const char *text, struct config *c, struct diag_list *diags)
{
	*c = (struct config){ 0 };
	config_init_defaults(c);
	return config_parse_ini(c, text, strlen(text), "t.conf", "/base", diags);
}

/* The one problem a config text has. */
static void assert_ini_error(const char *text, unsigned line, unsigned column,
			     const char *message)
{
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	struct config c;

	assert_int_equal(parse_ini(text, &c, &diags), -EINVAL);
	config_clear(&c);
	assert_int_equal(diags.n, 1);
	assert_string_equal(diags.diags[0].file, "t.conf");
	assert_string_equal(diags.diags[0].message, message);
	assert_int_equal(diags.diags[0].line, line);
	assert_int_equal(diags.diags[0].column, column);
}

static int parse_feeds(const char *text, struct feed_source **feeds, size_t *n,
		       struct diag_list *diags)
{
	return config_parse_feeds(text, strlen(text), "feeds", feeds, n, diags);
}

static void assert_feeds_error(const char *text, unsigned line, unsigned column,
			       const char *message)
{
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	struct feed_source *feeds = NULL;
	size_t n = 0;

	assert_int_equal(parse_feeds(text, &feeds, &n, &diags), -EINVAL);
	assert_null(feeds);
	assert_int_equal(diags.n, 1);
	assert_string_equal(diags.diags[0].file, "feeds");
	assert_string_equal(diags.diags[0].message, message);
	assert_int_equal(diags.diags[0].line, line);
	assert_int_equal(diags.diags[0].column, column);
}

/* ---- durations and sizes ---------------------------------------------------------- */

static void test_duration_valid(void **state)
{
	static const struct {
		const char *s;
		uint64_t usec;
	} cases[] = {
		{ "15m", 15 * MIN_ },
		{ "2h", 2 * HOUR },
		{ "1h30m", 90 * MIN_ },
		{ "90s", 90 * SEC },
		{ "500ms", 500000 },
		{ "1d", DAY },
		{ "2w", 14 * DAY },
		{ "0", 0 },
		{ "0s", 0 },
		{ "7us", 7 },
		{ "1d2h3m4s5ms6us", DAY + 2 * HOUR + 3 * MIN_ + 4 * SEC + 5006 },
		{ "120m", 2 * HOUR },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		uint64_t v = 1;

		assert_int_equal(config_parse_duration(cases[i].s, &v), 0);
		assert_int_equal(v, cases[i].usec);
	}
}

static void test_duration_invalid(void **state)
{
	static const char *const bad[] = {
		"", "15", "15x", "m", "1m1h", "1h1h", "-5m", "+5m", "1.5h", " 5m", "5m ",
		"5 m", "5M", "1h30", "ms", "5mm", "1hh",
	};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		uint64_t v = 42;

		assert_int_equal(config_parse_duration(bad[i], &v), -EINVAL);
		assert_int_equal(v, 42);
	}
}

static void test_duration_overflow(void **state)
{
	uint64_t v = 42;

	assert_int_equal(config_parse_duration("99999999999999999999s", &v), -ERANGE);
	assert_int_equal(config_parse_duration("18446744073709551615d", &v), -ERANGE);
	assert_int_equal(config_parse_duration("18446744073709551615us1", &v), -EINVAL);
	assert_int_equal(v, 42);
	assert_int_equal(config_parse_duration("18446744073709551615us", &v), 0);
	assert_true(v == UINT64_MAX);
}

static void test_size_valid(void **state)
{
	static const struct {
		const char *s;
		uint64_t bytes;
	} cases[] = {
		{ "8M", 8u << 20 }, { "512K", 512u << 10 }, { "1G", 1u << 30 },
		{ "4096", 4096 }, { "100B", 100 }, { "2k", 2048 }, { "3MiB", 3u << 20 },
		{ "3MB", 3u << 20 }, { "1gib", 1u << 30 }, { "0", 0 },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		uint64_t v = 1;

		assert_int_equal(config_parse_size(cases[i].s, &v), 0);
		assert_int_equal(v, cases[i].bytes);
	}
}

static void test_size_invalid(void **state)
{
	static const char *const bad[] = { "", "M", "8X", "8 M", "-1", "1.5M", "8T", "8MM", " 8M" };
	uint64_t v = 42;

	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_int_equal(config_parse_size(bad[i], &v), -EINVAL);
	assert_int_equal(config_parse_size("18446744073709551615K", &v), -ERANGE);
	assert_int_equal(config_parse_size("99999999999999999999", &v), -ERANGE);
	assert_int_equal(v, 42);
}

/* ---- keys ------------------------------------------------------------------------- */

static void test_defaults(void **state)
{
	struct config c = { 0 };

	config_init_defaults(&c);
	assert_true(c.notify);
	assert_int_equal(c.interval_usec, 15 * MIN_);
	assert_int_equal(c.jitter_usec, 90 * SEC);
	assert_int_equal(c.connect_timeout_usec, 15 * SEC);
	assert_int_equal(c.low_speed_time_usec, 30 * SEC);
	assert_int_equal(c.total_timeout_usec, 60 * SEC);
	assert_int_equal(c.max_backoff_usec, DAY);
	assert_int_equal(c.max_body_bytes, 8u << 20);
	assert_int_equal(c.max_redirects, 5);
	assert_int_equal(c.max_connections, 16);
	assert_int_equal(c.max_host_connections, 2);
	assert_string_equal(c.user_agent, "storywatch/" PACKAGE_VERSION);
	assert_int_equal(c.prune_after_usec, 30 * DAY);
	assert_int_equal(c.notify_max_age_usec, 2 * DAY);
	assert_true(c.atom);
	assert_int_equal(c.atom_entries, 100);
	assert_null(c.digest_to);
	assert_null(c.feeds_file);
	config_clear(&c);
}

static void test_every_key(void **state)
{
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	struct config c;

	assert_int_equal(parse_ini(
		"[daemon]\n"
		"feeds = /srv/feeds.opml\n"
		"rules = /srv/rules\n"
		"state_dir = /srv/state\n"
		"event_log = /srv/log/events.jsonl\n"
		"notify = no\n"
		"notify_max_age = 6h\n"
		"[poll]\n"
		"interval = 1h30m\n"
		"jitter = 5m\n"
		"connect_timeout = 20s\n"
		"low_speed_time = 45s\n"
		"timeout = 2m\n"
		"max_backoff = 12h\n"
		"max_body_size = 512K\n"
		"max_redirects = 0\n"
		"max_connections = 4\n"
		"max_host_connections = 1\n"
		"user_agent = \"example-bot/2 (+mailto:ops@example.org)\"\n"
		"[state]\n"
		"prune_after = 2w\n"
		"[outputs]\n"
		"atom = no\n"
		"atom_entries = 25\n"
		"digest_to = Ann Reader <ann@example.org>\n", &c, &diags), 0);
	assert_int_equal(diags.n, 0);
	assert_false(c.atom);
	assert_int_equal(c.atom_entries, 25);
	assert_string_equal(c.digest_to, "Ann Reader <ann@example.org>");
	assert_string_equal(c.feeds_file, "/srv/feeds.opml");
	assert_string_equal(c.rules_dir, "/srv/rules");
	assert_string_equal(c.state_dir, "/srv/state");
	assert_string_equal(c.event_log, "/srv/log/events.jsonl");
	assert_false(c.notify);
	assert_int_equal(c.notify_max_age_usec, 6 * HOUR);
	assert_int_equal(c.interval_usec, 90 * MIN_);
	assert_int_equal(c.jitter_usec, 5 * MIN_);
	assert_int_equal(c.connect_timeout_usec, 20 * SEC);
	assert_int_equal(c.low_speed_time_usec, 45 * SEC);
	assert_int_equal(c.total_timeout_usec, 2 * MIN_);
	assert_int_equal(c.max_backoff_usec, 12 * HOUR);
	assert_int_equal(c.max_body_bytes, 512 * 1024);
	assert_int_equal(c.max_redirects, 0);
	assert_int_equal(c.max_connections, 4);
	assert_int_equal(c.max_host_connections, 1);
	assert_string_equal(c.user_agent, "example-bot/2 (+mailto:ops@example.org)");
	assert_int_equal(c.prune_after_usec, 14 * DAY);
	config_clear(&c);
}

static void test_syntax_variants(void **state)
{
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	struct config c;

	/* BOM, CRLF, blanks around everything, both comment styles, a
	 * section given twice. */
	assert_int_equal(parse_ini(
		"\xef\xbb\xbf# comment\r\n"
		"; another\r\n"
		"  [ poll ]  \r\n"
		"\tinterval\t=\t2h\t\r\n"
		"\r\n"
		"[daemon]\n"
		"notify=off\n"
		"[poll]\n"
		"max_redirects=7", &c, &diags), 0);
	assert_int_equal(diags.n, 0);
	assert_int_equal(c.interval_usec, 2 * HOUR);
	assert_false(c.notify);
	assert_int_equal(c.max_redirects, 7);
	config_clear(&c);
}

static void test_jitter_follows_interval(void **state)
{
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	struct config c;

	assert_int_equal(parse_ini("[poll]\ninterval = 5m\n", &c, &diags), 0);
	assert_int_equal(c.jitter_usec, 30 * SEC);
	config_clear(&c);
	assert_int_equal(parse_ini("[poll]\ninterval = 6h\n", &c, &diags), 0);
	assert_int_equal(c.jitter_usec, 2 * MIN_);
	config_clear(&c);
}

static void test_booleans(void **state)
{
	static const char *const yes[] = { "yes", "true", "on", "1", "YES", "True" };
	static const char *const no[] = { "no", "false", "off", "0", "No", "OFF" };
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	struct config c = { 0 };

	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		_cleanup_free_ char *t = xasprintf("[daemon]\nnotify = %s\n", yes[i]);

		c.notify = false;
		assert_int_equal(config_parse_ini(&c, t, strlen(t), "t.conf", NULL, &diags), 0);
		assert_true(c.notify);
	}
	for (size_t i = 0; i < ELEMENTSOF(no); i++) {
		_cleanup_free_ char *t = xasprintf("[daemon]\nnotify = %s\n", no[i]);

		c.notify = true;
		assert_int_equal(config_parse_ini(&c, t, strlen(t), "t.conf", NULL, &diags), 0);
		assert_false(c.notify);
	}
	assert_int_equal(diags.n, 0);
	config_clear(&c);
}

static void test_relative_paths(void **state)
{
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	struct config c;

	setenv("HOME", "/home/someone", 1);
	assert_int_equal(parse_ini("[daemon]\nfeeds = my.opml\nrules = ~/rules\n"
				   "state_dir = ~\nevent_log = ../log/e.jsonl\n", &c, &diags), 0);
	assert_string_equal(c.feeds_file, "/base/my.opml");
	assert_string_equal(c.rules_dir, "/home/someone/rules");
	assert_string_equal(c.state_dir, "/home/someone");
	assert_string_equal(c.event_log, "/base/../log/e.jsonl");
	config_clear(&c);
}

/* ---- error messages ----------------------------------------------------------------- */

static void test_error_unknown_section(void **state)
{
	assert_ini_error("[daemon]\n[polling]\ninterval = 1h\n", 2, 2,
			 "unknown section [polling]; did you mean [poll]?");
	assert_ini_error("\n[network]\nproxy = x\n", 2, 2,
			 "unknown section [network] (sections are [daemon], [poll] and [state])");
}

static void test_error_unknown_key(void **state)
{
	assert_ini_error("[poll]\nintervl = 15m\n", 2, 1,
			 "unknown key 'intervl' in [poll]; did you mean 'interval'?");
	assert_ini_error("[poll]\n  Interval = 15m\n", 2, 3,
			 "unknown key 'Interval' in [poll]; did you mean 'interval'?");
	assert_ini_error("[daemon]\nstate-dir = /x\n", 2, 1,
			 "unknown key 'state-dir' in [daemon]; did you mean 'state_dir'?");
	assert_ini_error("[daemon]\nintrval = 1h\n", 2, 1,
			 "unknown key 'intrval' in [daemon]; did you mean 'interval' in [poll]?");
	assert_ini_error("[poll]\ncolour = blue\n", 2, 1, "unknown key 'colour' in [poll]");
}

static void test_error_key_in_wrong_section(void **state)
{
	assert_ini_error("[daemon]\ninterval = 1h\n", 2, 1,
			 "key 'interval' belongs in [poll], not [daemon]");
	assert_ini_error("interval = 1h\n", 1, 1,
			 "key 'interval' is outside of any section; it belongs in [poll]");
	assert_ini_error("# top\nfoo = 1\n", 2, 1, "key 'foo' is outside of any section");
}

static void test_error_bad_values(void **state)
{
	assert_ini_error("[poll]\ninterval = 15x\n", 2, 12,
			 "invalid duration '15x' for 'interval' (examples: 90s, 15m, 1h30m, 1d)");
	assert_ini_error("[poll]\ninterval = 15m # every quarter hour\n", 2, 12,
			 "invalid duration '15m # every quarter hour' for 'interval' "
			 "(examples: 90s, 15m, 1h30m, 1d)");
	assert_ini_error("[poll]\nmax_body_size = 8X\n", 2, 17,
			 "invalid size '8X' for 'max_body_size' (examples: 512K, 8M)");
	assert_ini_error("[daemon]\nnotify = maybe\n", 2, 10,
			 "invalid boolean 'maybe' for 'notify' (use yes or no)");
	assert_ini_error("[poll]\nmax_redirects = five\n", 2, 17,
			 "invalid number 'five' for 'max_redirects'");
	assert_ini_error("[poll]\nmax_redirects = -1\n", 2, 17,
			 "invalid number '-1' for 'max_redirects'");
	assert_ini_error("[poll]\ntimeout =\n", 2, 10, "missing value for 'timeout'");
	assert_ini_error("[poll]\nuser_agent = bad\x01" "agent\n", 2, 14,
			 "'user_agent' must be printable ASCII");
	assert_ini_error("[daemon]\nrules = /a\x1b[31mb\n", 2, 9,
			 "control character in the path for 'rules'");
}

static void test_error_quotes_hostile_value(void **state)
{
	assert_ini_error("[daemon]\nnotify = \x1b[2Jyes\n", 2, 10,
			 "invalid boolean '\\x1b[2Jyes' for 'notify' (use yes or no)");
}

static void test_error_out_of_range(void **state)
{
	assert_ini_error("[poll]\ninterval = 10s\n", 2, 12,
			 "'interval' must be between 1m and 30d, not 10s");
	assert_ini_error("[poll]\nmax_body_size = 1K\n", 2, 17,
			 "'max_body_size' must be between 4K and 1G, not 1K");
	assert_ini_error("[poll]\nmax_redirects = 50\n", 2, 17,
			 "'max_redirects' must be between 0 and 20, not 50");
	assert_ini_error("[poll]\nmax_connections = 99999999999999999999\n", 2, 19,
			 "'max_connections' must be between 1 and 256, not 18446744073709551615");
	assert_ini_error("[state]\nprune_after = 1h30m\n", 2, 15,
			 "'prune_after' must be between 1d and 3650d, not 1h30m");
}

static void test_error_inconsistent(void **state)
{
	assert_ini_error("[poll]\ninterval = 10m\njitter = 10m\n", 3, 0,
			 "'jitter' (10m) must be less than 'interval' (10m)");
	assert_ini_error("[poll]\nmax_connections = 2\nmax_host_connections = 4\n", 3, 0,
			 "'max_host_connections' (4) must not exceed 'max_connections' (2)");
	assert_ini_error("[poll]\nmax_connections = 1\n", 2, 0,
			 "'max_host_connections' (2) must not exceed 'max_connections' (1)");
	assert_ini_error("[poll]\ninterval = 2d\n", 2, 0,
			 "'max_backoff' (1d) must not be less than 'interval' (2d)");
}

static void test_error_duplicate_key(void **state)
{
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	struct config c;

	assert_ini_error("[poll]\ninterval = 1h\n\n[poll]\n interval = 2h\n", 5, 2,
			 "duplicate key 'interval' (first set on line 2)");
	/* The first value stays. */
	assert_int_equal(parse_ini("[poll]\ninterval = 1h\ninterval = 2h\n", &c, &diags), -EINVAL);
	assert_int_equal(c.interval_usec, HOUR);
	config_clear(&c);
}

static void test_error_syntax(void **state)
{
	assert_ini_error("[poll]\njust words\n", 2, 1, "expected 'key = value'");
	assert_ini_error("[poll]\n = 5\n", 2, 2, "missing key before '='");
	assert_ini_error("[poll\n", 1, 1, "missing ']' after the section name");
	assert_ini_error("[poll] x\n", 1, 8, "unexpected text after ']'");
}

static void test_error_nul_byte(void **state)
{
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	static const char text[] = "[poll]\ninterval = 1h\0junk\n";
	struct config c = { 0 };

	config_init_defaults(&c);
	assert_int_equal(config_parse_ini(&c, text, sizeof(text) - 1, "t.conf", NULL, &diags),
			 -EINVAL);
	config_clear(&c);
	assert_int_equal(diags.n, 1);
	assert_string_equal(diags.diags[0].message, "NUL byte in line");
	assert_int_equal(diags.diags[0].line, 2);
	assert_int_equal(diags.diags[0].column, 14);
}

static void test_error_line_too_long(void **state)
{
	_cleanup_free_ char *text = xmalloc(CONFIG_MAX_LINE + 64);
	size_t len;

	strcpy(text, "[poll]\nuser_agent = ");
	len = strlen(text);
	memset(text + len, 'a', CONFIG_MAX_LINE);
	strcpy(text + len + CONFIG_MAX_LINE, "\n[nope]\n");
	/* The long line is reported, and the next line is still read. */
	{
		_cleanup_diag_list_ struct diag_list diags = { 0 };
		struct config c;

		assert_int_equal(parse_ini(text, &c, &diags), -EINVAL);
		config_clear(&c);
		assert_int_equal(diags.n, 2);
		assert_string_equal(diags.diags[0].message, "line too long (more than 4096 bytes)");
		assert_int_equal(diags.diags[0].line, 2);
		assert_int_equal(diags.diags[1].line, 3);
	}
}

static void test_error_too_many_lines(void **state)
{
	_cleanup_free_ char *text = xmalloc(CONFIG_MAX_LINES + 10);

	memset(text, '\n', CONFIG_MAX_LINES + 5);
	text[CONFIG_MAX_LINES + 5] = '\0';
	assert_ini_error(text, 2001, 0, "too many lines (more than 2000)");
}

static void test_error_file_too_large(void **state)
{
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	_cleanup_free_ char *text = xmalloc(CONFIG_MAX_BYTES + 1);
	struct config c = { 0 };

	memset(text, '#', CONFIG_MAX_BYTES + 1);
	config_init_defaults(&c);
	assert_int_equal(config_parse_ini(&c, text, CONFIG_MAX_BYTES + 1, "t.conf", NULL, &diags),
			 -EFBIG);
	config_clear(&c);
	assert_int_equal(diags.n, 1);
	assert_string_equal(diags.diags[0].message, "file too large (more than 64 KiB)");
}

static void test_collects_every_error(void **state)
{
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	struct config c;

	assert_int_equal(parse_ini("[poll]\n"
				   "intervl = 15m\n"
				   "max_redirects = 3\n"
				   "timeout = soon\n"
				   "[nope]\n"
				   "ignored = here\n"
				   "[state]\n"
				   "prune_after = 60d\n"
				   "prune_after = 90d\n", &c, &diags), -EINVAL);
	/* The good values still went in. */
	assert_int_equal(c.max_redirects, 3);
	assert_int_equal(c.prune_after_usec, 60 * DAY);
	config_clear(&c);
	assert_int_equal(diags.n, 4);
	assert_int_equal(diags.diags[0].line, 2);
	assert_int_equal(diags.diags[1].line, 4);
	assert_string_equal(diags.diags[1].message,
			    "invalid duration 'soon' for 'timeout' (examples: 90s, 15m, 1h30m, 1d)");
	assert_int_equal(diags.diags[2].line, 5);
	assert_string_equal(diags.diags[2].message,
			    "unknown section [nope] (sections are [daemon], [poll] and [state])");
	assert_int_equal(diags.diags[3].line, 9);
}

static void test_diag_list_is_bounded(void **state)
{
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	_cleanup_free_ char *text = xmalloc(300 * 4 + 16);
	struct config c;

	strcpy(text, "[poll]\n");
	for (int i = 0; i < 300; i++)
		strcat(text, "xx\n");
	assert_int_equal(parse_ini(text, &c, &diags), -EINVAL);
	config_clear(&c);
	assert_int_equal(diags.n, DIAG_LIST_MAX);
	assert_int_equal(diags.n_dropped, 200);
}

static void test_diag_format(void **state)
{
	struct diag d = { 0 };
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *e = NULL;

	diag_set(&d, "x.conf", 3, 7, "bad %s", "thing");
	a = diag_format(&d);
	d.column = 0;
	b = diag_format(&d);
	d.line = 0;
	c = diag_format(&d);
	free(d.file);
	d.file = NULL;
	e = diag_format(&d);
	diag_clear(&d);
	assert_string_equal(a, "x.conf:3:7: bad thing");
	assert_string_equal(b, "x.conf:3: bad thing");
	assert_string_equal(c, "x.conf: bad thing");
	assert_string_equal(e, "bad thing");
}

/* ---- the feeds list ---------------------------------------------------------------- */

static void test_feeds_plain(void **state)
{
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	struct feed_source *feeds = NULL;
	size_t n = 0;

	assert_int_equal(parse_feeds("# my feeds\n"
				     "\n"
				     "https://example.org/feed.xml\n"
				     "  http://example.net/rss   30m  # busy one\n"
				     "HTTPS://Example.COM/atom?x=1#frag 1h30m\r\n"
				     "https://example.org/a b\n", &feeds, &n, &diags), -EINVAL);
	assert_int_equal(diags.n, 1);
	assert_string_equal(diags.diags[0].message,
			    "invalid interval 'b' (examples: 30m, 2h, 1d)");
	assert_int_equal(diags.diags[0].line, 6);
	assert_int_equal(diags.diags[0].column, 23);
	diag_list_clear(&diags);

	assert_int_equal(parse_feeds("# my feeds\n"
				     "\n"
				     "https://example.org/feed.xml\n"
				     "  http://example.net/rss   30m  # busy one\n"
				     "HTTPS://Example.COM/atom?x=1#frag 1h30m\r\n", &feeds, &n, &diags), 0);
	assert_int_equal(diags.n, 0);
	assert_int_equal(n, 3);
	assert_string_equal(feeds[0].url, "https://example.org/feed.xml");
	assert_int_equal(feeds[0].interval_usec, 0);
	assert_null(feeds[0].title);
	assert_string_equal(feeds[1].url, "http://example.net/rss");
	assert_int_equal(feeds[1].interval_usec, 30 * MIN_);
	assert_string_equal(feeds[2].url, "HTTPS://Example.COM/atom?x=1#frag");
	assert_int_equal(feeds[2].interval_usec, 90 * MIN_);
	feed_sources_free(feeds, n);
}

static void test_feeds_empty(void **state)
{
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	struct feed_source *feeds = (void *)1;
	size_t n = 7;

	assert_int_equal(parse_feeds("# nothing yet\n\n", &feeds, &n, &diags), 0);
	assert_null(feeds);
	assert_int_equal(n, 0);
}

static void test_feeds_bad_scheme(void **state)
{
	assert_feeds_error("https://a.example/\n ftp://b.example/feed 2h\n", 2, 2,
			   "unsupported URL scheme 'ftp' (only http and https)");
	assert_feeds_error("file:///etc/passwd\n", 1, 1,
			   "unsupported URL scheme 'file' (only http and https)");
	assert_feeds_error("example.org/feed\n", 1, 1,
			   "not a URL: 'example.org/feed' (expected http:// or https://)");
	assert_feeds_error("https://\n", 1, 1, "invalid URL 'https://'");
}

static void test_feeds_duplicates(void **state)
{
	/* Scheme and host case do not make a different feed. */
	assert_feeds_error("https://a.example/feed\n"
			   "https://b.example/feed\n"
			   "# again\n"
			   "HTTPS://A.EXAMPLE/feed 1h\n", 4, 1,
			   "duplicate feed 'HTTPS://A.EXAMPLE/feed' (first listed on line 1)");
}

static void test_feeds_bad_interval(void **state)
{
	assert_feeds_error("https://a.example/ 10s\n", 1, 20,
			   "feed interval must be between 1m and 30d, not 10s");
	assert_feeds_error("https://a.example/ 30m later\n", 1, 24,
			   "unexpected text after the interval (comments start with '#')");
}

static void test_feeds_too_many(void **state)
{
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	struct feed_source *feeds = NULL;
	size_t n = 0, len = 0;
	_cleanup_free_ char *text = xmalloc((FEEDS_MAX_COUNT + 2) * 40);

	for (unsigned i = 0; i <= FEEDS_MAX_COUNT; i++)
		len += (size_t)sprintf(text + len, "https://example.org/%u\n", i);
	assert_int_equal(parse_feeds(text, &feeds, &n, &diags), -EINVAL);
	assert_int_equal(diags.n, 1);
	assert_string_equal(diags.diags[0].message, "too many feeds (more than 100000)");
	assert_int_equal(diags.diags[0].line, 100001);
}

static void test_feeds_too_large(void **state)
{
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	struct feed_source *feeds = NULL;
	size_t n = 0;
	_cleanup_free_ char *text = xmalloc(FEEDS_MAX_BYTES + 1);

	memset(text, '#', FEEDS_MAX_BYTES + 1);
	assert_int_equal(config_parse_feeds(text, FEEDS_MAX_BYTES + 1, "feeds", &feeds, &n, &diags),
			 -EFBIG);
	assert_int_equal(diags.n, 1);
	assert_string_equal(diags.diags[0].message, "file too large (more than 32 MiB)");
}

/* ---- OPML ---------------------------------------------------------------------------- */

static void test_opml_nested(void **state)
{
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	struct feed_source *feeds = NULL;
	size_t n = 0;

	assert_int_equal(parse_feeds(
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<opml version=\"2.0\">\n"
		" <head><title>Subscriptions</title></head>\n"
		" <body>\n"
		"  <outline text=\"World\">\n"
		"   <outline text=\"Europe\">\n"
		"    <outline type=\"rss\" text=\"Kyiv desk\" xmlUrl=\" https://kyiv.example/rss \"/>\n"
		"   </outline>\n"
		"   <outline type=\"rss\" text=\"text only\" title=\"Wire &amp; Co\"\n"
		"            xmlUrl=\"http://wire.example/feed?a=1&amp;b=2\"/>\n"
		"  </outline>\n"
		"  <outline xmlurl=\"https://lower.example/atom\"/>\n"
		"  <outline text=\"a note without a feed\"/>\n"
		"  <outline type=\"rss\" text=\"In two folders\" xmlUrl=\"https://kyiv.example/rss\"/>\n"
		" </body>\n"
		"</opml>\n", &feeds, &n, &diags), 0);
	assert_int_equal(diags.n, 0);
	assert_int_equal(n, 3);
	assert_string_equal(feeds[0].url, "https://kyiv.example/rss");
	assert_string_equal(feeds[0].title, "Kyiv desk");
	assert_int_equal(feeds[0].interval_usec, 0);
	assert_string_equal(feeds[1].url, "http://wire.example/feed?a=1&b=2");
	assert_string_equal(feeds[1].title, "Wire & Co");
	assert_string_equal(feeds[2].url, "https://lower.example/atom");
	assert_null(feeds[2].title);
	feed_sources_free(feeds, n);
}

static void test_opml_missing_xmlurl(void **state)
{
	assert_feeds_error("<opml version=\"1.0\"><body>\n"
			   "<outline text=\"ok\" xmlUrl=\"https://a.example/\"/>\n"
			   "<outline type=\"rss\" text=\"Lost\"/>\n"
			   "</body></opml>\n", 3, 0,
			   "outline \"Lost\" has type=\"rss\" but no xmlUrl");
}

static void test_opml_bad_scheme(void **state)
{
	assert_feeds_error("<opml version=\"1.0\"><body>\n\n"
			   "<outline xmlUrl=\"gopher://a.example/\"/>\n"
			   "</body></opml>\n", 3, 0,
			   "unsupported URL scheme 'gopher' (only http and https)");
}

static void test_opml_xxe_refused(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *secret = write_file(f, "secret", "TOPSECRET-4711\n");
	_cleanup_free_ char *doc = xasprintf(
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE opml [ <!ENTITY xxe SYSTEM \"file://%s\"> ]>\n"
		"<opml version=\"2.0\"><body>\n"
		"<outline title=\"&xxe;\" xmlUrl=\"https://a.example/?&xxe;\"/>\n"
		"</body></opml>\n", secret);
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	struct feed_source *feeds = NULL;
	size_t n = 0;

	assert_int_equal(parse_feeds(doc, &feeds, &n, &diags), -EINVAL);
	assert_null(feeds);
	assert_int_equal(diags.n, 1);
	assert_string_equal(diags.diags[0].message,
			    "document type declarations are not allowed in OPML");
	assert_int_equal(diags.diags[0].line, 2);
	assert_null(strstr(diags.diags[0].message, "TOPSECRET"));
}

static void test_opml_undeclared_entity(void **state)
{
	assert_feeds_error("<opml><body>\n<outline xmlUrl=\"https://a.example/&xxe;\"/>\n"
			   "</body></opml>\n", 2, 41,
			   "not well-formed XML: Entity 'xxe' not defined");
}

static void test_opml_billion_laughs_refused(void **state)
{
	assert_feeds_error("<?xml version=\"1.0\"?>\n"
			   "<!DOCTYPE lolz [\n"
			   " <!ENTITY lol \"lol\">\n"
			   " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
			   "]>\n"
			   "<opml><body><outline title=\"&lol2;\" xmlUrl=\"https://a.example/\"/>"
			   "</body></opml>\n", 2, 0,
			   "document type declarations are not allowed in OPML");
}

static void test_opml_ill_formed(void **state)
{
	assert_feeds_error("<?xml version=\"1.0\"?>\n"
			   "<opml><body>\n"
			   "<outline xmlUrl=\"https://a.example/\">\n"
			   "</body></opml>\n", 4, 8,
			   "not well-formed XML: Opening and ending tag mismatch: outline line 3 and body");
}

static void test_opml_wrong_root(void **state)
{
	assert_feeds_error("<?xml version=\"1.0\"?>\n\n<rss version=\"2.0\"><channel/></rss>\n", 3, 0,
			   "not an OPML document: the root element is <rss>, not <opml>");
	assert_feeds_error("<opml version=\"2.0\">\n<head/>\n</opml>\n", 1, 0,
			   "OPML document has no <body>");
}

/* ---- config_load: files, environment, overrides ------------------------------------- */

static void test_load_defaults_from_environment(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *conf = write_file(f, "storywatch.conf", "# empty\n");
	_cleanup_free_ char *state_home = xasprintf("%s/xdg-state", f->dir);
	_cleanup_free_ char *expect = NULL;
	struct config_overrides o = { .config_file = conf, .instance = CONFIG_INSTANCE_USER, .notify = -1 };
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	struct config *c = NULL;

	setenv("XDG_STATE_HOME", state_home, 1);
	assert_int_equal(config_load_all(&o, &c, &diags), 0);
	assert_int_equal(diags.n, 0);
	assert_string_equal(c->config_file, conf);
	expect = xasprintf("%s/xdg-state/storywatch", f->dir);
	assert_string_equal(c->state_dir, expect);
	free(expect);
	expect = xasprintf("%s/xdg-state/storywatch/events.jsonl", f->dir);
	assert_string_equal(c->event_log, expect);
	free(expect);
	expect = xasprintf("%s/feeds", f->dir);
	assert_string_equal(c->feeds_file, expect);
	assert_string_equal(c->rules_dir, PKGDATADIR "/rules");
	assert_int_equal(c->n_feeds, 0);
	assert_true(c->notify);
	config_free(c);
}

static void test_load_state_directory_wins(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *conf = write_file(f, "storywatch.conf", "");
	struct config_overrides o = { .config_file = conf, .notify = -1 };
	struct config *c = NULL;

	setenv("XDG_STATE_HOME", "/elsewhere", 1);
	setenv("STATE_DIRECTORY", "/var/lib/storywatch:/var/lib/other", 1);
	assert_int_equal(config_load_all(&o, &c, NULL), 0);
	assert_string_equal(c->state_dir, "/var/lib/storywatch");
	assert_string_equal(c->event_log, "/var/lib/storywatch/events.jsonl");
	config_free(c);
}

static void test_state_dir_fallbacks(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *a = NULL, *b = NULL, *expect = NULL;

	/* XDG says relative paths are to be ignored. */
	setenv("XDG_STATE_HOME", "relative/state", 1);
	a = config_default_state_dir();
	expect = xasprintf("%s/.local/state/storywatch", f->dir);
	assert_string_equal(a, expect);
	setenv("XDG_STATE_HOME", "/xdg/state", 1);
	b = config_default_state_dir();
	assert_string_equal(b, "/xdg/state/storywatch");
}

static void test_default_config_path(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *sys = NULL, *user = NULL, *xdg = NULL, *expect = NULL;

	setenv("STATE_DIRECTORY", "/var/lib/storywatch", 1);
	sys = config_default_path();
	assert_string_equal(sys, SYSCONFDIR "/storywatch/storywatch.conf");
	unsetenv("STATE_DIRECTORY");

	user = config_default_path_as(false);
	expect = xasprintf("%s/.config/storywatch/storywatch.conf", f->dir);
	assert_string_equal(user, expect);
	setenv("XDG_CONFIG_HOME", "/xdg/config", 1);
	xdg = config_default_path_as(false);
	assert_string_equal(xdg, "/xdg/config/storywatch/storywatch.conf");
}

static void test_instance_paths(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *sys = NULL, *sys_env = NULL, *user = NULL, *expect = NULL;
	struct config_overrides o = { .instance = CONFIG_INSTANCE_SYSTEM, .notify = -1,
				      .is_paths_only = true };
	struct config *c = NULL;

	unsetenv("STATE_DIRECTORY");
	sys = config_default_state_dir_as(CONFIG_INSTANCE_SYSTEM);
	assert_string_equal(sys, "/var/lib/storywatch");
	setenv("STATE_DIRECTORY", "/run/sd/storywatch:/other", 1);
	sys_env = config_default_state_dir_as(CONFIG_INSTANCE_SYSTEM);
	assert_string_equal(sys_env, "/run/sd/storywatch");
	/* --user is the user's files even inside a service. */
	user = config_default_state_dir_as(CONFIG_INSTANCE_USER);
	expect = xasprintf("%s/.local/state/storywatch", f->dir);
	assert_string_equal(user, expect);
	assert_true(config_instance_is_system(CONFIG_INSTANCE_AUTO));
	assert_false(config_instance_is_system(CONFIG_INSTANCE_USER));
	unsetenv("STATE_DIRECTORY");

	/* The system instance's config file, missing here, gives every default
	 * with the system's state directory. */
	assert_int_equal(config_load_all(&o, &c, NULL), 0);
	assert_string_equal(c->state_dir, "/var/lib/storywatch");
	assert_string_equal(c->event_log, "/var/lib/storywatch/events.jsonl");
	config_free(c);
}

static void test_load_rules_next_to_config(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *conf = write_file(f, "storywatch.conf", "");
	_cleanup_free_ char *rules = make_dir(f, "rules");
	struct config_overrides o = { .config_file = conf, .notify = -1 };
	struct config *c = NULL;

	assert_int_equal(config_load_all(&o, &c, NULL), 0);
	assert_string_equal(c->rules_dir, rules);
	config_free(c);
}

static void test_load_feeds_next_to_config(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *conf = write_file(f, "storywatch.conf", "[poll]\ninterval = 20m\n");
	_cleanup_free_ char *feeds = write_file(f, "feeds", "https://a.example/rss 1h\n"
							     "https://b.example/atom\n");
	struct config_overrides o = { .config_file = conf, .notify = -1 };
	struct config *c = NULL;

	assert_int_equal(config_load_all(&o, &c, NULL), 0);
	assert_string_equal(c->feeds_file, feeds);
	assert_int_equal(c->interval_usec, 20 * MIN_);
	assert_int_equal(c->jitter_usec, 2 * MIN_);
	assert_int_equal(c->n_feeds, 2);
	assert_string_equal(c->feeds[0].url, "https://a.example/rss");
	assert_int_equal(c->feeds[0].interval_usec, HOUR);
	assert_string_equal(c->feeds[1].url, "https://b.example/atom");
	config_free(c);
}

static void test_load_overrides(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *conf = write_file(f, "storywatch.conf",
		"[daemon]\nfeeds = from-file\nrules = /file/rules\nstate_dir = /file/state\n"
		"event_log = /file/events.jsonl\nnotify = yes\n");
	_cleanup_free_ char *feeds = write_file(f, "cli.opml",
		"<opml><body><outline xmlUrl=\"https://cli.example/\"/></body></opml>");
	struct config_overrides o = {
		.config_file = conf, .feeds_file = feeds, .rules_dir = "/cli/rules",
		.state_dir = "/cli/state", .event_log = "/cli/events.jsonl", .notify = 0,
	};
	struct config *c = NULL;

	assert_int_equal(config_load_all(&o, &c, NULL), 0);
	assert_string_equal(c->feeds_file, feeds);
	assert_string_equal(c->rules_dir, "/cli/rules");
	assert_string_equal(c->state_dir, "/cli/state");
	assert_string_equal(c->event_log, "/cli/events.jsonl");
	assert_false(c->notify);
	assert_int_equal(c->n_feeds, 1);
	assert_string_equal(c->feeds[0].url, "https://cli.example/");
	config_free(c);
}

static void test_load_state_dir_override_moves_event_log(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *conf = write_file(f, "storywatch.conf", "");
	struct config_overrides o = { .config_file = conf, .state_dir = "/cli/state", .notify = -1 };
	struct config *c = NULL;

	assert_int_equal(config_load_all(&o, &c, NULL), 0);
	assert_string_equal(c->event_log, "/cli/state/events.jsonl");
	config_free(c);
}

static void test_load_missing_named_files(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *missing = xasprintf("%s/nope.conf", f->dir);
	_cleanup_free_ char *conf = write_file(f, "storywatch.conf", "[daemon]\nfeeds = gone.txt\n");
	_cleanup_free_ char *gone = xasprintf("%s/gone.txt", f->dir);
	struct config_overrides o = { .config_file = missing, .notify = -1 };
	struct diag d = { 0 };
	struct config *c = NULL;

	assert_int_equal(config_load(&o, &c, &d), -ENOENT);
	assert_null(c);
	assert_string_equal(d.file, missing);
	assert_string_equal(d.message, "cannot read config file: No such file or directory");
	diag_clear(&d);

	o.config_file = conf;
	assert_int_equal(config_load(&o, &c, &d), -ENOENT);
	assert_null(c);
	assert_string_equal(d.file, gone);
	assert_string_equal(d.message, "cannot read feeds list: No such file or directory");
	diag_clear(&d);
}

static void test_load_refuses_non_regular(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *dir = make_dir(f, "a-dir");
	_cleanup_free_ char *fifo = xasprintf("%s/fifo", f->dir);
	struct config_overrides o = { .config_file = dir, .notify = -1 };
	struct diag d = { 0 };
	struct config *c = NULL;

	assert_int_equal(config_load(&o, &c, &d), -EISDIR);
	assert_string_equal(d.message, "cannot read config file: Is a directory");
	diag_clear(&d);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	o.config_file = fifo;
	assert_int_equal(config_load(&o, &c, &d), -EINVAL);
	assert_string_equal(d.message, "config file is not a regular file");
	diag_clear(&d);
}

static void test_load_reports_config_and_feeds_errors(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *conf = write_file(f, "storywatch.conf", "[poll]\ninterval = 1x\n");
	_cleanup_free_ char *feeds = write_file(f, "feeds", "gopher://a.example/\n");
	struct config_overrides o = { .config_file = conf, .notify = -1 };
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	struct diag d = { 0 };
	struct config *c = NULL;

	assert_int_equal(config_load_all(&o, &c, &diags), -EINVAL);
	assert_null(c);
	assert_int_equal(diags.n, 2);
	assert_string_equal(diags.diags[0].file, conf);
	assert_int_equal(diags.diags[0].line, 2);
	assert_string_equal(diags.diags[1].file, feeds);
	assert_int_equal(diags.diags[1].line, 1);

	/* config_load names the first. */
	assert_int_equal(config_load(&o, &c, &d), -EINVAL);
	assert_string_equal(d.file, conf);
	assert_int_equal(d.line, 2);
	assert_int_equal(d.column, 12);
	assert_string_equal(d.message,
			    "invalid duration '1x' for 'interval' (examples: 90s, 15m, 1h30m, 1d)");
	diag_clear(&d);
}

/* digest_to becomes a mail header field: one line, ASCII, an address. */
static void test_outputs_errors(void **state)
{
	assert_ini_error("[outputs]\ndigest_to = ann@example.org\x0d" "Bcc: x@y\n", 2, 13,
			 "'digest_to' must be printable ASCII");
	assert_ini_error("[outputs]\ndigest_to = ann@\xc3\xa9xample.org\n", 2, 13,
			 "'digest_to' must be printable ASCII");
	assert_ini_error("[outputs]\ndigest_to = ann\n", 2, 13,
			 "'digest_to' must be a mail address, not 'ann'");
	assert_ini_error("[outputs]\natom_entries = 0\n", 2, 16,
			 "'atom_entries' must be between 1 and 10000, not 0");
	assert_ini_error("[outputs]\natom = maybe\n", 2, 8,
			 "invalid boolean 'maybe' for 'atom' (use yes or no)");
}

static void test_example_config_is_the_defaults(void **state)
{
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	_cleanup_free_ char *text = NULL;
	struct config c = { 0 }, d = { 0 };
	size_t len = 0;
	FILE *fp;

	fp = fopen(SRCDIR "/data/storywatch.conf", "re");
	assert_non_null(fp);
	text = xmalloc(CONFIG_MAX_BYTES);
	len = fread(text, 1, CONFIG_MAX_BYTES, fp);
	fclose(fp);
	config_init_defaults(&c);
	config_init_defaults(&d);
	/* Every key is there but commented out, so uncommenting one line at
	 * a time must parse too; here: the file as shipped. */
	assert_int_equal(config_parse_ini(&c, text, len, "storywatch.conf", "/etc", &diags), 0);
	assert_int_equal(diags.n, 0);
	assert_int_equal(c.interval_usec, d.interval_usec);
	assert_int_equal(c.jitter_usec, d.jitter_usec);
	assert_int_equal(c.max_body_bytes, d.max_body_bytes);
	assert_string_equal(c.user_agent, d.user_agent);
	config_clear(&c);
	config_clear(&d);
}

static void test_example_config_uncommented_parses(void **state)
{
	_cleanup_diag_list_ struct diag_list diags = { 0 };
	_cleanup_free_ char *text = NULL, *out = NULL;
	struct config c = { 0 };
	size_t len = 0, n = 0;
	FILE *fp;

	fp = fopen(SRCDIR "/data/storywatch.conf", "re");
	assert_non_null(fp);
	text = xmalloc(CONFIG_MAX_BYTES);
	len = fread(text, 1, CONFIG_MAX_BYTES, fp);
	fclose(fp);
	out = xmalloc(len + 1);
	/* "#key = value" lines (no space after '#') are the settings. */
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '#' && (i == 0 || text[i - 1] == '\n') && i + 1 < len &&
		    text[i + 1] >= 'a' && text[i + 1] <= 'z')
			continue;
		out[n++] = text[i];
	}
	config_init_defaults(&c);
	assert_int_equal(config_parse_ini(&c, out, n, "storywatch.conf", "/etc/storywatch",
					  &diags), 0);
	assert_int_equal(diags.n, 0);
	assert_int_equal(c.interval_usec, 15 * MIN_);
	assert_int_equal(c.jitter_usec, 90 * SEC);
	assert_int_equal(c.connect_timeout_usec, 15 * SEC);
	assert_int_equal(c.low_speed_time_usec, 30 * SEC);
	assert_int_equal(c.total_timeout_usec, 60 * SEC);
	assert_int_equal(c.max_backoff_usec, DAY);
	assert_int_equal(c.max_body_bytes, 8u << 20);
	assert_int_equal(c.max_redirects, 5);
	assert_int_equal(c.max_connections, 16);
	assert_int_equal(c.max_host_connections, 2);
	assert_int_equal(c.prune_after_usec, 30 * DAY);
	assert_true(c.notify);
	assert_true(c.atom);
	assert_int_equal(c.atom_entries, 100);
	assert_null(c.digest_to);
	assert_string_equal(c.feeds_file, "/etc/storywatch/feeds");
	config_clear(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_valid),
		cmocka_unit_test(test_duration_invalid),
		cmocka_unit_test(test_duration_overflow),
		cmocka_unit_test(test_size_valid),
		cmocka_unit_test(test_size_invalid),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_outputs_errors),
		cmocka_unit_test(test_syntax_variants),
		cmocka_unit_test(test_jitter_follows_interval),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_error_unknown_section),
		cmocka_unit_test(test_error_unknown_key),
		cmocka_unit_test(test_error_key_in_wrong_section),
		cmocka_unit_test(test_error_bad_values),
		cmocka_unit_test(test_error_quotes_hostile_value),
		cmocka_unit_test(test_error_out_of_range),
		cmocka_unit_test(test_error_inconsistent),
		cmocka_unit_test(test_error_duplicate_key),
		cmocka_unit_test(test_error_syntax),
		cmocka_unit_test(test_error_nul_byte),
		cmocka_unit_test(test_error_line_too_long),
		cmocka_unit_test(test_error_too_many_lines),
		cmocka_unit_test(test_error_file_too_large),
		cmocka_unit_test(test_collects_every_error),
		cmocka_unit_test(test_diag_list_is_bounded),
		cmocka_unit_test(test_diag_format),
		cmocka_unit_test(test_feeds_plain),
		cmocka_unit_test(test_feeds_empty),
		cmocka_unit_test(test_feeds_bad_scheme),
		cmocka_unit_test(test_feeds_duplicates),
		cmocka_unit_test(test_feeds_bad_interval),
		cmocka_unit_test(test_feeds_too_many),
		cmocka_unit_test(test_feeds_too_large),
		cmocka_unit_test(test_opml_nested),
		cmocka_unit_test(test_opml_missing_xmlurl),
		cmocka_unit_test(test_opml_bad_scheme),
		cmocka_unit_test_setup_teardown(test_opml_xxe_refused, setup, teardown),
		cmocka_unit_test(test_opml_undeclared_entity),
		cmocka_unit_test(test_opml_billion_laughs_refused),
		cmocka_unit_test(test_opml_ill_formed),
		cmocka_unit_test(test_opml_wrong_root),
		cmocka_unit_test_setup_teardown(test_load_defaults_from_environment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_state_directory_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_dir_fallbacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_instance_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_config_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_rules_next_to_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_feeds_next_to_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_overrides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_state_dir_override_moves_event_log,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_missing_named_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_refuses_non_regular, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_reports_config_and_feeds_errors,
						setup, teardown),
		cmocka_unit_test(test_example_config_is_the_defaults),
		cmocka_unit_test(test_example_config_uncommented_parses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
