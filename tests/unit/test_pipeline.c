// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The pipeline from ring buffer records to spans (pipeline_feed.h builds
 * them): what an HTTP/1 exchange makes of a span.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "span/semconv.h"
#include "pipeline_feed.h"
#include "test.h"

TEST(pipeline_server_span_from_accepted_conn)
{
	struct pipeline *p = new_pipeline();

	reset_positions();
	ASSERT_EQ(feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_SERVER, 100), 0);
	ASSERT_EQ(feed_data(p, 1, ST_DIR_INGRESS, REQ, 1000, 7), 0);
	ASSERT_EQ(ngot, 0);
	ASSERT_EQ(feed_data(p, 1, ST_DIR_EGRESS, RESP200, 5000, 7), 0);
	ASSERT_EQ(ngot, 1);
	ASSERT_EQ(got[0].kind, SPAN_KIND_SERVER);
	ASSERT_STREQ(got[0].name, "GET");
	ASSERT_EQ(got[0].start_ns, 1000 + OFFSET);
	ASSERT_EQ(got[0].end_ns, 5000 + OFFSET);
	ASSERT_EQ(got[0].tid, 7);
	ASSERT_EQ(got[0].status, SPAN_STATUS_UNSET);
	ASSERT_STREQ(str_attr(&got[0], SC_URL_PATH), "/items");
	ASSERT_STREQ(str_attr(&got[0], SC_SERVER_ADDRESS), "shop.local");
	ASSERT_EQ(int_attr(&got[0], SC_SERVER_PORT), 8080);
	ASSERT_STREQ(str_attr(&got[0], SC_CLIENT_ADDRESS), "10.1.2.3");
	ASSERT_STREQ(str_attr(&got[0], SC_NETWORK_PEER_ADDRESS), "10.1.2.3");
	ASSERT_EQ(int_attr(&got[0], SC_NETWORK_PEER_PORT), 40000);
	ASSERT_EQ(int_attr(&got[0], SC_HTTP_RESPONSE_STATUS_CODE), 200);
	ASSERT_STREQ(str_attr(&got[0], SC_USER_AGENT_ORIGINAL), "t/1");
	ASSERT_TRUE(!span__attr(&got[0], SC_URL_FULL));
	/* no traceparent, no local client end: a root */
	ASSERT_TRUE(span__is_root(&got[0]));
	pipeline__free(p);
}

/* The Host header's port, when it is one; else the connection's. */
TEST(pipeline_host_port_and_url_full)
{
	static const struct {
		const char *host, *addr, *url;
		long long port;
	} cases[] = {
		{"x:81", "x", "http://x:81/a", 81},
		{"[::1]:82", "::1", "http://[::1]:82/a", 82},
		{"x:65535", "x", "http://x:65535/a", 65535},
		{"x:65536", "x", "http://x:65536/a", 8080},
		{"x:0", "x", "http://x:0/a", 8080},
		{"x:+81", "x", "http://x:+81/a", 8080},
		{"x:", "x", "http://x:/a", 8080},
		{"x:123456", "x", "http://x:123456/a", 8080},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pipeline *p = new_pipeline();
		char req[128];

		reset_positions();
		snprintf(req, sizeof(req),
			 "GET /a HTTP/1.1\r\nHost: %s\r\n\r\n", cases[i].host);
		feed_conn(p, ST_EV_CONN_OPEN, 2, ST_ROLE_CLIENT, 100);
		feed_data(p, 2, ST_DIR_EGRESS, req, 1000, 9);
		feed_data(p, 2, ST_DIR_INGRESS, RESP200, 2000, 9);
		ASSERT_EQ(ngot, 1);
		ASSERT_STREQ(str_attr(&got[0], SC_SERVER_ADDRESS),
			     cases[i].addr);
		ASSERT_EQ(int_attr(&got[0], SC_SERVER_PORT), cases[i].port);
		ASSERT_STREQ(str_attr(&got[0], SC_URL_FULL), cases[i].url);
		pipeline__free(p);
	}
}

TEST(pipeline_client_span_and_error_rules)
{
	struct pipeline *p = new_pipeline();

	reset_positions();
	feed_conn(p, ST_EV_CONN_OPEN, 2, ST_ROLE_CLIENT, 100);
	feed_data(p, 2, ST_DIR_EGRESS, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n",
		  1000, 9);
	feed_data(p, 2, ST_DIR_INGRESS,
		  "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 2000,
		  9);
	ASSERT_EQ(ngot, 1);
	ASSERT_EQ(got[0].kind, SPAN_KIND_CLIENT);
	ASSERT_EQ(got[0].status, SPAN_STATUS_ERROR);
	ASSERT_STREQ(str_attr(&got[0], SC_ERROR_TYPE), "404");
	ASSERT_STREQ(str_attr(&got[0], SC_URL_FULL), "http://x/a");
	ASSERT_EQ(int_attr(&got[0], SC_SERVER_PORT), 8080);
	pipeline__free(p);

	/* 4xx on a server span is not an error; 5xx is */
	p = new_pipeline();
	reset_positions();
	feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_SERVER, 100);
	feed_data(p, 1, ST_DIR_INGRESS, "GET /a HTTP/1.1\r\n\r\n", 1000, 1);
	feed_data(p, 1, ST_DIR_EGRESS,
		  "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 2000,
		  1);
	feed_data(p, 1, ST_DIR_INGRESS, "GET /b HTTP/1.1\r\n\r\n", 3000, 1);
	feed_data(p, 1, ST_DIR_EGRESS,
		  "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n", 4000, 1);
	ASSERT_EQ(ngot, 2);
	ASSERT_EQ(got[0].status, SPAN_STATUS_UNSET);
	ASSERT_TRUE(!span__attr(&got[0], SC_ERROR_TYPE));
	ASSERT_EQ(got[1].status, SPAN_STATUS_ERROR);
	ASSERT_STREQ(str_attr(&got[1], SC_ERROR_TYPE), "503");
	pipeline__free(p);
}

TEST(pipeline_unknown_method_is_other)
{
	struct pipeline *p = new_pipeline();

	reset_positions();
	feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_SERVER, 100);
	feed_data(p, 1, ST_DIR_INGRESS, "PURGE /x HTTP/1.1\r\n\r\n", 1000, 1);
	feed_data(p, 1, ST_DIR_EGRESS, RESP200, 2000, 1);
	ASSERT_EQ(ngot, 1);
	ASSERT_STREQ(got[0].name, "HTTP");
	ASSERT_STREQ(str_attr(&got[0], SC_HTTP_REQUEST_METHOD), "_OTHER");
	ASSERT_STREQ(str_attr(&got[0], SC_HTTP_REQUEST_METHOD_ORIGINAL),
		     "PURGE");
	pipeline__free(p);
}

/* Capture began mid-connection: the first thing seen is a response. */
/*
 * Known methods by name, near misses as _OTHER; the path up to the first
 * '?' or '#' wherever it falls in the target's words.
 */
TEST(pipeline_method_and_path_forms)
{
	static const struct {
		const char *method, *target, *name, *path;
	} cases[] = {
		{"GET", "/", "GET", "/"},
		{"PUT", "*", "PUT", "*"},
		{"HEAD", "/abcdef?x", "HEAD", "/abcdef"},
		{"POST", "/abcdefg?x", "POST", "/abcdefg"},
		{"TRACE", "/abcdefghijklmno#f", "TRACE", "/abcdefghijklmno"},
		{"PATCH", "/abcdefghijklmnopq", "PATCH", "/abcdefghijklmnopq"},
		{"DELETE", "/a?b#c", "DELETE", "/a"},
		{"OPTIONS", "/abcdefghij#b?c", "OPTIONS", "/abcdefghij"},
		{"CONNECT", "h:443", "CONNECT", NULL},
		{"GET", "http://h:1/p/q?x", "GET", "/p/q"},
		{"GET", "http://h?x", "GET", "/"},
		{"GETS", "/", "HTTP", "/"},
		{"get", "/", "HTTP", "/"},
		{"DELET", "/", "HTTP", "/"},
		{"OPTIONZ", "/", "HTTP", "/"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pipeline *p = new_pipeline();
		char req[128];

		reset_positions();
		snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\n\r\n",
			 cases[i].method, cases[i].target);
		feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_SERVER, 100);
		feed_data(p, 1, ST_DIR_INGRESS, req, 1000, 1);
		feed_data(p, 1, ST_DIR_EGRESS, RESP200, 2000, 1);
		ASSERT_EQ(ngot, 1);
		ASSERT_STREQ(got[0].name, cases[i].name);
		if (cases[i].path)
			ASSERT_STREQ(str_attr(&got[0], SC_URL_PATH),
				     cases[i].path);
		else
			ASSERT_TRUE(!span__attr(&got[0], SC_URL_PATH));
		pipeline__free(p);
	}
}

TEST(pipeline_midstream_response_counted_not_spanned)
{
	struct pipeline *p = new_pipeline();
	const struct pipeline_stats *st;

	reset_positions();
	feed_conn(p, ST_EV_CONN_OPEN, 3, ST_ROLE_UNKNOWN, 100);
	feed_data(p, 3, ST_DIR_EGRESS, RESP200, 1000, 1);
	ASSERT_EQ(ngot, 0);
	feed_data(p, 3, ST_DIR_INGRESS, REQ, 2000, 1);
	feed_data(p, 3, ST_DIR_EGRESS, RESP200, 3000, 1);
	ASSERT_EQ(ngot, 1);
	/* requests came in: this side is the server */
	ASSERT_EQ(got[0].kind, SPAN_KIND_SERVER);
	ASSERT_EQ(got[0].start_ns, 2000 + OFFSET);
	st = pipeline__stats(p);
	ASSERT_EQ(st->http1.unmatched_responses, 1);
	ASSERT_EQ(st->conns_midstream, 1);
	pipeline__free(p);
}

/* Data for a conn whose open record was lost still makes spans. */
TEST(pipeline_data_without_open)
{
	struct pipeline *p = new_pipeline();

	reset_positions();
	feed_data(p, 1, ST_DIR_EGRESS, "GET / HTTP/1.1\r\n\r\n", 1000, 1);
	feed_data(p, 1, ST_DIR_INGRESS, RESP200, 2000, 1);
	ASSERT_EQ(ngot, 1);
	ASSERT_EQ(got[0].kind, SPAN_KIND_CLIENT);
	ASSERT_EQ(pipeline__stats(p)->conns_midstream, 1);
	pipeline__free(p);
}

TEST(pipeline_pipelined_requests_pair_in_order)
{
	struct pipeline *p = new_pipeline();

	reset_positions();
	feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_SERVER, 100);
	feed_data(p, 1, ST_DIR_INGRESS,
		  "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"
		  "GET /3 HTTP/1.1\r\n\r\n",
		  1000, 1);
	feed_data(p, 1, ST_DIR_EGRESS,
		  "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"
		  "HTTP/1.1 201 OK\r\nContent-Length: 0\r\n\r\n",
		  2000, 1);
	feed_data(p, 1, ST_DIR_EGRESS,
		  "HTTP/1.1 202 OK\r\nContent-Length: 2\r\n\r\nbb", 3000, 1);
	ASSERT_EQ(ngot, 3);
	ASSERT_STREQ(str_attr(&got[0], SC_URL_PATH), "/1");
	ASSERT_EQ(int_attr(&got[0], SC_HTTP_RESPONSE_STATUS_CODE), 200);
	ASSERT_STREQ(str_attr(&got[1], SC_URL_PATH), "/2");
	ASSERT_EQ(int_attr(&got[1], SC_HTTP_RESPONSE_STATUS_CODE), 201);
	ASSERT_STREQ(str_attr(&got[2], SC_URL_PATH), "/3");
	ASSERT_EQ(int_attr(&got[2], SC_HTTP_RESPONSE_STATUS_CODE), 202);
	ASSERT_EQ(got[2].end_ns, 3000 + OFFSET);
	pipeline__free(p);
}

/* A HEAD response has no body whatever Content-Length says. */
TEST(pipeline_head_then_get_on_keepalive)
{
	struct pipeline *p = new_pipeline();

	reset_positions();
	feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_SERVER, 100);
	feed_data(p, 1, ST_DIR_INGRESS, "HEAD / HTTP/1.1\r\n\r\n", 1000, 1);
	feed_data(p, 1, ST_DIR_EGRESS,
		  "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", 2000, 1);
	feed_data(p, 1, ST_DIR_INGRESS, "GET /next HTTP/1.1\r\n\r\n", 3000, 1);
	feed_data(p, 1, ST_DIR_EGRESS, RESP200, 4000, 1);
	ASSERT_EQ(ngot, 2);
	ASSERT_STREQ(got[0].name, "HEAD");
	ASSERT_STREQ(str_attr(&got[1], SC_URL_PATH), "/next");
	ASSERT_EQ(pipeline__stats(p)->http1.unmatched_responses, 0);
	pipeline__free(p);
}

TEST(pipeline_100_continue_is_one_span)
{
	struct pipeline *p = new_pipeline();

	reset_positions();
	feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_SERVER, 100);
	feed_data(p, 1, ST_DIR_INGRESS,
		  "POST /up HTTP/1.1\r\nExpect: 100-continue\r\n"
		  "Content-Length: 3\r\n\r\n",
		  1000, 1);
	feed_data(p, 1, ST_DIR_EGRESS, "HTTP/1.1 100 Continue\r\n\r\n", 1500,
		  1);
	feed_data(p, 1, ST_DIR_INGRESS, "abc", 2000, 1);
	feed_data(p, 1, ST_DIR_EGRESS,
		  "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", 3000, 1);
	ASSERT_EQ(ngot, 1);
	ASSERT_EQ(int_attr(&got[0], SC_HTTP_RESPONSE_STATUS_CODE), 201);
	ASSERT_EQ(got[0].end_ns, 3000 + OFFSET);
	pipeline__free(p);
}

/* An HTTP/1.0 body that runs until close ends when the close arrives. */
TEST(pipeline_body_until_close)
{
	struct pipeline *p = new_pipeline();

	reset_positions();
	feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_CLIENT, 100);
	feed_data(p, 1, ST_DIR_EGRESS, "GET /old HTTP/1.0\r\n\r\n", 1000, 1);
	feed_data(p, 1, ST_DIR_INGRESS, "HTTP/1.0 200 OK\r\n\r\npart one ",
		  2000, 1);
	feed_data(p, 1, ST_DIR_INGRESS, "part two", 2500, 1);
	ASSERT_EQ(ngot, 0);
	feed_conn(p, ST_EV_CONN_CLOSE, 1, ST_ROLE_CLIENT, 9000);
	/* released once the grace period has passed */
	pipeline__tick(p, 9000 + PIPELINE_CLOSE_GRACE_NS - 1);
	ASSERT_EQ(ngot, 0);
	pipeline__tick(p, 9000 + PIPELINE_CLOSE_GRACE_NS);
	ASSERT_EQ(ngot, 1);
	ASSERT_EQ(got[0].end_ns, 2500 + OFFSET);
	ASSERT_EQ(pipeline__nconns(p), 0);
	pipeline__free(p);
}

TEST(pipeline_unanswered_request_at_close_is_error)
{
	struct pipeline *p = new_pipeline();
	const struct pipeline_stats *st;

	reset_positions();
	feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_CLIENT, 100);
	feed_data(p, 1, ST_DIR_EGRESS, "GET /slow HTTP/1.1\r\n\r\n", 1000, 1);
	feed_conn(p, ST_EV_CONN_CLOSE, 1, ST_ROLE_CLIENT, 7000);
	pipeline__tick(p, 7000 + PIPELINE_CLOSE_GRACE_NS);
	ASSERT_EQ(ngot, 1);
	ASSERT_EQ(got[0].status, SPAN_STATUS_ERROR);
	ASSERT_STREQ(str_attr(&got[0], SC_ERROR_TYPE), "connection_closed");
	ASSERT_TRUE(!span__attr(&got[0], SC_HTTP_RESPONSE_STATUS_CODE));
	ASSERT_EQ(got[0].end_ns, 7000 + OFFSET);
	st = pipeline__stats(p);
	ASSERT_EQ(st->http1.unanswered_requests, 1);
	pipeline__free(p);
}

/* Stopping spantap with a request in flight invents no span. */
TEST(pipeline_shutdown_counts_but_does_not_span)
{
	struct pipeline *p = new_pipeline();

	reset_positions();
	feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_CLIENT, 100);
	feed_data(p, 1, ST_DIR_EGRESS, "GET /slow HTTP/1.1\r\n\r\n", 1000, 1);
	pipeline__free(p);
	ASSERT_EQ(ngot, 0);
}

TEST(pipeline_non_http_is_ignored)
{
	struct pipeline *p = new_pipeline();

	reset_positions();
	feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_SERVER, 100);
	for (int i = 0; i < 6; i++)
		feed_data(p, 1, ST_DIR_INGRESS, "\x16\x03\x01 binary tls-ish",
			  1000 + i, 1);
	ASSERT_EQ(ngot, 0);
	ASSERT_EQ(pipeline__stats(p)->conns_other, 1);
	pipeline__free(p);
}

/* network.protocol.version is what the server answered with. */
TEST(pipeline_protocol_version_from_response)
{
	struct pipeline *p = new_pipeline();

	reset_positions();
	feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_SERVER, 100);
	feed_data(p, 1, ST_DIR_INGRESS, "GET / HTTP/1.1\r\n\r\n", 1000, 1);
	feed_data(p, 1, ST_DIR_EGRESS,
		  "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 2000, 1);
	ASSERT_EQ(ngot, 1);
	ASSERT_STREQ(str_attr(&got[0], SC_NETWORK_PROTOCOL_VERSION), "1.0");
	pipeline__free(p);
}
