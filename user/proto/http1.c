// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * HTTP/1 message framing over a stream, see http1.h: a state machine that
 * takes each head from http1_head.c, then skips the body by Content-Length
 * or chunk sizes, by position, without storing it.
 */
#include <stddef.h>
#include <string.h>

#include "proto/http1.h"
#include "proto/http1_internal.h"
#include "util/ascii.h"

/*
 * A state function's "made progress, look at the stream again", next to
 * the enum parse_result values it otherwise returns.
 */
#define STEP_AGAIN (-1)

void http1_parser__init(struct http1_parser *p, enum http1_kind kind,
			struct http1_stats *stats)
{
	/* a connection's two parsers were 3.5 KiB to zero, mostly strings */
	memset(p, 0, offsetof(struct http1_parser, cur));
	http1_msg__clear(&p->cur);
	p->kind = kind;
	p->state = HTTP1_ST_HEAD;
	p->stats = stats;
}

#define STAT_INC(p, field, n)                     \
	do {                                      \
		if ((p)->stats)                   \
			(p)->stats->field += (n); \
	} while (0)

/*
 * Consume n positions of the current message, remembering its last byte
 * so far (position and time) while that byte is still in the stream.
 */
static void msg_consume(struct http1_parser *p, struct stream *s, uint64_t n)
{
	uint64_t avail = s->end - s->head;

	if (n > avail)
		n = avail;
	if (!n)
		return;
	p->cur.end_pos = s->head + n;
	stream__ts_at(s, s->head + n - 1, &p->cur.end_ts, &p->cur.end_tid);
	stream__consume(s, n);
}

/* Every string array of a message is whole words: copy_str's loop needs it */
_Static_assert(HTTP1_METHOD_MAX % 8 == 0 && HTTP1_TARGET_MAX % 8 == 0 &&
		       HTTP1_HOST_MAX % 8 == 0 && HTTP1_UA_MAX % 8 == 0 &&
		       HTTP1_TRACEPARENT_MAX % 8 == 0 &&
		       HTTP1_TRACESTATE_MAX % 8 == 0,
	       "http1_msg strings are whole words");

/*
 * dst[size] = src, which holds at most size - 1 characters and a NUL,
 * size a multiple of 8. A word at a time up to the one with the NUL: the
 * strings are short (empty, mostly), and strnlen and memcpy were two
 * libc calls for each. Bytes after the NUL come along; nothing reads
 * them.
 */
static void copy_str(char *dst, size_t size, const char *src)
{
	uint64_t w;

	for (size_t i = 0; i < size; i += 8) {
		memcpy(&w, src + i, 8);
		memcpy(dst + i, &w, 8);
		if (ascii__word_has_nul(w))
			return;
	}
	dst[size - 1] = '\0';
}

void http1_msg__copy(struct http1_msg *dst, const struct http1_msg *src)
{
	memcpy(dst, src, offsetof(struct http1_msg, method));
	copy_str(dst->method, sizeof(dst->method), src->method);
	copy_str(dst->target, sizeof(dst->target), src->target);
	copy_str(dst->host, sizeof(dst->host), src->host);
	copy_str(dst->user_agent, sizeof(dst->user_agent), src->user_agent);
	copy_str(dst->traceparent, sizeof(dst->traceparent), src->traceparent);
	copy_str(dst->tracestate, sizeof(dst->tracestate), src->tracestate);
}

static enum parse_result msg_done(struct http1_parser *p,
				  struct http1_msg *ret_msg)
{
	STAT_INC(p, messages, 1);
	if (ret_msg)
		http1_msg__copy(ret_msg, &p->cur);
	p->state = (p->cur.flags & HTTP1_F_UPGRADE) ? HTTP1_ST_UPGRADED :
						      HTTP1_ST_HEAD;
	p->remaining = 0;
	return PARSE_OK;
}

/*
 * Find a plausible message start in the view after its first byte,
 * preferring one at a line start, and drop everything before it. With
 * none, drop the view and, if a hole follows, the hole up to the next
 * segment. The head always moves (callers rely on it to see progress):
 * every error leaves a view of at least one byte or a hole to skip.
 */
static enum parse_result resync(struct http1_parser *p, struct stream *s)
{
	struct byte_view v = stream__view(s);
	uint64_t head0 = s->head;
	size_t i, any = v.len;

	for (i = 1; i < v.len; i++) {
		bool bol = v.data[i - 1] == '\n';

		if (!bol && any != v.len)
			continue;
		if (!http1_plausible_start(v.data + i, v.len - i, p->kind))
			continue;
		if (bol)
			break;
		any = i;
	}
	if (i >= v.len)
		i = any;
	stream__consume(s, i);
	if (i == v.len && v.hole_after)
		stream__skip_to_next_seg(s);
	STAT_INC(p, skipped_bytes, s->head - head0);
	STAT_INC(p, invalid, 1);
	memset(&p->cur, 0, sizeof(p->cur));
	p->state = HTTP1_ST_HEAD;
	p->remaining = 0;
	return PARSE_INVALID;
}

/*
 * A chunk-size or trailer line is in a hole (a read larger than the
 * snapshot cap, or a lost event): the body's framing is gone. HTTP/1
 * messages on a connection follow one another, so the body ends where the
 * next message begins; frame it that way rather than dropping a message
 * and pairing every later response with the wrong request.
 */
static int framing_lost(struct http1_parser *p)
{
	STAT_INC(p, framing_lost, 1);
	p->cur.flags |= HTTP1_F_FRAMING_LOST;
	p->state = HTTP1_ST_BODY_LOST;
	p->remaining = 0;
	return STEP_AGAIN;
}

static int st_body_lost(struct http1_parser *p, struct stream *s,
			struct http1_msg *ret_msg)
{
	struct byte_view v = stream__view(s);
	uint64_t n;
	size_t i;

	if (!v.len) {
		if (!v.hole_after)
			return PARSE_NEED_MORE;
		/* the hole is body, up to where the next event starts */
		n = stream__next_seg_pos(s) - s->head;
		if (!n)
			return PARSE_NEED_MORE;
		msg_consume(p, s, n);
		return STEP_AGAIN;
	}
	if (stream__at_seg_start(s) &&
	    http1_plausible_start(v.data, v.len, p->kind))
		return msg_done(p, ret_msg);
	for (i = 1; i < v.len; i++)
		if (v.data[i - 1] == '\n' &&
		    http1_plausible_start(v.data + i, v.len - i, p->kind))
			break;
	msg_consume(p, s, i);
	if (i < v.len)
		return msg_done(p, ret_msg);
	return STEP_AGAIN;
}

static bool response_has_body(const struct http1_msg *m, bool no_body)
{
	if (m->kind != HTTP1_RESPONSE)
		return true;
	if (no_body || m->status / 100 == 1 || m->status == 204 ||
	    m->status == 304)
		return false;
	return true;
}

static int st_head(struct http1_parser *p, struct stream *s, bool no_body,
		   struct http1_msg *ret_msg)
{
	struct byte_view v;
	enum parse_result r;
	enum head_err err;
	size_t head_len = 0, n;

	for (;;) {
		v = stream__view(s);
		if (v.len)
			break;
		/* head in a hole between messages: nothing to frame there */
		if (!v.hole_after)
			return PARSE_NEED_MORE;
		n = s->head;
		stream__skip_to_next_seg(s);
		STAT_INC(p, skipped_bytes, s->head - n);
	}

	/* RFC 9112 2.2: empty lines before a message are ignored */
	for (n = 0; n < v.len && (v.data[n] == '\r' || v.data[n] == '\n');)
		n++;
	if (n) {
		stream__consume(s, n);
		p->remaining = 0;
		return STEP_AGAIN;
	}

	/*
	 * A head trickling in would be parsed again from its start on each
	 * call. p->remaining holds how much of the view an earlier call
	 * found fine but incomplete: until new bytes end a line (or a hole
	 * or the bound makes the head hopeless), nothing can change.
	 */
	if (p->remaining && p->remaining <= v.len && !v.hole_after &&
	    v.len < HTTP1_HEAD_MAX &&
	    !memchr(v.data + p->remaining, '\n', v.len - p->remaining))
		return PARSE_NEED_MORE;
	p->remaining = 0;

	r = http1_parse_head_raw(v.data, v.len, p->kind, &p->cur, &head_len, &err);
	if (r == PARSE_NEED_MORE) {
		if (v.hole_after)
			STAT_INC(p, head_in_hole, 1);
		else if (v.len >= HTTP1_HEAD_MAX)
			STAT_INC(p, head_too_long, 1);
		else {
			p->remaining = v.len;
			return PARSE_NEED_MORE;
		}
		return resync(p, s);
	}
	if (r == PARSE_INVALID) {
		if (err == HEAD_ERR_LENGTH)
			STAT_INC(p, bad_length, 1);
		else if (err == HEAD_ERR_TOO_LONG)
			STAT_INC(p, head_too_long, 1);
		return resync(p, s);
	}

	p->cur.start_pos = s->head;
	stream__ts_at(s, s->head, &p->cur.start_ts, &p->cur.start_tid);
	if (p->cur.flags & HTTP1_F_TE_AND_CL)
		STAT_INC(p, te_and_cl, 1);
	if (!response_has_body(&p->cur, no_body))
		p->cur.body = HTTP1_BODY_NONE;
	msg_consume(p, s, head_len);

	switch (p->cur.body) {
	case HTTP1_BODY_LENGTH:
		if (!p->cur.content_length)
			return msg_done(p, ret_msg);
		p->remaining = p->cur.content_length;
		p->state = HTTP1_ST_BODY_LENGTH;
		break;
	case HTTP1_BODY_CHUNKED:
		p->state = HTTP1_ST_CHUNK_SIZE;
		break;
	case HTTP1_BODY_UNTIL_CLOSE:
		p->state = HTTP1_ST_UNTIL_CLOSE;
		break;
	default:
		return msg_done(p, ret_msg);
	}
	return STEP_AGAIN;
}

/*
 * Skip p->remaining positions of body or chunk data. True when all of them
 * are gone.
 */
static bool skip_remaining(struct http1_parser *p, struct stream *s)
{
	uint64_t avail = s->end - s->head;
	uint64_t n = avail < p->remaining ? avail : p->remaining;

	msg_consume(p, s, n);
	p->remaining -= n;
	return !p->remaining;
}

/*
 * chunk-size [ chunk-ext ] CRLF, with chunk-ext = *( BWS ";" ... ). The
 * extensions are only checked for control characters.
 */
static enum line_res check_chunk_line(const uint8_t *s, size_t n,
				      bool complete, uint64_t *ret_size)
{
	uint64_t v = 0;
	size_t i = 0;
	int d;

	while (i < n && (d = ascii__hex_value(s[i])) >= 0) {
		if (v > (HTTP1_LENGTH_LIMIT - (uint64_t)d) / 16)
			return LINE_BAD;
		v = v * 16 + (uint64_t)d;
		i++;
	}
	if (!i)
		return n || complete ? LINE_BAD : LINE_MORE;
	while (i < n && ascii__is_ows(s[i]))
		i++;
	if (i < n && s[i] != ';')
		return LINE_BAD;
	for (; i < n; i++)
		if (!is_field_char(s[i]))
			return LINE_BAD;
	*ret_size = v;
	return complete ? LINE_OK : LINE_MORE;
}

static int st_chunk_size(struct http1_parser *p, struct stream *s)
{
	struct byte_view v = stream__view(s);
	const uint8_t *nl = find_lf(v.data, v.len, HTTP1_CHUNK_LINE_MAX + 1);
	size_t n = nl ? (size_t)(nl - v.data) : v.len;
	uint64_t size = 0;
	enum line_res r;

	if (n > HTTP1_CHUNK_LINE_MAX)
		r = LINE_BAD;
	else
		r = check_chunk_line(v.data, line_content(v.data, n), nl,
				     &size);
	if (r == LINE_MORE && !v.hole_after && v.len < HTTP1_CHUNK_LINE_MAX)
		return PARSE_NEED_MORE;
	if (r == LINE_MORE && v.hole_after)
		return framing_lost(p);
	if (r != LINE_OK) {
		STAT_INC(p, bad_chunk, 1);
		return resync(p, s);
	}
	msg_consume(p, s, n + 1);
	if (size) {
		p->remaining = size;
		p->state = HTTP1_ST_CHUNK_DATA;
	} else {
		p->remaining = 0; /* trailer lines seen */
		p->state = HTTP1_ST_TRAILERS;
	}
	return STEP_AGAIN;
}

static int st_chunk_crlf(struct http1_parser *p, struct stream *s)
{
	struct byte_view v = stream__view(s);

	if (v.len && v.data[0] == '\n') {
		msg_consume(p, s, 1);
	} else if (v.len >= 2 && v.data[0] == '\r' && v.data[1] == '\n') {
		msg_consume(p, s, 2);
	} else if (v.len >= 2 || (v.len == 1 && v.data[0] != '\r')) {
		STAT_INC(p, bad_chunk, 1);
		return resync(p, s);
	} else if (!v.hole_after) {
		return PARSE_NEED_MORE;
	} else {
		/* not captured: trust the framing and take it as CRLF */
		if (s->end - s->head < 2)
			return PARSE_NEED_MORE;
		msg_consume(p, s, 2);
	}
	p->state = HTTP1_ST_CHUNK_SIZE;
	return STEP_AGAIN;
}

static int st_trailers(struct http1_parser *p, struct stream *s,
		       struct http1_msg *ret_msg)
{
	struct byte_view v = stream__view(s);
	const uint8_t *nl = find_lf(v.data, v.len, HTTP1_HEAD_MAX);
	size_t n = nl ? (size_t)(nl - v.data) : v.len;
	size_t c, colon = 0;
	enum line_res r;

	if (n > HTTP1_HEAD_MAX)
		n = HTTP1_HEAD_MAX;
	c = line_content(v.data, n);
	if (nl && !c) {
		msg_consume(p, s, n + 1);
		return msg_done(p, ret_msg);
	}
	r = http1_check_field_line(v.data, c, nl, &colon);
	if (r == LINE_MORE && !v.hole_after && v.len < HTTP1_HEAD_MAX)
		return PARSE_NEED_MORE;
	if (r == LINE_MORE && v.hole_after)
		return framing_lost(p);
	if (r != LINE_OK || ++p->remaining > HTTP1_MAX_HEADERS) {
		STAT_INC(p, bad_chunk, 1);
		return resync(p, s);
	}
	msg_consume(p, s, n + 1);
	return STEP_AGAIN;
}

enum parse_result http1_parser__next(struct http1_parser *p, struct stream *s,
				     bool no_body, struct http1_msg *ret_msg)
{
	int r;

	for (;;) {
		switch (p->state) {
		case HTTP1_ST_HEAD:
			r = st_head(p, s, no_body, ret_msg);
			break;
		case HTTP1_ST_BODY_LENGTH:
			if (!skip_remaining(p, s))
				return PARSE_NEED_MORE;
			return msg_done(p, ret_msg);
		case HTTP1_ST_CHUNK_SIZE:
			r = st_chunk_size(p, s);
			break;
		case HTTP1_ST_CHUNK_DATA:
			if (!skip_remaining(p, s))
				return PARSE_NEED_MORE;
			p->state = HTTP1_ST_CHUNK_DATA_CRLF;
			continue;
		case HTTP1_ST_CHUNK_DATA_CRLF:
			r = st_chunk_crlf(p, s);
			break;
		case HTTP1_ST_TRAILERS:
			r = st_trailers(p, s, ret_msg);
			break;
		case HTTP1_ST_UNTIL_CLOSE:
			msg_consume(p, s, s->end - s->head);
			return PARSE_NEED_MORE;
		case HTTP1_ST_BODY_LOST:
			r = st_body_lost(p, s, ret_msg);
			break;
		default:
			stream__consume(s, s->end - s->head);
			return PARSE_NEED_MORE;
		}
		if (r != STEP_AGAIN)
			return (enum parse_result)r;
	}
}

enum parse_result http1_parser__finish(struct http1_parser *p,
				       struct stream *s,
				       struct http1_msg *ret_msg)
{
	switch (p->state) {
	case HTTP1_ST_HEAD:
		p->remaining = 0;
		return PARSE_NEED_MORE;
	case HTTP1_ST_UPGRADED:
		stream__consume(s, s->end - s->head);
		return PARSE_NEED_MORE;
	case HTTP1_ST_UNTIL_CLOSE:
	case HTTP1_ST_BODY_LOST: /* it ran until the close, as far as we know */
		msg_consume(p, s, s->end - s->head);
		break;
	default:
		msg_consume(p, s, s->end - s->head);
		p->cur.flags |= HTTP1_F_TRUNCATED;
		break;
	}
	return msg_done(p, ret_msg);
}
