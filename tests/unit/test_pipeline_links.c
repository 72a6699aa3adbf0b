// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The pipeline's links and schemes: traceparent and tracestate, TLS
 * plaintext, and both ends of a connection on this node.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "span/semconv.h"
#include "pipeline_feed.h"
#include "test.h"

#define TP_TRACE "4bf92f3577b34da6a3ce929d0e0e4736"
#define TP_PARENT "00f067aa0ba902b7"

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
		   client ? 8080 : 40000, FEED_PID);
}

/*
 * got[srv], a server span, hangs from got[cli], its client end on this
 * node, in the same trace, and no server end went unlinked.
 */
static void assert_server_under_client(struct pipeline *p, int srv, int cli)
{
	ASSERT_EQ(got[srv].kind, SPAN_KIND_SERVER);
	ASSERT_EQ(got[cli].kind, SPAN_KIND_CLIENT);
	ASSERT_MEMEQ(got[srv].parent_span_id, got[cli].span_id, 8);
	ASSERT_MEMEQ(got[srv].trace_id, got[cli].trace_id, 16);
	ASSERT_EQ(pipeline__stats(p)->links.connection_unseen, 0);
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
	ASSERT_STREQ(str_attr(&got[0], SC_SPANTAP_PARENT_SOURCE), "connection");
	ASSERT_EQ(feed_data(p, 1, ST_DIR_INGRESS, RESP200, 2100, 9), 0);
	ASSERT_EQ(ngot, 2);
	assert_server_under_client(p, 0, 1);
	ASSERT_EQ(pipeline__stats(p)->links.connection_late, 1);
	pipeline__free(p);
}

/*
 * Where connections are learnt from their first bytes, the client's is
 * announced with its first write, when that returns: the server may have
 * read the request, and answered, before. Its span still waits.
 */
TEST(pipeline_server_span_waits_for_client_conn_announced_late)
{
	struct pipeline *p = new_pipeline();

	reset_positions();
	feed_local(p, ST_EV_CONN_OPEN, 2, 110);
	ASSERT_EQ(feed_data(p, 2, ST_DIR_INGRESS, REQ, 1000, 7), 0);
	feed_local(p, ST_EV_CONN_OPEN, 1, 100);
	ASSERT_EQ(feed_data(p, 2, ST_DIR_EGRESS, RESP200, 2000, 7), 0);
	ASSERT_EQ(ngot, 0);
	ASSERT_EQ(feed_data(p, 1, ST_DIR_EGRESS, REQ, 900, 9), 0);
	ASSERT_EQ(feed_data(p, 1, ST_DIR_INGRESS, RESP200, 2100, 9), 0);
	ASSERT_EQ(ngot, 2);
	assert_server_under_client(p, 0, 1);
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

/*
 * A connection closed with nothing in flight lets its parsers and buffers
 * go. A request its server reads after the close (a reset, the bytes
 * still queued) is still the connection's second: its span links to the
 * client's second request, not to a first one.
 */
TEST(pipeline_request_read_after_idle_close_keeps_its_place)
{
	struct pipeline *p = new_pipeline();

	reset_positions();
	feed_local(p, ST_EV_CONN_OPEN, 1, 100);
	feed_local(p, ST_EV_CONN_OPEN, 2, 110);
	feed_data(p, 1, ST_DIR_EGRESS, REQ, 900, 9);
	feed_data(p, 2, ST_DIR_INGRESS, REQ, 1000, 7);
	feed_data(p, 2, ST_DIR_EGRESS, RESP200, 2000, 7);
	feed_data(p, 1, ST_DIR_INGRESS, RESP200, 2100, 9);
	ASSERT_EQ(ngot, 2);

	feed_data(p, 1, ST_DIR_EGRESS, REQ, 3000, 9);
	feed_local(p, ST_EV_CONN_CLOSE, 2, 3100);
	ASSERT_EQ(feed_data(p, 2, ST_DIR_INGRESS, REQ, 3200, 7), 0);
	feed_local(p, ST_EV_CONN_CLOSE, 1, 3300);
	pipeline__tick(p, 3300 + PIPELINE_CLOSE_GRACE_NS);
	pipeline__drain(p);
	ASSERT_EQ(ngot, 4);
	assert_server_under_client(p, 2, 3);
	ASSERT_EQ(pipeline__stats(p)->http1.unanswered_requests, 2);
	pipeline__free(p);
}
