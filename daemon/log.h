/* log.h - diagnostics for the daemon and the command line: stderr, with
 * syslog priority prefixes ("<3>") when stderr is the journal. */
#pragma once

#include <stdbool.h>

#include "util.h"

enum log_level { LOG_LEVEL_ERR = 3, LOG_LEVEL_WARNING = 4, LOG_LEVEL_NOTICE = 5,
		 LOG_LEVEL_INFO = 6, LOG_LEVEL_DEBUG = 7 };

/* Called once from main: the program name that prefixes plain lines, and
 * whether -v asked for debug messages.  Detects JOURNAL_STREAM itself. */
void log_setup(const char *ident, bool verbose);
bool log_is_debug(void);

/* Every logger returns r (a negative errno, or 0) so callers can write
 * `return log_warn_errno(r, ...)`; when r < 0 its errno text is appended. */
int log_full_errno(enum log_level level, int r, const char *fmt, ...) _printf_(3, 4);

#define log_error(...)   ((void) log_full_errno(LOG_LEVEL_ERR, 0, __VA_ARGS__))
#define log_warn(...)    ((void) log_full_errno(LOG_LEVEL_WARNING, 0, __VA_ARGS__))
#define log_notice(...)  ((void) log_full_errno(LOG_LEVEL_NOTICE, 0, __VA_ARGS__))
#define log_info(...)    ((void) log_full_errno(LOG_LEVEL_INFO, 0, __VA_ARGS__))
#define log_debug(...)   ((void) log_full_errno(LOG_LEVEL_DEBUG, 0, __VA_ARGS__))

#define log_error_errno(r, ...) log_full_errno(LOG_LEVEL_ERR, (r), __VA_ARGS__)
#define log_warn_errno(r, ...)  log_full_errno(LOG_LEVEL_WARNING, (r), __VA_ARGS__)
#define log_debug_errno(r, ...) log_full_errno(LOG_LEVEL_DEBUG, (r), __VA_ARGS__)
