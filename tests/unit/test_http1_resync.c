// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Tests of user/proto/http1.c when the stream is not clean: garbage, holes
 * left by the snapshot cap or lost events, truncated heads and bodies, and
 * resynchronisation, which must always move forward.
 */
#include <stdlib.h>
#include <string.h>

#include "http1_feed.h"
#include "test.h"

TEST(http1_garbage_then_request)
{
	struct feed f;
	const char *junk = "\x16\x03\x01\x02\x05 hello GETaway\r\nGE";
	const char *req = "GET /ok HTTP/1.1\r\nHost: a\r\n\r\n";
	char buf[256];

	snprintf(buf, sizeof(buf), "%s%s", junk, req);
	feed_one(&f, HTTP1_REQUEST, buf);
	ASSERT_EQ(f.ninvalid, 1);
	ASSERT_EQ(f.st.invalid, 1);
	ASSERT_EQ(f.st.skipped_bytes, strlen(junk));
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_STREQ(f.msgs[0].target, "/ok");
	ASSERT_EQ(f.msgs[0].start_pos, strlen(junk));

	/* the start of the next request waits at the end of the garbage */
	feed_init(&f, HTTP1_REQUEST);
	feed_str(&f, "\x01\x02garbage\r\nGE", 1);
	ASSERT_EQ(f.ninvalid, 1);
	feed_str(&f, "T / HTTP/1.1\r\n\r\n", 2);
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_EQ(f.msgs[0].start_ts, 1);
	ASSERT_EQ(f.msgs[0].end_ts, 2);
	feed_free(&f);

	/* responses resync on "HTTP/1." */
	feed_one(&f, HTTP1_RESPONSE,
		 "<html>oops</html>\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
		 "\r\n");
	ASSERT_EQ(f.ninvalid, 1);
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_EQ(f.msgs[0].start_pos, 18);

	/* garbage only, no start anywhere: all of it goes */
	feed_one(&f, HTTP1_REQUEST, "not http at all\r\n\r\n");
	ASSERT_EQ(f.nmsgs, 0);
	ASSERT_EQ(f.s.head, f.s.end);
	ASSERT_EQ(f.st.skipped_bytes, f.s.end);
}

/* Leading empty lines before a request are ignored (RFC 9112 2.2). */
TEST(http1_leading_crlf)
{
	struct feed f;

	feed_one(&f, HTTP1_REQUEST,
		 "POST /a HTTP/1.1\r\nContent-Length: 1\r\n\r\nx\r\n"
		 "GET /b HTTP/1.1\r\n\r\n");
	ASSERT_EQ(f.ninvalid, 0);
	ASSERT_EQ(f.nmsgs, 2);
	ASSERT_STREQ(f.msgs[1].target, "/b");
	ASSERT_EQ(f.msgs[1].start_pos, f.msgs[0].end_pos + 2);
}

TEST(http1_truncated_body_snapshot)
{
	struct feed f;
	const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
	char buf[512];
	size_t hl = strlen(r), n;

	n = (size_t)snprintf(buf, sizeof(buf), "%s%0100d", r, 0);
	/* captured up to 10 body bytes; 100 moved */
	feed_init(&f, HTTP1_RESPONSE);
	feed_seg(&f, 0, buf, (uint32_t)hl + 10, n, 5, 6);
	ASSERT_EQ(f.ninvalid, 0);
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_EQ(f.msgs[0].end_pos, n);
	ASSERT_EQ(f.msgs[0].end_ts, 5);
	/* and the next one, after the hole */
	feed_str(&f, "HTTP/1.1 204 No Content\r\n\r\n", 7);
	ASSERT_EQ(f.nmsgs, 2);
	ASSERT_EQ(f.msgs[1].start_pos, n);
	ASSERT_EQ(f.msgs[1].start_ts, 7);
	feed_free(&f);

	/* a body spanning events, the middle one lost */
	feed_init(&f, HTTP1_RESPONSE);
	feed_seg(&f, 0, buf, (uint32_t)hl + 20, hl + 20, 1, 1);
	feed_seg(&f, hl + 50, buf + hl + 50, 50, 50, 3, 3);
	ASSERT_EQ(f.s.stats.gaps, 1);
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_EQ(f.msgs[0].end_pos, n);
	ASSERT_EQ(f.msgs[0].end_ts, 3);
	feed_free(&f);
}

TEST(http1_truncated_head_snapshot)
{
	struct feed f;
	const char *r1 = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
	const char *r2 = "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n";

	feed_init(&f, HTTP1_RESPONSE);
	feed_seg(&f, 0, r1, 12, strlen(r1), 1, 1);
	ASSERT_EQ(f.ninvalid, 1);
	ASSERT_EQ(f.st.head_in_hole, 1);
	ASSERT_EQ(f.st.invalid, 1);
	ASSERT_EQ(f.nmsgs, 0);
	feed_str(&f, r2, 2);
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_EQ(f.msgs[0].status, 202);
	ASSERT_EQ(f.msgs[0].start_pos, strlen(r1));
	ASSERT_EQ(f.ninvalid, 1);
	feed_free(&f);

	/* the same with both segments there before the parser runs */
	feed_init(&f, HTTP1_RESPONSE);
	stream__push(&f.s, 0, (const uint8_t *)r1, 12, strlen(r1), 1, 1);
	feed_seg(&f, strlen(r1), r2, (uint32_t)strlen(r2), strlen(r2), 2, 2);
	ASSERT_EQ(f.ninvalid, 1);
	ASSERT_EQ(f.st.head_in_hole, 1);
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_EQ(f.msgs[0].status, 202);
	feed_free(&f);

	/* a head cut by a lost event */
	feed_init(&f, HTTP1_REQUEST);
	feed_str(&f, "GET /lost HTTP/1.1\r\nHos", 1);
	feed_seg(&f, f.s.end + 10, "GET /x HTTP/1.1\r\n\r\n", 19, 19, 2, 2);
	ASSERT_EQ(f.st.head_in_hole, 1);
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_STREQ(f.msgs[0].target, "/x");
	feed_free(&f);
}

TEST(http1_chunks_and_holes)
{
	struct feed f;
	const char *h = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	const char *c1 = "8\r\n01234567\r\n";
	const char *c2 = "0\r\n\r\n";
	size_t hl = strlen(h), l1 = strlen(c1);

	/* chunk data and its CRLF not captured: skipped by position */
	feed_init(&f, HTTP1_RESPONSE);
	feed_str(&f, h, 1);
	feed_seg(&f, hl, c1, 5, l1, 2, 2);
	feed_seg(&f, hl + l1, c2, 5, 5, 3, 3);
	ASSERT_EQ(f.ninvalid, 0);
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_EQ(f.msgs[0].end_pos, hl + l1 + 5);
	ASSERT_EQ(f.msgs[0].end_ts, 3);
	feed_free(&f);

	/*
	 * A chunk-size line in the hole: the framing is lost, so the body
	 * runs until the next message begins (at the next event's start).
	 */
	feed_init(&f, HTTP1_RESPONSE);
	feed_str(&f, h, 1);
	feed_seg(&f, hl, c1, 1, l1, 2, 2);
	ASSERT_EQ(f.st.framing_lost, 1);
	ASSERT_EQ(f.st.bad_chunk, 0);
	ASSERT_EQ(f.ninvalid, 0);
	ASSERT_EQ(f.nmsgs, 0);
	/* body bytes at an event start that are not a head stay body */
	feed_seg(&f, hl + l1, "more body\n", 10, 10, 3, 3);
	ASSERT_EQ(f.nmsgs, 0);
	feed_str(&f, "HTTP/1.1 204 No Content\r\n\r\n", 4);
	ASSERT_EQ(f.nmsgs, 2);
	ASSERT_EQ(f.msgs[0].status, 200);
	ASSERT_TRUE(f.msgs[0].flags & HTTP1_F_FRAMING_LOST);
	ASSERT_EQ(f.msgs[0].end_pos, hl + l1 + 10);
	ASSERT_EQ(f.msgs[0].end_ts, 3);
	ASSERT_EQ(f.msgs[1].status, 204);
	ASSERT_EQ(f.msgs[1].start_pos, hl + l1 + 10);
	feed_free(&f);

	/* ... and a close ends it like a body that runs until close */
	feed_init(&f, HTTP1_RESPONSE);
	feed_str(&f, h, 1);
	feed_seg(&f, hl, c1, 1, l1, 2, 2);
	ASSERT_EQ(http1_parser__finish(&f.p, &f.s, &f.msgs[0]), PARSE_OK);
	ASSERT_EQ(f.msgs[0].end_pos, hl + l1);
	ASSERT_EQ(f.msgs[0].end_ts, 2);
	ASSERT_TRUE(!(f.msgs[0].flags & HTTP1_F_TRUNCATED));
	feed_free(&f);
}

TEST(http1_gap_between_messages)
{
	struct feed f;

	feed_init(&f, HTTP1_REQUEST);
	feed_str(&f, "GET /1 HTTP/1.1\r\n\r\n", 1);
	feed_seg(&f, f.s.end + 19, "GET /3 HTTP/1.1\r\n\r\n", 19, 19, 3, 3);
	ASSERT_EQ(f.nmsgs, 2);
	ASSERT_STREQ(f.msgs[1].target, "/3");
	ASSERT_EQ(f.msgs[1].start_pos, 38);
	ASSERT_EQ(f.ninvalid, 0);
	ASSERT_EQ(f.st.skipped_bytes, 19);
	feed_free(&f);
}

/* The parser never reads the stream it was not given: stats may be NULL. */
TEST(http1_null_stats)
{
	struct stream s;
	struct http1_parser p;
	struct http1_msg m;
	const char *junk = "junk\r\nGET / HTTP/1.1\r\n\r\n";

	ASSERT_EQ(stream__init(&s, 0), 0);
	http1_parser__init(&p, HTTP1_REQUEST, NULL);
	stream__push(&s, 0, (const uint8_t *)junk, (uint32_t)strlen(junk),
		     strlen(junk), 1, 1);
	ASSERT_EQ(http1_parser__next(&p, &s, false, &m), PARSE_INVALID);
	ASSERT_EQ(http1_parser__next(&p, &s, false, &m), PARSE_OK);
	ASSERT_EQ(http1_parser__next(&p, &s, false, &m), PARSE_NEED_MORE);
	stream__free(&s);
}

/* The CRLF after chunk data: CR the last, uncaptured, position of one
 * event, LF the first of the next. */
TEST(http1_chunk_crlf_across_hole)
{
	struct feed f;
	const char *h = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	const char *c1 = "8\r\n01234567\r";
	size_t hl = strlen(h);

	feed_init(&f, HTTP1_RESPONSE);
	feed_str(&f, h, 1);
	feed_seg(&f, hl, c1, 5, strlen(c1), 2, 2);
	ASSERT_EQ(f.p.state, HTTP1_ST_CHUNK_DATA_CRLF);
	feed_str(&f, "\n0\r\n\r\n", 3);
	ASSERT_EQ(f.ninvalid, 0);
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_EQ(f.msgs[0].end_pos, f.s.end);
	feed_free(&f);
}

/* Resync prefers a start at a line start over one glued to garbage. */
TEST(http1_resync_prefers_line_start)
{
	struct feed f;

	feed_one(&f, HTTP1_REQUEST,
		 "xxGET /fake HTTP/1.1\r\nGET /real HTTP/1.1\r\n\r\n");
	ASSERT_EQ(f.ninvalid, 1);
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_STREQ(f.msgs[0].target, "/real");
	ASSERT_EQ(f.st.skipped_bytes, 22);
}

/* After INVALID the head is already at the next boundary (proto.h). */
TEST(http1_resync_moves_head)
{
	struct stream s;
	struct http1_parser p;
	struct http1_stats st = { 0 };
	struct http1_msg m;
	const char *r1 = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

	ASSERT_EQ(stream__init(&s, 0), 0);
	http1_parser__init(&p, HTTP1_RESPONSE, &st);
	stream__push(&s, 0, (const uint8_t *)r1, 12, strlen(r1), 1, 1);
	stream__push(&s, 100, (const uint8_t *)"HTTP/1.1 200 OK\r\n", 17, 17,
		     2, 2);
	ASSERT_EQ(http1_parser__next(&p, &s, false, &m), PARSE_INVALID);
	ASSERT_EQ(s.head, 100);
	ASSERT_EQ(st.skipped_bytes, 100);
	ASSERT_EQ(http1_parser__next(&p, &s, false, &m), PARSE_NEED_MORE);
	ASSERT_EQ(st.invalid, 1);
	stream__free(&s);
}

/*
 * A head trickling in a byte at a time is only looked at again when a
 * line ends: still right, garbage still refused once its line is whole.
 */
TEST(http1_trickling_head)
{
	static char line[20000];
	struct feed f;
	char c;

	feed_init(&f, HTTP1_REQUEST);
	feed_str(&f, "GET / HTTP/1.1\r\nX-Big: ", 1);
	memset(line, 'v', sizeof(line) - 1);
	for (size_t i = 0; i < sizeof(line) - 1; i++)
		feed_seg(&f, f.s.end, &line[i], 1, 1, 2 + i, 2);
	ASSERT_EQ(f.nmsgs + f.ninvalid, 0);
	feed_str(&f, "\r\n", 30000);
	feed_str(&f, "\r", 30001);
	ASSERT_EQ(f.nmsgs, 0);
	feed_str(&f, "\n", 30002);
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_EQ(f.msgs[0].start_ts, 1);
	ASSERT_EQ(f.msgs[0].end_ts, 30002);
	ASSERT_EQ(f.msgs[0].end_pos, f.s.end);

	feed_str(&f, "GET / HTTP/1.1\r\nHost: a", 1);
	c = 1;
	feed_seg(&f, f.s.end, &c, 1, 1, 2, 2);
	feed_str(&f, "b\r\n", 3);
	ASSERT_EQ(f.ninvalid, 1);
	ASSERT_EQ(f.nmsgs, 1);
	feed_free(&f);
}

/* Every INVALID moves the head, body errors included (callers rely on it). */
TEST(http1_invalid_always_moves)
{
	static const char *const streams[] = {
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"3\r\nabcHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"0\r\nbad trailer\r\nHTTP/1.1 200 OK\r\n\r\n",
		"xHTTP/1.1 200 OK\r\n\r\n",
	};
	struct stream s;
	struct http1_parser p;
	struct http1_msg m;

	for (size_t k = 0; k < sizeof(streams) / sizeof(streams[0]); k++) {
		size_t n = strlen(streams[k]);
		int invalid = 0;

		ASSERT_EQ(stream__init(&s, 0), 0);
		http1_parser__init(&p, HTTP1_RESPONSE, NULL);
		stream__push(&s, 0, (const uint8_t *)streams[k], (uint32_t)n, n,
			     1, 1);
		for (int i = 0; i < 20; i++) {
			uint64_t before = s.head;
			enum parse_result r = http1_parser__next(&p, &s, false,
								 &m);

			if (r == PARSE_NEED_MORE)
				break;
			if (r == PARSE_INVALID)
				invalid++;
			ASSERT_TRUE(s.head > before);
		}
		stream__free(&s);
		ASSERT_EQ(invalid, 1);
	}
}
