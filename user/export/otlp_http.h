/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * OTLP/HTTP transport over libcurl: one keep-alive connection, POST a body,
 * bring back the status, the headers that matter and a bounded body. It
 * tells its owner the local port of every socket it opens before the socket
 * connects, so the agent can recognise its own export traffic.
 */
#ifndef __SPANTAP_OTLP_HTTP_H
#define __SPANTAP_OTLP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "export/otlp_config.h"

struct otlp_http_result {
	long status;	      /* HTTP status; 0 when no answer came */
	bool timed_out;	      /* no answer within the timeout */
	bool net_error;	      /* could not connect, or the connection broke */
	bool aborted;	      /* the owner's abort check said stop */
	bool body_too_large;  /* body past OTLP_RESPONSE_BODY_MAX, not kept */
	char error[256];      /* what went wrong without an answer */
	char retry_after[64]; /* Retry-After value, "" when absent */
	char content_type[128];
	uint8_t *body; /* owned by the transport until the next post */
	size_t body_len;
};

/* Called with the local port of a socket about to connect. */
typedef void (*otlp_http_port_fn)(uint16_t port, void *arg);
/* Asked about once a second during a request: true abandons it. */
typedef bool (*otlp_http_abort_fn)(void *arg);

struct otlp_http;

/*
 * cfg's URL, headers, protocol and compression are read here and copied.
 * NULL with errno on failure; err gets a message.
 */
struct otlp_http *otlp_http__new(const struct otlp_config *cfg,
				 otlp_http_port_fn on_port,
				 otlp_http_abort_fn should_abort, void *arg,
				 char *err, size_t errlen);
/*
 * POST body (already compressed when the config asks for gzip). timeout_ms
 * 0: no limit. Returns 0 when an HTTP answer came (any status), -EIO when
 * none did (r says why).
 */
int otlp_http__post(struct otlp_http *h, const void *body, size_t len,
		    long timeout_ms, struct otlp_http_result *r);
/* The server port of the URL (80/443 by default). */
uint16_t otlp_http__server_port(const struct otlp_http *h);
void otlp_http__free(struct otlp_http *h);

/* gzip len bytes of src into a malloc'd buffer; 0 or -ENOMEM/-EIO. */
int otlp_http__gzip(const void *src, size_t len, uint8_t **ret,
		    size_t *ret_len);

#endif /* __SPANTAP_OTLP_HTTP_H */
