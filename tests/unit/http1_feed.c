// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Helpers shared by the HTTP/1 tests, see http1_feed.h. */
#include <stdlib.h>
#include <string.h>

#include "http1_feed.h"

void feed_init(struct feed *f, enum http1_kind kind)
{
	memset(f, 0, sizeof(*f));
	if (stream__init(&f->s, 0))
		abort();
	http1_parser__init(&f->p, kind, &f->st);
}

void feed_free(struct feed *f)
{
	stream__free(&f->s);
}

void feed_keep(struct feed *f, const struct http1_msg *m)
{
	if (f->nmsgs < MAX_MSGS)
		f->msgs[f->nmsgs] = *m;
	f->nmsgs++;
}

/* Run the parser until it wants more; a bound catches a stuck parser. */
void feed_drain(struct feed *f)
{
	struct http1_msg m;

	for (int i = 0; i < 100000; i++) {
		enum parse_result r = http1_parser__next(&f->p, &f->s,
							 f->no_body, &m);

		if (r == PARSE_NEED_MORE)
			return;
		if (r == PARSE_OK)
			feed_keep(f, &m);
		else
			f->ninvalid++;
	}
	abort();
}

void feed_seg(struct feed *f, uint64_t pos, const void *data,
		     uint32_t cap_len, uint64_t len, uint64_t ts,
		     uint32_t tid)
{
	if (stream__push(&f->s, pos, data, cap_len, len, ts, tid))
		abort();
	feed_drain(f);
}

/* Append a fully captured segment at the stream's end. */
void feed_str(struct feed *f, const char *str, uint64_t ts)
{
	size_t n = strlen(str);

	feed_seg(f, f->s.end, str, (uint32_t)n, n, ts, (uint32_t)ts);
}

void feed_finish(struct feed *f)
{
	struct http1_msg m;

	if (http1_parser__finish(&f->p, &f->s, &m) == PARSE_OK)
		feed_keep(f, &m);
}

/* parse_head on a whole head; a head_len short of it is a failure too. */
int parse_str(const char *str, enum http1_kind kind,
		     struct http1_msg *m)
{
	size_t hl = 0;
	int r;

	r = http1__parse_head((const uint8_t *)str, strlen(str), kind, m, &hl);
	if (r == PARSE_OK && hl != strlen(str))
		return PARSE_INVALID + 10; /* tests pass whole heads */
	return r;
}

int parse_req(const char *str, struct http1_msg *m)
{
	return parse_str(str, HTTP1_REQUEST, m);
}

int parse_resp(const char *str, struct http1_msg *m)
{
	return parse_str(str, HTTP1_RESPONSE, m);
}

/* Feed one response stream whole; count what came out. */
void feed_one(struct feed *f, enum http1_kind kind, const char *str)
{
	feed_init(f, kind);
	feed_str(f, str, 1);
	feed_free(f);
}
