/* fetch.c - libcurl multi with the socket interface; the loop drives it. */

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "fetch.h"
#include "fetch-internal.h"
#include "util.h"

struct transfer {
	struct fetch *fetch;
	CURL *easy;
	struct curl_slist *headers;
	struct fetch_result *result;
	bool is_too_big;
	char *host;                   /* fetch_url_host() of the request */
	char errbuf[CURL_ERROR_SIZE];
	struct transfer *prev, *next;
};

struct fetch {
	CURLM *multi;
	struct fetch_options opts;
	char *user_agent;
	struct fetch_hooks hooks;
	struct transfer *transfers;   /* in flight */
	size_t n_transfers;
	/* Finished easy handles, reset and kept: each holds buffers worth
	 * keeping, and a poll cycle starts thousands of transfers. */
	CURL *idle[32];
	size_t n_idle;
};

void fetch_result_free(struct fetch_result *r)
{
	if (!r)
		return;
	free(r->error_text);
	free(r->etag);
	free(r->last_modified);
	free(r->content_type);
	free(r->effective_url);
	buf_free(&r->body);
	free(r);
}

static void transfer_free(struct transfer *t)
{
	if (!t)
		return;
	if (t->easy) {
		struct fetch *f = t->fetch;

		(void) curl_multi_remove_handle(f->multi, t->easy);
		if (f->n_idle < ELEMENTSOF(f->idle)) {
			curl_easy_reset(t->easy);
			f->idle[f->n_idle++] = t->easy;
		} else
			curl_easy_cleanup(t->easy);
	}
	curl_slist_free_all(t->headers);
	fetch_result_free(t->result);
	free(t->host);
	free(t);
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct fetch *f = userp;
	void *slot = socketp;
	int events, r;

	switch (what) {
	case CURL_POLL_IN:
		events = FETCH_POLL_IN;
		break;
	case CURL_POLL_OUT:
		events = FETCH_POLL_OUT;
		break;
	case CURL_POLL_INOUT:
		events = FETCH_POLL_IN | FETCH_POLL_OUT;
		break;
	case CURL_POLL_REMOVE:
	default:
		events = -1;
		break;
	}
	r = f->hooks.watch(f->hooks.data, fd, events, &slot);
	if (r < 0)
		return -1;
	if (curl_multi_assign(f->multi, fd, events < 0 ? NULL : slot) != CURLM_OK)
		return -1;
	return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct fetch *f = userp;
	uint64_t usec = timeout_ms < 0 ? UINT64_MAX : (uint64_t) timeout_ms * USEC_PER_MSEC;

	return f->hooks.timer(f->hooks.data, usec) < 0 ? -1 : 0;
}

static void options_copy(struct fetch *f, const struct fetch_options *o)
{
	free(f->user_agent);
	f->opts = *o;
	f->user_agent = xstrdup_or_null(o->user_agent);
	f->opts.user_agent = f->user_agent;
}

static int multi_apply(struct fetch *f)
{
	CURLMcode mc = CURLM_OK;

	if (mc == CURLM_OK)
		mc = curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
				       (long) f->opts.max_connections);
	if (mc == CURLM_OK)
		mc = curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
				       (long) f->opts.max_host_connections);
	/* Keep idle connections of the whole pool so the next poll reuses them. */
	if (mc == CURLM_OK)
		mc = curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS,
				       (long) MAX(f->opts.max_connections, 4u));
	return mc == CURLM_OK ? 0 : -EINVAL;
}

int fetch_new(const struct fetch_options *o, const struct fetch_hooks *h, struct fetch **ret)
{
	struct fetch *f;
	int r;

	f = xcalloc(1, sizeof(*f));
	f->hooks = *h;
	options_copy(f, o);
	f->multi = curl_multi_init();
	if (!f->multi) {
		fetch_free(f);
		return -ENOMEM;
	}
	if (curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, socket_cb) != CURLM_OK ||
	    curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f) != CURLM_OK ||
	    curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, timer_cb) != CURLM_OK ||
	    curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f) != CURLM_OK) {
		fetch_free(f);
		return -EINVAL;
	}
	r = multi_apply(f);
	if (r < 0) {
		fetch_free(f);
		return r;
	}
	*ret = f;
	return 0;
}

void fetch_free(struct fetch *f)
{
	if (!f)
		return;
	while (f->transfers) {
		struct transfer *t = f->transfers;

		f->transfers = t->next;
		transfer_free(t);
	}
	while (f->n_idle > 0)
		curl_easy_cleanup(f->idle[--f->n_idle]);
	if (f->multi)
		curl_multi_cleanup(f->multi);
	free(f->user_agent);
	free(f);
}

int fetch_set_options(struct fetch *f, const struct fetch_options *o)
{
	options_copy(f, o);
	return multi_apply(f);
}

size_t fetch_in_flight(const struct fetch *f)
{
	return f->n_transfers;
}

static size_t write_cb(char *p, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * nmemb;

	/* The ceiling counts decoded bytes: a small gzip bomb stops here. */
	if (buf_append(&t->result->body, p, n) < 0) {
		t->is_too_big = true;
		return 0;
	}
	return n;
}

static struct curl_slist *header_add(struct curl_slist *l, const char *name, const char *value)
{
	_cleanup_free_ char *line = NULL;
	struct curl_slist *n;

	/* A validator is echoed back verbatim; one with a line break is hostile. */
	if (!value || strpbrk(value, "\r\n"))
		return l;
	line = xasprintf("%s: %s", name, value);
	n = curl_slist_append(l, line);
	if (!n) {
		curl_slist_free_all(l);
		return NULL;
	}
	return n;
}

int fetch_start(struct fetch *f, const struct fetch_request *req)
{
	struct transfer *t;
	CURLcode c = CURLE_OK;
	CURL *e;

	t = xcalloc(1, sizeof(*t));
	t->fetch = f;
	t->result = xcalloc(1, sizeof(*t->result));
	t->result->userdata = req->userdata;
	buf_init(&t->result->body, f->opts.max_body_bytes);
	t->host = fetch_url_host(req->url);

	t->easy = e = f->n_idle > 0 ? f->idle[--f->n_idle] : curl_easy_init();
	if (!e) {
		transfer_free(t);
		return -ENOMEM;
	}
	t->headers = header_add(t->headers, "If-None-Match", req->etag);
	t->headers = header_add(t->headers, "If-Modified-Since", req->last_modified);

#define SET(opt, val) do { if (c == CURLE_OK) c = curl_easy_setopt(e, opt, val); } while (0)
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_PRIVATE, t);
	SET(CURLOPT_ERRORBUFFER, t->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	SET(CURLOPT_WRITEDATA, t);
	/* SPEC section 5: HTTP(S) only, also after a redirect. */
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, (long) f->opts.max_redirects);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long) (f->opts.connect_timeout_usec / USEC_PER_MSEC));
	SET(CURLOPT_TIMEOUT_MS, (long) (f->opts.total_timeout_usec / USEC_PER_MSEC));
	SET(CURLOPT_LOW_SPEED_LIMIT, (long) FETCH_LOW_SPEED_BPS);
	SET(CURLOPT_LOW_SPEED_TIME, (long) MAX(f->opts.low_speed_time_usec / USEC_PER_SEC, UINT64_C(1)));
	/* A declared length over the ceiling is refused before reading any of it. */
	if (f->opts.max_body_bytes > 0)
		SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) f->opts.max_body_bytes);
	if (f->user_agent)
		SET(CURLOPT_USERAGENT, f->user_agent);
	if (t->headers)
		SET(CURLOPT_HTTPHEADER, t->headers);
	SET(CURLOPT_PIPEWAIT, 1L);
#undef SET
	if (c != CURLE_OK) {
		transfer_free(t);
		return -EINVAL;
	}

	if (curl_multi_add_handle(f->multi, e) != CURLM_OK) {
		/* Not added: transfer_free() must not remove it. */
		curl_easy_cleanup(t->easy);
		t->easy = NULL;
		transfer_free(t);
		return -ENOMEM;
	}
	t->next = f->transfers;
	if (t->next)
		t->next->prev = t;
	f->transfers = t;
	f->n_transfers++;
	return 0;
}

char *fetch_url_host(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *ret = NULL;

	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
		ret = xasprintf("%s:%s", host, port);
		for (char *p = ret; *p; p++)
			*p = (char) tolower((unsigned char) *p);
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return ret;
}

static void transfer_unlink(struct fetch *f, struct transfer *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		f->transfers = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->prev = t->next = NULL;
	f->n_transfers--;
}

size_t fetch_abort_host(struct fetch *f, const char *host, int error, const char *error_text)
{
	struct transfer *doomed = NULL, *t, *next;
	size_t n = 0;

	/* Unlinked first: each done() may start or end other transfers. */
	for (t = f->transfers; t; t = next) {
		long status = 0;

		next = t->next;
		if (!t->host || !streq(t->host, host))
			continue;
		/* A transfer that is reading an answer is no victim of silence. */
		(void) curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status != 0)
			continue;
		transfer_unlink(f, t);
		t->next = doomed;
		doomed = t;
		n++;
	}
	for (t = doomed; t; t = next) {
		struct fetch_result *r = steal_ptr(t->result);

		next = t->next;
		r->error = error;
		r->error_text = xstrdup(error_text);
		r->is_silent = true;
		r->retry_after_delta = r->retry_after_date = -1;
		r->max_age = r->expires = r->date = -1;
		buf_free(&r->body);
		transfer_free(t);
		f->hooks.done(f->hooks.data, r);
	}
	return n;
}

static const char *header_get(CURL *e, const char *name)
{
	struct curl_header *h;

	/* request -1: the last response, after any redirects. */
	if (curl_easy_header(e, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return NULL;
	return h->value;
}

static int64_t header_date(CURL *e, const char *name)
{
	const char *v = header_get(e, name);
	time_t t;

	if (!v)
		return -1;
	t = curl_getdate(v, NULL);
	return t < 0 ? -1 : (int64_t) t;
}

int64_t fetch_parse_delta_seconds(const char *s)
{
	int64_t v = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char) *s))
		return -1;
	for (; isdigit((unsigned char) *s); s++) {
		if (v > INT64_MAX / 100)
			return INT64_MAX / 100;
		v = v * 10 + (*s - '0');
	}
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '\0' || *s == ',' || *s == '"' ? v : -1;
}

/* RFC 9111 section 5.2.2.1: max-age=delta-seconds, among comma-separated
 * directives, case-insensitive, possibly quoted by lenient servers. */
int64_t fetch_parse_max_age(const char *v)
{
	const char *p = v;

	while (p && *p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (strncasecmp(p, "max-age", 7) == 0) {
			const char *q = p + 7;

			while (*q == ' ')
				q++;
			if (*q == '=') {
				q++;
				if (*q == '"')
					q++;
				return fetch_parse_delta_seconds(q);
			}
		}
		p = strchr(p, ',');
	}
	return -1;
}

static int curl_to_errno(CURLcode c)
{
	switch (c) {
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_TOO_MANY_REDIRECTS:
		return -ELOOP;
	case CURLE_UNSUPPORTED_PROTOCOL:
		return -EPROTONOSUPPORT;
	case CURLE_FILESIZE_EXCEEDED:
		return -EFBIG;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_URL_MALFORMAT:
		return -EINVAL;
	case CURLE_BAD_CONTENT_ENCODING:
		return -EBADMSG;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

static void transfer_finish(struct transfer *t, CURLcode code)
{
	struct fetch_result *r = t->result;
	CURL *e = t->easy;
	const char *s = NULL;
	long status = 0;

	if (code == CURLE_OK) {
		(void) curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
		r->http_status = status;
		r->etag = xstrdup_or_null(header_get(e, "ETag"));
		r->last_modified = xstrdup_or_null(header_get(e, "Last-Modified"));
		s = header_get(e, "Retry-After");
		r->retry_after_delta = s ? fetch_parse_delta_seconds(s) : -1;
		r->retry_after_date = s && r->retry_after_delta < 0 ? header_date(e, "Retry-After") : -1;
		s = header_get(e, "Cache-Control");
		r->max_age = s ? fetch_parse_max_age(s) : -1;
		r->expires = header_date(e, "Expires");
		r->date = header_date(e, "Date");
		s = NULL;
		(void) curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &s);
		r->content_type = xstrdup_or_null(s);
	} else {
		r->retry_after_delta = r->retry_after_date = -1;
		r->max_age = r->expires = r->date = -1;
		if (t->is_too_big || code == CURLE_FILESIZE_EXCEEDED) {
			r->error = -EFBIG;
			r->error_text = xasprintf("body larger than %zu bytes", t->fetch->opts.max_body_bytes);
		} else {
			r->error = curl_to_errno(code);
			r->error_text = xstrdup(t->errbuf[0] ? t->errbuf : curl_easy_strerror(code));
			(void) curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
			r->is_silent = r->error == -ETIMEDOUT && status == 0;
		}
		/* Bodies of broken transfers are never looked at. */
		buf_free(&r->body);
	}
	s = NULL;
	(void) curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &s);
	r->effective_url = xstrdup_or_null(s);
}

static void check_done(struct fetch *f)
{
	struct CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(f->multi, &left))) {
		struct transfer *t = NULL;
		struct fetch_result *r;

		if (m->msg != CURLMSG_DONE)
			continue;
		(void) curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **) &t);
		transfer_finish(t, m->data.result);
		transfer_unlink(f, t);

		r = steal_ptr(t->result);
		transfer_free(t);
		f->hooks.done(f->hooks.data, r);
	}
}

int fetch_on_socket(struct fetch *f, int fd, int events)
{
	int mask = 0, running;

	if (events & FETCH_POLL_IN)
		mask |= CURL_CSELECT_IN;
	if (events & FETCH_POLL_OUT)
		mask |= CURL_CSELECT_OUT;
	if (curl_multi_socket_action(f->multi, fd, mask, &running) != CURLM_OK)
		return -EIO;
	check_done(f);
	return 0;
}

int fetch_on_timeout(struct fetch *f)
{
	int running;

	if (curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running) != CURLM_OK)
		return -EIO;
	check_done(f);
	return 0;
}

/* A date on the server's clock, moved onto ours. */
static int64_t server_date_to_ours(const struct fetch_result *r, int64_t when, int64_t now_sec)
{
	if (r->date < 0)
		return when;
	return now_sec + (when - r->date);
}

int64_t fetch_result_retry_after(const struct fetch_result *r, int64_t now_sec)
{
	if (r->retry_after_delta >= 0)
		return now_sec + r->retry_after_delta;
	if (r->retry_after_date >= 0)
		return server_date_to_ours(r, r->retry_after_date, now_sec);
	return -1;
}

int64_t fetch_result_fresh_until(const struct fetch_result *r, int64_t now_sec)
{
	if (r->max_age >= 0)
		return now_sec + r->max_age;
	if (r->expires >= 0)
		return server_date_to_ours(r, r->expires, now_sec);
	return -1;
}
