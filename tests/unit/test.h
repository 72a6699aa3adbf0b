/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A tiny unit test harness. TEST(name) registers a test; ASSERT_* report the
 * first failure of a test with file and line and leave the test.
 */
#ifndef __SPANTAP_TEST_H
#define __SPANTAP_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef void (*test_fn)(void);

void test__register(const char *name, test_fn fn);
void test__fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool test__failed(void);
/*
 * check(buf, len) with every byte value at every position of text, for
 * every length from 0 to the whole that keep(n, pos, len) keeps (NULL:
 * all); stops at the first failure. buf holds text's bytes, no NUL: a
 * check that wants overreads caught copies buf[0..len) to a block of its
 * own.
 */
void test__sweep_bytes(const char *text,
		       void (*check)(const uint8_t *buf, size_t len),
		       bool (*keep)(size_t n, size_t pos, size_t len));
/*
 * Random parts (an empty one stands for a NUL byte) appended to buf[0..n)
 * while the next fits in want bytes; the new length.
 */
size_t test__append_parts(uint8_t *buf, size_t n, size_t want,
			  const char *const *parts, size_t nparts,
			  unsigned int *seed);

#define TEST(name)                                                     \
	static void name(void);                                        \
	__attribute__((constructor)) static void register_##name(void) \
	{                                                              \
		test__register(#name, name);                           \
	}                                                              \
	static void name(void)

#define ASSERT_TRUE(c)                                                 \
	do {                                                           \
		if (!(c)) {                                            \
			test__fail(__FILE__, __LINE__, "%s", #c);      \
			return;                                        \
		}                                                      \
	} while (0)

#define ASSERT_EQ(a, b)                                                     \
	do {                                                                \
		long long _a = (long long)(a), _b = (long long)(b);         \
		if (_a != _b) {                                             \
			test__fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", \
				   #a, #b, _a, _b);                         \
			return;                                             \
		}                                                           \
	} while (0)

#define ASSERT_STREQ(a, b)                                                \
	do {                                                              \
		const char *_a = (a), *_b = (b);                          \
		if (!_a || !_b || strcmp(_a, _b)) {                       \
			test__fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", \
				   #a, #b, _a ? _a : "(null)",            \
				   _b ? _b : "(null)");                   \
			return;                                           \
		}                                                         \
	} while (0)

#define ASSERT_MEMEQ(a, b, n)                                              \
	do {                                                               \
		if (memcmp((a), (b), (n))) {                               \
			test__fail(__FILE__, __LINE__, "%s == %s (%zu bytes)", \
				   #a, #b, (size_t)(n));                   \
			return;                                            \
		}                                                          \
	} while (0)

#endif /* __SPANTAP_TEST_H */
