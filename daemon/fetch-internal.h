/* fetch-internal.h - header readers of fetch.c, for its tests. */
#pragma once

#include <stdint.h>

/* RFC 9110 delta-seconds ("120", " 120 "), also ending at a comma; -1 for
 * anything else.  Absurdly long numbers saturate. */
int64_t fetch_parse_delta_seconds(const char *s);

/* Cache-Control's max-age directive (RFC 9111 section 5.2.2.1), -1 when
 * absent or malformed. */
int64_t fetch_parse_max_age(const char *v);
