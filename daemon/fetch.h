/* fetch.h - HTTP(S) GETs of feed documents over one libcurl multi handle.
 *
 * Bytes, not XML.  The event loop owns the clock and the file descriptors:
 * fetch tells it which sockets to watch and when to call back (the libcurl
 * socket interface), and hands each finished transfer to a callback. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct fetch;

struct fetch_options {
	uint64_t connect_timeout_usec;
	uint64_t low_speed_time_usec;   /* abort below FETCH_LOW_SPEED_BPS for this long */
	uint64_t total_timeout_usec;
	size_t max_body_bytes;          /* counted after content decoding */
	unsigned max_redirects;
	unsigned max_connections;
	unsigned max_host_connections;
	const char *user_agent;         /* copied */
};

#define FETCH_LOW_SPEED_BPS 100

/* One GET.  The validators make it conditional (RFC 9110 section 13). */
struct fetch_request {
	const char *url;
	const char *etag;            /* If-None-Match, may be NULL */
	const char *last_modified;   /* If-Modified-Since, may be NULL */
	void *userdata;              /* handed back in the result */
};

/* What the scheduler needs from an answer.  Strings are owned by the result
 * and NULL when absent.  Times are seconds since the epoch, -1 when absent. */
struct fetch_result {
	void *userdata;
	int error;                 /* 0 = an HTTP answer arrived; else -errno */
	char *error_text;          /* set with error: curl's text or ours */
	long http_status;          /* 0 without an answer */
	bool is_silent;            /* timed out before the server said a word */
	char *etag;
	char *last_modified;
	char *content_type;
	char *effective_url;       /* after redirects */
	int64_t retry_after_delta; /* Retry-After in seconds, -1 when absent */
	int64_t retry_after_date;  /* Retry-After as an HTTP date */
	int64_t max_age;           /* Cache-Control max-age, -1 when absent */
	int64_t expires;           /* Expires */
	int64_t date;              /* Date, to read Expires against the server's clock */
	struct buf body;           /* decoded body, at most max_body_bytes */
};

void fetch_result_free(struct fetch_result *r);

/* Socket interest, as the loop's IO source should see it. */
enum {
	FETCH_POLL_IN = 1 << 0,
	FETCH_POLL_OUT = 1 << 1,
};

struct fetch_hooks {
	/* Watch fd for events (FETCH_POLL_*), or stop watching when events is
	 * -1.  *slot is the loop's own per-socket pointer, NULL at first. */
	int (*watch)(void *data, int fd, int events, void **slot);
	/* Call fetch_on_timeout() after timeout_usec; UINT64_MAX disarms. */
	int (*timer)(void *data, uint64_t timeout_usec);
	/* A transfer ended; the callee owns the result. */
	void (*done)(void *data, struct fetch_result *r);
	void *data;
};

int fetch_new(const struct fetch_options *o, const struct fetch_hooks *h, struct fetch **ret);
/* Aborts transfers still running, without calling done for them. */
void fetch_free(struct fetch *f);

/* Takes effect for transfers started from now on (SIGHUP). */
int fetch_set_options(struct fetch *f, const struct fetch_options *o);

int fetch_start(struct fetch *f, const struct fetch_request *req);

/* "host:port" of an http(s) URL as libcurl connects to it, lowercased, with
 * the scheme's default port; NULL when it cannot be read.  The caller frees. */
char *fetch_url_host(const char *url);

/* Ends every transfer to host (fetch_url_host() form) that has no answer yet,
 * handing each to done with error and error_text, as if it had failed so:
 * once one feed of a host timed out in silence, the others need not each wait
 * for their own timeout.  Returns how many were ended. */
size_t fetch_abort_host(struct fetch *f, const char *host, int error, const char *error_text);
size_t fetch_in_flight(const struct fetch *f);

/* The loop's side of the libcurl socket interface. */
int fetch_on_socket(struct fetch *f, int fd, int events);
int fetch_on_timeout(struct fetch *f);

/* When the answer asks us to come back (Retry-After), or says the document
 * stays fresh until (max-age, Expires): seconds since the epoch on our clock
 * now_sec, or -1.  HTTP dates are read against the server's own Date header,
 * so a skewed server clock or STORYWATCH_EVAL_TIME does not distort them. */
int64_t fetch_result_retry_after(const struct fetch_result *r, int64_t now_sec);
int64_t fetch_result_fresh_until(const struct fetch_result *r, int64_t now_sec);
