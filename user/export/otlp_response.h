/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * What an OTLP/HTTP collector answers to a trace export: the
 * ExportTraceServiceResponse of a 200 (partial success) and the
 * google.rpc.Status of a 4xx/5xx, in protobuf or JSON, plus the
 * Content-Type that says which. Bodies are untrusted; nothing here
 * allocates or does I/O.
 */
#ifndef __SPANTAP_OTLP_RESPONSE_H
#define __SPANTAP_OTLP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Bodies larger than this are not parsed: the caller treats them as a
 * non-retryable error (the parsers return -EMSGSIZE if handed one).
 */
#define OTLP_RESPONSE_BODY_MAX (4u << 20)

/* JSON bodies nested deeper than this (objects and arrays) are refused */
#define OTLP_RESPONSE_JSON_DEPTH 32

struct otlp_response {
	/* a partial_success message was present */
	bool partial;
	/* its rejected_spans: 0 when absent, negative values clamp to 0 */
	int64_t rejected_spans;
	/*
	 * error_message or google.rpc.Status.message: valid UTF-8 (ill-formed
	 * bytes become U+FFFD), control characters (< 0x20, 0x7f) replaced by
	 * ' ', cut at a character boundary to fit, NUL-terminated; "" when
	 * there is none.
	 */
	char message[256];
};

enum otlp_body_type {
	OTLP_BODY_PROTOBUF,
	OTLP_BODY_JSON,
};

/*
 * Parse the body of a 200 answer (an ExportTraceServiceResponse) of len
 * bytes, not NUL-terminated. An empty body (for JSON also whitespace only)
 * means everything was accepted. Unknown fields are skipped; when a field
 * repeats, the last one wins. Returns 0, or -EBADMSG when the body is not a
 * valid message of that type: the caller counts it, the spans were still
 * accepted. On any error *r is left as for an empty body.
 */
int otlp_response__parse_success(const void *buf, size_t len,
				 enum otlp_body_type type,
				 struct otlp_response *r);

/*
 * Parse the body of a 4xx/5xx answer (a google.rpc.Status): r->message gets
 * its message when there is one. An empty body is a Status with no message.
 * Returns 0, or -EBADMSG (plain text or HTML from a proxy, say) with
 * r->message "". Only r->message is meaningful afterwards.
 */
int otlp_response__parse_status(const void *buf, size_t len,
				enum otlp_body_type type,
				struct otlp_response *r);

/*
 * Which body type a Content-Type value (NUL-terminated, may be NULL) names:
 * application/x-protobuf and application/protobuf are protobuf,
 * application/json is JSON; case-insensitive, surrounding whitespace and
 * parameters (";charset=utf-8") ignored. 0, or -ENOENT for anything else.
 */
int otlp_response__body_type(const char *content_type,
			     enum otlp_body_type *ret);

#endif /* __SPANTAP_OTLP_RESPONSE_H */
