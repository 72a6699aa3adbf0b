// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Tests of user/proto/http1.c: framing over streams, split at every point,
 * bodies, chunks, holes and resynchronisation.
 */
#include <stdlib.h>
#include <string.h>

#include "http1_feed.h"
#include "test.h"

/* ---- split everywhere ------------------------------------------------- */

struct want {
	const char *method;
	const char *target;
	int status;
	uint64_t start, end;
	int body;
};

/*
 * Feed data cut at the positions in cuts[] (segment j gets ts 100 * (j + 1)
 * and tid j + 1), then finish, and compare with want[]: fields, positions,
 * and the times of the segments holding the first and the last byte.
 */
static void check_split(enum http1_kind kind, const char *data,
			const size_t *cuts, int ncuts, const struct want *w,
			int nw)
{
	struct feed f;
	size_t n = strlen(data), from = 0;
	int seg_of[4096];

	if (n > 4096)
		abort();
	feed_init(&f, kind);
	for (int j = 0; j <= ncuts; j++) {
		size_t to = j < ncuts ? cuts[j] : n;

		for (size_t i = from; i < to; i++)
			seg_of[i] = j;
		if (to > from)
			feed_seg(&f, from, data + from, (uint32_t)(to - from),
				 to - from, 100 * (uint64_t)(j + 1),
				 (uint32_t)j + 1);
		from = to;
	}
	feed_finish(&f);
	feed_free(&f);

	ASSERT_EQ(f.ninvalid, 0);
	ASSERT_EQ(f.nmsgs, nw);
	ASSERT_EQ(f.st.messages, nw);
	for (int i = 0; i < nw; i++) {
		const struct http1_msg *m = &f.msgs[i];

		ASSERT_EQ(m->kind, kind);
		if (w[i].method)
			ASSERT_STREQ(m->method, w[i].method);
		if (w[i].target)
			ASSERT_STREQ(m->target, w[i].target);
		ASSERT_EQ(m->status, w[i].status);
		ASSERT_EQ(m->body, w[i].body);
		ASSERT_EQ(m->start_pos, w[i].start);
		ASSERT_EQ(m->end_pos, w[i].end);
		ASSERT_EQ(m->start_ts, 100 * (seg_of[w[i].start] + 1));
		ASSERT_EQ(m->start_tid, seg_of[w[i].start] + 1);
		ASSERT_EQ(m->end_ts, 100 * (seg_of[w[i].end - 1] + 1));
		ASSERT_EQ(m->end_tid, seg_of[w[i].end - 1] + 1);
		ASSERT_EQ(m->flags & HTTP1_F_TRUNCATED, 0);
	}
}

/* Whole, every two-way split, and one byte per segment. */
static void check_all_splits(enum http1_kind kind, const char *data,
			     const struct want *w, int nw)
{
	size_t n = strlen(data);
	static size_t cuts[4096];

	check_split(kind, data, NULL, 0, w, nw);
	if (test__failed())
		return;
	for (size_t k = 1; k < n; k++) {
		check_split(kind, data, &k, 1, w, nw);
		if (test__failed()) {
			test__fail(__FILE__, __LINE__, "split at %zu", k);
			return;
		}
	}
	for (size_t k = 0; k + 1 < n; k++)
		cuts[k] = k + 1;
	check_split(kind, data, cuts, (int)n - 1, w, nw);
	if (test__failed())
		test__fail(__FILE__, __LINE__, "one byte per segment");
}

static const char get_req[] =
	"GET /api/v1/items?id=42 HTTP/1.1\r\n"
	"Host: shop.example\r\n"
	"User-Agent: curl/8.5.0\r\n"
	"Accept: */*\r\n"
	"\r\n";
static const char post_req[] =
	"POST /api/v1/items HTTP/1.1\r\n"
	"Host: shop.example\r\n"
	"Content-Type: application/json\r\n"
	"Content-Length: 13\r\n"
	"\r\n"
	"{\"name\":\"x\"}\n";
static const char ok_resp[] =
	"HTTP/1.1 200 OK\r\n"
	"Content-Type: application/json\r\n"
	"Content-Length: 17\r\n"
	"\r\n"
	"{\"id\":42,\"n\":\"a\"}";
static const char created_resp[] =
	"HTTP/1.1 201 Created\r\n"
	"Location: /api/v1/items/43\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

TEST(http1_split_request_pair)
{
	char buf[1024];
	size_t a = strlen(get_req), b = strlen(post_req);
	struct want w[] = {
		{ "GET", "/api/v1/items?id=42", 0, 0, a, HTTP1_BODY_NONE },
		{ "POST", "/api/v1/items", 0, a, a + b, HTTP1_BODY_LENGTH },
	};

	snprintf(buf, sizeof(buf), "%s%s", get_req, post_req);
	check_all_splits(HTTP1_REQUEST, buf, w, 2);
}

TEST(http1_split_response_pair)
{
	char buf[1024];
	size_t a = strlen(ok_resp), b = strlen(created_resp);
	struct want w[] = {
		{ NULL, NULL, 200, 0, a, HTTP1_BODY_LENGTH },
		{ NULL, NULL, 201, a, a + b, HTTP1_BODY_LENGTH },
	};

	snprintf(buf, sizeof(buf), "%s%s", ok_resp, created_resp);
	check_all_splits(HTTP1_RESPONSE, buf, w, 2);
}

static const char chunked_resp[] =
	"HTTP/1.1 200 OK\r\n"
	"Transfer-Encoding: chunked\r\n"
	"\r\n"
	"4\r\nWiki\r\n"
	"5;name=val\r\npedia\r\n"
	"E\r\n in\r\n\r\nchunks.\r\n"
	"0\r\n"
	"X-Checksum: abc\r\n"
	"\r\n";
static const char no_content_resp[] = "HTTP/1.1 204 No Content\r\n\r\n";

TEST(http1_split_chunked)
{
	char buf[1024];
	size_t a = strlen(chunked_resp), b = strlen(no_content_resp);
	struct want w[] = {
		{ NULL, NULL, 200, 0, a, HTTP1_BODY_CHUNKED },
		{ NULL, NULL, 204, a, a + b, HTTP1_BODY_NONE },
	};

	snprintf(buf, sizeof(buf), "%s%s", chunked_resp, no_content_resp);
	check_all_splits(HTTP1_RESPONSE, buf, w, 2);
}

/* Three segments, every pair of cut points, over the chunk machinery. */
TEST(http1_split_chunked_three_ways)
{
	size_t n = strlen(chunked_resp), cuts[2];
	struct want w[] = {
		{ NULL, NULL, 200, 0, n, HTTP1_BODY_CHUNKED },
	};

	for (cuts[0] = 1; cuts[0] < n; cuts[0]++) {
		for (cuts[1] = cuts[0] + 1; cuts[1] < n; cuts[1]++) {
			check_split(HTTP1_RESPONSE, chunked_resp, cuts, 2, w,
				    1);
			if (test__failed()) {
				test__fail(__FILE__, __LINE__, "cuts %zu %zu",
					   cuts[0], cuts[1]);
				return;
			}
		}
	}
}

/* A head longer than STREAM_MAX_SEGS one-byte segments, then a body. */
TEST(http1_split_long_head_bytewise)
{
	char buf[2048];
	size_t n;
	struct want w[1] = {
		{ "PUT", NULL, 0, 0, 0, HTTP1_BODY_LENGTH },
	};

	n = (size_t)snprintf(buf, sizeof(buf),
			     "PUT /%0300d HTTP/1.1\r\nContent-Length: 3\r\n"
			     "\r\nabc", 7);
	w[0].end = n;
	check_all_splits(HTTP1_REQUEST, buf, w, 1);
}

/* ---- streams of messages ---------------------------------------------- */

TEST(http1_pipelined_requests)
{
	struct feed f;

	feed_init(&f, HTTP1_REQUEST);
	feed_str(&f,
		 "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
		 "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz"
		 "DELETE /c HTTP/1.1\r\nHost: h\r\n\r\n",
		 5);
	feed_free(&f);
	ASSERT_EQ(f.ninvalid, 0);
	ASSERT_EQ(f.nmsgs, 3);
	ASSERT_STREQ(f.msgs[0].target, "/a");
	ASSERT_STREQ(f.msgs[1].method, "POST");
	ASSERT_STREQ(f.msgs[1].target, "/b");
	ASSERT_EQ(f.msgs[1].content_length, 3);
	ASSERT_STREQ(f.msgs[2].method, "DELETE");
	ASSERT_STREQ(f.msgs[2].target, "/c");
	ASSERT_EQ(f.msgs[0].start_pos, 0);
	ASSERT_EQ(f.msgs[1].start_pos, f.msgs[0].end_pos);
	ASSERT_EQ(f.msgs[2].start_pos, f.msgs[1].end_pos);
	ASSERT_EQ(f.msgs[2].end_pos, f.s.end);
	for (int i = 0; i < 3; i++)
		ASSERT_TRUE(f.msgs[i].start_ts == 5 && f.msgs[i].end_ts == 5);
}

TEST(http1_pipelined_responses)
{
	struct feed f;

	feed_init(&f, HTTP1_RESPONSE);
	feed_str(&f,
		 "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
		 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "2\r\nhi\r\n0\r\n\r\n"
		 "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
		 9);
	feed_free(&f);
	ASSERT_EQ(f.ninvalid, 0);
	ASSERT_EQ(f.nmsgs, 3);
	ASSERT_EQ(f.msgs[0].status, 200);
	ASSERT_EQ(f.msgs[0].body, HTTP1_BODY_LENGTH);
	ASSERT_EQ(f.msgs[1].body, HTTP1_BODY_CHUNKED);
	ASSERT_EQ(f.msgs[2].status, 404);
	ASSERT_EQ(f.msgs[1].start_pos, f.msgs[0].end_pos);
	ASSERT_EQ(f.msgs[2].start_pos, f.msgs[1].end_pos);
	ASSERT_EQ(f.msgs[2].end_pos, f.s.end);
	ASSERT_EQ(f.st.messages, 3);
}

TEST(http1_keep_alive)
{
	struct feed req, resp;

	feed_init(&req, HTTP1_REQUEST);
	feed_init(&resp, HTTP1_RESPONSE);
	for (int i = 0; i < 10; i++) {
		feed_str(&req, "GET /poll HTTP/1.1\r\nHost: a\r\n\r\n",
			 1000 * i + 1);
		ASSERT_EQ(req.nmsgs, i + 1);
		feed_str(&resp, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n",
			 1000 * i + 2);
		ASSERT_EQ(resp.nmsgs, i);
		feed_str(&resp, "done", 1000 * i + 3);
		ASSERT_EQ(resp.nmsgs, i + 1);
		if (i < MAX_MSGS) {
			ASSERT_EQ(resp.msgs[i].start_ts, 1000 * i + 2);
			ASSERT_EQ(resp.msgs[i].end_ts, 1000 * i + 3);
			ASSERT_EQ(resp.msgs[i].flags & HTTP1_F_CONN_CLOSE, 0);
		}
	}
	/* nothing held between messages */
	ASSERT_EQ(req.s.nsegs, 0);
	ASSERT_EQ(resp.s.buf_len, 0);
	feed_free(&req);
	feed_free(&resp);
	ASSERT_EQ(req.ninvalid + resp.ninvalid, 0);
}

TEST(http1_content_length_zero)
{
	struct feed f;

	feed_init(&f, HTTP1_REQUEST);
	feed_str(&f, "POST /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 1);
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_EQ(f.msgs[0].body, HTTP1_BODY_LENGTH);
	ASSERT_EQ(f.msgs[0].content_length, 0);
	ASSERT_EQ(f.msgs[0].end_pos, f.s.end);
	ASSERT_EQ(f.msgs[0].head_len, f.s.end);
	feed_free(&f);
}

TEST(http1_chunked_edge_cases)
{
	struct feed f;

	/* uppercase hex, extensions with quotes and BWS, trailers */
	feed_one(&f, HTTP1_RESPONSE,
		 "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, Chunked\r\n\r\n"
		 "A ; a=\"b;c\"\r\n0123456789\r\n"
		 "1f\r\n0123456789012345678901234567890\r\n"
		 "00000\r\nTrailer-A: 1\r\nTrailer-B: 2\r\n\r\n"
		 "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	ASSERT_EQ(f.ninvalid, 0);
	ASSERT_EQ(f.nmsgs, 2);
	ASSERT_EQ(f.msgs[0].body, HTTP1_BODY_CHUNKED);
	ASSERT_EQ(f.msgs[1].start_pos, f.msgs[0].end_pos);

	/* chunk size overflow */
	feed_one(&f, HTTP1_RESPONSE,
		 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "ffffffffffffffffff\r\n");
	ASSERT_EQ(f.nmsgs, 0);
	ASSERT_EQ(f.ninvalid, 1);
	ASSERT_EQ(f.st.bad_chunk, 1);
	ASSERT_EQ(f.st.invalid, 1);

	/* data not followed by CRLF */
	feed_one(&f, HTTP1_RESPONSE,
		 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "3\r\nabcd\r\n0\r\n\r\n");
	ASSERT_EQ(f.nmsgs, 0);
	ASSERT_TRUE(f.ninvalid >= 1);
	ASSERT_EQ(f.st.bad_chunk, 1);

	/* not hex at all */
	feed_one(&f, HTTP1_RESPONSE,
		 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "zz\r\n");
	ASSERT_EQ(f.st.bad_chunk, 1);

	/* bare LF after chunk lines and data */
	feed_one(&f, HTTP1_RESPONSE,
		 "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n"
		 "3\nabc\n0\n\n");
	ASSERT_EQ(f.ninvalid, 0);
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_EQ(f.msgs[0].end_pos, f.s.end);

	/* largest size we accept, then the stream ends mid-data */
	feed_one(&f, HTTP1_RESPONSE,
		 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "4000000000000000\r\nabc");
	ASSERT_EQ(f.ninvalid, 0);
	ASSERT_EQ(f.p.state, HTTP1_ST_CHUNK_DATA);
	feed_one(&f, HTTP1_RESPONSE,
		 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "4000000000000001\r\nabc");
	ASSERT_EQ(f.st.bad_chunk, 1);
}

/* A chunked message cut at close comes out truncated. */
TEST(http1_chunked_truncated_at_finish)
{
	struct feed f;

	feed_init(&f, HTTP1_RESPONSE);
	feed_str(&f,
		 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "10\r\nonly part",
		 3);
	feed_str(&f, " of it", 4);
	ASSERT_EQ(f.nmsgs, 0);
	feed_finish(&f);
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_TRUE(f.msgs[0].flags & HTTP1_F_TRUNCATED);
	ASSERT_EQ(f.msgs[0].end_pos, f.s.end);
	ASSERT_EQ(f.msgs[0].end_ts, 4);
	ASSERT_EQ(f.msgs[0].start_ts, 3);
	feed_free(&f);
}

TEST(http1_head_response_no_body)
{
	struct feed f;
	const char *r1 = "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n";

	feed_init(&f, HTTP1_RESPONSE);
	f.no_body = true;
	feed_str(&f, r1, 1);
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_EQ(f.msgs[0].body, HTTP1_BODY_NONE);
	ASSERT_EQ(f.msgs[0].end_pos, strlen(r1));
	f.no_body = false;
	feed_str(&f, "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno!",
		 2);
	ASSERT_EQ(f.nmsgs, 2);
	ASSERT_EQ(f.msgs[1].status, 404);
	ASSERT_EQ(f.msgs[1].start_pos, strlen(r1));
	ASSERT_EQ(f.ninvalid, 0);
	feed_free(&f);
}

TEST(http1_204_304_no_body)
{
	struct feed f;

	feed_one(&f, HTTP1_RESPONSE,
		 "HTTP/1.1 204 No Content\r\n\r\n"
		 "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n"
		 "Content-Length: 99\r\n\r\n"
		 "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	ASSERT_EQ(f.ninvalid, 0);
	ASSERT_EQ(f.nmsgs, 3);
	ASSERT_EQ(f.msgs[0].status, 204);
	ASSERT_EQ(f.msgs[0].body, HTTP1_BODY_NONE);
	ASSERT_EQ(f.msgs[1].status, 304);
	ASSERT_EQ(f.msgs[1].body, HTTP1_BODY_NONE);
	ASSERT_EQ(f.msgs[2].status, 200);
	ASSERT_EQ(f.msgs[2].end_pos, f.s.end);
}

TEST(http1_100_continue)
{
	struct feed req, f;

	feed_one(&req, HTTP1_REQUEST,
		 "PUT /up HTTP/1.1\r\nExpect: 100-Continue\r\n"
		 "Content-Length: 4\r\n\r\n");
	ASSERT_EQ(req.nmsgs, 0);
	ASSERT_TRUE(req.p.cur.flags & HTTP1_F_EXPECT_CONTINUE);

	feed_init(&f, HTTP1_RESPONSE);
	feed_str(&f, "HTTP/1.1 100 Continue\r\n\r\n", 1);
	ASSERT_EQ(f.nmsgs, 1);
	feed_str(&f, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 2);
	feed_free(&f);
	ASSERT_EQ(f.nmsgs, 2);
	ASSERT_EQ(f.msgs[0].status, 100);
	ASSERT_EQ(f.msgs[0].body, HTTP1_BODY_NONE);
	ASSERT_EQ(f.msgs[0].end_ts, 1);
	ASSERT_EQ(f.msgs[1].status, 200);
	ASSERT_EQ(f.msgs[1].start_ts, 2);
	ASSERT_EQ(f.ninvalid, 0);
}

TEST(http1_101_upgrade)
{
	static const uint8_t ws[] = { 0x81, 0x05, 'H', 'T', 'T', 'P', '/',
				      0x00, 0xff, '\r', '\n', '\r', '\n' };
	struct feed f;

	feed_init(&f, HTTP1_RESPONSE);
	feed_str(&f,
		 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		 "Connection: Upgrade\r\n\r\n",
		 1);
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_TRUE(f.msgs[0].flags & HTTP1_F_UPGRADE);
	ASSERT_EQ(f.msgs[0].body, HTTP1_BODY_NONE);
	feed_seg(&f, f.s.end, ws, sizeof(ws), sizeof(ws), 2, 2);
	feed_str(&f, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 3);
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_EQ(f.ninvalid, 0);
	ASSERT_EQ(f.s.head, f.s.end);
	feed_finish(&f);
	ASSERT_EQ(f.nmsgs, 1);
	feed_free(&f);
}

TEST(http1_until_close)
{
	struct feed f;
	const char *h = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n";

	feed_init(&f, HTTP1_RESPONSE);
	feed_str(&f, h, 1);
	feed_str(&f, "first part, ", 2);
	feed_str(&f, "second part", 3);
	ASSERT_EQ(f.nmsgs, 0);
	ASSERT_EQ(f.p.state, HTTP1_ST_UNTIL_CLOSE);
	feed_finish(&f);
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_EQ(f.msgs[0].body, HTTP1_BODY_UNTIL_CLOSE);
	ASSERT_EQ(f.msgs[0].start_pos, 0);
	ASSERT_EQ(f.msgs[0].end_pos, f.s.end);
	ASSERT_EQ(f.msgs[0].start_ts, 1);
	ASSERT_EQ(f.msgs[0].end_ts, 3);
	ASSERT_EQ(f.msgs[0].flags & HTTP1_F_TRUNCATED, 0);
	/* after it, nothing is pending */
	feed_finish(&f);
	ASSERT_EQ(f.nmsgs, 1);
	feed_free(&f);

	/* HTTP/1.0 with nothing after the head */
	feed_init(&f, HTTP1_RESPONSE);
	feed_str(&f, "HTTP/1.0 200 OK\r\n\r\n", 7);
	feed_finish(&f);
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_EQ(f.msgs[0].end_pos, f.s.end);
	ASSERT_EQ(f.msgs[0].end_ts, 7);
	ASSERT_TRUE(f.msgs[0].flags & HTTP1_F_CONN_CLOSE);
	feed_free(&f);
}

TEST(http1_truncated_length_at_finish)
{
	struct feed f;

	feed_init(&f, HTTP1_REQUEST);
	feed_str(&f, "POST /up HTTP/1.1\r\nContent-Length: 100\r\n\r\n", 1);
	feed_str(&f, "0123456789", 2);
	ASSERT_EQ(f.nmsgs, 0);
	feed_finish(&f);
	ASSERT_EQ(f.nmsgs, 1);
	ASSERT_TRUE(f.msgs[0].flags & HTTP1_F_TRUNCATED);
	ASSERT_EQ(f.msgs[0].end_pos, f.s.end);
	ASSERT_EQ(f.msgs[0].end_ts, 2);
	feed_free(&f);

	/* nothing pending */
	feed_init(&f, HTTP1_REQUEST);
	feed_finish(&f);
	ASSERT_EQ(f.nmsgs, 0);
	feed_str(&f, "GET / HTTP/1.1\r\n", 1);
	feed_finish(&f);
	ASSERT_EQ(f.nmsgs, 0);
	feed_free(&f);
}

static void check_bad_length(const char *req, bool ok)
{
	struct feed f;

	feed_one(&f, HTTP1_REQUEST, req);
	if (ok) {
		ASSERT_EQ(f.ninvalid, 0);
		ASSERT_EQ(f.st.bad_length, 0);
		ASSERT_EQ(f.nmsgs, 1);
	} else {
		ASSERT_EQ(f.nmsgs, 0);
		ASSERT_EQ(f.ninvalid, 1);
		ASSERT_EQ(f.st.invalid, 1);
		ASSERT_EQ(f.st.bad_length, 1);
	}
}

#define BAD_LENGTH(hdrs, ok)                                             \
	do {                                                             \
		check_bad_length("POST / HTTP/1.1\r\n" hdrs "\r\nab", ok); \
		if (test__failed()) {                                    \
			test__fail(__FILE__, __LINE__, "%s", hdrs);      \
			return;                                          \
		}                                                        \
	} while (0)

TEST(http1_content_length_values)
{
	struct http1_msg m;

	BAD_LENGTH("Content-Length: -1\r\n", false);
	BAD_LENGTH("Content-Length: +2\r\n", false);
	BAD_LENGTH("Content-Length: 99999999999999999999999\r\n", false);
	BAD_LENGTH("Content-Length: 4611686018427387905\r\n", false);
	/* around the limit (2^62) on the last digit, and with a zero more */
	BAD_LENGTH("Content-Length: 4611686018427387910\r\n", false);
	BAD_LENGTH("Content-Length: 46116860184273879040\r\n", false);
	BAD_LENGTH("Content-Length: 2\r\nContent-Length: 3\r\n", false);
	BAD_LENGTH("Content-Length: 1, 2\r\n", false);
	BAD_LENGTH("Content-Length: \r\n", false);
	BAD_LENGTH("Content-Length: 2,\r\n", false);
	BAD_LENGTH("Content-Length: 0x2\r\n", false);
	BAD_LENGTH("Content-Length: 2 2\r\n", false);
	BAD_LENGTH("Content-Length: 2\r\n", true);
	BAD_LENGTH("Content-Length: 2\r\ncontent-length:2\r\n", true);
	BAD_LENGTH("Content-Length: 2 , 2,2\r\n", true);
	BAD_LENGTH("Content-Length: 002\r\n", true);
	/* a list after a plain number, a number after a list */
	BAD_LENGTH("Content-Length: 2\r\nContent-Length: 2,2\r\n", true);
	BAD_LENGTH("Content-Length: 2,2\r\nContent-Length: 2\r\n", true);
	BAD_LENGTH("Content-Length: 2\r\nContent-Length: 2,3\r\n", false);
	BAD_LENGTH("Content-Length: 2,3\r\nContent-Length: 2\r\n", false);
	BAD_LENGTH("Content-Length: 2\r\nContent-Length: 3,3\r\n", false);
	BAD_LENGTH("Content-Length: 3\r\nContent-Length: 2\r\n", false);
	BAD_LENGTH("Content-Length: 2 \t\r\n", true);
	BAD_LENGTH("Content-Length: 2;\r\n", false);

	/* the number a list repeats is the length, not its first digits */
	ASSERT_EQ(parse_req("POST / HTTP/1.1\r\nContent-Length: 12,12\r\n\r\n",
			    &m),
		  PARSE_OK);
	ASSERT_EQ(m.content_length, 12);
	ASSERT_EQ(
		parse_req("POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n", &m),
		PARSE_OK);
	ASSERT_EQ(m.content_length, 12);
	ASSERT_EQ(m.body, HTTP1_BODY_LENGTH);
	ASSERT_EQ(parse_req("POST / HTTP/1.1\r\nContent-Length: 12,13\r\n\r\n",
			    &m),
		  PARSE_INVALID);

	ASSERT_EQ(parse_req("POST / HTTP/1.1\r\n"
			    "Content-Length: 4611686018427387904\r\n\r\n",
			    &m),
		  PARSE_OK);
	ASSERT_EQ(m.content_length, 1ull << 62);
	ASSERT_EQ(m.body, HTTP1_BODY_LENGTH);
	ASSERT_EQ(parse_req("POST / HTTP/1.1\r\n"
			    "Content-Length: 04611686018427387899\r\n\r\n",
			    &m),
		  PARSE_OK);
	ASSERT_EQ(m.content_length, (1ull << 62) - 5);
}

TEST(http1_te_and_cl)
{
	struct feed f;

	feed_one(&f, HTTP1_RESPONSE,
		 "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n"
		 "Transfer-Encoding: chunked\r\n\r\n"
		 "2\r\nok\r\n0\r\n\r\n"
		 "HTTP/1.1 204 No Content\r\n\r\n");
	ASSERT_EQ(f.ninvalid, 0);
	ASSERT_EQ(f.nmsgs, 2);
	ASSERT_EQ(f.msgs[0].body, HTTP1_BODY_CHUNKED);
	ASSERT_TRUE(f.msgs[0].flags & HTTP1_F_TE_AND_CL);
	ASSERT_EQ(f.st.te_and_cl, 1);
	ASSERT_EQ(f.msgs[1].status, 204);
}

TEST(http1_transfer_encoding_not_chunked)
{
	struct http1_msg m;

	ASSERT_EQ(parse_req("POST / HTTP/1.1\r\n"
			    "Transfer-Encoding: chunked, gzip\r\n\r\n",
			    &m),
		  PARSE_INVALID);
	ASSERT_EQ(parse_resp("HTTP/1.1 200 OK\r\n"
			     "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n"
			     "\r\n",
			     &m),
		  PARSE_OK);
	ASSERT_EQ(m.body, HTTP1_BODY_UNTIL_CLOSE);
	/* the last coding across lines counts */
	ASSERT_EQ(parse_req("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n"
			    "Transfer-Encoding: chunked\r\n\r\n",
			    &m),
		  PARSE_OK);
	ASSERT_EQ(m.body, HTTP1_BODY_CHUNKED);
	ASSERT_EQ(parse_req("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
			    "Transfer-Encoding: gzip\r\n\r\n",
			    &m),
		  PARSE_INVALID);
}

/*
 * A message copy keeps each string whole, at every length its array
 * allows, whatever follows its NUL, and the fields before them.
 */
TEST(http1_msg_copy_strings)
{
	static struct http1_msg src, dst;

	for (size_t len = 0; len < HTTP1_TARGET_MAX; len++) {
		memset(&src, 'Z', sizeof(src));
		src.status = 404;
		src.content_length = len;
		memset(src.target, 'a' + len % 26, len);
		src.target[len] = '\0';
		src.method[len % HTTP1_METHOD_MAX] = '\0';
		src.host[len % HTTP1_HOST_MAX] = '\0';
		src.user_agent[len % HTTP1_UA_MAX] = '\0';
		src.traceparent[len % HTTP1_TRACEPARENT_MAX] = '\0';
		src.tracestate[len % HTTP1_TRACESTATE_MAX] = '\0';
		memset(&dst, 0x55, sizeof(dst));
		http1_msg__copy(&dst, &src);
		ASSERT_EQ(dst.status, 404);
		ASSERT_EQ(dst.content_length, len);
		ASSERT_STREQ(dst.target, src.target);
		ASSERT_STREQ(dst.method, src.method);
		ASSERT_STREQ(dst.host, src.host);
		ASSERT_STREQ(dst.user_agent, src.user_agent);
		ASSERT_STREQ(dst.traceparent, src.traceparent);
		ASSERT_STREQ(dst.tracestate, src.tracestate);
	}
	/* a string with no NUL in its array is cut to fit */
	memset(&src, 'Z', sizeof(src));
	http1_msg__copy(&dst, &src);
	ASSERT_EQ(strlen(dst.method), HTTP1_METHOD_MAX - 1);
	ASSERT_EQ(strlen(dst.tracestate), HTTP1_TRACESTATE_MAX - 1);
}

/*
 * http1_parser__idle, which lets callers skip a call to next: whenever it
 * says so, next returns PARSE_NEED_MORE and leaves parser and stream as
 * they were. Streams of every framing, garbage and holes among them, cut
 * at random.
 */
TEST(http1_idle_parser_skips_nothing)
{
	static const char *const streams[] = {
		"GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
		"POST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
		"\r\n\r\nGET /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		"3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n"
		"junk\r\nGET /d HTTP/1.0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
		"HTTP/1.1 100 Continue\r\n\r\n"
		"HTTP/1.1 204 No Content\r\n\r\n"
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"2\r\nab\r\n0\r\n\r\n"
		"HTTP/1.0 200 OK\r\n\r\nuntil close",
	};
	unsigned int seed = 9;

	for (int iter = 0; iter < 400; iter++) {
		const char *str = streams[iter % 2];
		size_t len = strlen(str), at = 0;
		struct feed f;

		feed_init(&f, iter % 2 ? HTTP1_RESPONSE : HTTP1_REQUEST);
		while (at < len) {
			size_t n = 1 + rand_r(&seed) % 24;
			/* now and then a hole: bytes moved, not captured */
			uint32_t cap;

			n = n < len - at ? n : len - at;
			cap = rand_r(&seed) % 16 ? n : rand_r(&seed) % n;
			ASSERT_EQ(stream__push(&f.s, at,
					       (const uint8_t *)str + at, cap,
					       n, at, 1),
				  0);
			at += n;
			for (int i = 0; i < 1000; i++) {
				struct http1_parser before = f.p;
				uint64_t head = f.s.head, end = f.s.end;
				uint32_t nsegs = f.s.nsegs;
				bool idle = http1_parser__idle(&f.p, &f.s);
				enum parse_result r = http1_parser__next(
					&f.p, &f.s, false, NULL);

				if (idle) {
					ASSERT_EQ(r, PARSE_NEED_MORE);
					ASSERT_MEMEQ(&before, &f.p,
						     sizeof(before));
					ASSERT_EQ(f.s.head, head);
					ASSERT_EQ(f.s.end, end);
					ASSERT_EQ(f.s.nsegs, nsegs);
				}
				if (r == PARSE_NEED_MORE)
					break;
			}
		}
		feed_free(&f);
	}
}
