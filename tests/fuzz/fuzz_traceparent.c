// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * W3C trace context headers from a stranger. The input's first line is a
 * traceparent value; each further line is one tracestate field value, so a
 * request with several tracestate headers is one input. Besides ASan and
 * UBSan, the parsers' promises are checked, and broken ones abort():
 * - a rejected traceparent leaves the context untouched;
 * - an accepted one has non-zero ids and a version other than ff, and
 *   written back as text it is the input (trimmed, first 55 characters),
 *   which parses again to the same ids and flags;
 * - a tracestate fits TRACESTATE_MAX, its members are non-empty, trimmed,
 *   at most 32 and none longer than 512; it parses again to itself, and
 *   joining the lines by ',' first gives the same list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "span/traceparent.h"

#define MAX_PARTS 64

static const char hexlc[] = "0123456789abcdef";

static char *hex(char *dst, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		*dst++ = hexlc[b[i] >> 4];
		*dst++ = hexlc[b[i] & 0xf];
	}
	return dst;
}

/* The context's four fields as traceparent text, with the version given. */
static void format(char out[TRACEPARENT_LEN], const struct trace_context *c,
		   uint8_t version)
{
	char *p = out;

	p = hex(p, &version, 1);
	*p++ = '-';
	p = hex(p, c->trace_id, sizeof(c->trace_id));
	*p++ = '-';
	p = hex(p, c->parent_id, sizeof(c->parent_id));
	*p++ = '-';
	hex(p, &c->flags, 1);
}

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static void check_traceparent(const char *v, size_t len,
			      struct trace_context *ctx, int rc,
			      const struct trace_context *before)
{
	static const uint8_t zero[16];
	struct trace_context again;
	char text[TRACEPARENT_LEN];

	if (rc && rc != -EINVAL)
		abort();
	if (rc) {
		if (memcmp(ctx, before, sizeof(*ctx)))
			abort();
		return;
	}
	if (!memcmp(ctx->trace_id, zero, 16) ||
	    !memcmp(ctx->parent_id, zero, 8) || ctx->version == 0xff ||
	    ctx->tracestate_len)
		abort();

	while (len && is_ows(*v)) {
		v++;
		len--;
	}
	while (len && is_ows(v[len - 1]))
		len--;
	if (len < TRACEPARENT_LEN || (!ctx->version && len != TRACEPARENT_LEN))
		abort();
	format(text, ctx, ctx->version);
	if (memcmp(text, v, TRACEPARENT_LEN))
		abort();

	format(text, ctx, 0);
	memset(&again, 0, sizeof(again));
	if (traceparent__parse(text, sizeof(text), &again) || again.version ||
	    memcmp(again.trace_id, ctx->trace_id, 16) ||
	    memcmp(again.parent_id, ctx->parent_id, 8) ||
	    again.flags != ctx->flags)
		abort();
}

static void check_tracestate(const struct tracestate_part *parts, size_t nparts,
			     const struct trace_context *ctx, int rc,
			     const struct trace_context *before)
{
	static char joined[1 << 16];
	struct trace_context again;
	struct tracestate_part one;
	size_t start = 0, members = 0, jl = 0;

	if (rc && rc != -EINVAL)
		abort();
	/* the traceparent half is never touched */
	if (memcmp(ctx, before, offsetof(struct trace_context, tracestate_len)))
		abort();
	if (ctx->tracestate_len > TRACESTATE_MAX || (rc && ctx->tracestate_len))
		abort();

	for (size_t i = 0; i <= ctx->tracestate_len; i++) {
		if (i < ctx->tracestate_len && ctx->tracestate[i] != ',')
			continue;
		if (!ctx->tracestate_len)
			break;
		/* non-empty, trimmed, short enough */
		if (i == start || i - start > 512 ||
		    is_ows(ctx->tracestate[start]) ||
		    is_ows(ctx->tracestate[i - 1]))
			abort();
		members++;
		start = i + 1;
	}
	if (members > TRACESTATE_MEMBERS_MAX)
		abort();

	memset(&again, 0x33, sizeof(again));
	one.p = ctx->tracestate;
	one.len = ctx->tracestate_len;
	if (tracestate__parse(&one, 1, &again) ||
	    again.tracestate_len != ctx->tracestate_len ||
	    memcmp(again.tracestate, ctx->tracestate, ctx->tracestate_len))
		abort();

	/* several field values are one list joined by ',' (RFC 9110) */
	for (size_t k = 0; k < nparts; k++) {
		if (jl + parts[k].len + 1 > sizeof(joined))
			return;
		if (k)
			joined[jl++] = ',';
		if (parts[k].len)
			memcpy(joined + jl, parts[k].p, parts[k].len);
		jl += parts[k].len;
	}
	one.p = joined;
	one.len = jl;
	memset(&again, 0x44, sizeof(again));
	if (tracestate__parse(&one, nparts ? 1 : 0, &again) != rc ||
	    again.tracestate_len != ctx->tracestate_len ||
	    memcmp(again.tracestate, ctx->tracestate, ctx->tracestate_len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char fallback[] =
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
	struct tracestate_part parts[MAX_PARTS];
	struct trace_context ctx, before;
	const char *s = (const char *)data;
	const uint8_t *nl = size ? memchr(data, '\n', size) : NULL;
	size_t tplen = nl ? (size_t)(nl - data) : size, nparts = 0, off;
	int rc;

	memset(&ctx, 0xa5, sizeof(ctx));
	before = ctx;
	rc = traceparent__parse(s, tplen, &ctx);
	check_traceparent(s, tplen, &ctx, rc, &before);
	/*
	 * tracestate is only parsed after a valid traceparent; give it one
	 * when the input's is not, so the lines that follow still count.
	 */
	if (rc && traceparent__parse(fallback, sizeof(fallback) - 1, &ctx))
		abort();

	off = tplen + 1;
	while (nl && nparts < MAX_PARTS) {
		const uint8_t *end =
			off < size ? memchr(data + off, '\n', size - off)
				   : NULL;
		size_t plen = end ? (size_t)(end - (data + off)) : size - off;

		/* the last part takes the rest, newlines and all */
		if (nparts == MAX_PARTS - 1) {
			plen = size - off;
			end = NULL;
		}
		parts[nparts].p = plen ? s + off : NULL;
		parts[nparts].len = plen;
		nparts++;
		if (!end)
			break;
		off += plen + 1;
	}

	memset(ctx.tracestate, 0x5a, sizeof(ctx.tracestate));
	before = ctx;
	rc = tracestate__parse(parts, nparts, &ctx);
	check_tracestate(parts, nparts, &ctx, rc, &before);
	return 0;
}
