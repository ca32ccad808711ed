/* fetch-easy.h - one blocking GET, for storywatch commands that look at a
 * page once (storywatch feeds add).  The daemon fetches through fetch.h. */
#pragma once

#include "fetch.h"

/* GETs url with o's caps (timeouts, body size, redirects, User-Agent) and
 * returns the answer in *ret, whatever its HTTP status: 0, or -ENOMEM.
 * Transport failures are in (*ret)->error and error_text, like fetch_start's
 * results.  The caller frees *ret with fetch_result_free(). */
int fetch_get(const char *url, const struct fetch_options *o, struct fetch_result **ret);
