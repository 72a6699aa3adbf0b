/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Helpers shared by the HTTP/1 tests: feed a direction segment by segment
 * and keep what the parser framed; parse a single head.
 */
#ifndef __SPANTAP_TEST_HTTP1_FEED_H
#define __SPANTAP_TEST_HTTP1_FEED_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/http1.h"

#define MAX_MSGS 16

/* A direction: a stream, its parser, and what came out of it. */
struct feed {
	struct stream s;
	struct http1_parser p;
	struct http1_stats st;
	struct http1_msg msgs[MAX_MSGS];
	int nmsgs;
	int ninvalid;
	bool no_body; /* passed to every next() */
};

void feed_init(struct feed *f, enum http1_kind kind);
void feed_free(struct feed *f);
void feed_keep(struct feed *f, const struct http1_msg *m);
void feed_drain(struct feed *f);
void feed_seg(struct feed *f, uint64_t pos, const void *data,
	      uint32_t cap_len, uint64_t len, uint64_t ts, uint32_t tid);
void feed_str(struct feed *f, const char *str, uint64_t ts);
void feed_finish(struct feed *f);
void feed_one(struct feed *f, enum http1_kind kind, const char *str);
int parse_str(const char *str, enum http1_kind kind, struct http1_msg *m);
int parse_req(const char *str, struct http1_msg *m);
int parse_resp(const char *str, struct http1_msg *m);

#endif /* __SPANTAP_TEST_HTTP1_FEED_H */
