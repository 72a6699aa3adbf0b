// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The word-at-a-time scans against their byte-at-a-time definitions: every
 * byte value, at every position of a buffer longer than two words.
 */
#include "test.h"
#include "util/ascii.h"

#define SCAN_LEN 19

static bool is_ctl(uint8_t c)
{
	return c < 0x20 || c == 0x7f;
}

TEST(ascii_no_ctl_run_stops_at_or_before_every_control_byte)
{
	uint8_t buf[SCAN_LEN];

	for (unsigned int c = 0; c < 256; c++) {
		for (size_t pos = 0; pos < SCAN_LEN; pos++) {
			size_t n;

			memset(buf, 'a', sizeof(buf));
			buf[pos] = (uint8_t)c;
			n = ascii__no_ctl_run(buf, sizeof(buf));
			/* whole words only, and never past a control byte */
			ASSERT_EQ(n % 8, 0);
			ASSERT_TRUE(n <= sizeof(buf));
			if (is_ctl((uint8_t)c))
				ASSERT_TRUE(n <= pos);
			else
				ASSERT_EQ(n, sizeof(buf) / 8 * 8);
		}
	}
}

TEST(ascii_no_ctl_run_flags_each_byte_of_a_word)
{
	/* the borrow of one byte must not hide or invent another */
	uint64_t w;
	uint8_t b[8];

	for (unsigned int c = 0; c < 256; c++) {
		for (unsigned int d = 0; d < 256; d += 17) {
			memset(b, (int)d, sizeof(b));
			b[3] = (uint8_t)c;
			memcpy(&w, b, 8);
			ASSERT_EQ(ascii__word_has_ctl(w) != 0,
				  is_ctl((uint8_t)c) || is_ctl((uint8_t)d));
		}
	}
}

TEST(ascii_run_is_the_leading_seven_bit_run)
{
	uint8_t buf[SCAN_LEN];

	for (unsigned int c = 0; c < 256; c++) {
		for (size_t pos = 0; pos < SCAN_LEN; pos++) {
			memset(buf, 'a', sizeof(buf));
			buf[pos] = (uint8_t)c;
			ASSERT_EQ(ascii__run(buf, sizeof(buf)),
				  c & 0x80 ? pos : sizeof(buf));
			ASSERT_EQ(ascii__run(buf, pos), pos);
		}
	}
	ASSERT_EQ(ascii__run(NULL, 0), 0);
}
