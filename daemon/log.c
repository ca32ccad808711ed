/* log.c - one line per message on stderr. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"

static const char *log_ident = "storywatch";
static bool log_verbose;
static bool log_to_journal;

void log_setup(const char *ident, bool verbose)
{
	log_ident = ident;
	log_verbose = verbose;
	/* systemd sets JOURNAL_STREAM when stderr is a journal stream; the
	 * journal then reads the "<N>" prefix as the priority (sd-daemon(3)). */
	log_to_journal = getenv("JOURNAL_STREAM") != NULL;
}

bool log_is_debug(void)
{
	return log_verbose;
}

int log_full_errno(enum log_level level, int r, const char *fmt, ...)
{
	_cleanup_buf_ struct buf line = { 0 };
	va_list ap;

	if (level == LOG_LEVEL_DEBUG && !log_verbose)
		return r;

	buf_init(&line, 0);
	if (log_to_journal)
		(void) buf_printf(&line, "<%d>", (int) level);
	else
		(void) buf_printf(&line, "%s: ", log_ident);
	va_start(ap, fmt);
	(void) buf_vprintf(&line, fmt, ap);
	va_end(ap);
	if (r < 0)
		(void) buf_printf(&line, ": %s", strerror(-r));
	(void) buf_putc(&line, '\n');
	(void) fwrite(line.data, 1, line.len, stderr);
	return r;
}
