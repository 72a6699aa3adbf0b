// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Retry decisions: retryable statuses, Retry-After, the backoff policy. */
#include <errno.h>
#include <limits.h>
#include <math.h>

#include "export/retry.h"
#include "test.h"

/* Sun, 06 Nov 1994 08:49:37 GMT, the example date of RFC 9110 */
#define T1994 784111777LL
/* 2025-06-15T12:00:00Z */
#define T2025 1749988800LL
/* 2099-01-01T00:00:00Z */
#define T2099 4070908800LL

#define MAX_MS (RETRY_AFTER_MAX_S * 1000)

/* Parse the literal v relative to now; -1 on error, else the delay */
static long long after(const char *v, int64_t now)
{
	uint64_t ms = 12345;
	int err = retry_after__parse(v, strlen(v), now, &ms);

	if (err)
		return err == -EINVAL && ms == 12345 ? -1 : -2;
	return (long long)ms;
}

TEST(retry_retryable_statuses)
{
	static const long yes[] = {429, 502, 503, 504};
	static const long no[] = {0,   100, 200, 204, 301, 400, 401, 403, 404,
				  408, 413, 428, 430, 500, 501, 505, 599, -1};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		ASSERT_TRUE(otlp_http__retryable(yes[i]));
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ASSERT_TRUE(!otlp_http__retryable(no[i]));
}

TEST(retry_after_seconds)
{
	uint64_t ms;

	ASSERT_EQ(after("2", 0), 2000);
	ASSERT_EQ(after(" 2 ", 0), 2000);
	ASSERT_EQ(after("\t2\r\n", 0), 2000);
	ASSERT_EQ(after("0", T2025), 0);
	ASSERT_EQ(after("007", 0), 7000);
	ASSERT_EQ(after("120", -5), 120000);
	/* the value is not NUL-terminated: only len bytes count */
	ASSERT_EQ(retry_after__parse("25", 1, 0, &ms), 0);
	ASSERT_EQ(ms, 2000);
	ASSERT_EQ(retry_after__parse(NULL, 0, 0, &ms), -EINVAL);
}

TEST(retry_after_not_a_number)
{
	ASSERT_EQ(after("", 0), -1);
	ASSERT_EQ(after("   ", 0), -1);
	ASSERT_EQ(after("abc", 0), -1);
	ASSERT_EQ(after("-1", 0), -1);
	ASSERT_EQ(after("+1", 0), -1);
	ASSERT_EQ(after("1.5", 0), -1);
	ASSERT_EQ(after("2 3", 0), -1);
	ASSERT_EQ(after("2s", 0), -1);
	ASSERT_EQ(after("0x10", 0), -1);
	ASSERT_EQ(after("1e3", 0), -1);
}

TEST(retry_after_huge_clamps)
{
	ASSERT_EQ(after("9999999999", 0), MAX_MS);
	ASSERT_EQ(after("9999999998", 0), MAX_MS - 1000);
	ASSERT_EQ(after("10000000000", 0), MAX_MS);
	ASSERT_EQ(after("18446744073709551616", 0), MAX_MS);
	ASSERT_EQ(after("99999999999999999999999999999999999999999999", 0),
		  MAX_MS);
	ASSERT_EQ(after("000000000000000000000000000000000000000005", 0), 5000);
}

TEST(retry_after_imf_fixdate)
{
	ASSERT_EQ(after("Sun, 06 Nov 1994 08:49:37 GMT", T1994 - 120), 120000);
	ASSERT_EQ(after("Sun, 06 Nov 1994 08:49:37 GMT", T1994 - 1), 1000);
	/* now or past: no wait */
	ASSERT_EQ(after("Sun, 06 Nov 1994 08:49:37 GMT", T1994), 0);
	ASSERT_EQ(after("Sun, 06 Nov 1994 08:49:37 GMT", T1994 + 3600), 0);
	ASSERT_EQ(after("Sun, 06 Nov 1994 08:49:37 GMT", T2025), 0);
	ASSERT_EQ(after("  Sun, 06 Nov 1994 08:49:37 GMT\r\n", T1994 - 2),
		  2000);
	ASSERT_EQ(after("Sun, 15 Jun 2025 12:00:30 GMT", T2025), 30000);
	ASSERT_EQ(after("Thu, 01 Jan 1970 00:01:00 GMT", 0), 60000);
	ASSERT_EQ(after("Thu, 01 Jan 1970 00:00:00 GMT", -86400), 86400000);
	ASSERT_EQ(after("Tue, 29 Feb 2000 00:00:00 GMT", 951782400 - 10),
		  10000);
	ASSERT_EQ(after("Thu, 29 Feb 2024 12:00:00 GMT", 1709208000 - 7), 7000);
	/* a leap second is the next second's start in unix time */
	ASSERT_EQ(after("Sat, 31 Dec 2016 23:59:60 GMT", 1483228799), 1000);
	ASSERT_EQ(after("Fri, 31 Dec 9999 23:59:59 GMT", 0), MAX_MS);
	/* names are compared case-insensitively */
	ASSERT_EQ(after("sun, 06 NOV 1994 08:49:37 gmt", T1994 - 1), 1000);
	/* the weekday is not checked against the date */
	ASSERT_EQ(after("Mon, 06 Nov 1994 08:49:37 GMT", T1994 - 1), 1000);
}

TEST(retry_after_rfc850)
{
	ASSERT_EQ(after("Sunday, 06-Nov-94 08:49:37 GMT", T1994 - 60), 60000);
	/* seen from 2025, 94 is 1994 (2094 would be > 50 years ahead) */
	ASSERT_EQ(after("Sunday, 06-Nov-94 08:49:37 GMT", T2025), 0);
	/* 30 is 2030 */
	ASSERT_EQ(after("Tuesday, 01-Jan-30 00:00:00 GMT", T2025),
		  (1893456000LL - T2025) * 1000);
	/* seen from 2099, 01 is 2101, not 98 years ago */
	ASSERT_EQ(after("Saturday, 01-Jan-01 00:00:00 GMT", T2099),
		  (4133980800LL - T2099) * 1000);
	ASSERT_EQ(after("Sunday, 15-Jun-25 12:00:01 GMT", T2025), 1000);
	/* the clock need not be sane */
	ASSERT_TRUE(after("Sunday, 06-Nov-94 08:49:37 GMT", INT64_MAX) == 0);
	ASSERT_TRUE(after("Sunday, 06-Nov-94 08:49:37 GMT", INT64_MIN) ==
		    (long long)MAX_MS);
}

TEST(retry_after_asctime)
{
	ASSERT_EQ(after("Sun Nov  6 08:49:37 1994", T1994 - 5), 5000);
	ASSERT_EQ(after("Sun Nov 06 08:49:37 1994", T1994 - 5), 5000);
	ASSERT_EQ(after("Sun Jun 15 12:00:09 2025", T2025), 9000);
	ASSERT_EQ(after("Sun Nov  6 08:49:37 1994", T2025), 0);
}

TEST(retry_after_invalid_dates)
{
	static const char *const bad[] = {
		"Mon, 30 Feb 2015 00:00:00 GMT", /* no such day */
		"Tue, 29 Feb 1900 00:00:00 GMT", /* 1900 is not leap */
		"Wed, 31 Apr 2015 00:00:00 GMT",
		"Sun, 00 Nov 1994 08:49:37 GMT",
		"Sun, 32 Dec 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 25:00:00 GMT", /* hour 25 */
		"Sun, 06 Nov 1994 24:00:00 GMT",
		"Sun, 06 Nov 1994 08:60:00 GMT",
		"Sun, 06 Nov 1994 08:49:61 GMT",
		"Sun, 06 Foo 1994 08:49:37 GMT", /* bad month name */
		"Sun, 06 Nov 1994 08:49:37 UTC",
		"Sun, 06 Nov 1994 08:49:37 GMT+1",
		"Sun, 6 Nov 1994 08:49:37 GMT",
		"Sun,  06 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 94 08:49:37 GMT",
		"Sun, 06 Nov 1994 8:49:37 GMT",
		"Sun, 06 Nov 1994 08-49-37 GMT",
		"Sun, 06 Nov 1994 08:49 GMT",
		"Sun, 06 Nov 1994 08:49:37",
		"Sun, 06 Nov -994 08:49:37 GMT",
		"Xyz, 06 Nov 1994 08:49:37 GMT", /* not a day name at all */
		"Sunday, 06 Nov 1994 08:49:37 GMT",
		"Sunday, 06-Nov-1994 08:49:37 GMT",
		"Sun, 06-Nov-94 08:49:37 GMT",
		"Funday, 06-Nov-94 08:49:37 GMT",
		"Sunday, 31-Nov-94 08:49:37 GMT",
		"Sunday, 06-Nox-94 08:49:37 GMT",
		"Sunday, 06-Nov-9x 08:49:37 GMT",
		"Sunday,06-Nov-94 08:49:37 GMT",
		",",
		"Sun Nov 6 08:49:37 1994",
		"Sun Nov  6 08:49:37 94",
		"Sun Nov  6 08:49:37 1994 GMT",
		"Sun Nov 6  08:49:37 1994",
		"Sun Nov  0 08:49:37 1994",
		"Sunday Nov  6 08:49:37 1994",
		"Sun",
		"Sun,",
		"GMT",
		"tomorrow",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (after(bad[i], T1994 - 100) != -1) {
			test__fail(__FILE__, __LINE__, "\"%s\" accepted",
				   bad[i]);
			return;
		}
	}
}

TEST(retry_policy_defaults)
{
	struct retry_policy p;

	retry_policy__init(&p);
	ASSERT_EQ(p.initial_ms, 500);
	ASSERT_EQ(p.max_interval_ms, 30000);
	ASSERT_EQ(p.max_elapsed_ms, 300000);
	ASSERT_TRUE(p.multiplier == 2.0);
	ASSERT_TRUE(p.jitter == 0.5);
}

TEST(retry_backoff_grows_to_the_cap)
{
	static const uint64_t want[] = {500,   1000,  2000,  4000, 8000,
					16000, 30000, 30000, 30000};
	struct retry_policy p;
	unsigned a;

	retry_policy__init(&p);
	p.jitter = 0;
	for (a = 1; a <= sizeof(want) / sizeof(want[0]); a++)
		ASSERT_EQ(retry_policy__delay_ms(&p, a, 12345), want[a - 1]);
	ASSERT_EQ(retry_policy__delay_ms(&p, 1000, 0), 30000);
	/* attempt 0 is taken as the first retry */
	ASSERT_EQ(retry_policy__delay_ms(&p, 0, 0), 500);
	p.multiplier = 1.5;
	ASSERT_EQ(retry_policy__delay_ms(&p, 3, 0), 1125);
}

TEST(retry_backoff_jitter_bounds)
{
	struct retry_policy p;
	uint32_t rnd;
	unsigned a;

	retry_policy__init(&p);
	ASSERT_EQ(retry_policy__delay_ms(&p, 1, 0), 250);
	ASSERT_EQ(retry_policy__delay_ms(&p, 1, UINT32_MAX), 750);
	ASSERT_EQ(retry_policy__delay_ms(&p, 1, 1u << 31), 500);
	ASSERT_EQ(retry_policy__delay_ms(&p, 3, 0), 1000);
	ASSERT_EQ(retry_policy__delay_ms(&p, 3, UINT32_MAX), 3000);
	ASSERT_EQ(retry_policy__delay_ms(&p, 10, 0), 15000);
	ASSERT_EQ(retry_policy__delay_ms(&p, 10, UINT32_MAX), 45000);

	for (a = 1; a <= 12; a++) {
		uint64_t d = 500ull << (a - 1), lo, hi;

		if (d > 30000)
			d = 30000;
		lo = d / 2;
		hi = d + d / 2;
		for (rnd = 0; rnd < UINT32_MAX - 0x01000193u;
		     rnd += 0x01000193u) {
			uint64_t v = retry_policy__delay_ms(&p, a, rnd);

			if (v < lo || v > hi) {
				test__fail(__FILE__, __LINE__,
					   "attempt %u rnd %u: %" PRIu64, a,
					   rnd, v);
				return;
			}
		}
	}

	/* jitter outside [0, 1] is held within it */
	p.jitter = 7;
	ASSERT_EQ(retry_policy__delay_ms(&p, 1, UINT32_MAX), 1000);
	ASSERT_EQ(retry_policy__delay_ms(&p, 1, 0), 1);
	p.jitter = -1;
	ASSERT_EQ(retry_policy__delay_ms(&p, 1, UINT32_MAX), 500);
}

TEST(retry_backoff_no_overflow)
{
	struct retry_policy p;
	uint64_t v;

	retry_policy__init(&p);
	v = retry_policy__delay_ms(&p, UINT_MAX, 0);
	ASSERT_EQ(v, 15000);
	v = retry_policy__delay_ms(&p, UINT_MAX, UINT32_MAX);
	ASSERT_EQ(v, 45000);

	p.multiplier = 1e308;
	ASSERT_EQ(retry_policy__delay_ms(&p, UINT_MAX, 1u << 31), 30000);
	p.multiplier = INFINITY;
	ASSERT_EQ(retry_policy__delay_ms(&p, 2, 1u << 31), 30000);
	ASSERT_EQ(retry_policy__delay_ms(&p, 1, 1u << 31), 500);

	/* everything at the top of its range */
	p.initial_ms = UINT64_MAX;
	p.max_interval_ms = UINT64_MAX;
	p.jitter = 1;
	ASSERT_TRUE(retry_policy__delay_ms(&p, UINT_MAX, UINT32_MAX) ==
		    UINT64_MAX);
	p.max_interval_ms = UINT64_MAX / 2;
	p.jitter = 0;
	ASSERT_TRUE(retry_policy__delay_ms(&p, UINT_MAX, 0) <= UINT64_MAX / 2);
	p.max_interval_ms = (1ull << 53) + 1;
	ASSERT_TRUE(retry_policy__delay_ms(&p, 70, 0) <= (1ull << 53) + 1);
	/* a cap a double rounds up must not be doubled past 2 * cap (fuzz) */
	p.max_interval_ms = 7308535343525536357ull;
	p.jitter = 1;
	ASSERT_TRUE(retry_policy__delay_ms(&p, UINT_MAX, UINT32_MAX) <=
		    2 * 7308535343525536357ull);
}

TEST(retry_backoff_odd_policies)
{
	struct retry_policy p;

	retry_policy__init(&p);
	/* never 0 while initial is not */
	p.initial_ms = 1;
	p.jitter = 1;
	ASSERT_EQ(retry_policy__delay_ms(&p, 1, 0), 1);
	p.max_interval_ms = 0;
	ASSERT_EQ(retry_policy__delay_ms(&p, 5, UINT32_MAX), 1);
	/* no initial delay asked for, none given */
	p.initial_ms = 0;
	p.max_interval_ms = 30000;
	ASSERT_EQ(retry_policy__delay_ms(&p, 5, UINT32_MAX), 0);
	p.multiplier = INFINITY;
	ASSERT_EQ(retry_policy__delay_ms(&p, 5, UINT32_MAX), 0);

	/* NaN and shrinking multipliers count as 1, NaN jitter as 0 */
	retry_policy__init(&p);
	p.multiplier = NAN;
	p.jitter = NAN;
	ASSERT_EQ(retry_policy__delay_ms(&p, 9, UINT32_MAX), 500);
	p.multiplier = 0.5;
	ASSERT_EQ(retry_policy__delay_ms(&p, 9, 0), 500);
	p.multiplier = -3;
	ASSERT_EQ(retry_policy__delay_ms(&p, 9, 0), 500);

	/* an initial delay above the cap is capped */
	retry_policy__init(&p);
	p.initial_ms = 100000;
	p.jitter = 0;
	ASSERT_EQ(retry_policy__delay_ms(&p, 1, 0), 30000);
}

TEST(retry_server_delay)
{
	struct retry_policy p;

	retry_policy__init(&p);
	ASSERT_EQ(retry_policy__server_delay_ms(&p, 2000), 2000);
	/* past max_interval: the server's word counts */
	ASSERT_EQ(retry_policy__server_delay_ms(&p, 60000), 60000);
	ASSERT_EQ(retry_policy__server_delay_ms(&p, 300000), 300000);
	/* but not past the batch's life, nor below the first backoff */
	ASSERT_EQ(retry_policy__server_delay_ms(&p, 300001), 300000);
	ASSERT_TRUE(retry_policy__server_delay_ms(&p, UINT64_MAX) == 300000);
	ASSERT_EQ(retry_policy__server_delay_ms(&p, 0), 500);
	ASSERT_EQ(retry_policy__server_delay_ms(&p, 499), 500);
	p.max_elapsed_ms = 100;
	ASSERT_EQ(retry_policy__server_delay_ms(&p, 0), 100);
}

TEST(retry_expired)
{
	struct retry_policy p;

	retry_policy__init(&p);
	ASSERT_TRUE(!retry_policy__expired(&p, 0, 0));
	ASSERT_TRUE(!retry_policy__expired(&p, 0, 300000));
	ASSERT_TRUE(!retry_policy__expired(&p, 299000, 1000));
	ASSERT_TRUE(retry_policy__expired(&p, 299000, 1001));
	ASSERT_TRUE(retry_policy__expired(&p, 300001, 0));
	ASSERT_TRUE(retry_policy__expired(&p, UINT64_MAX, 0));
	ASSERT_TRUE(retry_policy__expired(&p, 0, UINT64_MAX));
	ASSERT_TRUE(retry_policy__expired(&p, UINT64_MAX, UINT64_MAX));
}
