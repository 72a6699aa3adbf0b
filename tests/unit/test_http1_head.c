// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Tests of user/proto/http1_head.c: start lines, header fields, limits. */
#include <stdlib.h>
#include <string.h>

#include "http1_feed.h"
#include "test.h"

TEST(http1_header_names_any_case)
{
	struct http1_msg m;

	ASSERT_EQ(parse_req("GET /x HTTP/1.1\r\nhOsT: example.org\r\n"
			    "USER-AGENT:  Mozilla/5.0 (X11)  \r\n"
			    "TraceParent: 00-0af7651916cd43dd8448eb211c80319c-"
			    "b7ad6b7169203331-01\r\nconnection: Close\r\n\r\n",
			    &m),
		  PARSE_OK);
	ASSERT_STREQ(m.host, "example.org");
	ASSERT_STREQ(m.user_agent, "Mozilla/5.0 (X11)");
	ASSERT_STREQ(m.traceparent,
		     "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
	ASSERT_EQ(m.n_traceparent, 1);
	ASSERT_TRUE(m.flags & HTTP1_F_CONN_CLOSE);
	ASSERT_EQ(m.version_minor, 1);
}

TEST(http1_bare_lf)
{
	struct http1_msg m;
	size_t hl = 0;
	const char *r = "HTTP/1.1 200 OK\nContent-Length: 3\n\nabc";

	ASSERT_EQ(http1__parse_head((const uint8_t *)r, strlen(r),
				    HTTP1_RESPONSE, &m, &hl),
		  PARSE_OK);
	ASSERT_EQ(hl, strlen(r) - 3);
	ASSERT_EQ(m.content_length, 3);
	/* mixed endings */
	ASSERT_EQ(parse_req("GET / HTTP/1.1\nHost: a\r\n\n", &m), PARSE_OK);
	ASSERT_STREQ(m.host, "a");
	/* a CR elsewhere is not a line end */
	ASSERT_EQ(parse_req("GET / HTTP/1.1\rHost: a\r\n\r\n", &m),
		  PARSE_INVALID);
	ASSERT_EQ(parse_req("GET / HTTP/1.1\r\nHost: a\r\r\n\r\n", &m),
		  PARSE_INVALID);
}

TEST(http1_methods)
{
	struct http1_msg m;
	char buf[256];
	const char *tok40 = "ABCDEFGHIJ-abcdefghij_0123456789.KLMNOPQ";

	ASSERT_EQ(parse_req("FOO /x HTTP/1.1\r\n\r\n", &m), PARSE_OK);
	ASSERT_STREQ(m.method, "FOO");
	ASSERT_EQ(m.flags & HTTP1_F_METHOD_CUT, 0);

	ASSERT_EQ(strlen(tok40), 40);
	snprintf(buf, sizeof(buf), "%s /x HTTP/1.1\r\n\r\n", tok40);
	ASSERT_EQ(parse_req(buf, &m), PARSE_OK);
	ASSERT_TRUE(m.flags & HTTP1_F_METHOD_CUT);
	ASSERT_EQ(strlen(m.method), HTTP1_METHOD_MAX - 1);
	ASSERT_MEMEQ(m.method, tok40, HTTP1_METHOD_MAX - 1);

	/* 64 is still a method, 65 is not */
	snprintf(buf, sizeof(buf), "%s%.24s /x HTTP/1.1\r\n\r\n", tok40, tok40);
	ASSERT_EQ(parse_req(buf, &m), PARSE_OK);
	snprintf(buf, sizeof(buf), "%s%.25s /x HTTP/1.1\r\n\r\n", tok40, tok40);
	ASSERT_EQ(parse_req(buf, &m), PARSE_INVALID);

	ASSERT_EQ(parse_req("G(T / HTTP/1.1\r\n\r\n", &m), PARSE_INVALID);
	ASSERT_EQ(parse_req(" GET / HTTP/1.1\r\n\r\n", &m), PARSE_INVALID);
	ASSERT_EQ(parse_req("GET  / HTTP/1.1\r\n\r\n", &m), PARSE_INVALID);
	ASSERT_EQ(parse_req("GET / HTTP/1.1 \r\n\r\n", &m), PARSE_INVALID);
	ASSERT_EQ(parse_req("GET /\r\n\r\n", &m), PARSE_INVALID);
	ASSERT_EQ(parse_req("GET / HTTP/2.0\r\n\r\n", &m), PARSE_INVALID);
	ASSERT_EQ(parse_req("GET / HTTP/1.2\r\n\r\n", &m), PARSE_INVALID);
	ASSERT_EQ(parse_req("GET / http/1.1\r\n\r\n", &m), PARSE_INVALID);
	ASSERT_EQ(parse_req("GET /\x01 HTTP/1.1\r\n\r\n", &m), PARSE_INVALID);
	ASSERT_EQ(parse_req("GET / HTTP/1.0\r\n\r\n", &m), PARSE_OK);
	ASSERT_EQ(m.version_minor, 0);
	ASSERT_TRUE(m.flags & HTTP1_F_CONN_CLOSE);
	ASSERT_EQ(m.body, HTTP1_BODY_NONE);
	ASSERT_EQ(parse_req("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
			    &m),
		  PARSE_OK);
	ASSERT_EQ(m.flags & HTTP1_F_CONN_CLOSE, 0);
	ASSERT_EQ(parse_req("GET / HTTP/1.1\r\nConnection: keep-alive,, "
			    "CLOSE\r\n\r\n",
			    &m),
		  PARSE_OK);
	ASSERT_TRUE(m.flags & HTTP1_F_CONN_CLOSE);
	ASSERT_EQ(parse_req("GET / HTTP/1.1\r\nConnection: closed\r\n\r\n", &m),
		  PARSE_OK);
	ASSERT_EQ(m.flags & HTTP1_F_CONN_CLOSE, 0);
}

/*
 * Connection options as a whole value and as lists: keep-alive matters on
 * HTTP/1.0, close on both; any case, around OWS, on several lines.
 */
TEST(http1_connection_options)
{
	static const struct {
		const char *req;
		bool close;
	} cases[] = {
		{"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", false},
		{"GET / HTTP/1.0\r\nConnection:keep-alive \r\n\r\n", false},
		{"GET / HTTP/1.0\r\nConnection: keep-alive, te\r\n\r\n", false},
		{"GET / HTTP/1.0\r\nConnection: te,keep-alive\r\n\r\n", false},
		{"GET / HTTP/1.0\r\nConnection: keep-alivE,\r\n\r\n", false},
		{"GET / HTTP/1.0\r\nConnection: keep-alives\r\n\r\n", true},
		{"GET / HTTP/1.0\r\nConnection: keep\r\n\r\n", true},
		{"GET / HTTP/1.0\r\nConnection: keep-alive\r\n"
		 "Connection: CLOSE\r\n\r\n",
		 true},
		{"GET / HTTP/1.1\r\nConnection: cLoSe\r\n\r\n", true},
		{"GET / HTTP/1.1\r\nConnection: \tclose\t\r\n\r\n", true},
		{"GET / HTTP/1.1\r\nConnection: upgrade, close\r\n\r\n", true},
		{"GET / HTTP/1.1\r\nConnection: close,\r\n\r\n", true},
		{"GET / HTTP/1.1\r\nConnection: clos\r\n\r\n", false},
		{"GET / HTTP/1.1\r\nConnection: closer\r\n\r\n", false},
		{"GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n", false},
		{"GET / HTTP/1.1\r\nConnection:\r\n\r\n", false},
	};
	struct http1_msg m;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(parse_req(cases[i].req, &m), PARSE_OK);
		if (!(m.flags & HTTP1_F_CONN_CLOSE) != !cases[i].close) {
			test__fail(__FILE__, __LINE__, "%s", cases[i].req);
			return;
		}
	}
}

TEST(http1_long_target)
{
	static char buf[HTTP1_TARGET_MAX * 2 + 64];
	struct http1_msg m;
	int n;

	n = snprintf(buf, sizeof(buf), "GET /");
	for (int i = 0; i < HTTP1_TARGET_MAX + 100; i++)
		buf[n++] = (char)('a' + i % 26);
	snprintf(buf + n, sizeof(buf) - (size_t)n, " HTTP/1.1\r\n\r\n");
	ASSERT_EQ(parse_req(buf, &m), PARSE_OK);
	ASSERT_TRUE(m.flags & HTTP1_F_TARGET_CUT);
	ASSERT_EQ(strlen(m.target), HTTP1_TARGET_MAX - 1);
	ASSERT_MEMEQ(m.target, buf + 4, HTTP1_TARGET_MAX - 1);

	/* exactly fitting is not cut */
	n = snprintf(buf, sizeof(buf), "GET /");
	for (int i = 0; i < HTTP1_TARGET_MAX - 2; i++)
		buf[n++] = 'x';
	snprintf(buf + n, sizeof(buf) - (size_t)n, " HTTP/1.1\r\n\r\n");
	ASSERT_EQ(parse_req(buf, &m), PARSE_OK);
	ASSERT_EQ(m.flags & HTTP1_F_TARGET_CUT, 0);
	ASSERT_EQ(strlen(m.target), HTTP1_TARGET_MAX - 1);
}

/*
 * The lengths kept beside method, target and host match the strings, cut
 * or empty, and a new head does not inherit the last one's.
 */
TEST(http1_string_lengths)
{
	static char buf[HTTP1_TARGET_MAX + HTTP1_HOST_MAX + 256];
	struct http1_msg m;
	struct feed f;
	int n;

	ASSERT_EQ(parse_req("DELETE /a/b?c=d HTTP/1.1\r\n"
			    "Host: example.org:8080\r\n\r\n",
			    &m),
		  PARSE_OK);
	ASSERT_EQ(m.method_len, 6);
	ASSERT_EQ(m.target_len, strlen("/a/b?c=d"));
	ASSERT_EQ(m.host_len, strlen("example.org:8080"));

	/* all three cut to fit */
	n = snprintf(buf, sizeof(buf), "%040d /", 0);
	for (int i = 0; i < HTTP1_TARGET_MAX + 100; i++)
		buf[n++] = 't';
	n += snprintf(buf + n, sizeof(buf) - n, " HTTP/1.1\r\nHost: ");
	for (int i = 0; i < HTTP1_HOST_MAX + 10; i++)
		buf[n++] = 'h';
	snprintf(buf + n, sizeof(buf) - n, "\r\n\r\n");
	ASSERT_EQ(parse_req(buf, &m), PARSE_OK);
	ASSERT_TRUE(m.flags & HTTP1_F_METHOD_CUT);
	ASSERT_TRUE(m.flags & HTTP1_F_TARGET_CUT);
	ASSERT_EQ(m.method_len, HTTP1_METHOD_MAX - 1);
	ASSERT_EQ(m.target_len, HTTP1_TARGET_MAX - 1);
	ASSERT_EQ(m.host_len, HTTP1_HOST_MAX - 1);
	ASSERT_EQ(strlen(m.method), m.method_len);
	ASSERT_EQ(strlen(m.target), m.target_len);
	ASSERT_EQ(strlen(m.host), m.host_len);

	/* the same message again: no Host, then an empty one */
	ASSERT_EQ(parse_req("GET * HTTP/1.1\r\n\r\n", &m), PARSE_OK);
	ASSERT_EQ(m.method_len, 3);
	ASSERT_EQ(m.target_len, 1);
	ASSERT_EQ(m.host_len, 0);
	ASSERT_EQ(parse_req("GET / HTTP/1.1\r\nHost:\r\nHost: b\r\n\r\n", &m),
		  PARSE_OK);
	ASSERT_STREQ(m.host, "b");
	ASSERT_EQ(m.host_len, 1);

	/* and through the parser, which hands out copies */
	feed_init(&f, HTTP1_REQUEST);
	feed_str(&f,
		 "PATCH /p HTTP/1.1\r\nHost: hh\r\n\r\n"
		 "GET /longer/path HTTP/1.1\r\n\r\n",
		 1);
	ASSERT_EQ(f.nmsgs, 2);
	ASSERT_EQ(f.msgs[0].method_len, 5);
	ASSERT_EQ(f.msgs[0].target_len, 2);
	ASSERT_EQ(f.msgs[0].host_len, 2);
	ASSERT_EQ(f.msgs[1].method_len, 3);
	ASSERT_EQ(f.msgs[1].target_len, strlen("/longer/path"));
	ASSERT_EQ(f.msgs[1].host_len, 0);
	feed_free(&f);
}

TEST(http1_trace_headers)
{
	struct http1_msg m;

	ASSERT_EQ(parse_req("GET / HTTP/1.1\r\n"
			    "traceparent: 00-aaaa-bbbb-01\r\n"
			    "tracestate: a=1\r\n"
			    "traceparent: 00-cccc-dddd-00\r\n"
			    "tracestate: b=2, c=3\r\n"
			    "tracestate:\r\n\r\n",
			    &m),
		  PARSE_OK);
	ASSERT_EQ(m.n_traceparent, 2);
	ASSERT_STREQ(m.traceparent, "00-aaaa-bbbb-01");
	ASSERT_STREQ(m.tracestate, "a=1,b=2, c=3");
}

TEST(http1_tracestate_cut)
{
	static char buf[4096];
	struct http1_msg m;
	int n = 0;

	n += snprintf(buf + n, sizeof(buf) - n, "GET / HTTP/1.1\r\n");
	for (int i = 0; i < 30; i++)
		n += snprintf(buf + n, sizeof(buf) - n,
			      "tracestate: vendor%02d=0123456789abcdef\r\n", i);
	snprintf(buf + n, sizeof(buf) - n, "\r\n");
	ASSERT_EQ(parse_req(buf, &m), PARSE_OK);
	ASSERT_EQ(strlen(m.tracestate), HTTP1_TRACESTATE_MAX - 1);
	ASSERT_MEMEQ(m.tracestate, "vendor00=0123456789abcdef,vendor01=", 35);
}

TEST(http1_status_lines)
{
	struct http1_msg m;

	ASSERT_EQ(parse_resp("HTTP/1.1 200\r\n\r\n", &m), PARSE_OK);
	ASSERT_EQ(m.status, 200);
	ASSERT_EQ(parse_resp("HTTP/1.1 200 \r\n\r\n", &m), PARSE_OK);
	ASSERT_EQ(parse_resp("HTTP/1.0 503 Service \t Unavailable\r\n\r\n", &m),
		  PARSE_OK);
	ASSERT_EQ(m.status, 503);
	ASSERT_EQ(m.body, HTTP1_BODY_UNTIL_CLOSE);
	ASSERT_EQ(parse_resp("HTTP/1.1 999 Custom\r\n\r\n", &m), PARSE_OK);
	ASSERT_EQ(parse_resp("HTTP/1.1 099 Nope\r\n\r\n", &m), PARSE_INVALID);
	ASSERT_EQ(parse_resp("HTTP/1.1 20 OK\r\n\r\n", &m), PARSE_INVALID);
	ASSERT_EQ(parse_resp("HTTP/1.1 2000 OK\r\n\r\n", &m), PARSE_INVALID);
	ASSERT_EQ(parse_resp("HTTP/1.1  200 OK\r\n\r\n", &m), PARSE_INVALID);
	ASSERT_EQ(parse_resp("HTTP/1.1 200 O\x01K\r\n\r\n", &m), PARSE_INVALID);
	ASSERT_EQ(parse_resp("HTTP/2 200\r\n\r\n", &m), PARSE_INVALID);
	ASSERT_EQ(parse_resp("HTTP/1.1 101 Switching Protocols\r\n\r\n", &m),
		  PARSE_OK);
	ASSERT_TRUE(m.flags & HTTP1_F_UPGRADE);
	/* a request line is not a status line, and back */
	ASSERT_EQ(parse_resp("GET / HTTP/1.1\r\n\r\n", &m), PARSE_INVALID);
	ASSERT_EQ(parse_req("HTTP/1.1 200 OK\r\n\r\n", &m), PARSE_INVALID);
}

/*
 * The version, whole or cut short: a wrong byte anywhere in it spoils
 * both kinds of start line; a line ending inside it is one still coming.
 */
TEST(http1_version_bytes)
{
	const char *ver = "HTTP/1.1";
	struct http1_msg m;
	char buf[64], v[9];
	uint8_t minor = 9;
	size_t hl;

	for (size_t pos = 0; pos < 8; pos++) {
		memcpy(v, ver, sizeof(v));
		v[pos] = pos == 7 ? '2' : 'x';
		snprintf(buf, sizeof(buf), "GET / %s\r\n\r\n", v);
		ASSERT_EQ(parse_req(buf, &m), PARSE_INVALID);
		snprintf(buf, sizeof(buf), "%s 200 OK\r\n\r\n", v);
		ASSERT_EQ(parse_resp(buf, &m), PARSE_INVALID);
		/* cut after the wrong byte: already refused */
		snprintf(buf, sizeof(buf), "%.*s", (int)pos + 1, v);
		ASSERT_EQ(http1__parse_head((const uint8_t *)buf, pos + 1,
					    HTTP1_RESPONSE, &m, &hl),
			  PARSE_INVALID);
		/* cut before it: fine so far */
		ASSERT_EQ(http1__parse_head((const uint8_t *)ver, pos,
					    HTTP1_RESPONSE, &m, &hl),
			  PARSE_NEED_MORE);
	}
	for (minor = 0; minor < 2; minor++) {
		snprintf(buf, sizeof(buf), "GET / HTTP/1.%u\r\n\r\n", minor);
		ASSERT_EQ(parse_req(buf, &m), PARSE_OK);
		ASSERT_EQ(m.version_minor, minor);
		snprintf(buf, sizeof(buf), "HTTP/1.%u 204 No\r\n\r\n", minor);
		ASSERT_EQ(parse_resp(buf, &m), PARSE_OK);
		ASSERT_EQ(m.version_minor, minor);
	}
}

TEST(http1_field_syntax)
{
	struct http1_msg m;

	ASSERT_EQ(
		parse_req("GET / HTTP/1.1\r\nX-A: 1\r\n continued\r\n\r\n", &m),
		PARSE_INVALID); /* obs-fold */
	ASSERT_EQ(parse_req("GET / HTTP/1.1\r\nX-A: 1\r\n\tcontinued\r\n\r\n",
			    &m),
		  PARSE_INVALID);
	ASSERT_EQ(parse_req("GET / HTTP/1.1\r\nHost : a\r\n\r\n", &m),
		  PARSE_INVALID);
	ASSERT_EQ(parse_req("GET / HTTP/1.1\r\n: a\r\n\r\n", &m),
		  PARSE_INVALID);
	ASSERT_EQ(parse_req("GET / HTTP/1.1\r\nno colon\r\n\r\n", &m),
		  PARSE_INVALID);
	ASSERT_EQ(parse_req("GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", &m),
		  PARSE_INVALID);
	{
		static const char nul[] = "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n";
		size_t hl;

		ASSERT_EQ(http1__parse_head((const uint8_t *)nul,
					    sizeof(nul) - 1, HTTP1_REQUEST, &m,
					    &hl),
			  PARSE_INVALID);
	}
	/* values may hold UTF-8 and tabs; empty values are fine */
	ASSERT_EQ(parse_req("GET / HTTP/1.1\r\nX: \xc3\xa9t\xc3\xa9\t!\r\n"
			    "Y:\r\nUser-Agent:\r\nHost:\t h \t\r\n\r\n",
			    &m),
		  PARSE_OK);
	ASSERT_STREQ(m.host, "h");
	ASSERT_STREQ(m.user_agent, "");
	ASSERT_EQ(
		parse_req("GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n", &m),
		PARSE_OK);
	ASSERT_TRUE(m.flags & HTTP1_F_EXPECT_CONTINUE);
	ASSERT_EQ(parse_req("GET / HTTP/1.1\r\nExpect: 200-ok\r\n\r\n", &m),
		  PARSE_OK);
	ASSERT_EQ(m.flags & HTTP1_F_EXPECT_CONTINUE, 0);
	/* the first Host is kept */
	ASSERT_EQ(parse_req("GET / HTTP/1.1\r\nHost: one\r\nHost: two\r\n\r\n",
			    &m),
		  PARSE_OK);
	ASSERT_STREQ(m.host, "one");
}

/* Garbage is refused as soon as it is seen, not after HTTP1_HEAD_MAX. */
TEST(http1_early_reject)
{
	struct http1_msg m;

	ASSERT_EQ(parse_req("\x16\x03\x01\x00\xa5\x01", &m), PARSE_INVALID);
	ASSERT_EQ(parse_req("PRI * HTTP/2.0", &m), PARSE_INVALID);
	ASSERT_EQ(parse_resp("HTTP/1.1 2x", &m), PARSE_INVALID);
	ASSERT_EQ(parse_resp("HTTP/1.1 200 OK\r\nBad Name", &m), PARSE_INVALID);
	/* a name ends at its colon: a line end there is garbage already */
	ASSERT_EQ(parse_resp("HTTP/1.1 200 OK\r\nName\r", &m), PARSE_INVALID);
	ASSERT_EQ(parse_req("GET / HTTP/1.1\r\nHost: a\r\rX", &m),
		  PARSE_INVALID);
	/* prefixes of good heads want more */
	ASSERT_EQ(parse_req("", &m), PARSE_NEED_MORE);
	ASSERT_EQ(parse_req("G", &m), PARSE_NEED_MORE);
	ASSERT_EQ(parse_req("GET / HTTP/1.", &m), PARSE_NEED_MORE);
	ASSERT_EQ(parse_req("GET / HTTP/1.1\r", &m), PARSE_NEED_MORE);
	ASSERT_EQ(parse_req("GET / HTTP/1.1\r\nHost: a\r\n\r", &m),
		  PARSE_NEED_MORE);
	ASSERT_EQ(parse_resp("HTTP/1.1 200", &m), PARSE_NEED_MORE);
	ASSERT_EQ(parse_resp("HTTP/1.1 200 OK\r\nX", &m), PARSE_NEED_MORE);
	ASSERT_EQ(parse_resp("HTTP/1.1 200 OK\r\nX: a\tb\r", &m),
		  PARSE_NEED_MORE);
	ASSERT_EQ(parse_resp("HTTP/1.1 200 OK\r\nX: 0123456789abcdef", &m),
		  PARSE_NEED_MORE);
}

TEST(http1_head_limits)
{
	static char buf[HTTP1_HEAD_MAX + 256];
	struct http1_msg m;
	struct feed f;
	int n = 0;

	n += snprintf(buf + n, sizeof(buf) - n, "GET / HTTP/1.1\r\n");
	for (int i = 0; i < HTTP1_MAX_HEADERS; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "X-%d: v\r\n", i);
	snprintf(buf + n, sizeof(buf) - n, "\r\n");
	ASSERT_EQ(parse_req(buf, &m), PARSE_OK);
	snprintf(buf + n, sizeof(buf) - n, "X-last: v\r\n\r\n");
	ASSERT_EQ(parse_req(buf, &m), PARSE_INVALID);

	/* one header line filling up the head */
	n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nX: ");
	memset(buf + n, 'v', HTTP1_HEAD_MAX - (size_t)n - 4);
	n = HTTP1_HEAD_MAX - 4;
	snprintf(buf + n, sizeof(buf) - n, "\r\n\r\n");
	ASSERT_EQ(parse_req(buf, &m), PARSE_OK);
	snprintf(buf + n, sizeof(buf) - n, "v\r\n\r\n");
	ASSERT_EQ(parse_req(buf, &m), PARSE_INVALID);

	/* over a stream, never ending */
	feed_init(&f, HTTP1_REQUEST);
	buf[n] = '\0';
	feed_str(&f, buf, 1);
	ASSERT_EQ(f.nmsgs + f.ninvalid, 0);
	feed_str(&f, "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv", 2);
	ASSERT_EQ(f.ninvalid, 1);
	ASSERT_EQ(f.st.head_too_long, 1);
	ASSERT_EQ(f.st.skipped_bytes, f.s.end);
	feed_str(&f, "GET / HTTP/1.1\r\n\r\n", 3);
	ASSERT_EQ(f.nmsgs, 1);
	feed_free(&f);
}

TEST(http1_looks_like)
{
	const uint8_t *g = (const uint8_t *)"GET /index.html HTTP/1.1\r\n";

	ASSERT_TRUE(http1__looks_like_request(g, strlen((const char *)g)));
	ASSERT_TRUE(http1__looks_like_request(g, 5));
	ASSERT_TRUE(http1__looks_like_request(
		(const uint8_t *)"OPTIONS * HTTP/1.1\r\n", 20));
	ASSERT_TRUE(!http1__looks_like_request(g, 3)); /* undecided */
	ASSERT_TRUE(http1__looks_like_request(
		(const uint8_t *)"PROPFIND /d HTTP/1.1\r\n", 22));
	ASSERT_TRUE(
		!http1__looks_like_request((const uint8_t *)"PROPFIND /d", 11));
	ASSERT_TRUE(!http1__looks_like_request(
		(const uint8_t *)"EHLO mail.example.org\r\n", 23));
	ASSERT_TRUE(!http1__looks_like_request(
		(const uint8_t *)"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24));
	ASSERT_TRUE(!http1__looks_like_request(
		(const uint8_t *)"\x16\x03\x01\x02\x00\x01", 6));
	ASSERT_TRUE(!http1__looks_like_request(
		(const uint8_t *)"GET  / HTTP/1.1", 15));
	ASSERT_TRUE(!http1__looks_like_request(NULL, 0));

	ASSERT_TRUE(http1__looks_like_response(
		(const uint8_t *)"HTTP/1.1 200 OK\r\n", 17));
	ASSERT_TRUE(http1__looks_like_response((const uint8_t *)"HTTP/1.0 404",
					       12));
	ASSERT_TRUE(
		!http1__looks_like_response((const uint8_t *)"HTTP/1.1", 8));
	ASSERT_TRUE(!http1__looks_like_response(
		(const uint8_t *)"HTTP/2 200\r\n", 12));
	ASSERT_TRUE(!http1__looks_like_response(
		(const uint8_t *)"HTTP/1.1 OK\r\n", 13));
	ASSERT_TRUE(!http1__looks_like_response(
		(const uint8_t *)"SSH-2.0-OpenSSH_9.2\r\n", 21));
}

/* A gap between two messages: the next one is found after it. */

/*
 * A NUL in a field value makes the head invalid (RFC 9112 field-vchar), so
 * a stored traceparent can never be "VALID\0junk" read as VALID.
 */
TEST(http1_head_nul_in_traceparent_invalid)
{
	static const char req[] = "GET / HTTP/1.1\r\n"
				  "traceparent: "
				  "00-4bf92f3577b34da6a3ce929d0e0e4736-"
				  "00f067aa0ba902b7-01\0junk\r\n"
				  "\r\n";
	struct feed f;

	feed_init(&f, HTTP1_REQUEST);
	feed_seg(&f, 0, req, sizeof(req) - 1, sizeof(req) - 1, 1, 1);
	feed_free(&f);
	ASSERT_EQ(f.nmsgs, 0);
	ASSERT_TRUE(f.ninvalid >= 1);
}

/* Parse n bytes from a heap copy of just n, so ASan sees reads past it. */
static enum parse_result parse_exact(const char *s, size_t n,
				     struct http1_msg *m)
{
	char *b = malloc(n ? n : 1);
	enum parse_result r;
	size_t hl = 0;

	memcpy(b, s, n);
	r = http1__parse_head((const uint8_t *)b, n, HTTP1_REQUEST, m, &hl);
	free(b);
	return r;
}

/*
 * One field line of a name of nl bytes and a value of vl, its bytes in
 * and out of place: names and values ending in every lane of a vector
 * and past it, so the colon falls at offsets 0, 15, 16 and on, each cut
 * of the head (a line may end exactly at the buffer's end), and a byte
 * that breaks or keeps the line at every position.
 */
static void check_field_line(size_t nl, size_t vl, const char *eol)
{
	static const char start[] = "GET / HTTP/1.1\r\n";
	size_t s0 = sizeof(start) - 1, colon = s0 + nl, len;
	struct http1_msg m;
	char buf[160];

	memcpy(buf, start, s0);
	for (size_t i = 0; i < nl; i++)
		buf[s0 + i] = "Xa-Z9_q"[i % 7];
	buf[colon] = ':';
	for (size_t i = 0; i < vl; i++)
		buf[colon + 1 + i] = "v \xc3\xa9z\tw~"[i % 8];
	len = colon + 1 + vl;
	len += (size_t)sprintf(buf + len, "%s%s", eol, eol);

	ASSERT_EQ(parse_exact(buf, len, &m), nl ? PARSE_OK : PARSE_INVALID);
	if (!nl)
		return;
	ASSERT_EQ(m.head_len, len);
	for (size_t k = 0; k < len; k++)
		ASSERT_EQ(parse_exact(buf, k, &m), PARSE_NEED_MORE);

	for (size_t i = s0; i < len - 2 * strlen(eol); i++) {
		char was = buf[i];
		bool in_name = i < colon;

		if (i == colon)
			continue;
		/* not tchars in names; control bytes in values */
		buf[i] = ' ';
		ASSERT_EQ(parse_exact(buf, len, &m),
			  in_name ? PARSE_INVALID : PARSE_OK);
		buf[i] = '\x80';
		ASSERT_EQ(parse_exact(buf, len, &m),
			  in_name ? PARSE_INVALID : PARSE_OK);
		buf[i] = '\t';
		ASSERT_EQ(parse_exact(buf, len, &m),
			  in_name ? PARSE_INVALID : PARSE_OK);
		buf[i] = '!'; /* a rarer tchar */
		ASSERT_EQ(parse_exact(buf, len, &m), PARSE_OK);
		/* (a CR before the LF of a bare LF line is its end) */
		if (i > colon && buf[i + 1] != '\n') {
			buf[i] = '\x7f';
			ASSERT_EQ(parse_exact(buf, len, &m), PARSE_INVALID);
			buf[i] = '\0';
			ASSERT_EQ(parse_exact(buf, len, &m), PARSE_INVALID);
			/* a CR not before the LF */
			buf[i] = '\r';
			ASSERT_EQ(parse_exact(buf, len, &m), PARSE_INVALID);
			/* cut right after it, it may be a CRLF's CR; one
			 * byte on, it is not */
			ASSERT_EQ(parse_exact(buf, i + 1, &m), PARSE_NEED_MORE);
			ASSERT_EQ(parse_exact(buf, i + 2, &m), PARSE_INVALID);
		}
		buf[i] = was;
	}
}

TEST(http1_field_lines_across_vectors)
{
	for (size_t nl = 0; nl <= 40; nl++) {
		for (size_t vl = 0; vl <= 40; vl++) {
			check_field_line(nl, vl, "\r\n");
			check_field_line(nl, vl, "\n");
			if (test__failed())
				return;
		}
	}
}

/* the value is what the line held between its colon and CRLF, trimmed */
TEST(http1_field_values_across_vectors)
{
	struct http1_msg m;
	char buf[320], ua[64];

	for (size_t pad = 0; pad < 20; pad++) {
		for (size_t vl = 1; vl < 40; vl++) {
			for (size_t i = 0; i < vl; i++)
				ua[i] = (char)('a' + (i + pad) % 26);
			ua[vl] = '\0';
			snprintf(buf, sizeof(buf),
				 "GET /%.*s HTTP/1.1\r\nuser-agent:\t %s \r\n"
				 "X-Pad-%.*s: 1\r\nHost:%s\r\n\r\n",
				 (int)pad, "ppppppppppppppppppppp", ua,
				 (int)pad, "ppppppppppppppppppppp", ua);
			ASSERT_EQ(parse_exact(buf, strlen(buf), &m), PARSE_OK);
			ASSERT_STREQ(m.user_agent, ua);
			ASSERT_STREQ(m.host, ua);
		}
	}
}

/* names and options compared in any case, and only those bytes so */
TEST(http1_field_compare_case_only)
{
	struct http1_msg m;

	ASSERT_EQ(parse_req("GET / HTTP/1.0\r\nCONNECTION: KEEP-ALIVE\r\n"
			    "EXPECT: 100-Continue\r\n\r\n",
			    &m),
		  PARSE_OK);
	ASSERT_EQ(m.flags & HTTP1_F_CONN_CLOSE, 0);
	ASSERT_TRUE(m.flags & HTTP1_F_EXPECT_CONTINUE);
	/* HTAB with its bit 0x20 set is ')', not '-' */
	ASSERT_EQ(parse_req("GET / HTTP/1.0\r\nConnection: keep\talive\r\n"
			    "Expect: 100\tcontinue\r\n\r\n",
			    &m),
		  PARSE_OK);
	ASSERT_TRUE(m.flags & HTTP1_F_CONN_CLOSE);
	ASSERT_EQ(m.flags & HTTP1_F_EXPECT_CONTINUE, 0);
	ASSERT_EQ(parse_req("GET / HTTP/1.0\r\nConnection: keep)alive\r\n"
			    "Host_: a\r\nHos4: b\r\n\r\n",
			    &m),
		  PARSE_OK);
	ASSERT_TRUE(m.flags & HTTP1_F_CONN_CLOSE);
	ASSERT_STREQ(m.host, "");
}
