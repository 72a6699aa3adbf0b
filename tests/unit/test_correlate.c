// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Parent links: the three rules, their order, and late links. */
#include "span/correlate.h"
#include "span/span_sink.h"
#include "test.h"

static const uint8_t lo[16] = {[10] = 0xff, [11] = 0xff, 127, 0, 0, 1};

/* A request on 127.0.0.1: client port cport to server port sport. */
static struct correlate_req req(bool server, uint32_t pid, uint32_t tid,
				uint16_t cport, uint16_t sport, uint64_t index)
{
	struct correlate_req r = {
		.server = server,
		.pid = pid,
		.tid = tid,
		.family = 2,
		.laddr = lo,
		.raddr = lo,
		.lport = server ? sport : cport,
		.rport = server ? cport : sport,
		.index = index,
	};
	return r;
}

static const char *source(const struct span *s)
{
	static char buf[32];
	size_t n;
	const char *v = span__attr_str(s, SC_SPANTAP_PARENT_SOURCE, &n);

	if (!v)
		return "-";
	snprintf(buf, sizeof(buf), "%.*s", (int)n, v);
	return buf;
}

TEST(correlate_chain_by_connection_and_thread)
{
	struct correlate *k = correlate__new(1024);
	static struct span cs, ss, c2;
	static const uint8_t zero[16];
	struct correlate_req r;
	uint8_t cid[8], sid[8], c2id[8];

	ASSERT_TRUE(k);
	/* curl (pid 1) -> A (pid 2, thread 20) on 50000 -> 8080 */
	r = req(false, 1, 10, 50000, 8080, 0);
	correlate__start(k, &r, cid);
	r = req(true, 2, 20, 50000, 8080, 0);
	correlate__start(k, &r, sid);
	/* A's thread 20 calls out while serving */
	r = req(false, 2, 20, 50001, 9090, 0);
	correlate__start(k, &r, c2id);

	span__reset(&c2);
	correlate__finish(k, c2id, &c2);
	span__reset(&ss);
	correlate__finish(k, sid, &ss);
	correlate__server_done(k, 2, 20, sid);
	span__reset(&cs);
	correlate__finish(k, cid, &cs);

	ASSERT_TRUE(span__is_root(&cs));
	ASSERT_MEMEQ(ss.parent_span_id, cid, 8);
	ASSERT_STREQ(source(&ss), "connection");
	ASSERT_MEMEQ(c2.parent_span_id, sid, 8);
	ASSERT_STREQ(source(&c2), "thread");
	ASSERT_MEMEQ(ss.trace_id, cs.trace_id, 16);
	ASSERT_MEMEQ(c2.trace_id, cs.trace_id, 16);
	/* drawn when c2, the first span in it, finished */
	ASSERT_TRUE(memcmp(cs.trace_id, zero, 16));
	ASSERT_EQ(cs.trace_flags, 1);
	ASSERT_EQ(correlate__stats(k)->connection, 1);
	ASSERT_EQ(correlate__stats(k)->thread, 1);
	correlate__free(k);
}

static struct span held_out[4];
static int nheld_out;

static void collect_held(struct span *s, void *arg)
{
	if (nheld_out < 4)
		held_out[nheld_out] = *s;
	nheld_out++;
}

/*
 * The server end is seen first, and its child: both are held back until
 * the client end on this node shows, then end in curl's trace.
 */
TEST(correlate_server_first_linked_late)
{
	struct correlate *k = correlate__new(1024);
	static struct span cs, ss, c2;
	struct correlate_conn cc = {2, lo, lo, 50000, 8080};
	struct span_sink sink = {.emit = collect_held};
	struct correlate_req r;
	uint8_t cid[8], sid[8], c2id[8];

	nheld_out = 0;
	/* the client's connection was seen opening: its end will come */
	correlate__client_open(k, &cc);
	r = req(true, 2, 20, 50000, 8080, 3);
	correlate__start(k, &r, sid);
	r = req(false, 2, 20, 50001, 9090, 0);
	correlate__start(k, &r, c2id);

	span__reset(&c2);
	ASSERT_TRUE(correlate__finish(k, c2id, &c2));
	span__reset(&ss);
	ASSERT_TRUE(correlate__finish(k, sid, &ss));
	ASSERT_EQ(correlate__nheld(k), 2);
	correlate__emit_held(k, 0, &sink);
	ASSERT_EQ(nheld_out, 0);

	r = req(false, 1, 10, 50000, 8080, 3);
	correlate__start(k, &r, cid);
	correlate__emit_held(k, 0, &sink);
	ASSERT_EQ(nheld_out, 2);
	span__reset(&cs);
	ASSERT_TRUE(!correlate__finish(k, cid, &cs));
	ASSERT_MEMEQ(held_out[0].span_id, c2id, 8);
	ASSERT_MEMEQ(held_out[1].span_id, sid, 8);
	ASSERT_MEMEQ(held_out[1].parent_span_id, cid, 8);
	ASSERT_MEMEQ(held_out[0].trace_id, cs.trace_id, 16);
	ASSERT_MEMEQ(held_out[1].trace_id, cs.trace_id, 16);
	ASSERT_EQ(correlate__stats(k)->connection_late, 1);
	ASSERT_EQ(correlate__stats(k)->held, 2);
	ASSERT_EQ(correlate__stats(k)->connection_unseen, 0);
	correlate__free(k);
}

/*
 * The client's connection is announced after its server end's first
 * request began (the kernel reports it with the client's first write,
 * which returns after the server may have read it): the server end still
 * waits for it, and is linked.
 */
TEST(correlate_client_conn_announced_after_server_began)
{
	struct correlate *k = correlate__new(1024);
	static struct span cs, ss;
	struct correlate_conn cc = {2, lo, lo, 50000, 8080};
	struct span_sink sink = {.emit = collect_held};
	struct correlate_req r;
	uint8_t cid[8], sid[8];

	nheld_out = 0;
	r = req(true, 2, 20, 50000, 8080, 0);
	correlate__start(k, &r, sid);
	correlate__client_open(k, &cc);
	span__reset(&ss);
	ASSERT_TRUE(correlate__finish(k, sid, &ss));
	r = req(false, 1, 10, 50000, 8080, 0);
	correlate__start(k, &r, cid);
	correlate__emit_held(k, 0, &sink);
	ASSERT_EQ(nheld_out, 1);
	ASSERT_MEMEQ(held_out[0].parent_span_id, cid, 8);
	span__reset(&cs);
	ASSERT_TRUE(!correlate__finish(k, cid, &cs));
	ASSERT_MEMEQ(held_out[0].trace_id, cs.trace_id, 16);
	ASSERT_EQ(correlate__stats(k)->connection_late, 1);
	ASSERT_EQ(correlate__stats(k)->connection_unseen, 0);
	correlate__free(k);
}

/*
 * Only a first request can begin before its connection is announced: a
 * later one on a connection not known here is a remote client's, and a
 * server end already finished is gone. Neither waits.
 */
TEST(correlate_late_client_conn_only_for_open_first_requests)
{
	struct correlate *k = correlate__new(1024);
	static struct span ss, s2;
	struct correlate_conn cc = {2, lo, lo, 50000, 8080};
	struct correlate_conn cc2 = {2, lo, lo, 50001, 8080};
	struct correlate_req r;
	uint8_t sid[8], s2id[8];

	r = req(true, 2, 20, 50000, 8080, 0);
	correlate__start(k, &r, sid);
	span__reset(&ss);
	ASSERT_TRUE(!correlate__finish(k, sid, &ss));
	correlate__client_open(k, &cc);

	r = req(true, 2, 20, 50001, 8080, 1);
	correlate__start(k, &r, s2id);
	correlate__client_open(k, &cc2);
	span__reset(&s2);
	ASSERT_TRUE(!correlate__finish(k, s2id, &s2));
	ASSERT_EQ(correlate__stats(k)->held, 0);
	ASSERT_EQ(correlate__stats(k)->connection_unseen, 2);
	correlate__free(k);
}

/* A client whose connection is not on this node: nothing waits for it. */
TEST(correlate_remote_client_not_waited_for)
{
	struct correlate *k = correlate__new(1024);
	static struct span ss, cs;
	struct correlate_req r;
	uint8_t cid[8], sid[8];

	r = req(true, 2, 20, 50000, 8080, 0);
	correlate__start(k, &r, sid);
	span__reset(&ss);
	ASSERT_TRUE(!correlate__finish(k, sid, &ss));
	ASSERT_TRUE(span__is_root(&ss));
	ASSERT_EQ(correlate__stats(k)->connection_unseen, 1);
	/* a client end with the same 4-tuple after all: no server to link */
	r = req(false, 1, 10, 50000, 8080, 0);
	correlate__start(k, &r, cid);
	span__reset(&cs);
	correlate__finish(k, cid, &cs);
	ASSERT_EQ(correlate__stats(k)->connection, 0);
	ASSERT_EQ(correlate__stats(k)->held, 0);
	correlate__free(k);
}

/*
 * A client end answered without its server end showing: the server is
 * elsewhere. Its entry goes, so a later connection on the same 4-tuple
 * (ports are reused) does not take it as its client.
 */
TEST(correlate_answered_client_end_forgotten)
{
	struct correlate *k = correlate__new(1024);
	static struct span ss, cs;
	struct correlate_req r;
	uint8_t cid[8], sid[8];

	r = req(false, 1, 10, 50000, 8080, 0);
	correlate__start(k, &r, cid);
	span__reset(&cs);
	correlate__finish(k, cid, &cs);
	correlate__client_done(k, &r, cid);
	r = req(true, 2, 20, 50000, 8080, 0);
	correlate__start(k, &r, sid);
	span__reset(&ss);
	correlate__finish(k, sid, &ss);
	ASSERT_TRUE(span__is_root(&ss));
	ASSERT_EQ(correlate__stats(k)->connection, 0);

	/* done for another span's entry (a stale id): the entry stays */
	r = req(false, 1, 10, 50001, 8080, 0);
	correlate__start(k, &r, cid);
	correlate__client_done(k, &r, sid);
	r = req(true, 2, 20, 50001, 8080, 0);
	correlate__start(k, &r, sid);
	span__reset(&ss);
	correlate__finish(k, sid, &ss);
	ASSERT_MEMEQ(ss.parent_span_id, cid, 8);
	correlate__free(k);
}

/*
 * A client end whose node was taken for later spans (its id no longer
 * known) still has its entry dropped when answered.
 */
TEST(correlate_answered_client_end_forgotten_without_node)
{
	struct correlate *k = correlate__new(64);
	static struct span ss, cs;
	struct correlate_req r, other;
	uint8_t cid[8], sid[8], id[8];

	ASSERT_TRUE(k);
	r = req(false, 1, 10, 50000, 8080, 0);
	correlate__start(k, &r, cid);
	span__reset(&cs);
	correlate__finish(k, cid, &cs);
	/* enough finished spans to take every node again */
	for (int i = 0; i < 200; i++) {
		other = req(false, 3, 30, 40000 + i, 9090, 0);
		other.midstream = true;
		correlate__start(k, &other, id);
		span__reset(&cs);
		correlate__finish(k, id, &cs);
	}
	correlate__client_done(k, &r, cid);
	r = req(true, 2, 20, 50000, 8080, 0);
	correlate__start(k, &r, sid);
	span__reset(&ss);
	correlate__finish(k, sid, &ss);
	ASSERT_TRUE(span__is_root(&ss));
	ASSERT_EQ(correlate__stats(k)->connection, 0);
	correlate__free(k);
}

/* Request index of 50000 -> 8080 starts at start_ns; its id in id. */
static void start_at(struct correlate *k, bool server, uint64_t index,
		     uint64_t start_ns, uint8_t id[8])
{
	struct correlate_req r = server ? req(true, 2, 20, 50000, 8080, index) :
					  req(false, 1, 10, 50000, 8080, index);

	r.start_ns = start_ns;
	correlate__start(k, &r, id);
}

/* The span of id, with these times, finished into s. */
static bool finish_at(struct correlate *k, const uint8_t id[8], struct span *s,
		      uint64_t start_ns, uint64_t end_ns)
{
	span__reset(s);
	s->start_ns = start_ns;
	s->end_ns = end_ns;
	return correlate__finish(k, id, s);
}

/*
 * Writes are timed when they return: on one node the server end may start
 * before its client end, or end after it. Linked ends bound each other.
 */
TEST(correlate_connection_bounds_times)
{
	struct correlate *k = correlate__new(1024);
	struct correlate_conn cc = {2, lo, lo, 50000, 8080};
	static struct span cs, ss;
	uint8_t cid[8], sid[8];

	/* the server read the request before the client's write returned */
	correlate__client_open(k, &cc);
	start_at(k, true, 0, 1000, sid);
	start_at(k, false, 0, 1500, cid);
	ASSERT_TRUE(!finish_at(k, sid, &ss, 1000, 3000));
	ASSERT_EQ(ss.end_ns, 3000);
	finish_at(k, cid, &cs, 1500, 4000);
	ASSERT_EQ(cs.start_ns, 1000);
	ASSERT_EQ(cs.end_ns, 4000);
	ASSERT_EQ(correlate__stats(k)->bounded, 1);

	/* the client had the answer before the server's write returned */
	start_at(k, false, 1, 5000, cid);
	start_at(k, true, 1, 6000, sid);
	finish_at(k, cid, &cs, 5000, 8000);
	ASSERT_EQ(cs.start_ns, 5000);
	finish_at(k, sid, &ss, 6000, 8500);
	ASSERT_MEMEQ(ss.parent_span_id, cid, 8);
	ASSERT_EQ(ss.start_ns, 6000);
	ASSERT_EQ(ss.end_ns, 8000);
	ASSERT_EQ(correlate__stats(k)->bounded, 2);

	/*
	 * the same, but the server end finished first: the client end,
	 * finishing second, ends no earlier than its server end
	 */
	start_at(k, false, 3, 20000, cid);
	start_at(k, true, 3, 21000, sid);
	finish_at(k, sid, &ss, 21000, 23025);
	ASSERT_EQ(ss.end_ns, 23025);
	finish_at(k, cid, &cs, 20000, 23000);
	ASSERT_EQ(cs.end_ns, 23025);
	ASSERT_EQ(correlate__stats(k)->bounded, 3);

	/* ends that agree are left alone, and so are unlinked spans */
	start_at(k, false, 2, 9000, cid);
	start_at(k, true, 2, 9500, sid);
	finish_at(k, sid, &ss, 9500, 9900);
	finish_at(k, cid, &cs, 9000, 10000);
	ASSERT_EQ(cs.start_ns, 9000);
	ASSERT_EQ(cs.end_ns, 10000);
	ASSERT_EQ(ss.end_ns, 9900);
	ASSERT_EQ(correlate__stats(k)->bounded, 3);
	correlate__free(k);
}

TEST(correlate_other_request_index_not_linked)
{
	struct correlate *k = correlate__new(1024);
	static struct span ss;
	struct correlate_req r;
	uint8_t cid[8], sid[8];

	r = req(false, 1, 10, 50000, 8080, 0);
	correlate__start(k, &r, cid);
	r = req(true, 2, 20, 50000, 8080,
		1); /* the next request's server end */
	correlate__start(k, &r, sid);
	span__reset(&ss);
	correlate__finish(k, sid, &ss);
	ASSERT_TRUE(span__is_root(&ss));
	ASSERT_STREQ(source(&ss), "-");
	correlate__free(k);
}

TEST(correlate_traceparent_wins)
{
	struct correlate *k = correlate__new(1024);
	struct trace_context tp = {.flags = 0x03, .version = 0};
	static struct span ss;
	struct correlate_req r;
	uint8_t cid[8], sid[8];

	memset(tp.trace_id, 0xab, 16);
	memset(tp.parent_id, 0xcd, 8);
	r = req(false, 1, 10, 50000, 8080, 0);
	correlate__start(k, &r, cid);
	r = req(true, 2, 20, 50000, 8080, 0);
	r.tp = &tp;
	correlate__start(k, &r, sid);
	span__reset(&ss);
	correlate__finish(k, sid, &ss);
	ASSERT_MEMEQ(ss.trace_id, tp.trace_id, 16);
	ASSERT_MEMEQ(ss.parent_span_id, tp.parent_id, 8);
	ASSERT_EQ(ss.trace_flags, 3);
	ASSERT_EQ(ss.parent_remote, 1);
	ASSERT_STREQ(source(&ss), "traceparent");
	correlate__free(k);
}

/* An event loop with two requests open on one thread: no guess. */
TEST(correlate_thread_ambiguous)
{
	struct correlate *k = correlate__new(1024);
	static struct span c;
	struct correlate_req r;
	uint8_t s1[8], s2[8], cid[8];

	r = req(true, 2, 20, 50000, 8080, 0);
	correlate__start(k, &r, s1);
	r = req(true, 2, 20, 50002, 8080, 0);
	correlate__start(k, &r, s2);
	r = req(false, 2, 20, 50001, 9090, 0);
	correlate__start(k, &r, cid);
	span__reset(&c);
	correlate__finish(k, cid, &c);
	ASSERT_TRUE(span__is_root(&c));
	ASSERT_EQ(correlate__stats(k)->thread_ambiguous, 1);
	/* once both are answered the thread is idle: a new call is a root */
	correlate__server_done(k, 2, 20, s1);
	correlate__server_done(k, 2, 20, s2);
	r = req(false, 2, 20, 50003, 9090, 0);
	correlate__start(k, &r, cid);
	span__reset(&c);
	correlate__finish(k, cid, &c);
	ASSERT_TRUE(span__is_root(&c));
	ASSERT_EQ(correlate__stats(k)->thread_ambiguous, 1);
	correlate__free(k);
}

/* A table full of requests in flight: a new one is not remembered (a root,
 * counted); those in flight keep their links. */
TEST(correlate_full_of_requests_in_flight)
{
	struct correlate *k = correlate__new(4);
	static struct span c, x;
	struct correlate_req r;
	uint8_t sid[8], cid[8], xid[8];

	r = req(true, 2, 20, 50000, 8080, 0);
	r.midstream = true;
	correlate__start(k, &r, sid);
	r = req(false, 2, 20, 50001, 9090, 0);
	correlate__start(k, &r, cid);
	/* more requests in flight than the table has room for (64) */
	for (int i = 0; i < 100; i++) {
		r = req(false, 3, 30, 40000 + i, 9090, 0);
		r.midstream = true;
		correlate__start(k, &r, xid);
	}
	ASSERT_TRUE(correlate__stats(k)->unremembered > 0);
	span__reset(&x);
	correlate__finish(k, xid, &x);
	ASSERT_TRUE(span__is_root(&x));
	span__reset(&c);
	correlate__finish(k, cid, &c);
	ASSERT_MEMEQ(c.parent_span_id, sid, 8);
	ASSERT_STREQ(source(&c), "thread");
	correlate__free(k);
}

TEST(correlate_null_gives_roots)
{
	static struct span s;
	uint8_t id[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	static const uint8_t zero[16];

	span__reset(&s);
	correlate__finish(NULL, id, &s);
	ASSERT_MEMEQ(s.span_id, id, 8);
	ASSERT_TRUE(span__is_root(&s));
	ASSERT_TRUE(memcmp(s.trace_id, zero, 16));
}

/* A long request outlives many short ones: its node is never pushed out
 * while it is in flight, so it keeps the trace its children took. */
TEST(correlate_request_in_flight_kept)
{
	struct correlate *k = correlate__new(8);
	static struct span s, c;
	struct correlate_req r;
	uint8_t sid[8], cid[8], x[8];

	r = req(true, 2, 20, 50000, 8080, 0);
	r.midstream = true;
	correlate__start(k, &r, sid);
	r = req(false, 2, 20, 50001, 9090, 0);
	correlate__start(k, &r, cid);
	span__reset(&c);
	correlate__finish(k, cid, &c);
	for (int i = 0; i < 100; i++) {
		static struct span tmp;

		r = req(false, 3, 30, 40000 + i, 9090, 0);
		r.midstream = true;
		correlate__start(k, &r, x);
		span__reset(&tmp);
		correlate__finish(k, x, &tmp);
	}
	span__reset(&s);
	correlate__finish(k, sid, &s);
	ASSERT_MEMEQ(s.trace_id, c.trace_id, 16);
	ASSERT_MEMEQ(c.parent_span_id, sid, 8);
	/* the table went round: finished entries were taken, none live */
	ASSERT_TRUE(correlate__stats(k)->recycled > 0);
	correlate__free(k);
}

/*
 * A child whose parent was pushed out before it ended takes the last
 * trace known, and counts once as unresolved: the hold check walks the
 * same chain before the span is resolved, and counted it too.
 */
TEST(correlate_unresolved_counted_once)
{
	struct correlate *k = correlate__new(8);
	static struct span s, c, tmp;
	struct correlate_req r;
	uint8_t sid[8], cid[8], x[8];

	r = req(true, 2, 20, 50000, 8080, 0);
	r.midstream = true;
	correlate__start(k, &r, sid);
	r = req(false, 2, 20, 50001, 9090, 0);
	correlate__start(k, &r, cid);
	span__reset(&s);
	correlate__finish(k, sid, &s);
	correlate__server_done(k, 2, 20, sid);
	for (int i = 0; i < 100; i++) {
		r = req(false, 3, 30, 40000 + i, 9090, 0);
		r.midstream = true;
		correlate__start(k, &r, x);
		span__reset(&tmp);
		correlate__finish(k, x, &tmp);
	}
	ASSERT_EQ(correlate__stats(k)->unresolved, 0);
	span__reset(&c);
	correlate__finish(k, cid, &c);
	ASSERT_MEMEQ(c.parent_span_id, sid, 8);
	ASSERT_EQ(correlate__stats(k)->unresolved, 1);
	correlate__free(k);
}
