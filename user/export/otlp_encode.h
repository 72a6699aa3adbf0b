/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Spans to OTLP request bodies: ExportTraceServiceRequest in protobuf (built
 * with protobuf-c on an arena) or in OTLP's JSON mapping. Spans are grouped
 * under one ResourceSpans per resource, with one ScopeSpans for spantap.
 */
#ifndef __SPANTAP_OTLP_ENCODE_H
#define __SPANTAP_OTLP_ENCODE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "export/otlp_resource.h"
#include "span/span.h"
#include "util/arena.h"

#define OTLP_SCOPE_NAME "spantap"

/* Span.flags bits (OTLP SpanFlags) */
#define OTLP_SPAN_FLAGS_HAS_IS_REMOTE 0x100u
#define OTLP_SPAN_FLAGS_IS_REMOTE 0x200u

/* spans[i] belongs to res[i]; spans of a resource need not be adjacent. */
struct otlp_batch {
	const struct span *const *spans;
	struct otlp_resource *const *res;
	size_t n;
};

/*
 * Encode b as protobuf into memory from a (valid until a is reset). Returns
 * 0 or -ENOMEM / -EINVAL (an empty batch).
 */
int otlp_encode__protobuf(struct arena *a, const struct otlp_batch *b,
			  uint8_t **ret_buf, size_t *ret_len);

/*
 * Write b to f as one OTLP JSON object, no newline: ids in hex, 64-bit
 * integers as strings, enums as numbers. Returns 0 or -EIO.
 */
int otlp_encode__json(FILE *f, const struct otlp_batch *b);

/* OTLP Span.flags for s: W3C flags and what is known of its parent. */
uint32_t otlp_encode__span_flags(const struct span *s);

/*
 * Whether a span attribute goes out with the span: process.* attributes
 * are on the resource already.
 */
int otlp_encode__keep_attr(const char *key);

#endif /* __SPANTAP_OTLP_ENCODE_H */
