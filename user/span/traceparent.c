// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * W3C Trace Context (Level 2) traceparent and tracestate parsing. Both are
 * checked whole before anything is written to the context, so a bad header
 * never leaves half of itself behind.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "span/traceparent.h"
#include "util/ascii.h"

/* A tracestate member longer than this goes first when the list is cut. */
#define TRACESTATE_LONG_MEMBER 128
#define TRACESTATE_KEY_MAX 256
#define TRACESTATE_VALUE_MAX 256

/* HEXDIGLC: the spec forbids uppercase, so "AB" is not "ab" here. */
static int hexlc_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode 2 * n lowercase hex characters of s into out[0..n). */
static int hexlc__decode(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hexlc_val(s[2 * i]), lo = hexlc_val(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static bool all_zero(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

int traceparent__parse(const char *value, size_t len, struct trace_context *ctx)
{
	uint8_t version, trace_id[16], parent_id[8], flags;
	size_t start = 0;
	const char *s;

	while (start < len && ascii__is_ows(value[start]))
		start++;
	while (len > start && ascii__is_ows(value[len - 1]))
		len--;
	len -= start;
	/* also keeps a NULL value (len 0) away from pointer arithmetic */
	if (len < TRACEPARENT_LEN)
		return -EINVAL;
	s = value + start;

	if (hexlc__decode(s, &version, 1) || s[2] != '-' || version == 0xff)
		return -EINVAL;
	/*
	 * Version 00 is exact. A later version may append fields after a
	 * '-'; we cannot read them, but bytes no header field may hold (CTL,
	 * SP, 8-bit) still make the value invalid rather than "unknown".
	 */
	if (version == 0 && len != TRACEPARENT_LEN)
		return -EINVAL;
	if (len > TRACEPARENT_LEN) {
		if (s[TRACEPARENT_LEN] != '-')
			return -EINVAL;
		for (size_t i = TRACEPARENT_LEN + 1; i < len; i++)
			if (s[i] < 0x21 || s[i] > 0x7e)
				return -EINVAL;
	}
	if (hexlc__decode(s + 3, trace_id, sizeof(trace_id)) || s[35] != '-' ||
	    hexlc__decode(s + 36, parent_id, sizeof(parent_id)) ||
	    s[52] != '-' || hexlc__decode(s + 53, &flags, 1))
		return -EINVAL;
	if (all_zero(trace_id, sizeof(trace_id)) ||
	    all_zero(parent_id, sizeof(parent_id)))
		return -EINVAL;

	memcpy(ctx->trace_id, trace_id, sizeof(trace_id));
	memcpy(ctx->parent_id, parent_id, sizeof(parent_id));
	ctx->flags = flags;
	ctx->version = version;
	/* a tracestate of some earlier request must not ride along */
	ctx->tracestate_len = 0;
	return 0;
}

static bool is_key_first(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_key_char(char c)
{
	return is_key_first(c) || c == '_' || c == '-' || c == '*' ||
	       c == '/' || c == '@';
}

/* chr of the value grammar: SP and nblk-chr, which is VCHAR but ',' '=' */
static bool is_value_char(char c)
{
	return c >= 0x20 && c <= 0x7e && c != ',' && c != '=';
}

/*
 * One list-member, OWS already gone from both ends (so the value cannot end
 * in SP: its last character is an nblk-chr whenever it is valid at all).
 */
static int tracestate_member__check(const char *m, size_t len)
{
	size_t i = 0;

	if (!is_key_first(m[0]))
		return -EINVAL;
	while (i < len && i <= TRACESTATE_KEY_MAX && is_key_char(m[i]))
		i++;
	if (i > TRACESTATE_KEY_MAX || i == len || m[i] != '=')
		return -EINVAL;
	i++;
	if (len - i < 1 || len - i > TRACESTATE_VALUE_MAX)
		return -EINVAL;
	for (; i < len; i++)
		if (!is_value_char(m[i]))
			return -EINVAL;
	return 0;
}

struct ts_member {
	const char *p;
	size_t len;
	bool keep;
};

/* Split one part at ',' into members[], checking each non-empty one. */
static int tracestate_part__split(const char *s, size_t len,
				  struct ts_member *members, size_t *n)
{
	size_t start = 0;

	/* "" is one empty member, and so is the text after a last ',' */
	while (start <= len) {
		size_t end = start, b, e;

		while (end < len && s[end] != ',')
			end++;
		b = start;
		e = end;
		while (b < e && ascii__is_ows(s[b]))
			b++;
		while (e > b && ascii__is_ows(s[e - 1]))
			e--;
		if (e > b) {
			if (*n == TRACESTATE_MEMBERS_MAX ||
			    tracestate_member__check(s + b, e - b))
				return -EINVAL;
			members[*n].p = s + b;
			members[*n].len = e - b;
			members[*n].keep = true;
			(*n)++;
		}
		start = end + 1;
	}
	return 0;
}

/* The last kept member, among the long ones when long_only. */
static size_t tracestate__victim(const struct ts_member *members, size_t n,
				 bool long_only)
{
	for (size_t i = n; i-- > 0;)
		if (members[i].keep &&
		    (!long_only || members[i].len > TRACESTATE_LONG_MEMBER))
			return i;
	return n;
}

int tracestate__parse(const struct tracestate_part *parts, size_t nparts,
		      struct trace_context *ctx)
{
	struct ts_member members[TRACESTATE_MEMBERS_MAX];
	size_t n = 0, kept, sum = 0, off = 0;

	ctx->tracestate_len = 0;
	for (size_t k = 0; k < nparts; k++) {
		if (!parts[k].len)
			continue;
		if (tracestate_part__split(parts[k].p, parts[k].len, members,
					   &n))
			return -EINVAL;
	}

	for (size_t i = 0; i < n; i++)
		sum += members[i].len;
	kept = n;
	/* sum + kept - 1 is the joined length, commas included */
	while (kept && sum + kept - 1 > TRACESTATE_MAX) {
		size_t v = tracestate__victim(members, n, true);

		if (v == n)
			v = tracestate__victim(members, n, false);
		members[v].keep = false;
		sum -= members[v].len;
		kept--;
	}

	for (size_t i = 0; i < n; i++) {
		if (!members[i].keep)
			continue;
		if (off)
			ctx->tracestate[off++] = ',';
		memcpy(ctx->tracestate + off, members[i].p, members[i].len);
		off += members[i].len;
	}
	ctx->tracestate_len = (uint16_t)off;
	return 0;
}
