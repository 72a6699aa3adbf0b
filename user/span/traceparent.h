/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * W3C Trace Context (Level 2): the traceparent and tracestate request
 * headers, validated and decoded into a struct trace_context. Pure parsing:
 * no allocation, no I/O, no logging.
 *
 * What stays with the caller, who sees the whole request:
 * - A request with two or more traceparent headers has no valid traceparent
 *   at all: do not call traceparent__parse, act as if there were none.
 * - tracestate means nothing without a valid traceparent: call
 *   tracestate__parse only after traceparent__parse returned 0, and ignore
 *   every tracestate header otherwise.
 * - All tracestate headers of the request form one list (RFC 9110 5.3):
 *   pass all their field values, in the order received, in one call.
 */
#ifndef __SPANTAP_TRACEPARENT_H
#define __SPANTAP_TRACEPARENT_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of combined tracestate kept; see tracestate__parse for the cut. */
#define TRACESTATE_MAX 512
/* Most non-empty list-members in a tracestate. */
#define TRACESTATE_MEMBERS_MAX 32

/* Text length of a version 00 traceparent (and the least of any version). */
#define TRACEPARENT_LEN 55

/* Bits of trace_context.flags; the others are kept but not defined yet. */
#define TRACE_FLAG_SAMPLED 0x01
#define TRACE_FLAG_RANDOM 0x02 /* Level 2: trace-id is random */

struct trace_context {
	uint8_t trace_id[16];
	uint8_t parent_id[8];
	uint8_t flags; /* trace-flags as received, all 8 bits */
	uint8_t version;
	uint16_t tracestate_len; /* 0 when none or discarded */
	/*
	 * The validated, normalised tracestate: tracestate_len bytes, with
	 * NO terminating NUL (the list may fill all TRACESTATE_MAX bytes).
	 * Bytes past tracestate_len are unspecified.
	 */
	char tracestate[TRACESTATE_MAX];
};

/*
 * Parse one traceparent field value: the len bytes after the header name's
 * colon, not NUL-terminated; leading and trailing SP/HTAB are allowed.
 *
 * Version 00 must be exactly 55 characters. A later version (01..fe) must
 * have at least 55, and its 56th, if any, must be '-': the first four fields
 * are read by position, the rest is not interpreted, but must be visible
 * ASCII (%x21-7E). Hex digits are lowercase only; version ff and all-zero
 * trace-id or parent-id are invalid.
 *
 * Returns 0 with trace_id, parent_id, flags and version filled in and
 * tracestate_len set to 0, or -EINVAL when the value is invalid: then ctx
 * is left untouched and nothing of the value may be used.
 */
int traceparent__parse(const char *value, size_t len,
		       struct trace_context *ctx);

/* One tracestate field value: len bytes at p (p may be NULL when len is 0). */
struct tracestate_part {
	const char *p;
	size_t len;
};

/*
 * Parse the tracestate of a request: the field values of its tracestate
 * headers, parts[0..nparts), in the order received; they are one list as if
 * joined by ",". None may point into ctx->tracestate.
 *
 * On a valid list, ctx->tracestate gets its non-empty members as received
 * (the SP/HTAB around each dropped, a value's leading spaces kept) joined by
 * ",", duplicate keys included, and 0 is returned. When that is longer than
 * TRACESTATE_MAX, whole members are removed until it fits: first those
 * longer than 128 characters, then the others, each time the last one left.
 * An empty list (no parts, or only empty members) is valid: tracestate_len 0.
 *
 * On an invalid list (a bad key or value, more than 32 non-empty members)
 * the whole tracestate is discarded: tracestate_len is set to 0 and -EINVAL
 * returned. Only tracestate and tracestate_len are ever written; the
 * traceparent fields stay valid either way.
 */
int tracestate__parse(const struct tracestate_part *parts, size_t nparts,
		      struct trace_context *ctx);

#endif /* __SPANTAP_TRACEPARENT_H */
