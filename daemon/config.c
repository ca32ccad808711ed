/* config.c - storywatch.conf(5), the feeds list and the command-line overrides. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "config.h"
#include "config-internal.h"
#include "diag.h"
#include "opml.h"
#include "util.h"

#define USEC_PER_MINUTE (60 * USEC_PER_SEC)
#define USEC_PER_HOUR   (60 * USEC_PER_MINUTE)
#define USEC_PER_DAY    (24 * USEC_PER_HOUR)
#define USEC_PER_WEEK   (7 * USEC_PER_DAY)

#define KIB UINT64_C(1024)
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)

/* Polling more often than once a minute is rude to the servers we read. */
#define INTERVAL_MIN (1 * USEC_PER_MINUTE)
#define INTERVAL_MAX (30 * USEC_PER_DAY)

#define USER_AGENT_MAX 256u
#define ATOM_ENTRIES_MAX 10000u
/* A To: header field stays well inside a 998-byte line (RFC 5322 2.1.1). */
#define DIGEST_TO_MAX 512u

/* ---- durations and sizes --------------------------------------------------- */

/* Largest first: a duration names each unit at most once, in this order. */
static const struct {
	const char *name;
	uint64_t usec;
} duration_units[] = {
	{ "w",  USEC_PER_WEEK },
	{ "d",  USEC_PER_DAY },
	{ "h",  USEC_PER_HOUR },
	{ "m",  USEC_PER_MINUTE },
	{ "s",  USEC_PER_SEC },
	{ "ms", USEC_PER_MSEC },
	{ "us", 1 },
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads the digits at *p; -EINVAL without any, -ERANGE past UINT64_MAX. */
static int parse_digits(const char **p, uint64_t *ret)
{
	const char *s = *p;
	uint64_t v = 0;

	if (!is_digit(*s))
		return -EINVAL;
	for (; is_digit(*s); s++)
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *s - '0', &v))
			return -ERANGE;
	*p = s;
	*ret = v;
	return 0;
}

int config_parse_duration(const char *s, uint64_t *ret_usec)
{
	size_t next_unit = 0;
	uint64_t total = 0;
	int r;

	if (!s || !*s)
		return -EINVAL;
	if (streq(s, "0")) {
		*ret_usec = 0;
		return 0;
	}
	while (*s) {
		uint64_t n, part;
		const char *unit;
		size_t len, i;

		r = parse_digits(&s, &n);
		if (r < 0)
			return r;
		unit = s;
		while (*s >= 'a' && *s <= 'z')
			s++;
		len = (size_t)(s - unit);
		if (len == 0)
			return -EINVAL;
		for (i = next_unit; i < ELEMENTSOF(duration_units); i++)
			if (strlen(duration_units[i].name) == len &&
			    strncmp(duration_units[i].name, unit, len) == 0)
				break;
		if (i == ELEMENTSOF(duration_units))
			return -EINVAL;
		next_unit = i + 1;
		if (__builtin_mul_overflow(n, duration_units[i].usec, &part) ||
		    __builtin_add_overflow(total, part, &total))
			return -ERANGE;
	}
	*ret_usec = total;
	return 0;
}

int config_parse_size(const char *s, uint64_t *ret_bytes)
{
	static const struct {
		const char *suffix;
		uint64_t factor;
	} suffixes[] = {
		{ "", 1 }, { "B", 1 },
		{ "K", KIB }, { "KB", KIB }, { "KiB", KIB },
		{ "M", MIB }, { "MB", MIB }, { "MiB", MIB },
		{ "G", GIB }, { "GB", GIB }, { "GiB", GIB },
	};
	uint64_t n;
	int r;

	if (!s)
		return -EINVAL;
	r = parse_digits(&s, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
		if (strcasecmp(s, suffixes[i].suffix) == 0) {
			if (__builtin_mul_overflow(n, suffixes[i].factor, &n))
				return -ERANGE;
			*ret_bytes = n;
			return 0;
		}
	return -EINVAL;
}

/* The shortest exact spelling, for messages: 5400000000 -> "1h30m". */
static char *format_duration(uint64_t usec)
{
	char out[128] = "";
	size_t len = 0;

	if (usec == 0)
		return xstrdup("0");
	for (size_t i = 1; i < ELEMENTSOF(duration_units); i++) {
		uint64_t n = usec / duration_units[i].usec;

		if (n == 0)
			continue;
		usec -= n * duration_units[i].usec;
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%llu%s",
					(unsigned long long)n, duration_units[i].name);
	}
	return xstrdup(out);
}

char *config_format_duration(uint64_t usec)
{
	return format_duration(usec);
}

static char *format_size(uint64_t bytes)
{
	if (bytes >= GIB && bytes % GIB == 0)
		return xasprintf("%lluG", (unsigned long long)(bytes / GIB));
	if (bytes >= MIB && bytes % MIB == 0)
		return xasprintf("%lluM", (unsigned long long)(bytes / MIB));
	if (bytes >= KIB && bytes % KIB == 0)
		return xasprintf("%lluK", (unsigned long long)(bytes / KIB));
	return xasprintf("%llu", (unsigned long long)bytes);
}

/* Input text made safe for a message: control bytes escaped, long values
 * cut, so a hostile file cannot write escape sequences to the user's terminal. */
static char *sanitize(const char *s)
{
	char out[64 * 4 + 8];
	size_t len = 0, i;

	for (i = 0; s[i] && i < 64; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '\'')
			len += (size_t)snprintf(out + len, sizeof(out) - len, "\\x%02x", c);
		else
			out[len++] = (char)c;
	}
	if (s[i])
		len += (size_t)snprintf(out + len, sizeof(out) - len, "...");
	out[len] = '\0';
	return xstrdup(out);
}

static char *quote(const char *s)
{
	_cleanup_free_ char *clean = sanitize(s);

	return xasprintf("'%s'", clean);
}

/* ---- reading files ----------------------------------------------------------- */

/* The whole file, NUL-terminated, refusing more than max bytes (-EFBIG) and
 * anything but a regular file (-EINVAL): a FIFO or /dev/zero named as the
 * config must not hang or exhaust us. */
static int read_file_capped(const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_buf_ struct buf b = { 0 };
	struct stat st;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		r = -EISDIR;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		r = -EFBIG;
		goto out;
	}
	/* The file may have grown since fstat: the ceiling holds anyway. */
	buf_init(&b, max);
	r = buf_read_fd(&b, fd);
	if (r < 0)
		goto out;
	*ret_len = b.len;
	*ret = b.data ? buf_steal(&b) : xstrdup("");
out:
	close(fd);
	return r;
}

/* Splits text into lines without copying; the last line needs no newline. */
struct line_reader {
	const char *p, *end;
	unsigned number;
};

static bool line_next(struct line_reader *lr, const char **ret, size_t *ret_len)
{
	const char *nl;

	if (lr->p >= lr->end)
		return false;
	nl = memchr(lr->p, '\n', (size_t)(lr->end - lr->p));
	*ret = lr->p;
	*ret_len = nl ? (size_t)(nl - lr->p) : (size_t)(lr->end - lr->p);
	lr->p = nl ? nl + 1 : lr->end;
	lr->number++;
	if (*ret_len > 0 && (*ret)[*ret_len - 1] == '\r')
		(*ret_len)--;
	return true;
}

static void line_reader_init(struct line_reader *lr, const void *data, size_t len)
{
	lr->p = data;
	lr->end = lr->p + len;
	lr->number = 0;
	/* A UTF-8 byte order mark, as some editors write. */
	if (len >= 3 && memcmp(lr->p, "\xef\xbb\xbf", 3) == 0)
		lr->p += 3;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* ---- the INI reader ---------------------------------------------------------- */

enum key_type {
	KEY_PATH,
	KEY_BOOL,
	KEY_DURATION,
	KEY_SIZE,
	KEY_UINT,
	KEY_STRING,
	KEY_MAILBOX,
};

struct key_def {
	const char *section;
	const char *name;
	enum key_type type;
	size_t offset;
	uint64_t min, max;
};

#define KEY(sec, key, t, field, lo, hi) \
	{ sec, key, t, offsetof(struct config, field), lo, hi }

static const struct key_def keys[] = {
	KEY("daemon", "feeds",                KEY_PATH,     feeds_file,           0, 0),
	KEY("daemon", "rules",                KEY_PATH,     rules_dir,            0, 0),
	KEY("daemon", "state_dir",            KEY_PATH,     state_dir,            0, 0),
	KEY("daemon", "event_log",            KEY_PATH,     event_log,            0, 0),
	KEY("daemon", "notify",               KEY_BOOL,     notify,               0, 0),
	KEY("daemon", "notify_max_age",       KEY_DURATION, notify_max_age_usec,  0, 3650 * USEC_PER_DAY),
	KEY("poll",   "interval",             KEY_DURATION, interval_usec,        INTERVAL_MIN, INTERVAL_MAX),
	KEY("poll",   "jitter",               KEY_DURATION, jitter_usec,          0, USEC_PER_HOUR),
	KEY("poll",   "connect_timeout",      KEY_DURATION, connect_timeout_usec, USEC_PER_SEC, 5 * USEC_PER_MINUTE),
	KEY("poll",   "low_speed_time",       KEY_DURATION, low_speed_time_usec,  USEC_PER_SEC, 10 * USEC_PER_MINUTE),
	KEY("poll",   "timeout",              KEY_DURATION, total_timeout_usec,   USEC_PER_SEC, USEC_PER_HOUR),
	KEY("poll",   "max_backoff",          KEY_DURATION, max_backoff_usec,     INTERVAL_MIN, INTERVAL_MAX),
	KEY("poll",   "max_body_size",        KEY_SIZE,     max_body_bytes,       4 * KIB, GIB),
	KEY("poll",   "max_redirects",        KEY_UINT,     max_redirects,        0, 20),
	KEY("poll",   "max_connections",      KEY_UINT,     max_connections,      1, 256),
	KEY("poll",   "max_host_connections", KEY_UINT,     max_host_connections, 1, 16),
	KEY("poll",   "user_agent",           KEY_STRING,   user_agent,           1, USER_AGENT_MAX),
	KEY("state",  "prune_after",          KEY_DURATION, prune_after_usec,     USEC_PER_DAY, 3650 * USEC_PER_DAY),
	KEY("outputs", "atom",                KEY_BOOL,     atom,                 0, 0),
	KEY("outputs", "atom_entries",        KEY_UINT,     atom_entries,         1, ATOM_ENTRIES_MAX),
	KEY("outputs", "digest_to",           KEY_MAILBOX,  digest_to,            1, DIGEST_TO_MAX),
};

static const char *const sections[] = { "daemon", "poll", "state", "outputs" };

static char *default_user_agent(void)
{
	if (PACKAGE_URL[0])
		return xstrdup("storywatch/" PACKAGE_VERSION " (+" PACKAGE_URL ")");
	return xstrdup("storywatch/" PACKAGE_VERSION);
}

void config_init_defaults(struct config *c)
{
	c->notify = true;
	c->interval_usec = 15 * USEC_PER_MINUTE;
	c->jitter_usec = MIN(c->interval_usec / 10, 2 * USEC_PER_MINUTE);
	c->connect_timeout_usec = 15 * USEC_PER_SEC;
	c->low_speed_time_usec = 30 * USEC_PER_SEC;
	c->total_timeout_usec = 60 * USEC_PER_SEC;
	c->max_backoff_usec = USEC_PER_DAY;
	c->max_body_bytes = 8 * MIB;
	c->max_redirects = 5;
	c->max_connections = 16;
	c->max_host_connections = 2;
	free(c->user_agent);
	c->user_agent = default_user_agent();
	c->prune_after_usec = 30 * USEC_PER_DAY;
	c->notify_max_age_usec = 2 * USEC_PER_DAY;
	c->atom = true;
	c->atom_entries = 100;
	free(c->digest_to);
	c->digest_to = NULL;
}

struct ini_reader {
	struct config *config;
	const char *file;
	const char *base_dir;
	struct diag_list *diags;
	unsigned n_errors;
	unsigned set_on_line[ELEMENTSOF(keys)];   /* 0: not in the file */
};

static void ini_error(struct ini_reader *r, unsigned line, unsigned column,
		      const char *fmt, ...) _printf_(4, 5);

static void ini_error(struct ini_reader *r, unsigned line, unsigned column,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_list_vadd(r->diags, r->file, line, column, fmt, ap);
	va_end(ap);
	r->n_errors++;
}

/* Optimal string alignment distance, for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[40][40];

	if (la >= 40 || lb >= 40)
		return SIZE_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = (a[i - 1] | 0x20) == (b[j - 1] | 0x20) ? 0 : 1;
			size_t v = MIN(d[i - 1][j] + 1, d[i][j - 1] + 1);

			v = MIN(v, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				v = MIN(v, d[i - 2][j - 2] + 1);
			d[i][j] = v;
		}
	return d[la][lb];
}

static const struct key_def *closest_key(const char *name)
{
	const struct key_def *best = NULL;
	size_t best_d = SIZE_MAX;

	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		size_t d = edit_distance(name, keys[i].name);

		if (d < best_d) {
			best_d = d;
			best = &keys[i];
		}
	}
	/* Two edits, and never more than a third of the word. */
	if (best_d > 2 || best_d * 3 > strlen(name))
		return NULL;
	return best;
}

static const char *closest_section(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(sections); i++)
		if (edit_distance(name, sections[i]) <= 2 ||
		    strncasecmp(name, sections[i], strlen(sections[i])) == 0)
			return sections[i];
	return NULL;
}

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && h[0] == '/')
		return h;
	pw = getpwuid(getuid());
	return pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
}

/* "~/x" from $HOME, "x" from the config file's directory. */
static char *resolve_path(const char *value, const char *base_dir)
{
	if (value[0] == '~' && (value[1] == '/' || value[1] == '\0')) {
		const char *home = home_dir();

		return home ? xasprintf("%s%s", home, value + 1) : NULL;
	}
	if (value[0] == '/' || !base_dir)
		return xstrdup(value);
	return xasprintf("%s/%s", base_dir, value);
}

static void ini_range_error(struct ini_reader *r, const struct key_def *k, unsigned line,
			    unsigned column, uint64_t v)
{
	_cleanup_free_ char *lo = NULL, *hi = NULL, *got = NULL;
	char *(*fmt)(uint64_t) = k->type == KEY_SIZE ? format_size : format_duration;

	if (k->type == KEY_UINT) {
		ini_error(r, line, column, "'%s' must be between %llu and %llu, not %llu",
			  k->name, (unsigned long long)k->min, (unsigned long long)k->max,
			  (unsigned long long)v);
		return;
	}
	lo = fmt(k->min);
	hi = fmt(k->max);
	got = fmt(v);
	ini_error(r, line, column, "'%s' must be between %s and %s, not %s", k->name, lo, hi, got);
}

static void ini_set_value(struct ini_reader *r, const struct key_def *k, const char *value,
			  unsigned line, unsigned column)
{
	void *field = (char *)r->config + k->offset;
	_cleanup_free_ char *q = quote(value);
	uint64_t v;
	int rr;

	if (!*value) {
		ini_error(r, line, column, "missing value for '%s'", k->name);
		return;
	}
	switch (k->type) {
	case KEY_PATH: {
		char *path;

		if (strlen(value) >= 4096) {
			ini_error(r, line, column, "path for '%s' is too long", k->name);
			return;
		}
		for (const char *p = value; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				ini_error(r, line, column, "control character in the path for '%s'",
					  k->name);
				return;
			}
		path = resolve_path(value, r->base_dir);
		if (!path) {
			ini_error(r, line, column, "cannot expand '~' for '%s': $HOME is not set",
				  k->name);
			return;
		}
		free(*(char **)field);
		*(char **)field = path;
		return;
	}
	case KEY_BOOL:
		if (strcasecmp(value, "yes") == 0 || strcasecmp(value, "true") == 0 ||
		    strcasecmp(value, "on") == 0 || streq(value, "1"))
			*(bool *)field = true;
		else if (strcasecmp(value, "no") == 0 || strcasecmp(value, "false") == 0 ||
			 strcasecmp(value, "off") == 0 || streq(value, "0"))
			*(bool *)field = false;
		else
			ini_error(r, line, column, "invalid boolean %s for '%s' (use yes or no)",
				  q, k->name);
		return;
	case KEY_DURATION:
		rr = config_parse_duration(value, &v);
		if (rr < 0) {
			ini_error(r, line, column,
				  "invalid duration %s for '%s' (examples: 90s, 15m, 1h30m, 1d)",
				  q, k->name);
			return;
		}
		if (v < k->min || v > k->max) {
			ini_range_error(r, k, line, column, v);
			return;
		}
		*(uint64_t *)field = v;
		return;
	case KEY_SIZE:
		rr = config_parse_size(value, &v);
		if (rr < 0) {
			ini_error(r, line, column, "invalid size %s for '%s' (examples: 512K, 8M)",
				  q, k->name);
			return;
		}
		if (v < k->min || v > k->max) {
			ini_range_error(r, k, line, column, v);
			return;
		}
		*(size_t *)field = (size_t)v;
		return;
	case KEY_UINT: {
		const char *p = value;

		rr = parse_digits(&p, &v);
		if (rr == -EINVAL || (rr == 0 && *p)) {
			ini_error(r, line, column, "invalid number %s for '%s'", q, k->name);
			return;
		}
		if (rr < 0 || v < k->min || v > k->max) {
			if (rr < 0)
				v = UINT64_MAX;
			ini_range_error(r, k, line, column, v);
			return;
		}
		*(unsigned *)field = (unsigned)v;
		return;
	}
	case KEY_STRING:
		if (strlen(value) > k->max) {
			ini_error(r, line, column, "'%s' is too long (more than %llu bytes)",
				  k->name, (unsigned long long)k->max);
			return;
		}
		/* It goes into an HTTP header field (RFC 9110 section 5.5). */
		for (const char *p = value; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) {
				ini_error(r, line, column, "'%s' must be printable ASCII", k->name);
				return;
			}
		free(*(char **)field);
		*(char **)field = xstrdup(value);
		return;
	case KEY_MAILBOX:
		if (strlen(value) > k->max) {
			ini_error(r, line, column, "'%s' is too long (more than %llu bytes)",
				  k->name, (unsigned long long)k->max);
			return;
		}
		/* It becomes a To: header field: no line breaks, no 8-bit
		 * (RFC 5322 section 3.4). */
		for (const char *p = value; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) {
				ini_error(r, line, column, "'%s' must be printable ASCII", k->name);
				return;
			}
		if (!strchr(value, '@')) {
			ini_error(r, line, column, "'%s' must be a mail address, not %s", k->name, q);
			return;
		}
		free(*(char **)field);
		*(char **)field = xstrdup(value);
		return;
	}
}

static const struct key_def *find_key(const char *section, const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if ((!section || streq(keys[i].section, section)) && streq(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static void ini_unknown_key(struct ini_reader *r, const char *section, const char *name,
			    unsigned line, unsigned column)
{
	_cleanup_free_ char *q = quote(name);
	const struct key_def *k = find_key(NULL, name);

	if (!section) {
		if (k)
			ini_error(r, line, column, "key %s is outside of any section; it belongs in [%s]",
				  q, k->section);
		else
			ini_error(r, line, column, "key %s is outside of any section", q);
		return;
	}
	if (k) {
		ini_error(r, line, column, "key %s belongs in [%s], not [%s]", q, k->section, section);
		return;
	}
	k = closest_key(name);
	if (k && streq(k->section, section))
		ini_error(r, line, column, "unknown key %s in [%s]; did you mean '%s'?",
			  q, section, k->name);
	else if (k)
		ini_error(r, line, column, "unknown key %s in [%s]; did you mean '%s' in [%s]?",
			  q, section, k->name, k->section);
	else
		ini_error(r, line, column, "unknown key %s in [%s]", q, section);
}

static void trim(const char **s, size_t *len)
{
	while (*len > 0 && is_blank(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_blank((*s)[*len - 1]))
		(*len)--;
}

/* Pairs of keys that must agree; checked once the whole file is read, and
 * reported on the line of whichever key the file set. */
static unsigned ini_line_of(const struct ini_reader *r, const char *name)
{
	const struct key_def *k = find_key(NULL, name);

	return r->set_on_line[k - keys];
}

static void ini_check_consistency(struct ini_reader *r)
{
	const struct config *c = r->config;
	unsigned l_interval = ini_line_of(r, "interval"), l_jitter = ini_line_of(r, "jitter");
	unsigned l_backoff = ini_line_of(r, "max_backoff");
	unsigned l_conn = ini_line_of(r, "max_connections");
	unsigned l_host = ini_line_of(r, "max_host_connections");

	if (l_jitter && c->jitter_usec >= c->interval_usec) {
		_cleanup_free_ char *j = format_duration(c->jitter_usec);
		_cleanup_free_ char *i = format_duration(c->interval_usec);

		ini_error(r, l_jitter, 0, "'jitter' (%s) must be less than 'interval' (%s)", j, i);
	}
	if ((l_interval || l_backoff) && c->max_backoff_usec < c->interval_usec) {
		_cleanup_free_ char *b = format_duration(c->max_backoff_usec);
		_cleanup_free_ char *i = format_duration(c->interval_usec);

		ini_error(r, l_backoff ? l_backoff : l_interval, 0,
			  "'max_backoff' (%s) must not be less than 'interval' (%s)", b, i);
	}
	if ((l_conn || l_host) && c->max_host_connections > c->max_connections)
		ini_error(r, l_host ? l_host : l_conn, 0,
			  "'max_host_connections' (%u) must not exceed 'max_connections' (%u)",
			  c->max_host_connections, c->max_connections);
}

int config_parse_ini(struct config *c, const void *data, size_t len, const char *file,
		     const char *base_dir, struct diag_list *diags)
{
	struct ini_reader r = { .config = c, .file = file, .base_dir = base_dir, .diags = diags };
	_cleanup_free_ char *section = NULL;
	bool in_bad_section = false;
	struct line_reader lr;
	const char *line;
	size_t n;

	if (len > CONFIG_MAX_BYTES) {
		ini_error(&r, 0, 0, "file too large (more than %u KiB)", CONFIG_MAX_BYTES / 1024);
		return -EFBIG;
	}
	line_reader_init(&lr, data, len);
	while (line_next(&lr, &line, &n)) {
		const char *start = line, *eq, *key, *value;
		size_t key_len, value_len;
		char key_buf[64], value_buf[CONFIG_MAX_LINE + 1];
		const struct key_def *k;

		if (lr.number > CONFIG_MAX_LINES) {
			ini_error(&r, lr.number, 0, "too many lines (more than %u)", CONFIG_MAX_LINES);
			break;
		}
		if (n > CONFIG_MAX_LINE) {
			ini_error(&r, lr.number, 0, "line too long (more than %u bytes)",
				  CONFIG_MAX_LINE);
			continue;
		}
		if (memchr(line, '\0', n)) {
			ini_error(&r, lr.number, (unsigned)((const char *)memchr(line, '\0', n) - start) + 1,
				  "NUL byte in line");
			continue;
		}
		trim(&line, &n);
		if (n == 0 || line[0] == '#' || line[0] == ';')
			continue;

		if (line[0] == '[') {
			const char *close = memchr(line, ']', n), *name = line + 1;
			size_t name_len;

			if (!close) {
				ini_error(&r, lr.number, (unsigned)(line - start) + 1,
					  "missing ']' after the section name");
				in_bad_section = true;
				continue;
			}
			if (close != line + n - 1) {
				const char *extra = close + 1;

				while (is_blank(*extra))
					extra++;
				ini_error(&r, lr.number, (unsigned)(extra - start) + 1,
					  "unexpected text after ']'");
				in_bad_section = true;
				continue;
			}
			name_len = (size_t)(close - name);
			trim(&name, &name_len);
			free(section);
			section = xstrndup(name, name_len);
			in_bad_section = true;
			for (size_t i = 0; i < ELEMENTSOF(sections); i++)
				if (streq(section, sections[i]))
					in_bad_section = false;
			if (in_bad_section) {
				_cleanup_free_ char *q = sanitize(section);
				const char *near = closest_section(section);

				if (near)
					ini_error(&r, lr.number, (unsigned)(name - start) + 1,
						  "unknown section [%s]; did you mean [%s]?", q, near);
				else
					ini_error(&r, lr.number, (unsigned)(name - start) + 1,
						  "unknown section [%s] (sections are [daemon], [poll] and [state])",
						  q);
			}
			continue;
		}

		eq = memchr(line, '=', n);
		if (!eq) {
			ini_error(&r, lr.number, (unsigned)(line - start) + 1,
				  "expected 'key = value'");
			continue;
		}
		/* Keys of an unknown section were reported with the section. */
		if (in_bad_section)
			continue;
		key = line;
		key_len = (size_t)(eq - line);
		trim(&key, &key_len);
		value = eq + 1;
		value_len = n - (size_t)(value - line);
		trim(&value, &value_len);
		/* "value" keeps its spaces; the quotes are not part of it. */
		if (value_len >= 2 && value[0] == '"' && value[value_len - 1] == '"') {
			value++;
			value_len -= 2;
		}
		if (key_len == 0) {
			ini_error(&r, lr.number, (unsigned)(line - start) + 1, "missing key before '='");
			continue;
		}
		memcpy(value_buf, value, value_len);
		value_buf[value_len] = '\0';
		if (key_len >= sizeof(key_buf)) {
			ini_error(&r, lr.number, (unsigned)(key - start) + 1, "unknown key (too long)");
			continue;
		}
		memcpy(key_buf, key, key_len);
		key_buf[key_len] = '\0';

		k = section ? find_key(section, key_buf) : NULL;
		if (!k) {
			ini_unknown_key(&r, section, key_buf, lr.number, (unsigned)(key - start) + 1);
			continue;
		}
		if (r.set_on_line[k - keys]) {
			ini_error(&r, lr.number, (unsigned)(key - start) + 1,
				  "duplicate key '%s' (first set on line %u)", k->name,
				  r.set_on_line[k - keys]);
			continue;
		}
		r.set_on_line[k - keys] = lr.number;
		ini_set_value(&r, k, value_buf, lr.number, (unsigned)(value - start) + 1);
	}

	/* The default jitter follows the interval the file chose. */
	if (ini_line_of(&r, "interval") && !ini_line_of(&r, "jitter"))
		c->jitter_usec = MIN(c->interval_usec / 10, 2 * USEC_PER_MINUTE);
	ini_check_consistency(&r);
	return r.n_errors > 0 ? -EINVAL : 0;
}

/* ---- the feeds list ---------------------------------------------------------- */

void feed_sources_free(struct feed_source *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].url);
		free(f[i].title);
	}
	free(f);
}

struct feeds_reader {
	const char *file;
	struct diag_list *diags;
	unsigned n_errors;
	struct feed_source *feeds;
	size_t n_feeds, cap_feeds;  /* feeds, keys and lines grow together */
	unsigned *lines;          /* where each feed was listed */
	char **keys;              /* each feed's normalised URL, for duplicates */
	size_t *slots;            /* open addressing over keys: index + 1, 0 empty */
	size_t n_slots;           /* a power of two */
	bool is_full;
	bool report_duplicates;   /* OPML exports list a feed in several folders */
};

static void feeds_error(struct feeds_reader *r, unsigned line, unsigned column,
			const char *fmt, ...) _printf_(4, 5);

static void feeds_error(struct feeds_reader *r, unsigned line, unsigned column,
			const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_list_vadd(r->diags, r->file, line, column, fmt, ap);
	va_end(ap);
	r->n_errors++;
}

static void feeds_reader_free(struct feeds_reader *r)
{
	feed_sources_free(r->feeds, r->n_feeds);
	for (size_t i = 0; i < r->n_feeds; i++)
		free(r->keys[i]);
	free(r->keys);
	free(r->lines);
	free(r->slots);
}

/* Checks url and returns the form duplicates are compared in (curl's
 * normalisation: scheme and host lower case, default port dropped), or NULL
 * after reporting the problem. */
static char *feed_url_check(struct feeds_reader *r, const char *url, unsigned line,
			    unsigned column)
{
	_cleanup_free_ char *q = quote(url);
	char *host = NULL, *norm = NULL, *out = NULL;
	size_t scheme_len = 0;
	CURLU *h;

	if (strlen(url) > FEED_URL_MAX) {
		feeds_error(r, line, column, "URL too long (more than %u bytes)", FEED_URL_MAX);
		return NULL;
	}
	while ((url[scheme_len] >= 'a' && url[scheme_len] <= 'z') ||
	       (url[scheme_len] >= 'A' && url[scheme_len] <= 'Z') ||
	       (scheme_len > 0 && (is_digit(url[scheme_len]) || url[scheme_len] == '+' ||
				   url[scheme_len] == '-' || url[scheme_len] == '.')))
		scheme_len++;
	if (scheme_len == 0 || url[scheme_len] != ':') {
		feeds_error(r, line, column, "not a URL: %s (expected http:// or https://)", q);
		return NULL;
	}
	if (!((scheme_len == 4 && strncasecmp(url, "http", 4) == 0) ||
	      (scheme_len == 5 && strncasecmp(url, "https", 5) == 0))) {
		_cleanup_free_ char *scheme = xstrndup(url, scheme_len);
		_cleanup_free_ char *qs = quote(scheme);

		feeds_error(r, line, column, "unsupported URL scheme %s (only http and https)", qs);
		return NULL;
	}

	h = curl_url();
	if (!h) {
		fputs("storywatch: out of memory\n", stderr);
		abort();
	}
	if (curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !*host)
		feeds_error(r, line, column, "invalid URL %s", q);
	else {
		/* Host names are case-insensitive (RFC 3986 section 3.2.2). */
		for (char *p = host; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		if (curl_url_set(h, CURLUPART_HOST, host, 0) != CURLUE_OK ||
		    curl_url_get(h, CURLUPART_URL, &norm, 0) != CURLUE_OK)
			feeds_error(r, line, column, "invalid URL %s", q);
		else
			out = xstrdup(norm);
	}
	curl_free(host);
	curl_free(norm);
	curl_url_cleanup(h);
	return out;
}

static size_t hash_str(const char *s)
{
	size_t h = 14695981039346656037u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* Returns the index of the feed with this key, or adds it and returns n_feeds. */
static size_t feeds_find_or_claim(struct feeds_reader *r, const char *key)
{
	size_t i = hash_str(key) & (r->n_slots - 1);

	for (; r->slots[i]; i = (i + 1) & (r->n_slots - 1))
		if (streq(r->keys[r->slots[i] - 1], key))
			return r->slots[i] - 1;
	r->slots[i] = r->n_feeds + 1;
	return r->n_feeds;
}

static void feeds_add(struct feeds_reader *r, const char *url, const char *title,
		      uint64_t interval_usec, unsigned line, unsigned column)
{
	_cleanup_free_ char *key = NULL;
	size_t i;

	if (r->is_full)
		return;
	if (r->n_feeds >= FEEDS_MAX_COUNT) {
		feeds_error(r, line, 0, "too many feeds (more than %u)", FEEDS_MAX_COUNT);
		r->is_full = true;
		return;
	}
	key = feed_url_check(r, url, line, column);
	if (!key)
		return;
	if (!r->slots) {
		r->n_slots = 64;
		r->slots = xcalloc(r->n_slots, sizeof(*r->slots));
	} else if (r->n_feeds * 2 >= r->n_slots) {
		size_t *old = r->slots, n_old = r->n_slots;

		r->n_slots *= 2;
		r->slots = xcalloc(r->n_slots, sizeof(*r->slots));
		for (size_t j = 0; j < n_old; j++)
			if (old[j]) {
				size_t s = hash_str(r->keys[old[j] - 1]) & (r->n_slots - 1);

				while (r->slots[s])
					s = (s + 1) & (r->n_slots - 1);
				r->slots[s] = old[j];
			}
		free(old);
	}
	i = feeds_find_or_claim(r, key);
	if (i < r->n_feeds) {
		if (r->report_duplicates) {
			_cleanup_free_ char *q = quote(url);

			feeds_error(r, line, column, "duplicate feed %s (first listed on line %u)",
				    q, r->lines[i]);
		}
		return;
	}
	/* Doubling: a list of 100,000 feeds grown one by one copied the arrays
	 * quadratically wherever realloc cannot grow in place. */
	if (r->n_feeds == r->cap_feeds) {
		r->cap_feeds = MAX(2 * r->cap_feeds, (size_t) 64);
		r->feeds = xreallocarray(r->feeds, r->cap_feeds, sizeof(*r->feeds));
		r->keys = xreallocarray(r->keys, r->cap_feeds, sizeof(*r->keys));
		r->lines = xreallocarray(r->lines, r->cap_feeds, sizeof(*r->lines));
	}
	r->feeds[r->n_feeds] = (struct feed_source){
		.url = xstrdup(url),
		.title = xstrdup_or_null(title),
		.interval_usec = interval_usec,
	};
	r->keys[r->n_feeds] = steal_ptr(key);
	r->lines[r->n_feeds] = line;
	r->n_feeds++;
}

static void feeds_read_plain(struct feeds_reader *r, const void *data, size_t len)
{
	struct line_reader lr;
	const char *line;
	size_t n;

	line_reader_init(&lr, data, len);
	while (line_next(&lr, &line, &n) && !r->is_full) {
		const char *start = line, *tok[3];
		size_t tok_len[3], n_tok = 0;
		char url[CONFIG_MAX_LINE + 1], interval[64];
		uint64_t interval_usec = 0;

		if (lr.number > FEEDS_MAX_LINES) {
			feeds_error(r, lr.number, 0, "too many lines (more than %u)", FEEDS_MAX_LINES);
			break;
		}
		if (n > CONFIG_MAX_LINE) {
			feeds_error(r, lr.number, 0, "line too long (more than %u bytes)",
				    CONFIG_MAX_LINE);
			continue;
		}
		if (memchr(line, '\0', n)) {
			feeds_error(r, lr.number, (unsigned)((const char *)memchr(line, '\0', n) - start) + 1,
				    "NUL byte in line");
			continue;
		}
		/* Up to three words: URL, interval, and whatever follows (a
		 * comment, or a mistake). */
		while (n_tok < 3) {
			while (n > 0 && is_blank(*line)) {
				line++;
				n--;
			}
			if (n == 0 || *line == '#')
				break;
			tok[n_tok] = line;
			while (n > 0 && !is_blank(*line)) {
				line++;
				n--;
			}
			tok_len[n_tok] = (size_t)(line - tok[n_tok]);
			n_tok++;
		}
		if (n_tok == 0)
			continue;
		if (n_tok == 3) {
			feeds_error(r, lr.number, (unsigned)(tok[2] - start) + 1,
				    "unexpected text after the interval (comments start with '#')");
			continue;
		}
		if (n_tok == 2) {
			bool is_valid = tok_len[1] < sizeof(interval);

			tok_len[1] = MIN(tok_len[1], sizeof(interval) - 1);
			memcpy(interval, tok[1], tok_len[1]);
			interval[tok_len[1]] = '\0';
			if (!is_valid || config_parse_duration(interval, &interval_usec) < 0) {
				_cleanup_free_ char *q = quote(interval);

				feeds_error(r, lr.number, (unsigned)(tok[1] - start) + 1,
					    "invalid interval %s (examples: 30m, 2h, 1d)", q);
				continue;
			}
			if (interval_usec < INTERVAL_MIN || interval_usec > INTERVAL_MAX) {
				_cleanup_free_ char *got = format_duration(interval_usec);
				_cleanup_free_ char *lo = format_duration(INTERVAL_MIN);
				_cleanup_free_ char *hi = format_duration(INTERVAL_MAX);

				feeds_error(r, lr.number, (unsigned)(tok[1] - start) + 1,
					    "feed interval must be between %s and %s, not %s",
					    lo, hi, got);
				continue;
			}
		}
		memcpy(url, tok[0], tok_len[0]);
		url[tok_len[0]] = '\0';
		feeds_add(r, url, NULL, interval_usec, lr.number, (unsigned)(tok[0] - start) + 1);
	}
}

/* Feed readers export OPML; a list of URLs never starts with '<'. */
static bool is_xml(const char *data, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (is_blank(data[i]) || data[i] == '\n' || data[i] == '\r'))
		i++;
	return i < len && data[i] == '<';
}

int config_parse_feeds(const void *data, size_t len, const char *file,
		       struct feed_source **ret, size_t *ret_n, struct diag_list *diags)
{
	struct feeds_reader r = { .file = file, .diags = diags, .report_duplicates = true };
	int res = 0;

	if (len > FEEDS_MAX_BYTES) {
		feeds_error(&r, 0, 0, "file too large (more than %u MiB)", FEEDS_MAX_BYTES / (1024 * 1024));
		return -EFBIG;
	}
	if (is_xml(data, len)) {
		struct opml_outline *o = NULL;
		size_t n = 0;

		res = opml_read(data, len, file, &o, &n, diags);
		if (res < 0)
			return res;
		r.report_duplicates = false;
		for (size_t i = 0; i < n; i++)
			feeds_add(&r, o[i].url, o[i].title, 0, o[i].line, 0);
		opml_outlines_free(o, n);
	} else
		feeds_read_plain(&r, data, len);

	if (r.n_errors > 0) {
		feeds_reader_free(&r);
		return -EINVAL;
	}
	*ret = steal_ptr(r.feeds);
	*ret_n = r.n_feeds;
	r.n_feeds = 0;
	for (size_t i = 0; i < *ret_n; i++)
		free(r.keys[i]);
	feeds_reader_free(&r);
	return 0;
}

/* ---- paths from the environment ------------------------------------------------ */

/* XDG base directories must be absolute; a relative one is ignored (XDG Base
 * Directory Specification 0.8). */
static char *xdg_dir(const char *env, const char *fallback)
{
	const char *v = getenv(env), *home;

	if (v && v[0] == '/')
		return xstrdup(v);
	home = home_dir();
	return home ? xasprintf("%s/%s", home, fallback) : NULL;
}

char *config_default_path_as(bool is_service)
{
	_cleanup_free_ char *dir = NULL;

	if (is_service)
		return xstrdup(SYSCONFDIR "/storywatch/storywatch.conf");
	dir = xdg_dir("XDG_CONFIG_HOME", ".config");
	return dir ? xasprintf("%s/storywatch/storywatch.conf", dir) : NULL;
}

bool config_instance_is_system(enum config_instance instance)
{
	switch (instance) {
	case CONFIG_INSTANCE_AUTO:
		return getenv("STATE_DIRECTORY") || geteuid() == 0;
	case CONFIG_INSTANCE_SYSTEM:
		return true;
	case CONFIG_INSTANCE_USER:
		return false;
	}
	return false;
}

char *config_default_path(void)
{
	return config_default_path_as(config_instance_is_system(CONFIG_INSTANCE_AUTO));
}

/* $STATE_DIRECTORY's first entry: systemd passes one path per StateDirectory=,
 * ':'-separated. */
static char *state_directory_env(void)
{
	const char *v = getenv("STATE_DIRECTORY");

	return v && v[0] == '/' ? xstrndup(v, strcspn(v, ":")) : NULL;
}

static char *xdg_state_dir(void)
{
	_cleanup_free_ char *dir = xdg_dir("XDG_STATE_HOME", ".local/state");

	return dir ? xasprintf("%s/storywatch", dir) : NULL;
}

char *config_default_state_dir(void)
{
	char *dir = state_directory_env();

	return dir ? dir : xdg_state_dir();
}

char *config_default_state_dir_as(enum config_instance instance)
{
	char *dir;

	if (instance == CONFIG_INSTANCE_USER)
		return xdg_state_dir();
	if (!config_instance_is_system(instance))
		return config_default_state_dir();
	dir = state_directory_env();
	return dir ? dir : xstrdup(CONFIG_SYSTEM_STATE_DIR);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- config_load ------------------------------------------------------------------- */

static void load_error(struct diag_list *diags, const char *file, int r, const char *what)
{
	if (r == -EFBIG)
		diag_list_add(diags, file, 0, 0, "%s is too large", what);
	else if (r == -EINVAL)
		diag_list_add(diags, file, 0, 0, "%s is not a regular file", what);
	else
		diag_list_add(diags, file, 0, 0, "cannot read %s: %s", what, strerror(-r));
}

int config_load_all(const struct config_overrides *o, struct config **ret,
		    struct diag_list *diags)
{
	static const struct config_overrides none = { .notify = -1 };
	_cleanup_config_ struct config *c = xcalloc(1, sizeof(*c));
	_cleanup_free_ char *path = NULL, *base_dir = NULL, *data = NULL;
	bool is_default_feeds = false;
	size_t len;
	int r, res = 0;

	if (!o)
		o = &none;
	config_init_defaults(c);

	path = o->config_file ? xstrdup(o->config_file)
			      : config_default_path_as(config_instance_is_system(o->instance));
	if (path) {
		const char *slash = strrchr(path, '/');

		base_dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
		if (base_dir[0] == '\0') {
			free(base_dir);
			base_dir = xstrdup("/");
		}
		r = read_file_capped(path, CONFIG_MAX_BYTES, &data, &len);
		if (r == -ENOENT && !o->config_file)
			;       /* no config file: every default applies */
		else if (r < 0) {
			load_error(diags, path, r, "config file");
			return r;
		} else {
			c->config_file = xstrdup(path);
			res = config_parse_ini(c, data, len, path, base_dir, diags);
			free(steal_ptr(data));
		}
	}

	if (o->feeds_file) {
		free(c->feeds_file);
		c->feeds_file = xstrdup(o->feeds_file);
	}
	if (o->rules_dir) {
		free(c->rules_dir);
		c->rules_dir = xstrdup(o->rules_dir);
	}
	if (o->state_dir) {
		free(c->state_dir);
		c->state_dir = xstrdup(o->state_dir);
	}
	if (o->event_log) {
		free(c->event_log);
		c->event_log = xstrdup(o->event_log);
	}
	if (o->notify >= 0)
		c->notify = o->notify;

	if (!c->state_dir) {
		c->state_dir = config_default_state_dir_as(o->instance);
		if (!c->state_dir) {
			diag_list_add(diags, NULL, 0, 0,
				      "cannot find a state directory: set $XDG_STATE_HOME or $HOME, or use --state-dir");
			res = -EINVAL;
		}
	}
	if (!c->event_log && c->state_dir)
		c->event_log = xasprintf("%s/events.jsonl", c->state_dir);
	if (!c->feeds_file && base_dir) {
		/* The user's own list, else the one shipped with the storyline. */
		c->feeds_file = xasprintf("%s/feeds", base_dir);
		if (access(c->feeds_file, F_OK) < 0 && access(PKGDATADIR "/feeds", F_OK) == 0) {
			free(c->feeds_file);
			c->feeds_file = xstrdup(PKGDATADIR "/feeds");
		}
		is_default_feeds = true;
	}
	if (!c->rules_dir) {
		_cleanup_free_ char *mine = base_dir ? xasprintf("%s/rules", base_dir) : NULL;

		c->rules_dir = mine && is_dir(mine) ? steal_ptr(mine) : xstrdup(PKGDATADIR "/rules");
	}

	if (c->feeds_file && !o->is_paths_only) {
		r = read_file_capped(c->feeds_file, FEEDS_MAX_BYTES, &data, &len);
		if (r == -ENOENT && is_default_feeds)
			;       /* no feeds yet: the daemon says so and idles */
		else if (r < 0) {
			load_error(diags, c->feeds_file, r, "feeds list");
			res = res < 0 ? res : r;
		} else {
			r = config_parse_feeds(data, len, c->feeds_file, &c->feeds, &c->n_feeds, diags);
			if (r < 0)
				res = r;
		}
	}
	if (res < 0)
		return res;
	*ret = steal_ptr(c);
	return 0;
}

int config_load(const struct config_overrides *o, struct config **ret, struct diag *diag)
{
	_cleanup_diag_list_ struct diag_list l = { 0 };
	int r;

	r = config_load_all(o, ret, &l);
	if (r < 0 && l.n > 0) {
		const struct diag *d = &l.diags[0];

		diag_set(diag, d->file, d->line, d->column, "%s", d->message);
	}
	return r;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	free(c->config_file);
	free(c->feeds_file);
	free(c->rules_dir);
	free(c->state_dir);
	free(c->event_log);
	free(c->user_agent);
	free(c->digest_to);
	feed_sources_free(c->feeds, c->n_feeds);
	free(c);
}
