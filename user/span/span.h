/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A finished span, protocol-neutral: ids, times, kind, status, and a bounded
 * list of OpenTelemetry attributes. Exporters (terminal, JSON, OTLP) read
 * only this.
 */
#ifndef __SPANTAP_SPAN_H
#define __SPANTAP_SPAN_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/utf8.h"

#define SPAN_MAX_ATTRS 24
#define SPAN_STRBUF 2048
#define SPAN_NAME_MAX 48
#define SPAN_SERVICE_MAX 128

/* Values as in OTLP's Span.SpanKind */
enum span_kind {
	SPAN_KIND_SERVER = 2,
	SPAN_KIND_CLIENT = 3,
};

/* Values as in OTLP's Status.StatusCode */
enum span_status {
	SPAN_STATUS_UNSET = 0,
	SPAN_STATUS_OK = 1,
	SPAN_STATUS_ERROR = 2,
};

enum span_attr_type {
	SPAN_ATTR_STR = 1,
	SPAN_ATTR_INT = 2,
};

struct span_attr {
	const char *key; /* a static string: semantic-convention name */
	uint8_t type;	 /* enum span_attr_type */
	uint8_t _pad;
	uint16_t len; /* SPAN_ATTR_STR: bytes at strbuf + off */
	uint16_t off;
	uint16_t _pad2;
	int64_t i; /* SPAN_ATTR_INT */
};

struct span {
	uint8_t trace_id[16];
	uint8_t span_id[8];
	uint8_t parent_span_id[8]; /* all zero: a root */
	uint8_t trace_flags;	   /* W3C flags, 01 = sampled */
	uint8_t kind;		   /* enum span_kind */
	uint8_t status;		   /* enum span_status */
	uint8_t parent_remote;	   /* the parent came from another process */
	uint32_t pid;
	uint32_t tid;
	uint64_t start_ns; /* wall clock, ns since the epoch */
	uint64_t end_ns;
	char name[SPAN_NAME_MAX];
	char service_name[SPAN_SERVICE_MAX];
	uint16_t nattrs;
	uint16_t strbuf_len;
	uint32_t dropped_attrs; /* attributes that did not fit */
	/* W3C tracestate received with the parent, in strbuf; 0: none */
	uint16_t trace_state_off;
	uint16_t trace_state_len;
	struct span_attr attrs[SPAN_MAX_ATTRS];
	char strbuf[SPAN_STRBUF];
};

/*
 * Clear s for reuse: ids, times, attributes; the name and service name
 * become empty strings (bytes past their NUL are left as they were).
 */
void span__reset(struct span *s);

/*
 * Add attributes. Strings are copied (cut to what fits) with invalid UTF-8
 * replaced by U+FFFD, so every exporter can emit them as they are. Return 0,
 * or -ENOSPC when the attribute did not fit (counted in dropped_attrs).
 */
static inline int span__add_str(struct span *s, const char *key,
				const char *val, size_t len);
static inline int span__add_int(struct span *s, const char *key, int64_t val);
/*
 * Keep a validated tracestate (printable ASCII) with the span; -ENOSPC when
 * it does not fit whole.
 */
int span__set_trace_state(struct span *s, const char *ts, size_t len);
/* The span's tracestate and its length; NULL when none. */
const char *span__trace_state(const struct span *s, size_t *ret_len);

/*
 * Whether attribute i is one to write out: a key, a known type, a string
 * inside strbuf whatever its offsets say, and no earlier attribute of the
 * same key (earlier ones win, as span__attr finds them, so keys stay
 * unique in every output).
 */
bool span__attr_writable(const struct span *s, uint16_t i);

/* The attribute named key, or NULL. */
const struct span_attr *span__attr(const struct span *s, const char *key);
/* A string attribute's bytes (not NUL-terminated), or NULL. */
const char *span__attr_str(const struct span *s, const char *key,
			   size_t *ret_len);

/* Fill id with random bytes, never all zero. */
void span__random_id(uint8_t *id, size_t len);

static inline bool span__is_root(const struct span *s)
{
	for (size_t i = 0; i < sizeof(s->parent_span_id); i++)
		if (s->parent_span_id[i])
			return false;
	return true;
}

/* The whole of span__add_str, for what its inline part leaves */
int span__add_str_slow(struct span *s, const char *key, const char *val,
		       size_t len);

/*
 * The attribute is written once, whole, when its string is in: a span has
 * a dozen, and clearing then filling it field by field was a third of
 * span__add_str.
 */
static inline void span__push_str(struct span *s, const char *key, uint16_t off,
				  size_t n)
{
	s->attrs[s->nattrs++] = (struct span_attr){
		.key = key, .type = SPAN_ATTR_STR, .len = n, .off = off};
	s->strbuf_len = off + n;
}

/*
 * Inline for the string nearly every one is, short ASCII that fits: a
 * span builder adds a dozen, and as calls their prologues and the checks
 * of keys and values known not NULL were about 30 % of its cost.
 */
static inline __attribute__((always_inline)) int
span__add_str(struct span *s, const char *key, const char *val, size_t len)
{
	uint16_t off = s->strbuf_len;

	if (!key || !val || s->nattrs >= SPAN_MAX_ATTRS ||
	    len > (size_t)(SPAN_STRBUF - off) ||
	    utf8__copy_ascii(s->strbuf + off, val, len) != len)
		return span__add_str_slow(s, key, val, len);
	span__push_str(s, key, off, len);
	return 0;
}

/* Inline as span__add_str is: a span builder adds four */
static inline int span__add_int(struct span *s, const char *key, int64_t val)
{
	if (!key)
		return -EINVAL;
	if (s->nattrs >= SPAN_MAX_ATTRS) {
		s->dropped_attrs++;
		return -ENOSPC;
	}
	/* written whole, as span__push_str does */
	s->attrs[s->nattrs++] =
		(struct span_attr){.key = key, .type = SPAN_ATTR_INT, .i = val};
	return 0;
}

#endif /* __SPANTAP_SPAN_H */
