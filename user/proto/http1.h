/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * HTTP/1.0 and 1.1 message framing (RFC 9112), request and response side.
 *
 * Only what spans need is kept: the start line, a few headers, and the
 * framing of the body (Content-Length, chunked, until close, none), which is
 * skipped by position, never stored.
 */
#ifndef __SPANTAP_HTTP1_H
#define __SPANTAP_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"
#include "stream.h"

#define HTTP1_METHOD_MAX 32 /* longer tokens are kept cut, flagged */
#define HTTP1_TARGET_MAX 512
#define HTTP1_HOST_MAX 256
#define HTTP1_UA_MAX 256
#define HTTP1_TRACEPARENT_MAX 128
#define HTTP1_TRACESTATE_MAX 512
/* A head (start line + headers) longer than this is garbage to us. */
#define HTTP1_HEAD_MAX (32 * 1024)
#define HTTP1_MAX_HEADERS 128

enum http1_kind {
	HTTP1_REQUEST = 1,
	HTTP1_RESPONSE = 2,
};

/* How the body of a message ends. */
enum http1_body {
	HTTP1_BODY_NONE = 0,
	HTTP1_BODY_LENGTH = 1,
	HTTP1_BODY_CHUNKED = 2,
	HTTP1_BODY_UNTIL_CLOSE = 3,
};

/* Bits of http1_msg.flags */
#define HTTP1_F_METHOD_CUT (1u << 0) /* method longer than the field */
#define HTTP1_F_TARGET_CUT (1u << 1)
#define HTTP1_F_CONN_CLOSE (1u << 2) /* Connection: close, or 1.0 default */
#define HTTP1_F_UPGRADE (1u << 3)    /* 101 Switching Protocols */
#define HTTP1_F_TE_AND_CL (1u << 4)  /* both; TE won (RFC 9112 6.3) */
#define HTTP1_F_TRUNCATED (1u << 5)  /* ended by close/flush mid-body */
#define HTTP1_F_EXPECT_CONTINUE (1u << 6)
/*
 * The body's framing (chunk sizes) fell into a hole: the message was taken
 * to end where the next message begins.
 */
#define HTTP1_F_FRAMING_LOST (1u << 7)
/* tracestate lines longer than the field: the last entry may be cut */
#define HTTP1_F_TRACESTATE_CUT (1u << 8)

struct http1_msg {
	uint8_t kind;	       /* enum http1_kind */
	uint8_t version_minor; /* HTTP/1.x */
	uint8_t body;	       /* enum http1_body */
	uint8_t n_traceparent; /* traceparent headers seen (2+ is invalid) */
	uint16_t status;       /* responses */
	uint16_t _pad;
	uint32_t flags;
	uint32_t start_tid;	 /* thread that moved the first byte */
	uint64_t content_length; /* HTTP1_BODY_LENGTH */
	uint64_t start_pos;	 /* first byte of the message */
	uint64_t end_pos;	 /* one past its last byte */
	uint64_t start_ts;	 /* CLOCK_MONOTONIC ns of the first byte */
	uint64_t end_ts;	 /* ... of the last byte */
	uint32_t end_tid;
	uint32_t head_len;
	/*
	 * strlen of method, target and host (the parser lets no NUL into
	 * them), known when they are copied: span building measured each
	 * of them again
	 */
	uint16_t method_len;
	uint16_t target_len;
	uint16_t host_len;
	uint16_t _pad2;
	/*
	 * NUL-terminated, bytes as on the wire, cut to fit. Keep them last:
	 * a new head clears what comes before method, and only the first
	 * byte of each string.
	 */
	char method[HTTP1_METHOD_MAX];
	char target[HTTP1_TARGET_MAX];
	char host[HTTP1_HOST_MAX];
	char user_agent[HTTP1_UA_MAX];
	char traceparent[HTTP1_TRACEPARENT_MAX];
	char tracestate[HTTP1_TRACESTATE_MAX];
};

struct http1_stats {
	uint64_t messages;
	uint64_t invalid;	/* PARSE_INVALID returns */
	uint64_t head_in_hole;	/* head cut by the snapshot cap or a loss */
	uint64_t head_too_long; /* over HTTP1_HEAD_MAX or HTTP1_MAX_HEADERS */
	uint64_t bad_length;	/* Content-Length missing digits, overflow,
				   conflicts */
	uint64_t bad_chunk;
	uint64_t te_and_cl;
	uint64_t skipped_bytes; /* dropped while resynchronising, holes too */
	uint64_t framing_lost;	/* bodies ended at the next message's start */
};

enum http1_state {
	HTTP1_ST_HEAD = 0,
	HTTP1_ST_BODY_LENGTH,
	HTTP1_ST_CHUNK_SIZE,
	HTTP1_ST_CHUNK_DATA,
	HTTP1_ST_CHUNK_DATA_CRLF,
	HTTP1_ST_TRAILERS,
	HTTP1_ST_UNTIL_CLOSE,
	HTTP1_ST_BODY_LOST, /* framing in a hole: body ends at the next head */
	HTTP1_ST_UPGRADED,  /* after 101: the rest is not HTTP/1 */
};

/* Per-direction parser state. Zero-initialise, then http1_parser__init. */
struct http1_parser {
	uint8_t kind;  /* enum http1_kind: what this direction carries */
	uint8_t state; /* enum http1_state */
	uint16_t _pad;
	uint32_t _pad2;
	/*
	 * Body or chunk bytes still to skip; in HTTP1_ST_TRAILERS, trailer
	 * lines seen; in HTTP1_ST_HEAD, bytes of an incomplete head already
	 * checked.
	 */
	uint64_t remaining;
	struct http1_msg cur;	   /* the message being framed */
	struct http1_stats *stats; /* shared counters, may be NULL */
};

void http1_parser__init(struct http1_parser *p, enum http1_kind kind,
			struct http1_stats *stats);

/*
 * Frame the next message from s into *ret_msg (see proto.h for the results);
 * with ret_msg NULL, read it in place with http1_parser__msg. For a
 * response parser, no_body says the request it answers was a HEAD (its
 * body is empty whatever the headers say); 1xx, 204 and 304 responses have
 * no body on their own.
 */
enum parse_result http1_parser__next(struct http1_parser *p, struct stream *s,
				     bool no_body, struct http1_msg *ret_msg);

/*
 * Nothing to frame: the parser waits for a head and s has no byte for it.
 * http1_parser__next would return PARSE_NEED_MORE and change nothing;
 * callers skip that call, which most events ended with.
 */
static inline bool http1_parser__idle(const struct http1_parser *p,
				      const struct stream *s)
{
	return p->state == HTTP1_ST_HEAD && s->head >= s->end;
}

/*
 * dst = src, copying of each string only what it holds: most of a
 * message is room its strings do not use.
 */
void http1_msg__copy(struct http1_msg *dst, const struct http1_msg *src);

/*
 * The message the last PARSE_OK framed, valid until the parser is called
 * again: a message is about 2 KiB, and most are read once, not kept.
 */
static inline const struct http1_msg *
http1_parser__msg(const struct http1_parser *p)
{
	return &p->cur;
}

/*
 * The connection closed: a message whose body runs until close is complete
 * (PARSE_OK, *ret_msg filled unless NULL, end at the last byte seen); one cut mid-way is
 * returned with HTTP1_F_TRUNCATED. PARSE_NEED_MORE when nothing was pending.
 */
enum parse_result http1_parser__finish(struct http1_parser *p, struct stream *s,
				       struct http1_msg *ret_msg);

/*
 * Parse a complete head (start line + headers + empty line) at buf. Pure,
 * for the parser above and the fuzzer: PARSE_OK with *ret_head_len set,
 * PARSE_NEED_MORE when the empty line is not there yet, PARSE_INVALID.
 * Fills kind, version, method/target or status, the kept headers, and the
 * body framing as the headers state it (no_body rules applied by caller).
 */
enum parse_result http1__parse_head(const uint8_t *buf, size_t len,
				    enum http1_kind kind, struct http1_msg *msg,
				    size_t *ret_head_len);

/* Cheap checks on the first bytes of a direction, for protocol detection. */
bool http1__looks_like_request(const uint8_t *buf, size_t len);
bool http1__looks_like_response(const uint8_t *buf, size_t len);

#endif /* __SPANTAP_HTTP1_H */
