// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <zlib.h>

#include "export/otlp_http.h"
#include "export/otlp_response.h"

struct otlp_http {
	CURL *curl;
	struct curl_slist *headers;
	char *url;
	uint16_t server_port;
	otlp_http_port_fn on_port;
	otlp_http_abort_fn should_abort;
	void *arg;
	struct otlp_http_result *r; /* the answer being read */
	uint8_t *body;
	size_t body_cap;
	char errbuf[CURL_ERROR_SIZE];
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct otlp_http *h = arg;
	struct otlp_http_result *r = h->r;
	size_t n = size * nmemb;

	if (r->body_too_large || n > OTLP_RESPONSE_BODY_MAX - r->body_len) {
		/* keep reading so the connection stays usable, keep nothing */
		r->body_too_large = true;
		return n;
	}
	if (r->body_len + n > h->body_cap) {
		size_t cap = h->body_cap ? h->body_cap : 4096;
		void *p;

		while (cap < r->body_len + n)
			cap *= 2;
		p = realloc(h->body, cap);
		if (!p) {
			r->body_too_large = true;
			return n;
		}
		h->body = p;
		h->body_cap = cap;
	}
	memcpy(h->body + r->body_len, ptr, n);
	r->body_len += n;
	return n;
}

/* value of "Name: value\r\n" when the line is that header */
static void header_copy(const char *line, size_t len, const char *name,
			char *dst, size_t dst_size)
{
	size_t nlen = strlen(name), i;

	if (len <= nlen || strncasecmp(line, name, nlen) || line[nlen] != ':')
		return;
	line += nlen + 1;
	len -= nlen + 1;
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n' ||
		       line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	for (i = 0; i < len && i + 1 < dst_size; i++)
		dst[i] = (unsigned char)line[i] < 0x20 ? ' ' : line[i];
	dst[i] = '\0';
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *arg)
{
	struct otlp_http *h = arg;
	size_t n = size * nmemb;

	/* a new status line (after 100 Continue, say) starts afresh */
	if (n >= 5 && !strncmp(line, "HTTP/", 5)) {
		h->r->retry_after[0] = '\0';
		h->r->content_type[0] = '\0';
	}
	header_copy(line, n, "Retry-After", h->r->retry_after,
		    sizeof(h->r->retry_after));
	header_copy(line, n, "Content-Type", h->r->content_type,
		    sizeof(h->r->content_type));
	return n;
}

/*
 * Bind to an ephemeral port before connect so the port is known before any
 * byte leaves: the collector's side of this connection may be traced, and
 * its spans must be recognised as ours by then.
 */
static int on_sockopt(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	struct otlp_http *h = arg;
	struct sockaddr_storage ss = {};
	socklen_t len = sizeof(ss);

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKOPT_OK;
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return CURL_SOCKOPT_OK;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in sin = {.sin_family = AF_INET};

		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
			return CURL_SOCKOPT_OK;
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};

		if (bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)))
			return CURL_SOCKOPT_OK;
	} else {
		return CURL_SOCKOPT_OK;
	}
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return CURL_SOCKOPT_OK;
	if (h->on_port)
		h->on_port(ntohs(ss.ss_family == AF_INET
					 ? ((struct sockaddr_in *)&ss)->sin_port
					 : ((struct sockaddr_in6 *)&ss)
						   ->sin6_port),
			   h->arg);
	return CURL_SOCKOPT_OK;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct otlp_http *h = arg;

	if (h->should_abort && h->should_abort(h->arg)) {
		h->r->aborted = true;
		return 1;
	}
	return 0;
}

static uint16_t url_port(const char *url)
{
	CURLU *u = curl_url();
	char *port = NULL;
	long p = 0;

	if (u && !curl_url_set(u, CURLUPART_URL, url, 0) &&
	    !curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT))
		p = strtol(port, NULL, 10);
	curl_free(port);
	curl_url_cleanup(u);
	return p > 0 && p < 65536 ? p : 0;
}

static int add_header(struct otlp_http *h, const char *name, const char *value)
{
	struct curl_slist *l;
	char *line;

	if (asprintf(&line, "%s: %s", name, value) < 0)
		return -ENOMEM;
	l = curl_slist_append(h->headers, line);
	free(line);
	if (!l)
		return -ENOMEM;
	h->headers = l;
	return 0;
}

struct otlp_http *otlp_http__new(const struct otlp_config *cfg,
				 otlp_http_port_fn on_port,
				 otlp_http_abort_fn should_abort, void *arg,
				 char *err, size_t errlen)
{
	struct otlp_http *h = calloc(1, sizeof(*h));
	bool json = cfg->protocol == OTLP_PROTOCOL_HTTP_JSON;
	int ret = -ENOMEM;

	if (!h)
		goto fail;
	h->on_port = on_port;
	h->should_abort = should_abort;
	h->arg = arg;
	h->url = strdup(cfg->traces_url);
	h->curl = curl_easy_init();
	if (!h->url || !h->curl) {
		snprintf(err, errlen, "cannot set up libcurl");
		goto fail;
	}
	h->server_port = url_port(h->url);
	if (add_header(h, "Content-Type",
		       json ? "application/json" : "application/x-protobuf"))
		goto fail;
	if (cfg->compression == OTLP_COMPRESSION_GZIP &&
	    add_header(h, "Content-Encoding", "gzip"))
		goto fail;
	/* "Expect:" with no value stops curl's 100-continue round trip
	 * before every batch */
	{
		struct curl_slist *l = curl_slist_append(h->headers, "Expect:");

		if (!l)
			goto fail;
		h->headers = l;
	}
	for (size_t i = 0; i < cfg->nheaders; i++)
		if (add_header(h, cfg->headers[i].key, cfg->headers[i].value))
			goto fail;

	ret = -EINVAL;
	if (curl_easy_setopt(h->curl, CURLOPT_URL, h->url) ||
	    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers) ||
	    curl_easy_setopt(h->curl, CURLOPT_USERAGENT,
			     "spantap/" SPANTAP_VERSION) ||
	    curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body) ||
	    curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h) ||
	    curl_easy_setopt(h->curl, CURLOPT_HEADERFUNCTION, on_header) ||
	    curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, h) ||
	    curl_easy_setopt(h->curl, CURLOPT_SOCKOPTFUNCTION, on_sockopt) ||
	    curl_easy_setopt(h->curl, CURLOPT_SOCKOPTDATA, h) ||
	    curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->errbuf) ||
	    curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L) ||
	    curl_easy_setopt(h->curl, CURLOPT_XFERINFOFUNCTION, on_progress) ||
	    curl_easy_setopt(h->curl, CURLOPT_XFERINFODATA, h) ||
	    curl_easy_setopt(h->curl, CURLOPT_NOPROGRESS, 0L) ||
	    curl_easy_setopt(h->curl, CURLOPT_POST, 1L) ||
	    curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https") ||
	    curl_easy_setopt(h->curl, CURLOPT_TCP_KEEPALIVE, 1L)) {
		snprintf(err, errlen, "libcurl lacks an option spantap needs");
		goto fail;
	}
	return h;
fail:
	otlp_http__free(h);
	errno = -ret;
	return NULL;
}

int otlp_http__post(struct otlp_http *h, const void *body, size_t len,
		    long timeout_ms, struct otlp_http_result *r)
{
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	h->r = r;
	h->errbuf[0] = '\0';
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	rc = curl_easy_perform(h->curl);
	r->body = h->body;
	h->r = NULL;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &r->status);
		return 0;
	}
	r->status = 0;
	r->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
	r->net_error = !r->timed_out && !r->aborted;
	snprintf(r->error, sizeof(r->error), "%s",
		 h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
	return -EIO;
}

uint16_t otlp_http__server_port(const struct otlp_http *h)
{
	return h->server_port;
}

void otlp_http__free(struct otlp_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->headers);
	free(h->url);
	free(h->body);
	free(h);
}

int otlp_http__gzip(const void *src, size_t len, uint8_t **ret, size_t *ret_len)
{
	z_stream z = {};
	uint8_t *out;
	size_t cap;
	int zr;

	/* 15 + 16: a gzip header and trailer around deflate */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	cap = deflateBound(&z, len);
	out = malloc(cap);
	if (!out) {
		deflateEnd(&z);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)src;
	z.avail_in = len;
	z.next_out = out;
	z.avail_out = cap;
	zr = deflate(&z, Z_FINISH);
	*ret_len = cap - z.avail_out;
	deflateEnd(&z);
	if (zr != Z_STREAM_END) {
		free(out);
		return -EIO;
	}
	*ret = out;
	return 0;
}
