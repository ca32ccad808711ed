/* timefmt.h - feed dates, parsed and printed without locale or TZ.
 *
 * The accepted forms are those feed readers accept (RFC 822 with its
 * real-world variants, W3C-DTF / RFC 3339, asctime), with the reference
 * reader's answers for the odd cases. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for "YYYY-MM-DDTHH:MM:SSZ" and its NUL. */
#define TIMEFMT_RFC3339_MAX 21

/* Parses a feed date s[0..n) to seconds since the epoch (UTC).  Returns 0,
 * or -EINVAL when it is not a date we read. */
int timefmt_parse(const char *s, size_t n, int64_t *ret_sec);

/* Each parser on its own, for tests; same contract as timefmt_parse(). */
int timefmt_parse_rfc822(const char *s, size_t n, int64_t *ret_sec);
int timefmt_parse_w3dtf(const char *s, size_t n, int64_t *ret_sec);

/* Writes sec as YYYY-MM-DDTHH:MM:SSZ; returns -ERANGE outside years 1..9999. */
int timefmt_rfc3339(int64_t sec, char out[TIMEFMT_RFC3339_MAX]);

/* Days since 1970-01-01 of a proleptic Gregorian date; month and day may be
 * out of range and roll over (month 13 = January of the next year). */
int64_t timefmt_days_from_civil(int64_t y, int64_t m, int64_t d);
