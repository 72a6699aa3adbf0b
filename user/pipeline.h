/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The agent's core, from ring buffer records to spans: decode an event,
 * find its connection, append its bytes to the stream of its direction,
 * detect the protocol, and let the protocol's handler make spans. It knows
 * nothing of BPF or of where spans go, so tests and `spantap replay` can
 * drive it with recorded events.
 */
#ifndef __SPANTAP_PIPELINE_H
#define __SPANTAP_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "span/http1_span.h"
#include "span/span_sink.h"
#include "stream.h"

struct pipeline_opts {
	size_t max_conns;
	uint32_t stream_bytes; /* captured bytes held per direction */
	uint64_t idle_ns;      /* a connection silent this long is dropped */
	struct span_sink sink;
	/*
	 * Told of each connection found to speak a protocol spantap does
	 * not parse, whose later bytes it ignores: the capture tells the
	 * kernel to stop sending them. tls: the connection's bytes are a TLS
	 * library's plaintext, and the verdict covers them; else its socket
	 * bytes only (plaintext may yet come, and is looked at afresh). NULL:
	 * nobody to tell.
	 */
	void (*other_proto)(void *ctx, uint64_t conn_id, bool tls);
	void *other_proto_ctx;
	/*
	 * Told of a process whose identity was read from /proc (for the
	 * first connection of it seen, or again after it was forgotten): the
	 * capture tells the kernel, which then stops waking the agent for
	 * each connection it opens. NULL: nobody to tell.
	 */
	void (*pid_known)(void *ctx, uint32_t pid);
	void *pid_known_ctx;
};

struct pipeline_stats {
	uint64_t events;
	uint64_t bad_events; /* records too short or of unknown type */
	uint64_t data_bytes; /* captured payload bytes */
	uint64_t conns_opened;
	uint64_t conns_closed;
	uint64_t conns_evicted;	  /* table full */
	uint64_t conns_expired;	  /* idle */
	uint64_t conns_midstream; /* first seen with data, not accept/connect */
	uint64_t conns_other;	  /* not a protocol spantap parses */
	uint64_t conns_tls; /* carrying a TLS library's plaintext */
	/* socket bytes of a TLS connection that reached the agent, ignored */
	uint64_t tls_ciphertext_ignored;
	uint64_t conn_alloc_fail;
	struct stream_stats streams; /* of released connections */
	struct http1_span_stats http1;
	struct correlate_stats links; /* parent links made and missed */
};

/* Requests remembered for parent links (see span/correlate.h) */
#define PIPELINE_LINK_SPANS 16384

struct pipeline;

/* NULL with errno set on failure. */
struct pipeline *pipeline__new(const struct pipeline_opts *o);
/* One ring buffer record. Returns 0, or -EINVAL for a malformed one. */
int pipeline__event(struct pipeline *p, const void *data, size_t len);
/*
 * A closed connection is kept this long before its state is released: a
 * peer's reset can close a socket inside a send(), so that send's bytes
 * reach the agent after the close does.
 */
#define PIPELINE_CLOSE_GRACE_NS (200 * 1000 * 1000ULL)

/*
 * Periodic housekeeping: release connections closed more than the grace
 * period ago, expire idle ones. now: CLOCK_MONOTONIC ns
 */
void pipeline__tick(struct pipeline *p, uint64_t now);
/*
 * The end of capture: finish every connection now (closed ones as closed,
 * spans included; requests still open are counted), so the stats and the
 * spans are complete before they are reported.
 */
void pipeline__drain(struct pipeline *p);
const struct pipeline_stats *pipeline__stats(struct pipeline *p);
size_t pipeline__nconns(const struct pipeline *p);
/* Releases every connection (pending requests are counted), frees; NULL-safe */
void pipeline__free(struct pipeline *p);

#endif /* __SPANTAP_PIPELINE_H */
