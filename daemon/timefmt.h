/* timefmt.h - RFC 3339 timestamps, independent of the locale. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* "2025-03-18T14:00:00Z", "2025-03-18T17:00:00.5+03:00" -> seconds since the
 * epoch (fractions dropped).  -EINVAL for anything else. */
int timefmt_parse_rfc3339(const char *s, int64_t *ret_sec);

/* Writes "YYYY-MM-DDTHH:MM:SSZ" (21 bytes with the NUL) into out. */
#define TIMEFMT_RFC3339_MAX 21
void timefmt_rfc3339(int64_t sec, char out[static TIMEFMT_RFC3339_MAX]);

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
int64_t timefmt_days_from_civil(int64_t y, unsigned m, unsigned d);
