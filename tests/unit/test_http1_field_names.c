// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The head parser's caseless compares of field names and options against
 * the byte-at-a-time compare they replaced, kept here as the reference:
 * names and values around the ones kept, every byte a valid line can
 * hold at every position, and random ones of the same lengths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http1_feed.h"
#include "test.h"
#include "util/ascii.h"

/* a[0..n) is lit in any case of its letters, for a's bytes below */
static bool ref_ieq(const char *a, size_t n, const char *lit)
{
	if (n != strlen(lit))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)(a[i] | 0x20) != (uint8_t)lit[i])
			return false;
	return true;
}

/* The byte values a field name, or an option in a value, may hold. */
static bool name_byte(uint8_t c)
{
	return ascii__tchar[c];
}

static bool option_byte(uint8_t c)
{
	/* no list separator or OWS: those split or trim the option */
	return c != ',' && c != ' ' && c != '\t' && c >= 0x21 && c != 0x7f;
}

/* name: v as the one field: kept as the host, or as Expect? */
static void check_name(const char *name)
{
	struct http1_msg m;
	char buf[128];

	snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\n%s: 100-continue\r\n\r\n",
		 name);
	ASSERT_EQ(parse_req(buf, &m), PARSE_OK);
	ASSERT_EQ(!strcmp(m.host, "100-continue"),
		  ref_ieq(name, strlen(name), "host"));
	ASSERT_EQ(!!(m.flags & HTTP1_F_EXPECT_CONTINUE),
		  ref_ieq(name, strlen(name), "expect"));
}

/* Connection: opt on HTTP/1.0, where only keep-alive keeps it open. */
static void check_option(const char *opt)
{
	bool close = ref_ieq(opt, strlen(opt), "close");
	bool keep = ref_ieq(opt, strlen(opt), "keep-alive");
	struct http1_msg m;
	char buf[128];

	snprintf(buf, sizeof(buf), "GET / HTTP/1.0\r\nConnection: %s\r\n\r\n",
		 opt);
	ASSERT_EQ(parse_req(buf, &m), PARSE_OK);
	ASSERT_EQ(!!(m.flags & HTTP1_F_CONN_CLOSE), close || !keep);
}

static void check_bytes(const char *word, bool (*ok)(uint8_t),
			void (*check)(const char *))
{
	char buf[32];
	size_t n = strlen(word);

	for (size_t pos = 0; pos < n; pos++) {
		for (unsigned int c = 1; c < 256; c++) {
			if (!ok((uint8_t)c))
				continue;
			memcpy(buf, word, n + 1);
			buf[pos] = (char)c;
			check(buf);
			if (test__failed())
				return;
		}
	}
}

TEST(http1_field_names_compare_as_before_on_every_byte)
{
	static const char *const names[] = {"Host",   "hOST", "Expect",
					    "EXPECT", "Hos",  "Hostt"};
	static const char *const opts[] = {"close",	 "CLOSE", "keep-alive",
					   "Keep-Alive", "clos",  "closed"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_bytes(names[i], name_byte, check_name);
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		check_bytes(opts[i], option_byte, check_option);
}

/* Random words of four to seven bytes, from letters near the literals'. */
TEST(http1_field_names_compare_as_before_on_random_words)
{
	static const char letters[] = "hostexpcladnHOSTEXPCLADN-_!~`^|0";
	unsigned int seed = 5;
	char buf[16];

	for (int iter = 0; iter < 200000; iter++) {
		size_t n = 4 + rand_r(&seed) % 4;

		for (size_t i = 0; i < n; i++)
			buf[i] = letters[rand_r(&seed) % (sizeof(letters) - 1)];
		buf[n] = '\0';
		check_name(buf);
		check_option(buf);
		if (test__failed())
			return;
	}
}
