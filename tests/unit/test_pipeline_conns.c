// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The pipeline's connections: records it refuses, protocols it gives up
 * on, and how a connection ends (eviction, close, shutdown).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline.h"
#include "proc_info.h"
#include "span/semconv.h"
#include "pipeline_feed.h"
#include "test.h"

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

/* A pipeline that tells note_other_proto of its verdicts, all counts 0 */
static struct pipeline *new_told_pipeline(void)
{
	struct pipeline_opts o = {
		.max_conns = 8,
		.idle_ns = 1000000000ULL,
		.sink = {.emit = collect, .mono_to_wall = OFFSET},
		.other_proto = note_other_proto,
		.other_proto_ctx = told,
	};

	ngot = 0;
	ntold = 0;
	reset_positions();
	return pipeline__new(&o);
}

/* The capture is told once, when the agent gives up; never of HTTP. */
TEST(pipeline_other_proto_told_once_with_its_conn_id)
{
	struct pipeline *p = new_told_pipeline();

	ASSERT_TRUE(p);
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

/*
 * The kernel judged a connection's first bytes another protocol and holds
 * back the rest: the agent gives up at once, without telling the kernel
 * (it knows), and whatever comes after is not parsed.
 */
TEST(pipeline_kernel_other_proto_flag_gives_up_at_once)
{
	struct pipeline *p = new_told_pipeline();
	static const char first[] = "*1\r\n$4\r\nPING\r\n";

	ASSERT_TRUE(p);
	feed_conn(p, ST_EV_CONN_OPEN, 1, ST_ROLE_SERVER, 100);
	ASSERT_EQ(feed_flagged(p, 1, ST_DIR_INGRESS, 0, 0, first, 1000, 1,
			       ST_DATA_F_OTHER_PROTO),
		  0);
	ASSERT_EQ(pipeline__stats(p)->conns_other, 1);
	ASSERT_EQ(ntold, 0);
	/* bytes the kernel let through before it knew are not parsed */
	ASSERT_EQ(feed_src(p, 1, ST_DIR_INGRESS, 0, sizeof(first) - 1, REQ,
			   2000, 1),
		  0);
	ASSERT_EQ(feed_src(p, 1, ST_DIR_EGRESS, 0, 0, RESP200, 3000, 1), 0);
	ASSERT_EQ(ngot, 0);
	ASSERT_EQ(pipeline__stats(p)->conns_other, 1);
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

static uint32_t known[4];
static int nknown;

static void note_known(void *ctx, uint32_t pid)
{
	ASSERT_TRUE(ctx == known);
	if (nknown < 4)
		known[nknown] = pid;
	nknown++;
}

/* conn_open for pid, from 127.0.0.1:40000 + id to 127.0.0.1:8080 */
static int feed_pid_conn(struct pipeline *p, uint64_t id, uint32_t pid)
{
	return feed_tuple(p, ST_EV_CONN_OPEN, id, ST_ROLE_CLIENT, 100,
			  "127.0.0.1", 40000 + id, "127.0.0.1", 8080, pid);
}

/*
 * The capture is told of a process read from /proc, so the kernel stops
 * waking the agent for its connections; not of one that is gone.
 */
TEST(pipeline_pid_known_told_of_processes_read_from_proc)
{
	struct proc_cache *procs = proc_cache__new(8);
	struct pipeline_opts o = {
		.max_conns = 8,
		.idle_ns = 1000000000ULL,
		.sink = {.emit = collect, .procs = procs},
		.pid_known = note_known,
		.pid_known_ctx = known,
	};
	struct pipeline *p = pipeline__new(&o);

	ASSERT_TRUE(procs && p);
	nknown = 0;
	ASSERT_EQ(feed_pid_conn(p, 1, (uint32_t)getpid()), 0);
	ASSERT_EQ(nknown, 1);
	ASSERT_EQ(known[0], (uint32_t)getpid());
	/* above any pid_max: nothing in /proc, nothing to tell */
	ASSERT_EQ(feed_pid_conn(p, 2, 0x7ffffff0), 0);
	ASSERT_EQ(nknown, 1);
	pipeline__free(p);
	proc_cache__free(procs);
}
