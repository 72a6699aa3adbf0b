// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The key=value list rules, straight through otlp_kvlist__parse; how a bad
 * member of a variable or a flag is reported is tested with the
 * configuration.
 */
#include <errno.h>
#include <stdlib.h>

#include "export/otlp_kvlist.h"
#include "test.h"

TEST(otlp_kvlist_parse_rules)
{
	struct otlp_kv kv[4];
	size_t n = 0;

	ASSERT_EQ(otlp_kvlist__parse("", kv, 4, &n, false), 0);
	ASSERT_EQ(otlp_kvlist__parse(NULL, kv, 4, &n, false), 0);
	ASSERT_EQ(otlp_kvlist__parse(" , ,\t,", kv, 4, &n, true), 0);
	ASSERT_EQ(n, 0);

	ASSERT_EQ(otlp_kvlist__parse("a=1,,b\t=\t%41%42%43 ,c=", kv, 4, &n,
				     false),
		  0);
	ASSERT_EQ(n, 3);
	ASSERT_STREQ(kv[0].key, "a");
	ASSERT_STREQ(kv[1].key, "b");
	ASSERT_STREQ(kv[1].value, "ABC");
	ASSERT_STREQ(kv[2].value, "");

	/* invalid members are counted and skipped; the good ones kept */
	ASSERT_EQ(otlp_kvlist__parse("x,=1,a b=1,k=v;p,k=%4,k=%00,d=%7e", kv, 4,
				     &n, false),
		  6);
	ASSERT_EQ(n, 4);
	ASSERT_STREQ(kv[3].key, "d");
	ASSERT_STREQ(kv[3].value, "~");

	/* full: a known key still replaces, a new one is too many */
	ASSERT_EQ(otlp_kvlist__parse("a=2,new=1", kv, 4, &n, false), -E2BIG);
	ASSERT_EQ(n, 4);
	ASSERT_STREQ(kv[0].value, "2");
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}

	n = 0;
	ASSERT_EQ(otlp_kvlist__parse(
			  "tab=a%09b,cr=%0D,lf=%0a,del=%7F,raw=a\rb,x=%80", kv,
			  4, &n, true),
		  4);
	ASSERT_EQ(n, 2);
	ASSERT_STREQ(kv[0].value, "a\tb");
	ASSERT_STREQ(kv[1].value, "\x80");
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}

	/* every tchar is a key character */
	n = 0;
	ASSERT_EQ(otlp_kvlist__parse("!#$%&'*+-.^_`|~09azAZ=v,k(=v,k\"=v,k/=v",
				     kv, 4, &n, false),
		  3);
	ASSERT_EQ(n, 1);
	ASSERT_STREQ(kv[0].key, "!#$%&'*+-.^_`|~09azAZ");
	free(kv[0].key);
	free(kv[0].value);

	ASSERT_EQ(otlp_kvlist__parse("a=1", NULL, 4, &n, false), -EINVAL);
	ASSERT_EQ(otlp_kvlist__parse("a=1", kv, 4, NULL, false), -EINVAL);
	n = 5;
	ASSERT_EQ(otlp_kvlist__parse("a=1", kv, 4, &n, false), -EINVAL);
}
