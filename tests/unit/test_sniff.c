// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The kernel's look at a connection's first bytes (spantap/sniff.h) held
 * to the agent's: whatever the kernel calls another protocol, the agent
 * must never take for an HTTP request, whatever bytes follow. The other
 * way round the kernel may let through what the agent then gives up on.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/http1.h"
#include "spantap/sniff.h"
#include "util/ascii.h"
#include "test.h"

/* what follows the first bytes, as kind to a request as can be */
#define REST " / HTTP/1.1\r\nHost: a\r\n\r\n"

/* as the kernel calls it: the first 8 bytes in one little-endian word */
static int sniff_bytes(const uint8_t *p, size_t n)
{
	uint64_t w = 0;

	for (size_t k = 0; k < n && k < ST_SNIFF_WINDOW; k++)
		w |= (uint64_t)p[k] << (8 * k);
	return st_sniff_conn_start(w, n > UINT32_MAX ? UINT32_MAX : n);
}

static int sniff(const char *s)
{
	return sniff_bytes((const uint8_t *)s, strlen(s));
}

/* buf[0..len) judged another protocol: no request start, whatever follows */
static void check_never_a_request(const uint8_t *buf, size_t len)
{
	uint8_t *b;

	if (sniff_bytes(buf, len) != ST_SNIFF_OTHER)
		return;
	b = malloc(len + sizeof(REST));
	ASSERT_TRUE(b);
	memcpy(b, buf, len);
	memcpy(b + len, REST, sizeof(REST) - 1);
	if (http1__looks_like_request(b, len + sizeof(REST) - 1))
		test__fail(__FILE__, __LINE__,
			   "the kernel calls %zu bytes (first 0x%02x) another "
			   "protocol, the agent a request",
			   len, len ? buf[0] : 0);
	free(b);
}

TEST(sniff_tchar_is_the_agents)
{
	for (unsigned int c = 0; c < 256; c++)
		ASSERT_EQ(st_sniff_tchar((uint8_t)c),
			  ascii__is_tchar((uint8_t)c));
}

TEST(sniff_methods_and_the_h2_preface_are_let_through)
{
	static const char *const open[] = {
		"GET / HTTP/1.1\r\n",
		"POST /x",
		"OPTIONS * HTTP/1.1",
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
		"M-SEARCH * HTTP/1.1",
		"\r\nGET / HTTP/1.1",
		"\nGET /",
		/* text protocols shaped so are left to the agent */
		"get key\r\n",
		"220 mail.example ESMTP\r\n",
		"ABCDEFG /",
	};

	for (size_t i = 0; i < sizeof(open) / sizeof(open[0]); i++)
		ASSERT_TRUE(sniff(open[i]) != ST_SNIFF_OTHER);
	/* a method not yet whole: wait for more */
	ASSERT_EQ(sniff(""), ST_SNIFF_MORE);
	ASSERT_EQ(sniff("G"), ST_SNIFF_MORE);
	ASSERT_EQ(sniff("DELET"), ST_SNIFF_MORE);
	ASSERT_EQ(sniff("\r\n"), ST_SNIFF_MORE);
	/* a token filling the window: the agent tells */
	ASSERT_EQ(sniff("ABCDEFGH /"), ST_SNIFF_MORE);
	ASSERT_EQ(sniff("SSH-2.0-OpenSSH_9.2p1\r\n"), ST_SNIFF_MORE);
	ASSERT_EQ(sniff("\r\nABCDEFGH"), ST_SNIFF_MORE);
}

TEST(sniff_other_protocols_first_bytes)
{
	static const struct {
		const char *what;
		const char *bytes;
		size_t len;
	} other[] = {
		{"redis", "*1\r\n$4\r\nPING\r\n", 14},
		{"redis inline", "PING\r\n", 6},
		{"postgres startup", "\0\0\0\x08\x04\xd2\x16\x2f", 8},
		{"mysql greeting",
		 "\x4a\0\0\0\x0a"
		 "8.0.33",
		 11},
		{"binary_echo.py", "\0\0\0\x10\0\0\x01\x02", 8},
		{"leading space", " GET / HTTP/1.1", 15},
		{"three line ends", "\r\n\r\nGET /", 9},
		{"utf-8 method", "G\xc3\x89T / HTTP/1.1", 15},
	};

	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		int got = sniff_bytes((const uint8_t *)other[i].bytes,
				      other[i].len);

		if (got != ST_SNIFF_OTHER)
			test__fail(__FILE__, __LINE__, "%s: %d, not other",
				   other[i].what, got);
	}
}

/* every byte at every position of a request, of a stray CRLF and one */
TEST(sniff_other_is_never_a_request_to_the_agent)
{
	test__sweep_bytes("GET / HTTP/1.1\r\n", check_never_a_request, NULL);
	test__sweep_bytes("\r\nPOST /", check_never_a_request, NULL);
}

/* tokens of every length up to past the agent's longest, then a space */
TEST(sniff_token_lengths_agree_with_the_agent)
{
	uint8_t b[ST_SNIFF_WINDOW + 80];

	for (size_t n = 1; n + 1 < sizeof(b); n++) {
		memset(b, 'A', n);
		b[n] = ' ';
		check_never_a_request(b, n + 1);
		if (test__failed())
			return;
	}
}

TEST(sniff_random_bytes_never_a_request_to_the_agent)
{
	uint8_t b[96];
	unsigned int seed = 7;

	for (int i = 0; i < 200000 && !test__failed(); i++) {
		size_t len = rand_r(&seed) % sizeof(b);

		for (size_t j = 0; j < len; j++) {
			/* mostly tchars and spaces: near the edge */
			unsigned int r = rand_r(&seed);

			b[j] = r % 4 ? "GETPOST-_.~!ab09 \r\n"[r % 19]
				     : (uint8_t)(r >> 8);
		}
		check_never_a_request(b, len);
	}
}
