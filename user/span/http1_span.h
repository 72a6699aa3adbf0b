/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * HTTP/1 connections to spans: frames both directions with the HTTP/1
 * parser, pairs each response with the oldest unanswered request (pipelining
 * keeps order in HTTP/1), and builds a server or client span per pair.
 */
#ifndef __SPANTAP_HTTP1_SPAN_H
#define __SPANTAP_HTTP1_SPAN_H

#include <stdbool.h>

#include "conn_table.h"
#include "proto/http1.h"
#include "span/span_sink.h"

/* Requests kept waiting for their responses, per connection. */
#define HTTP1_PIPELINE_MAX 32

struct http1_span_stats {
	struct http1_stats parse;
	uint64_t spans;
	uint64_t unmatched_responses; /* response, no request seen: no span */
	uint64_t unanswered_requests; /* request, connection ended first */
	uint64_t pipeline_overflow;   /* requests beyond HTTP1_PIPELINE_MAX */
	uint64_t interim_responses;   /* 1xx before the final response */
	uint64_t bad_traceparent;     /* invalid or repeated: ignored whole */
	uint64_t bad_tracestate; /* invalid with a valid traceparent: dropped */
};

struct http1_conn;

struct http1_conn *http1_conn__new(const struct conn *c,
				   struct http1_span_stats *stats);
void http1_conn__free(struct http1_conn *h);

/* New bytes are in c->streams[dir]: frame what can be framed, emit spans. */
void http1_conn__process(struct http1_conn *h, struct conn *c, int dir,
			 const struct span_sink *sink);

/*
 * c has closed. If nothing is in flight on it (no request waits for its
 * answer, both directions are between messages, no byte unread), free h
 * and c's buffers, note in c how many requests h saw, and return true:
 * bytes that come late (read after a reset) start a new http1_conn that
 * goes on counting from there. false: h is still needed.
 */
bool http1_conn__shed(struct http1_conn *h, struct conn *c);

/*
 * The connection is over. closed: the kernel saw it close, so a body that
 * runs until close is complete and requests still waiting never got an
 * answer; otherwise (eviction, shutdown) they are only counted.
 */
void http1_conn__finish(struct http1_conn *h, struct conn *c, bool closed,
			uint64_t close_ts, const struct span_sink *sink);

/*
 * Fill s from a request and its response on connection c. Exposed for unit
 * tests.
 */
void http1_span__build(struct span *s, const struct conn *c,
		       const struct http1_msg *req,
		       const struct http1_msg *resp, bool server,
		       const struct span_sink *sink);

#endif /* __SPANTAP_HTTP1_SPAN_H */
