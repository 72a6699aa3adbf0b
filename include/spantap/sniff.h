/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the first bytes of a connection can open, told in the kernel: a
 * connection seen from its start whose first bytes open no protocol the
 * agent parses is held back there, from its second transfer on, instead
 * of after the agent has looked at it (several transfers, and up to a
 * poll interval, later). Shared with the agent's unit tests, which hold
 * it to the agent's own HTTP/1 detection.
 *
 * The protocols parsed today are HTTP/1 (and HTTP/2's preface, "PRI *
 * HTTP/2.0", has the same shape). A connection's first bytes are then a
 * request line: a method, which may be any token (RFC 9110 5.6.2), and a
 * space, after at most a stray CRLF (RFC 9112 2.2). TLS is told apart
 * before this (its plaintext is sniffed on its own). A new protocol is
 * one more shape here.
 */
#ifndef __SPANTAP_SNIFF_H
#define __SPANTAP_SNIFF_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

enum st_sniff {
	ST_SNIFF_MORE = 0,  /* too few bytes to tell */
	ST_SNIFF_MAYBE = 1, /* opens a protocol spantap parses, perhaps */
	ST_SNIFF_OTHER = 2, /* opens none */
};

/*
 * The kernel looks at the first 8 bytes, passed in one word: enough for
 * the first bytes of most other protocols (a binary length, a '*', a
 * CRLF), and cheap for the verifier. A token that fills them is left to
 * the agent.
 */
#define ST_SNIFF_WINDOW 8
#define ST_SNIFF_LEAD_MAX 2 /* a stray CRLF */

#define ST_SNIFF_BIT(c) (1ULL << ((c)&63))
/* RFC 9110's tchar: bytes 0-63, then 64-127 */
#define ST_SNIFF_TCHAR_LO                                             \
	(ST_SNIFF_BIT('!') | ST_SNIFF_BIT('#') | ST_SNIFF_BIT('$') |  \
	 ST_SNIFF_BIT('%') | ST_SNIFF_BIT('&') | ST_SNIFF_BIT('\'') | \
	 ST_SNIFF_BIT('*') | ST_SNIFF_BIT('+') | ST_SNIFF_BIT('-') |  \
	 ST_SNIFF_BIT('.') | (0x3ffULL << '0'))
#define ST_SNIFF_TCHAR_HI                                   \
	((0x3ffffffULL << ('A' - 64)) | ST_SNIFF_BIT('^') | \
	 ST_SNIFF_BIT('_') | ST_SNIFF_BIT('`') |            \
	 (0x3ffffffULL << ('a' - 64)) | ST_SNIFF_BIT('|') | ST_SNIFF_BIT('~'))

static inline __attribute__((always_inline)) int st_sniff_tchar(__u8 c)
{
	if (c < 64)
		return (ST_SNIFF_TCHAR_LO >> c) & 1;
	if (c < 128)
		return (ST_SNIFF_TCHAR_HI >> (c - 64)) & 1;
	return 0;
}

/*
 * w: the first bytes of a connection's first transfer, byte k in bits 8k
 * to 8k + 7 (a little-endian load), of which the first n are real.
 */
static inline __attribute__((always_inline)) int st_sniff_conn_start(__u64 w,
								     __u32 n)
{
	if (n > ST_SNIFF_WINDOW)
		n = ST_SNIFF_WINDOW;
	/* a stray CRLF first: drop it (one path per loop turn after) */
	for (int k = 0; k < ST_SNIFF_LEAD_MAX; k++) {
		__u8 c = w;

		if (n && (c == '\r' || c == '\n')) {
			w >>= 8;
			n--;
		}
	}
	for (__u32 i = 0; i < ST_SNIFF_WINDOW; i++) {
		__u8 c = w >> (8 * i);

		if (i >= n)
			return ST_SNIFF_MORE;
		if (c == ' ')
			return i ? ST_SNIFF_MAYBE : ST_SNIFF_OTHER;
		if (!st_sniff_tchar(c))
			return ST_SNIFF_OTHER;
	}
	/* a token as long as the window: the agent tells */
	return ST_SNIFF_MORE;
}

#endif /* __SPANTAP_SNIFF_H */
