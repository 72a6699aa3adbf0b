// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The pipeline from ring buffer records to spans, driven with records built
 * here the way the BPF side lays them out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pipeline.h"
#include "span/semconv.h"
#include "test.h"

#define MAX_SPANS 16
#define OFFSET 1000000000000LL /* mono -> wall, to see it applied */

static struct span got[MAX_SPANS];
static int ngot;

static void collect(struct span *s, void *arg)
{
	if (ngot < MAX_SPANS)
		got[ngot] = *s;
	ngot++;
}

static struct pipeline *new_pipeline(void)
{
	struct pipeline_opts o = {
		.max_conns = 8,
		.stream_bytes = 0,
		.idle_ns = 1000000000ULL,
		.sink = {.emit = collect, .mono_to_wall = OFFSET},
	};

	ngot = 0;
	memset(got, 0, sizeof(got));
	return pipeline__new(&o);
}

/* A connection event of id from laddr:lport to raddr:rport */
static int feed_tuple(struct pipeline *p, uint16_t type, uint64_t id,
		      uint16_t role, uint64_t ts, const char *laddr,
		      uint16_t lport, const char *raddr, uint16_t rport)
{
	struct st_conn_event e = {};

	e.hdr.type = type;
	e.hdr.size = sizeof(e);
	e.hdr.ts_ns = ts;
	e.conn_id = id;
	e.pid = 42;
	e.tid = 42;
	e.role = role;
	e.family = AF_INET;
	e.lport = lport;
	e.rport = rport;
	inet_pton(AF_INET, laddr, e.laddr);
	inet_pton(AF_INET, raddr, e.raddr);
	strcpy(e.comm, "testsrv");
	return pipeline__event(p, &e, sizeof(e));
}

static int feed_conn(struct pipeline *p, uint16_t type, uint64_t id,
		     uint16_t role, uint64_t ts)
{
	bool client = role == ST_ROLE_CLIENT;

	return feed_tuple(p, type, id, role, ts, "127.0.0.1",
			  client ? 40000 : 8080, "10.1.2.3",
			  client ? 8080 : 40000);
}

/* Positions per conn and direction, as the kernel keeps them. */
static uint64_t pos[4][2];

/* A data event from source src (0: the syscall does not matter) at pos at */
static int feed_src(struct pipeline *p, uint64_t id, int dir, uint16_t src,
		    uint64_t at, const char *bytes, uint64_t ts, uint32_t tid)
{
	size_t len = strlen(bytes);
	struct st_data_event *e = calloc(1, sizeof(*e) + len);
	int err;

	e->hdr.type = ST_EV_DATA;
	e->hdr.size = sizeof(*e) + len;
	e->hdr.ts_ns = ts;
	e->conn_id = id;
	e->pos = at;
	e->pid = 42;
	e->tid = tid;
	e->len = len;
	e->cap_len = len;
	e->dir = dir;
	e->source = src;
	memcpy(e->payload, bytes, len);
	err = pipeline__event(p, e, sizeof(*e) + len);
	free(e);
	return err;
}

static int feed_data(struct pipeline *p, uint64_t id, int dir,
		     const char *bytes, uint64_t ts, uint32_t tid)
{
	uint64_t at = pos[id & 3][dir];

	pos[id & 3][dir] += strlen(bytes);
	return feed_src(p, id, dir, 0, at, bytes, ts, tid);
}

static void reset_positions(void)
{
	memset(pos, 0, sizeof(pos));
}

static const char *str_attr(const struct span *s, const char *key)
{
	static char buf[SPAN_STRBUF + 1];
	size_t len;
	const char *v = span__attr_str(s, key, &len);

	if (!v)
		return NULL;
	memcpy(buf, v, len);
	buf[len] = '\0';
	return buf;
}

static int64_t int_attr(const struct span *s, const char *key)
{
	const struct span_attr *a = span__attr(s, key);

	return a && a->type == SPAN_ATTR_INT ? a->i : -1;
}

#define REQ                                                                 \
	"GET /items?id=7 HTTP/1.1\r\nHost: shop.local:8080\r\nUser-Agent: " \
	"t/1\r\n\r\n"
#define RESP200 "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

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
		snprintf(req, sizeof(req), "GET /a HTTP/1.1\r\nHost: %s\r\n\r\n",
			 cases[i].host);
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

static uint64_t told[4];
static bool told_tls[4];
static int ntold;

static void note_other_proto(void *ctx, uint64_t conn_id, bool tls)
{
	ASSERT_TRUE(ctx == told);
	if (ntold < 4) {
		told[ntold] = conn_id;
		told_tls[ntold] = tls;
	}
	ntold++;
}

/* The capture is told once, when the agent gives up; never of HTTP. */
TEST(pipeline_other_proto_told_once_with_its_conn_id)
{
	struct pipeline_opts o = {
		.max_conns = 8,
		.idle_ns = 1000000000ULL,
		.sink = {.emit = collect, .mono_to_wall = OFFSET},
		.other_proto = note_other_proto,
		.other_proto_ctx = told,
	};
	struct pipeline *p = pipeline__new(&o);

	ASSERT_TRUE(p);
	ngot = 0;
	ntold = 0;
	reset_positions();
	feed_conn(p, ST_EV_CONN_OPEN, 2, ST_ROLE_SERVER, 100);
	feed_data(p, 2, ST_DIR_INGRESS, REQ, 1000, 7);
	feed_data(p, 2, ST_DIR_EGRESS, RESP200, 2000, 7);
	ASSERT_EQ(ngot, 1);
	ASSERT_EQ(ntold, 0);
	feed_conn(p, ST_EV_CONN_OPEN, 3, ST_ROLE_SERVER, 100);
	for (int i = 0; i < 3; i++)
		feed_data(p, 3, ST_DIR_INGRESS, "\x01\x02 binary frame",
			  3000 + i, 1);
	/* still trying */
	ASSERT_EQ(ntold, 0);
	for (int i = 0; i < 5; i++)
		feed_data(p, 3, ST_DIR_INGRESS, "\x01\x02 binary frame",
			  4000 + i, 1);
	ASSERT_EQ(ntold, 1);
	ASSERT_EQ(told[0], 3);
	ASSERT_TRUE(!told_tls[0]);
	ASSERT_EQ(pipeline__stats(p)->conns_other, 1);
	/* a TLS library's plaintext: the verdict covers it */
	feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_SERVER, 100);
	for (int i = 0; i < 8; i++) {
		static const char frame[] = "\x01\x02 binary frame";

		ASSERT_EQ(feed_src(p, 1, ST_DIR_INGRESS, ST_SRC_SSL_READ,
				   i * (sizeof(frame) - 1), frame, 5000 + i, 1),
			  0);
	}
	ASSERT_EQ(ntold, 2);
	ASSERT_EQ(told[1], 1);
	ASSERT_TRUE(told_tls[1]);
	pipeline__free(p);
}

TEST(pipeline_rejects_malformed_records)
{
	struct pipeline *p = new_pipeline();
	struct st_data_event e = {};
	uint8_t tiny[4] = {};

	ASSERT_EQ(pipeline__event(p, tiny, sizeof(tiny)), -EINVAL);
	e.hdr.type = ST_EV_DATA;
	e.hdr.size = sizeof(e);
	e.cap_len = 100; /* claims bytes the record does not have */
	e.len = 100;
	ASSERT_EQ(pipeline__event(p, &e, sizeof(e)), -EINVAL);
	e.hdr.type = 77;
	e.cap_len = 0;
	ASSERT_EQ(pipeline__event(p, &e, sizeof(e)), -EINVAL);
	ASSERT_EQ(pipeline__stats(p)->bad_events, 3);
	pipeline__free(p);
}

/* More connections than the table holds: the oldest goes, counted. */
TEST(pipeline_evicts_oldest_conn)
{
	struct pipeline *p = new_pipeline();

	for (uint64_t id = 100; id < 110; id++)
		feed_conn(p, ST_EV_CONN_OPEN, id, ST_ROLE_SERVER, id);
	ASSERT_EQ(pipeline__nconns(p), 8);
	ASSERT_EQ(pipeline__stats(p)->conns_evicted, 2);
	pipeline__tick(p, 5000000000ULL);
	ASSERT_EQ(pipeline__nconns(p), 0);
	ASSERT_EQ(pipeline__stats(p)->conns_expired, 8);
	pipeline__free(p);
}

/*
 * A peer's reset can close the socket inside the send() that carries the
 * response: the close record then comes before the data record.
 */
TEST(pipeline_data_after_close_within_grace)
{
	struct pipeline *p = new_pipeline();
	const struct pipeline_stats *st;

	reset_positions();
	feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_SERVER, 100);
	feed_data(p, 1, ST_DIR_INGRESS, REQ, 1000, 1);
	feed_conn(p, ST_EV_CONN_CLOSE, 1, ST_ROLE_SERVER, 3000);
	feed_data(p, 1, ST_DIR_EGRESS, RESP200, 2000, 1);
	ASSERT_EQ(ngot, 1);
	ASSERT_EQ(got[0].status, SPAN_STATUS_UNSET);
	ASSERT_EQ(int_attr(&got[0], SC_HTTP_RESPONSE_STATUS_CODE), 200);
	pipeline__tick(p, 3000 + PIPELINE_CLOSE_GRACE_NS);
	ASSERT_EQ(ngot, 1);
	st = pipeline__stats(p);
	ASSERT_EQ(st->http1.unmatched_responses, 0);
	ASSERT_EQ(st->http1.unanswered_requests, 0);
	ASSERT_EQ(st->conns_closed, 1);
	ASSERT_EQ(pipeline__nconns(p), 0);
	pipeline__free(p);
}

/* A closed conn still waiting at shutdown is finished as closed. */
TEST(pipeline_shutdown_finishes_closed_conns)
{
	struct pipeline *p = new_pipeline();

	reset_positions();
	feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_CLIENT, 100);
	feed_data(p, 1, ST_DIR_EGRESS, "GET /old HTTP/1.0\r\n\r\n", 1000, 1);
	feed_data(p, 1, ST_DIR_INGRESS, "HTTP/1.0 200 OK\r\n\r\nbody", 2000, 1);
	feed_conn(p, ST_EV_CONN_CLOSE, 1, ST_ROLE_CLIENT, 3000);
	ASSERT_EQ(ngot, 0);
	pipeline__drain(p);
	ASSERT_EQ(ngot, 1);
	ASSERT_EQ(got[0].end_ns, 2000 + OFFSET);
	ASSERT_EQ(pipeline__stats(p)->conns_closed, 1);
	ASSERT_EQ(pipeline__nconns(p), 0);
	pipeline__free(p);
	ASSERT_EQ(ngot, 1);
}

/* The connection ended before the body the response announced. */
TEST(pipeline_truncated_response_is_error)
{
	struct pipeline *p = new_pipeline();

	reset_positions();
	feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_CLIENT, 100);
	feed_data(p, 1, ST_DIR_EGRESS, "GET /cut HTTP/1.1\r\n\r\n", 1000, 1);
	feed_data(p, 1, ST_DIR_INGRESS,
		  "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..",
		  2000, 1);
	feed_conn(p, ST_EV_CONN_CLOSE, 1, ST_ROLE_CLIENT, 3000);
	pipeline__tick(p, 3000 + PIPELINE_CLOSE_GRACE_NS);
	ASSERT_EQ(ngot, 1);
	ASSERT_EQ(got[0].status, SPAN_STATUS_ERROR);
	ASSERT_STREQ(str_attr(&got[0], SC_ERROR_TYPE), "response_incomplete");
	ASSERT_EQ(int_attr(&got[0], SC_HTTP_RESPONSE_STATUS_CODE), 200);
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

#define TP_TRACE "4bf92f3577b34da6a3ce929d0e0e4736"
#define TP_PARENT "00f067aa0ba902b7"

/* A traceparent continues its trace, with its tracestate. */
TEST(pipeline_traceparent_and_tracestate)
{
	struct pipeline *p = new_pipeline();
	size_t n;
	const char *ts;

	reset_positions();
	ASSERT_EQ(feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_SERVER, 100), 0);
	ASSERT_EQ(feed_data(p, 1, ST_DIR_INGRESS,
			    "GET / HTTP/1.1\r\ntraceparent: 00-" TP_TRACE
			    "-" TP_PARENT "-01\r\ntracestate: a=1\r\n"
			    "tracestate: b=2\r\n\r\n",
			    1000, 7),
		  0);
	ASSERT_EQ(feed_data(p, 1, ST_DIR_EGRESS, RESP200, 5000, 7), 0);
	ASSERT_EQ(ngot, 1);
	ASSERT_MEMEQ(got[0].trace_id,
		     "\x4b\xf9\x2f\x35\x77\xb3\x4d\xa6\xa3\xce\x92\x9d\x0e\x0e"
		     "\x47\x36",
		     16);
	ASSERT_MEMEQ(got[0].parent_span_id, "\x00\xf0\x67\xaa\x0b\xa9\x02\xb7",
		     8);
	ASSERT_EQ(got[0].parent_remote, 1);
	ASSERT_STREQ(str_attr(&got[0], SC_SPANTAP_PARENT_SOURCE),
		     "traceparent");
	ts = span__trace_state(&got[0], &n);
	ASSERT_TRUE(ts);
	ASSERT_EQ(n, 7);
	ASSERT_MEMEQ(ts, "a=1,b=2", 7);
	pipeline__free(p);
}

/*
 * A request with a traceparent and one tracestate line of n entries:
 * "kNN=" and vlen 'v's each (vlen at most 30).
 */
static void tracestate_request(char *req, size_t size, int n, int vlen)
{
	size_t off = snprintf(req, size,
			      "GET / HTTP/1.1\r\ntraceparent: 00-" TP_TRACE
			      "-" TP_PARENT "-01\r\ntracestate: ");

	for (int i = 0; i < n; i++)
		off += snprintf(req + off, size - off, "%sk%02d=%.*s",
				i ? "," : "", i, vlen,
				"vvvvvvvvvvvvvvvvvvvvvvvvvvvvvv");
	snprintf(req + off, size - off, "\r\n\r\n");
}

/* A tracestate longer than the parser keeps loses its cut last entry,
 * never keeps half of one. */
TEST(pipeline_tracestate_cut_keeps_whole_entries)
{
	struct pipeline *p = new_pipeline();
	static char req[2048];
	size_t n;
	const char *ts;

	/* 40 entries "kNN=vvvvvvvvvv" of 14 bytes: 599 bytes with commas */
	tracestate_request(req, sizeof(req), 40, 10);
	reset_positions();
	ASSERT_EQ(feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_SERVER, 100), 0);
	ASSERT_EQ(feed_data(p, 1, ST_DIR_INGRESS, req, 1000, 7), 0);
	ASSERT_EQ(feed_data(p, 1, ST_DIR_EGRESS, RESP200, 5000, 7), 0);
	ASSERT_EQ(ngot, 1);
	ts = span__trace_state(&got[0], &n);
	/* more than 32 members: the list is invalid and dropped whole */
	ASSERT_TRUE(!ts);
	ASSERT_STREQ(str_attr(&got[0], SC_SPANTAP_PARENT_SOURCE),
		     "traceparent");
	pipeline__free(p);

	/* 30 members of 24 bytes (749 with commas): cut to whole entries */
	p = new_pipeline();
	tracestate_request(req, sizeof(req), 30, 20);
	reset_positions();
	ASSERT_EQ(feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_SERVER, 100), 0);
	ASSERT_EQ(feed_data(p, 1, ST_DIR_INGRESS, req, 1000, 7), 0);
	ASSERT_EQ(feed_data(p, 1, ST_DIR_EGRESS, RESP200, 5000, 7), 0);
	ASSERT_EQ(ngot, 1);
	ts = span__trace_state(&got[0], &n);
	ASSERT_TRUE(ts);
	/* the 511 bytes the parser keeps hold 20 whole entries (499 bytes
	 * with commas) and a cut 21st, which must go */
	ASSERT_EQ(n, 20 * 24 + 19);
	ASSERT_MEMEQ(ts + n - 24, "k19=vvvvvvvvvvvvvvvvvvvv", 24);
	pipeline__free(p);
}

/*
 * Capture began mid-way through a TLS connection: ciphertext came first
 * (the kernel could not tell yet), then the TLS probes' plaintext, which
 * starts over in its own positions. One https span, nothing from the
 * ciphertext, and later socket bytes are ignored and counted.
 */
TEST(pipeline_tls_plaintext_replaces_ciphertext)
{
	struct pipeline *p = new_pipeline();
	const struct pipeline_stats *st;

	ASSERT_EQ(feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_SERVER, 100), 0);
	ASSERT_EQ(feed_src(p, 1, ST_DIR_INGRESS, ST_SRC_READ, 5000,
			   "\x17\x03\x03\x01\x20garbage-ciphertext", 150, 42),
		  0);
	ASSERT_EQ(feed_src(p, 1, ST_DIR_INGRESS, ST_SRC_SSL_READ, 7, REQ, 200,
			   42),
		  0);
	ASSERT_EQ(feed_src(p, 1, ST_DIR_INGRESS, ST_SRC_READ, 5100,
			   "\x17\x03\x03\x00\x40more", 250, 42),
		  0);
	ASSERT_EQ(feed_src(p, 1, ST_DIR_EGRESS, ST_SRC_SSL_WRITE, 3, RESP200,
			   300, 42),
		  0);
	ASSERT_EQ(ngot, 1);
	ASSERT_STREQ(str_attr(&got[0], SC_URL_SCHEME), "https");
	ASSERT_STREQ(str_attr(&got[0], SC_URL_PATH), "/items");
	ASSERT_EQ(int_attr(&got[0], SC_HTTP_RESPONSE_STATUS_CODE), 200);
	ASSERT_EQ(got[0].start_ns, 200 + OFFSET);
	st = pipeline__stats(p);
	ASSERT_EQ(st->conns_tls, 1);
	ASSERT_EQ(st->tls_ciphertext_ignored, 1);
	ASSERT_EQ(st->http1.parse.invalid, 0);
	pipeline__free(p);
}

TEST(pipeline_plain_http_scheme_and_proc_events)
{
	struct pipeline *p = new_pipeline();
	struct st_proc_event pe = {};

	reset_positions();
	pe.hdr.type = ST_EV_PROC_MMAP;
	pe.hdr.size = sizeof(pe);
	pe.pid = 42;
	/* the TLS probes' bookkeeping: not an error, no span */
	ASSERT_EQ(pipeline__event(p, &pe, sizeof(pe)), 0);
	ASSERT_EQ(pipeline__event(p, &pe, sizeof(pe) - 1), -EINVAL);
	ASSERT_EQ(feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_SERVER, 100), 0);
	ASSERT_EQ(feed_data(p, 1, ST_DIR_INGRESS, REQ, 200, 42), 0);
	ASSERT_EQ(feed_data(p, 1, ST_DIR_EGRESS, RESP200, 300, 42), 0);
	ASSERT_EQ(ngot, 1);
	ASSERT_STREQ(str_attr(&got[0], SC_URL_SCHEME), "http");
	ASSERT_EQ(pipeline__stats(p)->bad_events, 1);
	ASSERT_EQ(pipeline__stats(p)->conns_tls, 0);
	pipeline__free(p);
}

/*
 * Both ends of one connection on this node (127.0.0.1): conn 1 is the
 * client's, from port 40000, conn 2 the server's, on port 8080.
 */
static void feed_local(struct pipeline *p, uint16_t type, uint64_t id,
		       uint64_t ts)
{
	bool client = id == 1;

	feed_tuple(p, type, id, client ? ST_ROLE_CLIENT : ST_ROLE_SERVER, ts,
		   "127.0.0.1", client ? 40000 : 8080, "127.0.0.1",
		   client ? 8080 : 40000);
}

/*
 * Both ends on this node, the server's whole request seen before the
 * client's write (its event comes when its syscall returns): the server
 * span waits for its client end, then goes out linked.
 */
TEST(pipeline_server_span_waits_for_local_client_end)
{
	struct pipeline *p = new_pipeline();

	reset_positions();
	feed_local(p, ST_EV_CONN_OPEN, 1, 100);
	feed_local(p, ST_EV_CONN_OPEN, 2, 110);
	ASSERT_EQ(feed_data(p, 2, ST_DIR_INGRESS, REQ, 1000, 7), 0);
	ASSERT_EQ(feed_data(p, 2, ST_DIR_EGRESS, RESP200, 2000, 7), 0);
	ASSERT_EQ(ngot, 0);
	ASSERT_EQ(pipeline__stats(p)->links.held, 1);
	ASSERT_EQ(feed_data(p, 1, ST_DIR_EGRESS, REQ, 900, 9), 0);
	ASSERT_EQ(ngot, 1);
	ASSERT_EQ(got[0].kind, SPAN_KIND_SERVER);
	ASSERT_STREQ(str_attr(&got[0], SC_SPANTAP_PARENT_SOURCE),
		     "connection");
	ASSERT_EQ(feed_data(p, 1, ST_DIR_INGRESS, RESP200, 2100, 9), 0);
	ASSERT_EQ(ngot, 2);
	ASSERT_EQ(got[1].kind, SPAN_KIND_CLIENT);
	ASSERT_MEMEQ(got[0].parent_span_id, got[1].span_id, 8);
	ASSERT_MEMEQ(got[0].trace_id, got[1].trace_id, 16);
	ASSERT_EQ(pipeline__stats(p)->links.connection_late, 1);
	ASSERT_EQ(pipeline__stats(p)->links.connection_unseen, 0);
	pipeline__free(p);
}

/* A client end that never shows: the span goes out unlinked, not lost. */
TEST(pipeline_held_span_goes_out_when_its_wait_is_over)
{
	struct pipeline *p = new_pipeline();

	reset_positions();
	feed_local(p, ST_EV_CONN_OPEN, 1, 100);
	feed_local(p, ST_EV_CONN_OPEN, 2, 110);
	feed_data(p, 2, ST_DIR_INGRESS, REQ, 1000, 7);
	feed_data(p, 2, ST_DIR_EGRESS, RESP200, 2000, 7);
	ASSERT_EQ(ngot, 0);
	pipeline__tick(p, 2000 + CORRELATE_HOLD_NS / 2);
	ASSERT_EQ(ngot, 0);
	pipeline__tick(p, 2000 + CORRELATE_HOLD_NS);
	ASSERT_EQ(ngot, 1);
	ASSERT_TRUE(span__is_root(&got[0]));
	ASSERT_EQ(pipeline__stats(p)->links.connection_unseen, 1);

	/* and at shutdown, whatever the time */
	feed_data(p, 2, ST_DIR_INGRESS, REQ, 3000, 7);
	feed_data(p, 2, ST_DIR_EGRESS, RESP200, 4000, 7);
	ASSERT_EQ(ngot, 1);
	pipeline__drain(p);
	ASSERT_EQ(ngot, 2);
	pipeline__free(p);
}

/* A client connection gone (or never seen here): nothing is held. */
TEST(pipeline_no_hold_without_local_client_conn)
{
	struct pipeline *p = new_pipeline();

	reset_positions();
	feed_local(p, ST_EV_CONN_OPEN, 1, 100);
	feed_local(p, ST_EV_CONN_CLOSE, 1, 200);
	pipeline__tick(p, 200 + PIPELINE_CLOSE_GRACE_NS);
	feed_local(p, ST_EV_CONN_OPEN, 2, 110);
	feed_data(p, 2, ST_DIR_INGRESS, REQ, 1000, 7);
	feed_data(p, 2, ST_DIR_EGRESS, RESP200, 2000, 7);
	ASSERT_EQ(ngot, 1);
	ASSERT_EQ(pipeline__stats(p)->links.held, 0);
	pipeline__free(p);
}
