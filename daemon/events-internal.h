/* events-internal.h - the parts of events.c that tests look at directly. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "events.h"

/* Finds the end of the last complete line of the log open at fd (size bytes)
 * and the highest seq in its last record; *ret_seq is 0 when no line holds
 * one.  Bytes after *ret_end are a torn write. */
int events_log_scan(int fd, off_t size, off_t *ret_end, uint64_t *ret_seq);

/* The seq of one record p[0..n), which starts "{"seq":N,"; 0 otherwise. */
uint64_t events_line_seq(const char *p, size_t n);

/* The journal fields of e ("MESSAGE=...", "MESSAGE_ID=...", ...), a
 * NULL-terminated strv the caller frees. */
char **event_journal_fields(const struct event *e);
