// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The word- and vector-at-a-time scans against their byte-at-a-time
 * definitions: every byte value, at every position of a buffer longer than
 * two vectors.
 */
#include "test.h"
#include "util/ascii.h"

#define SCAN_LEN 40

static bool is_ctl(uint8_t c)
{
	return c < 0x20 || c == 0x7f;
}

static bool is_ctl_or_sp(uint8_t c)
{
	return c <= ' ' || c == 0x7f;
}

/*
 * run() against its byte-wise definition, stops(): every byte value at
 * every position, and every length, so each way to the end is taken
 * (words, the overlapping last word, bytes). A later stopping byte,
 * later, must not hide the first.
 */
static void check_run(size_t (*run)(const uint8_t *, size_t),
		      bool (*stops)(uint8_t), uint8_t later)
{
	uint8_t buf[SCAN_LEN];

	for (unsigned int c = 0; c < 256; c++) {
		for (size_t len = 0; len <= SCAN_LEN; len++) {
			for (size_t pos = 0; pos < len; pos++) {
				size_t want = len;

				memset(buf, 'a', sizeof(buf));
				buf[pos] = (uint8_t)c;
				if (pos + 1 < len) {
					buf[len - 1] = later;
					want = len - 1;
				}
				if (stops((uint8_t)c))
					want = pos;
				ASSERT_EQ(run(buf, len), want);
				ASSERT_EQ(run(buf, pos), pos);
			}
		}
	}
	ASSERT_EQ(run(NULL, 0), 0);
}

TEST(ascii_no_ctl_run_stops_at_the_first_control_byte)
{
	check_run(ascii__no_ctl_run, is_ctl, '\r');
}

/* the borrow of one byte must not hide or invent another */
static void check_word(uint64_t (*word)(uint64_t), bool (*stops)(uint8_t))
{
	uint64_t w;
	uint8_t b[8];

	for (unsigned int c = 0; c < 256; c++) {
		for (unsigned int d = 0; d < 256; d += 17) {
			memset(b, (int)d, sizeof(b));
			b[3] = (uint8_t)c;
			memcpy(&w, b, 8);
			ASSERT_EQ(word(w) != 0,
				  stops((uint8_t)c) || stops((uint8_t)d));
		}
	}
}

TEST(ascii_no_ctl_run_flags_each_byte_of_a_word)
{
	check_word(ascii__word_has_ctl, is_ctl);
}

TEST(ascii_no_ctl_sp_run_stops_at_the_first_control_byte_or_space)
{
	check_run(ascii__no_ctl_sp_run, is_ctl_or_sp, ' ');
	check_run(ascii__no_ctl_sp_run, is_ctl_or_sp, 0x7f);
}

TEST(ascii_no_ctl_sp_run_flags_each_byte_of_a_word)
{
	check_word(ascii__word_has_ctl_or_sp, is_ctl_or_sp);
}

TEST(ascii_lower_word_is_ascii_lower_on_each_byte)
{
	uint8_t b[8], want[8];
	uint64_t w;

	/* every byte value next to every other, in every position */
	for (unsigned int c = 0; c < 256; c++) {
		for (unsigned int d = 0; d < 256; d++) {
			for (size_t pos = 0; pos < 8; pos += 7) {
				memset(b, (int)d, sizeof(b));
				b[pos] = (uint8_t)c;
				b[3] = (uint8_t)(c ^ d);
				for (size_t i = 0; i < 8; i++)
					want[i] = (uint8_t)ascii__lower(
						(char)b[i]);
				memcpy(&w, b, 8);
				w = ascii__lower_word(w);
				ASSERT_MEMEQ(&w, want, 8);
			}
		}
	}
}

TEST(ascii_token_run_is_the_leading_tchar_run)
{
	/* longer than two vectors, so the table's bytes are met mid-scan */
	uint8_t buf[40];

	for (unsigned int c = 0; c < 256; c++) {
		for (size_t len = 0; len <= sizeof(buf); len++) {
			for (size_t pos = 0; pos < len; pos++) {
				size_t want = len;

				memset(buf, 'x', sizeof(buf));
				/* rarer tchars on the way, and a colon */
				buf[len / 3] = '_';
				buf[len / 2] = '~';
				if (pos + 1 < len) {
					buf[len - 1] = ':';
					want = len - 1;
				}
				buf[pos] = (uint8_t)c;
				if (!ascii__tchar[c])
					want = pos;
				else if (pos == len - 1)
					want = len;
				ASSERT_EQ(ascii__token_run(buf, len), want);
			}
		}
	}
	ASSERT_EQ(ascii__token_run(NULL, 0), 0);
}

#ifdef __SSE2__
static bool is_alnum_dash(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

/* the vector classes: every byte value at every lane, among others */
TEST(ascii_vector_masks_are_the_byte_classes)
{
	static const uint8_t others[] = {'a',  'Z',  '5',  '-',	 ':',
					 '\t', 0x7f, 0x80, 0xff, 0};
	uint8_t buf[16];

	for (unsigned int c = 0; c < 256; c++) {
		for (size_t o = 0; o < sizeof(others); o++) {
			for (size_t pos = 0; pos < 16; pos++) {
				unsigned int want_name = 0, want_ctl = 0;
				unsigned int want_alpha_dash = 0;
				__m128i x;

				memset(buf, others[o], sizeof(buf));
				buf[pos] = (uint8_t)c;
				for (size_t k = 0; k < 16; k++) {
					if (!is_alnum_dash(buf[k]))
						want_name |= 1u << k;
					if (!is_alnum_dash(buf[k]) ||
					    (buf[k] >= '0' && buf[k] <= '9'))
						want_alpha_dash |= 1u << k;
					if (is_ctl(buf[k]))
						want_ctl |= 1u << k;
				}
				x = _mm_loadu_si128((const __m128i *)buf);
				ASSERT_EQ(ascii__v_not_alnum_dash(x),
					  want_name);
				ASSERT_EQ(ascii__v_not_alpha_dash(x),
					  want_alpha_dash);
				ASSERT_EQ(ascii__v_ctl(x), want_ctl);
			}
		}
	}
}
#endif

TEST(ascii_is_ows_is_space_and_tab_only)
{
	for (unsigned int c = 0; c < 256; c++)
		ASSERT_EQ(ascii__is_ows((uint8_t)c), c == ' ' || c == '\t');
}

/* any case of a's letters; only letters fold, and lc is taken as it is */
TEST(ascii_mem_ieq_lc_folds_a_letters_only)
{
	ASSERT_TRUE(ascii__mem_ieq_lc("Content-TYPE", "content-type", 12));
	ASSERT_TRUE(ascii__mem_ieq_lc("GMT", "gmt", 3));
	ASSERT_TRUE(ascii__mem_ieq_lc("x", "y", 0));
	ASSERT_TRUE(!ascii__mem_ieq_lc("GMT", "GMT", 3));
	ASSERT_TRUE(!ascii__mem_ieq_lc("gmu", "gmt", 3));
	/* '@' is 'A' - 1 and '[' is 'Z' + 1: neither is a letter */
	ASSERT_TRUE(!ascii__mem_ieq_lc("@", "`", 1));
	ASSERT_TRUE(!ascii__mem_ieq_lc("[", "{", 1));
	ASSERT_TRUE(!ascii__mem_ieq_lc("\xc0", "\xe0", 1));
}
