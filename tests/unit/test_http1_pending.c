// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Requests wait for their responses in the request parser's own message
 * until that parser reads on. Here requests and responses arrive cut at
 * random, pipelined or not, with the next request's head (whole or in
 * part) often there before the response: every span must still carry its
 * own request's method, path, user agent and start.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pipeline.h"
#include "span/semconv.h"
#include "test.h"

#define NREQ 200

struct seen {
	char method[8], path[16], ua[16];
	uint64_t start_ns;
	int64_t status;
};

static struct seen seen[NREQ + 1];
static int nseen;

static void attr_copy(const struct span *s, const char *key, char *dst,
		      size_t size)
{
	size_t len;
	const char *v = span__attr_str(s, key, &len);

	if (!v || len >= size)
		len = 0;
	memcpy(dst, v ? v : "", len);
	dst[len] = '\0';
}

static void collect(struct span *s, void *arg)
{
	struct seen *e = &seen[nseen < NREQ ? nseen : NREQ];
	const struct span_attr *a = span__attr(s, SC_HTTP_RESPONSE_STATUS_CODE);

	attr_copy(s, SC_HTTP_REQUEST_METHOD, e->method, sizeof(e->method));
	attr_copy(s, SC_URL_PATH, e->path, sizeof(e->path));
	attr_copy(s, SC_USER_AGENT_ORIGINAL, e->ua, sizeof(e->ua));
	e->start_ns = s->start_ns;
	e->status = a ? a->i : -1;
	nseen++;
}

static void feed(struct pipeline *p, int type, int dir, uint64_t pos,
		 const char *bytes, size_t len, uint64_t ts)
{
	struct st_data_event *e = calloc(1, sizeof(*e) + len + 1);

	e->hdr.type = type;
	e->hdr.size = sizeof(*e) + len;
	e->hdr.ts_ns = ts;
	e->conn_id = 1;
	e->pos = pos;
	e->pid = 42;
	e->tid = 42;
	e->len = len;
	e->cap_len = len;
	e->dir = dir;
	memcpy(e->payload, bytes, len);
	pipeline__event(p, e, sizeof(*e) + len);
	free(e);
}

static void open_conn(struct pipeline *p, uint16_t type)
{
	struct st_conn_event e = {};

	e.hdr.type = type;
	e.hdr.size = sizeof(e);
	e.hdr.ts_ns = 1;
	e.conn_id = 1;
	e.pid = 42;
	e.tid = 42;
	e.role = ST_ROLE_SERVER;
	e.family = AF_INET;
	e.lport = 8080;
	e.rport = 40000;
	inet_pton(AF_INET, "127.0.0.1", e.laddr);
	inet_pton(AF_INET, "10.1.2.3", e.raddr);
	strcpy(e.comm, "srv");
	pipeline__event(p, &e, sizeof(e));
}

static const char *const methods[] = {"GET", "HEAD", "POST"};

/* One run: requests and responses cut at random, at most depth ahead */
static void run(unsigned int seed, int depth)
{
	static char req[NREQ * 128], resp[NREQ * 64];
	size_t req_end[NREQ], resp_end[NREQ], rlen = 0, slen = 0;
	size_t rpos = 0, spos = 0;
	uint64_t ts = 1000, req_ts[NREQ];
	struct pipeline_opts o = {
		.max_conns = 8,
		.idle_ns = 1000000000ULL,
		.sink = {.emit = collect},
	};
	struct pipeline *p = pipeline__new(&o);
	int sent = 0, answered = 0;

	ASSERT_TRUE(p);
	nseen = 0;
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < NREQ; i++) {
		const char *m = methods[i % 3];

		rlen += sprintf(req + rlen,
				"%s /r%d HTTP/1.1\r\nHost: h\r\n"
				"User-Agent: ua%d\r\n%s\r\n%s",
				m, i, i,
				i % 3 == 2 ? "Content-Length: 3\r\n" : "",
				i % 3 == 2 ? "abc" : "");
		req_end[i] = rlen;
		slen += sprintf(resp + slen,
				"HTTP/1.1 %d OK\r\nContent-Length: 2\r\n\r\n%s",
				200 + i % 4, i % 3 == 1 ? "" : "ok");
		resp_end[i] = slen;
	}
	open_conn(p, ST_EV_CONN_OPEN);
	while (spos < slen) {
		bool to_req = rpos < rlen && sent - answered < depth &&
			      (rand_r(&seed) % 2 || answered == sent);
		size_t n = 1 + rand_r(&seed) % 48, lim;

		if (to_req) {
			lim = rlen - rpos;
			n = n < lim ? n : lim;
			/* a request starts with its first byte's event */
			for (int i = 0; i < NREQ; i++) {
				size_t start = i ? req_end[i - 1] : 0;

				if (start >= rpos && start < rpos + n)
					req_ts[i] = ts;
			}
			feed(p, ST_EV_DATA, ST_DIR_INGRESS, rpos, req + rpos, n,
			     ts);
			rpos += n;
			while (sent < NREQ && req_end[sent] <= rpos)
				sent++;
		} else {
			/* the server answers only what it has read whole */
			lim = (answered < sent ? resp_end[sent - 1] : spos) -
			      spos;
			if (!lim)
				continue;
			n = n < lim ? n : lim;
			feed(p, ST_EV_DATA, ST_DIR_EGRESS, spos, resp + spos, n,
			     ts);
			spos += n;
			while (answered < NREQ && resp_end[answered] <= spos)
				answered++;
		}
		ts += 1000;
	}
	pipeline__drain(p);
	ASSERT_EQ(nseen, NREQ);
	for (int i = 0; i < NREQ; i++) {
		char want[16];

		ASSERT_STREQ(seen[i].method, methods[i % 3]);
		snprintf(want, sizeof(want), "/r%d", i);
		ASSERT_STREQ(seen[i].path, want);
		snprintf(want, sizeof(want), "ua%d", i);
		ASSERT_STREQ(seen[i].ua, want);
		ASSERT_EQ(seen[i].start_ns, req_ts[i]);
		ASSERT_EQ(seen[i].status, 200 + i % 4);
	}
	pipeline__free(p);
}

TEST(http1_pending_requests_keep_their_own_message)
{
	for (unsigned int seed = 1; seed <= 20 && !test__failed(); seed++)
		run(seed, 1 + seed % 4);
}
