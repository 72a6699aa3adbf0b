// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The endpoint URL rules, straight through the two URL functions; how a bad
 * URL in a variable or a flag is reported is tested with the configuration.
 */
#include <errno.h>
#include <stdlib.h>

#include "export/otlp_url.h"
#include "test.h"

#define CHECK_BASE(in, want)                                       \
	do {                                                       \
		char *_u = NULL;                                   \
		ASSERT_EQ(otlp_url__traces_from_base(in, &_u), 0); \
		ASSERT_TRUE(_u && !strcmp(_u, want));              \
		free(_u);                                          \
	} while (0)

#define CHECK_AS_IS(in, want)                                  \
	do {                                                   \
		char *_u = NULL;                               \
		ASSERT_EQ(otlp_url__traces_as_is(in, &_u), 0); \
		ASSERT_TRUE(_u && !strcmp(_u, want));          \
		free(_u);                                      \
	} while (0)

/* Both functions refuse in, and leave the result alone. */
#define CHECK_BAD_URL(in)                                                \
	do {                                                             \
		char *_u = NULL;                                         \
		ASSERT_EQ(otlp_url__traces_from_base(in, &_u), -EINVAL); \
		ASSERT_EQ(otlp_url__traces_as_is(in, &_u), -EINVAL);     \
		ASSERT_TRUE(!_u);                                        \
	} while (0)

TEST(otlp_url_base_appends_v1_traces)
{
	CHECK_BASE("http://h:4318/base/", "http://h:4318/base/v1/traces");
	CHECK_BASE("http://h:4318/base", "http://h:4318/base/v1/traces");
	CHECK_BASE("http://c:4318", "http://c:4318/v1/traces");
	CHECK_BASE("http://c:4318/", "http://c:4318/v1/traces");
	/* exactly one '/' between, however many the base ends with */
	CHECK_BASE("http://c:4318/base//", "http://c:4318/base/v1/traces");
	CHECK_BASE("http://c//", "http://c/v1/traces");
	/* the scheme is case-insensitive and comes out in lower case */
	CHECK_BASE("HTTPS://Collector.Example:443",
		   "https://Collector.Example:443/v1/traces");
	CHECK_BASE("http://[::1]:4318", "http://[::1]:4318/v1/traces");
	CHECK_BASE("http://[fe80::1%25eth0]:4318/x",
		   "http://[fe80::1%25eth0]:4318/x/v1/traces");
	CHECK_BASE("http://h:1/a%20b", "http://h:1/a%20b/v1/traces");
	CHECK_BASE("http://h:65535", "http://h:65535/v1/traces");
	/* a base is a base, even when it names the traces path already */
	CHECK_BASE("http://c:4318/v1/traces",
		   "http://c:4318/v1/traces/v1/traces");
}

TEST(otlp_url_as_is_adds_only_a_missing_path)
{
	CHECK_AS_IS("http://c:4318", "http://c:4318/");
	CHECK_AS_IS("http://c:4318/", "http://c:4318/");
	CHECK_AS_IS("http://c:4318/v1/traces", "http://c:4318/v1/traces");
	CHECK_AS_IS("http://c:4318/custom/path/", "http://c:4318/custom/path/");
	CHECK_AS_IS("HTTP://c/x", "http://c/x");
	CHECK_AS_IS("https://[2001:db8::1]", "https://[2001:db8::1]/");
	/* a query is kept, and a missing path still goes before it */
	CHECK_AS_IS("http://c/v1/traces?tenant=a",
		    "http://c/v1/traces?tenant=a");
	CHECK_AS_IS("http://c?x=1", "http://c/?x=1");
}

TEST(otlp_url_bad_ones_rejected)
{
	char *u = NULL;

	CHECK_BAD_URL("ftp://x");
	CHECK_BAD_URL("x");
	CHECK_BAD_URL("");
	CHECK_BAD_URL("http:/h");
	CHECK_BAD_URL("http://");
	CHECK_BAD_URL("http:///v1/traces");
	CHECK_BAD_URL("http://:4318");
	CHECK_BAD_URL("http://h:");
	CHECK_BAD_URL("http://h:0");
	CHECK_BAD_URL("http://h:65536");
	CHECK_BAD_URL("http://h:123456");
	CHECK_BAD_URL("http://h:00000080");
	CHECK_BAD_URL("http://h:43a8");
	CHECK_BAD_URL("http://h:-1");
	CHECK_BAD_URL(" http://h");
	CHECK_BAD_URL("http://h ");
	CHECK_BAD_URL("http://h/a b");
	CHECK_BAD_URL("http://h/\r\nX-Evil: 1");
	CHECK_BAD_URL("http://h/\x7f");
	CHECK_BAD_URL("http://h/caf\xc3\xa9");
	CHECK_BAD_URL("http://user:pass@h:4318");
	CHECK_BAD_URL("http://h/a#frag");
	CHECK_BAD_URL("http://h_!/");
	CHECK_BAD_URL("http://h/%zz");
	CHECK_BAD_URL("http://h/%4");
	CHECK_BAD_URL("http://h/<x>");
	CHECK_BAD_URL("http://h/a\\b");
	CHECK_BAD_URL("http://[::1");
	CHECK_BAD_URL("http://[]/");
	CHECK_BAD_URL("http://[zz::1]/");
	CHECK_BAD_URL("http://[::1]x/");
	CHECK_BAD_URL("http://[fe80::1%eth0]/");
	CHECK_BAD_URL("http://[fe80::1%25]/");
	CHECK_BAD_URL("http://::1/");
	/* a base URL cannot have a query: where would v1/traces go? */
	ASSERT_EQ(otlp_url__traces_from_base("http://h/?x=1", &u), -EINVAL);
	ASSERT_EQ(otlp_url__traces_from_base(NULL, &u), -EINVAL);
	ASSERT_EQ(otlp_url__traces_as_is(NULL, &u), -EINVAL);
	ASSERT_EQ(otlp_url__traces_as_is("http://h", NULL), -EINVAL);
	ASSERT_TRUE(!u);
}
