/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Driving the pipeline in unit tests: records built the way the BPF side
 * lays them out, fed one at a time, and the spans it emits collected.
 */
#ifndef __SPANTAP_TEST_PIPELINE_FEED_H
#define __SPANTAP_TEST_PIPELINE_FEED_H

#include <stdint.h>

#include "pipeline.h"

#define MAX_SPANS 16
#define OFFSET 1000000000000LL /* mono -> wall, to see it applied */

#define REQ                                                                 \
	"GET /items?id=7 HTTP/1.1\r\nHost: shop.local:8080\r\nUser-Agent: " \
	"t/1\r\n\r\n"
#define RESP200 "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

/* the spans emitted since new_pipeline(): ngot of them, the first kept */
extern struct span got[MAX_SPANS];
extern int ngot;

/* the sink's emit: keeps the span in got[] */
void collect(struct span *s, void *arg);
/* a pipeline of 8 conns, 1 s idle, spans to collect(); got[] emptied */
struct pipeline *new_pipeline(void);

/* the pid of the records built here, unless one is given */
#define FEED_PID 42

/* A connection event of id from laddr:lport to raddr:rport, of pid */
int feed_tuple(struct pipeline *p, uint16_t type, uint64_t id, uint16_t role,
	       uint64_t ts, const char *laddr, uint16_t lport,
	       const char *raddr, uint16_t rport, uint32_t pid);
/* the same, 127.0.0.1 to 10.1.2.3, port 8080 at the server's end */
int feed_conn(struct pipeline *p, uint16_t type, uint64_t id, uint16_t role,
	      uint64_t ts);
/* A data event from source src (0: the syscall does not matter) at pos at */
int feed_src(struct pipeline *p, uint64_t id, int dir, uint16_t src,
	     uint64_t at, const char *bytes, uint64_t ts, uint32_t tid);
/* the same with the record's flags (ST_DATA_F_*) */
int feed_flagged(struct pipeline *p, uint64_t id, int dir, uint16_t src,
		 uint64_t at, const char *bytes, uint64_t ts, uint32_t tid,
		 uint16_t flags);
/* the same at the conn's next position in dir (kept per id & 3) */
int feed_data(struct pipeline *p, uint64_t id, int dir, const char *bytes,
	      uint64_t ts, uint32_t tid);
void reset_positions(void);

/* an attribute's value, or NULL / -1 when absent (or of the other type) */
const char *str_attr(const struct span *s, const char *key);
int64_t int_attr(const struct span *s, const char *key);

#endif /* __SPANTAP_TEST_PIPELINE_FEED_H */
