/* fetch-easy.c - one blocking GET with libcurl's easy interface, under the
 * same caps as the daemon's transfers. */

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <curl/curl.h>

#include "fetch-easy.h"
#include "util.h"

struct sink {
	struct buf *body;
	bool is_too_big;
};

static size_t write_cb(char *p, size_t size, size_t n, void *userdata)
{
	struct sink *s = userdata;

	if (buf_append(s->body, p, size * n) < 0) {
		s->is_too_big = true;
		return 0;     /* curl stops with CURLE_WRITE_ERROR */
	}
	return size * n;
}

int fetch_get(const char *url, const struct fetch_options *o, struct fetch_result **ret)
{
	struct fetch_result *r = xcalloc(1, sizeof(*r));
	char errbuf[CURL_ERROR_SIZE] = "";
	struct sink sink = { .body = &r->body };
	CURLcode c = CURLE_OK;
	const char *s = NULL;
	CURL *e;

	buf_init(&r->body, o->max_body_bytes);
	r->retry_after_delta = r->retry_after_date = r->max_age = r->expires = r->date = -1;
	e = curl_easy_init();
	if (!e) {
		fetch_result_free(r);
		return -ENOMEM;
	}
#define SET(opt, val) do { if (c == CURLE_OK) c = curl_easy_setopt(e, opt, val); } while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	SET(CURLOPT_WRITEDATA, &sink);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, (long) o->max_redirects);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long) (o->connect_timeout_usec / USEC_PER_MSEC));
	SET(CURLOPT_TIMEOUT_MS, (long) (o->total_timeout_usec / USEC_PER_MSEC));
	SET(CURLOPT_LOW_SPEED_LIMIT, (long) FETCH_LOW_SPEED_BPS);
	SET(CURLOPT_LOW_SPEED_TIME, (long) MAX(o->low_speed_time_usec / USEC_PER_SEC, UINT64_C(1)));
	if (o->max_body_bytes > 0)
		SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) o->max_body_bytes);
	if (o->user_agent)
		SET(CURLOPT_USERAGENT, o->user_agent);
#undef SET
	if (c == CURLE_OK)
		c = curl_easy_perform(e);
	(void) curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->http_status);
	if (curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &s) == CURLE_OK && s)
		r->content_type = xstrdup(s);
	s = NULL;
	if (curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &s) == CURLE_OK && s)
		r->effective_url = xstrdup(s);
	if (sink.is_too_big || c == CURLE_FILESIZE_EXCEEDED) {
		r->error = -EFBIG;
		r->error_text = xasprintf("larger than %zu bytes", o->max_body_bytes);
	} else if (c != CURLE_OK) {
		r->error = c == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
		r->error_text = xstrdup(errbuf[0] ? errbuf : curl_easy_strerror(c));
	}
	curl_easy_cleanup(e);
	*ret = r;
	return 0;
}
