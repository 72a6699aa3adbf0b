/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Shared between the HTTP/1 head parser and the framing state machine. */
#ifndef __SPANTAP_HTTP1_INTERNAL_H
#define __SPANTAP_HTTP1_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/http1.h"

/* A chunk-size line, extensions included, longer than this is garbage. */
#define HTTP1_CHUNK_LINE_MAX 4096
/* Content-Length and chunk sizes above this are garbage, not bodies. */
#define HTTP1_LENGTH_LIMIT (1ull << 62)

/* Why a head was refused, for the stats. */
enum head_err {
	HEAD_ERR_SYNTAX = 0,
	HEAD_ERR_LENGTH, /* Content-Length */
	HEAD_ERR_TOO_LONG, /* HTTP1_HEAD_MAX or HTTP1_MAX_HEADERS */
};

/* Line validators: the line is complete, or may go on. */
enum line_res {
	LINE_OK = 0,
	LINE_MORE, /* incomplete, fine so far */
	LINE_BAD,
};

/* Field values and reason phrases: VCHAR, obs-text, SP, HTAB. */
static inline bool is_field_char(uint8_t c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* The first LF in s[0..min(n, max)), or NULL; s may be NULL when n is 0. */
static inline const uint8_t *find_lf(const uint8_t *s, size_t n, size_t max)
{
	if (n > max)
		n = max;
	return n ? memchr(s, '\n', n) : NULL;
}

/*
 * An incomplete line may end with the CR of its CRLF; drop it so the
 * validators see only content. Returns the content length.
 */
static inline size_t line_content(const uint8_t *s, size_t n)
{
	return n && s[n - 1] == '\r' ? n - 1 : n;
}

enum line_res http1_check_field_line(const uint8_t *s, size_t n,
				     bool complete, size_t *ret_colon);
enum line_res http1_start_line(const uint8_t *buf, size_t lim,
			       enum http1_kind kind, struct http1_msg *msg,
			       size_t *ret_next);
enum line_res http1_scan_field_line(const uint8_t *s, size_t avail,
				    size_t *ret_colon, size_t *ret_n,
				    size_t *ret_next);
enum parse_result http1_parse_head_raw(const uint8_t *buf, size_t len,
				       enum http1_kind kind,
				       struct http1_msg *msg,
				       size_t *ret_head_len,
				       enum head_err *err);
bool http1_plausible_start(const uint8_t *s, size_t n, enum http1_kind kind);

/*
 * Empty m for a new head (or a new parser). The strings are about 1.7 KiB
 * of it, and clearing them all was a quarter of the head parser's time: a
 * NUL at the start of each is all their readers look at.
 */
static inline void http1_msg__clear(struct http1_msg *m)
{
	memset(m, 0, offsetof(struct http1_msg, method));
	m->method[0] = '\0';
	m->target[0] = '\0';
	m->host[0] = '\0';
	m->user_agent[0] = '\0';
	m->traceparent[0] = '\0';
	m->tracestate[0] = '\0';
}

#endif /* __SPANTAP_HTTP1_INTERNAL_H */
