/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Where a span gets its identity and its place in a trace. A request gets
 * its span id when it starts (its head is parsed), and a parent when one is
 * known then:
 *
 *  1. a valid W3C traceparent it carries (explicit context wins);
 *  2. for a client request, the one server request open on the same thread
 *     of the same process (several open at once: no guess, counted);
 *  3. for a server request, the client request at the other end of the same
 *     connection, when both ends are on this node (same TCP 4-tuple, same
 *     place in the connection's request order).
 *
 * Rule 3 also works when the server end is seen first: the client's write
 * is reported when its syscall returns, and by then the server may have
 * read it, and even answered, on the other CPU. The server request waits,
 * unlinked, for its client end, and is linked when that shows up. Even
 * the client's connection may be announced after its server end's first
 * request began (with its first write): a first request waits for a
 * connection announced while it is open. A span takes its trace id from
 * its nearest ancestor with one of its own (a traceparent or a root) when
 * it is finished, so a late link still puts the whole subtree in the right
 * trace. A span finished while its trace hangs
 * from a server end still waiting for a client connection known to be on
 * this node is held back until that end shows (or CORRELATE_HOLD_NS pass):
 * the agent must pass it on with correlate__emit_held. All tables are
 * bounded; what they push out is counted.
 *
 * Rule 3 also bounds the two ends' times. A write is timed when it
 * returns, and on one node the other end may have read, or even answered,
 * by then: a client end starts no later than its server end (the request
 * was on its way before the server could read it), and a server end ends
 * no later than its client end (the last byte of the answer had left once
 * the client had it): the one that finishes second moves (a client end
 * that finishes after its server end ends no earlier). Times only move
 * inside what the two ends' syscalls overlap; stats.bounded counts the
 * moves.
 */
#ifndef __SPANTAP_CORRELATE_H
#define __SPANTAP_CORRELATE_H

#include <stdbool.h>
#include <stdint.h>

#include "span/span.h"
#include "span/traceparent.h"

struct span_sink;

/* How long a finished span waits for a client end due on this node */
#define CORRELATE_HOLD_NS (200 * 1000000ULL)

enum parent_source {
	PARENT_NONE = 0,
	PARENT_TRACEPARENT = 1,
	PARENT_THREAD = 2,
	PARENT_CONNECTION = 3,
};

struct correlate_stats {
	uint64_t traceparent; /* spans continuing a received traceparent */
	uint64_t thread; /* client spans linked to their thread's server span */
	uint64_t thread_ambiguous; /* several server requests open: no link */
	uint64_t thread_not_used; /* client spans of runtimes rule 2 misleads */
	uint64_t connection;	  /* server spans linked to their client end */
	uint64_t connection_late; /* of those, linked after the server began */
	/*
	 * server spans finished with no client end seen: the client is on
	 * another node, or its end was not captured
	 */
	uint64_t connection_unseen;
	uint64_t unresolved; /* trace id from a parent no longer known */
	uint64_t evicted;    /* live entries pushed out of full tables */
	/*
	 * finished spans' entries taken for new spans: the table's turnover,
	 * no loss (a child ending after its parent's entry went is
	 * counted as unresolved)
	 */
	uint64_t recycled;
	/* requests started when the table was full of requests in flight */
	uint64_t unremembered;
	/* finished spans held back for a client end due on this node */
	uint64_t held;
	uint64_t hold_full; /* not held, the list being full: maybe unlinked */
	uint64_t bounded; /* span times moved to a linked end's (see above) */
};

/* A TCP connection as its client end sees it. */
struct correlate_conn {
	int family;
	const uint8_t *laddr, *raddr; /* 16 bytes each */
	uint16_t lport, rport;
};

/* What is known of a request when it starts. */
struct correlate_req {
	bool server;
	bool midstream;	     /* the connection was not seen from its start */
	bool no_thread_rule; /* threads do not follow requests (Go) */
	uint32_t pid, tid;
	int family;
	const uint8_t *laddr, *raddr; /* 16 bytes each */
	uint16_t lport, rport;
	uint64_t index; /* the request's place on its connection, from 0 */
	uint64_t start_ns; /* wall clock, its first byte */
	const struct trace_context *tp; /* a valid traceparent, or NULL */
};

struct correlate;

/* max_spans: requests remembered for linking. NULL with errno. */
struct correlate *correlate__new(size_t max_spans);
void correlate__free(struct correlate *k);

/* A request starts: its span id, chosen now, goes to ret_span_id. */
void correlate__start(struct correlate *k, const struct correlate_req *r,
		      uint8_t ret_span_id[8]);
/* The server request span_id of pid/tid is over (answered or not). */
void correlate__server_done(struct correlate *k, uint32_t pid, uint32_t tid,
			    const uint8_t span_id[8]);
/*
 * The client request r (as it was started) is answered or abandoned. Its
 * server end, if on this node, has started by now (it read the request
 * before answering), so a client end still waiting for one waits for
 * nothing: a server elsewhere.
 */
void correlate__client_done(struct correlate *k, const struct correlate_req *r,
			    const uint8_t span_id[8]);
/*
 * A client connection on this node opened (its 4-tuple known) or is gone:
 * server ends seen before its requests wait for them.
 */
void correlate__client_open(struct correlate *k,
			    const struct correlate_conn *cc);
void correlate__client_close(struct correlate *k,
			     const struct correlate_conn *cc);

/*
 * The span of request span_id is finished: set its ids, trace id, parent,
 * flags and the spantap.parent.source attribute. k may be NULL: then s is a
 * root with fresh ids. true: s was copied and held back (see above); the
 * caller must not emit it.
 */
bool correlate__finish(struct correlate *k, const uint8_t span_id[8],
		       struct span *s);

/*
 * The start of struct correlate, visible for correlate__nheld: the agent
 * asks after every event whether any span is held, nearly always to hear
 * none, and a call for that was a measurable share of an event.
 */
struct correlate_head {
	uint32_t nheld;
};

/* Spans held back now; emit those whose wait is over, or all at UINT64_MAX */
static inline size_t correlate__nheld(const struct correlate *k)
{
	return k ? ((const struct correlate_head *)k)->nheld : 0;
}

void correlate__emit_held(struct correlate *k, uint64_t now_wall_ns,
			  const struct span_sink *sink);

/* Request span_id ends without a span (its connection was dropped). */
void correlate__release(struct correlate *k, const uint8_t span_id[8]);

const struct correlate_stats *correlate__stats(struct correlate *k);

/* The attribute naming where a span's parent came from */
#define SC_SPANTAP_PARENT_SOURCE "spantap.parent.source"

#endif /* __SPANTAP_CORRELATE_H */
