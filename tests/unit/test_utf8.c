// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "test.h"
#include "util/utf8.h"

#define R UTF8_REPLACEMENT

/* Sanitise src (a literal) with plenty of room and compare with want. */
#define CHECK_SANITIZE(src, want)                                          \
	do {                                                               \
		char _dst[128];                                            \
		size_t _n = utf8__sanitize(_dst, sizeof(_dst), src,        \
					   sizeof(src) - 1);               \
		ASSERT_EQ(_n, sizeof(want) - 1);                           \
		ASSERT_MEMEQ(_dst, want, sizeof(want));                    \
	} while (0)

TEST(utf8_valid_kept)
{
	CHECK_SANITIZE("plain ascii", "plain ascii");
	CHECK_SANITIZE("caf\xc3\xa9", "caf\xc3\xa9");
	CHECK_SANITIZE("\xe2\x82\xac 5", "\xe2\x82\xac 5");
	CHECK_SANITIZE("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
	/* the edges of the ranges: U+0080, U+07FF, U+0800, U+D7FF, U+E000,
	 * U+FFFF, U+10000, U+10FFFF */
	CHECK_SANITIZE("\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf",
		       "\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf");
	CHECK_SANITIZE("\xee\x80\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf",
		       "\xee\x80\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf");
}

TEST(utf8_bad_bytes_replaced)
{
	CHECK_SANITIZE("a\x80z", "a" R "z"); /* lone continuation */
	CHECK_SANITIZE("\xbf", R);
	CHECK_SANITIZE("\xfe\xff", R R);
	CHECK_SANITIZE("\xf5\x80\x80\x80", R R R R); /* lead past F4 */
	CHECK_SANITIZE("\xc3(", R "(");  /* missing continuation */
}

TEST(utf8_overlong_replaced)
{
	CHECK_SANITIZE("\xc0\xaf", R R);
	CHECK_SANITIZE("\xc1\xbf", R R);
	CHECK_SANITIZE("\xe0\x80\xaf", R R R);
	CHECK_SANITIZE("\xe0\x9f\xbf", R R R);
	CHECK_SANITIZE("\xf0\x80\x80\xaf", R R R R);
	CHECK_SANITIZE("\xf0\x8f\xbf\xbf", R R R R);
}

TEST(utf8_surrogates_and_too_big_replaced)
{
	CHECK_SANITIZE("\xed\xa0\x80", R R R); /* U+D800 */
	CHECK_SANITIZE("\xed\xbf\xbf", R R R); /* U+DFFF */
	CHECK_SANITIZE("\xf4\x90\x80\x80", R R R R); /* U+110000 */
}

TEST(utf8_truncated_sequence_one_replacement)
{
	/* a maximal subpart becomes one U+FFFD, the next byte is kept */
	CHECK_SANITIZE("x\xe2\x82", "x" R);
	CHECK_SANITIZE("\xe2\x82" "A", R "A");
	CHECK_SANITIZE("\xf0\x9f\x98" "x", R "x");
	CHECK_SANITIZE("\xf0\x9f\x98", R);
	CHECK_SANITIZE("\xe2\x82\xe2\x82\xac", R "\xe2\x82\xac");
}

TEST(utf8_nul_byte_is_a_character)
{
	char dst[8];

	ASSERT_EQ(utf8__sanitize(dst, sizeof(dst), "a\0b", 3), 3);
	ASSERT_MEMEQ(dst, "a\0b", 4);
}

TEST(utf8_cut_at_character_boundary)
{
	char dst[16];

	memset(dst, 'Z', sizeof(dst));
	/* "a€" is 4 bytes; 3 fit, so only "a" */
	ASSERT_EQ(utf8__sanitize(dst, 4, "a\xe2\x82\xac", 4), 1);
	ASSERT_STREQ(dst, "a");
	ASSERT_EQ(dst[2], 'Z');

	ASSERT_EQ(utf8__sanitize(dst, 5, "a\xe2\x82\xac", 4), 4);
	ASSERT_STREQ(dst, "a\xe2\x82\xac");

	/* a replacement character is never cut either */
	ASSERT_EQ(utf8__sanitize(dst, 4, "ab\xff", 3), 2);
	ASSERT_STREQ(dst, "ab");

	ASSERT_EQ(utf8__sanitize(dst, 1, "abc", 3), 0);
	ASSERT_EQ(dst[0], '\0');

	dst[0] = 'Q';
	ASSERT_EQ(utf8__sanitize(dst, 0, "abc", 3), 0);
	ASSERT_EQ(dst[0], 'Q');
}

/*
 * ASCII is copied a word at a time as it is checked: a bad byte at every
 * position of strings up to five words, with every room, must come out
 * as the character-wise copy would have it, and nothing past it written.
 */
TEST(utf8_copy_ascii_words_then_a_bad_byte)
{
	char src[40], dst[48], want[48];

	for (size_t len = 0; len <= sizeof(src); len++) {
		for (size_t pos = 0; pos <= len; pos++) {
			size_t wlen = 0;

			/* pos == len: all ASCII */
			for (size_t i = 0; i < len; i++)
				src[i] = i == pos ? (char)0x80
						  : (char)('a' + i % 26);
			for (size_t i = 0; i < len; i++) {
				if (i == pos) {
					memcpy(want + wlen, R, 3);
					wlen += 3;
				} else {
					want[wlen++] = src[i];
				}
			}
			for (size_t cap = 0; cap <= wlen + 1; cap++) {
				size_t n = wlen < cap ? wlen : cap;

				/* U+FFFD is never cut */
				if (pos < len && n > pos && n < pos + 3)
					n = pos;
				memset(dst, 'Z', sizeof(dst));
				ASSERT_EQ(utf8__copy(dst, cap, src, len), n);
				ASSERT_MEMEQ(dst, want, n);
				for (size_t i = n; i < sizeof(dst); i++)
					ASSERT_EQ(dst[i], 'Z');
			}
		}
	}
}

TEST(utf8_seq_decodes)
{
	uint32_t cp = 0;

	ASSERT_EQ(utf8__seq("A", 1, &cp), 1);
	ASSERT_EQ(cp, 'A');
	ASSERT_EQ(utf8__seq("\xc3\xa9", 2, &cp), 2);
	ASSERT_EQ(cp, 0xe9);
	ASSERT_EQ(utf8__seq("\xe2\x82\xac", 3, &cp), 3);
	ASSERT_EQ(cp, 0x20ac);
	ASSERT_EQ(utf8__seq("\xf4\x8f\xbf\xbf", 4, &cp), 4);
	ASSERT_EQ(cp, 0x10ffff);
	ASSERT_EQ(utf8__seq("\xe2\x82\xac", 2, NULL), -2);
	ASSERT_EQ(utf8__seq("\xed\xa0\x80", 3, NULL), -1);
	ASSERT_EQ(utf8__seq("", 0, NULL), 0);
}

TEST(utf8_char_start)
{
	/* "a", U+00E9 (2 bytes), U+20AC (3 bytes), "b" */
	const char s[] = "a\xc3\xa9\xe2\x82\xac"
			 "b";

	ASSERT_EQ(utf8__char_start(s, 0), 0);
	ASSERT_EQ(utf8__char_start(s, 1), 1);
	ASSERT_EQ(utf8__char_start(s, 2), 1);
	ASSERT_EQ(utf8__char_start(s, 3), 3);
	ASSERT_EQ(utf8__char_start(s, 4), 3);
	ASSERT_EQ(utf8__char_start(s, 5), 3);
	ASSERT_EQ(utf8__char_start(s, 6), 6);
}

/*
 * utf8__copy_ascii stops at the first byte with its high bit set, wherever
 * it is in its word or short tail, and writes nothing past the ASCII it
 * returns but within n (the rest of dst is the caller's).
 */
TEST(utf8_copy_ascii_stops_at_high_byte)
{
	char src[40], dst[48];

	for (size_t len = 0; len <= sizeof(src); len++) {
		for (size_t pos = 0; pos <= len; pos++) {
			for (size_t i = 0; i < len; i++)
				src[i] = i == pos ? (char)0xc3
						  : (char)('a' + i % 26);
			memset(dst, 'Z', sizeof(dst));
			ASSERT_EQ(utf8__copy_ascii(dst, src, len), pos);
			ASSERT_MEMEQ(dst, src, pos);
			for (size_t i = len; i < sizeof(dst); i++)
				ASSERT_EQ(dst[i], 'Z');
		}
	}
}
