// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libFuzzer target for the HTTP/1 head parser and the stream framing.
 *
 * Each input is parsed as a head of both kinds, then framed through a
 * stream by a request and a response parser, twice:
 *
 *  - the whole input is the payload, cut into segments by a PRNG seeded
 *    from the input, so plain HTTP seeds are useful as they are;
 *  - for inputs longer than 1 + NCTL bytes, byte 0 holds options, the next
 *    NCTL bytes steer segmentation (one per segment, round robin) and the
 *    rest is the payload, so the fuzzer can place holes where it likes.
 *
 * A steering byte gives a segment length and a mode: fully captured, half
 * captured, nothing captured, preceded by a lost event, or overlapping
 * what came before. Besides the sanitizers, invariants of the results are
 * checked with abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/http1.h"
#include "stream.h"

#define NCTL 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s, size_t size)
{
	if (!memchr(s, '\0', size))
		abort();
}

static void check_msg(const struct http1_msg *m, enum http1_kind kind)
{
	if (m->kind != kind)
		abort();
	check_str(m->method, sizeof(m->method));
	check_str(m->target, sizeof(m->target));
	check_str(m->host, sizeof(m->host));
	check_str(m->user_agent, sizeof(m->user_agent));
	check_str(m->traceparent, sizeof(m->traceparent));
	check_str(m->tracestate, sizeof(m->tracestate));
	if (m->version_minor > 1 || m->body > HTTP1_BODY_UNTIL_CLOSE)
		abort();
	if (kind == HTTP1_RESPONSE && (m->status < 100 || m->status > 999))
		abort();
	if (m->body == HTTP1_BODY_LENGTH && m->content_length > (1ull << 62))
		abort();
}

static void check_head(const uint8_t *data, size_t size, enum http1_kind kind)
{
	struct http1_msg m;
	size_t hl = 0;

	if (http1__parse_head(data, size, kind, &m, &hl) != PARSE_OK)
		return;
	if (!hl || hl > size || hl > HTTP1_HEAD_MAX || m.head_len != hl)
		abort();
	/* a head ends with an empty line */
	if (data[hl - 1] != '\n')
		abort();
	check_msg(&m, kind);
}

/* Where segmentation decisions come from. */
struct steer {
	const uint8_t *ctl;
	size_t nctl; /* 0: use rng */
	uint64_t rng;
	uint8_t opt; /* bit 1: no_body on odd segments; bit 2: small max */
};

static uint8_t steer__next(struct steer *st, size_t seg)
{
	if (st->nctl)
		return st->ctl[seg % st->nctl];
	st->rng ^= st->rng << 13;
	st->rng ^= st->rng >> 7;
	st->rng ^= st->rng << 17;
	return (uint8_t)(st->rng >> 24);
}

struct run {
	struct stream s;
	struct http1_parser p;
	struct http1_stats st;
	enum http1_kind kind;
	uint64_t last_end; /* where the previous message ended */
	uint64_t results; /* OK and INVALID returns */
};

static void got_msg(struct run *r, const struct http1_msg *m)
{
	check_msg(m, r->kind);
	if (m->end_pos <= m->start_pos || m->start_pos < r->last_end ||
	    m->end_pos > r->s.end || m->start_ts > m->end_ts ||
	    m->end_pos - m->start_pos < m->head_len || !m->head_len)
		abort();
	r->last_end = m->end_pos;
}

static void drain(struct run *r, bool no_body)
{
	struct http1_msg m;
	enum parse_result res;
	uint64_t before;

	for (;;) {
		before = r->s.head;
		res = http1_parser__next(&r->p, &r->s, no_body, &m);
		if (r->s.head > r->s.end || r->s.nsegs > STREAM_MAX_SEGS)
			abort();
		if (res == PARSE_NEED_MORE)
			return;
		/*
		 * OK and INVALID move the head, so no caller loops. One
		 * exception: a body whose framing was lost ends where the next
		 * message starts, possibly seen only after its bytes were all
		 * consumed; the parser is then back at a head, which the next
		 * call must consume.
		 */
		if (r->s.head == before &&
		    !(res == PARSE_OK && (m.flags & HTTP1_F_FRAMING_LOST) &&
		      r->p.state == HTTP1_ST_HEAD))
			abort();
		r->results++;
		if (res == PARSE_OK)
			got_msg(r, &m);
		else if (res != PARSE_INVALID)
			abort();
	}
}

static void run_stream(struct steer *st, const uint8_t *pl, size_t n,
		       enum http1_kind kind)
{
	struct run r;
	struct http1_msg m;
	size_t off = 0, seg = 0;
	uint64_t pos = 0;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	if (stream__init(&r.s, (st->opt & 4) ? 64 + (st->opt >> 3) * 8 : 0))
		return;
	http1_parser__init(&r.p, kind, &r.st);

	while (off < n) {
		uint8_t c = steer__next(st, seg);
		uint64_t len = 1 + (c & 0x1f) * 3;
		uint8_t mode = c >> 5;
		uint32_t cap;

		if (mode == 6) {
			/* a lost event: its bytes never arrive */
			size_t lost = 1 + (c & 7);

			if (lost >= n - off)
				break;
			off += lost;
			pos += lost;
		} else if (mode == 7 && off) {
			/* bytes already seen again, and a few new ones */
			size_t back = 1 + (c & 3);

			if (back > off)
				back = off;
			off -= back;
			pos -= back;
			len = back + 1 + ((c >> 2) & 3);
		}
		if (len > n - off)
			len = n - off;
		cap = (uint32_t)len;
		if (mode == 4)
			cap /= 2;
		else if (mode == 5)
			cap = 0;
		if (stream__push(&r.s, pos, pl + off, cap, len, seg + 1,
				 (uint32_t)seg))
			abort();
		off += len;
		pos += len;
		seg++;
		drain(&r, (st->opt & 2) && (seg & 1));
	}
	if (http1_parser__finish(&r.p, &r.s, &m) == PARSE_OK) {
		got_msg(&r, &m);
		r.results++;
	}
	if (r.st.messages + r.st.invalid != r.results)
		abort();
	stream__free(&r.s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct steer st = { .rng = 0x9e3779b97f4a7c15ull };
	size_t i;

	check_head(data, size, HTTP1_REQUEST);
	check_head(data, size, HTTP1_RESPONSE);
	http1__looks_like_request(data, size);
	http1__looks_like_response(data, size);

	for (i = 0; i < size; i++)
		st.rng = (st.rng ^ data[i]) * 0x100000001b3ull;
	st.rng |= 1;
	st.opt = (uint8_t)st.rng & 2;
	run_stream(&st, data, size, HTTP1_REQUEST);
	run_stream(&st, data, size, HTTP1_RESPONSE);

	if (size <= 1 + NCTL)
		return 0;
	st.opt = data[0];
	st.ctl = data + 1;
	st.nctl = NCTL;
	run_stream(&st, data + 1 + NCTL, size - 1 - NCTL, HTTP1_REQUEST);
	run_stream(&st, data + 1 + NCTL, size - 1 - NCTL, HTTP1_RESPONSE);
	return 0;
}
