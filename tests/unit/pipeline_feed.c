// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Driving the pipeline in unit tests: see pipeline_feed.h. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pipeline_feed.h"

struct span got[MAX_SPANS];
int ngot;

void collect(struct span *s, void *arg)
{
	if (ngot < MAX_SPANS)
		got[ngot] = *s;
	ngot++;
}

struct pipeline *new_pipeline(void)
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

/* A connection event of id from laddr:lport to raddr:rport, of pid */
int feed_tuple(struct pipeline *p, uint16_t type, uint64_t id, uint16_t role,
	       uint64_t ts, const char *laddr, uint16_t lport,
	       const char *raddr, uint16_t rport, uint32_t pid)
{
	struct st_conn_event e = {};

	e.hdr.type = type;
	e.hdr.size = sizeof(e);
	e.hdr.ts_ns = ts;
	e.conn_id = id;
	e.pid = pid;
	e.tid = pid;
	e.role = role;
	e.family = AF_INET;
	e.lport = lport;
	e.rport = rport;
	inet_pton(AF_INET, laddr, e.laddr);
	inet_pton(AF_INET, raddr, e.raddr);
	strcpy(e.comm, "testsrv");
	return pipeline__event(p, &e, sizeof(e));
}

int feed_conn(struct pipeline *p, uint16_t type, uint64_t id, uint16_t role,
	      uint64_t ts)
{
	bool client = role == ST_ROLE_CLIENT;

	return feed_tuple(p, type, id, role, ts, "127.0.0.1",
			  client ? 40000 : 8080, "10.1.2.3",
			  client ? 8080 : 40000, FEED_PID);
}

/* Positions per conn and direction, as the kernel keeps them. */
static uint64_t pos[4][2];

int feed_src(struct pipeline *p, uint64_t id, int dir, uint16_t src,
	     uint64_t at, const char *bytes, uint64_t ts, uint32_t tid)
{
	return feed_flagged(p, id, dir, src, at, bytes, ts, tid, 0);
}

int feed_flagged(struct pipeline *p, uint64_t id, int dir, uint16_t src,
		 uint64_t at, const char *bytes, uint64_t ts, uint32_t tid,
		 uint16_t flags)
{
	size_t len = strlen(bytes);
	struct st_data_event *e = calloc(1, sizeof(*e) + len);
	int err;

	e->hdr.type = ST_EV_DATA;
	e->hdr.flags = flags;
	e->hdr.size = sizeof(*e) + len;
	e->hdr.ts_ns = ts;
	e->conn_id = id;
	e->pos = at;
	e->pid = FEED_PID;
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

int feed_data(struct pipeline *p, uint64_t id, int dir, const char *bytes,
	      uint64_t ts, uint32_t tid)
{
	uint64_t at = pos[id & 3][dir];

	pos[id & 3][dir] += strlen(bytes);
	return feed_src(p, id, dir, 0, at, bytes, ts, tid);
}

void reset_positions(void)
{
	memset(pos, 0, sizeof(pos));
}

const char *str_attr(const struct span *s, const char *key)
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

int64_t int_attr(const struct span *s, const char *key)
{
	const struct span_attr *a = span__attr(s, key);

	return a && a->type == SPAN_ATTR_INT ? a->i : -1;
}
